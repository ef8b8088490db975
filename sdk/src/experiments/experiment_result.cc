#include "cutover/experiment_result.h"

#include <array>
#include <charconv>
#include <utility>

#include "cutover/internal/strings.h"
#include "nlohmann/json.hpp"

namespace cutover {
inline namespace sdk {
namespace {

constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "match",         "mismatch", "ignored", "candidate_error",
    "control_error", "timeout",  "dropped",
};

constexpr std::string_view kTruncatedMark = "...[truncated]";

// Assigns `text` cut to `max` bytes; assign() keeps the existing capacity.
void AssignBounded(std::string* out, std::string_view text, std::size_t max) {
  if (text.size() <= max) {
    out->assign(text.data(), text.size());
    return;
  }
  out->assign(text.data(), max);
  out->append(kTruncatedMark.data(), kTruncatedMark.size());
}

void AssignObservation(ObservationRecord* out, const ObservationView& in,
                       std::size_t max) {
  out->name.assign(in.name.data(), in.name.size());
  out->side = in.side;
  out->ran = in.ran;
  out->raised = in.error != nullptr;
  out->wall_ns = in.wall_ns;
  out->cpu_ns = in.cpu_ns;
  if (in.error != nullptr) {
    out->error_type = in.error->TypeName();
    AssignBounded(&out->error_message, in.error->message, max);
  } else {
    out->error_type.clear();
    out->error_message.clear();
  }
  if (in.value.has_value()) {
    const std::string rendered = in.value.Render();
    AssignBounded(&out->value, rendered, max);
  } else {
    out->value.clear();
  }
}

// JSON string escaping for the event document: quotes, backslashes and control
// characters; other bytes (UTF-8 included) pass through.
void AppendQuoted(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  // Copy runs of characters that need no escaping in one go: most text has
  // none, and this runs for every event the Redis publisher writes.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendInt(std::string* out, std::int64_t v) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out->append(buf, end);
}

void AppendKey(std::string* out, std::string_view key) {
  AppendQuoted(out, key);
  out->push_back(':');
}

// Compact on purpose: the document is stored once per event in Redis. Fields
// at their usual value are left out: "name" for the control, "ran" when true,
// "cpu_ns" when not measured.
void AppendObservationJson(std::string* out, const ObservationRecord& o,
                           bool is_control) {
  out->push_back('{');
  if (!is_control) {
    AppendKey(out, "name");
    AppendQuoted(out, o.name);
    out->push_back(',');
  }
  AppendKey(out, "side");
  AppendQuoted(out, SideName(o.side));
  if (!o.ran) out->append(",\"ran\":false");
  out->push_back(',');
  AppendKey(out, "wall_ns");
  AppendInt(out, o.wall_ns);
  if (o.cpu_ns >= 0) {
    out->push_back(',');
    AppendKey(out, "cpu_ns");
    AppendInt(out, o.cpu_ns);
  }
  if (o.raised) {
    out->push_back(',');
    AppendKey(out, "error");
    out->push_back('{');
    AppendKey(out, "type");
    AppendQuoted(out, o.error_type);
    out->push_back(',');
    AppendKey(out, "message");
    AppendQuoted(out, o.error_message);
    out->push_back('}');
  } else if (o.ran) {
    out->push_back(',');
    AppendKey(out, "value");
    AppendQuoted(out, o.value);
  }
  out->push_back('}');
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  const auto i = static_cast<std::size_t>(outcome);
  return i < kOutcomeNames.size() ? kOutcomeNames[i] : "unknown";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  for (std::size_t i = 0; i < kOutcomeNames.size(); ++i) {
    if (kOutcomeNames[i] == name) return static_cast<Outcome>(i);
  }
  return std::nullopt;
}

void ResultRecord::Assign(const ExperimentResult& r,
                          std::size_t max_text_bytes) {
  experiment.assign(r.experiment.data(), r.experiment.size());
  flag.assign(r.flag.data(), r.flag.size());
  stage = r.stage;
  user_id.assign(r.user_id.data(), r.user_id.size());
  outcome = r.outcome;
  control_side = r.control_side;
  AssignObservation(&control, r.control, max_text_bytes);
  AssignObservation(&candidate, r.candidate, max_text_bytes);
  if (r.diff_json.size() <= max_text_bytes) {
    diff_json.assign(r.diff_json.data(), r.diff_json.size());
  } else {
    diff_json =
        StrCat("{\"truncated\":true,\"bytes\":", r.diff_json.size(), "}");
  }
  const std::size_t n = r.experiment_context.size() + r.run_context.size();
  context.resize(n);
  std::size_t i = 0;
  for (absl::Span<const ContextEntry> part :
       {r.experiment_context, r.run_context}) {
    for (const ContextEntry& e : part) {
      AssignBounded(&context[i].first, e.key, max_text_bytes);
      AssignBounded(&context[i].second, e.value, max_text_bytes);
      ++i;
    }
  }
  timestamp_ms = r.timestamp_ms;
}

void swap(ObservationRecord& a, ObservationRecord& b) noexcept {
  using std::swap;
  swap(a.name, b.name);
  swap(a.side, b.side);
  swap(a.ran, b.ran);
  swap(a.raised, b.raised);
  swap(a.error_type, b.error_type);
  swap(a.error_message, b.error_message);
  swap(a.wall_ns, b.wall_ns);
  swap(a.cpu_ns, b.cpu_ns);
  swap(a.value, b.value);
}

void swap(ResultRecord& a, ResultRecord& b) noexcept {
  using std::swap;
  swap(a.experiment, b.experiment);
  swap(a.flag, b.flag);
  swap(a.stage, b.stage);
  swap(a.user_id, b.user_id);
  swap(a.outcome, b.outcome);
  swap(a.control_side, b.control_side);
  swap(a.control, b.control);
  swap(a.candidate, b.candidate);
  swap(a.diff_json, b.diff_json);
  swap(a.context, b.context);
  swap(a.timestamp_ms, b.timestamp_ms);
}

ResultRecord ResultRecord::From(const ExperimentResult& result,
                                std::size_t max_text_bytes) {
  ResultRecord record;
  record.Assign(result, max_text_bytes);
  return record;
}

std::string ResultRecord::ToJson() const {
  std::string out;
  AppendJson(&out);
  return out;
}

void ResultRecord::AppendJson(std::string* out) const {
  out->push_back('{');
  AppendKey(out, "experiment");
  AppendQuoted(out, experiment);
  out->append(",");
  AppendKey(out, "flag");
  AppendQuoted(out, flag);
  out->append(",");
  AppendKey(out, "stage");
  AppendQuoted(out, StageName(stage));
  out->append(",");
  AppendKey(out, "user");
  AppendQuoted(out, user_id);
  out->append(",");
  AppendKey(out, "outcome");
  AppendQuoted(out, OutcomeName(outcome));
  out->append(",");
  AppendKey(out, "control_side");
  AppendQuoted(out, SideName(control_side));
  out->append(",");
  AppendKey(out, "at_ms");
  AppendInt(out, timestamp_ms);
  out->append(",");
  AppendKey(out, "control");
  AppendObservationJson(out, control, /*is_control=*/true);
  out->append(",");
  AppendKey(out, "candidate");
  AppendObservationJson(out, candidate, /*is_control=*/false);
  if (!diff_json.empty()) {
    out->append(",");
    // The diff comes from a user-supplied compare: embed it only if it really
    // is JSON, so one bad comparator cannot corrupt every event document.
    if (nlohmann::json::accept(diff_json)) {
      AppendKey(out, "diff");
      out->append(diff_json);
    } else {
      AppendKey(out, "diff_text");
      AppendQuoted(out, diff_json);
    }
  }
  out->append(",");
  AppendKey(out, "context");
  out->push_back('{');
  // Later entries (the run's) override earlier ones (the experiment's): emit
  // each key once, with its last value.
  bool first = true;
  for (std::size_t i = 0; i < context.size(); ++i) {
    bool overridden = false;
    for (std::size_t j = i + 1; j < context.size(); ++j) {
      if (context[j].first == context[i].first) {
        overridden = true;
        break;
      }
    }
    if (overridden) continue;
    if (!first) out->append(",");
    first = false;
    AppendKey(out, context[i].first);
    AppendQuoted(out, context[i].second);
  }
  out->append("}}");
}

}  // namespace sdk
}  // namespace cutover
