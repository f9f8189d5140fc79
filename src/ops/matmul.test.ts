import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import { DTypeError, ShapeError, type Tensor, grads, matmul, tensor, zeros } from '../index.js';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randomTensor(shape: number[], seed: number): Tensor {
  const r = rng(seed);
  return tensor(
    Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1),
    shape,
  );
}

/**
 * Naive reference for batched matmul with NumPy batch broadcasting and optional transposes of
 * the last two axes: a triple loop per batch element, in float64. Returns the values, the
 * shape, and Σₚ|a·b| per output element (the scale of the float32 rounding error).
 */
function naiveMatmul(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  transA = false,
  transB = false,
): { values: number[]; shape: number[]; scale: number[] } {
  const ra = aShape.length;
  const rb = bShape.length;
  const [ar, ac] = [aShape[ra - 2]!, aShape[ra - 1]!];
  const [br, bc] = [bShape[rb - 2]!, bShape[rb - 1]!];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const n = transB ? br : bc;
  if ((transB ? bc : br) !== k) throw new Error('naiveMatmul: bad shapes');
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const nb = Math.max(batchA.length, batchB.length);
  const padA = [...new Array(nb - batchA.length).fill(1), ...batchA];
  const padB = [...new Array(nb - batchB.length).fill(1), ...batchB];
  const batch = padA.map((d, i) => Math.max(d, padB[i]!));
  const values: number[] = [];
  const scale: number[] = [];
  for (let bi = 0; bi < sizeOf(batch); bi++) {
    // Multi-index of this batch element, then the (broadcast) batch offsets into A and B.
    let rem = bi;
    const idx = new Array<number>(nb);
    for (let d = nb - 1; d >= 0; d--) {
      idx[d] = rem % batch[d]!;
      rem = Math.floor(rem / batch[d]!);
    }
    let offA = 0;
    let offB = 0;
    for (let d = 0; d < nb; d++) {
      offA = offA * padA[d]! + (padA[d] === 1 ? 0 : idx[d]!);
      offB = offB * padB[d]! + (padB[d] === 1 ? 0 : idx[d]!);
    }
    offA *= ar * ac;
    offB *= br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let sa = 0;
        for (let p = 0; p < k; p++) {
          const av = a[offA + (transA ? p * ac + i : i * ac + p)]!;
          const bv = b[offB + (transB ? j * bc + p : p * bc + j)]!;
          s += av * bv;
          sa += Math.abs(av * bv);
        }
        values.push(s);
        scale.push(sa);
      }
    }
  }
  return { values, shape: [...batch, m, n], scale };
}

/** Asserts |c − ref| ≤ rtol·Σ|a·b| + atol elementwise: the float32 error bound of a dot product. */
function expectMatmulClose(
  c: Tensor,
  ref: ReturnType<typeof naiveMatmul>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect(c.shape).toEqual(ref.shape);
  const v = c.dataSync();
  expect(v.length).toBe(ref.values.length);
  for (let i = 0; i < v.length; i++) {
    const err = Math.abs(v[i]! - ref.values[i]!);
    if (!(err <= rtol * ref.scale[i]! + atol)) {
      expect.fail(
        `element ${i}: got ${v[i]}, expected ${ref.values[i]} (|diff| ${err}, scale ${ref.scale[i]})`,
      );
    }
  }
}

/** Operand shapes: op(A) is m×k, op(B) is k×n; stored transposed when asked. */
function shapes(
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  batchA: number[] = [],
  batchB: number[] = [],
) {
  return { a: [...batchA, ...(tA ? [k, m] : [m, k])], b: [...batchB, ...(tB ? [n, k] : [k, n])] };
}

const TILE_SIZES = [1, 3, 5, 7, 17, 33, 65, 130];
/** Every size appears in every position (m, k, n), plus a few mixed triples; K = 300 crosses a 256 block. */
const TRIPLES: [number, number, number][] = [
  ...TILE_SIZES.map((s, i): [number, number, number] => [
    s,
    TILE_SIZES[(i + 3) % 8]!,
    TILE_SIZES[(i + 5) % 8]!,
  ]),
  ...TILE_SIZES.map((s, i): [number, number, number] => [
    TILE_SIZES[(i + 2) % 8]!,
    s,
    TILE_SIZES[(i + 7) % 8]!,
  ]),
  [1, 1, 1],
  [130, 130, 130],
  [4, 300, 6],
  [65, 1, 33],
];

describeBackends('matmul: values', () => {
  it('hand-computed 2×2', () => {
    // [[1,2],[3,4]]·[[5,6],[7,8]] = [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]] = [[19,22],[43,50]]
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([
      [5, 6],
      [7, 8],
    ]);
    expectClose(matmul(a, b), [
      [19, 22],
      [43, 50],
    ]);
    // Aᵀ·B = [[1,3],[2,4]]·B = [[26,30],[38,44]]
    expectClose(matmul(a, b, true, false), [
      [26, 30],
      [38, 44],
    ]);
    // A·Bᵀ = A·[[5,7],[6,8]] = [[17,23],[39,53]]
    expectClose(matmul(a, b, false, true), [
      [17, 23],
      [39, 53],
    ]);
    // Aᵀ·Bᵀ = [[1,3],[2,4]]·[[5,7],[6,8]] = [[23,31],[34,46]]
    expectClose(a.matmul(b, true, true), [
      [23, 31],
      [34, 46],
    ]);
  });

  it('a row times a column and a column times a row', () => {
    // [1,2,3]·[4,5,6]ᵀ = 4+10+18 = 32
    expectClose(matmul(tensor([[1, 2, 3]]), tensor([[4], [5], [6]])), [[32]]);
    // outer product
    expectClose(matmul(tensor([[1], [2]]), tensor([[3, 4]])), [
      [3, 4],
      [6, 8],
    ]);
  });

  for (const [m, k, n] of TRIPLES) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`random ${m}×${k}·${k}×${n}, transposeA=${tA}, transposeB=${tB}, matches a triple loop`, () => {
        const s = shapes(m, k, n, tA, tB);
        const a = randomTensor(s.a, m * 1000 + k * 10 + n);
        const b = randomTensor(s.b, n * 1000 + k * 10 + m + 1);
        const c = matmul(a, b, tA, tB);
        expect(c.dtype).toBe('float32');
        expectMatmulClose(c, naiveMatmul(a.dataSync(), s.a, b.dataSync(), s.b, tA, tB));
      });
    }
  }

  const batched: { a: number[]; b: number[]; tA?: boolean; tB?: boolean }[] = [
    { a: [2, 3, 4], b: [2, 4, 5] },
    { a: [2, 1, 3, 4], b: [3, 4, 2] },
    { a: [3, 4], b: [2, 4, 5] },
    { a: [2, 3, 4], b: [4, 5] },
    { a: [1, 3, 4], b: [2, 4, 5] },
    { a: [2, 1, 3, 4], b: [1, 3, 4, 2] },
    { a: [3, 7, 5], b: [3, 17, 7], tA: true, tB: true },
    { a: [2, 2, 17, 33], b: [33, 5], tA: false, tB: false },
    { a: [4, 33, 7], b: [1, 65, 33], tA: true, tB: true },
    { a: [2, 5, 65], b: [2, 3, 5], tA: true, tB: true },
    { a: [3, 1, 4, 5], b: [2, 6, 5], tB: true },
  ];
  for (const { a: sa, b: sb, tA = false, tB = false } of batched) {
    it(`batched ${JSON.stringify(sa)}·${JSON.stringify(sb)} (tA=${tA}, tB=${tB}) matches a per-batch triple loop`, () => {
      const a = randomTensor(sa, sizeOf(sa));
      const b = randomTensor(sb, sizeOf(sb) + 7);
      expectMatmulClose(
        matmul(a, b, tA, tB),
        naiveMatmul(a.dataSync(), sa, b.dataSync(), sb, tA, tB),
      );
    });
  }

  it('broadcast batch shapes follow NumPy: [2,1,3,4]·[3,4,2] → [2,3,3,2]', () => {
    expect(matmul(zeros([2, 1, 3, 4]), zeros([3, 4, 2])).shape).toEqual([2, 3, 3, 2]);
    expect(matmul(zeros([3, 4]), zeros([2, 4, 5])).shape).toEqual([2, 3, 5]);
    expect(matmul(zeros([5, 1, 2, 3]), zeros([4, 3, 6])).shape).toEqual([5, 4, 2, 6]);
  });

  it('int32 operands compute in float32; mixed int32/float32 too', () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'int32',
    );
    const c = matmul(a, a);
    // [[1+6, 2+8], [3+12, 6+16]]
    expect(c.dtype).toBe('float32');
    expectClose(c, [
      [7, 10],
      [15, 22],
    ]);
    const d = matmul(a, tensor([[0.5], [0.25]]));
    expect(d.dtype).toBe('float32');
    expectClose(d, [[1], [2.5]]);
  });

  it('empty dimensions: m = 0 gives [0, n]; k = 0 gives zeros', () => {
    expect(matmul(zeros([0, 3]), zeros([3, 2])).shape).toEqual([0, 2]);
    const c = matmul(zeros([2, 0]), zeros([0, 3]));
    expect(c.shape).toEqual([2, 3]);
    expectClose(c, [
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
});

describe('matmul: TensorFlow.js as an oracle', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('batched [2,17,33]·[2,5,33]ᵀ against tf.matMul', () => {
    const a = randomTensor([2, 17, 33], 41);
    const b = randomTensor([2, 5, 33], 42);
    const ta = tf.tensor(Array.from(a.dataSync()), [2, 17, 33]);
    const tb = tf.tensor(Array.from(b.dataSync()), [2, 5, 33]);
    const expected = tf.matMul(ta, tb, false, true);
    const c = matmul(a, b, false, true);
    expect(c.shape).toEqual(expected.shape);
    expectClose(c, expected.dataSync(), { rtol: 1e-5, atol: 1e-5 });
  });

  it('[7,65]ᵀ·[7,3] against tf.matMul', () => {
    const a = randomTensor([7, 65], 43);
    const b = randomTensor([7, 3], 44);
    const expected = tf.matMul(
      tf.tensor(Array.from(a.dataSync()), [7, 65]),
      tf.tensor(Array.from(b.dataSync()), [7, 3]),
      true,
    );
    expectClose(matmul(a, b, true), expected.dataSync(), { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('matmul: errors', () => {
  it('inner dimension mismatch has the exact message', () => {
    let err: unknown;
    try {
      matmul(zeros([10, 2]), zeros([3, 4]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toBe('matmul: inner dimensions differ: [10, 2] x [3, 4]');
  });

  it('inner dimension mismatch with transposes says so', () => {
    expect(() => matmul(zeros([2, 10]), zeros([3, 4]), true)).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 10]), zeros([3, 4]), true)).toThrow(
      /^matmul: inner dimensions differ: \[2, 10\] x \[3, 4\] \(transposeA=true, transposeB=false\)$/,
    );
    // [3,4]ᵀ·[5,3]: op(A) is 4×3 (k = 3) but B has 5 rows → 3 vs 5
    expect(() => matmul(zeros([3, 4]), zeros([5, 3]), true, false)).toThrow(
      /^matmul: inner dimensions differ/,
    );
  });

  it('rank-1 operands are rejected', () => {
    expect(() => matmul(tensor([1, 2]), tensor([[1], [2]]))).toThrow(ShapeError);
    expect(() => matmul(tensor([1, 2]), tensor([[1], [2]]))).toThrow(
      /^matmul: both operands need rank >= 2, got \[2\] x \[2, 1\]/,
    );
    expect(() => matmul(tensor([[1, 2]]), tensor([1, 2]))).toThrow(
      /^matmul: both operands need rank >= 2/,
    );
  });

  it('bool operands are rejected', () => {
    const b = tensor([
      [true, false],
      [false, true],
    ]);
    expect(() => matmul(b, zeros([2, 2]))).toThrow(DTypeError);
    expect(() => matmul(zeros([2, 2]), b)).toThrow(/^matmul: bool operands are not supported/);
  });

  it('batch shapes that do not broadcast are rejected', () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(
      /^matmul: shapes \[2\] and \[3\] cannot be broadcast/,
    );
  });
});

describe('matmul: gradients', () => {
  for (const [tA, tB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`2-D, transposeA=${tA}, transposeB=${tB}`, () => {
      const s = shapes(3, 4, 2, tA, tB);
      gradCheck((a, b) => matmul(a, b, tA, tB), [randomValues(s.a, 1), randomValues(s.b, 2)]);
    });
    it(`batched [2,…], transposeA=${tA}, transposeB=${tB}`, () => {
      const s = shapes(2, 3, 2, tA, tB, [2], [2]);
      gradCheck((a, b) => matmul(a, b, tA, tB), [randomValues(s.a, 3), randomValues(s.b, 4)]);
    });
  }

  it('batched [2,3,4]·[2,4,5]', () => {
    gradCheck((a, b) => matmul(a, b), [randomValues([2, 3, 4], 5), randomValues([2, 4, 5], 6)]);
  });

  it('broadcast batch [2,1,3,4]·[3,4,2] sums the gradient over broadcast axes', () => {
    gradCheck((a, b) => matmul(a, b), [randomValues([2, 1, 3, 4], 7), randomValues([3, 4, 2], 8)]);
  });

  it('broadcast batch [3,4]·[2,4,5]', () => {
    gradCheck((a, b) => matmul(a, b), [randomValues([3, 4], 9), randomValues([2, 4, 5], 10)]);
  });

  it('broadcast batch [1,2,3]ᵀ·[2,2,4] with transposeA', () => {
    gradCheck(
      (a, b) => matmul(a, b, true),
      [randomValues([1, 2, 3], 11), randomValues([2, 2, 4], 12)],
    );
  });

  it('the gradient of Σ A·B by hand: dA = 1·Bᵀ, dB = Aᵀ·1', () => {
    // A [1,2], B [2,1] (column [3,4]): f = a0·3 + a1·4 → dA = [[3, 4]], dB = [[1], [2]] for A = [[1, 2]]
    const [ga, gb] = grads((a, b) => matmul(a, b).sum())([tensor([[1, 2]]), tensor([[3], [4]])]);
    expectClose(ga!, [[3, 4]]);
    expectClose(gb!, [[1], [2]]);
  });
});
