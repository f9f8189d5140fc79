import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import {
  BaseBackend,
  type DType,
  type DataHandle,
  JsBackend,
  type TypedArray,
  logSoftmax,
  logSumExp,
  registerBackend,
  softmax,
  tensor,
} from '../index.js';

/**
 * A backend that has only the primitives (delegated to the js reference backend) and inherits
 * BaseBackend's composite defaults for softmax, logSoftmax and logSumExp — whatever the js
 * backend itself may override.
 */
class PrimitivesOnly extends BaseBackend {
  readonly name = 'base-defaults';
  private readonly js = new JsBackend();
  supportsDType(d: DType): boolean {
    return this.js.supportsDType(d);
  }
  fromArray(...a: Parameters<JsBackend['fromArray']>) {
    return this.js.fromArray(...a);
  }
  read(...a: Parameters<JsBackend['read']>) {
    return this.js.read(...a);
  }
  override readSync(...a: Parameters<JsBackend['readSync']>) {
    return this.js.readSync(...a);
  }
  fill(...a: Parameters<JsBackend['fill']>) {
    return this.js.fill(...a);
  }
  cast(...a: Parameters<JsBackend['cast']>) {
    return this.js.cast(...a);
  }
  unary(...a: Parameters<JsBackend['unary']>) {
    return this.js.unary(...a);
  }
  binary(...a: Parameters<JsBackend['binary']>) {
    return this.js.binary(...a);
  }
  where(...a: Parameters<JsBackend['where']>) {
    return this.js.where(...a);
  }
  clip(...a: Parameters<JsBackend['clip']>) {
    return this.js.clip(...a);
  }
  reduce(...a: Parameters<JsBackend['reduce']>) {
    return this.js.reduce(...a);
  }
  argReduce(...a: Parameters<JsBackend['argReduce']>) {
    return this.js.argReduce(...a);
  }
  matmul(...a: Parameters<JsBackend['matmul']>) {
    return this.js.matmul(...a);
  }
  transpose(...a: Parameters<JsBackend['transpose']>) {
    return this.js.transpose(...a);
  }
  broadcastTo(...a: Parameters<JsBackend['broadcastTo']>) {
    return this.js.broadcastTo(...a);
  }
  slice(...a: Parameters<JsBackend['slice']>) {
    return this.js.slice(...a);
  }
  concat(...a: Parameters<JsBackend['concat']>) {
    return this.js.concat(...a);
  }
  pad(...a: Parameters<JsBackend['pad']>) {
    return this.js.pad(...a);
  }
  gather(...a: Parameters<JsBackend['gather']>) {
    return this.js.gather(...a);
  }
  scatterAdd(...a: Parameters<JsBackend['scatterAdd']>) {
    return this.js.scatterAdd(...a);
  }
  oneHot(...a: Parameters<JsBackend['oneHot']>) {
    return this.js.oneHot(...a);
  }
}

// Registered before describeBackends runs, so the op-level suites below run on it too.
registerBackend('base-defaults', () => new PrimitivesOnly(), -1);

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randomArray(n: number, seed: number, lo = -3, hi = 3): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Groups of flat positions that share every index except those on `axes`, in output order. */
function groupsOf(shape: readonly number[], axes: readonly number[]): number[][] {
  const outDims = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const gs: number[][] = Array.from({ length: sizeOf(outDims) }, () => []);
  for (let flat = 0; flat < sizeOf(shape); flat++) {
    let rem = flat;
    let o = 0;
    let mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!axes.includes(d)) o += i * mul;
      mul *= outDims[d]!;
    }
    gs[o]!.push(flat);
  }
  return gs;
}

/** softmax by the textbook formula exp(xᵢ)/Σexp(xⱼ), for small |x| only (no shift). */
function naiveSoftmax(v: ArrayLike<number>, shape: readonly number[], axis: number): number[] {
  const out = new Array<number>(v.length);
  for (const g of groupsOf(shape, [axis])) {
    const s = g.reduce((a, p) => a + Math.exp(v[p]!), 0);
    for (const p of g) out[p] = Math.exp(v[p]!) / s;
  }
  return out;
}

/** log softmax as xᵢ − log Σ exp(xⱼ), for small |x| only. */
function naiveLogSoftmax(v: ArrayLike<number>, shape: readonly number[], axis: number): number[] {
  const out = new Array<number>(v.length);
  for (const g of groupsOf(shape, [axis])) {
    const ls = Math.log(g.reduce((a, p) => a + Math.exp(v[p]!), 0));
    for (const p of g) out[p] = v[p]! - ls;
  }
  return out;
}

/** log Σ exp over `axes`, textbook formula, for small |x| only. */
function naiveLogSumExp(
  v: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
): number[] {
  return groupsOf(shape, axes).map((g) => Math.log(g.reduce((a, p) => a + Math.exp(v[p]!), 0)));
}

const prims = new PrimitivesOnly();
const js = new JsBackend();

function handle(b: BaseBackend, values: readonly number[], dtype: DType): DataHandle {
  return b.fromArray(
    dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values),
    dtype,
  );
}

function read(b: BaseBackend, h: DataHandle, dtype: DType, size: number): TypedArray {
  return b.readSync!(h, dtype, size);
}

describe('BaseBackend composite defaults, called directly', () => {
  it('PrimitivesOnly really uses the BaseBackend defaults', () => {
    expect(PrimitivesOnly.prototype.softmax).toBe(BaseBackend.prototype.softmax);
    expect(PrimitivesOnly.prototype.logSoftmax).toBe(BaseBackend.prototype.logSoftmax);
    expect(PrimitivesOnly.prototype.logSumExp).toBe(BaseBackend.prototype.logSumExp);
  });

  const shape = [3, 4, 5];
  const vals = randomArray(60, 11);

  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 1e-5, atol: 1e-6 };
    // Reference inputs rounded to the dtype, so float32 rounding of x is not counted as error.
    const xs = dtype === 'float64' ? vals : Array.from(Float32Array.from(vals));

    for (const axis of [0, 1, 2]) {
      it(`softmax over axis ${axis} of [3, 4, 5] (${dtype}) matches exp(x)/Σexp(x)`, () => {
        const h = prims.softmax(handle(prims, xs, dtype), shape, axis, dtype);
        const out = read(prims, h, dtype, 60);
        expect(out).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
        expectClose(out, naiveSoftmax(xs, shape, axis), tol);
      });

      it(`logSoftmax over axis ${axis} of [3, 4, 5] (${dtype}) matches x − log Σexp(x)`, () => {
        const h = prims.logSoftmax(handle(prims, xs, dtype), shape, axis, dtype);
        expectClose(read(prims, h, dtype, 60), naiveLogSoftmax(xs, shape, axis), tol);
      });
    }

    for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], []]) {
      it(`logSumExp over ${JSON.stringify(axes)} of [3, 4, 5] (${dtype}) matches log Σexp(x)`, () => {
        const h = prims.logSumExp(handle(prims, xs, dtype), shape, axes, dtype);
        const expected = naiveLogSumExp(xs, shape, axes);
        expectClose(read(prims, h, dtype, expected.length), expected, tol);
      });
    }
  }

  it('softmax of large inputs is finite and shift-invariant', () => {
    // softmax([1000, 1001, 1002]) = softmax([0, 1, 2]) = [1, e, e²]/(1 + e + e²); exp(1000) overflows.
    const d = 1 + Math.E + Math.E ** 2;
    const expected = [1 / d, Math.E / d, Math.E ** 2 / d];
    for (const dtype of ['float32', 'float64'] as const) {
      const h = prims.softmax(
        handle(prims, [1000, 1001, 1002, -1000, -1000, -1000], dtype),
        [2, 3],
        1,
        dtype,
      );
      expectClose(read(prims, h, dtype, 6), [...expected, 1 / 3, 1 / 3, 1 / 3], { rtol: 1e-6 });
    }
  });

  it('logSoftmax of large inputs', () => {
    // [1000, 0]: log(e¹⁰⁰⁰/(e¹⁰⁰⁰ + 1)) = −log1p(e⁻¹⁰⁰⁰) = −0 (to double precision); 0 − 1000 − that = −1000
    // [−1000, −1000]: each −log 2
    const h = prims.logSoftmax(
      handle(prims, [1000, 0, -1000, -1000], 'float64'),
      [2, 2],
      1,
      'float64',
    );
    expectClose(read(prims, h, 'float64', 4), [0, -1000, -Math.LN2, -Math.LN2], {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });

  it('logSumExp of large inputs: m + log Σ exp(x − m)', () => {
    // [1000, 1000] → 1000 + log 2; [1000, 1] → 1000 + log1p(e⁻⁹⁹⁹) = 1000; [−1000, −1000] → −1000 + log 2
    // [1000, 1000, 1000, 1000] over both axes of [2, 2] → 1000 + log 4
    const expected = [1000 + Math.LN2, 1000, -1000 + Math.LN2];
    for (const dtype of ['float32', 'float64'] as const) {
      const h = prims.logSumExp(
        handle(prims, [1000, 1000, 1000, 1, -1000, -1000], dtype),
        [3, 2],
        [1],
        dtype,
      );
      expectClose(read(prims, h, dtype, 3), expected, { rtol: 1e-6 });
      const h2 = prims.logSumExp(
        handle(prims, [1000, 1000, 1000, 1000], dtype),
        [2, 2],
        [0, 1],
        dtype,
      );
      expectClose(read(prims, h2, dtype, 1), [1000 + Math.log(4)], { rtol: 1e-6 });
    }
  });

  it('logSumExp with ±Infinity rows', () => {
    const inf = Number.POSITIVE_INFINITY;
    const rows = [
      [-inf, -inf, -inf], // Σ exp = 0 → log 0 = −∞ (not NaN)
      [inf, 1, 2], // Σ exp = ∞ → +∞
      [-inf, 0, 0], // e⁰ + e⁰ = 2 → log 2
      [inf, -inf, 0], // +∞
      [inf, inf, inf], // +∞ (not NaN)
      [1000, -inf, 1000], // 1000 + log 2
      [-inf, -inf, 7], // 7
      [Number.NaN, 1, 2], // NaN propagates
    ];
    const expected = [-inf, inf, Math.LN2, inf, inf, 1000 + Math.LN2, 7, Number.NaN];
    for (const dtype of ['float32', 'float64'] as const) {
      const h = prims.logSumExp(handle(prims, rows.flat(), dtype), [8, 3], [1], dtype);
      expectClose(read(prims, h, dtype, 8), expected, { rtol: 1e-6 });
      // The same rows as columns: reduce over axis 0 of the transpose.
      const cols = rows[0]!.flatMap((_, j) => rows.map((r) => r[j]!));
      const hc = prims.logSumExp(handle(prims, cols, dtype), [3, 8], [0], dtype);
      expectClose(read(prims, hc, dtype, 8), expected, { rtol: 1e-6 });
    }
  });

  it('logSumExp of an empty axis is −∞ (log of an empty sum)', () => {
    const h = prims.logSumExp(handle(prims, [], 'float32'), [2, 0], [1], 'float32');
    expectClose(read(prims, h, 'float32', 2), [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('the js backend agrees with the defaults (it may override them)', () => {
    const shape2 = [4, 6];
    const v = [...randomArray(20, 12), 1000, -1000, Number.NEGATIVE_INFINITY, 5];
    for (const dtype of ['float32', 'float64'] as const) {
      for (const axis of [0, 1]) {
        expectClose(
          read(js, js.softmax(handle(js, v, dtype), shape2, axis, dtype), dtype, 24),
          read(prims, prims.softmax(handle(prims, v, dtype), shape2, axis, dtype), dtype, 24),
        );
        expectClose(
          read(js, js.logSoftmax(handle(js, v, dtype), shape2, axis, dtype), dtype, 24),
          read(prims, prims.logSoftmax(handle(prims, v, dtype), shape2, axis, dtype), dtype, 24),
        );
      }
      for (const axes of [[0], [1], [0, 1]]) {
        const n = axes.length === 2 ? 1 : shape2[1 - axes[0]!]!;
        expectClose(
          read(js, js.logSumExp(handle(js, v, dtype), shape2, axes, dtype), dtype, n),
          read(prims, prims.logSumExp(handle(prims, v, dtype), shape2, axes, dtype), dtype, n),
        );
      }
    }
  });

  it('identities: softmax rows sum to 1, exp(logSoftmax) = softmax, x − logSoftmax = logSumExp', () => {
    const shape2 = [3, 5];
    const v = randomArray(15, 13, -20, 20);
    const sm = read(
      prims,
      prims.softmax(handle(prims, v, 'float64'), shape2, 1, 'float64'),
      'float64',
      15,
    );
    const lsm = read(
      prims,
      prims.logSoftmax(handle(prims, v, 'float64'), shape2, 1, 'float64'),
      'float64',
      15,
    );
    const lse = read(
      prims,
      prims.logSumExp(handle(prims, v, 'float64'), shape2, [1], 'float64'),
      'float64',
      3,
    );
    for (let r = 0; r < 3; r++) {
      let s = 0;
      for (let c = 0; c < 5; c++) s += sm[r * 5 + c]!;
      expect(s).toBeCloseTo(1, 12);
    }
    expectClose(Array.from(lsm, Math.exp), sm, { rtol: 1e-12, atol: 1e-15 });
    expectClose(
      v.map((x, i) => x - lsm[i]!),
      v.map((_, i) => lse[Math.floor(i / 5)]!),
      { rtol: 1e-12, atol: 1e-12 },
    );
  });
});

describeBackends('softmax, logSoftmax, logSumExp ops', () => {
  it('hand values', () => {
    // softmax([1, 1]) = [0.5, 0.5]; logSoftmax([0, 0]) = [−log 2, −log 2]; logSumExp([0, 0]) = log 2
    expectClose(softmax(tensor([[1, 1]])), [[0.5, 0.5]]);
    expectClose(logSoftmax(tensor([[0, 0]])), [[-Math.LN2, -Math.LN2]]);
    expectClose(logSumExp(tensor([0, 0])), Math.LN2);
    // softmax([0, ln 3]) = [1, 3]/4
    expectClose(softmax(tensor([0, Math.log(3)])), [0.25, 0.75]);
  });

  it('softmax and logSoftmax default to the last axis and accept others', () => {
    const shape = [2, 3, 4];
    const v = randomArray(24, 21);
    const x = tensor(v, shape);
    const xs = Array.from(x.dataSync());
    expectClose(softmax(x), naiveSoftmax(xs, shape, 2));
    expectClose(softmax(x, 0), naiveSoftmax(xs, shape, 0));
    expectClose(softmax(x, -2), naiveSoftmax(xs, shape, 1));
    expectClose(logSoftmax(x), naiveLogSoftmax(xs, shape, 2));
    expectClose(logSoftmax(x, 1), naiveLogSoftmax(xs, shape, 1));
    expect(softmax(x, 1).shape).toEqual(shape);
  });

  it('logSumExp over [0, 2] with keepDims, and of int32 input', () => {
    const shape = [2, 3, 4];
    const x = tensor(randomArray(24, 22), shape);
    const y = logSumExp(x, [0, 2], true);
    expect(y.shape).toEqual([1, 3, 1]);
    expectClose(y.dataSync(), naiveLogSumExp(Array.from(x.dataSync()), shape, [0, 2]));
    const yi = logSumExp(tensor([1, 1], undefined, 'int32'));
    expect(yi.dtype).toBe('float32');
    expectClose(yi, 1 + Math.LN2);
  });

  it('large and infinite inputs through the ops', () => {
    const inf = Number.POSITIVE_INFINITY;
    expectClose(
      logSumExp(
        tensor([
          [1000, 1000],
          [-inf, -inf],
          [inf, 0],
        ]),
        1,
      ),
      [1000 + Math.LN2, -inf, inf],
      { rtol: 1e-6 },
    );
    const s = softmax(tensor([1000, 1001, 1002]));
    const d = 1 + Math.E + Math.E ** 2;
    expectClose(s, [1 / d, Math.E / d, Math.E ** 2 / d], { rtol: 1e-6 });
    expectClose(logSoftmax(tensor([1000, 0])), [0, -1000], { rtol: 1e-6, atol: 1e-4 });
  });
});

describe('softmax, logSoftmax, logSumExp: TensorFlow.js as an oracle', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('random [4, 7] with an offset of 500', () => {
    const v = randomArray(28, 31, 495, 505);
    const x = tensor(v, [4, 7]);
    const tx = tf.tensor(v, [4, 7]);
    expectClose(softmax(x), tf.softmax(tx).dataSync(), { rtol: 1e-5, atol: 1e-7 });
    expectClose(logSoftmax(x), tf.logSoftmax(tx).dataSync(), { rtol: 1e-5, atol: 1e-5 });
    expectClose(logSumExp(x, 1), tf.logSumExp(tx, 1).dataSync(), { rtol: 1e-6 });
    expectClose(logSumExp(x, 0), tf.logSumExp(tx, 0).dataSync(), { rtol: 1e-6 });
  });
});

describe('softmax and logSoftmax: gradients', () => {
  for (const axis of [0, 1, -1]) {
    it(`softmax over axis ${axis}`, () => {
      gradCheck((x) => softmax(x, axis), [randomValues([3, 4], 51)]);
    });
    it(`logSoftmax over axis ${axis}`, () => {
      gradCheck((x) => logSoftmax(x, axis), [randomValues([3, 4], 52)]);
    });
  }
});

describe('BaseBackend recurrent gates in primitives (no host reads) match the js loops', () => {
  const base = new PrimitivesOnly();
  const js = new JsBackend();
  const [B, u] = [3, 5];
  const arr = (n: number, seed: number, dtype: DType) => {
    const v = randomArray(n, seed, -2, 2);
    return dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v);
  };
  const vals = (b: BaseBackend, h: DataHandle, dtype: DType, n: number) =>
    Array.from(b.readSync!(h, dtype, n));
  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
    const h = (b: BaseBackend, v: TypedArray) => b.fromArray(v, dtype);
    it(`lstmCell and lstmCellGrad (${dtype})`, () => {
      const z = arr(B * 4 * u, 1, dtype);
      const c = arr(B * u, 2, dtype);
      const dhc = arr(B * 2 * u, 3, dtype);
      const hcJ = js.lstmCell(h(js, z), h(js, c), B, u, dtype);
      const hcB = base.lstmCell(h(base, z), h(base, c), B, u, dtype);
      expectClose(vals(base, hcB, dtype, B * 2 * u), vals(js, hcJ, dtype, B * 2 * u), tol);
      const hcv = js.readSync(hcJ, dtype, B * 2 * u);
      const gJ = js.lstmCellGrad(h(js, z), h(js, c), h(js, hcv), h(js, dhc), B, u, dtype);
      const gB = base.lstmCellGrad(h(base, z), h(base, c), h(base, hcv), h(base, dhc), B, u, dtype);
      expectClose(vals(base, gB[0], dtype, B * 4 * u), vals(js, gJ[0], dtype, B * 4 * u), tol);
      expectClose(vals(base, gB[1], dtype, B * u), vals(js, gJ[1], dtype, B * u), tol);
    });
    it(`gruCell and gruCellGrad (${dtype})`, () => {
      const x = arr(B * 3 * u, 4, dtype);
      const r = arr(B * 3 * u, 5, dtype);
      const hv = arr(B * u, 6, dtype);
      const dy = arr(B * u, 7, dtype);
      const yJ = js.gruCell(h(js, x), h(js, r), h(js, hv), B, u, dtype);
      const yB = base.gruCell(h(base, x), h(base, r), h(base, hv), B, u, dtype);
      expectClose(vals(base, yB, dtype, B * u), vals(js, yJ, dtype, B * u), tol);
      const gJ = js.gruCellGrad(h(js, x), h(js, r), h(js, hv), h(js, dy), B, u, dtype);
      const gB = base.gruCellGrad(h(base, x), h(base, r), h(base, hv), h(base, dy), B, u, dtype);
      const sizes = [B * 3 * u, B * 3 * u, B * u];
      gB.forEach((g, i) =>
        expectClose(vals(base, g, dtype, sizes[i]!), vals(js, gJ[i]!, dtype, sizes[i]!), tol),
      );
    });
  }
  it('they never read data back (readSync is not called)', () => {
    let reads = 0;
    const spy = new (class extends PrimitivesOnly {
      override readSync(...a: Parameters<JsBackend['readSync']>) {
        reads++;
        return super.readSync(...a);
      }
    })();
    const f = (n: number, s: number) =>
      spy.fromArray(Float32Array.from(randomArray(n, s)), 'float32');
    spy.lstmCell(f(B * 4 * u, 1), f(B * u, 2), B, u, 'float32');
    spy.lstmCellGrad(
      f(B * 4 * u, 1),
      f(B * u, 2),
      f(B * 2 * u, 3),
      f(B * 2 * u, 4),
      B,
      u,
      'float32',
    );
    spy.gruCell(f(B * 3 * u, 5), f(B * 3 * u, 6), f(B * u, 7), B, u, 'float32');
    spy.gruCellGrad(f(B * 3 * u, 5), f(B * 3 * u, 6), f(B * u, 7), f(B * u, 8), B, u, 'float32');
    expect(reads).toBe(0);
  });
});
