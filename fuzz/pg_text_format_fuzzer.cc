// Feeds any bytes to PostgreSQL's text-format parsers and formatters (dates,
// timestamps, timestamptz, bytea, array literals): every value parsed formats
// back to text that parses to the same value, every refusal is InvalidArgument
// with a message, and nothing overflows. The properties live in
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
  const std::string failure = cutover::fuzz::CheckPgTextFormat(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!failure.empty()) {
    std::fprintf(stderr, "%s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
