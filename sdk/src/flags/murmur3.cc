#include "cutover/murmur3.h"

namespace cutover {
inline namespace sdk {
namespace {

constexpr std::uint32_t kC1 = 0xcc9e2d51;
constexpr std::uint32_t kC2 = 0x1b873593;

inline std::uint32_t Rotl(std::uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

inline std::uint32_t MixK(std::uint32_t k) {
  k *= kC1;
  k = Rotl(k, 15);
  return k * kC2;
}

inline std::uint32_t MixH(std::uint32_t h, std::uint32_t k) {
  h ^= MixK(k);
  h = Rotl(h, 13);
  return h * 5 + 0xe6546b64;
}

}  // namespace

void Murmur3x86_32::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  length_ += static_cast<std::uint32_t>(n);
  // Blocks are read little-endian byte by byte: the result does not depend on
  // the host.
  while (n > 0 && tail_size_ != 0) {
    tail_ |= static_cast<std::uint32_t>(*p++) << (8 * tail_size_);
    --n;
    if (++tail_size_ == 4) {
      h1_ = MixH(h1_, tail_);
      tail_ = 0;
      tail_size_ = 0;
    }
  }
  while (n >= 4) {
    const std::uint32_t k = static_cast<std::uint32_t>(p[0]) |
                            (static_cast<std::uint32_t>(p[1]) << 8) |
                            (static_cast<std::uint32_t>(p[2]) << 16) |
                            (static_cast<std::uint32_t>(p[3]) << 24);
    h1_ = MixH(h1_, k);
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    tail_ |= static_cast<std::uint32_t>(*p++) << (8 * tail_size_);
    ++tail_size_;
    --n;
  }
}

std::uint32_t Murmur3x86_32::Finish() const {
  std::uint32_t h = h1_;
  if (tail_size_ != 0) h ^= MixK(tail_);
  h ^= length_;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

std::uint32_t MurmurHash3_x86_32(std::string_view data, std::uint32_t seed) {
  Murmur3x86_32 hasher(seed);
  hasher.Update(data);
  return hasher.Finish();
}

}  // namespace sdk
}  // namespace cutover
