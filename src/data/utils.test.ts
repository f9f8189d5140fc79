/**
 * Keras's data utilities against real Keras 3 (golden JSON from scripts/data_utils_golden.py)
 * and hand-derived cases for splitDataset (Keras's needs tf.data) and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';
import { normalize, padSequences, splitDataset, toCategorical } from './utils.js';

const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/data_utils_golden.json', import.meta.url), 'utf8'),
);

describe('padSequences (Keras golden)', () => {
  for (const c of golden.pad as { kwargs: Record<string, unknown>; out: number[][] }[]) {
    it(`matches Keras for ${JSON.stringify(c.kwargs)}`, () => {
      const out = padSequences(golden.seqs, c.kwargs as never);
      expect(out.dtype).toBe('int32');
      expect(out.arraySync()).toEqual(c.out);
    });
  }
  it('pads float sequences as float32', () => {
    const out = padSequences([[0.5, 1.5], [2.5]], { dtype: 'float32', maxlen: 3 });
    expect(out.arraySync()).toEqual(golden.float_pad);
  });
  it('refuses bad options and non-numeric values with the argument named', () => {
    expect(() => padSequences([[1]], { padding: 'middle' as never })).toThrow(
      /padSequences: padding must be 'pre' or 'post'/,
    );
    expect(() => padSequences([[1, Number.NaN]])).toThrow(/sequences\[0\]\[1\] is NaN/);
    expect(() => padSequences([3 as never])).toThrow(/sequences\[0\] is not an array/);
    expect(padSequences([[1, 2]], { maxlen: 0 }).shape).toEqual([1, 0]);
  });
});

describe('toCategorical (Keras golden)', () => {
  for (const c of golden.categorical as {
    y: unknown;
    num_classes: number | null;
    out: unknown;
    shape: number[];
  }[]) {
    it(`matches Keras for y=${JSON.stringify(c.y)}, numClasses=${c.num_classes}`, () => {
      const out = toCategorical(c.y as never, c.num_classes ?? undefined);
      expect(out.shape).toEqual(c.shape);
      expect(out.dtype).toBe('float32');
      expect(out.arraySync()).toEqual(c.out);
    });
  }
  it('names an out-of-range or negative label', () => {
    expect(() => toCategorical([0, 3], 3)).toThrow(/label 3 is out of range for numClasses 3/);
    expect(() => toCategorical([0, -1])).toThrow(/label -1 at index 1/);
  });
});

describe('normalize (Keras golden)', () => {
  for (const c of golden.normalize as { axis: number; order: 1 | 2; out: number[][] }[]) {
    it(`matches Keras for axis ${c.axis}, order ${c.order}`, () => {
      expectClose(normalize(golden.x, c.axis, c.order), c.out, { atol: 1e-6 });
    });
  }
  it('normalizes columns along axis 0 (by hand: column norms √10, √20, 2)', () => {
    const s = [Math.sqrt(10), Math.sqrt(20), 2];
    expectClose(
      normalize(golden.x, 0),
      (golden.x as number[][]).map((r) => r.map((v, j) => v / s[j]!)),
      { atol: 1e-6 },
    );
  });
});

describe('splitDataset', () => {
  const values = async (d: Dataset) =>
    (await d.toArray()).map((e) => (e as Tensor[]).map((t) => t.dataSync()[0]));

  it('splits tensors by fraction (rounded half to even as Keras) or count, in order', async () => {
    const x = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const y = tensor([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const [a, b] = await splitDataset([x, y], { leftSize: 0.8 });
    expect(await values(a)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, i + 10]));
    expect(await values(b)).toEqual([8, 9].map((i) => [i, i + 10]));
    // 0.25 × 10 = 2.5 rounds to 2 (half to even), so the left gets the other 8.
    const [c, d] = await splitDataset([x, y], { rightSize: 0.25 });
    expect((await c.toArray()).length).toBe(8);
    expect((await d.toArray()).length).toBe(2);
    // Both given: the middle is left out.
    const [e, f] = await splitDataset([x, y], { leftSize: 3, rightSize: 2 });
    expect((await values(e)).map((r) => r[0])).toEqual([0, 1, 2]);
    expect((await values(f)).map((r) => r[0])).toEqual([8, 9]);
  });

  it('shuffles with a seed reproducibly and keeps every element once', async () => {
    const ds = Dataset.range(20).map((t) => [t]);
    const [a, b] = await splitDataset(ds, { leftSize: 0.5, shuffle: true, seed: 4 });
    const [a2] = await splitDataset(ds, { leftSize: 0.5, shuffle: true, seed: 4 });
    const left = (await values(a)).map((r) => r[0]!);
    expect((await values(a2)).map((r) => r[0])).toEqual(left);
    const all = [...left, ...(await values(b)).map((r) => r[0]!)].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(left).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('refuses sizes Keras refuses', async () => {
    const x = tensor([1, 2, 3, 4]);
    await expect(splitDataset(x, {})).rejects.toThrow(/give leftSize or rightSize/);
    await expect(splitDataset(x, { leftSize: 4 })).rejects.toThrow(/must be a count in \(0, 4\)/);
    await expect(splitDataset(x, { leftSize: 1.5 })).rejects.toThrow(
      /must be a fraction in \(0, 1\)/,
    );
    await expect(splitDataset(x, { leftSize: 0.6, rightSize: 0.6 })).rejects.toThrow(/at most 1/);
    await expect(splitDataset(x, { leftSize: 0.1 })).rejects.toThrow(/left split would be empty/);
    await expect(splitDataset(Dataset.range(3).repeat(), { leftSize: 1 })).rejects.toThrow(
      /infinite/,
    );
  });
});
