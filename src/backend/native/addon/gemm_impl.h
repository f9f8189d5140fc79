// Packed, cache-blocked single-precision GEMM (Goto/BLIS scheme), written once as a template
// and instantiated in two translation units: gemm_avx2.cc (AVX2+FMA, 8-lane vectors) and
// gemm_avx512.cc (AVX-512, 16-lane vectors). GCC/Clang vector extensions let the compiler emit
// the ISA of the unit's flags without intrinsics, so one source serves both.
//
// op(A) is packed into MR-row panels and op(B) into NR-column panels; transposes are absorbed by
// the packing, so backward passes (AᵀB, ABᵀ) never materialise a transposed copy. The MR×NR
// accumulator tile stays in registers across the K loop.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <immintrin.h>

#include "gemm.h"

namespace tessera {

template <int MR, int NV, typename V>
struct GemmKernel {
  static constexpr int L = sizeof(V) / sizeof(float);
  static constexpr int NR = NV * L;
  // KC×NR of B (32 KiB at NR = 32) stays in L1 while the MC×KC block of A streams from L2.
  static constexpr int KC = 256;
  static constexpr int MC = MR * 16;
  static constexpr int NC = 4096;

  struct Buffers {
    float* a = nullptr;
    float* b = nullptr;
    Buffers() {
      a = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * MC * KC));
      b = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * KC * NC));
      if (!a || !b) throw std::bad_alloc();
    }
    ~Buffers() {
      std::free(a);
      std::free(b);
    }
  };

  static inline V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  }
  static inline void store(float* p, V v) { std::memcpy(p, &v, sizeof(V)); }
  // A broadcast straight from memory (vbroadcastss m32): the generic `V{} + x` compiled to a
  // scalar load plus a register broadcast, one more uop per row of the tile.
  static inline V splat(const float* p) {
    if constexpr (L == 16) {
#ifdef __AVX512F__
      return reinterpret_cast<V>(_mm512_set1_ps(*p));
#endif
    } else if constexpr (L == 8) {
      return reinterpret_cast<V>(_mm256_broadcast_ss(p));
    }
    return V{} + *p;
  }

  // C[0:MR, 0:NR] (row stride ldc) = or += the packed panels' product.
  static inline void micro(int kc, const float* __restrict pa, const float* __restrict pb,
                           float* __restrict c, long ldc, bool accumulate) {
    V acc[MR][NV];
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NV; j++) acc[i][j] = V{};
    for (int p = 0; p < kc; p++) {
      V b[NV];
      for (int j = 0; j < NV; j++) b[j] = *reinterpret_cast<const V*>(pb + j * L);
      for (int i = 0; i < MR; i++) {
        const V a = splat(pa + i);
        for (int j = 0; j < NV; j++) acc[i][j] += a * b[j];
      }
      pa += MR;
      pb += NR;
    }
    for (int i = 0; i < MR; i++) {
      for (int j = 0; j < NV; j++) {
        float* dst = c + i * ldc + j * L;
        store(dst, accumulate ? load(dst) + acc[i][j] : acc[i][j]);
      }
    }
  }

  // Packs rows [i0, i0+mc) × depth [k0, k0+kc) of op(A) into MR-row panels, zero-padded.
  static void packA(const GemmArgs& g, int i0, int mc, int k0, int kc, float* dst) {
    for (int ir = 0; ir < mc; ir += MR) {
      const int mr = std::min(MR, mc - ir);
      if (!g.transA) {
        for (int i = 0; i < MR; i++) {
          if (i < mr) {
            const float* src = g.A + (long)(i0 + ir + i) * g.lda + k0;
            for (int p = 0; p < kc; p++) dst[p * MR + i] = src[p];
          } else {
            for (int p = 0; p < kc; p++) dst[p * MR + i] = 0.f;
          }
        }
      } else {
        for (int p = 0; p < kc; p++) {
          const float* src = g.A + (long)(k0 + p) * g.lda + i0 + ir;
          int i = 0;
          for (; i < mr; i++) dst[p * MR + i] = src[i];
          for (; i < MR; i++) dst[p * MR + i] = 0.f;
        }
      }
      dst += MR * kc;
    }
  }

  // Packs depth [k0, k0+kc) × columns [j0, j0+nc) of op(B) into NR-column panels, zero-padded.
  static void packB(const GemmArgs& g, int k0, int kc, int j0, int nc, float* dst) {
    for (int jr = 0; jr < nc; jr += NR) {
      const int nr = std::min(NR, nc - jr);
      if (!g.transB) {
        for (int p = 0; p < kc; p++) {
          const float* src = g.B + (long)(k0 + p) * g.ldb + j0 + jr;
          float* d = dst + p * NR;
          if (nr == NR) {
            std::memcpy(d, src, sizeof(float) * NR);
          } else {
            int j = 0;
            for (; j < nr; j++) d[j] = src[j];
            for (; j < NR; j++) d[j] = 0.f;
          }
        }
      } else {
        for (int j = 0; j < NR; j++) {
          if (j < nr) {
            const float* src = g.B + (long)(j0 + jr + j) * g.ldb + k0;
            for (int p = 0; p < kc; p++) dst[p * NR + j] = src[p];
          } else {
            for (int p = 0; p < kc; p++) dst[p * NR + j] = 0.f;
          }
        }
      }
      dst += NR * kc;
    }
  }

  static void run(const GemmArgs& g) {
    if (g.M <= 0 || g.N <= 0) return;
    if (g.K <= 0) {
      if (g.accumulate) return;
      for (int i = 0; i < g.M; i++) std::memset(g.C + (long)i * g.ldc, 0, sizeof(float) * g.N);
      return;
    }
    thread_local Buffers buf;
    alignas(64) float edge[MR * NR];
    for (int jc = 0; jc < g.N; jc += NC) {
      const int nc = std::min(NC, g.N - jc);
      for (int pc = 0; pc < g.K; pc += KC) {
        const int kc = std::min(KC, g.K - pc);
        const bool acc = pc > 0 || g.accumulate;
        packB(g, pc, kc, jc, nc, buf.b);
        for (int ic = 0; ic < g.M; ic += MC) {
          const int mc = std::min(MC, g.M - ic);
          packA(g, ic, mc, pc, kc, buf.a);
          for (int jr = 0; jr < nc; jr += NR) {
            const int nr = std::min(NR, nc - jr);
            const float* pb = buf.b + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
              const int mr = std::min(MR, mc - ir);
              const float* pa = buf.a + (long)ir * kc;
              float* c = g.C + (long)(ic + ir) * g.ldc + jc + jr;
              if (mr == MR && nr == NR) {
                micro(kc, pa, pb, c, g.ldc, acc);
              } else {
                // Edge tile: full tile into a scratch block, then only the valid part into C.
                micro(kc, pa, pb, edge, NR, false);
                for (int i = 0; i < mr; i++)
                  for (int j = 0; j < nr; j++)
                    c[(long)i * g.ldc + j] = acc ? c[(long)i * g.ldc + j] + edge[i * NR + j]
                                                 : edge[i * NR + j];
              }
            }
          }
        }
      }
    }
  }
};

}  // namespace tessera
