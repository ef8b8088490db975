// The name_split migration's rule: how one `name` becomes `first_name` +
// `last_name`, and back. The same rule runs in C++ (the application's dual
// writes) and in SQL (the backfill and verify statements in name_split_sql.cc),
// so both must agree byte for byte:
//
//   1. whitespace runs (space, tab, CR, LF) become one space; leading/trailing
//   ones go;
//   2. first_name is the first word; last_name is the rest (possibly several
//   words), or ""
//      for a mononym ("Cher");
//   3. joining is first_name, plus " " and last_name when last_name is not
//   empty.
//
// Split(Join(f, l)) == (f, l) for any split result, and Join(Split(name)) ==
// the name with its whitespace normalized. Stray whitespace in the old column
// is the one thing the migration does not keep; verify normalizes it the same
// way.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_EXAMPLES_NAME_SPLIT_NAME_RULES_H_
#define CUTOVER_EXAMPLES_NAME_SPLIT_NAME_RULES_H_

#include <string>
#include <string_view>

namespace cutover::examples {

struct SplitName {
  std::string first_name;
  std::string last_name;
  bool operator==(const SplitName& o) const {
    return first_name == o.first_name && last_name == o.last_name;
  }
};

std::string NormalizeWhitespace(std::string_view name);
SplitName Split(std::string_view name);
std::string Join(const SplitName& split);

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_NAME_SPLIT_NAME_RULES_H_
