import { describe, expect, it } from 'vitest';
import { gemm } from './gemm.js';

type FloatArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor;
type FloatArray = Float32Array | Float64Array;

/** Small deterministic PRNG so failures reproduce exactly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface View {
  data: FloatArray;
  off: number;
  ld: number;
}

/**
 * A rows×cols view embedded in a larger random buffer: `off` leading junk and `pad` extra
 * columns per row, so the kernel must honour offsets and leading dimensions.
 */
function makeView(
  T: FloatArrayCtor,
  rows: number,
  cols: number,
  off: number,
  pad: number,
  rand: () => number,
): View {
  const ld = cols + pad;
  const data = new T(off + rows * ld + 3);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return { data, off, ld };
}

/** Naive reference in doubles; also returns Σ|a·b| per entry as the error scale. */
function reference(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: View,
  B: View,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let m = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A.data[A.off + k * A.ld + i] : A.data[A.off + i * A.ld + k];
        const b = transB ? B.data[B.off + j * B.ld + k] : B.data[B.off + k * B.ld + j];
        s += a * b;
        m += Math.abs(a * b);
      }
      value[i * N + j] = s;
      scale[i * N + j] = m;
    }
  }
  return { value, scale };
}

/** Runs gemm on fresh views and checks C against the reference and its padding untouched. */
function check(
  T: FloatArrayCtor,
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  rand: () => number,
): void {
  const pick = () => Math.floor(rand() * 4);
  const A = transA
    ? makeView(T, K, M, pick(), pick(), rand)
    : makeView(T, M, K, pick(), pick(), rand);
  const B = transB
    ? makeView(T, N, K, pick(), pick(), rand)
    : makeView(T, K, N, pick(), pick(), rand);
  const C = makeView(T, M, N, pick(), pick(), rand);
  const cBefore = C.data.slice();
  // Stale contents (including NaN) must be overwritten, not accumulated into.
  for (let i = 0; i < M; i++) C.data.fill(Number.NaN, C.off + i * C.ld, C.off + i * C.ld + N);

  gemm(transA, transB, M, N, K, A.data, A.off, A.ld, B.data, B.off, B.ld, C.data, C.off, C.ld);

  const { value, scale } = reference(transA, transB, M, N, K, A, B);
  const rtol = T === Float64Array ? 1e-12 : 1e-5;
  const label = `${T.name} tA=${transA} tB=${transB} M=${M} N=${N} K=${K}`;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const got = C.data[C.off + i * C.ld + j];
      const want = value[i * N + j];
      const tol = rtol * scale[i * N + j] + 1e-30;
      if (!(Math.abs(got - want) <= tol)) {
        expect.fail(`${label}: C[${i},${j}] = ${got}, expected ${want} ± ${tol}`);
      }
    }
  }
  for (let p = 0; p < C.data.length; p++) {
    const r = p - C.off;
    const inside = r >= 0 && Math.floor(r / C.ld) < M && r % C.ld < N;
    if (!inside && !Object.is(C.data[p], cBefore[p])) {
      expect.fail(`${label}: wrote outside C at flat index ${p}`);
    }
  }
}

const SIZES = [1, 2, 3, 5, 7, 17, 33, 63, 65, 130];
const TYPES: FloatArrayCtor[] = [Float32Array, Float64Array];
const TRANS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

describe('gemm', () => {
  for (const T of TYPES) {
    for (const [transA, transB] of TRANS) {
      it(`matches a naive loop: ${T.name}, transA=${transA}, transB=${transB}`, () => {
        const rand = mulberry32(1234 + (transA ? 1 : 0) + (transB ? 2 : 0));
        // Every size in every dimension at least once, paired with random other dimensions.
        for (const s of SIZES) {
          const r = () => SIZES[Math.floor(rand() * SIZES.length)];
          check(T, transA, transB, s, r(), r(), rand);
          check(T, transA, transB, r(), s, r(), rand);
          check(T, transA, transB, r(), r(), s, rand);
        }
      });

      it(`spans several K, M and N blocks: ${T.name}, transA=${transA}, transB=${transB}`, () => {
        const rand = mulberry32(99 + (transA ? 1 : 0) + (transB ? 2 : 0));
        // K > KC (accumulation across K slices), M > MC, N > NC, each with ragged edges.
        check(T, transA, transB, 9, 11, 600, rand);
        check(T, transA, transB, 261, 7, 40, rand);
        check(T, transA, transB, 5, 3100, 21, rand);
      });
    }
  }

  it('is correct on square sizes around the tile and block edges', () => {
    const rand = mulberry32(7);
    for (const n of [4, 6, 12, 16, 24, 64, 127, 128, 129, 257]) {
      check(Float64Array, false, false, n, n, n, rand);
    }
  });

  it('does nothing when M or N is zero', () => {
    const C = new Float64Array([1, 2, 3]);
    const A = new Float64Array(6).fill(1);
    gemm(false, false, 0, 3, 2, A, 0, 2, A, 0, 3, C, 0, 3);
    gemm(false, false, 1, 0, 2, A, 0, 2, A, 0, 3, C, 0, 3);
    expect(Array.from(C)).toEqual([1, 2, 3]);
  });

  it('writes zeros into C when K is zero', () => {
    for (const T of TYPES) {
      for (const [M, N] of [
        [3, 4],
        [40, 50],
      ] as const) {
        const ldc = N + 2;
        const C = new T(M * ldc + 1).fill(Number.NaN);
        const empty = new T(0);
        gemm(false, true, M, N, 0, empty, 0, 1, empty, 0, 1, C, 1, ldc);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) expect(C[1 + i * ldc + j]).toBe(0);
          if (i + 1 < M) expect(C[1 + i * ldc + N]).toBeNaN();
        }
        expect(C[0]).toBeNaN();
      }
    }
  });

  it('gives identical results on repeated calls (scratch reuse)', () => {
    const rand = mulberry32(42);
    const M = 70;
    const N = 45;
    const K = 300;
    const A = new Float64Array(M * K).map(() => rand());
    const B = new Float64Array(K * N).map(() => rand());
    const C1 = new Float64Array(M * N);
    const C2 = new Float64Array(M * N);
    gemm(false, false, M, N, K, A, 0, K, B, 0, N, C1, 0, N);
    // A larger call in between grows the scratch; a smaller one must not see stale data.
    check(Float64Array, true, true, 130, 200, 260, rand);
    gemm(false, false, M, N, K, A, 0, K, B, 0, N, C2, 0, N);
    expect(C2).toEqual(C1);
  });
});
