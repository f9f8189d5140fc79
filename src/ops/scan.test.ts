import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import {
  ShapeError,
  type Tensor,
  ValueError,
  cumprod,
  cumsum,
  grad,
  mul,
  sum,
  tensor,
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

describe('cumsum', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it('sums along an axis (negative too); no axis flattens', () => {
    expect(cumsum(x, 0).arraySync()).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    expect(cumsum(x, 1).arraySync()).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(cumsum(x, -1).arraySync()).toEqual(cumsum(x, 1).arraySync());
    expect(cumsum(x).arraySync()).toEqual([1, 3, 6, 10, 15, 21]);
    expect(cumsum(x, null).shape).toEqual([6]);
  });
  it('handles lengths that are not powers of two, int32 and bool', () => {
    const v = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(Array.from(cumsum(tensor(v)).dataSync())).toEqual(
      v.map((_, i) => ((i + 1) * (i + 2)) / 2),
    );
    const i = cumsum(tensor(new Int32Array([3, -1, 4])));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([3, 2, 6]);
    const b = cumsum(tensor([true, false, true]));
    expect(b.dtype).toBe('int32');
    expect(Array.from(b.dataSync())).toEqual([1, 1, 2]);
  });
  it('has the reverse cumulative sum as its gradient', () => {
    // d Σ w·cumsum(x) / dx_k = Σ_{i ≥ k} w_i.
    const w = tensor([1, 10, 100, 1000]);
    const g = grad((t: Tensor) => sum(mul(w, cumsum(t))))(tensor([5, 6, 7, 8]));
    expect(Array.from(g.dataSync())).toEqual([1111, 1110, 1100, 1000]);
    gradCheck((t) => cumsum(t, 1), [randomValues([3, 7], 1)]);
    gradCheck((t) => cumsum(t, 0), [randomValues([5, 2], 2)]);
    gradCheck((t) => cumsum(t), [randomValues([2, 3], 3)]);
  });
  it('refuses a bad axis and an axis on a scalar, naming the op', () => {
    expect(() => cumsum(x, 2)).toThrow(ValueError);
    expect(() => cumsum(x, 2)).toThrow('cumsum: axis 2 is out of range for rank 2');
    expect(() => cumsum(tensor(3), 0)).toThrow(ShapeError);
    expect(() => cumsum(tensor(3), 0)).toThrow(/cumsum: x must have rank >= 1/);
  });
});

describe('cumprod', () => {
  it('multiplies along an axis; no axis flattens', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(cumprod(x, 0).arraySync()).toEqual([
      [1, 2, 3],
      [4, 10, 18],
    ]);
    expect(cumprod(x, -1).arraySync()).toEqual([
      [1, 2, 6],
      [4, 20, 120],
    ]);
    expect(cumprod(x).arraySync()).toEqual([1, 2, 6, 24, 120, 720]);
  });
  it('has the exact gradient where x holds zeros', () => {
    // x = [2, 0, 3, 4], y = [2, 0, 0, 0]; d Σ w·y / dx_k = Σ_{i ≥ k} w_i Π_{j ≤ i, j ≠ k} x_j:
    //   dx0 = w0 + w1·0 + … = 1;  dx1 = w1·2 + w2·2·3 + w3·2·3·4 = 20 + 600 + 24000 = 24620;
    //   dx2 = dx3 = 0 (every product keeps x1 = 0).
    const w = tensor([1, 10, 100, 1000], undefined, 'float64');
    const g = grad((t: Tensor) => sum(mul(w, cumprod(t))))(
      tensor([2, 0, 3, 4], undefined, 'float64'),
    );
    expect(Array.from(g.dataSync())).toEqual([1, 24620, 0, 0]);
    // Two zeros: nothing reaches any x through a product holding the other zero.
    const g2 = grad((t: Tensor) => sum(cumprod(t)))(tensor([0, 5, 0, 2], undefined, 'float64'));
    expect(Array.from(g2.dataSync())).toEqual([6, 0, 0, 0]);
  });
  it('passes the float64 gradient check, zeros included', () => {
    gradCheck((t) => cumprod(t, 1), [randomValues([3, 6], 4)]);
    gradCheck(
      (t) => cumprod(t, 0),
      [{ values: [1.5, 0, -2, 0, 0.5, 3, 0.7, -1.2], shape: [4, 2] }],
    );
    gradCheck((t) => cumprod(t), [{ values: [0.9, 0, 1.1, -0.8, 0, 1.3], shape: [2, 3] }]);
  });
  it('refuses a bad axis', () => {
    expect(() => cumprod(tensor([1, 2]), -2)).toThrow(
      'cumprod: axis -2 is out of range for rank 1',
    );
  });
});

describe('golden cases', () => {
  goldenCases({
    cumsum: (x, c) => cumsum(x, c.args.axis as number | null),
    cumprod: (x, c) => cumprod(x, c.args.axis as number | null),
  });
});
