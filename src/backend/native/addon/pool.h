// A small persistent thread pool: the calling thread plus (threads - 1) workers that sleep on a
// condition variable between jobs. Work items are claimed from an atomic counter, so any number
// of items (zero included) runs on any number of threads, each item exactly once.
#pragma once

#include <functional>

namespace tessera {

// Number of threads a parallel loop uses (the caller included).
int poolSize();
// Sets the thread count (1 = serial); restarts the workers. Not thread-safe with parallelFor.
void setPoolSize(int threads);
// Runs fn(i) for i in [0, n); returns when every item has finished. Nested calls run serially.
void parallelFor(int n, const std::function<void(int)>& fn);

}  // namespace tessera
