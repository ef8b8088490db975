// Feeds any bytes, one --normalize argument per line, to the normalizer spec
// parser: it refuses with InvalidArgument listing the valid names, or gives
// normalizers that validate, that write back to specs naming the same
// normalizers, and that normalize idempotently. The properties live in
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
  const std::string failure = cutover::fuzz::CheckNormalizerSpec(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!failure.empty()) {
    std::fprintf(stderr, "%s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
