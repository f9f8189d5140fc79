/**
 * Normalization and CategoryEncoding against real Keras 3 (golden JSON from
 * scripts/preprocessing_numeric_golden.py), through the Keras-style layer harness, and on
 * bad input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { Dataset } from '../../data/dataset.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { Sequential } from '../../models/sequential.js';
import { tensor } from '../../ops/creation.js';
import { deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dense } from '../dense.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import { CategoryEncoding, Discretization, Normalization } from './numeric.js';

const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/preprocessing_numeric_golden.json', import.meta.url),
    'utf8',
  ),
);
type NormCase = {
  name: string;
  kwargs: Record<string, unknown>;
  x: number[][];
  out: number[][];
  weights: unknown[];
  weight_names: string[];
  config: Record<string, unknown>;
};
const normCase = (name: string) =>
  (golden.normalization as NormCase[]).find((c) => c.name === name)!;
const argsOf = (kw: Record<string, unknown>) => ({ ...kw });

describe('Normalization (Keras golden)', () => {
  for (const c of golden.normalization as NormCase[]) {
    if (c.name === 'adapt_concat') continue;
    it(`${c.name}: the output, weights and config Keras gives`, async () => {
      const layer = new Normalization(argsOf(c.kwargs) as never);
      const x = tensor(c.x);
      if (c.kwargs.mean === undefined) await layer.adapt(x);
      expectClose(layer.apply(x) as Tensor, c.out, { atol: 1e-5, rtol: 1e-4 });
      expect(layer.weights.map((w) => w.weightName)).toEqual(c.weight_names);
      layer.weights.forEach((w, i) =>
        expectClose(w.value(), c.weights[i] as never, { atol: 1e-5, rtol: 1e-5 }),
      );
      const cfg = layer.getConfig();
      expect({
        axis: cfg.axis,
        invert: cfg.invert,
        mean: cfg.mean,
        variance: cfg.variance,
      }).toEqual({
        axis: c.config.axis ?? [],
        invert: c.config.invert,
        mean: c.config.mean,
        variance: c.config.variance,
      });
    });
  }

  it('adapt streamed over a dataset’s batches equals Keras’s adapt on all of them at once', async () => {
    const c = normCase('adapt_concat');
    const batches = (golden.batches as number[][][]).map((b) => tensor(b));
    const layer = new Normalization();
    await layer.adapt(Dataset.from(batches));
    expectClose(layer.adaptMean!.value(), c.weights[0] as never, { atol: 1e-5, rtol: 1e-5 });
    expectClose(layer.adaptVariance!.value(), c.weights[1] as never, { atol: 1e-5, rtol: 1e-5 });
    expectClose(layer.apply(batches[0]!) as Tensor, c.out, { atol: 1e-5, rtol: 1e-4 });
    // [x, y] batches adapt on x.
    const layer2 = new Normalization();
    await layer2.adapt(Dataset.from(batches.map((b) => [b, tensor([1])])));
    expectClose(layer2.adaptMean!.value(), c.weights[0] as never, { atol: 1e-5, rtol: 1e-5 });
  });

  it('passes the layer harness (fixed statistics, then adapted and trained inside a model)', async () => {
    runLayerTest({
      cls: Normalization as never,
      args: { mean: [1, 2, 3], variance: [4, 1, 0.25] },
      inputShape: [4, 3],
      expectedOutputShape: [4, 3],
      expectedNumWeights: 0,
    });
    runLayerTest({
      make: (a) => new Normalization(a as never),
      args: { axis: -1 },
      inputShape: [4, 3],
      expectedOutputShape: [4, 3],
      expectedNumWeights: 3,
      expectedNumTrainableWeights: 0,
      expectedNumNonTrainableWeights: 3,
      expectedWeightShapes: [[3], [3], []],
      trainingStep: false,
    });
    // Adapted, then trained in front of a Dense: the statistics do not move.
    const norm = new Normalization({ inputShape: [3] });
    const x = tensor(normCase('adapt_last_axis').x);
    await norm.adapt(x);
    const before = norm.adaptMean!.value().dataSync().slice();
    const m = new Sequential({ layers: [norm, new Dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit(x, tensor([[1], [2], [3], [4], [5], [6]]), { epochs: 2, verbose: 0 });
    expect(norm.adaptMean!.value().dataSync()).toEqual(before);
    const restored = deserialize<Layer>('layer', {
      className: 'Normalization',
      config: norm.getConfig(),
    });
    expect((restored as Normalization).axis).toEqual([-1]);
  });

  it('refuses half-given statistics, out-of-range axes, empty data and batches of another shape', async () => {
    expect(() => new Normalization({ mean: 1 })).toThrow(
      /give both mean and variance, or neither .* got only mean/,
    );
    expect(() => new Normalization({ axis: 3 }).apply(tensor([[1, 2]]))).toThrow(
      /axis 3 is out of range for inputs of rank 2/,
    );
    await expect(new Normalization().adapt(Dataset.from([]))).rejects.toThrow(
      /the data has no samples/,
    );
    const n = new Normalization();
    await expect(n.adapt(Dataset.from([tensor([[1, 2]]), tensor([[1, 2, 3]])]))).rejects.toThrow(
      /a batch has shape \[1, 3\], but the layer was built for \[1, 2\]/,
    );
    await expect(new Normalization({ mean: 0, variance: 1 }).adapt(tensor([[1]]))).rejects.toThrow(
      /nothing to learn/,
    );
  });
});

describe('CategoryEncoding (Keras golden)', () => {
  type EncCase = {
    mode: string;
    name: string;
    x: number[] | number[][];
    count_weights?: number[][];
    out: unknown;
  };
  for (const c of golden.category_encoding as EncCase[]) {
    it(`${c.mode} on ${c.name} inputs`, () => {
      const layer = new CategoryEncoding({ numTokens: 4, outputMode: c.mode as never });
      const x = tensor(c.x, undefined, 'int32');
      const out = layer.apply(
        x,
        c.count_weights ? ({ countWeights: c.count_weights } as never) : undefined,
      ) as Tensor;
      expectClose(out, c.out as never, { atol: 1e-6 });
      expect(layer.computeOutputShape(x.shape)).toEqual(out.shape);
    });
  }

  it('passes the layer harness and names out-of-range ids and wrong options', () => {
    runLayerTest({
      cls: CategoryEncoding as never,
      args: { numTokens: 10, outputMode: 'count' },
      inputShape: [3, 5],
      inputDType: 'int32',
      expectedOutputShape: [3, 10],
      expectedNumWeights: 0,
      gradCheck: false,
      trainingStep: false,
    });
    const enc = new CategoryEncoding({ numTokens: 3 });
    expect(() => enc.apply(tensor([[0, 3]], undefined, 'int32'))).toThrow(
      /category_encoding(_\d+)? \(CategoryEncoding\): value 3 is out of range \[0, 3\) \(numTokens 3\)/,
    );
    expect(() => new CategoryEncoding({ numTokens: 0 })).toThrow(
      /numTokens must be an integer ≥ 1, got 0/,
    );
    expect(() => new CategoryEncoding({ numTokens: 2, outputMode: 'tf_idf' as never })).toThrow(
      /outputMode must be/,
    );
    expect(() => enc.apply(tensor([[[0]]], undefined, 'int32'))).toThrow(/rank at most 2/);
    expect(() =>
      enc.apply(tensor([[0]], undefined, 'int32'), { countWeights: [[1]] } as never),
    ).toThrow(/countWeights applies only to outputMode 'count'/);
  });
});

describe('Discretization (Keras golden)', () => {
  type DiscCase = {
    name: string;
    kwargs: Record<string, unknown>;
    x: number[][];
    out: unknown;
    adapt?: number[] | number[][];
    batches?: number[][];
    boundaries?: number[];
  };
  const camel = (kw: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(kw).map(([k, v]) => [
        k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
        v,
      ]),
    );
  for (const c of golden.discretization as DiscCase[]) {
    it(`${c.name}: Keras's boundaries and buckets`, async () => {
      const layer = new Discretization(camel(c.kwargs) as never);
      if (c.adapt) await layer.adapt(tensor(c.adapt as never));
      if (c.batches) await layer.adapt(Dataset.from(c.batches.map((b) => tensor(b))));
      if (c.boundaries) {
        expect(layer.binBoundaries).toHaveLength(c.boundaries.length);
        layer.binBoundaries!.forEach((b, i) => expect(b).toBeCloseTo(c.boundaries![i]!, 5));
      }
      const out = layer.apply(tensor(c.x)) as Tensor;
      expect(out.arraySync()).toEqual(c.out);
      expect(layer.computeOutputShape([2, 4])).toEqual(out.shape);
    });
  }

  it('passes the layer harness, round-trips its config, and refuses bad options', () => {
    runLayerTest({
      cls: Discretization as never,
      args: { binBoundaries: [-0.5, 0, 0.5] },
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
      expectedNumWeights: 0,
      gradCheck: false,
      trainingStep: false,
    });
    expect(() => new Discretization({})).toThrow(/give binBoundaries or numBins/);
    expect(() => new Discretization({ binBoundaries: [1], numBins: 2 })).toThrow(/not both/);
    expect(() => new Discretization({ binBoundaries: [2, 1] })).toThrow(/finite and increasing/);
    expect(() => new Discretization({ numBins: 3 }).apply(tensor([1]))).toThrow(
      /call adapt\(\) before/,
    );
  });
});

describe('Discretization saved after adapt', () => {
  it('round-trips its learnt boundaries through the config and a .keras file (Keras writes both keys)', async () => {
    const d = new Discretization({ numBins: 3, name: 'disc' });
    await d.adapt(tensor([[1, 2, 3, 4, 5, 6]]));
    const x = tensor([[0.5, 2.5, 4.5, 7]]);
    const again = deserialize<Layer>('layer', {
      className: 'Discretization',
      config: JSON.parse(JSON.stringify(d.getConfig())),
    }) as Discretization;
    expect(again.binBoundaries).toEqual(d.binBoundaries);
    expect((again.apply(x) as Tensor).arraySync()).toEqual((d.apply(x) as Tensor).arraySync());
    const m = new Sequential([input({ shape: [4] }), d]);
    const back = await loadModelFromBytes(await modelToKerasBytes(m));
    expect((back.predict(x) as Tensor).arraySync()).toEqual((m.predict(x) as Tensor).arraySync());
    expect(() =>
      deserialize<Layer>('layer', {
        className: 'Discretization',
        config: { ...d.getConfig(), binBoundaries: [3, 1] },
      }),
    ).toThrow(/finite and increasing/);
  });
});
