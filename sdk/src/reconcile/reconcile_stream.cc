#include "cutover/reconcile_stream.h"

#include <hiredis/hiredis.h>

#include <utility>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

// XADD <stream> * field value ...: the argument vector views `fields` and
// `stream`, which must stay alive while it is used.
std::vector<std::string_view> XaddArgs(
    const std::string& stream,
    const std::vector<std::pair<std::string_view, std::string>>& fields) {
  std::vector<std::string_view> args = {"XADD", stream, "*"};
  for (const auto& [field, value] : fields) {
    args.push_back(field);
    args.push_back(value);
  }
  return args;
}

absl::Status ReplyError(const redisReply* reply, std::string_view what) {
  return absl::FailedPreconditionError(
      StrCat(what, " refused by Redis: ", ReplyString(reply)));
}

}  // namespace

absl::Status ReconcileStream::AppendBatch(
    std::vector<ReconcileEntry>* entries) {
  if (entries->empty()) return absl::OkStatus();
  std::vector<std::string> streams;
  streams.reserve(entries->size());
  for (const ReconcileEntry& e : *entries) {
    streams.push_back(keys_.Reconcile(e.flag));
    const auto fields = ReconcileEntryFields(e);
    if (absl::Status s = connection_.Append(XaddArgs(streams.back(), fields));
        !s.ok()) {
      return s;
    }
  }
  absl::Status first_error;
  for (ReconcileEntry& e : *entries) {
    absl::StatusOr<RedisReplyPtr> reply = connection_.GetReply();
    if (!reply.ok()) return reply.status();
    if (ReplyIsError(reply->get())) {
      if (first_error.ok()) first_error = ReplyError(reply->get(), "XADD");
      continue;
    }
    e.id = std::string(ReplyString(reply->get()));
  }
  return first_error;
}

absl::StatusOr<std::vector<ReconcileEntry>> ReconcileStream::Range(
    std::string_view flag, std::string_view after_id, std::string_view last_id,
    std::size_t count, std::vector<std::string>* invalid) {
  const std::string stream = keys_.Reconcile(flag);
  const std::string start =
      after_id.empty() ? std::string("-") : StrCat("(", after_id);
  const std::string end =
      last_id.empty() ? std::string("+") : std::string(last_id);
  const std::string count_text = StrCat(count);
  absl::StatusOr<RedisReplyPtr> reply =
      connection_.Command({"XRANGE", stream, start, end, "COUNT", count_text});
  if (!reply.ok()) return reply.status();
  std::vector<ReconcileEntry> entries;
  const redisReply* r = reply->get();
  for (size_t i = 0; i < ReplyElementCount(r); ++i) {
    const redisReply* item = ReplyElement(r, i);
    const std::string id(ReplyString(ReplyElement(item, 0)));
    const redisReply* kv = ReplyElement(item, 1);
    std::vector<std::pair<std::string, std::string>> fields;
    for (size_t j = 0; j + 1 < ReplyElementCount(kv); j += 2) {
      fields.emplace_back(std::string(ReplyString(ReplyElement(kv, j))),
                          std::string(ReplyString(ReplyElement(kv, j + 1))));
    }
    absl::StatusOr<ReconcileEntry> entry =
        ParseReconcileEntry(flag, id, fields);
    if (entry.ok()) {
      entries.push_back(*std::move(entry));
    } else if (invalid != nullptr) {
      invalid->push_back(std::string(entry.status().message()));
    }
  }
  return entries;
}

absl::StatusOr<std::string> ReconcileStream::LastId(std::string_view flag) {
  absl::StatusOr<RedisReplyPtr> reply = connection_.Command(
      {"XREVRANGE", keys_.Reconcile(flag), "+", "-", "COUNT", "1"});
  if (!reply.ok()) return reply.status();
  if (ReplyElementCount(reply->get()) == 0) return std::string();
  return std::string(
      ReplyString(ReplyElement(ReplyElement(reply->get(), 0), 0)));
}

absl::StatusOr<std::int64_t> ReconcileStream::Acknowledge(
    std::string_view flag, const std::vector<std::string>& ids) {
  if (ids.empty()) return 0;
  const std::string stream = keys_.Reconcile(flag);
  std::vector<std::string_view> args = {"XDEL", stream};
  for (const std::string& id : ids) args.push_back(id);
  absl::StatusOr<RedisReplyPtr> reply = connection_.Command(args);
  if (!reply.ok()) return reply.status();
  return ReplyInteger(reply->get());
}

absl::Status ReconcileStream::Replace(std::string_view old_id,
                                      ReconcileEntry* replacement) {
  const std::string stream = keys_.Reconcile(replacement->flag);
  const auto fields = ReconcileEntryFields(*replacement);
  if (absl::Status s = connection_.Append({"MULTI"}); !s.ok()) return s;
  if (absl::Status s = connection_.Append(XaddArgs(stream, fields)); !s.ok()) {
    return s;
  }
  if (absl::Status s = connection_.Append({"XDEL", stream, old_id}); !s.ok()) {
    return s;
  }
  if (absl::Status s = connection_.Append({"EXEC"}); !s.ok()) return s;
  RedisReplyPtr exec;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<RedisReplyPtr> reply = connection_.GetReply();
    if (!reply.ok()) return reply.status();
    if (ReplyIsError(reply->get())) {
      return ReplyError(reply->get(), "replacing a reconcile entry");
    }
    exec = *std::move(reply);
  }
  if (ReplyElementCount(exec.get()) != 2) {
    return absl::AbortedError(
        StrCat("replacing reconcile entry ", old_id, " was not applied"));
  }
  replacement->id = std::string(ReplyString(ReplyElement(exec.get(), 0)));
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> ReconcileStream::Length(std::string_view flag) {
  absl::StatusOr<RedisReplyPtr> reply =
      connection_.Command({"XLEN", keys_.Reconcile(flag)});
  if (!reply.ok()) return reply.status();
  return ReplyInteger(reply->get());
}

}  // namespace sdk
}  // namespace cutover
