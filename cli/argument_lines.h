// Turns one blob of bytes into a command line: arguments separated by NUL or newline, as a
// shell would have split them. For the CLI fuzzer and its regression test, which must read
// their inputs the same way.
#ifndef CUTOVER_CLI_ARGUMENT_LINES_H_
#define CUTOVER_CLI_ARGUMENT_LINES_H_

#include <string>
#include <string_view>
#include <vector>

namespace cutover::cli {

// {"cutover", arg1, arg2, ...}.
inline std::vector<std::string> ArgumentsFromLines(std::string_view input) {
  std::vector<std::string> args = {"cutover"};
  std::string current;
  for (char c : input) {
    if (c == '\0' || c == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) args.push_back(current);
  return args;
}

}  // namespace cutover::cli

#endif  // CUTOVER_CLI_ARGUMENT_LINES_H_
