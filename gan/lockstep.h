// Lockstep: the local shards of a data-parallel step run as threads that take turns, so that
// each can stop at a meeting point (a synchronised BatchNorm layer) until every shard has reached
// it. Exactly one thread runs at a time, in shard order, which keeps the step deterministic and
// lets the shards share the networks (the caller swaps each shard's state in and out around its
// turn):
//
//   caller:    shard 0 -> meet | shard 1 -> meet | sum(parts) | shard 0 -> meet | shard 1 -> ...
//
// A turn lasts from one meeting point (or the start) to the next (or the end). When every shard
// waits at a meeting point, the caller's thread adds their parts (`reduce`, e.g. MPI) and each
// shard continues with the total. Threads are kept between steps (their thread-local caches too).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nash::gan {

class Lockstep {
 public:
  using Reduce = std::function<std::vector<float>(const std::vector<std::vector<float>>& parts)>;
  using Switch = std::function<void(size_t shard)>;

  explicit Lockstep(size_t shards);
  ~Lockstep();
  Lockstep(const Lockstep&) = delete;
  Lockstep& operator=(const Lockstep&) = delete;

  size_t shards() const { return threads_.size(); }
  // Runs body(i) for every shard i on thread i, taking turns; enter(i) and leave(i) run on the
  // calling thread before and after each of shard i's turns. Rethrows the first error of a body
  // or of reduce once every thread has stopped (the others stop at their next meeting point).
  void run(const std::function<void(size_t)>& body, const Reduce& reduce, const Switch& enter,
           const Switch& leave);
  // From inside body(i): this shard's part; returns reduce() of every shard's part.
  std::vector<float> meet(size_t shard, std::vector<float> part);

 private:
  enum class State { Idle, Running, Waiting, Done };
  void work(size_t shard);
  void turn(size_t shard);  // the caller: let shard run until it meets or ends

  std::mutex mutex_;
  std::condition_variable cv_;
  static constexpr size_t kCaller = static_cast<size_t>(-1);
  size_t turn_ = kCaller;       // the thread allowed to run
  unsigned long long round_ = 0;  // which run() the threads are in
  bool abort_ = false, quit_ = false;
  const std::function<void(size_t)>* body_ = nullptr;
  std::vector<State> state_;
  std::vector<std::vector<float>> parts_;
  std::vector<float> total_;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace nash::gan
