// `cutover group ...`: operator-managed groups such as `staff` (docs/design.md,
// Flag model; Redis layout).
#include <memory>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/internal/strings.h"
#include "store_access.h"

namespace cutover::cli {
namespace {

struct GroupArgs {
  std::string group;
  std::vector<std::string> ids;
};

absl::Status CheckGroupArgs(const GroupArgs& a, bool need_ids) {
  if (a.group.empty() || a.group.size() > 128) {
    return absl::InvalidArgumentError("group name must be 1-128 characters");
  }
  if (need_ids) {
    for (const auto& id : a.ids) {
      if (id.empty())
        return absl::InvalidArgumentError("user ids must not be empty");
    }
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterGroupCommands(CLI::App& app, CommandRun& run) {
  CLI::App* group =
      app.add_subcommand("group", "Manage operator groups (e.g. staff)");
  group->require_subcommand(1);
  auto a = std::make_shared<GroupArgs>();

  for (const bool add : {true, false}) {
    CLI::App* cmd = group->add_subcommand(
        add ? "add" : "remove",
        add ? "Add user ids to a group" : "Remove user ids");
    cmd->add_option("GROUP", a->group, "Group name")->required();
    cmd->add_option("ID", a->ids, "User ids")->required();
    cmd->callback([&run, a, add] {
      if (auto s = CheckGroupArgs(*a, true); !s.ok()) return run.Fail(s);
      auto store = OpenFlagStore(run.options());
      if (!store.ok()) return run.Fail(store.status());
      auto version =
          add ? (*store)->AddToGroup(a->group, a->ids, run.options().actor)
              : (*store)->RemoveFromGroup(a->group, a->ids,
                                          run.options().actor);
      if (!version.ok()) return run.Fail(version.status());
      run.Finish(nlohmann::json{{"group", a->group},
                                {add ? "added" : "removed", a->ids},
                                {"version", *version}},
                 StrCat(add ? "added " : "removed ", a->ids.size(), " user(s) ",
                        add ? "to" : "from", " group ", a->group));
    });
  }

  CLI::App* show = group->add_subcommand("show", "List a group's members");
  show->add_option("GROUP", a->group, "Group name")->required();
  show->callback([&run, a] {
    if (auto s = CheckGroupArgs(*a, false); !s.ok()) return run.Fail(s);
    auto store = OpenFlagStore(run.options());
    if (!store.ok()) return run.Fail(store.status());
    auto members = (*store)->GroupMembers(a->group);
    if (!members.ok()) return run.Fail(members.status());
    std::sort(members->begin(), members->end());
    std::string text =
        StrCat("group ", a->group, ": ", members->size(), " member(s)\n");
    for (const auto& m : *members) text += StrCat("  ", m, "\n");
    run.Finish(nlohmann::json{{"group", a->group}, {"members", *members}},
               text);
  });
}

}  // namespace cutover::cli
