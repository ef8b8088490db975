#include "cutover/murmur3.h"

#include <string>

#include "gtest/gtest.h"

namespace cutover {
namespace {

struct Vector {
  std::string input;
  std::uint32_t seed;
  std::uint32_t expected;
};

class Murmur3ReferenceTest : public ::testing::TestWithParam<Vector> {};

// Published reference values of MurmurHash3_x86_32 (SMHasher's verification
// vectors as used by many ports), plus widely quoted string examples.
TEST_P(Murmur3ReferenceTest, MatchesReferenceValue) {
  const Vector& v = GetParam();
  EXPECT_EQ(MurmurHash3_x86_32(v.input, v.seed), v.expected);
}

TEST_P(Murmur3ReferenceTest, IncrementalEqualsOneShotAtEverySplit) {
  const Vector& v = GetParam();
  for (size_t split = 0; split <= v.input.size(); ++split) {
    Murmur3x86_32 h(v.seed);
    h.Update(std::string_view(v.input).substr(0, split));
    h.Update(std::string_view(v.input).substr(split));
    EXPECT_EQ(h.Finish(), v.expected) << "split at " << split;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reference, Murmur3ReferenceTest,
    ::testing::Values(Vector{"", 0, 0}, Vector{"", 1, 0x514E28B7},
                      Vector{"", 0xFFFFFFFF, 0x81F16F39},
                      Vector{std::string("\xff\xff\xff\xff", 4), 0, 0x76293B50},
                      Vector{"\x21\x43\x65\x87", 0, 0xF55B516B},
                      Vector{"\x21\x43\x65\x87", 0x5082EDEE, 0x2362F9DE},
                      Vector{"\x21\x43\x65", 0, 0x7E4A8634},
                      Vector{"\x21\x43", 0, 0xA0F7B07A},
                      Vector{"\x21", 0, 0x72661CF4},
                      Vector{std::string("\0\0\0\0", 4), 0, 0x2362F9DE},
                      Vector{"Hello world", 0, 2911983372u},
                      Vector{"Turn me into a hash", 1234, 4138100590u},
                      Vector{"Life, the Universe, and Everything.", 42,
                             458076548u}));

}  // namespace
}  // namespace cutover
