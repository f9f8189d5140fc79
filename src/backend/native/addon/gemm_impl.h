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
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>
#include <immintrin.h>

#include "gemm.h"
#include "pool.h"

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
  // ---- The parallel driver: a two-dimensional split with operands packed once ----
  //
  // A pass covers rows × columns × a depth range. Its op(A) rows and op(B) columns are packed
  // once into buffers shared by every thread (B is no longer packed per thread, A no longer
  // once per column slab), then the M×N plane is cut into tiles that threads claim
  // dynamically, so a thread the OS stalls delays a tile, not half of the product. Pack items
  // come first in the pool's claim order; a tile waits only on the two blocks it reads.
  static constexpr int NT = 256;             // tile width: KC×NT of B and MC×NT of C fit L2
  static constexpr int KCH = 4 * KC;         // depth of one pass (a multiple of KC)
  static constexpr long kPackCap = 1L << 21; // floats per packed operand (8 MiB)

  static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
  static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }

  struct SharedBuffers {
    float* a = nullptr;
    float* b = nullptr;
    long aCap = 0;
    long bCap = 0;
    static float* grow(float*& p, long& cap, long need) {
      if (need > cap) {
        std::free(p);
        // Rounded up to 64 bytes: aligned_alloc wants a multiple of the alignment.
        p = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * ((need + 15) / 16 * 16)));
        cap = p ? need : 0;
        if (!p) throw std::bad_alloc();
      }
      return p;
    }
    ~SharedBuffers() {
      std::free(a);
      std::free(b);
    }
  };

  static void waitReady(const std::atomic<int>& flag) {
    for (int spins = 0; flag.load(std::memory_order_acquire) == 0; spins++) {
      if (spins < 256) _mm_pause();
      else std::this_thread::yield();
    }
  }

  // One pass: C[i0:i0+mch, j0:j0+nch] (=|+=) op(A)[i0:, k0:k0+kch] · op(B)[k0:, j0:].
  static void pass(const GemmArgs& g, int threads, int i0, int mch, int j0, int nch, int k0,
                   int kch, bool first, float* abuf, float* bbuf) {
    // Tiles of at most MC × NT; cut finer until there are a few per thread to balance.
    int mb = ceilDiv(mch, MC), nb = ceilDiv(nch, NT);
    const int target = threads > 1 ? 3 * threads : 1;
    const int maxMb = ceilDiv(mch, MR), maxNb = ceilDiv(nch, NR);
    while (mb * nb < target) {
      const bool canM = mb < maxMb, canN = nb < maxNb;
      if (canN && (!canM || (double)nch / nb >= (double)mch / mb)) nb++;
      else if (canM) mb++;
      else break;
    }
    const int mt = roundUp(ceilDiv(mch, mb), MR);
    const int nt = roundUp(ceilDiv(nch, nb), NR);
    mb = ceilDiv(mch, mt);
    nb = ceilDiv(nch, nt);
    const int npc = ceilDiv(kch, KC);
    const long mp = roundUp(mch, MR), np = roundUp(nch, NR);
    // Pack items interleaved (B0, A0, B1, A1, …) so the first tiles' blocks are packed first;
    // -1-j is B column block j, i ≥ 0 is A row block i.
    std::vector<int> order;
    order.reserve(mb + nb);
    for (int i = 0; i < std::max(mb, nb); i++) {
      if (i < nb) order.push_back(-1 - i);
      if (i < mb) order.push_back(i);
    }
    std::unique_ptr<std::atomic<int>[]> ready(new std::atomic<int>[mb + nb]);
    for (int i = 0; i < mb + nb; i++) ready[i].store(0, std::memory_order_relaxed);
    const int packs = mb + nb;
    parallelFor(packs + mb * nb, [&](int item) {
      if (item < packs) {
        const int code = order[item];
        for (int pc = 0; pc < npc; pc++) {
          const int kc = std::min(KC, kch - pc * KC);
          if (code >= 0) {
            const int r0 = code * mt;
            packA(g, i0 + r0, std::min(mt, mch - r0), k0 + pc * KC, kc,
                  abuf + (long)pc * mp * KC + (long)r0 * kc);
          } else {
            const int c0 = (-1 - code) * nt;
            packB(g, k0 + pc * KC, kc, j0 + c0, std::min(nt, nch - c0),
                  bbuf + (long)pc * np * KC + (long)c0 * kc);
          }
        }
        ready[code >= 0 ? code : mb - 1 - code].store(1, std::memory_order_release);
        return;
      }
      const int t = item - packs;
      const int ib = t / nb, jb = t % nb;
      waitReady(ready[ib]);
      waitReady(ready[mb + jb]);
      const int r0 = ib * mt, rows = std::min(mt, mch - r0);
      const int c0 = jb * nt, cols = std::min(nt, nch - c0);
      float* const c00 = g.C + (long)(i0 + r0) * g.ldc + j0 + c0;
      if ((g.ldc & 255) == 0) {
        // A leading dimension that is a multiple of 1 KiB maps the tile's rows onto a few cache
        // sets (at ldc = 2048 only 16 rows fit L2's ways): C tiles then fall out of cache
        // between depth blocks. Accumulate in a private tile with a padded stride instead and
        // store it once per pass. Same additions in the same order, so results do not change.
        const int ldt = roundUp(cols, NR) + 16;
        thread_local SharedBuffers tileBuf;
        float* tile = SharedBuffers::grow(tileBuf.a, tileBuf.aCap, (long)roundUp(rows, MR) * ldt);
        if (!first) {
          for (int i = 0; i < rows; i++)
            std::memcpy(tile + (long)i * ldt, c00 + (long)i * g.ldc, sizeof(float) * cols);
        }
        for (int pc = 0; pc < npc; pc++) {
          const int kc = std::min(KC, kch - pc * KC);
          const bool acc = !(first && pc == 0);
          const float* pa0 = abuf + (long)pc * mp * KC + (long)r0 * kc;
          const float* pb0 = bbuf + (long)pc * np * KC + (long)c0 * kc;
          // Panels are zero-padded and the tile is padded to whole micro-tiles: no edge cases.
          for (int jr = 0; jr < cols; jr += NR)
            for (int ir = 0; ir < rows; ir += MR)
              micro(kc, pa0 + (long)ir * kc, pb0 + (long)jr * kc, tile + (long)ir * ldt + jr, ldt,
                    acc);
        }
        for (int i = 0; i < rows; i++)
          std::memcpy(c00 + (long)i * g.ldc, tile + (long)i * ldt, sizeof(float) * cols);
        return;
      }
      alignas(64) float edge[MR * NR];
      for (int pc = 0; pc < npc; pc++) {
        const int kc = std::min(KC, kch - pc * KC);
        // The first depth block of an overwriting product stores (beta = 0): C is never read
        // before it is written, so the caller need not zero it.
        const bool acc = !(first && pc == 0);
        const float* pa0 = abuf + (long)pc * mp * KC + (long)r0 * kc;
        const float* pb0 = bbuf + (long)pc * np * KC + (long)c0 * kc;
        for (int jr = 0; jr < cols; jr += NR) {
          const int nr = std::min(NR, cols - jr);
          const float* pb = pb0 + (long)jr * kc;
          for (int ir = 0; ir < rows; ir += MR) {
            const int mr = std::min(MR, rows - ir);
            const float* pa = pa0 + (long)ir * kc;
            float* c = g.C + (long)(i0 + r0 + ir) * g.ldc + j0 + c0 + jr;
            if (mr == MR && nr == NR) {
              micro(kc, pa, pb, c, g.ldc, acc);
            } else {
              micro(kc, pa, pb, edge, NR, false);
              for (int i = 0; i < mr; i++)
                for (int j = 0; j < nr; j++)
                  c[(long)i * g.ldc + j] = acc ? c[(long)i * g.ldc + j] + edge[i * NR + j]
                                               : edge[i * NR + j];
            }
          }
        }
      }
    });
  }

  // The whole product on `threads` threads. Depth is cut into passes of KCH (a multiple of KC,
  // so every element sums its products in the same order as `run`: 1 and N threads agree
  // bit for bit), rows and columns into chunks whose packed copies fit kPackCap.
  static void runParallel(const GemmArgs& g, int threads) {
    if (g.M <= 0 || g.N <= 0) return;
    if (g.K <= 0) {
      run(g);
      return;
    }
    // Owned by the calling thread, read by the workers during the call.
    thread_local SharedBuffers sh;
    for (int k0 = 0; k0 < g.K; k0 += KCH) {
      const int kch = std::min(KCH, g.K - k0);
      const long kpad = (long)roundUp(kch, KC);
      const int mchMax = std::max<long>(MR, kPackCap / kpad / MR * MR);
      const int nchMax = std::max<long>(NR, kPackCap / kpad / NR * NR);
      const int mch0 = std::min(g.M, mchMax), nch0 = std::min(g.N, nchMax);
      float* abuf = SharedBuffers::grow(sh.a, sh.aCap, roundUp(mch0, MR) * kpad);
      float* bbuf = SharedBuffers::grow(sh.b, sh.bCap, roundUp(nch0, NR) * kpad);
      for (int j0 = 0; j0 < g.N; j0 += nch0) {
        for (int i0 = 0; i0 < g.M; i0 += mch0) {
          pass(g, threads, i0, std::min(mch0, g.M - i0), j0, std::min(nch0, g.N - j0), k0, kch,
               k0 == 0 && !g.accumulate, abuf, bbuf);
        }
      }
    }
  }
};

}  // namespace tessera
