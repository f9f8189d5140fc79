import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import {
  DTypeError,
  ShapeError,
  type Tensor,
  ValueError,
  flip,
  grad,
  mul,
  repeat,
  roll,
  sum,
  takeAlongAxis,
  tensor,
  tril,
  triu,
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

const m = () =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

describe('flip', () => {
  it('reverses one axis, a list, or all', () => {
    expect(flip(m(), 1).arraySync()).toEqual([
      [3, 2, 1],
      [6, 5, 4],
    ]);
    expect(flip(m(), -2).arraySync()).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(flip(m()).arraySync()).toEqual([
      [6, 5, 4],
      [3, 2, 1],
    ]);
    expect(flip(m(), [0, 1]).arraySync()).toEqual(flip(m()).arraySync());
  });
  it('passes the float64 gradient check and refuses a bad axis', () => {
    gradCheck((t) => flip(t, 1), [randomValues([2, 3, 4], 1)]);
    gradCheck((t) => flip(t), [randomValues([3, 2], 2)]);
    expect(() => flip(m(), 2)).toThrow(ValueError);
    expect(() => flip(m(), 2)).toThrow('flip: axis 2 is out of range for rank 2');
  });
});

describe('roll', () => {
  it('rolls along an axis, the flattened tensor, or several axes', () => {
    expect(Array.from(roll(tensor([1, 2, 3, 4]), 1).dataSync())).toEqual([4, 1, 2, 3]);
    expect(Array.from(roll(tensor([1, 2, 3, 4]), -5).dataSync())).toEqual([2, 3, 4, 1]);
    expect(roll(m(), 1).arraySync()).toEqual([
      [6, 1, 2],
      [3, 4, 5],
    ]);
    expect(roll(m(), 1, -1).arraySync()).toEqual([
      [3, 1, 2],
      [6, 4, 5],
    ]);
    expect(roll(m(), [1, 1], [0, 1]).arraySync()).toEqual([
      [6, 4, 5],
      [3, 1, 2],
    ]);
    // Two shifts on one axis add up.
    expect(roll(m(), [1, 1], 1).arraySync()).toEqual(roll(m(), 2, 1).arraySync());
  });
  it('passes the float64 gradient check', () => {
    gradCheck((t) => roll(t, 2, 1), [randomValues([2, 5], 3)]);
    gradCheck((t) => roll(t, -1), [randomValues([2, 3], 4)]);
  });
  it('refuses mismatched shifts and axes, a bad axis, a fractional shift', () => {
    expect(() => roll(m(), [1, 2, 3], [0, 1])).toThrow(ValueError);
    expect(() => roll(m(), [1, 2, 3], [0, 1])).toThrow(/roll: shift \[1, 2, 3\] and axis \[0, 1\]/);
    expect(() => roll(m(), 1, 3)).toThrow('roll: axis 3 is out of range for rank 2');
    expect(() => roll(m(), 0.5)).toThrow(/roll: shift must be an integer/);
  });
});

describe('repeat', () => {
  it('repeats elements (not the whole tensor), per element counts, flattened by default', () => {
    expect(Array.from(repeat(tensor([1, 2]), 2).dataSync())).toEqual([1, 1, 2, 2]);
    expect(repeat(m(), 2).shape).toEqual([12]);
    expect(repeat(m(), [2, 0, 1], -1).arraySync()).toEqual([
      [1, 1, 3],
      [4, 4, 6],
    ]);
    expect(repeat(m(), 0, 0).shape).toEqual([0, 3]);
  });
  it('sums the gradient over the copies', () => {
    // y = [x0, x0, x0, x1] for repeats [3, 1]: d Σ w·y / dx = [w0 + w1 + w2, w3].
    const w = tensor([1, 10, 100, 1000]);
    const g = grad((t: Tensor) => sum(mul(w, repeat(t, [3, 1]))))(tensor([7, 8]));
    expect(Array.from(g.dataSync())).toEqual([111, 1000]);
    gradCheck((t) => repeat(t, [1, 3, 2], 1), [randomValues([2, 3], 5)]);
    gradCheck((t) => repeat(t, 2), [randomValues([2, 2], 6)]);
  });
  it('refuses negative or fractional counts and a wrong number of counts', () => {
    expect(() => repeat(m(), -1, 0)).toThrow(ValueError);
    expect(() => repeat(m(), [1, 2], 1)).toThrow(ShapeError);
    expect(() => repeat(m(), [1, 2], 1)).toThrow(
      'repeat: repeats must have 1 or 3 entries (axis 1 of shape [2, 3]), got 2',
    );
    expect(() => repeat(m(), 1.5)).toThrow(/repeat: repeats must be non-negative integers/);
    expect(() => repeat(m(), 1, -3)).toThrow('repeat: axis -3 is out of range for rank 2');
  });
});

describe('triu / tril', () => {
  const sq = () =>
    tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  it('keeps the band of diagonal k', () => {
    expect(triu(sq()).arraySync()).toEqual([
      [1, 2, 3],
      [0, 5, 6],
      [0, 0, 9],
    ]);
    expect(triu(sq(), 1).arraySync()).toEqual([
      [0, 2, 3],
      [0, 0, 6],
      [0, 0, 0],
    ]);
    expect(tril(sq()).arraySync()).toEqual([
      [1, 0, 0],
      [4, 5, 0],
      [7, 8, 9],
    ]);
    expect(tril(sq(), -1).arraySync()).toEqual([
      [0, 0, 0],
      [4, 0, 0],
      [7, 8, 0],
    ]);
    expect(tril(m(), 5).arraySync()).toEqual(m().arraySync());
  });
  it('works on a batch and zeroes NaN outside the band', () => {
    const b = triu(tensor([Number.NaN, 1, Number.NaN, 2, 3, 4, 5, 6], [2, 2, 2]));
    expect(Array.from(b.dataSync())).toEqual([Number.NaN, 1, 0, 2, 3, 4, 0, 6]);
  });
  it('passes the float64 gradient check', () => {
    gradCheck((t) => triu(t, -1), [randomValues([2, 3, 4], 7)]);
    gradCheck((t) => tril(t, 1), [randomValues([4, 3], 8)]);
  });
  it('refuses rank < 2 and a fractional k', () => {
    expect(() => triu(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => triu(tensor([1, 2]))).toThrow(
      'triu: x must have rank >= 2 (a matrix or a batch of them), got shape [2]',
    );
    expect(() => tril(m(), 0.5)).toThrow('tril: k must be an integer, got 0.5');
  });
});

describe('takeAlongAxis', () => {
  it('takes per-line indices, negatives from the end', () => {
    expect(
      takeAlongAxis(
        m(),
        [
          [2, 0],
          [-1, 1],
        ],
        1,
      ).arraySync(),
    ).toEqual([
      [3, 1],
      [6, 5],
    ]);
    expect(takeAlongAxis(m(), [[1, 0, 1]], 0).arraySync()).toEqual([[4, 2, 6]]);
    expect(takeAlongAxis(m(), [[1, 0, 1]], -2).arraySync()).toEqual([[4, 2, 6]]);
    expect(Array.from(takeAlongAxis(m(), [5, 0], null).dataSync())).toEqual([6, 1]);
  });
  it('broadcasts the other axes between x and indices', () => {
    // indices [1, 2] on axis 1 broadcast over the 2 rows of x.
    expect(takeAlongAxis(m(), tensor([[2, 0]], undefined, 'int32'), 1).arraySync()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    // x [1, 3] broadcast over 2 rows of indices.
    expect(takeAlongAxis(tensor([[7, 8, 9]]), [[0], [2]], 1).arraySync()).toEqual([[7], [9]]);
  });
  it('scatter-adds its gradient (repeated indices add)', () => {
    const w = tensor([
      [1, 10, 100],
      [1, 10, 100],
    ]);
    const idx = [
      [0, 0, 2],
      [1, 1, 1],
    ];
    const g = grad((t: Tensor) => sum(mul(w, takeAlongAxis(t, idx, 1))))(m());
    expect(g.arraySync()).toEqual([
      [11, 0, 100],
      [0, 111, 0],
    ]);
    gradCheck(
      (t) =>
        takeAlongAxis(
          t,
          [
            [3, 0, -1],
            [1, 1, 2],
          ],
          1,
        ),
      [randomValues([2, 4], 9)],
    );
    gradCheck((t) => takeAlongAxis(t, [[1, 0, 1, 1]], 0), [randomValues([2, 4], 10)]);
  });
  it('refuses float indices, a wrong rank and out-of-range indices', () => {
    expect(() => takeAlongAxis(m(), tensor([[0.0]]), 1)).toThrow(DTypeError);
    expect(() => takeAlongAxis(m(), tensor([[0.0]]), 1)).toThrow(
      'takeAlongAxis: indices must be an int32 tensor, got float32',
    );
    expect(() => takeAlongAxis(m(), [[0.5]], 1)).toThrow(
      'takeAlongAxis: indices must be integers, got 0.5',
    );
    expect(() => takeAlongAxis(m(), [0, 1], 1)).toThrow(ShapeError);
    expect(() => takeAlongAxis(m(), [0, 1], 1)).toThrow(
      'takeAlongAxis: indices must have the rank of x (2), got shape [2] for x [2, 3]',
    );
    expect(() => takeAlongAxis(m(), [[3]], 1)).toThrow(
      /takeAlongAxis: indices must lie in \[-3, 3\) for axis 1/,
    );
    expect(() => takeAlongAxis(m(), [[-4]], 1)).toThrow(
      /takeAlongAxis: indices must lie in \[-3, 3\)/,
    );
    expect(() => takeAlongAxis(m(), [[0], [1], [0]], 1)).toThrow(ShapeError);
    expect(() => takeAlongAxis(m(), [[0]], 2)).toThrow(
      'takeAlongAxis: axis 2 is out of range for rank 2',
    );
  });
});

describe('golden cases', () => {
  goldenCases({
    flip: (x, c) => flip(x, c.args.axis as number | number[] | null),
    roll: (x, c) =>
      roll(x, c.args.shift as number | number[], c.args.axis as number | number[] | null),
    repeat: (x, c) => repeat(x, c.args.repeats as number | number[], c.args.axis as number | null),
    triu: (x, c) => triu(x, c.args.k as number),
    tril: (x, c) => tril(x, c.args.k as number),
    takeAlongAxis: (x, c) =>
      takeAlongAxis(
        x,
        tensor(c.indices!.values as number[], c.indices!.shape, 'int32'),
        c.args.axis as number,
      ),
  });
});
