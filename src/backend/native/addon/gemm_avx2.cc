// AVX2+FMA instantiation of the GEMM template (compiled with -mavx2 -mfma), plus the dispatch
// that picks AVX-512 at run time and spreads big problems over the thread pool.
#include <algorithm>

#include "gemm_impl.h"
#include "pool.h"

namespace tessera {

typedef float v8f __attribute__((vector_size(32)));

void gemmAvx2(const GemmArgs& g) { GemmKernel<6, 2, v8f>::run(g); }

static bool hasAvx512() {
  static const bool yes = [] {
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

// Splits one GEMM into column (or row) slabs, one per thread, aligned to the widest tile so
// that no slab boundary creates an edge tile.
void gemm(const GemmArgs& g) {
  const double flops = 2.0 * g.M * g.N * g.K;
  const int threads = poolSize();
  if (threads <= 1 || flops < kParallelFlops || g.K <= 0) {
    gemm1(g);
    return;
  }
  const bool splitN = g.N >= g.M;
  const int extent = splitN ? g.N : g.M;
  // Multiples of both kernels' tiles (NR 16 | 32, MR 6 | 14), so slabs add no edge tiles.
  const int align = splitN ? 32 : 42;
  int parts = std::min(threads, (extent + align - 1) / align);
  if (parts <= 1) {
    gemm1(g);
    return;
  }
  const int chunk = ((extent + parts - 1) / parts + align - 1) / align * align;
  parts = (extent + chunk - 1) / chunk;
  parallelFor(parts, [&](int t) {
    const int lo = t * chunk;
    const int len = std::min(chunk, extent - lo);
    if (len <= 0) return;
    GemmArgs s = g;
    if (splitN) {
      s.N = len;
      s.B = g.transB ? g.B + (long)lo * g.ldb : g.B + lo;
      s.C = g.C + lo;
    } else {
      s.M = len;
      s.A = g.transA ? g.A + lo : g.A + (long)lo * g.lda;
      s.C = g.C + (long)lo * g.ldc;
    }
    gemm1(s);
  });
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
