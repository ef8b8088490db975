#include "cutover/internal/experiment_core.h"

#include <cmath>
#include <cstring>

#include "cutover/logger.h"

namespace cutover {
inline namespace sdk {
namespace experiment_internal {

OwnedRun::OwnedRun(const RunInfo& run, std::string_view candidate_name) {
  std::size_t total =
      run.flag.size() + run.user_id.size() + candidate_name.size();
  for (const ContextEntry& e : run.context) {
    total += e.key.size() + e.value.size();
  }
  // Sized once: the views below point into it, so it must never reallocate.
  buffer_.resize(total);
  char* out = buffer_.data();
  auto copy = [&out](std::string_view s) {
    std::string_view copied(out, s.size());
    if (!s.empty()) std::memcpy(out, s.data(), s.size());
    out += s.size();
    return copied;
  };
  info_ = run;
  info_.flag = copy(run.flag);
  info_.user_id = copy(run.user_id);
  candidate_name_ = copy(candidate_name);
  context_.reserve(run.context.size());
  for (const ContextEntry& e : run.context) {
    const std::string_view key = copy(e.key);
    context_.push_back({key, copy(e.value)});
  }
  info_.context = absl::MakeConstSpan(context_.data(), context_.size());
}

absl::Status ValidateCommonConfig(std::string_view name, double sample_rate,
                                  std::chrono::microseconds deadline,
                                  std::string_view candidate_name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError(StrCat(
        "experiment name '", name,
        "' must be 1 to 64 characters of [a-z0-9_.-] (it is also the flag the "
        "counters are kept under)"));
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          StrCat("experiment name '", name, "' contains '", c,
                 "': use only lower-case letters, digits, '_', '.' and '-'"));
    }
  }
  if (!(sample_rate >= 0.0 && sample_rate <= 1.0)) {
    return absl::InvalidArgumentError(
        StrCat("experiment '", name,
               "': sample_rate must be between 0 and 1, not ", sample_rate));
  }
  if (deadline.count() <= 0) {
    return absl::InvalidArgumentError(
        StrCat("experiment '", name,
               "': deadline must be positive (it bounds how long a concurrent "
               "candidate may take)"));
  }
  if (candidate_name.empty() || candidate_name == "control") {
    return absl::InvalidArgumentError(
        StrCat("experiment '", name,
               "': candidate_name must be non-empty and not 'control'"));
  }
  return absl::OkStatus();
}

void CoreBase::Raise(Operation operation,
                     const ErrorInfo& error) const noexcept {
  raised_count_.fetch_add(1, std::memory_order_relaxed);
  try {
    if (raised_hook_) {
      raised_hook_(operation, error);
      return;
    }
    if (!logged_raise_.exchange(true, std::memory_order_relaxed)) {
      DefaultLogger()->Log(
          LogLevel::kWarning,
          StrCat("experiment '", name_, "': ", OperationName(operation),
                 " threw ", error.TypeName(), ": ", error.message,
                 "; the error was swallowed and counted (further ones are "
                 "only counted: see Experiment::raised_count)"));
    }
  } catch (...) {
    // A raised hook that throws has nowhere left to report to.
  }
}

ExperimentExecutor* CoreBase::executor() const {
  if (executor_) return executor_.get();
  // DefaultExperimentExecutor's own static keeps it alive; caching the raw
  // pointer spares every concurrent run two atomic reference-count updates.
  static ExperimentExecutor* const shared = DefaultExperimentExecutor().get();
  return shared;
}

}  // namespace experiment_internal
}  // namespace sdk
}  // namespace cutover
