// The ShardReducer of a job started by mpirun (Open MPI): one process per rank, rank r computing
// shards [r N/P, (r + 1) N/P) of every batch. Its sum gathers every rank's vectors (MPI_Allgather,
// in rank order, so in shard order) and adds them with sum_in_order on every rank: the same bits
// on every rank, and the same as the one-process twin. Built only when CMake finds MPI (the target
// nash_mpi, which defines NASH_HAVE_MPI).
//
// Gradient buckets (GradientBuckets) go out without waiting: each is an MPI_Iallgather on a
// communicator of their own, started in the same order on every rank, advanced with MPI_Test
// while backward runs and added in rank order when waited for. Bucket size: NASH_BUCKET_MB
// (default 1; 0 sums all gradients after backward, in one MPI_Allgather).
#pragma once
#include <memory>
#include <string>

#include "gan/distributed.h"

namespace nash::gan {

// True when this process was started by mpirun (Open MPI's or PMIx's rank variables are set).
bool started_by_mpirun();

class MpiShards : public ShardReducer {
 public:
  // Initialises MPI (once per process); shards 0 means one per rank. Throws nash::Error when the
  // shards do not divide among the ranks.
  explicit MpiShards(int shards);
  ~MpiShards() override;  // MPI_Finalize
  std::vector<float> sum(const std::vector<std::vector<float>>& parts) override;
  bool any(bool flag) override;
  size_t bucket_bytes() const override { return bucket_bytes_; }
  int start_sum(std::vector<float> part) override;
  std::vector<float> finish_sum(int ticket) override;
  void progress() override;
  // Throws nash::Error on every rank unless every rank passes the same text (e.g. the settings).
  void agree(const std::string& what, const std::string& text);
  // Ends the whole job (every rank) after this rank's message has been printed: MPI_Abort.
  [[noreturn]] static void abort_job(int code);

 private:
  struct Buckets;  // the started gathers and their communicator (MPI types stay in the .cpp)
  std::unique_ptr<Buckets> buckets_;
  size_t bucket_bytes_ = 0;
};

}  // namespace nash::gan
