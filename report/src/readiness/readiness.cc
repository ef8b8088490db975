#include "cutover/readiness.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "cutover/internal/strings.h"
#include "cutover/time_text.h"
#include "render/report_format.h"
#include "render/rule_text.h"

namespace cutover::report {
namespace {

constexpr std::array<std::string_view, kCriterionCount> kCriterionNames = {
    "comparisons",  "duration",
    "mismatches",   "mismatches_since_change",
    "errors",       "reconcile_backlog",
    "verification", "stages",
};

CheckResult Pass(Criterion c, std::string finding) {
  return CheckResult{c, true, std::move(finding), ""};
}

CheckResult Fail(Criterion c, std::string finding, std::string action) {
  return CheckResult{c, false, std::move(finding), std::move(action)};
}

std::string WindowText(const ReadinessFacts& f) {
  return StrCat("the last ", FormatDuration(f.window));
}

CheckResult CheckComparisons(const ReadinessFacts& f,
                             const ReadinessCriteria& c) {
  std::string finding =
      StrCat(PluralCount(f.comparisons, "comparison"), " in ", WindowText(f),
             " (required: at least ", c.min_comparisons, ")");
  if (f.comparisons >= c.min_comparisons) {
    return Pass(Criterion::kComparisons, std::move(finding));
  }
  return Fail(
      Criterion::kComparisons, std::move(finding),
      StrCat("Too little evidence. Keep users in shadow or live with a sample "
             "rate above 0 (cutover flag show ",
             f.flag.name, ") until at least ", c.min_comparisons,
             " reads were compared, or widen --since to include earlier "
             "comparisons. Lower --min-comparisons only if this is all the "
             "traffic there will ever be."));
}

CheckResult CheckDuration(const ReadinessFacts& f, const ReadinessCriteria& c) {
  const std::string required =
      StrCat("(required: at least ", FormatDuration(c.min_duration), ")");
  if (f.window < c.min_duration) {
    return Fail(Criterion::kDuration,
                StrCat("the report's window, ", FormatDuration(f.window),
                       ", is shorter than the required duration ", required),
                StrCat("Rerun with --since ", FormatDuration(c.min_duration),
                       " or longer."));
  }
  if (!f.first_comparison_ms) {
    return Fail(Criterion::kDuration,
                StrCat("no comparisons in ", WindowText(f), " ", required),
                "Comparisons only run in shadow and live: keep users there "
                "for the required duration before moving everyone to "
                "rampdown.");
  }
  const std::chrono::seconds span(
      std::max<std::int64_t>(0, (f.now_ms - *f.first_comparison_ms) / 1000));
  std::string finding =
      StrCat("comparisons span ", FormatDuration(span), ", since ",
             FormatUnixMillis(*f.first_comparison_ms), " ", required);
  if (span >= c.min_duration) {
    return Pass(Criterion::kDuration, std::move(finding));
  }
  return Fail(
      Criterion::kDuration, std::move(finding),
      StrCat("Rare paths (nightly jobs, month-end, time zones) may not have "
             "run yet. Keep comparing for another ",
             FormatDuration(c.min_duration - span),
             ", then run the report again."));
}

CheckResult CheckMismatches(const ReadinessFacts& f,
                            const ReadinessCriteria& c) {
  std::string finding =
      StrCat(PluralCount(f.mismatches, "mismatch"), " in ", WindowText(f),
             " (allowed: ", c.max_mismatches, ")");
  if (f.mismatches <= c.max_mismatches) {
    return Pass(Criterion::kMismatches, std::move(finding));
  }
  return Fail(
      Criterion::kMismatches, std::move(finding),
      "The new schema answered differently from the old one. Read the top "
      "differing columns and the sample diffs: fix the new read or write "
      "path, backfill the affected rows, or, if the difference does not "
      "matter, add a normalizer or ignore rule to the comparison. Then keep "
      "comparing until the window holds no mismatches.");
}

CheckResult CheckMismatchesSinceChange(const ReadinessFacts& f,
                                       const ReadinessCriteria& c) {
  if (!f.last_change_ms) {
    return Pass(Criterion::kMismatchesSinceChange,
                "no change of the flag is recorded");
  }
  const std::string finding = StrCat(
      PluralCount(f.mismatches_since_change, "mismatch"),
      " since the flag's last change at ", FormatUnixMillis(*f.last_change_ms),
      " (allowed: ", c.max_mismatches, ")");
  if (f.mismatches_since_change <= c.max_mismatches) {
    return Pass(Criterion::kMismatchesSinceChange, finding);
  }
  return Fail(
      Criterion::kMismatchesSinceChange, finding,
      "Mismatches happened with the flag as it is configured now, so an "
      "older clean period does not vouch for it. Fix their cause (see the "
      "sample diffs) and compare again before contract.");
}

CheckResult CheckErrors(const ReadinessFacts& f, const ReadinessCriteria& c) {
  const std::uint64_t failures = f.candidate_errors + f.timeouts;
  // Comparisons include the candidate errors; max() keeps the rate at most 1
  // even for counters that disagree.
  const std::uint64_t runs = std::max(f.comparisons + f.timeouts, failures);
  const double rate =
      runs == 0 ? 0.0
                : static_cast<double>(failures) / static_cast<double>(runs);
  std::string finding =
      StrCat(PluralCount(f.candidate_errors, "candidate error"), " and ",
             PluralCount(f.timeouts, "timeout"), " in ",
             PluralCount(runs, "candidate run"), " (rate ", FormatPercent(rate),
             ", allowed: ", FormatPercent(c.max_error_rate), ")");
  if (rate <= c.max_error_rate) {
    return Pass(Criterion::kErrors, std::move(finding));
  }
  return Fail(
      Criterion::kErrors, std::move(finding),
      "Reads on the new schema failed or missed their deadline, and after "
      "contract they are the only reads. Look at the error samples, fix the "
      "new path (query, index, permissions, deadline) and compare again. "
      "Raise --max-error-rate only for failures you have explained.");
}

CheckResult CheckReconcile(const ReadinessFacts& f,
                           const ReadinessCriteria& c) {
  std::string finding = StrCat(
      PluralCount(f.reconcile_backlog, "failed write"),
      " waiting to be reconciled",
      f.reconcile_oldest_ms
          ? StrCat(", oldest at ", FormatUnixMillis(*f.reconcile_oldest_ms))
          : std::string(),
      " (allowed: ", c.max_reconcile_backlog, ")");
  if (f.reconcile_backlog <= c.max_reconcile_backlog) {
    return Pass(Criterion::kReconcileBacklog, std::move(finding));
  }
  return Fail(Criterion::kReconcileBacklog, std::move(finding),
              StrCat("These rows were written to one schema but not the "
                     "other. Run cutover reconcile ",
                     f.flag.name,
                     " to re-sync them, find out why the writes failed, then "
                     "verify again and rerun the report once the backlog is "
                     "empty."));
}

CheckResult CheckVerification(const ReadinessFacts& f,
                              const ReadinessCriteria& c) {
  if (!c.require_verification) {
    return Pass(Criterion::kVerification, "not required (--skip-verification)");
  }
  const std::string verify_again = StrCat(
      "Run cutover verify ... --flag ", f.flag.name,
      " (--flag records the result for this report) once every user is at "
      "rampdown, and again after any later stage change, so that it covers "
      "every write made under the final stages.");
  if (!f.verification) {
    return Fail(Criterion::kVerification, "no table verification recorded",
                verify_again);
  }
  const VerificationFacts& v = *f.verification;
  const std::string when = FormatUnixMillis(v.at_ms);
  if (!v.equal) {
    return Fail(
        Criterion::kVerification,
        StrCat("the last verification, at ", when, ", found ",
               PluralCount(static_cast<std::uint64_t>(
                               std::max<std::int64_t>(0, v.difference_count)),
                           "difference"),
               " (old ", v.rows_old, " rows, new ", v.rows_new, " rows)"),
        "The two schemas hold different data. Inspect the differences "
        "cutover verify printed, backfill or repair the rows, then verify "
        "again.");
  }
  if (f.last_stage_change_ms && v.at_ms <= *f.last_stage_change_ms) {
    return Fail(Criterion::kVerification,
                StrCat("the last passing verification, at ", when,
                       ", is older than the last stage change at ",
                       FormatUnixMillis(*f.last_stage_change_ms)),
                StrCat("Writes made since that change are not verified. ",
                       verify_again));
  }
  return Pass(Criterion::kVerification,
              StrCat("verified equal at ", when, " (", v.rows_old,
                     " rows old, ", v.rows_new, " rows new, ",
                     PluralCount(static_cast<std::uint64_t>(
                                     std::max<std::int64_t>(0, v.chunks)),
                                 "chunk"),
                     ")"));
}

CheckResult CheckStages(const ReadinessFacts& f, const ReadinessCriteria& c) {
  const Flag& flag = f.flag;
  const std::string_view min = StageName(c.min_stage);
  std::string problems;
  std::string actions;
  auto add = [](std::string* list, const std::string& item) {
    *list += StrCat(list->empty() ? "" : "; ", item);
  };
  if (flag.killed) {
    add(&problems, StrCat("the kill switch is engaged (everyone is at ",
                          StageName(KillSwitchStage(flag)), ")"));
    add(&actions, StrCat("find out why it was pulled; release it with "
                         "cutover flag unkill ",
                         flag.name, " only once that is fixed"));
  }
  if (flag.default_stage < c.min_stage) {
    add(&problems,
        StrCat("the default stage is ", StageName(flag.default_stage)));
    add(&actions, StrCat("cutover flag stage ", flag.name, " ", min));
  }
  for (std::size_t i = 0; i < flag.rules.size(); ++i) {
    const Rule& rule = flag.rules[i];
    if (rule.stage >= c.min_stage) continue;
    add(&problems, StrCat("rule [", i, "] (", DescribeRuleMatcher(flag, rule),
                          ") assigns ", StageName(rule.stage)));
    add(&actions, StrCat("retarget rule [", i, "] at ", min,
                         " or remove it (cutover flag untarget ", flag.name,
                         " ", i, ")"));
  }
  if (problems.empty()) {
    return Pass(Criterion::kStages,
                StrCat("every user is at ", min, " or later (default ",
                       StageName(flag.default_stage), ", ",
                       PluralCount(flag.rules.size(), "rule"), ")"));
  }
  return Fail(
      Criterion::kStages,
      StrCat("not every user is at ", min, " or later: ", problems),
      StrCat("Contract removes the old schema, so nobody may still "
             "read it: ",
             actions,
             ". A stage change needs a newer verification afterwards."));
}

}  // namespace

absl::Status ValidateCriteria(const ReadinessCriteria& c) {
  if (!(c.max_error_rate >= 0.0 && c.max_error_rate <= 1.0)) {
    return absl::InvalidArgumentError(
        StrCat("--max-error-rate must be a fraction between 0 and 1 (e.g. "
               "0.001 for 0.1%), not ",
               c.max_error_rate));
  }
  if (c.min_duration.count() < 0) {
    return absl::InvalidArgumentError("--min-duration must not be negative");
  }
  if (c.min_stage < Stage::kRampDown) {
    return absl::InvalidArgumentError(
        StrCat("the minimum stage for contract must be rampdown or complete, "
               "not ",
               StageName(c.min_stage)));
  }
  return absl::OkStatus();
}

std::string_view CriterionName(Criterion criterion) {
  const auto i = static_cast<std::size_t>(criterion);
  return i < kCriterionNames.size() ? kCriterionNames[i] : "unknown";
}

std::vector<CheckResult> ReadinessVerdict::Reasons() const {
  std::vector<CheckResult> reasons;
  for (const CheckResult& check : checks) {
    if (!check.passed) reasons.push_back(check);
  }
  return reasons;
}

ReadinessVerdict EvaluateReadiness(const ReadinessFacts& facts,
                                   const ReadinessCriteria& criteria) {
  ReadinessVerdict verdict;
  verdict.checks = {
      CheckComparisons(facts, criteria),
      CheckDuration(facts, criteria),
      CheckMismatches(facts, criteria),
      CheckMismatchesSinceChange(facts, criteria),
      CheckErrors(facts, criteria),
      CheckReconcile(facts, criteria),
      CheckVerification(facts, criteria),
      CheckStages(facts, criteria),
  };
  verdict.ready = true;
  for (const CheckResult& check : verdict.checks) {
    verdict.ready = verdict.ready && check.passed;
  }
  return verdict;
}

}  // namespace cutover::report
