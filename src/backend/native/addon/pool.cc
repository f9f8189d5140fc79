#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <immintrin.h>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

namespace {

// Workers and a caller already inside a job run nested parallel loops serially.
thread_local bool inParallel = false;

// How long a worker keeps polling for the next job, and the caller for the workers' end,
// before sleeping on a condition variable. A futex wake-up takes 5-50 µs, as long as a whole
// mid-sized kernel, and a training step issues parallel kernels with JS work between them; a
// poll hands those over in well under a microsecond. 50 µs was shorter than the gaps of a
// compiled convnet step (rmsprop on 73,728 weights after a 100-300 µs gap: 116-134 µs with a
// 50 µs poll, 99-104 µs with 1 ms; convnet_train epochs 276-369 -> 222-317 ms in alternating
// runs). Past it the threads sleep, costing nothing; OpenMP runtimes poll far longer.
constexpr auto kSpin = std::chrono::microseconds(1000);

// Polls `ready` with pause instructions for up to kSpin; true when it became true.
template <typename F>
bool spinUntil(F ready) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (ready()) return true;
      _mm_pause();
    }
    if (std::chrono::steady_clock::now() >= until) return ready();
  }
}

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable wake;
  std::condition_variable done;
  const std::function<void(int)>* job = nullptr;
  int items = 0;
  std::atomic<int> next{0};
  std::atomic<int> finished{0};
  // Workers still inside the current job. Set under `mu` before `generation` moves; workers
  // decrement it without the lock, and the one that brings it to 0 notifies under the lock.
  std::atomic<int> active{0};
  // Bumped (under `mu`, release) once a job's fields are written; polled by idle workers.
  std::atomic<unsigned long> generation{0};
  std::atomic<bool> stop{false};

  void drain() {
    for (;;) {
      const int i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= items) break;
      (*job)(i);
      finished.fetch_add(1, std::memory_order_release);
    }
  }

  // `seen` is the generation when the worker was created: read by the creating thread, since
  // a job may be posted before this thread first runs.
  void workerLoop(unsigned long seen) {
    inParallel = true;
    for (;;) {
      const auto moved = [&] {
        return stop.load(std::memory_order_acquire) ||
               generation.load(std::memory_order_acquire) != seen;
      };
      if (!spinUntil(moved)) {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, moved);
      }
      if (stop.load(std::memory_order_acquire)) return;
      seen = generation.load(std::memory_order_acquire);
      drain();
      if (active.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu);
        done.notify_one();
      }
    }
  }

  void start(int threads) {
    const unsigned long now = generation.load(std::memory_order_acquire);
    for (int t = 1; t < threads; t++) workers.emplace_back([this, now] { workerLoop(now); });
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop.store(true, std::memory_order_release);
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    stop.store(false, std::memory_order_release);
  }
};

Pool* pool() {
  // Leaked on purpose: joining threads from a static destructor at process exit can deadlock.
  static Pool* p = [] {
    auto* q = new Pool();
    unsigned hc = std::thread::hardware_concurrency();
    q->start(hc == 0 ? 1 : static_cast<int>(hc));
    return q;
  }();
  return p;
}

std::mutex callMu;  // one parallel job at a time (Node's main thread is the only caller)

}  // namespace

int poolSize() { return static_cast<int>(pool()->workers.size()) + 1; }

void setPoolSize(int threads) {
  Pool* p = pool();
  std::lock_guard<std::mutex> call(callMu);
  p->shutdown();
  p->start(threads < 1 ? 1 : threads);
}

void parallelFor(int n, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  Pool* p = pool();
  if (n == 1 || p->workers.empty() || inParallel) {
    for (int i = 0; i < n; i++) fn(i);
    return;
  }
  std::lock_guard<std::mutex> call(callMu);
  {
    std::lock_guard<std::mutex> lock(p->mu);
    p->job = &fn;
    p->items = n;
    p->next.store(0, std::memory_order_relaxed);
    p->finished.store(0, std::memory_order_relaxed);
    p->active.store(static_cast<int>(p->workers.size()), std::memory_order_relaxed);
    p->generation.fetch_add(1, std::memory_order_release);
  }
  p->wake.notify_all();
  inParallel = true;
  p->drain();
  inParallel = false;
  const auto finished = [&] { return p->active.load(std::memory_order_acquire) == 0; };
  if (!spinUntil(finished)) {
    std::unique_lock<std::mutex> lock(p->mu);
    p->done.wait(lock, finished);
  }
  p->job = nullptr;
}

}  // namespace tessera
