import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import {
  DTypeError,
  ShapeError,
  type Tensor,
  ValueError,
  add,
  broadcastTo,
  concat,
  expandDims,
  gather,
  grad,
  oneHot,
  pad,
  reshape,
  scatterAdd,
  slice,
  split,
  squeeze,
  stack,
  stridedSlice,
  tensor,
  tile,
  transpose,
  zeros,
} from '../index.js';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** 0, 1, 2, … in `shape` (float32): every element names its own flat position. */
function iota(shape: number[]): Tensor {
  return tensor(
    Array.from({ length: sizeOf(shape) }, (_, i) => i),
    shape,
  );
}

/** Row-major multi-index of flat position `i`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** Row-major flat position of a multi-index. */
function ravel(idx: readonly number[], shape: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + idx[d]!;
  return p;
}

/** Naive transpose: out[i₀…] = x[…] with out axis j taken from input axis perm[j]. */
function naiveTranspose(
  v: ArrayLike<number>,
  shape: readonly number[],
  perm: readonly number[],
): number[] {
  const outShape = perm.map((p) => shape[p]!);
  return Array.from({ length: v.length }, (_, o) => {
    const oi = unravel(o, outShape);
    const ii = new Array<number>(shape.length);
    perm.forEach((p, j) => {
      ii[p] = oi[j]!;
    });
    return v[ravel(ii, shape)]!;
  });
}

/**
 * The indices Python's `range(*slice(start, stop, step).indices(length))` visits, written from
 * CPython's PySlice_AdjustIndices (undefined stands for None).
 */
function pySlice(
  length: number,
  start: number | undefined,
  stop: number | undefined,
  step: number,
): number[] {
  const adjust = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (v < 0) {
      v += length;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= length) {
      v = step < 0 ? length - 1 : length;
    }
    return v;
  };
  const s = adjust(start, step < 0 ? length - 1 : 0);
  const e = adjust(stop, step < 0 ? -1 : length);
  const out: number[] = [];
  if (step > 0) for (let i = s; i < e; i += step) out.push(i);
  else for (let i = s; i > e; i += step) out.push(i);
  return out;
}

/** x[sl₀, sl₁, …] on a row-major array, given per-axis index lists. */
function gatherProduct(
  v: ArrayLike<number>,
  shape: readonly number[],
  lists: number[][],
): number[] {
  const outShape = lists.map((l) => l.length);
  return Array.from({ length: sizeOf(outShape) }, (_, o) => {
    const oi = unravel(o, outShape);
    return v[
      ravel(
        oi.map((k, d) => lists[d]![k]!),
        shape,
      )
    ]!;
  });
}

describeBackends('reshape, transpose, expandDims, squeeze', () => {
  it('reshape keeps row-major order and infers -1', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectClose(reshape(x, [3, 2]), [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(reshape(x, [3, 2]).shape).toEqual([3, 2]);
    // 6 elements / 3 = 2
    expect(reshape(x, [-1, 3]).shape).toEqual([2, 3]);
    expect(reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(reshape(x, [-1]).shape).toEqual([6]);
    expect(x.flatten().shape).toEqual([6]);
    expect(reshape(x, [1, -1, 1]).shape).toEqual([1, 6, 1]);
    expectClose(reshape(x, [-1]), [1, 2, 3, 4, 5, 6]);
    expect(reshape(tensor([7]), []).shape).toEqual([]);
    expect(reshape(zeros([0, 3]), [-1, 3]).shape).toEqual([0, 3]);
  });

  it('transpose with no perm reverses the axes', () => {
    const x = iota([2, 3, 4]);
    const y = transpose(x);
    expect(y.shape).toEqual([4, 3, 2]);
    expectClose(y.dataSync(), naiveTranspose(x.dataSync(), [2, 3, 4], [2, 1, 0]));
    // 2-D: [[1, 2, 3]]ᵀ = [[1], [2], [3]]
    expectClose(transpose(tensor([[1, 2, 3]])), [[1], [2], [3]]);
    // a vector is unchanged
    expectClose(transpose(tensor([1, 2, 3])), [1, 2, 3]);
  });

  const perms: { shape: number[]; perm: number[] }[] = [
    { shape: [2, 3, 4], perm: [1, 0, 2] },
    { shape: [2, 3, 4], perm: [2, 0, 1] },
    { shape: [2, 3, 4], perm: [0, 2, 1] },
    { shape: [2, 3, 4, 5], perm: [2, 0, 3, 1] },
    { shape: [2, 3, 4, 5], perm: [3, 2, 1, 0] },
    { shape: [3, 1, 4, 2], perm: [1, 3, 0, 2] },
    { shape: [2, 3, 2, 3, 2], perm: [4, 2, 0, 3, 1] },
  ];
  for (const { shape, perm } of perms) {
    it(`transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)} matches a naive loop`, () => {
      const x = iota(shape);
      const y = transpose(x, perm);
      expect(y.shape).toEqual(perm.map((p) => shape[p]!));
      expectClose(y.dataSync(), naiveTranspose(x.dataSync(), shape, perm));
    });
  }

  it('transpose accepts negative axes in perm', () => {
    const x = iota([2, 3]);
    expectClose(transpose(x, [-1, 0]), transpose(x, [1, 0]));
  });

  it('transpose of int32 and bool keeps the dtype', () => {
    const y = transpose(tensor([[1, 2]], undefined, 'int32'));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, 2]);
    const b = transpose(tensor([[true, false]]));
    expect(b.dtype).toBe('bool');
    expect(b.shape).toEqual([2, 1]);
  });

  it('expandDims and squeeze', () => {
    const x = tensor([1, 2]);
    expect(expandDims(x).shape).toEqual([1, 2]);
    expect(expandDims(x, 1).shape).toEqual([2, 1]);
    expect(expandDims(x, -1).shape).toEqual([2, 1]);
    expect(expandDims(zeros([2, 3]), -2).shape).toEqual([2, 1, 3]);
    expect(expandDims(tensor(5), 0).shape).toEqual([1]);
    expectClose(expandDims(x, 1), [[1], [2]]);
    const z = zeros([1, 3, 1, 2]);
    expect(squeeze(z).shape).toEqual([3, 2]);
    expect(squeeze(z, 2).shape).toEqual([1, 3, 2]);
    expect(squeeze(z, [0, -2]).shape).toEqual([3, 2]);
    expectClose(squeeze(tensor([[[1], [2]]])), [1, 2]);
  });
});

describeBackends('slice and stridedSlice', () => {
  it('slice takes a contiguous block', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectClose(slice(x, [0, 1], [2, 2]), [
      [2, 3],
      [5, 6],
    ]);
    // size -1 runs to the end; a short begin/size pads with 0 / -1
    expectClose(slice(x, [1, 0], [-1, -1]), [[4, 5, 6]]);
    expectClose(slice(x, [1]), [[4, 5, 6]]);
    expectClose(x.slice([0, 2], [2, 1]), [[3], [6]]);
    expect(slice(x, [0, 1], [2, 0]).shape).toEqual([2, 0]);
  });

  it('slice of a rank-3 tensor matches a naive loop', () => {
    const shape = [3, 4, 5];
    const x = iota(shape);
    const y = slice(x, [1, 0, 2], [2, 3, 2]);
    const lists = [
      [1, 2],
      [0, 1, 2],
      [2, 3],
    ];
    expect(y.shape).toEqual([2, 3, 2]);
    expectClose(y.dataSync(), gatherProduct(x.dataSync(), shape, lists));
  });

  it('stridedSlice hand cases (Python semantics)', () => {
    const x = tensor([0, 1, 2, 3, 4]);
    // x[4:0:-2] = [4, 2]
    expectClose(stridedSlice(x, [4], [0], [-2]), [4, 2]);
    // x[1:4] = [1, 2, 3]
    expectClose(stridedSlice(x, [1], [4]), [1, 2, 3]);
    // x[-4:-1] = x[1:4]
    expectClose(stridedSlice(x, [-4], [-1]), [1, 2, 3]);
    // x[-1:-6:-1] = [4, 3, 2, 1, 0] (stop -6 → -1, one before the start)
    expectClose(stridedSlice(x, [-1], [-6], [-1]), [4, 3, 2, 1, 0]);
    // x[-100:100:2] clamps to x[0:5:2] = [0, 2, 4]
    expectClose(stridedSlice(x, [-100], [100], [2]), [0, 2, 4]);
    // x[100:-100:-3] clamps to x[4::-3] = [4, 1]
    expectClose(stridedSlice(x, [100], [-100], [-3]), [4, 1]);
    // ±Infinity bounds clamp like any out-of-range bound: x[-inf:inf:2] = [0, 2, 4], x[inf:-inf:-1] reversed
    expectClose(
      stridedSlice(x, [Number.NEGATIVE_INFINITY], [Number.POSITIVE_INFINITY], [2]),
      [0, 2, 4],
    );
    expectClose(
      stridedSlice(x, [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY], [-1]),
      [4, 3, 2, 1, 0],
    );
    // x[3:1] is empty; x[1:3:-1] is empty
    expect(stridedSlice(x, [3], [1]).shape).toEqual([0]);
    expect(stridedSlice(x, [1], [3], [-1]).shape).toEqual([0]);
    // 2-D: m[::-1, 1::2] of [[0,1,2,3],[4,5,6,7]] = [[5,7],[1,3]]
    const m = iota([2, 4]);
    expectClose(stridedSlice(m, [1, 1], [-3, 4], [-1, 2]), [
      [5, 7],
      [1, 3],
    ]);
  });

  it('stridedSlice matches a Python-slice reference on random shapes', () => {
    const r = rng(2024);
    const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const steps = [-3, -2, -1, 1, 2, 3];
    for (let trial = 0; trial < 300; trial++) {
      const rank = ri(1, 3);
      const shape = Array.from({ length: rank }, () => ri(0, 6));
      // Bounds arrays may be shorter than the rank: missing entries are Python's None.
      const nb = ri(0, rank);
      const ne = ri(0, rank);
      const ns = ri(0, rank);
      const begin = Array.from({ length: nb }, () => ri(-9, 9));
      const end = Array.from({ length: ne }, () => ri(-9, 9));
      const strides = Array.from({ length: ns }, () => steps[ri(0, 5)]!);
      const x = iota(shape);
      const lists = shape.map((d, i) => pySlice(d, begin[i], end[i], strides[i] ?? 1));
      const y = stridedSlice(x, begin, end, strides);
      const what = `shape ${JSON.stringify(shape)} begin ${JSON.stringify(begin)} end ${JSON.stringify(end)} strides ${JSON.stringify(strides)}`;
      expect(y.shape, what).toEqual(lists.map((l) => l.length));
      expect(Array.from(y.dataSync()), what).toEqual(gatherProduct(x.dataSync(), shape, lists));
    }
  });
});

describeBackends('concat, stack, split', () => {
  it('concat three inputs along the middle axis matches a naive loop', () => {
    const a = iota([2, 1, 3]);
    const b = add(iota([2, 2, 3]), 100);
    const c = add(iota([2, 3, 3]), 200);
    const y = concat([a, b, c], 1);
    expect(y.shape).toEqual([2, 6, 3]);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 6; j++) {
        for (let k = 0; k < 3; k++) {
          if (j < 1) expected.push(i * 3 + k);
          else if (j < 3) expected.push(100 + i * 6 + (j - 1) * 3 + k);
          else expected.push(200 + i * 9 + (j - 3) * 3 + k);
        }
      }
    }
    expectClose(y.dataSync(), expected);
    expectClose(concat([a, b, c], -2), y);
  });

  it('concat along axis 0 and the last axis; mixed int32/float32 gives float32', () => {
    expectClose(concat([tensor([[1, 2]]), tensor([[3, 4]])]), [
      [1, 2],
      [3, 4],
    ]);
    expectClose(concat([tensor([[1]]), tensor([[2]])], 1), [[1, 2]]);
    const y = concat([tensor([1, 2], undefined, 'int32'), tensor([0.5])]);
    expect(y.dtype).toBe('float32');
    expectClose(y, [1, 2, 0.5]);
    expect(concat([tensor([1], undefined, 'int32'), tensor([2], undefined, 'int32')]).dtype).toBe(
      'int32',
    );
    expect(concat([zeros([2, 0]), zeros([2, 3])], 1).shape).toEqual([2, 3]);
    // float64 with float32 promotes to float64 (NumPy), keeping the float64 digits.
    const y64 = concat([tensor(new Float64Array([0.1]), [1], 'float64'), tensor([2])]);
    expect(y64.dtype).toBe('float64');
    expect(y64.dataSync()[0]).toBe(0.1);
    expect(concat([tensor([true]), tensor([false])]).dtype).toBe('bool');
    expect(concat([tensor([true]), tensor([3], undefined, 'int32')]).dtype).toBe('int32');
  });

  it('stack along a new axis', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expectClose(stack([a, b]), [
      [1, 2],
      [3, 4],
    ]);
    expectClose(stack([a, b], 1), [
      [1, 3],
      [2, 4],
    ]);
    expectClose(stack([a, b], -1), [
      [1, 3],
      [2, 4],
    ]);
    expect(stack([zeros([2, 3]), zeros([2, 3]), zeros([2, 3])], 1).shape).toEqual([2, 3, 3]);
    expect(stack([tensor(1), tensor(2)]).shape).toEqual([2]);
  });

  it('split into equal parts and into sizes with -1', () => {
    const x = iota([2, 6]);
    const parts = split(x, 3, 1);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    expectClose(parts[1]!, [
      [2, 3],
      [8, 9],
    ]);
    // sizes [1, -1, 2] of 6 → [1, 3, 2]
    const [p, q, r] = split(x, [1, -1, 2], -1);
    expect([p!.shape, q!.shape, r!.shape]).toEqual([
      [2, 1],
      [2, 3],
      [2, 2],
    ]);
    expectClose(q!, [
      [1, 2, 3],
      [7, 8, 9],
    ]);
    expectClose(r!, [
      [4, 5],
      [10, 11],
    ]);
    expectClose(split(tensor([1, 2, 3, 4]), 2)[1]!, [3, 4]);
    expect(x.split([2, 0, 4], 1)[1]!.shape).toEqual([2, 0]);
  });
});

describeBackends('tile, pad, broadcastTo, gather, scatterAdd, oneHot', () => {
  it('tile repeats like np.tile', () => {
    expectClose(tile(tensor([1, 2]), [2]), [1, 2, 1, 2]);
    // np.tile([[1,2],[3,4]], (2, 3))
    const y = tile(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      [2, 3],
    );
    expectClose(y, [
      [1, 2, 1, 2, 1, 2],
      [3, 4, 3, 4, 3, 4],
      [1, 2, 1, 2, 1, 2],
      [3, 4, 3, 4, 3, 4],
    ]);
    expect(tile(zeros([2, 3]), [0, 2]).shape).toEqual([0, 6]);
  });

  it('tile of rank 3 matches a naive loop (out[i] = x[i mod shape])', () => {
    const shape = [2, 1, 3];
    const reps = [2, 3, 2];
    const x = iota(shape);
    const outShape = shape.map((d, i) => d * reps[i]!);
    const expected = Array.from({ length: sizeOf(outShape) }, (_, o) =>
      ravel(
        unravel(o, outShape).map((k, d) => k % shape[d]!),
        shape,
      ),
    );
    const y = tile(x, reps);
    expect(y.shape).toEqual(outShape);
    expectClose(y.dataSync(), expected);
  });

  it('pad with a nonzero value', () => {
    expectClose(pad(tensor([1, 2]), [[1, 1]]), [0, 1, 2, 0]);
    // [[1,2]] padded by 1 row above, 0 below, 2 columns left, 1 right with 9
    expectClose(
      pad(
        tensor([[1, 2]]),
        [
          [1, 0],
          [2, 1],
        ],
        9,
      ),
      [
        [9, 9, 9, 9, 9],
        [9, 9, 1, 2, 9],
      ],
    );
    const yi = pad(tensor([3], undefined, 'int32'), [[0, 2]], -1);
    expect(yi.dtype).toBe('int32');
    expect(Array.from(yi.dataSync())).toEqual([3, -1, -1]);
  });

  it('pad of rank 3 matches a naive loop', () => {
    const shape = [2, 3, 2];
    const p: [number, number][] = [
      [0, 1],
      [2, 0],
      [1, 1],
    ];
    const x = iota(shape);
    const outShape = shape.map((d, i) => d + p[i]![0] + p[i]![1]);
    const expected = Array.from({ length: sizeOf(outShape) }, (_, o) => {
      const idx = unravel(o, outShape).map((k, d) => k - p[d]![0]);
      return idx.every((k, d) => k >= 0 && k < shape[d]!) ? ravel(idx, shape) : -7;
    });
    expectClose(pad(x, p, -7).dataSync(), expected);
  });

  it('broadcastTo follows NumPy rules', () => {
    expectClose(broadcastTo(tensor([1, 2, 3]), [2, 3]), [
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expectClose(broadcastTo(tensor([[1], [2]]), [2, 3]), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const y = broadcastTo(tensor([[1], [2]]), [3, 2, 2]);
    expect(y.shape).toEqual([3, 2, 2]);
    expectClose(y.dataSync(), [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]);
    expectClose(broadcastTo(tensor(5), [2]), [5, 5]);
    // broadcasting in a binary op: [2,1] + [3] → [2,3]
    expectClose(add(tensor([[10], [20]]), tensor([1, 2, 3])), [
      [11, 12, 13],
      [21, 22, 23],
    ]);
  });

  it('gather along axis 0 and 1, repeated indices, 2-D indices', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expectClose(gather(x, [2, 0]), [
      [5, 6],
      [1, 2],
    ]);
    expectClose(gather(x, [1, 1, 1]), [
      [3, 4],
      [3, 4],
      [3, 4],
    ]);
    expectClose(gather(x, [1, 0, 1], 1), [
      [2, 1, 2],
      [4, 3, 4],
      [6, 5, 6],
    ]);
    const g2 = gather(x, [
      [0, 2],
      [2, 2],
    ]);
    expect(g2.shape).toEqual([2, 2, 2]);
    expectClose(g2.dataSync(), [1, 2, 5, 6, 5, 6, 5, 6]);
    expectClose(gather(x, tensor([2], undefined, 'int32'), -2), [[5, 6]]);
    expect(gather(x, []).shape).toEqual([0, 2]);
  });

  it('gather with 2-D indices along a middle axis matches a naive loop', () => {
    const shape = [2, 4, 3];
    const idx = [
      [3, 0],
      [1, 1],
      [2, 3],
    ];
    const x = iota(shape);
    const y = gather(x, idx, 1);
    expect(y.shape).toEqual([2, 3, 2, 3]);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++)
      for (const row of idx)
        for (const k of row) for (let j = 0; j < 3; j++) expected.push(ravel([i, k, j], shape));
    expectClose(y.dataSync(), expected);
  });

  it('scatterAdd sums repeated indices', () => {
    // [1, 2, 3] into 3 slots at [0, 2, 0] → slot 0: 1 + 3, slot 2: 2
    expectClose(scatterAdd(tensor([1, 2, 3]), [0, 2, 0], [3]), [4, 0, 2]);
    // along axis 1 of [2, 3]: columns 1, 1 of [[1, 2], [3, 4]] → [[0, 3, 0], [0, 7, 0]]
    expectClose(
      scatterAdd(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        [1, 1],
        [2, 3],
        1,
      ),
      [
        [0, 3, 0],
        [0, 7, 0],
      ],
    );
  });

  it('oneHot', () => {
    expectClose(oneHot([0, 2], 3), [
      [1, 0, 0],
      [0, 0, 1],
    ]);
    // out-of-range index gives an all-off row
    expectClose(oneHot([5, 1], 3, 2, -1), [
      [-1, -1, -1],
      [-1, 2, -1],
    ]);
  });
});

describe('movement: TensorFlow.js as an oracle', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const r = rng(77);
  const rand = (shape: number[]) => Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1);

  it('transpose rank 4', () => {
    const v = rand([2, 3, 4, 5]);
    const perm = [3, 0, 2, 1];
    const y = transpose(tensor(v, [2, 3, 4, 5]), perm);
    const e = tf.transpose(tf.tensor(v, [2, 3, 4, 5]), perm);
    expect(y.shape).toEqual(e.shape);
    expectClose(y.dataSync(), e.dataSync());
  });

  it('tile, pad, gather, concat, split', () => {
    const v = rand([2, 3, 2]);
    const x = tensor(v, [2, 3, 2]);
    const tx = tf.tensor(v, [2, 3, 2]);
    expectClose(tile(x, [2, 1, 3]).dataSync(), tf.tile(tx, [2, 1, 3]).dataSync());
    const p: [number, number][] = [
      [1, 2],
      [0, 1],
      [3, 0],
    ];
    expectClose(pad(x, p, 1.5).dataSync(), tf.pad(tx, p, 1.5).dataSync());
    const ix = [
      [2, 0],
      [1, 2],
    ];
    const g = gather(x, ix, 1);
    const tg = tf.gather(tx, tf.tensor2d(ix, [2, 2], 'int32'), 1);
    expect(g.shape).toEqual(tg.shape);
    expectClose(g.dataSync(), tg.dataSync());
    const w = rand([2, 1, 2]);
    expectClose(
      concat([x, tensor(w, [2, 1, 2]), x], 1).dataSync(),
      tf.concat([tx, tf.tensor(w, [2, 1, 2]), tx], 1).dataSync(),
    );
    const parts = split(x, [1, 2], 1);
    const tparts = tf.split(tx, [1, 2], 1);
    parts.forEach((q, i) => expectClose(q.dataSync(), tparts[i]!.dataSync()));
  });
});

describe('movement: errors', () => {
  it('reshape size mismatch names both shapes', () => {
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow(ShapeError);
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow(
      /^reshape: cannot reshape \[2, 3\] \(size 6\) into \[4, 2\]/,
    );
    expect(() => reshape(zeros([2, 3]), [4, -1])).toThrow(
      /^reshape: cannot reshape \[2, 3\] \(size 6\) into \[4, -1\]/,
    );
    expect(() => reshape(zeros([2, 3]), [-1, -1])).toThrow(/^reshape: only one -1 allowed/);
    expect(() => reshape(zeros([2, 3]), [2.5, 2])).toThrow(/^reshape: invalid target shape/);
  });

  it('transpose with a bad perm', () => {
    const x = zeros([2, 3, 4]);
    expect(() => transpose(x, [0, 0, 1])).toThrow(ValueError);
    expect(() => transpose(x, [0, 0, 1])).toThrow(
      /^transpose: perm \[0, 0, 1\] is not a permutation of 3 axes/,
    );
    expect(() => transpose(x, [1, 0])).toThrow(/^transpose: perm \[1, 0\] is not a permutation/);
    expect(() => transpose(x, [0, 1, 3])).toThrow(ValueError);
    expect(() => transpose(x, [0, 1, 3])).toThrow(/^transpose: axis 3 is out of range for rank 3/);
  });

  it('expandDims and squeeze', () => {
    expect(() => expandDims(zeros([2]), 3)).toThrow(/^expandDims: axis 3 is out of range/);
    expect(() => squeeze(zeros([1, 3]), 1)).toThrow(ShapeError);
    expect(() => squeeze(zeros([1, 3]), 1)).toThrow(
      /^squeeze: axis 1 of shape \[1, 3\] has size 3, not 1/,
    );
  });

  it('slice out of bounds', () => {
    const x = zeros([2, 3]);
    expect(() => slice(x, [0, 2], [1, 2])).toThrow(ShapeError);
    expect(() => slice(x, [0, 2], [1, 2])).toThrow(
      /^slice: begin \[0, 2\] size \[1, 2\] out of bounds for shape \[2, 3\] \(axis 1\)/,
    );
    expect(() => slice(x, [3])).toThrow(/^slice: .*out of bounds for shape \[2, 3\] \(axis 0\)/);
    expect(() => slice(x, [-1, 0])).toThrow(/^slice: .*out of bounds/);
    expect(() => slice(x, [0, 0, 0])).toThrow(/^slice: .*more axes than shape \[2, 3\]/);
  });

  it('stridedSlice with a zero stride or too many bounds', () => {
    expect(() => stridedSlice(zeros([3]), [0], [3], [0])).toThrow(ValueError);
    expect(() => stridedSlice(zeros([3]), [0], [3], [0])).toThrow(
      /^stridedSlice: stride on axis 0 must be a nonzero integer/,
    );
    expect(() => stridedSlice(zeros([3]), [0, 0], [3])).toThrow(
      /^stridedSlice: more bounds than axes/,
    );
    // Fractional bounds are not indices (Python raises TypeError); they used to read garbage.
    expect(() => stridedSlice(zeros([4]), [0.5], [3])).toThrow(ValueError);
    expect(() => stridedSlice(zeros([4]), [0.5], [3])).toThrow(
      /^stridedSlice: begin on axis 0 must be an integer, got 0.5/,
    );
    expect(() => stridedSlice(zeros([2, 4]), [0, 0], [2, Number.NaN])).toThrow(
      /^stridedSlice: end on axis 1 must be an integer/,
    );
  });

  it('concat with mismatched shapes, ranks or axis', () => {
    expect(() => concat([zeros([2, 1]), zeros([3, 1])], 1)).toThrow(ShapeError);
    expect(() => concat([zeros([2, 1]), zeros([3, 1])], 1)).toThrow(
      /^concat: shapes must match except on axis 1: \[2, 1\] vs \[3, 1\] \(input 1\)/,
    );
    expect(() => concat([zeros([2, 1]), zeros([2, 1]), zeros([2])], 0)).toThrow(
      /^concat: shapes must match.*\(input 2\)/,
    );
    expect(() => concat([zeros([2]), zeros([2])], 1)).toThrow(/^concat: axis 1 is out of range/);
    expect(() => concat([])).toThrow(/^concat: needs a non-empty array/);
  });

  it('stack with unequal shapes', () => {
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(ShapeError);
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(
      /^stack: all shapes must be equal: \[2\] vs \[3\] \(input 1\)/,
    );
  });

  it('split not divisible, or sizes that do not add up', () => {
    expect(() => split(zeros([5]), 2)).toThrow(ShapeError);
    expect(() => split(zeros([5]), 2)).toThrow(
      /^split: axis 0 of shape \[5\] \(size 5\) is not divisible into 2 parts/,
    );
    expect(() => split(zeros([5]), [1, 1])).toThrow(/^split: sizes \[1, 1\] do not add up to 5/);
    expect(() => split(zeros([5]), [-1, -1])).toThrow(
      /^split: sizes \[-1, -1\] do not add up to 5/,
    );
    expect(() => split(zeros([5]), [7, -1])).toThrow(/^split: sizes \[7, -1\]/);
  });

  it('tile, pad and broadcastTo with bad arguments', () => {
    expect(() => tile(zeros([2]), [2, 2])).toThrow(ValueError);
    expect(() => tile(zeros([2]), [2, 2])).toThrow(
      /^tile: reps \[2, 2\] must be 1 non-negative integers/,
    );
    expect(() => pad(zeros([2]), [[-1, 0]])).toThrow(/^pad: paddings/);
    expect(() => broadcastTo(zeros([2, 3]), [3, 3])).toThrow(ShapeError);
    expect(() => broadcastTo(zeros([2, 3]), [3, 3])).toThrow(/^broadcastTo: /);
    expect(() => broadcastTo(zeros([2, 3]), [3])).toThrow(
      /^broadcastTo: shape \[2, 3\] cannot be broadcast to \[3\]/,
    );
  });

  it('gather with float indices, or indices out of range', () => {
    const x = zeros([3, 2]);
    expect(() => gather(x, tensor([0, 1]))).toThrow(DTypeError);
    expect(() => gather(x, tensor([0, 1]))).toThrow(/^gather: indices must be int32, got float32/);
    expect(() => gather(x, [0.5])).toThrow(DTypeError);
    expect(() => gather(x, [0.5])).toThrow(/^gather: indices must be integers, got 0.5/);
    expect(() => gather(x, [0, 3])).toThrow(ValueError);
    expect(() => gather(x, [0, 3])).toThrow(
      /^gather: index 3 is out of range \[0, 3\) for axis 0 of shape \[3, 2\]/,
    );
    expect(() => gather(x, [-1])).toThrow(ValueError);
    expect(() => gather(x, [-1])).toThrow(/^gather: index -1 is out of range/);
    expect(() => gather(x, [2], 1)).toThrow(/^gather: index 2 is out of range \[0, 2\) for axis 1/);
    expect(() => gather(x, [0], 2)).toThrow(/^gather: axis 2 is out of range/);
  });

  it('scatterAdd with bad indices or updates', () => {
    expect(() => scatterAdd(zeros([2]), [0, 3], [3])).toThrow(
      /^scatterAdd: index 3 is out of range/,
    );
    expect(() => scatterAdd(zeros([3]), [0, 1], [3])).toThrow(ShapeError);
    expect(() => scatterAdd(zeros([3]), [0, 1], [3])).toThrow(
      /^scatterAdd: updates \[3\] do not fit \[2\]/,
    );
  });
});

describe('movement: gradients', () => {
  const g = gradCheck;
  const rv = randomValues;

  it('reshape (with -1)', () => {
    g((x) => reshape(x, [3, -1]).mul(reshape(x, [3, -1])), [rv([2, 3, 2], 1)]);
    g((x) => reshape(x, [-1]), [rv([2, 3], 2)]);
  });

  it('transpose rank 3 and 4, and the default perm', () => {
    g((x) => transpose(x, [2, 0, 1]), [rv([2, 3, 4], 3)]);
    g((x) => transpose(x, [1, 2, 0]), [rv([2, 3, 4], 4)]);
    g((x) => transpose(x, [3, 1, 0, 2]), [rv([1, 2, 3, 2], 5)]);
    g((x) => transpose(x, [2, 3, 0, 1]), [rv([2, 1, 3, 2], 6)]);
    g((x) => transpose(x), [rv([2, 3, 2], 7)]);
  });

  it('expandDims and squeeze', () => {
    g((x) => expandDims(x, 1), [rv([2, 3], 8)]);
    g((x) => expandDims(x, -1), [rv([2, 3], 9)]);
    g((x) => squeeze(x), [rv([1, 3, 1, 2], 10)]);
    g((x) => squeeze(x, 2), [rv([1, 3, 1, 2], 11)]);
  });

  it('slice', () => {
    g((x) => slice(x, [1, 0, 1], [2, -1, 2]), [rv([3, 2, 4], 12)]);
    g((x) => slice(x, [1]), [rv([4, 2], 13)]);
  });

  it('stridedSlice: positive strides', () => {
    g((x) => stridedSlice(x, [0, 1], [4, 5], [2, 2]), [rv([4, 5], 14)]);
  });

  it('stridedSlice: negative strides', () => {
    g((x) => stridedSlice(x, [3, 4], [0, 0], [-1, -2]), [rv([4, 5], 15)]);
    g((x) => stridedSlice(x, [-1], [-6], [-1]), [rv([5], 16)]);
  });

  it('stridedSlice: negative begin/end', () => {
    g((x) => stridedSlice(x, [-3, -4], [-1, -1]), [rv([4, 5], 17)]);
  });

  it('stridedSlice: clamped bounds, and fewer bounds than axes', () => {
    g((x) => stridedSlice(x, [-10, 1], [10, 100], [1, 3]), [rv([4, 5], 18)]);
    g((x) => stridedSlice(x, [100], [-100], [-2]), [rv([4, 5], 19)]);
    g((x) => stridedSlice(x, [1], [3]), [rv([3, 2, 3], 20)]);
  });

  it('stridedSlice gradient by hand: zeros where nothing was selected', () => {
    // x[4:0:-2] selects indices 4 and 2; dy = [10, 20] → grad [0, 0, 20, 0, 10]
    expectClose(
      grad((x) => stridedSlice(x, [4], [0], [-2]))(tensor([0, 1, 2, 3, 4]), [10, 20]),
      [0, 0, 20, 0, 10],
    );
  });

  it('concat of three inputs along the middle axis', () => {
    g((a, b, c) => concat([a, b, c], 1), [rv([2, 1, 3], 21), rv([2, 2, 3], 22), rv([2, 1, 3], 23)]);
    g((a, b) => concat([a, b], -1), [rv([2, 2], 24), rv([2, 3], 25)]);
  });

  it('stack', () => {
    g((a, b, c) => stack([a, b, c], 1), [rv([2, 3], 26), rv([2, 3], 27), rv([2, 3], 28)]);
    g((a, b) => stack([a, b], -1), [rv([2, 2], 29), rv([2, 2], 30)]);
  });

  it('split: equal parts and sizes with -1', () => {
    g((x) => concat(split(x, 3, 1).map((p, i) => p.mul(i + 1).reshape([-1]))), [rv([2, 6], 31)]);
    g(
      (x) => concat(split(x, [1, -1, 2], 0).map((p, i) => p.mul(i + 2).reshape([-1]))),
      [rv([6, 2], 32)],
    );
    // Only one part used: the others get zero gradient.
    expectClose(grad((x) => split(x, [1, -1])[1]!.sum())(tensor([1, 2, 3])), [0, 1, 1]);
  });

  it('tile', () => {
    g((x) => tile(x, [2, 3]), [rv([2, 3], 33)]);
    g((x) => tile(x, [2, 1, 2]), [rv([1, 3, 2], 34)]);
    // Each element appears reps = 2·3 = 6 times → gradient of the sum is 6.
    expectClose(grad((x) => tile(x, [2, 3]).sum())(tensor([[1, 2]])), [[6, 6]]);
  });

  it('pad with a nonzero value', () => {
    g(
      (x) =>
        pad(
          x,
          [
            [1, 0],
            [2, 1],
          ],
          5,
        ),
      [rv([2, 3], 35)],
    );
    g(
      (x) =>
        pad(
          x,
          [
            [0, 1],
            [1, 1],
            [0, 0],
          ],
          -2,
        ),
      [rv([2, 2, 3], 36)],
    );
  });

  it('broadcastTo', () => {
    g((x) => broadcastTo(x, [2, 3, 4]), [rv([3, 1], 37)]);
    g((x) => broadcastTo(x, [3, 2, 4]), [rv([2, 4], 38)]);
    // [1] → [2, 3]: gradient of the sum is 6
    expectClose(grad((x) => broadcastTo(x, [2, 3]).sum())(tensor([1])), [6]);
  });

  it('gather along axis 0 and 1, repeated indices, 2-D indices', () => {
    g((x) => gather(x, [3, 0, 3]), [rv([4, 3], 39)]);
    g((x) => gather(x, [1, 1, 3], 1), [rv([3, 4], 40)]);
    g(
      (x) =>
        gather(x, [
          [0, 2],
          [2, 1],
        ]),
      [rv([3, 4], 41)],
    );
    g(
      (x) =>
        gather(
          x,
          [
            [1, 0, 1],
            [1, 1, 0],
          ],
          1,
        ),
      [rv([3, 2, 2], 42)],
    );
    // Repeated indices accumulate: rows [0, 0, 2] of a [3, 2] → Σ gives [[2, 2], [0, 0], [1, 1]]
    expectClose(grad((x) => gather(x, [0, 0, 2]).sum())(zeros([3, 2])), [
      [2, 2],
      [0, 0],
      [1, 1],
    ]);
  });

  it('scatterAdd (gradient with respect to the updates)', () => {
    g((u) => scatterAdd(u, [0, 2, 0], [3, 2], 0), [rv([3, 2], 43)]);
    g((u) => scatterAdd(u, [1, 1, 0], [2, 2, 2], 1), [rv([2, 3, 2], 44)]);
    // Repeated index 0 of out [3]: dy [5, 6, 7] → updates at [0, 2, 0] get [5, 7, 5]
    expectClose(
      grad((u) => scatterAdd(u, [0, 2, 0], [3]))(tensor([1, 2, 3]), [5, 6, 7]),
      [5, 7, 5],
    );
  });
});
