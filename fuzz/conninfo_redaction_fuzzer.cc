// Places a fuzzer-chosen secret in a connection string (after password=, as a
// URL's password, after sslpassword=, or anywhere) between fuzzer-chosen text,
// and checks that RedactPostgresUrl never shows it when libpq would send it as
// a secret, or when libpq cannot parse the string but its author wrote a
// password. Input layout and the exact rule: CheckConninfoRedaction in
// tests/fuzz/fuzz_properties.h, shared with the regression test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string failure = cutover::fuzz::CheckConninfoRedaction(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!failure.empty()) {
    std::fprintf(stderr, "%s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
