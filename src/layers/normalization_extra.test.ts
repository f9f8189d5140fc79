/**
 * RMSNormalization, GroupNormalization and UnitNormalization: the layer harness, Keras 3's own
 * outputs and configs (scripts/layers13_golden.py → test/fixtures/layers13_golden.json, real
 * Keras 3.15.1 on its numpy backend), `.keras` round trips, and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { READ, WRITE } from '../../test/helpers/keras_config_context.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { variableGrads } from '../autograd/grad.js';
import { Variable } from '../autograd/variable.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Json, JsonObject } from '../io/keras_config/json.js';
import { layerConfigToKeras, layerFromKeras } from '../io/keras_config/layers.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomUniform } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layer.js';
import { GroupNormalization, RMSNormalization, UnitNormalization } from './normalization_extra.js';

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
) as { cases: GCase[] };

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
function checkGolden(c: GCase): number {
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
  return c.output.data.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]!)), 0);
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

describe('RMSNormalization', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: RMSNormalization,
      inputShape: [3, 5],
      expectedOutputShape: [3, 5],
      expectedNumWeights: 1,
      expectedNumTrainableWeights: 1,
      expectedWeightShapes: [[5]],
    });
    runLayerTest({
      cls: RMSNormalization,
      args: { axis: [1, 2], epsilon: 1e-3 },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [[3, 4]],
    });
    runLayerTest({
      cls: RMSNormalization,
      args: { axis: 1 },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [[3]],
    });
  });

  it("matches Keras's outputs, weights and configs", () => {
    const worst = Math.max(...goldenFor('RMSNormalization').map(checkGolden));
    if (process.env.LAYERS13_REPORT)
      console.info(`RMSNormalization: largest |Tessera - Keras| ${worst}`);
  });

  it('lays scale along a middle axis', () => {
    const l = new RMSNormalization({ axis: 1 });
    const x = tensor([3, 1, 4, 2], [1, 2, 2]);
    l.apply(x);
    l.setWeights([tensor([1, 10])]);
    const y = l.apply(x);
    const r0 = 1 / Math.sqrt((9 + 16) / 2 + 1e-6);
    const r1 = 1 / Math.sqrt((1 + 4) / 2 + 1e-6);
    expectClose(y, [3 * r0, r1, 40 * r0, 20 * r1], { rtol: 1e-6 });
  });

  it('accepts the list axis Keras writes after build, and round-trips through .keras', async () => {
    const l = RMSNormalization.fromConfig({ axis: [-1] }) as RMSNormalization;
    expect(l.getConfig().axis).toEqual([-1]);
    await keraRoundTrip(new RMSNormalization({ inputShape: [4] }), [4]);
    await keraRoundTrip(new RMSNormalization({ axis: [1, 2], inputShape: [3, 2] }), [3, 2]);
  });

  it('throws typed errors naming the layer', () => {
    expect(() => new RMSNormalization({ axis: 1.5 })).toThrow(ValueError);
    expect(() => new RMSNormalization({ axis: [] })).toThrow(/axis must be an integer/);
    expect(() => new RMSNormalization({ epsilon: -1, name: 'rn' })).toThrow(
      /rn \(RMSNormalization\): epsilon must be a finite number >= 0, got -1/,
    );
    expect(() => new RMSNormalization({ axis: 3 }).apply(tensor([[1, 2]]))).toThrow(ShapeError);
    expect(() => new RMSNormalization({ axis: 3 }).apply(tensor([[1, 2]]))).toThrow(
      /axis 3 is out of range for input shape \[1, 2\]/,
    );
  });
});

describe('GroupNormalization', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: GroupNormalization,
      args: { groups: 2, gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' },
      inputShape: [3, 2, 4],
      expectedOutputShape: [3, 2, 4],
      expectedNumWeights: 2,
      expectedNumTrainableWeights: 2,
      expectedWeightShapes: [[4], [4]],
    });
    runLayerTest({
      cls: GroupNormalization,
      args: { groups: 3, axis: 1, center: false },
      inputShape: [2, 6, 2, 2],
      expectedOutputShape: [2, 6, 2, 2],
      expectedNumWeights: 1,
      expectedWeightShapes: [[6]],
    });
    runLayerTest({
      cls: GroupNormalization,
      args: { groups: -1, scale: false, betaInitializer: 'randomNormal' },
      inputShape: [2, 3, 2],
      expectedOutputShape: [2, 3, 2],
      expectedWeightShapes: [[2]],
    });
  });

  it("matches Keras's outputs, weights and configs (groups, axes, center/scale, regularizers)", () => {
    const worst = Math.max(...goldenFor('GroupNormalization').map(checkGolden));
    if (process.env.LAYERS13_REPORT)
      console.info(`GroupNormalization: largest |Tessera - Keras| ${worst}`);
  });

  it("adds its weights' regularizer penalties to the losses as Keras does", () => {
    const c = GOLDEN.cases.find((k) => k.label === 'group with regularizers and constraints')!;
    const layer = layerFromKeras(
      { module: 'keras.layers', class_name: c.className, config: c.config as Json },
      c.label,
      READ,
    );
    const x = tensor(c.input.data, c.input.shape);
    layer.apply(x);
    layer.setWeights(c.weights.map((w) => tensor(w.data, w.shape)));
    expectClose(
      layer.losses.map((l) => l.item()),
      c.losses!,
      { rtol: 1e-5 },
    );
  });

  it('round-trips through .keras', async () => {
    await keraRoundTrip(new GroupNormalization({ groups: 2, inputShape: [3, 4] }), [3, 4]);
    await keraRoundTrip(
      new GroupNormalization({ groups: -1, axis: 1, gammaRegularizer: 'l2', inputShape: [2, 3] }),
      [2, 3],
    );
  });

  it('throws typed errors naming the layer, what was expected and what came', () => {
    expect(() => new GroupNormalization({ groups: 0 })).toThrow(ValueError);
    expect(() => new GroupNormalization({ groups: 2.5, name: 'gn' })).toThrow(
      /gn \(GroupNormalization\): groups must be a positive integer \(or -1 for instance normalization\), got 2.5/,
    );
    expect(() => new GroupNormalization({ axis: 0.5 })).toThrow(ValueError);
    const x = tensor(new Array(12).fill(1), [2, 6]);
    expect(() => new GroupNormalization({ groups: 4, name: 'g4' }).apply(x)).toThrow(ValueError);
    expect(() => new GroupNormalization({ groups: 4, name: 'g4b' }).apply(x)).toThrow(
      /g4b \(GroupNormalization\): the number of groups \(4\) must divide the number of channels, got 6 channels on axis -1/,
    );
    expect(() => new GroupNormalization({ groups: 8 }).apply(x)).toThrow(
      /number of groups \(8\) cannot be more than the number of channels, got 6/,
    );
    expect(() => new GroupNormalization({ groups: 2, axis: 2 }).apply(x)).toThrow(ShapeError);
    expect(() => new GroupNormalization({ groups: 2, axis: 0 }).apply(x)).toThrow(
      /axis must not be the batch axis 0/,
    );
  });
});

describe('UnitNormalization', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: UnitNormalization,
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: UnitNormalization,
      args: { axis: [1, 2] },
      inputShape: [2, 3, 2],
      expectedOutputShape: [2, 3, 2],
      expectedNumWeights: 0,
    });
  });

  it("matches Keras's outputs and configs (an all-zero slice stays 0)", () => {
    const worst = Math.max(...goldenFor('UnitNormalization').map(checkGolden));
    if (process.env.LAYERS13_REPORT)
      console.info(`UnitNormalization: largest |Tessera - Keras| ${worst}`);
  });

  it('has a finite gradient at an all-zero slice', () => {
    const v = new Variable(tensor([[0, 0, 0]]));
    const { grads } = variableGrads(
      () => (new UnitNormalization().apply(v) as Tensor).square().sum(),
      [v],
    );
    expect(Array.from(grads[0]!.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('round-trips through .keras', async () => {
    await keraRoundTrip(new UnitNormalization({ axis: [1, 2], inputShape: [3, 2] }), [3, 2]);
  });

  it('throws typed errors naming the layer', () => {
    expect(() => new UnitNormalization({ axis: 'x' as never, name: 'un' })).toThrow(
      /un \(UnitNormalization\): axis must be an integer or a non-empty list of distinct integers, got "x"/,
    );
    expect(() => new UnitNormalization({ axis: [1, 1] })).toThrow(ValueError);
    expect(() => new UnitNormalization({ axis: -3 }).apply(tensor([[1, 2]]))).toThrow(ShapeError);
  });
});
