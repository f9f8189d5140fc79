/**
 * HashedCrossing against Keras 3.15.1: Keras's layer needs TensorFlow (`tf.sparse.cross_hashed`),
 * absent where the fixture is made, so its goldens are the expected values of Keras's own
 * hashed_crossing_test.py (kept in the fixture by scripts/layers_extra14_golden.py); shapes,
 * one-hot, config, symbolic use, the layer harness and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { fingerprint64 } from '../../ops/farmhash.js';
import { deserialize } from '../../serialization.js';
import { stringTensor } from '../../tensor/string_tensor.js';
import type { Tensor } from '../../tensor/tensor.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import { HashedCrossing, fingerprintCat64 } from './hashed_crossing.js';

interface CrossCase {
  name: string;
  num_bins: number;
  inputs: (string | number)[][] | (string | number)[];
  output: number[] | number;
}
const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/layers_extra14_golden.json', import.meta.url),
    'utf8',
  ),
) as { hashed_crossing: CrossCase[] };

const feat = (v: unknown): unknown =>
  typeof v === 'string' || (Array.isArray(v) && typeof v[0] === 'string')
    ? stringTensor(v as string[])
    : tensor(v as number[], undefined, 'int32');
const vals = (y: Tensor) => Array.from(y.dataSync(), Number);

describe('HashedCrossing (Keras expected values)', () => {
  for (const c of golden.hashed_crossing) {
    it(c.name, () => {
      const y = new HashedCrossing({ numBins: c.num_bins }).apply(
        (c.inputs as unknown[]).map(feat) as Tensor[],
      );
      expect(y.dtype).toBe('int32');
      if (Array.isArray(c.output)) {
        expect(y.shape).toEqual([c.output.length]);
        expect(vals(y)).toEqual(c.output);
      } else {
        expect(y.shape).toEqual([]);
        expect(vals(y)).toEqual([c.output]);
      }
    });
  }
  it("one_hot of [batch] and [batch, 1] inputs (Keras's test values)", () => {
    const c = golden.hashed_crossing[0]!;
    const want = (c.output as number[]).flatMap((b) =>
      Array.from({ length: 5 }, (_, j) => (j === b ? 1 : 0)),
    );
    const l = new HashedCrossing({ numBins: 5, outputMode: 'one_hot' });
    const y = l.apply((c.inputs as unknown[]).map(feat) as Tensor[]);
    expect(y.shape).toEqual([5, 5]);
    expect(y.dtype).toBe('float32');
    expect(vals(y)).toEqual(want);
    const col = (c.inputs as (string | number)[][]).map((v) =>
      typeof v[0] === 'string'
        ? stringTensor((v as string[]).map((s) => [s]))
        : tensor(v as number[], [v.length, 1], 'int32'),
    );
    const y2 = l.apply(col as Tensor[]);
    expect(y2.shape).toEqual([5, 5]);
    expect(vals(y2)).toEqual(want);
    const y3 = new HashedCrossing({ numBins: 5 }).apply(col as Tensor[]);
    expect(y3.shape).toEqual([5, 1]);
    expect(vals(y3)).toEqual(c.output);
  });
  it('order matters, three features cross, negative integers hash as int64', () => {
    const a = stringTensor(['x', 'y']);
    const b = tensor([-1, 7], undefined, 'int32');
    const l = new HashedCrossing({ numBins: 1000 });
    const ab = vals(l.apply([a, b] as Tensor[]));
    const ba = vals(l.apply([b, a] as Tensor[]));
    expect(ab).not.toEqual(ba);
    // By hand: h = FingerprintCat64(FingerprintCat64(key, fp('x')), 2^64 − 1).
    const h = fingerprintCat64(
      fingerprintCat64(0xdecafcaffen, fingerprint64('x')),
      (1n << 64n) - 1n,
    );
    expect(ab[0]).toBe(Number(h % 1000n));
    const abc = vals(l.apply([a, b, stringTensor(['z', 'z'])] as Tensor[]));
    expect(abc).toHaveLength(2);
    expect(abc).not.toEqual(ab);
  });
});

describe('HashedCrossing layer checks', () => {
  const noGrad = { gradCheck: false, compiledCheck: false, trainingStep: false } as const;
  it('runLayerTest: int and one_hot', async () => {
    const inputs = [stringTensor(['A', 'B', 'C']), tensor([1, 2, 3], undefined, 'int32')];
    await runLayerTest({
      cls: HashedCrossing,
      args: { numBins: 4 },
      inputValues: inputs,
      expectedOutputShape: [3],
      expectedNumWeights: 0,
      ...noGrad,
    });
    await runLayerTest({
      cls: HashedCrossing,
      args: { numBins: 4, outputMode: 'one_hot' },
      inputValues: inputs,
      expectedOutputShape: [3, 4],
      ...noGrad,
    });
  });
  it('config (Keras keys) round trip, symbolic shapes and dtypes', () => {
    const l = new HashedCrossing({ numBins: 7, outputMode: 'one_hot' });
    const cfg = l.getConfig();
    expect(cfg).toMatchObject({ numBins: 7, outputMode: 'one_hot', sparse: false });
    const back = deserialize<Layer>('layer', { className: 'HashedCrossing', config: cfg });
    expect(back.getConfig()).toEqual(cfg);
    const s1 = input({ shape: [1], dtype: 'string' });
    const s2 = input({ shape: [1], dtype: 'int32' });
    const y = l.apply([s1, s2]);
    expect(y.shape).toEqual([null, 7]);
    expect(y.dtype).toBe('float32');
    const yi = new HashedCrossing({ numBins: 7 }).apply([s1, s2]);
    expect(yi.shape).toEqual([null, 1]);
    expect(yi.dtype).toBe('int32');
  });
  it('typed errors name the layer', () => {
    expect(() => new HashedCrossing({ numBins: 0 })).toThrow(/hashed_crossing.*numBins/);
    expect(() => new HashedCrossing({ numBins: 3, outputMode: 'count' as never })).toThrow(
      ValueError,
    );
    expect(() => new HashedCrossing({ numBins: 3, sparse: true })).toThrow(/sparse/);
    const l = new HashedCrossing({ numBins: 3 });
    expect(() => l.apply(tensor([1, 2], undefined, 'int32'))).toThrow(/list of inputs/);
    expect(() => l.apply([tensor([1, 2], undefined, 'int32')])).toThrow(/at least two/);
    expect(() => l.apply([tensor([1.5, 2]), tensor([1.5, 2])])).toThrow(/integers or strings/);
    expect(() =>
      l.apply([tensor([[1, 2]], undefined, 'int32'), tensor([[1, 2]], undefined, 'int32')]),
    ).toThrow(ShapeError);
    expect(() =>
      l.apply([tensor([1, 2], undefined, 'int32'), tensor([1, 2, 3], undefined, 'int32')]),
    ).toThrow(/same shape/);
  });
});
