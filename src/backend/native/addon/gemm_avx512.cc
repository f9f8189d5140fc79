// AVX-512 instantiation of the GEMM template. This unit alone is compiled with AVX-512 flags
// and is only entered after __builtin_cpu_supports("avx512f") said yes (see gemm_avx2.cc).
#include "gemm_impl.h"

namespace tessera {

typedef float v16f __attribute__((vector_size(64)));

void gemmAvx512(const GemmArgs& g) { GemmKernel<14, 2, v16f>::run(g); }

void gemmAvx512Parallel(const GemmArgs& g, int threads) {
  GemmKernel<14, 2, v16f>::runParallel(g, threads);
}

}  // namespace tessera
