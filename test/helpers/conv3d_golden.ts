/**
 * Golden checks of the issue #13 convolution/pooling/reshaping layers against real Keras 3
 * (scripts/conv3d_golden.py → test/fixtures/conv3d_golden.json, Keras 3.15.1 on its numpy
 * backend): each case's layer is made from Keras's config by the project's converter, given
 * Keras's weights, and must reproduce Keras's output; its config converted back must equal
 * Keras's `get_config()`. Also a `.keras` round trip of a small Sequential.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Json, JsonObject } from '../../src/io/keras_config/json.js';
import { layerConfigToKeras, layerFromKeras } from '../../src/io/keras_config/layers.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../src/io/save_load.js';
import type { Layer } from '../../src/layers/layer.js';
import { Sequential } from '../../src/models/sequential.js';
import { tensor } from '../../src/ops/creation.js';
import { randomUniform } from '../../src/ops/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectClose } from './expect_close.js';
import { READ, WRITE } from './keras_config_context.js';

interface GArr {
  shape: number[];
  data: number[];
}
/** One case of the fixture. */
export interface GCase {
  label: string;
  className: string;
  input: GArr;
  weights: (GArr & { name: string })[];
  output: GArr;
  config: JsonObject;
}
const GOLDEN = JSON.parse(
  readFileSync(new URL('../fixtures/conv3d_golden.json', import.meta.url), 'utf8'),
) as { cases: GCase[] };

/**
 * Deep equality of JSON values. Keras 3.15's variance-scaling initializers also write
 * `input_axes`/`output_axes` (null by default), which Tessera's initializers do not have: those
 * two keys are skipped where Keras wrote null.
 */
function expectJsonEqual(actual: unknown, expected: unknown, path = '$'): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const e = { ...(expected as Record<string, unknown>) };
    for (const k of ['input_axes', 'output_axes'])
      if (path.endsWith('_initializer.config') && e[k] === null) delete e[k];
    expected = e;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectJsonEqual((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    const a = actual as Record<string, unknown>;
    expect(Object.keys(a).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const k of Object.keys(expected))
      expectJsonEqual(a[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

/** Checks one case; returns the largest |Tessera − Keras| of the outputs. */
export function checkGolden(c: GCase): number {
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
  if (c.weights.length) layer.setWeights(c.weights.map((w) => tensor(w.data, w.shape)));
  const y = layer.apply(x) as Tensor;
  expect([...y.shape], `${c.label}: output shape`).toEqual(c.output.shape);
  expectClose(y, c.output.data, { rtol: 1e-5, atol: 1e-5 });
  expectJsonEqual(layerConfigToKeras(layer, WRITE), c.config, c.label);
  const got = y.dataSync();
  return c.output.data.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]!)), 0);
}

/** Runs every case of `cls` and returns the largest difference (printed with CONV3D_REPORT). */
export function checkGoldenClass(cls: string): number {
  const cs = GOLDEN.cases.filter((c) => c.className === cls);
  expect(cs.length).toBeGreaterThan(0);
  const worst = Math.max(...cs.map(checkGolden));
  if (process.env.CONV3D_REPORT) console.info(`${cls}: largest |Tessera - Keras| ${worst}`);
  return worst;
}

/** A .keras round trip of a small Sequential of `layers`: same configs and output. */
export async function kerasRoundTrip(layers: Layer[], inputShape: number[]): Promise<void> {
  const m = new Sequential({ layers });
  const x = randomUniform([2, ...inputShape], -2, 2, { seed: 3 });
  m.apply(x);
  let seed = 9;
  for (const w of m.trainableWeights) {
    w.assign(randomUniform([...w.shape], -1, 1, { seed: seed++ }));
  }
  const y = m.apply(x);
  const m2 = await loadModelFromBytes(await modelToKerasBytes(m));
  expect(m2.layers.map((l) => l.className)).toEqual(layers.map((l) => l.className));
  m2.layers.forEach((l2, i) => {
    const { batchInputShape: _, ...want } = layers[i]!.getConfig();
    const { batchInputShape: __, ...got } = l2.getConfig();
    expect(got).toEqual(want);
  });
  expect(Array.from(m2.apply(x).dataSync())).toEqual(Array.from(y.dataSync()));
}
