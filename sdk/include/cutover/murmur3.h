// MurmurHash3 x86_32 (Austin Appleby, public domain algorithm), the hash behind
// percentage bucketing. Other languages must reproduce it bit for bit: see
// docs/flags.md.
//
// Thread-safety: Murmur3x86_32 is a value type; use one instance per thread.
#ifndef CUTOVER_MURMUR3_H_
#define CUTOVER_MURMUR3_H_

#include <cstdint>
#include <string_view>

namespace cutover {
inline namespace sdk {

// Incremental form: Update() any number of times, then Finish(). Hashing "a"
// then "b" equals hashing "ab". Copying a hasher after a prefix lets bucketing
// hash "salt:" once.
class Murmur3x86_32 {
 public:
  explicit Murmur3x86_32(std::uint32_t seed = 0) : h1_(seed) {}
  void Update(std::string_view data);
  std::uint32_t Finish() const;

 private:
  std::uint32_t h1_;
  std::uint32_t tail_ = 0;       // bytes not yet forming a whole 4-byte block
  std::uint32_t tail_size_ = 0;  // 0..3
  std::uint32_t length_ = 0;     // total bytes, mod 2^32 as in the reference
};

std::uint32_t MurmurHash3_x86_32(std::string_view data, std::uint32_t seed = 0);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MURMUR3_H_
