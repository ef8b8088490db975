#include "cutover/table_verifier.h"

#include <algorithm>
#include <limits>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "connection/shared_snapshot.h"
#include "cutover/diff_render.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/pqxx_adapter.h"
#include "cutover/row_comparator.h"
#include "verify/chunked_query.h"
#include "verify/verify_query.h"

namespace cutover::pg {
namespace {

using Clock = std::chrono::steady_clock;
using comparator::CompareMode;
using comparator::CompareOptions;
using comparator::Diff;
using comparator::RowComparator;
using comparator::RowSet;
using comparator::Value;
using comparator::ValueToJson;

// Keys re-read per round trip in a re-check pass.
constexpr size_t kRecheckBatch = 1000;

// Runs `first` on this thread and `second` on another (each owns one
// connection), and returns the first error.
absl::Status RunBoth(const std::function<absl::Status()>& first,
                     const std::function<absl::Status()>& second) {
  absl::Status second_status;
  std::thread t([&] { second_status = second(); });
  absl::Status first_status = first();
  t.join();
  return first_status.ok() ? second_status : first_status;
}

// What one pass (the drill-down, or one re-check) found.
struct PassFindings {
  std::vector<KeyTexts> keys;            // every differing key, in pass order
  std::vector<VerifyDifference> listed;  // the first max_diffs of them
};

KeyTexts KeyOf(const pqxx::result& rows, std::size_t index, int key_columns) {
  KeyTexts key;
  const pqxx::row row = rows[static_cast<pqxx::result::size_type>(index)];
  for (int c = 0; c < key_columns; ++c) key.emplace_back(row[c].c_str());
  return key;
}

nlohmann::ordered_json KeyJson(const std::vector<Value>& key) {
  if (key.size() == 1) return ValueToJson(key[0]);
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Value& v : key) out.push_back(ValueToJson(v));
  return out;
}

nlohmann::ordered_json OneSide(const Diff& diff,
                               const std::vector<Value>& values,
                               const char* side) {
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (size_t i = 0; i < values.size() && i < diff.columns.size(); ++i) {
    columns.push_back(
        {{"column", diff.columns[i]}, {side, ValueToJson(values[i])}});
  }
  return columns;
}

class Verification {
 public:
  Verification(pqxx::connection_base& old_conn, pqxx::connection_base& new_conn,
               const VerifyOptions& options, const VerifyHooks& hooks)
      : old_conn_(old_conn),
        new_conn_(new_conn),
        options_(options),
        hooks_(hooks) {}

  absl::StatusOr<VerifyResult> Run();

 private:
  absl::Status Validate() const;
  // Describes both queries and builds their chunked forms.
  absl::Status Prepare();
  // Steps 2-3: hash both sides per chunk and drill into differing chunks.
  absl::Status HashAndDrill(PassFindings* findings);
  // One re-check of `keys` in a fresh snapshot.
  absl::Status Recheck(const std::vector<KeyTexts>& keys, PassFindings* out);
  absl::Status CompareRows(const pqxx::result& old_rows,
                           const pqxx::result& new_rows, PassFindings* out);

  pqxx::connection_base& old_conn_;
  pqxx::connection_base& new_conn_;
  const VerifyOptions& options_;
  const VerifyHooks& hooks_;
  std::optional<RowComparator> comparator_;
  std::optional<ChunkedQuery> old_;
  std::optional<ChunkedQuery> new_;
  VerifyResult result_;
};

absl::Status Verification::Validate() const {
  if (options_.key_columns < 1) {
    return absl::InvalidArgumentError(
        "--key-columns must be at least 1: the first K columns of each query "
        "are its key");
  }
  if (options_.chunk_rows < 1) {
    return absl::InvalidArgumentError("--chunk must be at least 1 row");
  }
  if (options_.recheck_passes < 0) {
    return absl::InvalidArgumentError("--recheck must not be negative");
  }
  if (options_.recheck_delay.count() < 0) {
    return absl::InvalidArgumentError(
        "--recheck-delay-ms must not be negative");
  }
  if (&old_conn_ == &new_conn_) {
    return absl::InvalidArgumentError(
        "verify needs two distinct connections (one per side)");
  }
  return absl::OkStatus();
}

absl::Status Verification::Prepare() {
  std::optional<VerifyQuery> old_query;
  std::optional<VerifyQuery> new_query;
  bool by_value = false;
  try {
    pqxx::nontransaction tx(old_conn_);
    // hash_record_extended() arrived in PostgreSQL 14.
    by_value =
        tx.exec_params("SHOW server_version_num")[0][0].as<int>() >= 140000;
  } catch (const std::exception& e) {
    return StatusFromException(e, "asking the server's version");
  }
  absl::Status s = RunBoth(
      [&]() -> absl::Status {
        auto q = VerifyQuery::Describe(old_conn_, options_.old_query, "old");
        if (!q.ok()) return q.status();
        old_query = *std::move(q);
        return absl::OkStatus();
      },
      [&]() -> absl::Status {
        auto q = VerifyQuery::Describe(new_conn_, options_.new_query, "new");
        if (!q.ok()) return q.status();
        new_query = *std::move(q);
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  const std::vector<VerifyColumn>& oc = old_query->columns();
  const std::vector<VerifyColumn>& nc = new_query->columns();
  if (oc.size() != nc.size()) {
    return absl::InvalidArgumentError(
        StrCat("the --old query returns ", oc.size(),
               " columns and the --new query ", nc.size(),
               "; columns are compared by position, so select the same "
               "columns in the same order on both sides"));
  }
  if (static_cast<size_t>(options_.key_columns) > oc.size()) {
    return absl::InvalidArgumentError(StrCat("--key-columns is ",
                                             options_.key_columns,
                                             " but the queries "
                                             "return only ",
                                             oc.size(), " columns"));
  }
  const std::vector<std::string> names = PositionalNames(nc);
  const std::vector<std::string> aliases = PositionalAliases(nc);
  result_.columns = names;
  const std::set<std::string> known(names.begin(), names.end());
  for (const auto& [column, normalizer] : options_.normalizers.for_columns()) {
    if (known.count(column) == 0) {
      return absl::InvalidArgumentError(
          StrCat("normalizer ", normalizer.name(), "@", column,
                 " names no column; the compared columns are the --new "
                 "query's: ",
                 nlohmann::json(names).dump()));
    }
  }
  CompareOptions compare;
  compare.mode = CompareMode::kByKey;
  compare.key_columns.assign(names.begin(),
                             names.begin() + options_.key_columns);
  compare.normalizers = options_.normalizers;
  // Every difference of a chunk or re-check batch is needed (their keys are
  // re-checked); memory stays bounded by the chunk size.
  compare.max_listed = std::numeric_limits<std::size_t>::max();
  absl::StatusOr<RowComparator> cmp = RowComparator::Create(std::move(compare));
  if (!cmp.ok()) return cmp.status();
  comparator_.emplace(*std::move(cmp));

  std::vector<std::string> key_types;
  bool same_kinds = true;
  for (size_t i = 0; i < oc.size(); ++i) {
    if (static_cast<int>(i) < options_.key_columns) {
      key_types.push_back(oc[i].type_sql);
    }
    same_kinds = same_kinds && KindForTypeOid(oc[i].type_oid) ==
                                   KindForTypeOid(nc[i].type_oid);
  }
  // Equal hashes mean equal rows only when both sides parse each column into
  // the same kind; otherwise differing seeds send every chunk to the
  // comparator (chunked_query.h).
  RowHashing old_hashing;
  old_hashing.by_value = by_value;
  RowHashing new_hashing = old_hashing;
  new_hashing.seed = same_kinds ? 0 : 1;
  for (const VerifyColumn& c : nc)
    old_hashing.peer_type_oids.push_back(c.type_oid);
  for (const VerifyColumn& c : oc)
    new_hashing.peer_type_oids.push_back(c.type_oid);
  old_.emplace(*std::move(old_query), aliases, names, key_types,
               std::move(old_hashing), options_.normalizers);
  new_.emplace(*std::move(new_query), aliases, names, key_types,
               std::move(new_hashing), options_.normalizers);
  return absl::OkStatus();
}

absl::Status Verification::CompareRows(const pqxx::result& old_rows,
                                       const pqxx::result& new_rows,
                                       PassFindings* out) {
  absl::StatusOr<RowSet> old_set = pg::RowSetFromResult(old_rows);
  if (!old_set.ok()) return old_set.status();
  absl::StatusOr<RowSet> new_set = pg::RowSetFromResult(new_rows);
  if (!new_set.ok()) return new_set.status();
  absl::StatusOr<Diff> diff = comparator_->Compare(*old_set, *new_set);
  if (!diff.ok()) return diff.status();
  const int k = options_.key_columns;
  const auto room = [&] { return out->listed.size() < options_.max_diffs; };
  for (const comparator::ChangedRow& row : diff->changed) {
    out->keys.push_back(KeyOf(old_rows, row.old_index, k));
    if (!room()) continue;
    VerifyDifference d;
    d.kind = VerifyDifference::Kind::kChanged;
    d.key = KeyJson(row.key);
    for (const comparator::CellChange& cell : row.cells) {
      d.columns.push_back({{"column", cell.column},
                           {"old", ValueToJson(cell.old_value)},
                           {"new", ValueToJson(cell.new_value)}});
    }
    out->listed.push_back(std::move(d));
  }
  for (const comparator::RowEntry& row : diff->missing) {
    out->keys.push_back(KeyOf(old_rows, row.index, k));
    if (!room()) continue;
    VerifyDifference d;
    d.kind = VerifyDifference::Kind::kMissingInNew;
    d.key = KeyJson(row.key);
    d.columns = OneSide(*diff, row.values, "old");
    out->listed.push_back(std::move(d));
  }
  for (const comparator::RowEntry& row : diff->extra) {
    out->keys.push_back(KeyOf(new_rows, row.index, k));
    if (!room()) continue;
    VerifyDifference d;
    d.kind = VerifyDifference::Kind::kExtraInNew;
    d.key = KeyJson(row.key);
    d.columns = OneSide(*diff, row.values, "new");
    out->listed.push_back(std::move(d));
  }
  return absl::OkStatus();
}

absl::Status Verification::HashAndDrill(PassFindings* findings) {
  absl::StatusOr<std::unique_ptr<SharedSnapshot>> snapshot =
      SharedSnapshot::Begin(old_conn_, new_conn_);
  if (!snapshot.ok()) return snapshot.status();
  if (absl::Status s = Prepare(); !s.ok()) return s;

  absl::StatusOr<std::vector<KeyTexts>> bounds =
      old_->ComputeBounds(old_conn_, options_.chunk_rows);
  if (!bounds.ok()) return bounds.status();
  result_.chunks = static_cast<std::int64_t>(bounds->size()) + 1;

  std::map<std::int64_t, ChunkDigest> old_digests;
  std::map<std::int64_t, ChunkDigest> new_digests;
  absl::Status s = RunBoth(
      [&]() -> absl::Status {
        auto d = old_->HashChunks(old_conn_, *bounds);
        if (!d.ok()) return d.status();
        old_digests = *std::move(d);
        return absl::OkStatus();
      },
      [&]() -> absl::Status {
        auto d = new_->HashChunks(new_conn_, *bounds);
        if (!d.ok()) return d.status();
        new_digests = *std::move(d);
        return absl::OkStatus();
      });
  if (!s.ok()) return s;

  std::set<std::int64_t> differing;
  for (const auto& [chunk, digest] : old_digests) {
    result_.rows_old += digest.rows;
    auto it = new_digests.find(chunk);
    if (it == new_digests.end() || !(it->second == digest)) {
      differing.insert(chunk);
    }
  }
  for (const auto& [chunk, digest] : new_digests) {
    result_.rows_new += digest.rows;
    if (old_digests.count(chunk) == 0) differing.insert(chunk);
  }
  result_.chunks_differing = static_cast<std::int64_t>(differing.size());

  for (const std::int64_t chunk : differing) {
    pqxx::result old_rows;
    pqxx::result new_rows;
    s = RunBoth(
        [&]() -> absl::Status {
          auto r = old_->FetchChunk(old_conn_, *bounds, chunk);
          if (!r.ok()) return r.status();
          old_rows = *std::move(r);
          return absl::OkStatus();
        },
        [&]() -> absl::Status {
          auto r = new_->FetchChunk(new_conn_, *bounds, chunk);
          if (!r.ok()) return r.status();
          new_rows = *std::move(r);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    if (s = CompareRows(old_rows, new_rows, findings); !s.ok()) return s;
  }
  return (*snapshot)->Finish();
}

absl::Status Verification::Recheck(const std::vector<KeyTexts>& keys,
                                   PassFindings* out) {
  absl::StatusOr<std::unique_ptr<SharedSnapshot>> snapshot =
      SharedSnapshot::Begin(old_conn_, new_conn_);
  if (!snapshot.ok()) return snapshot.status();
  for (size_t begin = 0; begin < keys.size(); begin += kRecheckBatch) {
    const std::vector<KeyTexts> batch(
        keys.begin() + begin,
        keys.begin() + std::min(keys.size(), begin + kRecheckBatch));
    pqxx::result old_rows;
    pqxx::result new_rows;
    absl::Status s = RunBoth(
        [&]() -> absl::Status {
          auto r = old_->FetchKeys(old_conn_, batch);
          if (!r.ok()) return r.status();
          old_rows = *std::move(r);
          return absl::OkStatus();
        },
        [&]() -> absl::Status {
          auto r = new_->FetchKeys(new_conn_, batch);
          if (!r.ok()) return r.status();
          new_rows = *std::move(r);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    if (s = CompareRows(old_rows, new_rows, out); !s.ok()) return s;
  }
  return (*snapshot)->Finish();
}

absl::StatusOr<VerifyResult> Verification::Run() {
  const Clock::time_point start = Clock::now();
  if (absl::Status s = Validate(); !s.ok()) return s;
  PassFindings findings;
  if (absl::Status s = HashAndDrill(&findings); !s.ok()) return s;
  const std::int64_t first_count =
      static_cast<std::int64_t>(findings.keys.size());
  for (int pass = 1; pass <= options_.recheck_passes && !findings.keys.empty();
       ++pass) {
    std::this_thread::sleep_for(options_.recheck_delay);
    if (hooks_.before_recheck) hooks_.before_recheck(pass);
    PassFindings next;
    if (absl::Status s = Recheck(findings.keys, &next); !s.ok()) return s;
    findings = std::move(next);
    result_.recheck_passes_run = pass;
  }
  result_.difference_count = static_cast<std::int64_t>(findings.keys.size());
  result_.resolved_on_recheck = first_count - result_.difference_count;
  result_.differences = std::move(findings.listed);
  result_.equal = result_.difference_count == 0;
  result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result_;
}

}  // namespace

const char* VerifyDifferenceKindName(VerifyDifference::Kind kind) {
  switch (kind) {
    case VerifyDifference::Kind::kChanged:
      return "changed";
    case VerifyDifference::Kind::kMissingInNew:
      return "missing_in_new";
    case VerifyDifference::Kind::kExtraInNew:
      return "extra_in_new";
  }
  return "changed";
}

absl::StatusOr<VerifyResult> VerifyTables(pqxx::connection_base& old_conn,
                                          pqxx::connection_base& new_conn,
                                          const VerifyOptions& options,
                                          const VerifyHooks& hooks) {
  return Verification(old_conn, new_conn, options, hooks).Run();
}

}  // namespace cutover::pg
