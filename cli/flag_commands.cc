// `cutover flag ...`: create, change, inspect and explain migration flags
// (docs/design.md, CLI contract).
#include <memory>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "cli_app.h"
#include "cutover/evaluator.h"
#include "cutover/flag_admin.h"
#include "cutover/flag_json.h"
#include "cutover/flag_snapshot.h"
#include "cutover/internal/strings.h"
#include "exit_codes.h"
#include "store_access.h"

namespace cutover::cli {
namespace {

using nlohmann::json;

// Option values of every flag subcommand; parsed into, then read by the
// callbacks.
struct FlagArgs {
  std::string name;
  std::string stage;
  std::string description;
  double sample_rate = 1.0;
  bool force = false;
  std::vector<std::string> users;
  std::string group;
  int percent = -1;
  std::string salt;
  int rule_index = -1;
  std::string user;
  std::vector<std::string> groups;
  size_t limit = 100;
};

absl::StatusOr<Stage> StageArg(const std::string& name) {
  auto stage = ParseStage(name);
  if (!stage) {
    return absl::InvalidArgumentError(StrCat("unknown stage \"", name,
                                             "\" (expected one of ",
                                             StageNamesForHelp(), ")"));
  }
  return *stage;
}

absl::Status CheckName(const std::string& name) {
  if (IsValidFlagName(name)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("\"", name,
             "\" is not a valid flag name: use 1-64 characters of a-z, 0-9, "
             "'_', '.', '-'"));
}

std::string DescribeRule(const Flag& flag, const Rule& rule) {
  std::string matcher;
  switch (rule.kind) {
    case RuleKind::kUsers: {
      std::string list;
      for (size_t i = 0; i < rule.users.size() && i < 5; ++i) {
        list += (i ? "," : "") + rule.users[i];
      }
      if (rule.users.size() > 5)
        list += StrCat(",... (", rule.users.size(), " users)");
      matcher = StrCat("users ", list);
      break;
    }
    case RuleKind::kGroup:
      matcher = StrCat("group ", rule.group);
      break;
    case RuleKind::kPercent:
      matcher = StrCat(rule.percent, "% of users (salt ",
                       EffectiveSalt(flag, rule), ")");
      break;
  }
  return StrCat(matcher, " -> ", StageName(rule.stage));
}

std::string DescribeFlag(const Flag& flag) {
  std::ostringstream out;
  out << "flag " << flag.name << " (version " << flag.version << ", updated "
      << flag.updated_at << " by " << flag.updated_by << ")\n";
  if (!flag.description.empty())
    out << "  description:   " << flag.description << "\n";
  out << "  default stage: " << StageName(flag.default_stage) << "\n";
  out << "  kill switch:   "
      << (flag.killed ? StrCat("ENGAGED (everyone at ",
                               StageName(KillSwitchStage(flag)), ")")
                      : std::string("off"))
      << "\n";
  out << "  sample rate:   " << flag.sample_rate << "\n";
  if (flag.rules.empty()) {
    out << "  rules:         none\n";
  } else {
    out << "  rules (first match wins):\n";
    for (size_t i = 0; i < flag.rules.size(); ++i) {
      out << "    [" << i << "] " << DescribeRule(flag, flag.rules[i]) << "\n";
    }
  }
  return out.str();
}

// Opens the store and runs `body` with an admin over it, reporting any error.
void WithAdmin(CommandRun& run,
               const std::function<void(FlagStore&, FlagAdmin&)>& body) {
  auto store = OpenFlagStore(run.options());
  if (!store.ok()) return run.Fail(store.status());
  FlagAdmin admin(**store);
  body(**store, admin);
}

ChangeOptions Change(const CommandRun& run, bool force) {
  return ChangeOptions{run.options().actor, force};
}

void FinishChange(CommandRun& run, const absl::StatusOr<Flag>& flag,
                  std::string_view what) {
  if (!flag.ok()) return run.Fail(flag.status());
  run.Finish(FlagToJson(*flag), StrCat(what, "\n", DescribeFlag(*flag)));
}

// Adds or updates the rule a `target` command describes. Users merge into the
// users rule of the same stage (and leave rules of other stages); a group or a
// percentage (same salt) that already has a rule gets it updated in place,
// keeping its position.
absl::Status ApplyTarget(Flag& flag, const FlagArgs& a, Stage stage) {
  const int matchers = static_cast<int>(!a.users.empty()) +
                       static_cast<int>(!a.group.empty()) +
                       static_cast<int>(a.percent >= 0);
  if (matchers != 1) {
    return absl::InvalidArgumentError(
        "flag target needs exactly one of --users ID[,ID...], --group G or "
        "--percent N");
  }
  if (!a.salt.empty() && a.percent < 0) {
    return absl::InvalidArgumentError("--salt only applies with --percent");
  }
  if (!a.users.empty()) {
    for (const auto& u : a.users) {
      if (u.empty())
        return absl::InvalidArgumentError("--users contains an empty user id");
    }
    // A user sits in one users rule: the first one with this stage, created in
    // front (an explicit user decision beats groups and percentages) when there
    // is none.
    int keep = -1;
    for (size_t i = 0; i < flag.rules.size(); ++i) {
      Rule& r = flag.rules[i];
      if (r.kind != RuleKind::kUsers) continue;
      if (r.stage == stage && keep < 0) {
        keep = static_cast<int>(i);
        continue;
      }
      for (const auto& u : a.users)
        r.users.erase(std::remove(r.users.begin(), r.users.end(), u),
                      r.users.end());
    }
    if (keep < 0) {
      Rule rule;
      rule.kind = RuleKind::kUsers;
      rule.stage = stage;
      flag.rules.insert(flag.rules.begin(), rule);
      keep = 0;
    }
    std::vector<std::string>& kept = flag.rules[keep].users;
    for (const auto& u : a.users) {
      if (std::find(kept.begin(), kept.end(), u) == kept.end())
        kept.push_back(u);
    }
    flag.rules.erase(std::remove_if(flag.rules.begin(), flag.rules.end(),
                                    [](const Rule& r) {
                                      return r.kind == RuleKind::kUsers &&
                                             r.users.empty();
                                    }),
                     flag.rules.end());
    return absl::OkStatus();
  }
  if (!a.group.empty()) {
    for (Rule& r : flag.rules) {
      if (r.kind == RuleKind::kGroup && r.group == a.group) {
        r.stage = stage;
        return absl::OkStatus();
      }
    }
    Rule rule;
    rule.kind = RuleKind::kGroup;
    rule.group = a.group;
    rule.stage = stage;
    flag.rules.push_back(rule);
    return absl::OkStatus();
  }
  if (a.percent > 100) {
    return absl::InvalidArgumentError(
        StrCat("--percent ", a.percent, " is outside 0-100"));
  }
  for (Rule& r : flag.rules) {
    if (r.kind == RuleKind::kPercent && r.salt == a.salt) {
      r.percent = a.percent;
      r.stage = stage;
      return absl::OkStatus();
    }
  }
  Rule rule;
  rule.kind = RuleKind::kPercent;
  rule.percent = a.percent;
  rule.salt = a.salt;
  rule.stage = stage;
  flag.rules.push_back(rule);
  return absl::OkStatus();
}

json AuditEntryJson(const AuditEntry& e) {
  auto doc_or_null = [](const std::string& text) -> json {
    if (text.empty()) return nullptr;
    json parsed = json::parse(text, nullptr, false);
    return parsed.is_discarded() ? json(text) : parsed;
  };
  return json{{"at", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                      absl::FromUnixMillis(e.at_ms),
                                      absl::UTCTimeZone())},
              {"actor", e.actor},
              {"action", e.action},
              {"forced", e.forced},
              {"version", e.version},
              {"before", doc_or_null(e.before)},
              {"after", doc_or_null(e.after)}};
}

}  // namespace

void RegisterFlagCommands(CLI::App& app, CommandRun& run) {
  CLI::App* flag =
      app.add_subcommand("flag", "Create, change, inspect and explain flags");
  flag->require_subcommand(1);
  auto a = std::make_shared<FlagArgs>();

  CLI::App* create = flag->add_subcommand("create", "Create a flag");
  create->add_option("NAME", a->name, "Flag name ([a-z0-9_.-]{1,64})")
      ->required();
  create->add_option("--stage", a->stage, "Default stage (default off)");
  create->add_option("--description", a->description,
                     "What this migration changes");
  create->add_option("--sample-rate", a->sample_rate,
                     "Fraction of reads compared (0.0-1.0)");
  create->add_flag("--force", a->force, "Override safety rules 1-3 (audited)");
  create->callback([&run, a] {
    if (auto s = CheckName(a->name); !s.ok()) return run.Fail(s);
    Flag f;
    f.name = a->name;
    f.description = a->description;
    f.sample_rate = a->sample_rate;
    if (!a->stage.empty()) {
      auto stage = StageArg(a->stage);
      if (!stage.ok()) return run.Fail(stage.status());
      f.default_stage = *stage;
    }
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      FinishChange(run, admin.Create(f, Change(run, a->force)), "created");
    });
  });

  CLI::App* stage = flag->add_subcommand(
      "stage", "Set the default stage (everyone not matched by a rule)");
  stage->add_option("NAME", a->name, "Flag name")->required();
  stage
      ->add_option("STAGE", a->stage,
                   "off|dualwrite|shadow|live|rampdown|complete")
      ->required();
  stage->add_flag("--force", a->force, "Override safety rules 1-3 (audited)");
  stage->callback([&run, a] {
    auto s = StageArg(a->stage);
    if (!s.ok()) return run.Fail(s.status());
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      FinishChange(run,
                   admin.Update(
                       a->name, "stage",
                       [&](Flag& f) {
                         f.default_stage = *s;
                         return absl::OkStatus();
                       },
                       Change(run, a->force)),
                   StrCat("default stage of ", a->name, " is now ", a->stage));
    });
  });

  CLI::App* target = flag->add_subcommand(
      "target", "Assign a stage to users, a group or a percentage");
  target->add_option("NAME", a->name, "Flag name")->required();
  target->add_option("--users", a->users, "User ids")->delimiter(',');
  target->add_option("--group", a->group,
                     "Group name (context group or stored group set)");
  target->add_option("--percent", a->percent,
                     "Percentage of users, 0-100, sticky per user");
  target->add_option("--salt", a->salt,
                     "Bucketing salt for --percent (default: the flag name)");
  target->add_option("--stage", a->stage, "Stage to assign")->required();
  target->add_flag("--force", a->force, "Override safety rules 1-3 (audited)");
  target->callback([&run, a] {
    auto s = StageArg(a->stage);
    if (!s.ok()) return run.Fail(s.status());
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      FinishChange(run,
                   admin.Update(
                       a->name, "target",
                       [&](Flag& f) { return ApplyTarget(f, *a, *s); },
                       Change(run, a->force)),
                   "rule set");
    });
  });

  CLI::App* untarget = flag->add_subcommand(
      "untarget", "Remove a rule by its index (see flag show)");
  untarget->add_option("NAME", a->name, "Flag name")->required();
  untarget
      ->add_option("RULE_INDEX", a->rule_index, "Index of the rule to remove")
      ->required();
  untarget->add_flag("--force", a->force,
                     "Override safety rules 1-3 (audited)");
  untarget->callback([&run, a] {
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      FinishChange(
          run,
          admin.Update(
              a->name, "untarget",
              [&](Flag& f) {
                if (a->rule_index < 0 ||
                    static_cast<size_t>(a->rule_index) >= f.rules.size()) {
                  return absl::InvalidArgumentError(
                      StrCat("flag ", f.name, " has no rule ", a->rule_index,
                             " (it has ", f.rules.size(),
                             "; see cutover flag show ", f.name, ")"));
                }
                f.rules.erase(f.rules.begin() + a->rule_index);
                return absl::OkStatus();
              },
              Change(run, a->force)),
          "rule removed");
    });
  });

  for (const bool kill : {true, false}) {
    CLI::App* cmd =
        flag->add_subcommand(kill ? "kill" : "unkill",
                             kill ? "Kill switch: everyone back to reading the "
                                    "old schema, writes continue to both"
                                  : "Release the kill switch");
    cmd->add_option("NAME", a->name, "Flag name")->required();
    cmd->callback([&run, a, kill] {
      WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
        FinishChange(run,
                     admin.Update(
                         a->name, kill ? "kill" : "unkill",
                         [&](Flag& f) {
                           f.killed = kill;
                           return absl::OkStatus();
                         },
                         Change(run, false)),
                     kill ? "kill switch engaged" : "kill switch released");
      });
    });
  }

  CLI::App* sample =
      flag->add_subcommand("sample-rate", "Set the fraction of reads compared");
  sample->add_option("NAME", a->name, "Flag name")->required();
  sample->add_option("RATE", a->sample_rate, "0.0-1.0")->required();
  sample->callback([&run, a] {
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      FinishChange(run,
                   admin.Update(
                       a->name, "sample-rate",
                       [&](Flag& f) {
                         f.sample_rate = a->sample_rate;
                         return absl::OkStatus();
                       },
                       Change(run, false)),
                   "sample rate set");
    });
  });

  CLI::App* show = flag->add_subcommand("show", "Print a flag");
  show->add_option("NAME", a->name, "Flag name")->required();
  show->callback([&run, a] {
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      auto f = admin.Get(a->name);
      if (!f.ok()) return run.Fail(f.status());
      run.Finish(FlagToJson(*f), DescribeFlag(*f));
    });
  });

  CLI::App* list = flag->add_subcommand("list", "List all flags");
  list->callback([&run] {
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      std::vector<std::string> corrupt;
      auto flags = admin.List(&corrupt);
      if (!flags.ok()) return run.Fail(flags.status());
      json items = json::array();
      std::string text;
      for (const Flag& f : *flags) {
        items.push_back(FlagToJson(f));
        text += StrCat(f.name, "  default ", StageName(f.default_stage),
                       "  rules ", f.rules.size(), f.killed ? "  KILLED" : "",
                       "  v", f.version, "\n");
      }
      for (const auto& c : corrupt) text += StrCat("CORRUPT ", c, "\n");
      if (flags->empty() && corrupt.empty()) text = "no flags\n";
      run.Finish(json{{"flags", items}, {"corrupt", corrupt}}, text,
                 corrupt.empty() ? kExitOk : kExitOperational);
    });
  });

  CLI::App* del =
      flag->add_subcommand("delete", "Delete a flag (after contract)");
  del->add_option("NAME", a->name, "Flag name")->required();
  del->callback([&run, a] {
    WithAdmin(run, [&](FlagStore&, FlagAdmin& admin) {
      if (auto s = admin.Delete(a->name, Change(run, false)); !s.ok())
        return run.Fail(s);
      run.Finish(json{{"deleted", a->name}}, StrCat("deleted flag ", a->name));
    });
  });

  CLI::App* history = flag->add_subcommand(
      "history", "Who changed the flag, when, from what to what");
  history->add_option("NAME", a->name, "Flag name")->required();
  history->add_option("--limit", a->limit,
                      "Newest entries to show (default 100)");
  history->callback([&run, a] {
    if (auto s = CheckName(a->name); !s.ok()) return run.Fail(s);
    WithAdmin(run, [&](FlagStore& store, FlagAdmin&) {
      auto entries = store.History(a->name, a->limit);
      if (!entries.ok()) return run.Fail(entries.status());
      if (entries->empty()) {
        return run.Fail(
            absl::NotFoundError(StrCat("no history for flag ", a->name)));
      }
      json items = json::array();
      std::string text;
      for (const AuditEntry& e : *entries) {
        json j = AuditEntryJson(e);
        // The flag's own version; the entry's is the store-wide one.
        const json& doc = j["after"].is_object() ? j["after"] : j["before"];
        const std::string version = doc.is_object() && doc.contains("version")
                                        ? doc["version"].dump()
                                        : "-";
        text +=
            StrCat(j["at"].get<std::string>(), "  v", version, "  ", e.actor,
                   "  ", e.action, e.forced ? "  FORCED" : "", "\n");
        items.push_back(std::move(j));
      }
      run.Finish(json{{"flag", a->name}, {"entries", items}}, text);
    });
  });

  CLI::App* eval =
      flag->add_subcommand("eval", "Explain which stage a user gets, and why");
  eval->add_option("NAME", a->name, "Flag name")->required();
  eval->add_option("--user", a->user, "User id")->required();
  eval->add_option("--group", a->groups,
                   "A group the application puts in the context");
  eval->callback([&run, a] {
    WithAdmin(run, [&](FlagStore& store, FlagAdmin& admin) {
      auto f = admin.Get(a->name);
      if (!f.ok()) return run.Fail(f.status());
      auto contents = store.LoadAll();
      if (!contents.ok()) return run.Fail(contents.status());
      GroupSets groups;
      for (const auto& [g, members] : contents->groups) {
        groups[g].insert(members.begin(), members.end());
      }
      auto snap =
          FlagSnapshot::Build(contents->version, {*f}, std::move(groups), {});
      std::vector<std::string_view> context_groups(a->groups.begin(),
                                                   a->groups.end());
      const Evaluation e = Evaluate(*snap->Find(a->name),
                                    EvaluationContext(a->user, context_groups));
      json rule = e.rule_index >= 0 ? json(e.rule_index) : json(nullptr);
      std::string text =
          StrCat("user ", a->user, " gets stage ", StageName(e.stage),
                 " of flag ", a->name, " (", ReasonName(e.reason));
      if (e.rule_index >= 0) {
        text += StrCat(": rule [", e.rule_index, "] ",
                       DescribeRule(*f, f->rules[e.rule_index]));
      }
      text += ")";
      const StagePlan plan = PlanFor(e.stage);
      text += StrCat(
          "\n  reads ", SideName(plan.authoritative),
          plan.compare_reads
              ? StrCat(" (", SideName(Other(plan.authoritative)), " compared)")
              : std::string(),
          ", writes ", SideName(plan.authoritative),
          plan.write_other
              ? StrCat(" then ", SideName(Other(plan.authoritative)))
              : std::string());
      run.Finish(json{{"flag", a->name},
                      {"user", a->user},
                      {"stage", std::string(StageName(e.stage))},
                      {"reason", std::string(ReasonName(e.reason))},
                      {"rule", rule}},
                 text);
    });
  });
}

}  // namespace cutover::cli
