#include <iostream>
#include <string>
#include <vector>

#include "cli_app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return cutover::cli::RunCli(args, std::cout, std::cerr);
}
