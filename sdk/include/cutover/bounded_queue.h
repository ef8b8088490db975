// A bounded multi-producer multi-consumer queue without locks (Dmitry Vyukov's
// array queue): pushing and popping are one compare-and-swap on a shared
// position plus a write to the claimed cell, and never block or allocate. A
// full queue refuses the push instead of waiting: the experiment executor and
// the Redis publisher count such a refusal as a drop.
//
// Cells keep their T between uses. TryPushWith / TryPopWith hand the cell's T
// to a callback in place, so a T that owns buffers (a ResultRecord's strings)
// is refilled without allocating once warm.
//
// Thread-safety: all methods may be called from any number of threads.
#ifndef CUTOVER_BOUNDED_QUEUE_H_
#define CUTOVER_BOUNDED_QUEUE_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

namespace cutover {
inline namespace sdk {

template <typename T>
class BoundedQueue {
 public:
  // `min_capacity` is rounded up to a power of two (at least 2); capacity()
  // tells the result.
  explicit BoundedQueue(std::size_t min_capacity)
      : capacity_(RoundUp(min_capacity)),
        mask_(capacity_ - 1),
        cells_(std::make_unique<Cell[]>(capacity_)) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      cells_[i].sequence.store(i, std::memory_order_relaxed);
    }
  }

  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  std::size_t capacity() const { return capacity_; }

  // The queue's size around one push, measured once the push completed: before
  // counts the items ahead of the pushed one, after every item then queued.
  // Racing pushes each see their own `before`, so a size threshold is crossed
  // (before < threshold <= after) by at least one of them even when none sees
  // the size equal to the threshold.
  struct PushSizes {
    std::size_t before = 0;
    std::size_t after = 0;
  };

  // Moves `value` in. False when full, leaving `value` untouched.
  bool TryPush(T&& value) {
    return TryPushWith([&value](T& cell) { cell = std::move(value); });
  }

  // Claims a free cell and calls `fill(T&)` on it; `fill` must not throw.
  // False (without calling `fill`) when full. When pushed and `sizes` is not
  // null, fills it in (two loads, as SizeApprox()).
  template <typename Fill>
  bool TryPushWith(Fill&& fill, PushSizes* sizes = nullptr) {
    Cell* cell;
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      cell = &cells_[pos & mask_];
      const std::size_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff =
          static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        // seq_cst (free on x86, where any locked instruction is a full
        // barrier): lets a consumer that parks after checking SizeApprox()
        // and a producer that checks for parked consumers after pushing
        // never miss each other.
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1,
                                               std::memory_order_seq_cst,
                                               std::memory_order_relaxed)) {
          break;
        }
      } else if (diff < 0) {
        return false;  // the cell a full lap ahead is still occupied
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    // The next push lands on the next cell, last touched a whole lap ago: start
    // bringing it into cache now, while this one is filled. A T that owns
    // buffers spans several cache lines.
    const char* next =
        reinterpret_cast<const char*>(&cells_[(pos + 1) & mask_]);
    for (std::size_t line = 0; line < sizeof(Cell); line += 64) {
      __builtin_prefetch(next + line, 1);
    }
    fill(cell->value);
    cell->sequence.store(pos + 1, std::memory_order_release);
    if (sizes != nullptr) {
      const std::size_t enq = enqueue_pos_.load(std::memory_order_seq_cst);
      const std::size_t deq = dequeue_pos_.load(std::memory_order_seq_cst);
      // A consumer may already have taken the pushed item (deq > pos).
      sizes->before = pos > deq ? pos - deq : 0;
      sizes->after = enq > deq ? enq - deq : 0;
    }
    return true;
  }

  // Moves the oldest value out into `*out`. False when empty.
  bool TryPop(T* out) {
    return TryPopWith([out](T& cell) { *out = std::move(cell); });
  }

  // Calls `consume(T&)` on the oldest cell, then frees the cell (its T stays
  // for reuse); `consume` must not throw. False when empty.
  template <typename Consume>
  bool TryPopWith(Consume&& consume) {
    Cell* cell;
    std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      cell = &cells_[pos & mask_];
      const std::size_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) -
                        static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (dequeue_pos_.compare_exchange_weak(pos, pos + 1,
                                               std::memory_order_relaxed)) {
          break;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = dequeue_pos_.load(std::memory_order_relaxed);
      }
    }
    consume(cell->value);
    cell->sequence.store(pos + mask_ + 1, std::memory_order_release);
    return true;
  }

  // Items in the queue, possibly stale by the time it returns.
  std::size_t SizeApprox() const {
    const std::size_t enq = enqueue_pos_.load(std::memory_order_seq_cst);
    const std::size_t deq = dequeue_pos_.load(std::memory_order_seq_cst);
    return enq > deq ? enq - deq : 0;
  }

 private:
  struct Cell {
    std::atomic<std::size_t> sequence{0};
    T value{};
  };

  static std::size_t RoundUp(std::size_t n) {
    std::size_t c = 2;
    while (c < n) c <<= 1;
    return c;
  }

  const std::size_t capacity_;
  const std::size_t mask_;
  const std::unique_ptr<Cell[]> cells_;
  // Producers and consumers hammer different positions: keep them on
  // different cache lines.
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_BOUNDED_QUEUE_H_
