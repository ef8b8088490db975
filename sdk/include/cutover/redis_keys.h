// The Redis key layout (DESIGN §3), in one place. Prefix default "cutover:".
//
// Thread-safety: a value type.
#ifndef CUTOVER_REDIS_KEYS_H_
#define CUTOVER_REDIS_KEYS_H_

#include <string>
#include <string_view>

namespace cutover {

inline constexpr std::string_view kDefaultPrefix = "cutover:";

class RedisKeys {
 public:
  explicit RedisKeys(std::string prefix = std::string(kDefaultPrefix))
      : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string Flags() const { return prefix_ + "flags"; }  // hash
  std::string Version() const {
    return prefix_ + "version";
  }  // string (integer)
  std::string Changes() const {
    return prefix_ + "changes";
  }                                                        // pub/sub channel
  std::string Audit() const { return prefix_ + "audit"; }  // stream
  std::string GroupPrefix() const {
    return prefix_ + "groups:";
  }  // + group: set
  std::string Group(std::string_view g) const {
    return GroupPrefix() + std::string(g);
  }
  std::string Events(std::string_view flag) const {  // capped stream
    return prefix_ + "events:" + std::string(flag);
  }
  std::string Reconcile(std::string_view flag) const {  // stream
    return prefix_ + "reconcile:" + std::string(flag);
  }
  std::string Verify(std::string_view flag) const {  // stream
    return prefix_ + "verify:" + std::string(flag);
  }

 private:
  std::string prefix_;
};

}  // namespace cutover

#endif  // CUTOVER_REDIS_KEYS_H_
