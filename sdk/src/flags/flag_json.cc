#include "cutover/flag_json.h"

#include <cmath>
#include <set>

#include "cutover/internal/strings.h"
#include "cutover/json_text.h"

namespace cutover {
inline namespace sdk {
namespace {

using nlohmann::json;

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(
      StrCat("flag document: field \"", field, "\": ", problem));
}

std::string_view TypeName(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

absl::Status CheckKeys(const json& obj, std::string_view where,
                       const std::set<std::string, std::less<>>& allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (allowed.count(it.key()) == 0) {
      std::string list;
      for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
      return Invalid(StrCat(where, where.empty() ? "" : ".", it.key()),
                     StrCat("unknown key (allowed: ", list, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(const json& obj, const std::string& key,
                                      std::string_view field, bool required) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return Invalid(field, "is required");
    return std::string();
  }
  if (!it->is_string())
    return Invalid(field, StrCat("must be a string, not ", TypeName(*it)));
  return it->get<std::string>();
}

absl::StatusOr<Stage> GetStage(const json& obj, std::string_view field) {
  auto it = obj.find("stage");
  if (it == obj.end()) return Invalid(field, "is required");
  if (!it->is_string())
    return Invalid(field, StrCat("must be a string, not ", TypeName(*it)));
  const std::string name = it->get<std::string>();
  auto stage = ParseStage(name);
  if (!stage) {
    return Invalid(field,
                   StrCat("unknown stage \"", name, "\" (expected one of ",
                          StageNamesForHelp(), ")"));
  }
  return *stage;
}

absl::StatusOr<Rule> RuleFromJson(const json& r, size_t index) {
  const std::string where = StrCat("rules[", index, "]");
  if (!r.is_object())
    return Invalid(where, StrCat("must be an object, not ", TypeName(r)));
  if (auto s =
          CheckKeys(r, where, {"users", "group", "percent", "salt", "stage"});
      !s.ok()) {
    return s;
  }
  const int matchers = static_cast<int>(r.contains("users")) +
                       static_cast<int>(r.contains("group")) +
                       static_cast<int>(r.contains("percent"));
  if (matchers != 1) {
    return Invalid(
        where, "must have exactly one of \"users\", \"group\" or \"percent\"");
  }
  Rule rule;
  auto stage = GetStage(r, where + ".stage");
  if (!stage.ok()) return stage.status();
  rule.stage = *stage;
  if (r.contains("salt") && !r.contains("percent")) {
    return Invalid(where + ".salt", "only applies to a \"percent\" rule");
  }
  if (auto it = r.find("users"); it != r.end()) {
    rule.kind = RuleKind::kUsers;
    if (!it->is_array()) {
      return Invalid(
          where + ".users",
          StrCat("must be an array of strings, not ", TypeName(*it)));
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& u = (*it)[i];
      if (!u.is_string() || u.get_ref<const std::string&>().empty()) {
        return Invalid(StrCat(where, ".users[", i, "]"),
                       "must be a non-empty string");
      }
      rule.users.push_back(u.get<std::string>());
    }
    if (rule.users.empty())
      return Invalid(where + ".users", "must list at least one user id");
  } else if (auto it = r.find("group"); it != r.end()) {
    rule.kind = RuleKind::kGroup;
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return Invalid(where + ".group", "must be a non-empty string");
    }
    rule.group = it->get<std::string>();
  } else {
    rule.kind = RuleKind::kPercent;
    const json& p = r.at("percent");
    if (!p.is_number_integer()) {
      return Invalid(
          where + ".percent",
          StrCat("must be an integer from 0 to 100, not ", TypeName(p)));
    }
    const auto value = p.get<long long>();
    if (value < 0 || value > 100) {
      return Invalid(where + ".percent", StrCat(value, " is outside 0-100"));
    }
    rule.percent = static_cast<int>(value);
    auto salt = GetString(r, "salt", where + ".salt", false);
    if (!salt.ok()) return salt.status();
    rule.salt = *std::move(salt);
  }
  return rule;
}

}  // namespace

absl::Status ValidateFlag(const Flag& flag) {
  if (!IsValidFlagName(flag.name)) {
    return Invalid(
        "name",
        StrCat("\"", flag.name,
               "\" is not a valid flag name (1-64 characters of a-z, 0-9, "
               "'_', '.', '-')"));
  }
  if (!(flag.sample_rate >= 0.0 && flag.sample_rate <= 1.0)) {
    return Invalid("sample_rate",
                   StrCat(flag.sample_rate, " is outside 0.0-1.0"));
  }
  if (flag.version < 0) return Invalid("version", "must not be negative");
  // JSON text is UTF-8: a byte string that is not could not be stored
  // faithfully.
  if (!IsValidUtf8(flag.description))
    return Invalid("description", "is not valid UTF-8");
  if (!IsValidUtf8(flag.updated_by))
    return Invalid("updated_by", "is not valid UTF-8");
  for (size_t i = 0; i < flag.rules.size(); ++i) {
    const Rule& r = flag.rules[i];
    const std::string where = StrCat("rules[", i, "]");
    switch (r.kind) {
      case RuleKind::kUsers:
        if (r.users.empty())
          return Invalid(where + ".users", "must list at least one user id");
        for (const auto& u : r.users) {
          if (u.empty())
            return Invalid(where + ".users",
                           "must not contain an empty user id");
          if (!IsValidUtf8(u))
            return Invalid(where + ".users",
                           "contains a user id that is not valid UTF-8");
        }
        break;
      case RuleKind::kGroup:
        if (r.group.empty())
          return Invalid(where + ".group", "must be a non-empty string");
        if (!IsValidUtf8(r.group))
          return Invalid(where + ".group", "is not valid UTF-8");
        break;
      case RuleKind::kPercent:
        if (r.percent < 0 || r.percent > 100) {
          return Invalid(where + ".percent",
                         StrCat(r.percent, " is outside 0-100"));
        }
        if (!IsValidUtf8(r.salt))
          return Invalid(where + ".salt", "is not valid UTF-8");
        break;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Flag> FlagFromJson(const json& doc) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        StrCat("flag document: must be a JSON object, not ", TypeName(doc)));
  }
  if (auto s =
          CheckKeys(doc, "",
                    {"name", "description", "default_stage", "killed", "rules",
                     "sample_rate", "version", "updated_at", "updated_by"});
      !s.ok()) {
    return s;
  }
  Flag flag;
  auto name = GetString(doc, "name", "name", true);
  if (!name.ok()) return name.status();
  flag.name = *std::move(name);
  auto description = GetString(doc, "description", "description", false);
  if (!description.ok()) return description.status();
  flag.description = *std::move(description);

  auto it = doc.find("default_stage");
  if (it == doc.end()) return Invalid("default_stage", "is required");
  if (!it->is_string()) {
    return Invalid("default_stage",
                   StrCat("must be a string, not ", TypeName(*it)));
  }
  auto stage = ParseStage(it->get<std::string>());
  if (!stage) {
    return Invalid("default_stage",
                   StrCat("unknown stage \"", it->get<std::string>(),
                          "\" (expected one of ", StageNamesForHelp(), ")"));
  }
  flag.default_stage = *stage;

  if (it = doc.find("killed"); it != doc.end()) {
    if (!it->is_boolean())
      return Invalid("killed",
                     StrCat("must be a boolean, not ", TypeName(*it)));
    flag.killed = it->get<bool>();
  }
  if (it = doc.find("sample_rate"); it != doc.end()) {
    if (!it->is_number()) {
      return Invalid("sample_rate",
                     StrCat("must be a number, not ", TypeName(*it)));
    }
    flag.sample_rate = it->get<double>();
  }
  if (it = doc.find("version"); it != doc.end()) {
    if (!it->is_number_integer()) {
      return Invalid("version",
                     StrCat("must be an integer, not ", TypeName(*it)));
    }
    flag.version = it->get<std::int64_t>();
  }
  auto updated_at = GetString(doc, "updated_at", "updated_at", false);
  if (!updated_at.ok()) return updated_at.status();
  flag.updated_at = *std::move(updated_at);
  auto updated_by = GetString(doc, "updated_by", "updated_by", false);
  if (!updated_by.ok()) return updated_by.status();
  flag.updated_by = *std::move(updated_by);

  if (it = doc.find("rules"); it != doc.end()) {
    if (!it->is_array())
      return Invalid("rules", StrCat("must be an array, not ", TypeName(*it)));
    for (size_t i = 0; i < it->size(); ++i) {
      auto rule = RuleFromJson((*it)[i], i);
      if (!rule.ok()) return rule.status();
      flag.rules.push_back(*std::move(rule));
    }
  }
  if (auto s = ValidateFlag(flag); !s.ok()) return s;
  return flag;
}

absl::StatusOr<Flag> ParseFlagJson(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError("flag document: not valid JSON");
  }
  return FlagFromJson(doc);
}

json RuleToJson(const Rule& rule) {
  json r = json::object();
  switch (rule.kind) {
    case RuleKind::kUsers:
      r["users"] = rule.users;
      break;
    case RuleKind::kGroup:
      r["group"] = rule.group;
      break;
    case RuleKind::kPercent:
      r["percent"] = rule.percent;
      if (!rule.salt.empty()) r["salt"] = rule.salt;
      break;
  }
  r["stage"] = std::string(StageName(rule.stage));
  return r;
}

json FlagToJson(const Flag& flag) {
  json rules = json::array();
  for (const Rule& rule : flag.rules) rules.push_back(RuleToJson(rule));
  // nlohmann's default object is sorted by key, which gives the fixed order.
  return json{{"name", flag.name},
              {"description", flag.description},
              {"default_stage", std::string(StageName(flag.default_stage))},
              {"killed", flag.killed},
              {"rules", std::move(rules)},
              {"sample_rate", flag.sample_rate},
              {"version", flag.version},
              {"updated_at", flag.updated_at},
              {"updated_by", flag.updated_by}};
}

std::string SerializeFlag(const Flag& flag) {
  return ToJsonText(FlagToJson(flag));
}

}  // namespace sdk
}  // namespace cutover
