#include "cutover/flag_admin.h"

#include <algorithm>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cutover/flag_json.h"
#include "cutover/in_memory_flag_store.h"
#include "cutover/internal/strings.h"
#include "cutover/safety_rules.h"

namespace cutover {
inline namespace sdk {
namespace {

std::string NowRfc3339() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

absl::StatusOr<Flag> ParseStored(std::string_view name,
                                 const std::string& document) {
  absl::StatusOr<Flag> flag = ParseFlagJson(document);
  if (!flag.ok()) {
    return absl::DataLossError(
        StrCat("the stored document of flag ", name,
               " is corrupt: ", flag.status().message(),
               "; fix it with redis-cli or delete the flag and create it "
               "again"));
  }
  return flag;
}

}  // namespace

FlagAdmin::FlagAdmin(FlagStore& store, RetryOptions retry)
    : store_(store),
      retry_(ValidateRetryOptions(retry, "FlagAdmin").ok() ? retry
                                                           : kDefaultRetry) {}

absl::StatusOr<Flag> FlagAdmin::Get(std::string_view name) {
  if (!IsValidFlagName(name)) {
    return absl::InvalidArgumentError(StrCat(
        "\"", name,
        "\" is not a valid flag name (1-64 characters of a-z, 0-9, '_', '.', "
        "'-')"));
  }
  auto document = store_.GetDocument(name);
  if (!document.ok()) return document.status();
  if (!document->has_value())
    return absl::NotFoundError(StrCat("no flag named ", name));
  return ParseStored(name, **document);
}

absl::StatusOr<std::vector<Flag>> FlagAdmin::List(
    std::vector<std::string>* corrupt) {
  auto documents = store_.ListDocuments();
  if (!documents.ok()) return documents.status();
  std::vector<Flag> out;
  for (const auto& [name, document] : *documents) {
    absl::StatusOr<Flag> flag = ParseStored(name, document);
    if (flag.ok()) {
      out.push_back(*std::move(flag));
    } else if (corrupt != nullptr) {
      corrupt->push_back(StrCat(name, ": ", flag.status().message()));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Flag& a, const Flag& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<Flag> FlagAdmin::Create(Flag flag,
                                       const ChangeOptions& options) {
  flag.version = 1;
  flag.updated_at = NowRfc3339();
  flag.updated_by = options.actor;
  if (absl::Status s = ValidateFlag(flag); !s.ok()) return s;
  if (absl::Status s = EnforceSafetyRules(nullptr, flag, options.force);
      !s.ok())
    return s;
  const FlagWrite write{flag.name,           0,
                        SerializeFlag(flag), "create",
                        options.actor,       options.force};
  auto version = store_.CompareAndSet(write);
  if (absl::IsAborted(version.status())) {
    return absl::AlreadyExistsError(
        StrCat("flag ", flag.name, " already exists"));
  }
  if (!version.ok()) return version.status();
  return flag;
}

absl::StatusOr<Flag> FlagAdmin::Update(
    std::string_view name, std::string_view action,
    const std::function<absl::Status(Flag&)>& mutate,
    const ChangeOptions& options) {
  // Per call: FlagAdmin may be used from several threads at once.
  RetryPolicy retry(retry_);
  for (;;) {
    absl::StatusOr<Flag> before = Get(name);
    if (!before.ok()) return before.status();
    Flag after = *before;
    if (absl::Status s = mutate(after); !s.ok()) return s;
    after.name = before->name;
    after.version = before->version + 1;
    after.updated_at = NowRfc3339();
    after.updated_by = options.actor;
    if (absl::Status s = ValidateFlag(after); !s.ok()) return s;
    if (absl::Status s = EnforceSafetyRules(&*before, after, options.force);
        !s.ok())
      return s;
    const bool forced =
        options.force && !CheckSafetyRules(&*before, after).empty();
    const FlagWrite write{after.name,           before->version,
                          SerializeFlag(after), std::string(action),
                          options.actor,        forced};
    auto version = store_.CompareAndSet(write);
    if (version.ok()) return after;
    if (!absl::IsAborted(version.status())) return version.status();
    if (!retry.CanRetry()) break;
    std::this_thread::sleep_for(retry.NextDelay());
  }
  return absl::AbortedError(
      StrCat("flag ", name, " kept changing under us: gave up after ",
             retry.retries() + 1,
             " conflicting attempts; check who else is changing it "
             "(cutover flag history ",
             name, ") and retry"));
}

absl::Status FlagAdmin::Delete(std::string_view name,
                               const ChangeOptions& options) {
  RetryPolicy retry(retry_);
  for (;;) {
    auto document = store_.GetDocument(name);
    if (!document.ok()) return document.status();
    if (!document->has_value())
      return absl::NotFoundError(StrCat("no flag named ", name));
    const FlagWrite write{std::string(name),
                          StoredDocumentVersion(*document),
                          "",
                          "delete",
                          options.actor,
                          options.force};
    auto version = store_.CompareAndSet(write);
    if (version.ok()) return absl::OkStatus();
    if (!absl::IsAborted(version.status())) return version.status();
    if (!retry.CanRetry()) break;
    std::this_thread::sleep_for(retry.NextDelay());
  }
  return absl::AbortedError(StrCat("flag ", name,
                                   " kept changing: delete gave up after ",
                                   retry.retries() + 1, " attempts"));
}

}  // namespace sdk
}  // namespace cutover
