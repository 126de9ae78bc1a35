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
}  // namespace

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
}

MpiShards::~MpiShards() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

std::vector<float> MpiShards::sum(const std::vector<std::vector<float>>& parts) {
  NASH_CHECK(parts.size() == local_.size() && !parts.empty(), "MPI shards: ", parts.size(),
             " parts for ", local_.size(), " local shards");
  const auto t0 = std::chrono::steady_clock::now();
  const size_t len = parts[0].size();
  // Every rank's vectors must have one length: a mismatch would hang or garble the gather.
  unsigned long long mine = len, lo = 0, hi = 0;
  check(MPI_Allreduce(&mine, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  check(MPI_Allreduce(&mine, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  NASH_CHECK(lo == hi, "MPI shards: ranks reduce vectors of ", lo, " and ", hi, " values");
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
