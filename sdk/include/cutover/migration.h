// The migration router: the object application code calls to read and write
// an entity whose schema is being migrated. Per request and per user it asks
// the live flag client for the stage and does what docs/design.md, Stages says:
//
//   stage      reads run   returned  writes, in order   compared
//   off        old         old       old                no
//   dualwrite  old         old       old, then new      no
//   shadow     old + new   old       old, then new      yes
//   live       new + old   new       new, then old      yes
//   rampdown   new         new       new, then old      no
//   complete   new         new       new                no
//
//   cutover::Migration<UserId, std::vector<PairId>, Membership>::Config config;
//   config.flag = "pair_membership";
//   config.read_old = [&](const UserId& u) { return OldPairs(u); };
//   config.read_new = [&](const UserId& u) { return NewPairs(u); };
//   config.write_old = [&](const Membership& m) { return OldJoin(m); };
//   config.write_new = [&](const Membership& m) { return NewJoin(m); };
//   config.entity_key = [](const Membership& m) { return m.user_id; };
//   auto migration = cutover::Migration<...>::Create(*client, config).value();
//   absl::StatusOr<std::vector<PairId>> pairs =
//       migration.Read({user_id, groups}, user_id);
//
// Reads. The authoritative side's read is returned, value or error. In
// shadow and live, a read sampled by the flag's sample_rate also runs the
// other side and compares the two as a Scientist experiment (control = the
// authoritative read); the result goes to the publisher (matches, mismatches
// with diffs, errors, timeouts). Nothing the other side does can reach the
// caller.
//
// Writes. The authoritative write runs first; its error is the caller's
// error and the other side is not written. The other side is written only
// after it succeeded; if that fails, the caller still succeeds (unless
// strict) and the entity key goes to the reconcile log with the error, so
// `cutover reconcile` can re-sync the row.
//
// Every Read and Write hands one OperationRecord to the tracker: which sides
// ran, latency and error per side, stage and reason.
//
// Callables return absl::StatusOr<T> (reads) or absl::Status /
// absl::StatusOr<WriteOutput> (writes); a plain T converts. An exception
// thrown by a callable is caught and becomes an Internal status naming it.
//
// Thread-safety: a Migration is immutable once created; Read and Write may
// be called from any number of threads at once. The callables, the compare
// and the hooks are called from all of them concurrently (and from executor
// workers in concurrent mode) and must be thread-safe. Copies share one core.
// The Client passed to Create must outlive the migration and its copies.
#ifndef CUTOVER_MIGRATION_H_
#define CUTOVER_MIGRATION_H_

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/client.h"
#include "cutover/comparison.h"
#include "cutover/evaluation.h"
#include "cutover/experiment.h"
#include "cutover/internal/experiment_clock.h"
#include "cutover/internal/experiment_sampling.h"
#include "cutover/internal/migration_steps.h"
#include "cutover/internal/strings.h"
#include "cutover/migration_options.h"
#include "cutover/operation_record.h"
#include "cutover/operation_tracker.h"
#include "cutover/reconcile_log.h"
#include "cutover/status_exception.h"

namespace cutover {
inline namespace sdk {

// What Write returns: absl::Status for writes without a result (the default,
// WriteOutput = void), absl::StatusOr<WriteOutput> otherwise.
template <typename WriteOutput>
struct MigrationWriteResult {
  using type = absl::StatusOr<WriteOutput>;
};
template <>
struct MigrationWriteResult<void> {
  using type = absl::Status;
};

// How the two reads of a comparison are compared and shown.
template <typename ReadOutput>
struct ReadComparison {
  // Equivalence of the two reads; unset: operator==. Set at most one of
  // compare and compare_detailed (which also explains a mismatch with a diff
  // that lands in the event stream; the comparator's row-set compare plugs
  // in here).
  std::function<bool(const ReadOutput&, const ReadOutput&)> compare;
  std::function<Comparison(const ReadOutput&, const ReadOutput&)>
      compare_detailed;
  // Renders a read's value for mismatch events (unset: a default rendering).
  std::function<std::string(const ReadOutput&)> clean;
};

template <typename ReadInput, typename ReadOutput,
          typename WriteInput = ReadInput, typename WriteOutput = void>
class Migration {
  static_assert(!std::is_reference_v<ReadOutput> && !std::is_void_v<ReadOutput>,
                "a migration's reads return a value");

 public:
  using ReadResult = absl::StatusOr<ReadOutput>;
  using WriteResult = typename MigrationWriteResult<WriteOutput>::type;
  using ReadFn = std::function<ReadResult(const ReadInput&)>;
  using WriteFn = std::function<WriteResult(const WriteInput&)>;

  // MigrationOptions (flag, default stage, execution, strict, where results,
  // tracking and reconcile entries go), the read comparison, and the four
  // callables.
  struct Config : MigrationOptions, ReadComparison<ReadOutput> {
    // The four callables. Required.
    ReadFn read_old;
    ReadFn read_new;
    WriteFn write_old;
    WriteFn write_new;
    // The entity key of a write, for its reconcile entry (e.g. the user id
    // or the row's primary key): what `cutover reconcile --sql` gets as $1.
    // Called only when a non-authoritative write failed. Required.
    std::function<std::string(const WriteInput&)> entity_key;

    // Backend hooks (PgMigration sets them).
    MigrationHooks hooks;
  };

  // Validates `config` and builds the migration over `client`, which must
  // outlive it. InvalidArgument naming the field when: the flag or
  // write_operation name is invalid, a callable or entity_key is missing,
  // both compare and compare_detailed are set, or neither is set while
  // ReadOutput has no operator==.
  static absl::StatusOr<Migration> Create(Client& client, Config config) {
    if (absl::Status s = migration_internal::ValidateOptions(config); !s.ok()) {
      return s;
    }
    if (absl::Status s = migration_internal::RequireCallables(
            config.flag,
            {{"read_old", static_cast<bool>(config.read_old)},
             {"read_new", static_cast<bool>(config.read_new)},
             {"write_old", static_cast<bool>(config.write_old)},
             {"write_new", static_cast<bool>(config.write_new)},
             {"entity_key", static_cast<bool>(config.entity_key)}});
        !s.ok()) {
      return s;
    }
    if (!config.tracker) {
      config.tracker = std::make_shared<InMemoryOperationTracker>();
    }
    if (!config.reconcile_log) {
      config.reconcile_log = std::make_shared<InMemoryReconcileLog>();
    }
    if (!config.logger) config.logger = DefaultLogger();
    auto tap = std::make_shared<migration_internal::ResultTap>(
        config.publisher ? config.publisher : DefaultPublisher(),
        config.tracker);

    ExperimentConfig<ReadOutput> experiment;
    experiment.name = config.flag;
    // The migration samples with the flag's rate before it runs the
    // experiment: a run that reaches the experiment always compares.
    experiment.sample_rate = 1.0;
    experiment.mode = config.execution;
    experiment.compare = config.compare;
    experiment.compare_detailed = config.compare_detailed;
    experiment.compare_errors = &migration_internal::SameStatusCode;
    experiment.clean_control = config.clean;
    experiment.publisher = tap;
    experiment.executor = config.executor;
    experiment.deadline = config.candidate_deadline;
    absl::StatusOr<Experiment<ReadOutput>> created =
        Experiment<ReadOutput>::Create(std::move(experiment));
    if (!created.ok()) {
      return PrefixStatus(StrCat("migration '", config.flag, "'"),
                          created.status());
    }
    FlagHandle handle = client.Handle(config.flag);
    return Migration(
        std::make_shared<const Core>(std::move(config), std::move(handle),
                                     *std::move(created), std::move(tap)));
  }

  // Reads `input` for the user in `context` (whose strings must outlive the
  // call). Returns the authoritative side's value or error. In a compared
  // stage the other side's read may run too (sampled); its value, error or
  // slowness never changes what is returned, except that in serial and
  // random-order execution the caller waits for it.
  ReadResult Read(const EvaluationContext& context,
                  const ReadInput& input) const {
    const Core& c = *core_;
    OperationRecord record = c.Begin(MigrationOperation::kRead, context);
    const StagePlan plan = PlanFor(record.evaluation.stage);

    // Errors per side, kept here so the record can point at their messages.
    std::array<absl::Status, 2> errors;
    std::optional<ReadOutput> value;
    if (plan.compare_reads && c.Sampled(record.evaluation, context.user_id)) {
      record.sampled = true;
      ReadCompared(c, context, input, plan, &record, &errors, &value);
    } else {
      const std::int64_t start = experiment_internal::MonotonicNanos();
      ReadResult result = c.InvokeRead(plan.authoritative, input);
      const std::int64_t latency =
          experiment_internal::MonotonicNanos() - start;
      if (result.ok()) {
        value.emplace(*std::move(result));
      } else {
        errors[Index(plan.authoritative)] = result.status();
      }
      migration_internal::SetOrigin(&record.origin(plan.authoritative),
                                    errors[Index(plan.authoritative)], latency);
    }
    for (Side side : {Side::kOld, Side::kNew}) {
      const absl::Status& e = errors[Index(side)];
      if (!e.ok()) {
        OriginOutcome& o = record.origin(side);
        o.ran = true;
        o.code = e.code();
        o.error = FromAbsl(e.message());
      }
    }
    const absl::Status& returned = errors[Index(plan.authoritative)];
    record.result =
        value ? absl::StatusCode::kOk
              : (returned.ok() ? absl::StatusCode::kInternal : returned.code());
    migration_internal::RecordGuarded(*c.options.tracker, record,
                                      *c.options.logger, &c.logged_tracker);
    if (value) return *std::move(value);
    if (!returned.ok()) return returned;
    return absl::InternalError(
        StrCat("migration '", c.options.flag, "': the read returned no value"));
  }

  // Writes `input` for the user in `context`. Returns the authoritative
  // write's result; with the other side failing, the authoritative result in
  // tolerant mode (the key goes to the reconcile log) and that failure,
  // prefixed with what happened, in strict mode.
  WriteResult Write(const EvaluationContext& context,
                    const WriteInput& input) const {
    const Core& c = *core_;
    OperationRecord record = c.Begin(MigrationOperation::kWrite, context);
    const StagePlan plan = PlanFor(record.evaluation.stage);
    const Side auth = plan.authoritative;
    const Side other = Other(auth);

    std::optional<WriteResult> auth_result;
    absl::Status other_status;
    bool other_ran = false;
    auto writes = [&]() -> WriteSummary {
      WriteSummary summary;
      auth_result.emplace(c.InvokeWrite(auth, input, &record.origin(auth)));
      summary.authoritative_ok = auth_result->ok();
      if (summary.authoritative_ok && plan.write_other) {
        other_status =
            StatusOf(c.InvokeWrite(other, input, &record.origin(other)));
        other_ran = true;
        summary.other_ran = true;
        summary.other_ok = other_status.ok();
      }
      return summary;
    };
    absl::Status unit;
    if (c.hooks.around_writes) {
      OperationInfo info = c.Info(MigrationOperation::kWrite, record, plan);
      try {
        unit = c.hooks.around_writes(info, writes);
      } catch (...) {
        unit = StatusFromCurrentException("around_writes hook");
      }
    } else {
      writes();
    }

    if (auth_result.has_value()) {
      record.origin(auth).error = FromAbsl(StatusOf(*auth_result).message());
    }
    record.origin(other).error = FromAbsl(other_status.message());
    std::string key;  // the record views it
    auto decide = [&]() -> WriteResult {
      if (!auth_result.has_value()) {
        if (!unit.ok()) return unit;
        return absl::InternalError(StrCat("migration '", c.options.flag,
                                          "': the around_writes hook did not "
                                          "run the writes"));
      }
      if (!auth_result->ok()) return *auth_result;
      if (other_ran && !other_status.ok()) {
        // The failed side must be re-synced only if the authoritative write
        // is durable: a backend that rolled both back left nothing to fix.
        const bool applied = unit.ok();
        if (applied) {
          key = c.EntityKey(input);
          record.entity_key = key;
          record.reconcile_recorded = true;
          migration_internal::RecordReconcile(
              *c.options.reconcile_log, c.options, record, key, other_status,
              *c.options.logger, &c.logged_write_failure);
        }
        if (c.options.strict) {
          return migration_internal::StrictWriteError(record, other_status,
                                                      applied);
        }
        if (!applied) return unit;
      } else if (!unit.ok()) {
        return unit;
      }
      return *std::move(auth_result);
    };
    WriteResult result = decide();
    record.result = StatusOf(result).code();
    migration_internal::RecordGuarded(*c.options.tracker, record,
                                      *c.options.logger, &c.logged_tracker);
    return result;
  }

  // The stage this migration would use for `context` now, and why.
  Evaluation Evaluate(const EvaluationContext& context) const {
    return core_->handle.Evaluate(context, core_->options.default_stage);
  }

  const std::string& flag() const { return core_->options.flag; }
  const MigrationOptions& options() const { return core_->options; }
  // Where comparison results go (the publisher the config named, or the
  // default one).
  const std::shared_ptr<Publisher>& publisher() const {
    return core_->tap->inner();
  }
  const std::shared_ptr<OperationTracker>& tracker() const {
    return core_->options.tracker;
  }
  const std::shared_ptr<ReconcileLog>& reconcile_log() const {
    return core_->options.reconcile_log;
  }

 private:
  static constexpr int Index(Side side) { return static_cast<int>(side); }

  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }

  struct Core {
    Core(Config c, FlagHandle h, Experiment<ReadOutput> e,
         std::shared_ptr<migration_internal::ResultTap> t)
        : options(static_cast<MigrationOptions&&>(c)),
          read_old(std::move(c.read_old)),
          read_new(std::move(c.read_new)),
          write_old(std::move(c.write_old)),
          write_new(std::move(c.write_new)),
          entity_key(std::move(c.entity_key)),
          hooks(std::move(c.hooks)),
          handle(std::move(h)),
          experiment(std::move(e)),
          tap(std::move(t)) {}

    // A record of a new operation for the user in `context`: evaluated,
    // stamped, with its authoritative side.
    OperationRecord Begin(MigrationOperation operation,
                          const EvaluationContext& context) const {
      OperationRecord record;
      record.flag = options.flag;
      record.operation = operation;
      record.evaluation = handle.Evaluate(context, options.default_stage);
      record.user_id = context.user_id;
      record.at_ms = experiment_internal::UnixMillisCoarse();
      record.authoritative = PlanFor(record.evaluation.stage).authoritative;
      return record;
    }

    bool Sampled(const Evaluation& evaluation, std::string_view user_id) const {
      const std::uint64_t threshold = SampleThreshold(evaluation.sample_rate);
      if (!options.sticky_sampling) return RandomSampled(threshold);
      return !user_id.empty() &&
             StickySampled(threshold, options.flag, user_id);
    }

    ReadResult InvokeRead(Side side, const ReadInput& input) const noexcept {
      try {
        return (side == Side::kOld ? read_old : read_new)(input);
      } catch (...) {
        return StatusFromCurrentException(side == Side::kOld ? "read_old"
                                                             : "read_new");
      }
    }

    WriteResult InvokeWrite(Side side, const WriteInput& input,
                            OriginOutcome* origin) const noexcept {
      const std::int64_t start = experiment_internal::MonotonicNanos();
      WriteResult result = [&]() -> WriteResult {
        try {
          return (side == Side::kOld ? write_old : write_new)(input);
        } catch (...) {
          return StatusFromCurrentException(side == Side::kOld ? "write_old"
                                                               : "write_new");
        }
      }();
      migration_internal::SetOrigin(
          origin, StatusOf(result),
          experiment_internal::MonotonicNanos() - start);
      return result;
    }

    std::string EntityKey(const WriteInput& input) const noexcept {
      try {
        return entity_key(input);
      } catch (...) {
        return StrCat(
            "(entity_key failed: ",
            FromAbsl(StatusFromCurrentException("entity_key").message()), ")");
      }
    }

    OperationInfo Info(MigrationOperation operation,
                       const OperationRecord& record,
                       const StagePlan& plan) const {
      OperationInfo info;
      info.flag = options.flag;
      info.operation = operation;
      info.evaluation = record.evaluation;
      info.plan = plan;
      info.execution = options.execution;
      info.strict = options.strict;
      return info;
    }

    const MigrationOptions options;
    const ReadFn read_old;
    const ReadFn read_new;
    const WriteFn write_old;
    const WriteFn write_new;
    const std::function<std::string(const WriteInput&)> entity_key;
    const MigrationHooks hooks;
    const FlagHandle handle;
    const Experiment<ReadOutput> experiment;
    const std::shared_ptr<migration_internal::ResultTap> tap;
    mutable std::atomic<bool> logged_tracker{false};
    mutable std::atomic<bool> logged_write_failure{false};
  };

  // Calls one side's read for the experiment: its error status (or an
  // exception turned into one) is kept in `*error` and thrown as a
  // StatusError, which the experiment observes as the behaviour's failure.
  static ReadOutput ReadOrThrow(const Core& c, Side side,
                                const ReadInput& input, absl::Status* error) {
    ReadResult r = c.InvokeRead(side, input);
    if (__builtin_expect(!r.ok(), 0)) {
      *error = r.status();
      throw StatusError(r.status());
    }
    return *std::move(r);
  }

  // A sampled read in shadow or live: the experiment.
  void ReadCompared(const Core& c, const EvaluationContext& context,
                    const ReadInput& input, const StagePlan& plan,
                    OperationRecord* record,
                    std::array<absl::Status, 2>* errors,
                    std::optional<ReadOutput>* value) const {
    const Side auth = plan.authoritative;
    const Side other = Other(auth);
    const ContextEntry reason[] = {
        {"reason", ReasonName(record->evaluation.reason)}};
    RunContext run;
    run.flag = c.options.flag;
    run.stage = record->evaluation.stage;
    run.user_id = context.user_id;
    run.control_side = auth;
    run.context = reason;

    migration_internal::ReadInProgress in_progress{c.tap.get(), record};
    migration_internal::ScopedReadInProgress scope(&in_progress);
    absl::Status* auth_error = &(*errors)[Index(auth)];
    absl::Status* other_error = &(*errors)[Index(other)];
    auto run_experiment = [&] {
      try {
        if constexpr (kCandidateCanOutliveTheCall) {
          if (c.options.execution == ExecutionMode::kConcurrent) {
            RunConcurrent(core_, run, input, auth, other, record, auth_error,
                          value);
            return;
          }
        }
        // A concurrent migration whose input cannot be copied runs both
        // reads here: the candidate could not outlive this call.
        RunContext here = run;
        if (c.options.execution == ExecutionMode::kConcurrent) {
          here.mode = ExecutionMode::kSerial;
        }
        value->emplace(c.experiment.Run(
            here, [&] { return ReadOrThrow(c, auth, input, auth_error); },
            [&] { return ReadOrThrow(c, other, input, other_error); }));
      } catch (...) {
        if (auth_error->ok()) *auth_error = StatusFromCurrentException("read");
      }
    };
    if (c.hooks.around_reads &&
        c.options.execution != ExecutionMode::kConcurrent) {
      try {
        c.hooks.around_reads(c.Info(MigrationOperation::kRead, *record, plan),
                             run_experiment);
      } catch (...) {
        if (!value->has_value() && auth_error->ok()) {
          *auth_error = StatusFromCurrentException("around_reads hook");
        }
      }
    } else {
      run_experiment();
    }
  }

  // Concurrent execution: the candidate is copied to the executor with its
  // own copy of the input, so it outlives this call.
  static constexpr bool kCandidateCanOutliveTheCall =
      std::is_copy_constructible_v<ReadInput> &&
      std::is_copy_constructible_v<ReadOutput>;

  static void RunConcurrent(const std::shared_ptr<const Core>& core,
                            const RunContext& run, const ReadInput& input,
                            Side auth, Side other, OperationRecord* record,
                            absl::Status* auth_error,
                            std::optional<ReadOutput>* value) {
    const Core& c = *core;
    record->origin(other).queued = true;
    const std::int64_t start = experiment_internal::MonotonicNanos();
    struct Candidate {
      std::shared_ptr<const Core> core;
      ReadInput input;
      Side side;
      ReadOutput operator()() const {
        absl::Status ignored;
        return ReadOrThrow(*core, side, input, &ignored);
      }
    };
    try {
      value->emplace(c.experiment.Run(
          run, [&] { return ReadOrThrow(c, auth, input, auth_error); },
          Candidate{core, input, other}));
    } catch (...) {
      migration_internal::SetOrigin(
          &record->origin(auth), *auth_error,
          experiment_internal::MonotonicNanos() - start);
      throw;
    }
    migration_internal::SetOrigin(
        &record->origin(auth), absl::OkStatus(),
        experiment_internal::MonotonicNanos() - start);
  }

  explicit Migration(std::shared_ptr<const Core> core)
      : core_(std::move(core)) {}

  std::shared_ptr<const Core> core_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MIGRATION_H_
