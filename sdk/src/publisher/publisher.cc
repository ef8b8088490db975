#include "cutover/publisher.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/mutex.h"

namespace cutover {
inline namespace sdk {
namespace {

Mutex default_mu(absl::kConstInit);
std::shared_ptr<Publisher>* installed ABSL_GUARDED_BY(default_mu) = nullptr;

std::shared_ptr<Publisher> BuiltIn() {
  static const std::shared_ptr<Publisher> publisher =
      std::make_shared<InMemoryPublisher>();
  return publisher;
}

}  // namespace

std::shared_ptr<Publisher> DefaultPublisher() {
  {
    MutexLock lock(&default_mu);
    if (installed != nullptr && *installed != nullptr) return *installed;
  }
  return BuiltIn();
}

void SetDefaultPublisher(std::shared_ptr<Publisher> publisher) {
  // A function-local static holds the installed publisher so that nothing with
  // a non-trivial destructor lives at namespace scope.
  static std::shared_ptr<Publisher> slot;
  MutexLock lock(&default_mu);
  slot = std::move(publisher);
  installed = &slot;
}

}  // namespace sdk
}  // namespace cutover
