// parallel_region (tensor/thread_pool.h): every thread index runs once per region, through many
// regions in a row and across the workers' sleep; exceptions reach the caller and leave the pool
// usable; nested regions and a second calling thread run serially; a forked child gets workers.
#include "tensor/thread_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tensor/parallel.h"

using namespace nash;

namespace {
// Runs a region of n threads and returns how many times each index ran.
std::vector<int> counts(int n) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<int> wrong_n{0};
  parallel_region(n, [&](int t, int nt) {
    if (nt != n) ++wrong_n;
    ++hits[static_cast<size_t>(t)];
  });
  CHECK(wrong_n == 0);
  std::vector<int> out;
  for (auto& h : hits) out.push_back(h.load());
  return out;
}
}  // namespace

TEST_CASE("parallel_region runs every thread index once, region after region", "[tensor][threads]") {
  for (int n : {1, 2, 3, 5, 2, 1, 4})
    for (int rep = 0; rep < 500; ++rep) {
      const std::vector<int> c = counts(n);
      REQUIRE(c == std::vector<int>(static_cast<size_t>(n), 1));
    }
  // Gaps longer than the workers' spin: they sleep and must be woken.
  for (int rep = 0; rep < 5; ++rep) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(counts(3) == std::vector<int>{1, 1, 1});
  }
}

TEST_CASE("parallel_region: the work is shared and static_range covers the items", "[tensor][threads]") {
  std::vector<int> owner(1000, -1);
  parallel_region(3, [&](int t, int nt) {
    const auto [i0, i1] = static_range(static_cast<int64_t>(owner.size()), t, nt);
    for (int64_t i = i0; i < i1; ++i) owner[static_cast<size_t>(i)] = t;
  });
  for (size_t i = 0; i < owner.size(); ++i) REQUIRE(owner[i] == (i < 333 ? 0 : i < 666 ? 1 : 2));
}

TEST_CASE("parallel_region rethrows a thread's exception and stays usable", "[tensor][threads]") {
  for (int thrower : {0, 1, 2}) {
    CAPTURE(thrower);
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(parallel_region(3, [&](int t, int) {
                        ++ran;
                        if (t == thrower) throw std::runtime_error("boom from a thread");
                      }),
                      "boom from a thread");
    CHECK(ran == 3);  // the others finished before the caller returned
    CHECK(counts(3) == std::vector<int>{1, 1, 1});
  }
}

TEST_CASE("parallel_region: nested regions run on the calling thread", "[tensor][threads]") {
  std::atomic<int> inner_total{0}, bad{0};
  parallel_region(2, [&](int, int) {
    if (get_num_threads() != 1 || !in_parallel_region()) ++bad;
    const std::thread::id me = std::this_thread::get_id();
    parallel_region(4, [&](int, int nt) {
      if (std::this_thread::get_id() != me || nt != 4) ++bad;
      ++inner_total;
    });
  });
  CHECK(bad == 0);
  CHECK(inner_total == 8);
  CHECK_FALSE(in_parallel_region());
}

TEST_CASE("parallel_region from two threads at once: both complete", "[tensor][threads]") {
  std::atomic<int> bad{0};
  auto hammer = [&] {
    for (int rep = 0; rep < 300; ++rep)
      if (counts(2) != std::vector<int>{1, 1}) ++bad;
  };
  std::thread other(hammer);
  hammer();
  other.join();
  CHECK(bad == 0);
}

TEST_CASE("parallel_region works in a forked child", "[tensor][threads]") {
  CHECK(counts(2) == std::vector<int>{1, 1});  // the parent has started its worker
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::atomic<int> sum{0};
    parallel_region(3, [&](int t, int) { sum += t + 1; });
    _exit(sum == 6 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
