/**
 * ConvLSTM3D against real Keras 3.15.1 (numpy backend): outputs and states with 'same'/'valid'
 * padding, strides, dilation, goBackwards, non-default activations, no unit forget bias; a
 * Keras-written `.keras` file (loaded, predicted, re-saved with Keras's weight paths); the layer
 * harness. Fixture: scripts/layers_extra14_golden.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../../errors.js';
import { openH5 } from '../../io/h5.js';
import { modelFromKerasConfig } from '../../io/keras_config.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { readZip } from '../../io/zip.js';
import { tensor, zeros } from '../../ops/creation.js';
import { deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Layer } from '../layer.js';
import { ConvLSTM3D, ConvLSTMCell } from './conv_lstm.js';
import { RNN } from './rnn.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface LayerCase {
  name: string;
  weights: (Arr & { path: string })[];
  input: Arr;
  outputs: Arr[];
}
interface ModelCase {
  paths: { path: string; shape: number[] }[];
  config: unknown;
  keras_b64: string;
  input: Arr;
  output: Arr;
}
const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/layers_extra14_golden.json', import.meta.url),
    'utf8',
  ),
) as { convlstm3d: LayerCase[]; models: Record<string, ModelCase> };
const t = (a: Arr): Tensor => tensor(a.data, a.shape, 'float32');
const tol = { rtol: 1e-4, atol: 2e-5 };

function run(name: string, layer: RNN): void {
  const c = golden.convlstm3d.find((k) => k.name === name)!;
  const x = t(c.input);
  layer.applyMulti(x);
  expect(layer.weights.map((w) => w.shape)).toEqual(c.weights.map((w) => w.shape));
  layer.setWeights(c.weights.map(t));
  const outs = layer.applyMulti(x);
  expect(outs.length).toBe(c.outputs.length);
  outs.forEach((o, i) => expectClose(o, t(c.outputs[i]!), tol));
}

describe('ConvLSTM3D (Keras golden)', () => {
  it("'same', sequences and states", () => {
    const l = new ConvLSTM3D({
      filters: 2,
      kernelSize: 2,
      padding: 'same',
      returnSequences: true,
      returnState: true,
    });
    run('same_seq_state', l);
    expect(l.getConfig().kernelSize).toEqual([2, 2, 2]);
  });
  it("'valid', anisotropic kernel and strides, goBackwards", () => {
    const l = new ConvLSTM3D({
      filters: 2,
      kernelSize: [2, 3, 2],
      strides: [2, 1, 2],
      goBackwards: true,
    });
    run('valid_strides_backwards', l);
  });
  it('relu / hard sigmoid, no bias, dilated, states', () => {
    const l = new ConvLSTM3D({
      filters: 1,
      kernelSize: 2,
      dilationRate: [2, 1, 2],
      activation: 'relu',
      recurrentActivation: 'hardSigmoid',
      useBias: false,
      returnState: true,
    });
    run('relu_hardsig_nobias_dilated_state', l);
  });
  it("'same' with strides 2, no unit forget bias", () => {
    const l = new ConvLSTM3D({
      filters: 3,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      unitForgetBias: false,
    });
    run('same_strides_no_unit_forget_bias', l);
  });
});

describe('ConvLSTM3D in a Keras model file', () => {
  it("Keras's .keras loads and predicts as Keras; Tessera writes Keras's paths and round-trips", async () => {
    const c = golden.models.convlstm3d!;
    const m = await loadModelFromBytes(new Uint8Array(Buffer.from(c.keras_b64, 'base64')));
    expectClose(m.predict(t(c.input)) as Tensor, t(c.output), tol);
    const fromCfg = modelFromKerasConfig(c.config);
    fromCfg.setWeights(m.getWeights());
    expectClose(fromCfg.predict(t(c.input)) as Tensor, t(c.output), tol);
    const bytes = await modelToKerasBytes(m);
    const r = await openH5(readZip(bytes).get('model.weights.h5')!);
    const base = 'layers/conv_lstm3d/cell/vars';
    expect(r.keys(base).sort()).toEqual(['0', '1', '2']);
    const shapes = ['0', '1', '2'].map((k) => r.datasetInfo(`${base}/${k}`).shape);
    r.close();
    expect(shapes).toEqual(c.paths.map((p) => p.shape));
    const back = await loadModelFromBytes(bytes);
    expectClose(back.predict(t(c.input)) as Tensor, t(c.output), tol);
  });
});

describe('ConvLSTM3D layer checks', () => {
  it('runLayerTest', async () => {
    await runLayerTest({
      cls: ConvLSTM3D,
      args: { filters: 1, kernelSize: 2, padding: 'same', returnSequences: true },
      inputShape: [1, 2, 2, 2, 2, 1],
      expectedOutputShape: [1, 2, 2, 2, 2, 1],
      expectedWeightShapes: [[2, 2, 2, 1, 4], [2, 2, 2, 1, 4], [4]],
    });
  });
  it('config round trip through the registry, and the output shape', () => {
    const l = new ConvLSTM3D({ filters: 2, kernelSize: [1, 2, 3], strides: [1, 2, 1] });
    const back = deserialize<Layer>('layer', { className: 'ConvLSTM3D', config: l.getConfig() });
    expect(back).toBeInstanceOf(ConvLSTM3D);
    expect(back.getConfig()).toEqual(l.getConfig());
    expect(l.computeOutputShape([null, 4, 3, 5, 6, 2])).toEqual([null, 3, 2, 4, 2]);
    expect(l.apply(zeros([1, 4, 3, 5, 6, 2])).shape).toEqual([1, 3, 2, 4, 2]);
  });
  it('the rank-3 cell in a plain RNN with initial states', () => {
    const cell = new ConvLSTMCell({ rank: 3, filters: 2, kernelSize: 3, padding: 'same' });
    const l = new RNN({ cell, returnState: true });
    const outs = l.applyMulti(zeros([2, 3, 2, 3, 4, 1]), {
      initialState: [zeros([2, 2, 3, 4, 2]).add(0.5), zeros([2, 2, 3, 4, 2])],
    });
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 2, 3, 4, 2],
      [2, 2, 3, 4, 2],
      [2, 2, 3, 4, 2],
    ]);
  });
  it('typed errors name the layer', () => {
    expect(() => new ConvLSTM3D({ filters: 0, kernelSize: 3 })).toThrow(ValueError);
    expect(() => new ConvLSTM3D({ filters: 1, kernelSize: [3, 3] })).toThrow(ValueError);
    expect(
      () => new ConvLSTM3D({ filters: 1, kernelSize: 3, strides: 2, dilationRate: 2 }),
    ).toThrow(/^conv_lstm3d_\d+\/conv_lstm_cell .*strides/);
    expect(() => new ConvLSTMCell({ rank: 4, filters: 1, kernelSize: 1 })).toThrow(ValueError);
    expect(() =>
      new ConvLSTM3D({ filters: 1, kernelSize: 3 }).apply(zeros([1, 2, 4, 4, 1])),
    ).toThrow(ShapeError);
    expect(() =>
      new ConvLSTM3D({ filters: 1, kernelSize: 3 }).apply(zeros([1, 2, 2, 4, 4, 1])),
    ).toThrow(ShapeError);
  });
});
