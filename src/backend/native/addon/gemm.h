// Single-precision GEMM entry points: C = op(A)·op(B), row-major, C overwritten.
#pragma once

namespace tessera {

struct GemmArgs {
  bool transA;
  bool transB;
  int M, N, K;
  const float* A;  // op(A) is M×K: A is M×K (lda ≥ K), or K×M (lda ≥ M) when transA
  int lda;
  const float* B;  // op(B) is K×N: B is K×N (ldb ≥ N), or N×K (ldb ≥ K) when transB
  int ldb;
  float* C;  // M×N, ldc ≥ N
  int ldc;
  bool accumulate = false;  // C += op(A)·op(B) instead of C = op(A)·op(B)
};

// One thread, AVX2+FMA kernel (6×16 tile).
void gemmAvx2(const GemmArgs& g);
// One thread, AVX-512 kernel (14×32 tile); call only when the CPU has AVX-512F.
void gemmAvx512(const GemmArgs& g);
// The same kernels on `threads` threads of the pool: operands packed once and shared, the M×N
// plane cut into tiles claimed dynamically.
void gemmAvx2Parallel(const GemmArgs& g, int threads);
void gemmAvx512Parallel(const GemmArgs& g, int threads);
// Picks the kernel by CPU features and splits large problems over the thread pool.
void gemm(const GemmArgs& g);
// Runs `batch` GEMMs whose operands advance by strideA / strideB / M·N elements (a stride of
// 0 shares one matrix across the batch), in parallel when the work is large enough.
void gemmBatched(const GemmArgs& g, int batch, long strideA, long strideB);
// The micro-kernel family in use: "avx512" or "avx2".
const char* gemmIsa();

}  // namespace tessera
