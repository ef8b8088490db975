#include "common/example_cli.h"
#include "name_split_example.h"

int main(int argc, char** argv) {
  cutover::examples::NameSplitExample example;
  return cutover::examples::RunExampleCli(example, argc, argv);
}
