import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import {
  ShapeError,
  type Tensor,
  ValueError,
  argsort,
  grad,
  mul,
  sort,
  sum,
  tensor,
  topK,
} from '../index.js';

interface Arr {
  values: (number | null)[];
  shape: number[];
}
interface GoldenCase {
  op: string;
  x: Arr;
  args: Record<string, unknown>;
  out: Arr;
  w?: Arr;
  grad?: Arr;
  indices?: Arr;
}
/** NumPy/PyTorch outputs written by scripts/sorting_golden.py (NaN stored as null). */
const golden: GoldenCase[] = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../test/fixtures/sorting_golden.json', import.meta.url)),
    'utf8',
  ),
).cases;
const f64 = (a: Arr) =>
  tensor(
    a.values.map((v) => (v === null ? Number.NaN : v)),
    a.shape,
    'float64',
  );

/** Elementwise equality within 1e-12 (relative 1e-9); null expects NaN. */
function expectValues(t: Tensor, want: Arr, what: string): void {
  expect(t.shape, `${what}: shape`).toEqual(want.shape);
  const got = Array.from(t.dataSync());
  want.values.forEach((e, i) => {
    const g = got[i]!;
    if (e === null) expect(Number.isNaN(g), `${what}[${i}] is NaN`).toBe(true);
    else if (!(Math.abs(g - e) <= 1e-12 + 1e-9 * Math.abs(e)))
      expect.fail(`${what}[${i}]: got ${g}, expected ${e}`);
  });
}

/** Runs the golden cases of `ops`: outputs, and torch's gradient of Σ w·op(x) where stored. */
function goldenCases(ops: Record<string, (x: Tensor, c: GoldenCase) => Tensor>): void {
  const cases = golden.filter((c) => c.op in ops);
  it.each(cases.map((c, i) => [`${c.op} ${JSON.stringify(c.args)} #${i}`, c] as const))(
    'matches NumPy/PyTorch: %s',
    (name, c) => {
      const fn = ops[c.op]!;
      expectValues(fn(f64(c.x), c), c.out, name);
      if (c.grad && c.w) {
        const w = f64(c.w);
        const g = grad((x: Tensor) => sum(mul(w, fn(x, c))))(f64(c.x));
        expectValues(g, c.grad, `${name} gradient`);
      }
    },
  );
}

describe('sort', () => {
  it('sorts ascending along the last axis by default, NaN last', () => {
    const y = sort(
      tensor([
        [3, 1, 2],
        [0, Number.NaN, -1],
      ]),
    );
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, -1, 0, Number.NaN]);
  });
  it('takes a negative or leading axis, and null flattens', () => {
    const x = tensor([
      [3, 1],
      [2, 5],
      [1, 4],
    ]);
    expect(sort(x, 0).arraySync()).toEqual([
      [1, 1],
      [2, 4],
      [3, 5],
    ]);
    expect(sort(x, -2).arraySync()).toEqual(sort(x, 0).arraySync());
    expect(sort(x, null).arraySync()).toEqual([1, 1, 2, 3, 4, 5]);
  });
  it('keeps int32', () => {
    const y = sort(tensor(new Int32Array([5, -2, 7, 0])));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([-2, 0, 5, 7]);
  });
  it('routes the gradient back to the source positions', () => {
    // y = [x1, x2, x0] for x = [3, 1, 2]; d Σ w·y / dx = [w2, w0, w1].
    const w = tensor([10, 20, 30]);
    const g = grad((x: Tensor) => sum(mul(w, sort(x))))(tensor([3, 1, 2]));
    expect(Array.from(g.dataSync())).toEqual([30, 10, 20]);
  });
  it('passes the float64 gradient check on both axes', () => {
    gradCheck((x) => sort(x), [randomValues([3, 5], 1)]);
    gradCheck((x) => sort(x, 0), [randomValues([4, 3], 2)]);
    gradCheck((x) => sort(x, null), [randomValues([2, 3], 3)]);
  });
  it('refuses a bad axis and a scalar, naming the op', () => {
    expect(() => sort(tensor([1, 2]), 1)).toThrow(ValueError);
    expect(() => sort(tensor([1, 2]), 1)).toThrow(/sort: axis 1 is out of range for rank 1/);
    expect(() => sort(tensor(3))).toThrow(ShapeError);
    expect(() => sort(tensor(3))).toThrow(/sort: x must have rank >= 1/);
  });
});

describe('argsort', () => {
  it('is stable, int32, NaN last', () => {
    const i = argsort(tensor([3, 1, Number.NaN, 2, 1, Number.NaN, -1]));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([6, 1, 4, 3, 0, 2, 5]);
  });
  it('works along axis 0 of a matrix (and −2)', () => {
    const x = tensor([
      [2, 0],
      [1, 0],
      [3, -1],
    ]);
    expect(argsort(x, 0).arraySync()).toEqual([
      [1, 2],
      [0, 0],
      [2, 1],
    ]);
    expect(argsort(x, -2).arraySync()).toEqual(argsort(x, 0).arraySync());
  });
  it('refuses a bad axis', () => {
    expect(() => argsort(tensor([[1, 2]]), -3)).toThrow(
      /argsort: axis -3 is out of range for rank 2/,
    );
  });
});

describe('topK', () => {
  it('returns the k largest, lower index first on ties, NaN largest', () => {
    const r = topK(tensor([1, 3, 2, 3]), 2);
    expect(Array.from(r.values.dataSync())).toEqual([3, 3]);
    expect(Array.from(r.indices.dataSync())).toEqual([1, 3]);
    expect(r.indices.dtype).toBe('int32');
    const n = topK(tensor([1, Number.NaN, 5]), 2);
    expect(Array.from(n.indices.dataSync())).toEqual([1, 2]);
  });
  it('works per row of a batch; sorted=false gives index order', () => {
    const x = tensor([
      [5, 1, 4, 2],
      [0, 9, 8, 7],
    ]);
    const r = topK(x, 3);
    expect(r.values.shape).toEqual([2, 3]);
    expect(r.values.arraySync()).toEqual([
      [5, 4, 2],
      [9, 8, 7],
    ]);
    expect(r.indices.arraySync()).toEqual([
      [0, 2, 3],
      [1, 2, 3],
    ]);
    const u = topK(tensor([1, 3, 2, 4]), 2, false);
    expect(Array.from(u.indices.dataSync())).toEqual([1, 3]);
    expect(Array.from(u.values.dataSync())).toEqual([3, 4]);
  });
  it('routes the values gradient to the selected positions', () => {
    // top 2 of [1, 3, 2, 4] are x3, x1: d Σ w·v / dx = [0, w1, 0, w0].
    const w = tensor([10, 20]);
    const g = grad((x: Tensor) => sum(mul(w, topK(x, 2).values)))(tensor([1, 3, 2, 4]));
    expect(Array.from(g.dataSync())).toEqual([0, 20, 0, 10]);
    gradCheck((x) => topK(x, 3).values, [randomValues([2, 3, 5], 4)]);
  });
  it('refuses k out of range or not an integer, and a scalar', () => {
    expect(() => topK(tensor([[1, 2, 3]]), 4)).toThrow(ValueError);
    expect(() => topK(tensor([[1, 2, 3]]), 4)).toThrow(
      'topK: k must be an integer in [0, 3] (the last axis of shape [1, 3]), got 4',
    );
    expect(() => topK(tensor([1, 2]), 1.5)).toThrow(/got 1.5/);
    expect(() => topK(tensor([1, 2]), -1)).toThrow(ValueError);
    expect(() => topK(tensor(1), 1)).toThrow(ShapeError);
  });
});

describe('golden cases', () => {
  goldenCases({
    sort: (x, c) => sort(x, c.args.axis as number | null),
    argsort: (x, c) => argsort(x, c.args.axis as number | null),
    topK: (x, c) => {
      const r = topK(x, c.args.k as number);
      expectValues(r.indices, c.indices!, 'topK indices');
      return r.values;
    },
  });
  it('covers every op', () => {
    expect(new Set(golden.map((c) => c.op)).size).toBe(11);
  });
});
