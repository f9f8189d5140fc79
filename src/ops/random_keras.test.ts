/**
 * keras.random: each distribution's moments against their closed forms (tolerances of about
 * five standard errors for the sample size), supports and edge cases, seeds that repeat and
 * SeedGenerators that advance, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { tensor } from './creation.js';
import * as random from './random_keras.js';

const N = 40000;

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: q / (v.length - 1) };
}

/** Mean and variance within about five standard errors of the expected ones. */
function expectMoments(v: ArrayLike<number>, mean: number, variance: number): void {
  const m = moments(v);
  const se = Math.sqrt(variance / v.length);
  expect(Math.abs(m.mean - mean)).toBeLessThan(5 * se + 1e-12);
  // The variance's standard error, for light tails, is about variance·√(2/n); allow 4× that.
  expect(Math.abs(m.variance - variance)).toBeLessThan(4 * variance * Math.sqrt(2 / v.length) * 3);
}

describe('keras.random', () => {
  it('normal, uniform and truncatedNormal have their moments and supports', () => {
    expectMoments(random.normal([N], { mean: 2, stddev: 3, seed: 1 }).dataSync(), 2, 9);
    const u = random.uniform([N], { minval: -1, maxval: 3, seed: 2 }).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(3);
    expectMoments(u, 1, 16 / 12);
    const t = random.truncatedNormal([N], { stddev: 2, seed: 3 }).dataSync();
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(4);
    // Variance of N(0, 1) truncated to [−2, 2]: 1 − 4φ(2)/(2Φ(2) − 1).
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    expectMoments(t, 0, 4 * (1 - (4 * phi2) / 0.9544997361036416));
    expect(random.normal([2, 3], { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('repeats with an integer seed; a SeedGenerator advances and restarts from its seed', () => {
    const a = random.normal([5], { seed: 7 }).dataSync();
    expect(random.normal([5], { seed: 7 }).dataSync()).toEqual(a);
    const sg = new random.SeedGenerator(11);
    const first = random.uniform([5], { seed: sg }).dataSync();
    const second = random.uniform([5], { seed: sg }).dataSync();
    expect(second).not.toEqual(first);
    const again = new random.SeedGenerator(11);
    expect(random.uniform([5], { seed: again }).dataSync()).toEqual(first);
    expect(random.uniform([5], { seed: again }).dataSync()).toEqual(second);
  });

  it('randint covers [minval, maxval) uniformly, in int32', () => {
    const r = random.randint([N], -2, 3, { seed: 4 });
    expect(r.dtype).toBe('int32');
    const v = r.dataSync();
    const counts = new Map<number, number>();
    for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((p, q) => p - q)).toEqual([-2, -1, 0, 1, 2]);
    for (const c of counts.values()) expect(Math.abs(c / N - 0.2)).toBeLessThan(0.01);
  });

  it('shuffle permutes slices along an axis', () => {
    const x = tensor(
      Float32Array.from({ length: 24 }, (_, i) => i),
      [4, 6],
    );
    const s = random.shuffle(x, { axis: 1, seed: 5 });
    expect(s.shape).toEqual([4, 6]);
    const rows = s.arraySync() as number[][];
    // Every row is permuted the same way: row r is r·6 + the same permutation.
    const perm = rows[0]!;
    expect([...perm].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5]);
    rows.forEach((row, r) => expect(row).toEqual(perm.map((p) => p + 6 * r)));
    expect(random.shuffle(x, { axis: 1, seed: 5 }).arraySync()).toEqual(rows);
    const v = random.shuffle(tensor([1, 2, 3, 4, 5, 6, 7, 8]), { seed: 6 }).dataSync();
    expect([...v].sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('categorical draws classes with softmax frequencies and never a −∞ class', () => {
    const logits = tensor([
      [0, Math.log(3), Number.NEGATIVE_INFINITY],
      [5, 5, 5],
    ]);
    const s = random.categorical(logits, 20000, { seed: 8 });
    expect(s.shape).toEqual([2, 20000]);
    expect(s.dtype).toBe('int32');
    const v = s.dataSync();
    const freq = (row: number, c: number) => {
      let k = 0;
      for (let i = 0; i < 20000; i++) if (v[row * 20000 + i] === c) k++;
      return k / 20000;
    };
    expect(Math.abs(freq(0, 1) - 0.75)).toBeLessThan(0.02);
    expect(freq(0, 2)).toBe(0);
    for (let c = 0; c < 3; c++) expect(Math.abs(freq(1, c) - 1 / 3)).toBeLessThan(0.02);
  });

  it('dropout zeroes about rate of the elements and scales the rest; noiseShape shares', () => {
    const x = tensor(new Float32Array(N).fill(2));
    const y = random.dropout(x, 0.3, { seed: 9 }).dataSync();
    const zeros = y.filter((v) => v === 0).length / N;
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.015);
    for (const v of y) if (v !== 0) expect(v).toBeCloseTo(2 / 0.7, 5);
    const m = random
      .dropout(tensor(new Float32Array(200).fill(1), [50, 4]), 0.5, {
        noiseShape: [1, 4],
        seed: 10,
      })
      .arraySync() as number[][];
    for (const row of m) expect(row).toEqual(m[0]);
  });

  it('gamma, beta and binomial have their moments', () => {
    for (const a of [0.5, 3]) expectMoments(random.gamma([N], a, { seed: 12 }).dataSync(), a, a);
    const [a, b] = [2, 5];
    const bv = random.beta([N], a, b, { seed: 13 }).dataSync();
    expect(Math.min(...bv)).toBeGreaterThan(0);
    expect(Math.max(...bv)).toBeLessThan(1);
    expectMoments(bv, a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)));
    for (const [n, p] of [
      [10, 0.3],
      [200, 0.8],
    ] as const)
      expectMoments(random.binomial([N], n, p, { seed: 14 }).dataSync(), n * p, n * p * (1 - p));
    const edges = random.binomial([4], tensor([0, 5, 5, 7]), tensor([0.5, 0, 1, 1])).dataSync();
    expect(Array.from(edges)).toEqual([0, 0, 5, 7]);
  });

  it('refuses bad arguments with typed errors naming the function', () => {
    expect(() => random.normal([2, -1])).toThrow(ShapeError);
    expect(() => random.normal([2], { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => random.uniform([2], { minval: 1, maxval: 0 })).toThrow(/random.uniform/);
    expect(() => random.randint([2], 3, 3)).toThrow(ValueError);
    expect(() => random.gamma([2], 0)).toThrow(/random.gamma: alpha must be a positive/);
    expect(() => random.binomial([2], 1.5, 0.5)).toThrow(/counts must be non-negative integers/);
    expect(() => random.binomial([2], 3, 1.5)).toThrow(/probabilities must be in \[0, 1\]/);
    expect(() => random.dropout(tensor([1, 2]), 1)).toThrow(/rate must be in \[0, 1\)/);
    expect(() => random.dropout(tensor([1, 2]), 0.5, { noiseShape: [3] })).toThrow(ShapeError);
    expect(() => random.categorical(tensor([1, 2]), 3)).toThrow(
      /logits must be \[batch, classes\]/,
    );
    expect(() => random.shuffle(tensor(3))).toThrow(/at least one axis/);
    expect(() => random.normal([1], { seed: Number.NaN })).toThrow(/seed must be/);
  });
});
