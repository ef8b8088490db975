// Evaluates a flag from the embedded store and prints the stage: "shadow" when the installed
// headers, library and its dependencies all work together.
#include <iostream>
#include <memory>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/in_memory_flag_store.h"

int main() {
  auto store = std::make_shared<cutover::InMemoryFlagStore>();
  cutover::Flag flag;
  flag.name = "pair_membership";
  flag.default_stage = cutover::Stage::kShadow;
  cutover::FlagAdmin admin(*store);
  if (!admin.Create(flag, {"consumer", false}).ok()) return 1;
  auto client = cutover::Client::Start(store, {});
  if (!client.ok()) return 1;
  std::cout << cutover::StageName(
                   (*client)->Evaluate("pair_membership", cutover::EvaluationContext("u1")).stage)
            << "\n";
  return 0;
}
