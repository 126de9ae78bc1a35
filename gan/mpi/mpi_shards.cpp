// MpiShards (see mpi_shards.h): the shard reducer of a job started by mpirun.
#include "gan/mpi/mpi_shards.h"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <functional>

#include "tensor/error.h"

namespace nash::gan {

namespace {
void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  fail("MPI: ", call, " failed: ", std::string(text, static_cast<size_t>(len)));
}
// NASH_BUCKET_MB: the gradient bucket size in MB (default 1; 0: no buckets).
size_t bucket_bytes_from_env() {
  const char* text = std::getenv("NASH_BUCKET_MB");
  if (!text || !*text) return size_t{1} << 20;
  char* end = nullptr;
  const double mb = std::strtod(text, &end);
  NASH_CHECK(end && *end == '\0' && mb >= 0 && mb <= 4096, "NASH_BUCKET_MB must be a number of MB in [0, 4096], got '",
             text, "'");
  return static_cast<size_t>(mb * 1048576.0);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

struct MpiShards::Buckets {
  struct Gather {
    std::vector<float> mine, all;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  MPI_Comm comm = MPI_COMM_NULL;  // a duplicate of MPI_COMM_WORLD: buckets never meet the other sums
  std::vector<std::unique_ptr<Gather>> gathers;  // by ticket, until finished
};

bool started_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

MpiShards::MpiShards(int shards) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) check(MPI_Init(nullptr, nullptr), "MPI_Init");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);  // errors become nash::Error
  check(MPI_Comm_rank(MPI_COMM_WORLD, &process_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &processes_), "MPI_Comm_size");
  shards_ = shards == 0 ? processes_ : shards;
  NASH_CHECK(shards_ >= processes_ && shards_ % processes_ == 0, "--shards ", shards_,
             " does not divide among the ", processes_, " processes of mpirun -np ", processes_);
  const int per = shards_ / processes_;
  for (int k = process_ * per; k < (process_ + 1) * per; ++k) local_.push_back(k);
  bucket_bytes_ = bucket_bytes_from_env();
  buckets_ = std::make_unique<Buckets>();
  check(MPI_Comm_dup(MPI_COMM_WORLD, &buckets_->comm), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(buckets_->comm, MPI_ERRORS_RETURN);
}

MpiShards::~MpiShards() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (finalised) return;
  if (buckets_ && buckets_->comm != MPI_COMM_NULL) MPI_Comm_free(&buckets_->comm);
  MPI_Finalize();
}

int MpiShards::start_sum(std::vector<float> part) {
  NASH_CHECK(local_.size() == 1, "MPI shards: buckets need one shard per rank, this rank has ", local_.size());
  const auto t0 = std::chrono::steady_clock::now();
  auto g = std::make_unique<Buckets::Gather>();
  g->mine = std::move(part);
  g->all.resize(g->mine.size() * static_cast<size_t>(processes_));
  const int count = static_cast<int>(g->mine.size());
  check(MPI_Iallgather(g->mine.data(), count, MPI_FLOAT, g->all.data(), count, MPI_FLOAT, buckets_->comm,
                       &g->request),
        "MPI_Iallgather");
  buckets_->gathers.push_back(std::move(g));
  sum_seconds_ += seconds_since(t0);
  return static_cast<int>(buckets_->gathers.size()) - 1;
}

void MpiShards::progress() {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& g : buckets_->gathers) {
    if (!g || g->request == MPI_REQUEST_NULL) continue;
    int done = 0;
    check(MPI_Test(&g->request, &done, MPI_STATUS_IGNORE), "MPI_Test");
  }
  sum_seconds_ += seconds_since(t0);
}

std::vector<float> MpiShards::finish_sum(int ticket) {
  NASH_CHECK(ticket >= 0 && static_cast<size_t>(ticket) < buckets_->gathers.size() &&
                 buckets_->gathers[static_cast<size_t>(ticket)],
             "MPI shards: no started sum ", ticket);
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Buckets::Gather> g = std::move(buckets_->gathers[static_cast<size_t>(ticket)]);
  check(MPI_Wait(&g->request, MPI_STATUS_IGNORE), "MPI_Wait");
  const size_t len = g->mine.size();
  std::vector<const float*> ordered;  // rank order is shard order
  for (int r = 0; r < processes_; ++r) ordered.push_back(g->all.data() + static_cast<size_t>(r) * len);
  std::vector<float> total = sum_in_order(ordered, len);
  bool all_done = true;
  for (const auto& other : buckets_->gathers) all_done = all_done && !other;
  if (all_done) buckets_->gathers.clear();
  sum_seconds_ += seconds_since(t0);
  return total;
}

std::vector<float> MpiShards::sum(const std::vector<std::vector<float>>& parts) {
  NASH_CHECK(parts.size() == local_.size() && !parts.empty(), "MPI shards: ", parts.size(),
             " parts for ", local_.size(), " local shards");
  const auto t0 = std::chrono::steady_clock::now();
  const size_t len = parts[0].size();
  // Every rank's vectors must have one length: a mismatch would hang or garble the gather. One
  // MPI_Allreduce gives the largest length and the largest negated one (minus the smallest).
  long long mine[2] = {static_cast<long long>(len), -static_cast<long long>(len)}, most[2] = {0, 0};
  check(MPI_Allreduce(mine, most, 2, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  NASH_CHECK(most[0] == -most[1], "MPI shards: ranks reduce vectors of ", -most[1], " and ", most[0], " values");
  std::vector<float> local;
  local.reserve(len * parts.size());
  for (const auto& p : parts) {
    NASH_CHECK(p.size() == len, "MPI shards: parts of ", len, " and ", p.size(), " values");
    local.insert(local.end(), p.begin(), p.end());
  }
  std::vector<float> all(local.size() * static_cast<size_t>(processes_));
  check(MPI_Allgather(local.data(), static_cast<int>(local.size()), MPI_FLOAT, all.data(),
                      static_cast<int>(local.size()), MPI_FLOAT, MPI_COMM_WORLD),
        "MPI_Allgather");
  std::vector<const float*> ordered;  // rank r's block holds shards r N/P ..., so shard order
  for (int k = 0; k < shards_; ++k) ordered.push_back(all.data() + static_cast<size_t>(k) * len);
  std::vector<float> total = sum_in_order(ordered, len);
  sum_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return total;
}

bool MpiShards::any(bool flag) {
  int mine = flag ? 1 : 0, result = 0;
  check(MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return result != 0;
}

void MpiShards::agree(const std::string& what, const std::string& text) {
  const unsigned long long mine = std::hash<std::string>{}(text);
  unsigned long long lo = 0, hi = 0;
  check(MPI_Allreduce(&mine, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  check(MPI_Allreduce(&mine, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  NASH_CHECK(lo == hi, "MPI: the ranks disagree on ", what, " (every rank must be started with the"
             " same flags and see the same files)");
}

void MpiShards::abort_job(int code) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

}  // namespace nash::gan
