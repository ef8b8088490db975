// The lock-free bounded queue under the executor and the publisher's event
// queue: FIFO, refuses when full, loses and duplicates nothing under
// concurrency, recycles cell contents.
#include "cutover/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace cutover {
namespace {

TEST(BoundedQueueTest, CapacityIsRoundedUpToAPowerOfTwo) {
  EXPECT_EQ(BoundedQueue<int>(1).capacity(), 2u);
  EXPECT_EQ(BoundedQueue<int>(5).capacity(), 8u);
  EXPECT_EQ(BoundedQueue<int>(1024).capacity(), 1024u);
}

TEST(BoundedQueueTest, IsFifoAndRefusesWhenFull) {
  BoundedQueue<int> q(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.TryPush(int{i}));
  int refused = 99;
  EXPECT_FALSE(q.TryPush(std::move(refused)));
  EXPECT_EQ(q.SizeApprox(), 4u);
  for (int i = 0; i < 4; ++i) {
    int out = -1;
    ASSERT_TRUE(q.TryPop(&out));
    EXPECT_EQ(out, i);
  }
  int out = -1;
  EXPECT_FALSE(q.TryPop(&out));
  EXPECT_EQ(q.SizeApprox(), 0u);
}

TEST(BoundedQueueTest, ARefusedValueIsLeftUntouched) {
  BoundedQueue<std::unique_ptr<int>> q(2);
  ASSERT_TRUE(q.TryPush(std::make_unique<int>(1)));
  ASSERT_TRUE(q.TryPush(std::make_unique<int>(2)));
  auto third = std::make_unique<int>(3);
  EXPECT_FALSE(q.TryPush(std::move(third)));
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(*third, 3);
}

TEST(BoundedQueueTest, CellsKeepTheirContentsForReuse) {
  BoundedQueue<std::string> q(2);
  ASSERT_TRUE(q.TryPushWith([](std::string& cell) {
    cell.assign(1000, 'x');  // grows the cell's buffer
  }));
  std::string taken;
  ASSERT_TRUE(q.TryPopWith([&taken](std::string& cell) {
    taken.swap(cell);  // the cell now holds `taken`'s old (empty) buffer
  }));
  EXPECT_EQ(taken.size(), 1000u);
}

TEST(BoundedQueueTest, ManyProducersAndConsumersLoseAndDuplicateNothing) {
  BoundedQueue<int> q(256);
  constexpr int kProducers = 4;
  constexpr int kConsumers = 3;
  constexpr int kPerProducer = 100'000;
  std::vector<std::atomic<int>> seen(kProducers * kPerProducer);
  std::atomic<int> consumed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        int v = p * kPerProducer + i;
        while (!q.TryPush(std::move(v))) std::this_thread::yield();
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      int v;
      while (consumed.load() < kProducers * kPerProducer) {
        if (q.TryPop(&v)) {
          seen[v].fetch_add(1);
          consumed.fetch_add(1);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : seen) ASSERT_EQ(s.load(), 1);
}

}  // namespace
}  // namespace cutover
