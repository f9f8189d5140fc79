import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import {
  type DType,
  DTypeError,
  Generator,
  ShapeError,
  type Tensor,
  ValueError,
  arange,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  randomNormal,
  randomUniform,
  scalar,
  setSeed,
  tensor,
  truncatedNormal,
  zeros,
  zerosLike,
} from '../index.js';

/** Sample mean and (population) standard deviation, in float64. */
function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = Array.from(t.dataSync());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describeBackends('creation', () => {
  it('zeros, ones and full: shape, dtype and values', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(z.size).toBe(6);
    expect(z.arraySync()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(ones([3], 'int32').dataSync()).toEqual(new Int32Array([1, 1, 1]));
    expect(full([2, 2], 7).arraySync()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(full([2], -1.5, 'float64').dataSync()).toEqual(new Float64Array([-1.5, -1.5]));
    expect(full([2], 1, 'bool').arraySync()).toEqual([true, true]);
    // int32 stores truncate toward zero, as NumPy's full(…, dtype=int32)
    expect(full([2], -1.7, 'int32').arraySync()).toEqual([-1, -1]);
    expect(full([], 3).shape).toEqual([]);
    expect(full([], 3).item()).toBe(3);
    expect(zeros([0, 4]).size).toBe(0);
    expect(zeros([0, 4]).arraySync()).toEqual([]);
    expect(zeros([2, 0]).arraySync()).toEqual([[], []]);
  });

  it('zerosLike and onesLike keep shape and dtype', () => {
    const x = tensor([[1, 2, 3]], undefined, 'int32');
    const z = zerosLike(x);
    const o = onesLike(x);
    expect([z.shape, z.dtype]).toEqual([[1, 3], 'int32']);
    expect(o.arraySync()).toEqual([[1, 1, 1]]);
    expect(onesLike(tensor([true])).arraySync()).toEqual([true]);
  });

  it('eye: square, rectangular, empty, dtype', () => {
    expect(eye(3).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(eye(2, 3).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(eye(3, 2).arraySync()).toEqual([
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(eye(0).shape).toEqual([0, 0]);
    expect(eye(2, 2, 'int32').dtype).toBe('int32');
    expect(eye(2, 2, 'bool').arraySync()).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('arange infers int32 for integer arguments and float32 otherwise', () => {
    const a = arange(5);
    expect(a.dtype).toBe('int32');
    expect(a.arraySync()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(2, 5).arraySync()).toEqual([2, 3, 4]);
    expect(arange(0, 10, 3).arraySync()).toEqual([0, 3, 6, 9]);
    const f = arange(1, 2, 0.25);
    expect(f.dtype).toBe('float32');
    expect(f.arraySync()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(0.5, 3).arraySync()).toEqual([0.5, 1.5, 2.5]);
    expect(arange(3, undefined, 1, 'float32').dtype).toBe('float32');
  });

  it('arange with a negative step counts down; empty ranges give shape [0]', () => {
    // NumPy: arange(5, 0, −1) = [5, 4, 3, 2, 1]; arange(0, −1, −0.25) = [0, −0.25, −0.5, −0.75]
    expect(arange(5, 0, -1).arraySync()).toEqual([5, 4, 3, 2, 1]);
    expect(arange(0, -1, -0.25).arraySync()).toEqual([0, -0.25, -0.5, -0.75]);
    expect(arange(10, 0, -4).arraySync()).toEqual([10, 6, 2]);
    for (const e of [arange(3, 3), arange(3, 1), arange(0, 5, -1), arange(0)]) {
      expect(e.shape).toEqual([0]);
      expect(e.arraySync()).toEqual([]);
    }
  });

  it('arange(0, 1, 0.1) has NumPy’s length 10 and values i·0.1', () => {
    const a = arange(0, 1, 0.1);
    expect(a.shape).toEqual([10]);
    expectClose(
      a,
      Array.from({ length: 10 }, (_, i) => i * 0.1),
      { rtol: 1e-6 },
    );
  });

  it('linspace includes both ends', () => {
    expect(linspace(0, 1, 5).arraySync()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(5, 1, 5).arraySync()).toEqual([5, 4, 3, 2, 1]);
    // The last value is exactly stop (no accumulated rounding): float32(0.3).
    const l = linspace(0, 0.3, 4);
    expect(l.dataSync()[3]).toBe(Math.fround(0.3));
    expectClose(l, [0, 0.1, 0.2, 0.3]);
    // NumPy: linspace(2, 3, 1) = [2]; num = 0 is empty.
    expect(linspace(2, 3, 1).arraySync()).toEqual([2]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    expect(linspace(0, 4, 3, 'int32').arraySync()).toEqual([0, 2, 4]);
    expect(linspace(0, 1, 3, 'float64').dtype).toBe('float64');
  });

  it('scalar makes rank-0 tensors', () => {
    const s = scalar(3);
    expect(s.shape).toEqual([]);
    expect(s.rank).toBe(0);
    expect(s.size).toBe(1);
    expect(s.item()).toBe(3);
    expect(scalar(true).dtype).toBe('bool');
    expect(scalar(2.9, 'int32').item()).toBe(2);
  });
});

describeBackends('tensor conversion and readback', () => {
  it('infers shape from nesting, rank 0 to rank 5', () => {
    const r0 = tensor(4);
    const r1 = tensor([1, 2]);
    const r2 = tensor([[1, 2, 3]]);
    const r3 = tensor([[[1], [2]]]);
    const r4 = tensor([[[[1, 2]], [[3, 4]]]]);
    const r5 = tensor([[[[[1]], [[2]]]], [[[[3]], [[4]]]]]);
    expect([r0, r1, r2, r3, r4, r5].map((t) => t.shape)).toEqual([
      [],
      [2],
      [1, 3],
      [1, 2, 1],
      [1, 2, 1, 2],
      [2, 1, 2, 1, 1],
    ]);
    expect([r0, r1, r2, r3, r4, r5].map((t) => t.rank)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r5.size).toBe(4);
    expect(r5.arraySync()).toEqual([[[[[1]], [[2]]]], [[[[3]], [[4]]]]]);
    expect(r4.dataSync()).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(r0.arraySync()).toBe(4);
  });

  it('flat values with a shape fill it row-major; one number fills any shape', () => {
    // [1..6] as [2,3]: rows [1,2,3] and [4,5,6]; as [3,2]: [1,2], [3,4], [5,6]
    expect(tensor([1, 2, 3, 4, 5, 6], [2, 3]).arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]).arraySync()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(tensor(7, [2, 2]).arraySync()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        [4],
      ).arraySync(),
    ).toEqual([1, 2, 3, 4]);
  });

  it('dtype from the values: typed arrays, booleans, numbers', () => {
    const i = tensor(new Int32Array([1, -2, 3]));
    expect(i.dtype).toBe('int32');
    expect(i.dataSync()).toBeInstanceOf(Int32Array);
    const f = tensor(new Float32Array([0.5, 1.5]));
    expect(f.dtype).toBe('float32');
    expect(f.dataSync()).toEqual(new Float32Array([0.5, 1.5]));
    // Float64Array defaults to float32 (the working type), unless float64 is asked for.
    expect(tensor(new Float64Array([0.1])).dtype).toBe('float32');
    expect(tensor(new Float64Array([0.1]), undefined, 'float64').dataSync()[0]).toBe(0.1);
    expect(tensor(new Uint8Array([1, 255])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([1, 255])).arraySync()).toEqual([1, 255]);
    const b = tensor([
      [true, false],
      [false, true],
    ]);
    expect(b.dtype).toBe('bool');
    expect(b.arraySync()).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(tensor([1, 2]).dtype).toBe('float32');
    expect(tensor([]).dtype).toBe('float32');
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('an explicit dtype converts: floats to int32 truncate, numbers to bool are ≠ 0', () => {
    expect(tensor([1.9, -1.9, 0.5], undefined, 'int32').arraySync()).toEqual([1, -1, 0]);
    expect(tensor([2, 0, -1], undefined, 'bool').arraySync()).toEqual([true, false, true]);
    expect(tensor([true, false], undefined, 'float32').arraySync()).toEqual([1, 0]);
    expect(tensor(new Int32Array([3, 0]), undefined, 'bool').arraySync()).toEqual([true, false]);
    // 0.1 in float32 is the nearest float32, not 0.1.
    expect(tensor([0.1]).dataSync()[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], undefined, 'float64').dataSync()[0]).toBe(0.1);
  });

  it('copies its input and hands out copies', () => {
    const src = new Float32Array([1, 2, 3]);
    const t = tensor(src);
    src[0] = 100;
    const d = t.dataSync();
    d[1] = 200;
    const nested = [1, 2];
    const u = tensor(nested);
    nested[0] = 50;
    expect(t.arraySync()).toEqual([1, 2, 3]);
    expect(u.arraySync()).toEqual([1, 2]);
  });

  it('data(), array(), arraySync(), dataSync() and item() agree', async () => {
    const t = tensor([
      [1.5, -2],
      [3, 4],
    ]);
    expect(await t.data()).toEqual(new Float32Array([1.5, -2, 3, 4]));
    expect(t.dataSync()).toEqual(new Float32Array([1.5, -2, 3, 4]));
    expect(await t.array()).toEqual([
      [1.5, -2],
      [3, 4],
    ]);
    expect(t.arraySync()).toEqual(await t.array());
    expect(tensor([[5]]).item()).toBe(5);
    expect(scalar(-2.5).item()).toBe(-2.5);
    expect(await tensor([true, false]).array()).toEqual([true, false]);
    expect(tensor([true]).item()).toBe(1);
    expect(await scalar(false).array()).toBe(false);
  });

  it('toString shows shape, dtype and values', () => {
    const s = tensor([
      [1, 2.5],
      [-3, 0.125],
    ]).toString();
    expect(s).toContain('shape=[2, 2]');
    expect(s).toContain('dtype=float32');
    for (const v of ['1.', '2.5', '-3.', '0.125']) expect(s).toContain(v);
    const i = tensor([7, -8], undefined, 'int32').toString();
    expect(i).toContain('dtype=int32');
    expect(i).toContain('[7, -8]');
    const b = tensor([true, false]).toString();
    expect(b).toContain('dtype=bool');
    expect(b).toContain('[true, false]');
    const r0 = scalar(4.25).toString();
    expect(r0).toContain('shape=[]');
    expect(r0).toContain('4.25');
    expect(zeros([0, 3]).toString()).toContain('shape=[0, 3]');
  });

  it('toString summarises long axes with ...', () => {
    // 100 elements: the first three, "...", the last three.
    const s = arange(100).toString();
    expect(s).toContain('shape=[100]');
    expect(s).toContain('dtype=int32');
    expect(s).toContain('[0, 1, 2, ..., 97, 98, 99]');
    expect(s).not.toContain('50');
    // A [10, 10] matrix: rows and columns both summarised.
    const m = arange(100).reshape([10, 10]).toString();
    expect(m).toContain('...');
    expect(m).toContain('[0, 1, 2, ..., 7, 8, 9]');
    expect(m).toContain('[90, 91, 92, ..., 97, 98, 99]');
    expect(m).not.toContain('[40,');
    // Six or fewer per axis are shown in full.
    expect(arange(6).toString()).toContain('[0, 1, 2, 3, 4, 5]');
    expect(arange(6).toString()).not.toContain('...');
  });
});

describe('creation errors', () => {
  it('ragged nested arrays are a ShapeError', () => {
    expect(() => tensor([[1, 2], [3]])).toThrowError(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor.*ragged/);
    expect(() => tensor([1, [2]] as unknown as number[])).toThrowError(ShapeError);
    expect(() => tensor([[1, 2], 3] as unknown as number[][])).toThrowError(ShapeError);
    expect(() => tensor([[], [1]])).toThrowError(ShapeError);
  });

  it('values and shape of different sizes are a ShapeError naming both', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrowError(ShapeError);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/tensor.*\[2, 2\].*4.*3/);
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrowError(ShapeError);
    expect(() => tensor([1, 2], [-1, -2])).toThrowError(ShapeError);
  });

  it('invalid shapes, dtypes and values', () => {
    expect(() => zeros([2, -1])).toThrowError(ShapeError);
    expect(() => zeros([2, -1])).toThrow(/^zeros: shape \[2, -1\]/);
    expect(() => ones([1.5])).toThrowError(ShapeError);
    expect(() => eye(-1)).toThrowError(ShapeError);
    expect(() => tensor([1], undefined, 'float16' as DType)).toThrowError(DTypeError);
    expect(() => zeros([2], 'complex64' as DType)).toThrow(/^zeros: unknown dtype 'complex64'/);
    // Strings make a StringTensor; a mix of strings and numbers is neither.
    expect(() => tensor(['a', 1] as unknown as number[])).toThrowError(DTypeError);
    expect(() => tensor([1, 2]).item()).toThrow(/item.*\[2\].*2 elements/);
  });

  it('arange and linspace reject bad arguments', () => {
    expect(() => arange(0, 5, 0)).toThrow(/arange.*step/);
    expect(() => arange(0, Number.POSITIVE_INFINITY)).toThrowError(ValueError);
    expect(() => arange(Number.NaN)).toThrowError(ValueError);
    expect(() => linspace(0, 1, -1)).toThrow(/linspace.*num/);
    expect(() => linspace(0, 1, 2.5)).toThrowError(ValueError);
  });
});

describeBackends('random', () => {
  it('setSeed makes randomUniform, randomNormal and truncatedNormal repeatable', () => {
    const draw = () => [
      randomUniform([5]),
      randomNormal([5]),
      truncatedNormal([5]),
      randomUniform([3], 0, 10, { dtype: 'int32' }),
    ];
    setSeed(42);
    const a = draw();
    setSeed(42);
    const b = draw();
    setSeed(43);
    const c = draw();
    a.forEach((t, i) => {
      expect(t.dataSync()).toEqual(b[i]!.dataSync());
    });
    for (let i = 0; i < 3; i++) expect(a[i]!.dataSync()).not.toEqual(c[i]!.dataSync());
    // Consecutive draws differ.
    expect(a[0]!.dataSync()).not.toEqual(randomUniform([5]).dataSync());
  });

  it('the seed option draws from a private generator and leaves the global sequence alone', () => {
    setSeed(7);
    const x1 = randomNormal([4]);
    const y1 = randomUniform([4]);
    setSeed(7);
    const p = randomNormal([3], 0, 1, { seed: 99 });
    const q = randomUniform([1000], 0, 1, { seed: 5 });
    truncatedNormal([3], 0, 1, { seed: 99 });
    const x2 = randomNormal([4]);
    const y2 = randomUniform([4]);
    expect(x2.dataSync()).toEqual(x1.dataSync());
    expect(y2.dataSync()).toEqual(y1.dataSync());
    // The same seed option gives the same numbers whatever the global state.
    setSeed(123);
    expect(randomNormal([3], 0, 1, { seed: 99 }).dataSync()).toEqual(p.dataSync());
    expect(randomUniform([1000], 0, 1, { seed: 5 }).dataSync()).toEqual(q.dataSync());
  });

  it('randomNormal: 20000 draws have mean and std within 0.03', () => {
    const s = stats(randomNormal([20000], 0, 1, { seed: 1 }));
    expect(Math.abs(s.mean)).toBeLessThan(0.03);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.03);
    // Scaled: mean 3, stddev 2 (standard error of the mean 2/√20000 ≈ 0.014).
    const t = stats(randomNormal([100, 200], 3, 2, { seed: 2 }));
    expect(Math.abs(t.mean - 3)).toBeLessThan(0.06);
    expect(Math.abs(t.std - 2)).toBeLessThan(0.06);
    expect(randomNormal([2, 3]).shape).toEqual([2, 3]);
    expect(randomNormal([2, 3]).dtype).toBe('float32');
    expect(randomNormal([2], 0, 1, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('truncatedNormal stays within 2 std, with the truncated normal’s std', () => {
    const s = stats(truncatedNormal([20000], 1, 0.5, { seed: 3 }));
    expect(s.min).toBeGreaterThanOrEqual(1 - 2 * 0.5);
    expect(s.max).toBeLessThanOrEqual(1 + 2 * 0.5);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.03);
    // Var of N(0,1) truncated to [−2, 2] = 1 − 2·2·φ(2)/(Φ(2) − Φ(−2)) = 1 − 4·0.0539910/0.9544997
    // = 0.773741, std 0.879626; scaled by 0.5 → 0.439813.
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const std = 0.5 * Math.sqrt(1 - (4 * phi2) / 0.9544997361036416);
    expect(Math.abs(s.std - std)).toBeLessThan(0.03 * 0.5);
  });

  it('randomUniform: range, mean and variance; int32 integers in [min, max)', () => {
    const s = stats(randomUniform([20000], -2, 4, { seed: 4 }));
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThan(4);
    // U(−2, 4): mean 1, std 6/√12 = 1.7320508
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(s.std - 6 / Math.sqrt(12))).toBeLessThan(0.03);
    const i = randomUniform([2000], -3, 2, { dtype: 'int32', seed: 5 });
    expect(i.dtype).toBe('int32');
    const vals = Array.from(i.dataSync());
    expect(vals.every((v) => Number.isInteger(v) && v >= -3 && v < 2)).toBe(true);
    expect(new Set(vals)).toEqual(new Set([-3, -2, -1, 0, 1]));
    const d = randomUniform([3], 0, 1, { dtype: 'float64' });
    expect(d.dtype).toBe('float64');
  });

  it('randomUniform never returns maxval, even when float32 rounding would reach it', () => {
    // With seed 30770746 the first 53-bit uniform draw is 0.99999998523…, which rounds to
    // 1 in float32 (anything above 1 − 2⁻²⁵ does).
    const y = randomUniform([1], 0, 1, { seed: 30770746 }).dataSync()[0]!;
    expect(y).toBeLessThan(1);
    expect(y).toBeGreaterThan(0.99999);
    expect(randomUniform([1], 1, 2, { seed: 30770746 }).dataSync()[0]!).toBeLessThan(2);
    expect(randomUniform([1], -2, -1, { seed: 30770746 }).dataSync()[0]!).toBeLessThan(-1);
    // minval == maxval gives that value.
    expect(randomUniform([2], 3, 3).arraySync()).toEqual([3, 3]);
  });

  it('rejects bad arguments', () => {
    expect(() => randomUniform([2], 3, 1)).toThrow(/randomUniform.*3.*1/);
    expect(() => randomUniform([2], 0, 1, { dtype: 'bool' })).toThrowError(ValueError);
    expect(() => randomNormal([2], 0, 1, { dtype: 'int32' })).toThrow(/randomNormal.*int32/);
    expect(() => truncatedNormal([2], 0, 1, { dtype: 'int32' })).toThrowError(ValueError);
    expect(() => randomNormal([-2])).toThrowError(ShapeError);
    expect(() => setSeed(Number.NaN)).toThrow(/setSeed/);
  });
});

describe('Generator', () => {
  it('is deterministic per seed and draws uniforms in [0, 1) and ints in [0, n)', () => {
    const a = new Generator(10);
    const b = new Generator(10);
    const xs = Array.from({ length: 1000 }, () => a.uniform());
    expect(Array.from({ length: 1000 }, () => b.uniform())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
    const ints = Array.from({ length: 500 }, () => a.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    a.seed(10);
    expect(a.uniform()).toBe(xs[0]);
    expect(new Generator(11).uniform()).not.toBe(xs[0]);
  });
});
