/**
 * PReLU, Identity, AlphaDropout and ActivityRegularization: the layer harness, Keras 3's own
 * outputs, losses and configs (scripts/layers13_golden.py → test/fixtures/layers13_golden.json,
 * real Keras 3.15.1 on its numpy backend), `.keras` round trips, and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { READ, WRITE } from '../../test/helpers/keras_config_context.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Json, JsonObject } from '../io/keras_config/json.js';
import { layerConfigToKeras, layerFromKeras } from '../io/keras_config/layers.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { ActivityRegularization, AlphaDropout, Identity, PReLU } from './activation_extra.js';
import { Dense } from './dense.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';

interface GArr {
  shape: number[];
  data: number[];
}
interface GCase {
  label: string;
  className: string;
  input: GArr;
  weights: (GArr & { name: string; trainable: boolean })[];
  output: GArr;
  config: JsonObject;
  losses?: number[];
}
const GOLDEN = JSON.parse(
  readFileSync(new URL('../../test/fixtures/layers13_golden.json', import.meta.url), 'utf8'),
) as {
  cases: GCase[];
  alphaDropoutTraining: {
    rate: number;
    inputMean: number;
    inputVar: number;
    outputMean: number;
    outputVar: number;
  };
};

/** Deep equality of JSON values, numbers to float32 precision (Keras keeps some as float32). */
function expectJsonClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(
      Math.abs(actual - expected) <= 1e-7 * Math.max(1, Math.abs(expected)),
      `${path}: ${actual} vs ${expected}`,
    ).toBe(true);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectJsonClose((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    const a = actual as Record<string, unknown>;
    expect(Object.keys(a).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const k of Object.keys(expected))
      expectJsonClose(a[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

/**
 * One golden case: the layer is made from Keras's config by the project's converter, given
 * Keras's weights, and must reproduce Keras's output; its config converted back must equal
 * Keras's `get_config()`. Returns the largest absolute difference of the outputs.
 */
function checkGolden(c: GCase): { layer: Layer; maxDiff: number } {
  const layer = layerFromKeras(
    { module: 'keras.layers', class_name: c.className, config: c.config as Json },
    c.label,
    READ,
  );
  const x = tensor(c.input.data, c.input.shape);
  layer.apply(x);
  expect(
    layer.weights.map((w) => [w.name.split('/').at(-1), [...w.shape]]),
    `${c.label}: weight names and shapes`,
  ).toEqual(c.weights.map((w) => [w.name, w.shape]));
  layer.setWeights(c.weights.map((w) => tensor(w.data, w.shape)));
  const y = layer.apply(x) as Tensor;
  expect([...y.shape], `${c.label}: output shape`).toEqual(c.output.shape);
  expectClose(y, c.output.data, { rtol: 1e-5, atol: 1e-5 });
  expectJsonClose(layerConfigToKeras(layer, WRITE), c.config, c.label);
  const got = y.dataSync();
  return {
    layer,
    maxDiff: c.output.data.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]!)), 0),
  };
}

function goldenFor(cls: string): GCase[] {
  const cs = GOLDEN.cases.filter((c) => c.className === cls);
  expect(cs.length).toBeGreaterThan(0);
  return cs;
}

/** A .keras round trip of a small Sequential ending with `layer`: same config and output. */
async function keraRoundTrip(layer: Layer, inputShape: number[]): Promise<void> {
  const m = new Sequential({ layers: [layer] });
  const x = randomUniform([2, ...inputShape], -2, 2, { seed: 3 });
  m.apply(x);
  for (const w of layer.trainableWeights) {
    w.assign(randomUniform([...w.shape], 0.5, 1.5, { seed: 9 }));
  }
  const y = m.apply(x);
  const m2 = await loadModelFromBytes(await modelToKerasBytes(m));
  const l2 = m2.layers.at(-1)!;
  expect(l2.className).toBe(layer.className);
  // The Sequential's input layer takes the batch input shape; the rest of the config is kept.
  const { batchInputShape: _, ...want } = layer.getConfig();
  expect(l2.getConfig()).toEqual(want);
  expect(Array.from(m2.apply(x).dataSync())).toEqual(Array.from(y.dataSync()));
}

describe('PReLU', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: PReLU,
      args: { alphaInitializer: 'randomUniform' },
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
      expectedNumWeights: 1,
      expectedNumTrainableWeights: 1,
      expectedWeightShapes: [[4]],
    });
    runLayerTest({
      cls: PReLU,
      args: { sharedAxes: [1, 2], alphaInitializer: 'randomUniform' },
      inputShape: [2, 3, 2, 4],
      expectedOutputShape: [2, 3, 2, 4],
      expectedWeightShapes: [[1, 1, 4]],
    });
  });

  it("matches Keras's outputs, weights, configs and regularizer loss", () => {
    let worst = 0;
    for (const c of goldenFor('PReLU')) {
      const { layer, maxDiff } = checkGolden(c);
      worst = Math.max(worst, maxDiff);
      if (c.losses)
        expectClose(
          layer.losses.map((l) => l.item()),
          c.losses,
          { rtol: 1e-5 },
        );
    }
    if (process.env.LAYERS13_REPORT) console.info(`PReLU: largest |Tessera - Keras| ${worst}`);
  });

  it('takes a None batch and unknown shared axes symbolically', () => {
    const l = new PReLU({ sharedAxes: 1 });
    const y = l.apply(input({ shape: [null, 3] }));
    expect([...y.shape]).toEqual([null, null, 3]);
    expect([...l.weights[0]!.shape]).toEqual([1, 3]);
  });

  it('round-trips through .keras', async () => {
    await keraRoundTrip(new PReLU({ sharedAxes: [1], inputShape: [3, 2] }), [3, 2]);
  });

  it('throws typed errors naming the layer', () => {
    expect(() => new PReLU({ sharedAxes: [0], name: 'pr' })).toThrow(
      /pr \(PReLU\): sharedAxes must be an integer >= 1 or a list of them \(axis 0 is the batch\), got \[0\]/,
    );
    expect(() => new PReLU({ sharedAxes: 3 }).apply(tensor([[1, 2]]))).toThrow(ShapeError);
    expect(() => new PReLU().apply(input({ shape: [null] }))).toThrow(ValueError);
  });
});

describe('Identity', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Identity,
      inputShape: [2, 3],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 0,
    });
  });

  it("matches Keras's output and config, and round-trips through .keras", async () => {
    for (const c of goldenFor('Identity')) checkGolden(c);
    await keraRoundTrip(new Identity({ inputShape: [3] }), [3]);
  });
});

describe('AlphaDropout', () => {
  it('passes the layer harness (inference and training mode)', () => {
    runLayerTest({
      cls: AlphaDropout,
      args: { rate: 0.3 },
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: AlphaDropout,
      args: { rate: 0.3, noiseShape: [null, 1] },
      inputShape: [4, 5],
      expectedOutputShape: [4, 5],
      callOptions: { training: true },
    });
  });

  it("is the identity at inference, as Keras's, with Keras's configs", () => {
    for (const c of goldenFor('AlphaDropout')) checkGolden(c);
  });

  it('keeps the mean and variance of a standard normal input in training, as Keras does', () => {
    const k = GOLDEN.alphaDropoutTraining;
    setSeed(11);
    const x = randomNormal([200, 50], 0, 1, { seed: 5 });
    const y = new AlphaDropout({ rate: k.rate, seed: 3 }).apply(x, { training: true }) as Tensor;
    const mean = (t: Tensor) => t.mean().item();
    const variance = (t: Tensor) => t.variance().item();
    // Keras's own run: the statistics move by about as much as ours.
    expect(Math.abs(k.outputMean - k.inputMean)).toBeLessThan(0.05);
    expect(Math.abs(k.outputVar - k.inputVar)).toBeLessThan(0.05);
    expect(Math.abs(mean(y) - mean(x))).toBeLessThan(0.05);
    expect(Math.abs(variance(y) - variance(x))).toBeLessThan(0.05);
    // Every entry is either kept (a·x + b) or dropped (a·α' + b).
    const rate = k.rate;
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = ((1 - rate) * (1 + rate * alphaP * alphaP)) ** -0.5;
    const b = -a * alphaP * rate;
    const xs = x.dataSync();
    const ys = y.dataSync();
    let dropped = 0;
    for (let i = 0; i < xs.length; i++) {
      const kept = Math.abs(ys[i]! - (a * xs[i]! + b)) < 1e-5;
      const drop = Math.abs(ys[i]! - (a * alphaP + b)) < 1e-5;
      expect(kept || drop).toBe(true);
      if (!kept) dropped++;
    }
    expect(Math.abs(dropped / xs.length - rate)).toBeLessThan(0.02);
  });

  it('shares the mask along a noiseShape of 1 and repeats with a seed', () => {
    const x = randomNormal([4, 6], 0, 1, { seed: 2 });
    const y1 = new AlphaDropout({ rate: 0.5, noiseShape: [null, 1], seed: 4 }).apply(x, {
      training: true,
    }) as Tensor;
    const y2 = new AlphaDropout({ rate: 0.5, noiseShape: [null, 1], seed: 4 }).apply(x, {
      training: true,
    }) as Tensor;
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = (0.5 * (1 + 0.5 * alphaP * alphaP)) ** -0.5;
    const dropValue = a * alphaP - a * alphaP * 0.5;
    const data = y1.dataSync();
    for (let r = 0; r < 4; r++) {
      const row = Array.from(data.slice(r * 6, r * 6 + 6));
      const allDropped = row.every((v) => Math.abs(v - dropValue) < 1e-5);
      const noneDropped = row.every((v) => Math.abs(v - dropValue) >= 1e-5);
      expect(allDropped || noneDropped).toBe(true);
    }
  });

  it('round-trips through .keras', async () => {
    await keraRoundTrip(new AlphaDropout({ rate: 0.2, seed: 1, inputShape: [3] }), [3]);
  });

  it('throws typed errors naming the layer', () => {
    expect(() => new AlphaDropout({ rate: 1, name: 'ad' })).toThrow(
      /ad \(AlphaDropout\): rate must be a number in \[0, 1\), got 1/,
    );
    expect(() => new AlphaDropout({ rate: 0.1, noiseShape: [0] })).toThrow(ValueError);
    expect(() =>
      new AlphaDropout({ rate: 0.1, noiseShape: [2, 2] }).apply(tensor([[1, 2, 3]]), {
        training: true,
      }),
    ).toThrow(ShapeError);
  });
});

describe('ActivityRegularization', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: ActivityRegularization,
      args: { l1: 0.01, l2: 0.02 },
      inputShape: [4, 3],
      expectedOutputShape: [4, 3],
      expectedNumWeights: 0,
    });
  });

  it("matches Keras's output, added loss (divided by the batch size) and config", () => {
    for (const c of goldenFor('ActivityRegularization')) {
      const { layer } = checkGolden(c);
      // Losses of earlier calls stay until the trainer clears them; one call adds one.
      layer.clearCallLosses();
      layer.apply(tensor(c.input.data, c.input.shape));
      expect(layer.losses.length).toBe(1);
      expectClose(layer.losses[0]!, c.losses![0]!, { rtol: 1e-5, atol: 1e-7 });
    }
  });

  it('adds its loss to a model being trained', () => {
    const m = new Sequential({
      layers: [
        new Dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' }),
        new ActivityRegularization({ l2: 0.5 }),
      ],
    });
    m.apply(tensor([[1, 0, 0]]));
    // y = [1, 1]: 0.5 · 2 / 1
    expectClose(
      m.losses.map((l) => l.item()),
      [1],
    );
  });

  it('round-trips through .keras', async () => {
    await keraRoundTrip(new ActivityRegularization({ l1: 0.1, inputShape: [3] }), [3]);
  });

  it('throws typed errors naming the layer', () => {
    expect(() => new ActivityRegularization({ l1: -1, name: 'ar' })).toThrow(
      /ar \(ActivityRegularization\): l1 must be a finite number >= 0, got -1/,
    );
    expect(() => new ActivityRegularization({ l2: Number.NaN })).toThrow(ValueError);
  });
});
