#include "cutover/client.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "cutover/atomic_file.h"
#include "cutover/evaluator.h"
#include "cutover/flag_json.h"
#include "cutover/internal/strings.h"
#include "cutover/json_text.h"
#include "cutover/redis_flag_store.h"
#include "nlohmann/json.hpp"

namespace cutover {
inline namespace sdk {
namespace {

std::atomic<std::uint64_t> next_client_id{1};

}  // namespace

Client::Client(Passkey, std::shared_ptr<FlagStore> store, ClientOptions options)
    : id_(next_client_id.fetch_add(1)),
      store_(std::move(store)),
      options_(std::move(options)),
      logger_(options_.logger ? options_.logger : DefaultLogger()) {}

absl::StatusOr<std::unique_ptr<Client>> Client::Start(
    std::shared_ptr<FlagStore> store, ClientOptions options) {
  if (store == nullptr)
    return absl::InvalidArgumentError("Client::Start: store is null");
  if (options.poll_interval <= std::chrono::milliseconds(0)) {
    return absl::InvalidArgumentError(
        "Client::Start: poll_interval must be positive");
  }
  if (absl::Status s =
          ValidateRetryOptions(options.reconnect, "Client::Start: reconnect");
      !s.ok()) {
    return s;
  }
  auto client =
      std::make_unique<Client>(Passkey{}, std::move(store), std::move(options));
  if (absl::Status loaded = client->LoadOnce(); !loaded.ok()) {
    client->RecordFailure(loaded);
    if (!client->options_.snapshot_path.empty()) {
      if (absl::Status s = client->LoadSnapshotFile(); !s.ok()) {
        client->logger_->Log(
            LogLevel::kError,
            StrCat("cannot start from snapshot file: ", s.message()));
      }
    }
  }
  Client* raw = client.get();
  client->thread_ = std::thread([raw] { raw->Run(); });
  return client;
}

absl::StatusOr<std::unique_ptr<Client>> Client::StartRedis(
    std::string_view redis_url, ClientOptions options) {
  auto store =
      RedisFlagStore::FromUrl(redis_url, options.prefix, options.redis);
  if (!store.ok()) return store.status();
  return Start(std::shared_ptr<FlagStore>(*std::move(store)),
               std::move(options));
}

Client::~Client() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    if (active_subscription_ != nullptr) active_subscription_->Interrupt();
  }
  if (thread_.joinable()) thread_.join();
}

const FlagSnapshot* Client::ThreadSnapshot() const {
  struct Entry {
    std::uint64_t client_id = 0;
    std::uint64_t generation = ~std::uint64_t{0};
    std::shared_ptr<const FlagSnapshot> snapshot;
  };
  // A few clients per thread is the norm; more only cost a refresh now and
  // then.
  thread_local std::array<Entry, 4> cache;
  thread_local unsigned next_victim = 0;

  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  Entry* entry = nullptr;
  for (Entry& e : cache) {
    if (e.client_id == id_) {
      entry = &e;
      break;
    }
  }
  if (entry == nullptr) {
    entry = &cache[next_victim++ % cache.size()];
    entry->client_id = id_;
    entry->generation = ~std::uint64_t{0};
  }
  if (entry->generation != generation) {
    ReaderMutexLock lock(&mu_);
    entry->snapshot = snapshot_;
    entry->generation = generation_.load(std::memory_order_relaxed);
  }
  return entry->snapshot.get();
}

Evaluation Client::EvaluateSlot(int slot, std::string_view flag,
                                const EvaluationContext& context,
                                Stage caller_default) const {
  const FlagSnapshot* snap = ThreadSnapshot();
  if (snap == nullptr)
    return FallbackEvaluation(caller_default, Reason::kNotReady);
  const CompiledFlag* compiled = snap->FindBySlot(slot, flag);
  if (compiled == nullptr)
    return FallbackEvaluation(caller_default, Reason::kFlagNotFound);
  return cutover::Evaluate(*compiled, context);
}

Evaluation Client::Evaluate(std::string_view flag,
                            const EvaluationContext& context,
                            Stage caller_default) const {
  return EvaluateSlot(-1, flag, context, caller_default);
}

Evaluation FlagHandle::Evaluate(const EvaluationContext& context,
                                Stage caller_default) const {
  return client_->EvaluateSlot(slot_, name_, context, caller_default);
}

FlagHandle Client::Handle(std::string_view flag) {
  MutexLock lock(&mu_);
  auto [it, inserted] =
      slots_.try_emplace(std::string(flag), static_cast<int>(slots_.size()));
  if (inserted && snapshot_ != nullptr) {
    // Re-index the current snapshot so the new handle resolves by slot right
    // away.
    std::vector<Flag> flags;
    for (const Flag* f : snapshot_->flags()) flags.push_back(*f);
    snapshot_ = FlagSnapshot::Build(snapshot_->version(), std::move(flags),
                                    snapshot_->groups(), slots_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  return FlagHandle(this, std::string(flag), it->second);
}

std::shared_ptr<const FlagSnapshot> Client::BuildSnapshot(
    const StoreContents& contents, std::vector<std::string>* corrupt) {
  std::shared_ptr<const FlagSnapshot> previous = snapshot();
  std::vector<Flag> flags;
  flags.reserve(contents.documents.size());
  for (const auto& [name, document] : contents.documents) {
    absl::StatusOr<Flag> flag = ParseFlagJson(document);
    if (flag.ok() && flag->name != name) {
      flag = absl::InvalidArgumentError(
          StrCat("document names flag \"", flag->name,
                 "\" but is stored under \"", name, "\""));
    }
    if (flag.ok()) {
      flags.push_back(*std::move(flag));
      continue;
    }
    corrupt->push_back(name);
    const CompiledFlag* last_good = previous ? previous->Find(name) : nullptr;
    logger_->Log(
        LogLevel::kError,
        StrCat("flag ", name, ": stored document is corrupt (",
               flag.status().message(), "); ",
               last_good ? "keeping its last good version"
                         : "no good version known, callers get their default"));
    if (last_good != nullptr) flags.push_back(last_good->flag());
  }
  if (previous != nullptr && contents.version < previous->version()) {
    // The store went back in time: Redis restarted without its data, or was
    // restored from an old backup. Dropping the flags it forgot would silently
    // move users to the callers' defaults (writes to the old schema only), so
    // those flags keep their last known stage.
    std::vector<std::string> kept;
    for (const Flag* known : previous->flags()) {
      const bool present =
          std::any_of(flags.begin(), flags.end(),
                      [&](const Flag& f) { return f.name == known->name; });
      if (!present) {
        flags.push_back(*known);
        kept.push_back(known->name);
      }
    }
    if (!kept.empty()) {
      logger_->Log(LogLevel::kError,
                   StrCat("flag store version went backwards (",
                          contents.version, " < ", previous->version(),
                          "): Redis lost data; keeping the last known "
                          "version of ",
                          kept.size(),
                          " missing flag(s) until they are "
                          "written again"));
    }
  }
  GroupSets groups;
  for (const auto& [group, members] : contents.groups) {
    groups[group].insert(members.begin(), members.end());
  }
  MutexLock lock(&mu_);
  return FlagSnapshot::Build(contents.version, std::move(flags),
                             std::move(groups), slots_);
}

absl::Status Client::LoadOnce() {
  absl::StatusOr<StoreContents> contents = store_->LoadAll();
  if (!contents.ok()) return contents.status();
  std::vector<std::string> corrupt;
  auto snap = BuildSnapshot(*contents, &corrupt);
  Install(std::move(snap), /*from_file=*/false, std::move(corrupt));
  if (!options_.snapshot_path.empty()) {
    if (absl::Status s = WriteSnapshotFile(*contents); !s.ok()) {
      logger_->Log(LogLevel::kWarning,
                   StrCat("cannot write snapshot file: ", s.message()));
    }
  }
  return absl::OkStatus();
}

void Client::Install(std::shared_ptr<const FlagSnapshot> snap, bool from_file,
                     std::vector<std::string> corrupt) {
  const std::int64_t version = snap->version();
  {
    MutexLock lock(&mu_);
    snapshot_ = std::move(snap);
    generation_.fetch_add(1, std::memory_order_release);
    status_.ready = true;
    status_.from_snapshot_file = from_file;
    status_.version = version;
    status_.corrupt_flags = std::move(corrupt);
    if (!from_file) {
      status_.stale = false;
      status_.last_error.clear();
      status_.last_sync = absl::Now();
    }
  }
  if (options_.on_change) {
    try {
      options_.on_change(version);
    } catch (const std::exception& e) {
      logger_->Log(LogLevel::kError,
                   StrCat("on_change callback threw: ", e.what()));
    } catch (...) {
      logger_->Log(LogLevel::kError,
                   "on_change callback threw a non-standard exception");
    }
  }
}

void Client::RecordFailure(const absl::Status& status) {
  bool first = false;
  {
    MutexLock lock(&mu_);
    first = !status_.stale;
    status_.stale = true;
    status_.last_error = std::string(status.message());
  }
  // Once per outage, not once per retry: the log must stay readable during an
  // incident.
  if (first) {
    logger_->Log(
        LogLevel::kWarning,
        StrCat("flag store unreachable, serving the last known flags: ",
               status.message()));
  }
}

void Client::RecordSync() {
  bool recovered = false;
  {
    MutexLock lock(&mu_);
    recovered = status_.stale;
    status_.stale = false;
    status_.last_error.clear();
    status_.last_sync = absl::Now();
  }
  if (recovered) logger_->Log(LogLevel::kInfo, "flag store reachable again");
}

bool Client::SleepUnlessStopping(std::chrono::milliseconds duration) {
  MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                       absl::Milliseconds(duration.count()));
  return !stopping_;
}

void Client::Run() {
  std::unique_ptr<ChangeSubscription> subscription;
  // Full jitter spreads the reconnects of many processes after a Redis
  // restart (retry_policy.h).
  RetryPolicy reconnect(options_.reconnect);
  bool need_load = !status().ready || status().from_snapshot_file;
  auto fail = [&](const absl::Status& s) {
    RecordFailure(s);
    {
      MutexLock lock(&mu_);
      active_subscription_ = nullptr;
    }
    subscription.reset();
    need_load = true;
    const bool keep_going = SleepUnlessStopping(reconnect.NextDelay());
    return keep_going;
  };
  while (true) {
    {
      MutexLock lock(&mu_);
      if (stopping_) break;
    }
    if (subscription == nullptr) {
      // Subscribe before loading, so that no change falls between the load and
      // the subscription.
      auto sub = store_->Subscribe();
      if (!sub.ok()) {
        if (!fail(sub.status())) break;
        continue;
      }
      subscription = *std::move(sub);
      MutexLock lock(&mu_);
      if (stopping_) break;
      active_subscription_ = subscription.get();
      need_load = true;
    }
    if (need_load) {
      if (absl::Status s = LoadOnce(); !s.ok()) {
        if (!fail(s)) break;
        continue;
      }
      need_load = false;
      reconnect.Reset();
    }
    absl::StatusOr<bool> changed =
        subscription->WaitForChange(options_.poll_interval);
    if (!changed.ok()) {
      if (!fail(changed.status())) break;
      continue;
    }
    if (*changed) {
      need_load = true;
      continue;
    }
    // Quiet period: the announcement may have been lost, so compare versions.
    absl::StatusOr<std::int64_t> version = store_->Version();
    if (!version.ok()) {
      if (!fail(version.status())) break;
      continue;
    }
    RecordSync();
    need_load = *version != status().version;
  }
  MutexLock lock(&mu_);
  active_subscription_ = nullptr;
}

ClientStatus Client::status() const {
  MutexLock lock(&mu_);
  ClientStatus out = status_;
  out.staleness = status_.last_sync == absl::InfinitePast()
                      ? absl::ZeroDuration()
                      : absl::Now() - status_.last_sync;
  return out;
}

std::shared_ptr<const FlagSnapshot> Client::snapshot() const {
  ReaderMutexLock lock(&mu_);
  return snapshot_;
}

bool Client::WaitUntilReady(std::chrono::milliseconds timeout) const {
  MutexLock lock(&mu_);
  auto ready = [this]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return status_.ready; };
  return mu_.AwaitWithTimeout(absl::Condition(&ready),
                              absl::Milliseconds(timeout.count()));
}

bool Client::WaitForVersion(std::int64_t version,
                            std::chrono::milliseconds timeout) const {
  MutexLock lock(&mu_);
  auto reached = [this, version]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return status_.ready && status_.version >= version;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached),
                              absl::Milliseconds(timeout.count()));
}

absl::Status Client::WriteSnapshotFile(const StoreContents& contents) const {
  nlohmann::json doc = {{"version", contents.version},
                        {"documents", nlohmann::json::object()},
                        {"groups", nlohmann::json::object()}};
  for (const auto& [name, document] : contents.documents)
    doc["documents"][name] = document;
  for (const auto& [group, members] : contents.groups)
    doc["groups"][group] = members;
  // A failed write must never replace the last good snapshot: see
  // atomic_file.h.
  return WriteFileAtomically(options_.snapshot_path, ToJsonText(doc));
}

absl::Status Client::LoadSnapshotFile() {
  std::ifstream in(options_.snapshot_path);
  if (!in)
    return absl::NotFoundError(
        StrCat("no snapshot file at ", options_.snapshot_path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto doc =
      nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("version") ||
      !doc["version"].is_number_integer() || !doc.contains("documents") ||
      !doc["documents"].is_object()) {
    return absl::InvalidArgumentError(StrCat("snapshot file ",
                                             options_.snapshot_path,
                                             " is not a cutover snapshot"));
  }
  StoreContents contents;
  contents.version = doc["version"].get<std::int64_t>();
  for (auto& [name, document] : doc["documents"].items()) {
    if (document.is_string())
      contents.documents.emplace_back(name, document.get<std::string>());
  }
  if (doc.contains("groups") && doc["groups"].is_object()) {
    for (auto& [group, members] : doc["groups"].items()) {
      std::vector<std::string> ids;
      for (const auto& m : members) {
        if (m.is_string()) ids.push_back(m.get<std::string>());
      }
      contents.groups.emplace_back(group, std::move(ids));
    }
  }
  std::vector<std::string> corrupt;
  auto snap = BuildSnapshot(contents, &corrupt);
  Install(std::move(snap), /*from_file=*/true, std::move(corrupt));
  logger_->Log(
      LogLevel::kWarning,
      StrCat("serving flags from snapshot file ", options_.snapshot_path,
             " (version ", contents.version, ") until the store is reachable"));
  return absl::OkStatus();
}

}  // namespace sdk
}  // namespace cutover
