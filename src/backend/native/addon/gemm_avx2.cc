// AVX2+FMA instantiation of the GEMM template (compiled with -mavx2 -mfma), plus the dispatch
// that picks AVX-512 at run time and spreads big problems over the thread pool.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemm_impl.h"
#include "pool.h"

namespace tessera {

typedef float v8f __attribute__((vector_size(32)));

void gemmAvx2(const GemmArgs& g) { GemmKernel<6, 2, v8f>::run(g); }

void gemmAvx2Parallel(const GemmArgs& g, int threads) {
  GemmKernel<6, 2, v8f>::runParallel(g, threads);
}

static bool hasAvx512() {
  static const bool yes = [] {
    // TESSERA_NATIVE_ISA=avx2 keeps the AVX2 kernels on an AVX-512 CPU, so that their tests
    // run on machines that would otherwise never execute them.
    const char* force = std::getenv("TESSERA_NATIVE_ISA");
    if (force && std::strcmp(force, "avx2") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq");
  }();
  return yes;
}

const char* gemmIsa() { return hasAvx512() ? "avx512" : "avx2"; }

static inline void gemm1(const GemmArgs& g) {
  if (hasAvx512()) gemmAvx512(g);
  else gemmAvx2(g);
}

// Below this many flops a thread hand-off (about 10 µs) costs more than it saves.
static constexpr double kParallelFlops = 4e6;

// A small C over a deep K (a weight gradient: the filter of a convolution, K = every output
// pixel of a batch) is split along K instead: kSplitParts serial products into private
// blocks, added in order. The M×N tiles are too few to share and the tiled parallel path
// synchronises at every depth block (84 GFLOP/s on 288×64×7744, where the split runs each
// part without a barrier). The part count is fixed, so results do not depend on the threads.
static constexpr int kSplitParts = 4;
static constexpr long kSplitMaxC = 64L * 1024;
static constexpr int kSplitMinK = 2048;

static bool splitK(const GemmArgs& g) {
  return g.K >= kSplitMinK && static_cast<long>(g.M) * g.N <= kSplitMaxC && g.M > 0 && g.N > 0;
}

static void gemmSplitK(const GemmArgs& g) {
  const long mn = static_cast<long>(g.M) * g.N;
  // Depth per part, a multiple of 16 so parts start on the packing's natural boundaries.
  const int per = ((g.K + kSplitParts - 1) / kSplitParts + 15) / 16 * 16;
  const int parts = (g.K + per - 1) / per;
  static std::vector<float> scratch;  // only Node's main thread enters here
  if (static_cast<long>(scratch.size()) < (parts - 1) * mn) scratch.resize((parts - 1) * mn);
  parallelFor(parts, [&](int t) {
    const int k0 = t * per;
    GemmArgs s = g;
    s.K = std::min(g.K, k0 + per) - k0;
    s.A = g.transA ? g.A + static_cast<long>(k0) * g.lda : g.A + k0;
    s.B = g.transB ? g.B + k0 : g.B + static_cast<long>(k0) * g.ldb;
    if (t > 0) {
      s.C = scratch.data() + (t - 1) * mn;
      s.ldc = g.N;
      s.accumulate = false;
    }
    gemm1(s);
  });
  for (int t = 1; t < parts; t++) {
    const float* p = scratch.data() + (t - 1) * mn;
    for (int i = 0; i < g.M; i++) {
      float* c = g.C + static_cast<long>(i) * g.ldc;
      const float* q = p + static_cast<long>(i) * g.N;
      for (int j = 0; j < g.N; j++) c[j] += q[j];
    }
  }
}

// Large products run on the whole pool (gemm_impl.h's runParallel: shared packed operands,
// tiles claimed dynamically). Replaces a static split into one column or row slab per thread,
// which packed A once per slab and stalled whenever one thread was descheduled.
void gemm(const GemmArgs& g) {
  const double flops = 2.0 * g.M * g.N * g.K;
  if (splitK(g)) {
    gemmSplitK(g);
    return;
  }
  const int threads = poolSize();
  if (threads <= 1 || flops < kParallelFlops || g.K <= 0) {
    gemm1(g);
    return;
  }
  if (hasAvx512()) gemmAvx512Parallel(g, threads);
  else gemmAvx2Parallel(g, threads);
}

void gemmBatched(const GemmArgs& g, int batch, long strideA, long strideB) {
  if (batch <= 0) return;
  if (batch == 1) {
    gemm(g);
    return;
  }
  const long strideC = (long)g.M * g.N;
  const double flops = 2.0 * g.M * g.N * g.K;
  const int threads = poolSize();
  // Many small products: one thread per group of batch items. One big product: split each.
  if (threads > 1 && flops < kParallelFlops && flops * batch >= kParallelFlops) {
    parallelFor(batch, [&](int b) {
      GemmArgs s = g;
      s.A = g.A + b * strideA;
      s.B = g.B + b * strideB;
      s.C = g.C + b * strideC;
      gemm1(s);
    });
    return;
  }
  for (int b = 0; b < batch; b++) {
    GemmArgs s = g;
    s.A = g.A + b * strideA;
    s.B = g.B + b * strideB;
    s.C = g.C + b * strideC;
    gemm(s);
  }
}

}  // namespace tessera
