#include "cutover/verify_report.h"

#include <cstdio>

#include "cutover/internal/strings.h"

namespace cutover::pg {

nlohmann::ordered_json VerifyResultToJson(const VerifyResult& r) {
  nlohmann::ordered_json differences = nlohmann::ordered_json::array();
  for (const VerifyDifference& d : r.differences) {
    differences.push_back({{"key", d.key},
                           {"kind", VerifyDifferenceKindName(d.kind)},
                           {"columns", d.columns}});
  }
  return {{"equal", r.equal},
          {"rows_old", r.rows_old},
          {"rows_new", r.rows_new},
          {"chunks", r.chunks},
          {"differences", std::move(differences)},
          {"difference_count", r.difference_count},
          {"chunks_differing", r.chunks_differing},
          {"resolved_on_recheck", r.resolved_on_recheck},
          {"recheck_passes", r.recheck_passes_run},
          {"columns", r.columns},
          {"seconds", r.seconds}};
}

std::string VerifyResultToText(const VerifyResult& r) {
  std::string out = StrCat(
      "verify: ",
      r.equal ? "EQUAL"
              : StrCat("DIFFERENT: ", r.difference_count, " difference(s)"),
      " (old ", r.rows_old, " rows, new ", r.rows_new, " rows, ", r.chunks,
      " chunks, ", r.chunks_differing, " drilled into");
  if (r.resolved_on_recheck > 0) {
    out += StrCat(", ", r.resolved_on_recheck,
                  " write(s) in flight resolved on re-check");
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", r.seconds);
  out += StrCat(", ", seconds, " s)\n");
  for (const VerifyDifference& d : r.differences) {
    out += StrCat("  ", VerifyDifferenceKindName(d.kind), " ", d.key.dump());
    if (d.kind == VerifyDifference::Kind::kChanged) {
      out += ":";
      for (const auto& cell : d.columns) {
        out += StrCat(" ", cell["column"].get<std::string>(), " ",
                      cell["old"].dump(), " -> ", cell["new"].dump(), ";");
      }
      out.pop_back();
    }
    out += "\n";
  }
  if (r.difference_count > static_cast<std::int64_t>(r.differences.size())) {
    out += StrCat("  ... ", r.difference_count - r.differences.size(),
                  " more (raise --max-diffs to list them)\n");
  }
  return out;
}

}  // namespace cutover::pg
