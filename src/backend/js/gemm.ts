type FloatArray = Float32Array | Float64Array;

// Register tile. V8 emits scalar SSE/AVX code (no auto-vectorization, no FMA contraction), so
// the ceiling is about one multiply plus one add per cycle. A 4×6 tile (24 accumulators held in
// locals) was among the best of the 2×4 … 8×4 shapes measured; 6×6 was ~3% faster but wastes
// more work on edge tiles.
const MR = 4;
const NR = 6;
// Cache blocking. A KC×NR panel of B (12 KiB of doubles) stays in L1 while the MC×KC block of
// A (256 KiB) streams from L2; NC bounds the packed B block (a few MiB, L2/L3).
const KC = 256;
const MC = 128;
const NC = 3072;
// Below this many multiply-adds, packing costs more than it saves.
const SMALL = 4096;

// Packed panels are doubles even for float32 inputs: loading from a Float64Array avoids a
// float->double conversion per element in the inner loop (about 15% faster measured).
// Module-level (packB grows on demand) so repeated calls do not allocate.
const packA = new Float64Array(MC * KC);
let packB = new Float64Array(NR * KC);
// Edge tiles are computed in full into this buffer, then clipped into C. Whatever stale data
// (even NaN) sits in a short panel's unused lanes only reaches tile rows/columns that are dropped.
const edge = new Float64Array(MR * NR);

/**
 * General matrix multiply, `C = op(A) · op(B)`, overwriting C (its old contents are never read).
 *
 * `C[i, j] = Σₖ op(A)[i, k] · op(B)[k, j]` for i < M, j < N, k < K. All matrices are row-major
 * with an offset and a leading dimension, so sub-matrix views need no copies:
 * - C is M×N at `C[cOff + i·ldc + j]`.
 * - op(A) is M×K: A stored M×K at `A[aOff + i·lda + k]`, or with `transA` stored K×M at
 *   `A[aOff + k·lda + i]` (op(A) = Aᵀ).
 * - op(B) is K×N: B stored K×N at `B[bOff + k·ldb + j]`, or with `transB` stored N×K at
 *   `B[bOff + j·ldb + k]`.
 *
 * Products are accumulated in doubles. A float32 C is rounded once per KC-long slice of K.
 *
 * Blocking follows the Goto/BLIS scheme: op(B) is packed into KC×NR column panels and op(A) into
 * MR×KC row panels (transposes are absorbed by the packing, never materialized), so the MR×NR
 * micro-kernel reads two unit-stride streams that stay in L1/L2 and keeps the whole C tile in
 * registers across the K loop. Tiny problems skip packing and use a plain dot-product loop.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
): void {
  if (M <= 0 || N <= 0) return;
  // Element strides of op(A) along i and k, and of op(B) along k and j.
  const sai = transA ? 1 : lda;
  const sak = transA ? lda : 1;
  const sbk = transB ? 1 : ldb;
  const sbj = transB ? ldb : 1;

  if (K <= 0 || M * N * K < SMALL) {
    gemmSmall(M, N, K, A, aOff, sai, sak, B, bOff, sbk, sbj, C, cOff, ldc);
    return;
  }

  // The micro-kernel accumulates into C, so start from zero (also clears any NaN garbage).
  for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);

  const ncMax = Math.min(N, NC);
  const needB = Math.ceil(ncMax / NR) * NR * KC;
  if (packB.length < needB) packB = new Float64Array(needB);

  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      pack(B, bOff + pc * sbk + jc * sbj, sbj, sbk, nc, kc, NR, packB);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        pack(A, aOff + ic * sai + pc * sak, sai, sak, mc, kc, MR, packA);
        macroKernel(mc, nc, kc, C, cOff + ic * ldc + jc, ldc);
      }
    }
  }
}

/** Unblocked path for tiny products (and K = 0, where it writes zeros). */
function gemmSmall(
  M: number,
  N: number,
  K: number,
  A: FloatArray,
  aOff: number,
  sai: number,
  sak: number,
  B: FloatArray,
  bOff: number,
  sbk: number,
  sbj: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * sai;
    const ci = cOff + i * ldc;
    for (let j = 0; j < N; j++) {
      let s = 0;
      let a = ai;
      let b = bOff + j * sbj;
      for (let p = 0; p < K; p++) {
        s += A[a] * B[b];
        a += sak;
        b += sbk;
      }
      C[ci + j] = s;
    }
  }
}

/**
 * Packs a rows×kc block (element (r, p) at `src[off + r·sr + p·sk]`) into consecutive panels
 * of R rows, each stored depth-major (R values per k), which is exactly the order the
 * micro-kernel consumes. A last, short panel is not padded (see `edge`). The loop order follows
 * whichever source stride is unit so reads stay sequential.
 */
function pack(
  src: FloatArray,
  off: number,
  sr: number,
  sk: number,
  rows: number,
  kc: number,
  R: number,
  dst: Float64Array,
): void {
  for (let r0 = 0, base = 0; r0 < rows; r0 += R, base += R * kc) {
    const rv = Math.min(R, rows - r0);
    const s0 = off + r0 * sr;
    if (sk === 1) {
      for (let i = 0; i < rv; i++) {
        const s = s0 + i * sr;
        for (let p = 0, d = base + i; p < kc; p++, d += R) dst[d] = src[s + p];
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const s = s0 + p * sk;
        const d = base + p * R;
        for (let i = 0; i < rv; i++) dst[d + i] = src[s + i * sr];
      }
    }
  }
}

/** Sweeps the packed A block against the packed B block, one MR×NR tile of C at a time. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
): void {
  for (let jr = 0, b = 0; jr < nc; jr += NR, b += NR * kc) {
    const nr = Math.min(NR, nc - jr);
    for (let ir = 0, a = 0; ir < mc; ir += MR, a += MR * kc) {
      const mr = Math.min(MR, mc - ir);
      const c = cOff + ir * ldc + jr;
      if (mr === MR && nr === NR) {
        microKernel(kc, packA, a, packB, b, C, c, ldc);
      } else {
        edge.fill(0);
        microKernel(kc, packA, a, packB, b, edge, 0, NR);
        for (let i = 0; i < mr; i++) {
          for (let j = 0; j < nr; j++) C[c + i * ldc + j] += edge[i * NR + j];
        }
      }
    }
  }
}

/**
 * C[c…] += (MR×kc panel at Ap[a]) · (kc×NR panel at Bp[b]). Hand-unrolled because V8 only
 * keeps values in registers when they are plain locals; arrays or loops over the tile spill.
 * TurboFan is sensitive to the loop's exact shape: pointer bumps at the end of the body rather
 * than in the `for` header, literal strides rather than the MR/NR module bindings, and `x`
 * declared outside the loop were together worth ~20% (measured).
 */
function microKernel(
  kc: number,
  Ap: Float64Array,
  a: number,
  Bp: Float64Array,
  b: number,
  C: FloatArray,
  c: number,
  ldc: number,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c04 = 0;
  let c05 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c14 = 0;
  let c15 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c24 = 0;
  let c25 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  let c34 = 0;
  let c35 = 0;
  let x = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = Ap[a];
    const a1 = Ap[a + 1];
    const a2 = Ap[a + 2];
    const a3 = Ap[a + 3];
    x = Bp[b];
    c00 += a0 * x;
    c10 += a1 * x;
    c20 += a2 * x;
    c30 += a3 * x;
    x = Bp[b + 1];
    c01 += a0 * x;
    c11 += a1 * x;
    c21 += a2 * x;
    c31 += a3 * x;
    x = Bp[b + 2];
    c02 += a0 * x;
    c12 += a1 * x;
    c22 += a2 * x;
    c32 += a3 * x;
    x = Bp[b + 3];
    c03 += a0 * x;
    c13 += a1 * x;
    c23 += a2 * x;
    c33 += a3 * x;
    x = Bp[b + 4];
    c04 += a0 * x;
    c14 += a1 * x;
    c24 += a2 * x;
    c34 += a3 * x;
    x = Bp[b + 5];
    c05 += a0 * x;
    c15 += a1 * x;
    c25 += a2 * x;
    c35 += a3 * x;
    a += 4;
    b += 6;
  }
  C[c] += c00;
  C[c + 1] += c01;
  C[c + 2] += c02;
  C[c + 3] += c03;
  C[c + 4] += c04;
  C[c + 5] += c05;
  c += ldc;
  C[c] += c10;
  C[c + 1] += c11;
  C[c + 2] += c12;
  C[c + 3] += c13;
  C[c + 4] += c14;
  C[c + 5] += c15;
  c += ldc;
  C[c] += c20;
  C[c + 1] += c21;
  C[c + 2] += c22;
  C[c + 3] += c23;
  C[c + 4] += c24;
  C[c + 5] += c25;
  c += ldc;
  C[c] += c30;
  C[c + 1] += c31;
  C[c + 2] += c32;
  C[c + 3] += c33;
  C[c + 4] += c34;
  C[c + 5] += c35;
}
