// The live flag client: what application code holds to evaluate migration
// flags.
//
// It loads every flag and group from a FlagStore into an immutable snapshot,
// then keeps it current from a background thread: change announcements (Redis
// pub/sub) trigger a reload, and the store version is polled as a safety net
// because pub/sub drops messages while disconnected. When the store is
// unreachable the client keeps serving the last snapshot, reports itself stale
// and reconnects with the retry policy (retry_policy.h). It can write the
// snapshot to a file on every good load and start from that file when the store
// is down.
//
//   auto client = cutover::Client::StartRedis("redis://127.0.0.1:6379", {});
//   std::string_view groups[] = {"staff"};
//   cutover::Stage stage =
//       (*client)->Evaluate("pair_membership", {user_id, groups}).stage;
//
// Thread-safety: every method may be called from any thread. Evaluation never
// blocks on the store, never allocates and takes no lock in the steady state:
// each thread keeps its own reference to the current snapshot and refreshes it
// (a pointer copy under a reader lock) only after a change.
#ifndef CUTOVER_CLIENT_H_
#define CUTOVER_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cutover/evaluation.h"
#include "cutover/flag_snapshot.h"
#include "cutover/flag_store.h"
#include "cutover/logger.h"
#include "cutover/mutex.h"
#include "cutover/redis_connection.h"
#include "cutover/retry_policy.h"

namespace cutover {
inline namespace sdk {

struct ClientOptions {
  std::string prefix = "cutover:";  // Redis key prefix (StartRedis only)
  RedisOptions redis;  // timeouts for every Redis call (StartRedis only)
  // How often the store version is polled when no announcement arrives.
  std::chrono::milliseconds poll_interval{1000};
  // How long to wait before reconnecting after a failure; max_retries is
  // ignored (the client retries for as long as it runs).
  RetryOptions reconnect{std::chrono::milliseconds(50),
                         std::chrono::milliseconds(2000),
                         RetryOptions::kUnlimited};
  // If set, written (atomically) after every good load and read at start-up
  // when the store cannot be reached.
  std::string snapshot_path;
  // Called on the client's thread after each new snapshot is installed, with
  // its version. Must not block for long; exceptions are caught and logged.
  std::function<void(std::int64_t version)> on_change;
  std::shared_ptr<Logger> logger;  // null: DefaultLogger()
};

struct ClientStatus {
  bool ready = false;  // a snapshot (from the store or the snapshot file) is
                       // being served
  bool stale = false;  // the last attempt to reach the store failed
  bool from_snapshot_file = false;
  std::int64_t version = 0;  // store version of the snapshot being served
  absl::Time last_sync = absl::InfinitePast();  // last good load or poll
  absl::Duration staleness;  // now - last_sync (0 when never synced)
  std::string last_error;    // empty when the last attempt succeeded
  // Flags whose stored document is corrupt: each keeps its last good version,
  // if any.
  std::vector<std::string> corrupt_flags;
};

class Client;

// A flag name resolved once, for hot paths: evaluating through it skips the
// name lookup. Cheap to copy; valid while its Client lives.
class FlagHandle {
 public:
  Evaluation Evaluate(const EvaluationContext& context,
                      Stage caller_default = Stage::kOff) const;
  const std::string& name() const { return name_; }

 private:
  friend class Client;
  FlagHandle(const Client* client, std::string name, int slot)
      : client_(client), name_(std::move(name)), slot_(slot) {}
  const Client* client_;
  std::string name_;
  int slot_;
};

class Client {
 public:
  // Starts a client over `store`. Tries one load right away (then the snapshot
  // file if that fails), so a reachable store gives a ready client on return;
  // an unreachable one gives a client that is not ready (or serves the snapshot
  // file) and keeps trying in the background. Errors only for invalid options.
  static absl::StatusOr<std::unique_ptr<Client>> Start(
      std::shared_ptr<FlagStore> store, ClientOptions options = {});
  // Start() over a RedisFlagStore for `redis_url`. InvalidArgument for a bad
  // URL.
  static absl::StatusOr<std::unique_ptr<Client>> StartRedis(
      std::string_view redis_url, ClientOptions options = {});

  // Stops the background thread (promptly: it is interrupted, not waited out).
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The stage for this user. A missing flag gives `caller_default`
  // (FLAG_NOT_FOUND); a client that never loaded gives `caller_default`
  // (NOT_READY).
  Evaluation Evaluate(std::string_view flag, const EvaluationContext& context,
                      Stage caller_default = Stage::kOff) const;

  FlagHandle Handle(std::string_view flag);

  // Blocks until ready or `timeout`; returns whether ready.
  bool WaitUntilReady(std::chrono::milliseconds timeout) const;
  // Blocks until the served snapshot has at least `version`; returns whether it
  // does.
  bool WaitForVersion(std::int64_t version,
                      std::chrono::milliseconds timeout) const;

  ClientStatus status() const;
  // The snapshot being served; nullptr before the first load.
  std::shared_ptr<const FlagSnapshot> snapshot() const;
  FlagStore& store() { return *store_; }

  // Used by Start(); public so std::make_unique can reach it.
  struct Passkey {};
  Client(Passkey, std::shared_ptr<FlagStore> store, ClientOptions options);

 private:
  friend class FlagHandle;
  Evaluation EvaluateSlot(int slot, std::string_view flag,
                          const EvaluationContext& context,
                          Stage caller_default) const;
  // This thread's reference to the current snapshot; nullptr before the first
  // load.
  const FlagSnapshot* ThreadSnapshot() const;

  void Run();
  absl::Status LoadOnce();
  void Install(std::shared_ptr<const FlagSnapshot> snapshot, bool from_file,
               std::vector<std::string> corrupt);
  void RecordFailure(const absl::Status& status);
  void RecordSync();
  bool SleepUnlessStopping(std::chrono::milliseconds duration);
  absl::Status WriteSnapshotFile(const StoreContents& contents) const;
  absl::Status LoadSnapshotFile();
  std::shared_ptr<const FlagSnapshot> BuildSnapshot(
      const StoreContents& contents, std::vector<std::string>* corrupt);

  const std::uint64_t
      id_;  // tells thread-local caches of different clients apart
  const std::shared_ptr<FlagStore> store_;
  const ClientOptions options_;
  const std::shared_ptr<Logger> logger_;

  mutable Mutex mu_;
  std::shared_ptr<const FlagSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  // Bumped under mu_ with every new snapshot; readers compare it without the
  // lock.
  std::atomic<std::uint64_t> generation_{0};
  FlagSnapshot::SlotMap slots_ ABSL_GUARDED_BY(mu_);
  ClientStatus status_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  ChangeSubscription* active_subscription_ ABSL_GUARDED_BY(mu_) = nullptr;

  std::thread thread_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_CLIENT_H_
