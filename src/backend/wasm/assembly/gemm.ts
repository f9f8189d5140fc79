// Single-precision GEMM for WebAssembly SIMD128 (AssemblyScript).
//
// Goto/BLIS blocking: op(B) is packed into KC×NR column panels and op(A) into MR×KC row
// panels, so the MR×NR micro-kernel streams two unit-stride buffers and keeps its C tile in
// registers for the whole K loop. Transposes are absorbed by the packing (never materialised).
// The tile is 4×8: eight f32x4 accumulators plus two B vectors and one broadcast A value fit in
// the 16 xmm registers V8 gives wasm; wider tiles spill and were measured 35 % slower.
//
// Pointers are byte addresses in linear memory; leading dimensions are in elements.

// @ts-ignore: decorator
@inline const MR: i32 = 4;
// @ts-ignore: decorator
@inline const NR: i32 = 8;
// A KC×NR panel of B (8 KiB) stays in L1 while the MC×KC block of A (128 KiB) streams from L2;
// NC bounds the packed block of B (512 KiB).
// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const MC: i32 = 128;
// @ts-ignore: decorator
@inline const NC: i32 = 512;

// Workspace layout (bytes from `work`): packed A, packed B, one edge tile.
// @ts-ignore: decorator
@inline const PACK_A_BYTES: i32 = MC * KC * 4;
// @ts-ignore: decorator
@inline const PACK_B_BYTES: i32 = KC * NC * 4;
// @ts-ignore: decorator
@inline const EDGE_BYTES: i32 = MR * NR * 4;

/** Bytes of workspace that {@link gemm} needs at its `work` pointer (16-byte aligned). */
export function gemmWorkBytes(): i32 {
  return PACK_A_BYTES + PACK_B_BYTES + EDGE_BYTES;
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// 4×4 transpose of rows r0..r3 into columns; used by the packing of row-major panels.
// @ts-ignore: decorator
@inline function t01(r0: v128, r1: v128): v128 {
  return i32x4.shuffle(r0, r1, 0, 4, 1, 5);
}
// @ts-ignore: decorator
@inline function t23(r0: v128, r1: v128): v128 {
  return i32x4.shuffle(r0, r1, 2, 6, 3, 7);
}
// @ts-ignore: decorator
@inline function lo(x: v128, y: v128): v128 {
  return i32x4.shuffle(x, y, 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline function hi(x: v128, y: v128): v128 {
  return i32x4.shuffle(x, y, 2, 3, 6, 7);
}

/**
 * Packs `rows` rows × `kc` depth of a matrix (element (r, p) at `src + r·sr + p·sk`, strides
 * in bytes) into panels of R rows stored depth-major (R values per p), zero-padding a short
 * last panel so the micro-kernel never sees stale lanes.
 */
function pack(src: usize, sr: usize, sk: usize, rows: i32, kc: i32, R: i32, dst: usize): void {
  for (let r0 = 0; r0 < rows; r0 += R) {
    const rv = min(R, rows - r0);
    const s0 = src + <usize>r0 * sr;
    const panelBytes = <usize>(R * 4);
    if (rv == R && sr == 4) {
      // Rows adjacent in memory: each depth step is one (R = 4) or two (R = 8) vector copies.
      let s = s0;
      let d = dst;
      if (R == 4) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          s += sk;
          d += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += sk;
          d += 32;
        }
      }
    } else if (rv == R && sk == 4) {
      // Depth adjacent: read 4×4 blocks along each row and transpose them in registers.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        for (let q = 0; q < R; q += 4) {
          const s = s0 + <usize>q * sr + <usize>p * 4;
          const r0v = v128.load(s);
          const r1v = v128.load(s + sr);
          const r2v = v128.load(s + 2 * sr);
          const r3v = v128.load(s + 3 * sr);
          const a = t01(r0v, r1v);
          const b = t01(r2v, r3v);
          const c = t23(r0v, r1v);
          const e = t23(r2v, r3v);
          const d = dst + <usize>p * panelBytes + <usize>q * 4;
          v128.store(d, lo(a, b));
          v128.store(d + panelBytes, hi(a, b));
          v128.store(d + 2 * panelBytes, lo(c, e));
          v128.store(d + 3 * panelBytes, hi(c, e));
        }
      }
      for (; p < kc; p++) {
        const d = dst + <usize>p * panelBytes;
        for (let i = 0; i < R; i++) {
          store<f32>(d + <usize>i * 4, load<f32>(s0 + <usize>i * sr + <usize>p * 4));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + <usize>p * panelBytes;
        const s = s0 + <usize>p * sk;
        let i = 0;
        for (; i < rv; i++) store<f32>(d + <usize>i * 4, load<f32>(s + <usize>i * sr));
        for (; i < R; i++) store<f32>(d + <usize>i * 4, 0);
      }
    }
    dst += <usize>kc * panelBytes;
  }
}

/**
 * C tile (4×8 at `c`, row stride `ldc` bytes) = or += (4×kc panel at `pa`) · (kc×8 panel at
 * `pb`). Hand-unrolled so every accumulator is a local that TurboFan keeps in a register.
 */
// @ts-ignore: decorator
@inline function micro(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

function fullTile(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  micro(kc, pa, pb, c, ldc, acc);
}

/** Sweeps the packed A block against the packed B block, one 4×8 tile of C at a time. */
function macro(
  mc: i32,
  nc: i32,
  kc: i32,
  pA: usize,
  pB: usize,
  c: usize,
  ldc: usize,
  acc: bool,
  edge: usize,
): void {
  const aPanel = <usize>(MR * kc * 4);
  const bPanel = <usize>(NR * kc * 4);
  let pb = pB;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let pa = pA;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const ct = c + <usize>ir * ldc + <usize>jr * 4;
      if (mr == MR && nr == NR) {
        fullTile(kc, pa, pb, ct, ldc, acc);
      } else {
        // Edge tile: compute it whole into a scratch tile, then clip into C.
        fullTile(kc, pa, pb, edge, NR * 4, false);
        for (let i = 0; i < mr; i++) {
          const crow = ct + <usize>i * ldc;
          const erow = edge + <usize>(i * NR * 4);
          for (let j = 0; j < nr; j++) {
            const o = <usize>j * 4;
            const v = load<f32>(erow + o);
            store<f32>(crow + o, acc ? load<f32>(crow + o) + v : v);
          }
        }
      }
      pa += aPanel;
    }
    pb += bPanel;
  }
}

/**
 * C = op(A)·op(B) (beta = 0) or C += op(A)·op(B) (beta ≠ 0), all row-major float32.
 * op(A) is M×K: A stored M×K with row stride lda, or K×M when transA. op(B) is K×N: B stored
 * K×N with row stride ldb, or N×K when transB. C is M×N with row stride ldc. `work` points at
 * {@link gemmWorkBytes} bytes of 16-byte-aligned scratch. K = 0 gives zeros (or leaves C).
 */
export function gemm(
  transA: i32,
  transB: i32,
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  beta: i32,
  work: usize,
): void {
  if (M <= 0 || N <= 0) return;
  const ldcB = <usize>ldc * 4;
  if (K <= 0) {
    if (!beta) for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldcB, 0, <usize>N * 4);
    return;
  }
  const sai: usize = transA ? 4 : <usize>lda * 4;
  const sak: usize = transA ? <usize>lda * 4 : 4;
  const sbk: usize = transB ? 4 : <usize>ldb * 4;
  const sbj: usize = transB ? <usize>ldb * 4 : 4;
  const pA = work;
  const pB = work + PACK_A_BYTES;
  const edge = pB + PACK_B_BYTES;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      pack(b + <usize>pc * sbk + <usize>jc * sbj, sbj, sbk, nc, kc, NR, pB);
      const acc = beta != 0 || pc > 0;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        pack(a + <usize>ic * sai + <usize>pc * sak, sai, sak, mc, kc, MR, pA);
        macro(mc, nc, kc, pA, pB, c + <usize>ic * ldcB + <usize>jc * 4, ldcB, acc, edge);
      }
    }
  }
}
