#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

namespace {

// Workers and a caller already inside a job run nested parallel loops serially.
thread_local bool inParallel = false;

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable wake;
  std::condition_variable done;
  const std::function<void(int)>* job = nullptr;
  int items = 0;
  std::atomic<int> next{0};
  std::atomic<int> finished{0};
  int active = 0;  // workers still inside the current job
  unsigned long generation = 0;
  bool stop = false;

  void drain() {
    for (;;) {
      const int i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= items) break;
      (*job)(i);
      finished.fetch_add(1, std::memory_order_release);
    }
  }

  void workerLoop() {
    inParallel = true;
    unsigned long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      drain();
      {
        std::lock_guard<std::mutex> lock(mu);
        if (--active == 0) done.notify_one();
      }
    }
  }

  void start(int threads) {
    for (int t = 1; t < threads; t++) workers.emplace_back([this] { workerLoop(); });
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    stop = false;
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
    p->active = static_cast<int>(p->workers.size());
    p->generation++;
  }
  p->wake.notify_all();
  inParallel = true;
  p->drain();
  inParallel = false;
  std::unique_lock<std::mutex> lock(p->mu);
  p->done.wait(lock, [&] { return p->active == 0; });
  p->job = nullptr;
}

}  // namespace tessera
