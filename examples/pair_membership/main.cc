#include "common/example_cli.h"
#include "pair_membership_example.h"

int main(int argc, char** argv) {
  cutover::examples::PairMembershipExample example;
  return cutover::examples::RunExampleCli(example, argc, argv);
}
