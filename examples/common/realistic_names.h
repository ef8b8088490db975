// SQL fragments that generate realistic people server-side (generate_series),
// so that `setup --users 100000` takes a second, not a minute of round trips.
// Names include non-ASCII ones (José María García, 山田 太郎, Zoë Ødegård), so
// every layer is tested with real UTF-8.
#ifndef CUTOVER_EXAMPLES_COMMON_REALISTIC_NAMES_H_
#define CUTOVER_EXAMPLES_COMMON_REALISTIC_NAMES_H_

#include <string>

namespace cutover::examples {

// An SQL expression of the integer column `g` giving a first name.
std::string FirstNameSql(const std::string& g);
// An SQL expression of the integer column `g` giving a last name (possibly two
// words).
std::string LastNameSql(const std::string& g);

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_REALISTIC_NAMES_H_
