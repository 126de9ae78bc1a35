// Lockstep (see lockstep.h): one mutex and one condition variable hand the turn from the caller
// to one thread and back; nothing ever runs concurrently.
#include "gan/lockstep.h"

#include "tensor/error.h"

namespace nash::gan {

Lockstep::Lockstep(size_t shards) : state_(shards, State::Idle), parts_(shards) {
  NASH_CHECK(shards >= 1, "Lockstep: expected at least one shard");
  for (size_t i = 0; i < shards; ++i) threads_.emplace_back([this, i] { work(i); });
}

Lockstep::~Lockstep() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void Lockstep::work(size_t shard) {
  unsigned long long seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return quit_ || (turn_ == shard && round_ != seen); });
    if (quit_) return;
    seen = round_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*body_)(shard);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error && !error_) error_ = error;
    state_[shard] = State::Done;
    turn_ = kCaller;
    cv_.notify_all();
  }
}

std::vector<float> Lockstep::meet(size_t shard, std::vector<float> part) {
  std::unique_lock<std::mutex> lock(mutex_);
  NASH_CHECK(shard < state_.size() && state_[shard] == State::Running && turn_ == shard,
             "Lockstep: meet() called outside shard ", shard, "'s turn");
  parts_[shard] = std::move(part);
  state_[shard] = State::Waiting;
  turn_ = kCaller;
  cv_.notify_all();
  cv_.wait(lock, [&] { return turn_ == shard; });
  if (abort_) fail("Lockstep: another shard failed");  // unwinds this body
  state_[shard] = State::Running;
  return total_;
}

void Lockstep::turn(size_t shard) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (state_[shard] != State::Waiting) state_[shard] = State::Running;  // a first turn
  turn_ = shard;
  cv_.notify_all();
  cv_.wait(lock, [&] { return turn_ == kCaller; });
}

void Lockstep::run(const std::function<void(size_t)>& body, const Reduce& reduce, const Switch& enter,
                   const Switch& leave) {
  const size_t n = threads_.size();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = &body;
    ++round_;
    abort_ = false;
    error_ = nullptr;
    std::fill(state_.begin(), state_.end(), State::Idle);
  }
  for (;;) {
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (state_[i] == State::Done) continue;
      any = true;
      enter(i);
      turn(i);
      leave(i);
    }
    if (!any) break;
    size_t waiting = 0;
    for (State s : state_) waiting += s == State::Waiting;
    if (waiting == 0) continue;  // all ended in this pass
    if (!abort_ && !error_ && waiting != n) {
      error_ = std::make_exception_ptr(Error("Lockstep: " + std::to_string(waiting) + " of " +
                                             std::to_string(n) +
                                             " shards wait at a meeting point the others never reach"));
    }
    if (!abort_ && !error_) {
      try {
        total_ = reduce(parts_);
      } catch (...) {
        error_ = std::current_exception();
      }
    }
    if (error_) abort_ = true;  // the next pass lets every waiting shard unwind
  }
  body_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace nash::gan
