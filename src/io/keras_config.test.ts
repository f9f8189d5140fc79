import { readFileSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { toTf } from '../../test/helpers/tfjs_layers.js';
import {
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
} from '../layers/convolutional.js';
import {
  Activation,
  Dense,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GRU,
  LSTM,
  LeakyReLU,
  Masking,
  ReLU,
  Reshape,
  Softmax,
} from '../layers/index.js';
import {
  BatchNormalization,
  Bidirectional,
  Concatenate,
  Dot,
  GRUCell,
  GaussianDropout,
  GaussianNoise,
  LSTMCell,
  LayerNormalization,
  Permute,
  RNN,
  RepeatVector,
  SimpleRNN,
  SimpleRNNCell,
  SpatialDropout1D,
  SpatialDropout2D,
  SpatialDropout3D,
  TimeDistributed,
  add,
  average,
  maximum,
  minimum,
  multiply,
  subtract,
} from '../layers/index.js';
import { InputLayer, input } from '../layers/input_layer.js';
import { type Layer, toSnakeCase } from '../layers/layer.js';
import {
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
} from '../layers/pooling.js';
import {
  Cropping1D,
  Cropping2D,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
} from '../layers/reshaping.js';
import { Model, model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomUniform } from '../ops/random.js';
import type { Config } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type KerasJson,
  modelFromKerasConfig,
  modelToKeras2Config,
  modelToKerasConfig,
} from './keras_config.js';

// biome-ignore lint/suspicious/noExplicitAny: configs are untyped JSON.
type Any = any;

const MODELS = '/work/shared/models';

function kerasConfigOf(name: string): KerasJson {
  const files = unzipSync(readFileSync(`${MODELS}/keras/${name}/${name}.keras`));
  return JSON.parse(strFromU8(files['config.json']!));
}

function summaryOf(m: Model): string {
  const lines: string[] = [];
  m.summary((l) => lines.push(l));
  return lines.join('\n');
}

/** Shapes of every dataset under an h5 group, by path. */
function h5Shapes(file: string): Map<string, number[]> {
  const f = new h5wasm.File(file, 'r');
  const out = new Map<string, number[]>();
  const walk = (g: InstanceType<typeof h5wasm.Group>, p: string) => {
    for (const k of g.keys()) {
      const c = g.get(k);
      if (c instanceof h5wasm.Group) walk(c, `${p}/${k}`);
      else if (c instanceof h5wasm.Dataset) out.set(`${p}/${k}`.slice(1), [...(c.shape ?? [])]);
    }
  };
  walk(f, '');
  f.close();
  return out;
}

function h5Attr(file: string, path: string, name: string): unknown {
  const f = new h5wasm.File(file, 'r');
  const obj = path === '/' ? f : f.get(path);
  const v = (obj as InstanceType<typeof h5wasm.Group>).attrs[name]?.value;
  f.close();
  return v;
}

/**
 * Checks weight shapes against a Keras 3 `.weights.h5`: each layer's own variables are
 * `layers/<snake class name, made unique>/vars/<i>`, sublayers nested by attribute name.
 */
function expectKerasWeightShapes(m: Model, shapes: Map<string, number[]>): void {
  const counts = new Map<string, number>();
  let checked = 0;
  const visit = (l: Layer, path: string) => {
    l.ownVariables.forEach((w, i) => {
      expect(shapes.get(`${path}/vars/${i}`), `${path}/vars/${i}`).toEqual([...w.shape]);
      checked++;
    });
    for (const [key, child] of Object.entries(l.savedChildren())) visit(child, `${path}/${key}`);
  };
  for (const l of m.layers) {
    const base = toSnakeCase(l.className);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    visit(l, `layers/${n ? `${base}_${n}` : base}`);
  }
  expect(checked).toBe(shapes.size);
  expect(m.weights.length).toBe(shapes.size);
}

beforeAll(async () => {
  await h5wasm.ready;
});

describe('the reference Keras 3 models', () => {
  for (const name of readdirSync(`${MODELS}/keras`)) {
    describe(name, () => {
      it('rebuilds from config.json with the right layers, shapes and weights', () => {
        const cfg = kerasConfigOf(name);
        const m = modelFromKerasConfig(cfg);
        expect(m).toBeInstanceOf(Sequential);
        expect(m.name).toBe(name);
        const layers = (
          cfg.config as { layers: { class_name: string; config: { name: string } }[] }
        ).layers;
        const [inputCfg, ...rest] = layers;
        expect(inputCfg!.class_name).toBe('InputLayer');
        expect(m.inputs[0]!.layer.name).toBe(inputCfg!.config.name);
        expect(m.layers.map((l) => [l.className, l.name])).toEqual(
          rest.map((l) => [l.class_name, l.config.name]),
        );
        // Every built layer's input shape is the one Keras recorded.
        for (const [i, l] of m.layers.entries()) {
          const bc = (rest[i] as { build_config?: { input_shape: unknown } }).build_config;
          if (bc) expect(l.builtInputShape).toEqual(bc.input_shape);
        }
        expectKerasWeightShapes(m, h5Shapes(`${MODELS}/keras/${name}/${name}.weights.h5`));
        const expected = JSON.parse(readFileSync(`${MODELS}/keras/${name}/expected.json`, 'utf8'));
        expect(m.outputs[0]!.shape.slice(1)).toEqual(expected.outputs[0].shape.slice(1));
        const summary = summaryOf(m);
        for (const l of m.layers) expect(summary).toContain(`${l.name} (${l.className})`);
        expect(summary).toContain(`Total params: ${m.countParams().toLocaleString('en-US')}`);
      });

      it('rebuilds from the legacy .h5 model_config with the same weights as model_weights', () => {
        const file = `${MODELS}/keras/${name}/${name}.h5`;
        const m = modelFromKerasConfig(h5Attr(file, '/', 'model_config'));
        const fromKeras = modelFromKerasConfig(kerasConfigOf(name));
        expect(modelToKerasConfig(m)).toEqual(modelToKerasConfig(fromKeras));
        const shapes = h5Shapes(file);
        for (const l of m.layers) {
          const names = Array.from(
            (h5Attr(file, `/model_weights/${l.name}`, 'weight_names') ?? []) as ArrayLike<string>,
          );
          expect(
            l.weights.map((w) => w.shape),
            l.name,
          ).toEqual(names.map((n) => shapes.get(`model_weights/${l.name}/${n}`)));
        }
      });

      it('writes a config.json that rebuilds the same model', () => {
        const m = modelFromKerasConfig(kerasConfigOf(name));
        const out = modelToKerasConfig(m);
        const again = modelFromKerasConfig(JSON.parse(JSON.stringify(out)));
        expect(modelToKerasConfig(again)).toEqual(out);
        expect(again.getConfig()).toEqual(m.getConfig());
      });
    });
  }
});

describe('the reference TF.js models', () => {
  for (const name of readdirSync(`${MODELS}/tfjs`)) {
    it(`${name}: rebuilds from model.json with the manifest's weight shapes`, () => {
      const json = JSON.parse(readFileSync(`${MODELS}/tfjs/${name}/model.json`, 'utf8'));
      const m = modelFromKerasConfig(json.modelTopology);
      const topo = json.modelTopology.config.layers as {
        class_name: string;
        config: { name: string };
      }[];
      expect(m.layers.map((l) => [l.className, l.name])).toEqual(
        topo.map((l) => [l.class_name, l.config.name]),
      );
      const manifest = new Map<string, number[]>(
        json.weightsManifest.flatMap((g: { weights: { name: string; shape: number[] }[] }) =>
          g.weights.map((w) => [w.name, w.shape]),
        ),
      );
      const ours = m.layers.flatMap((l) =>
        l.weights.map((w) => [`${l.name}/${w.weightName}`, w.shape]),
      );
      expect(new Map(ours as [string, number[]][])).toEqual(manifest);
      const expected = JSON.parse(readFileSync(`${MODELS}/tfjs/${name}/expected.json`, 'utf8'));
      expect(m.outputs[0]!.shape.slice(1)).toEqual(expected.outputs[0].shape.slice(1));
      expect(summaryOf(m)).toContain(`Total params: ${m.countParams().toLocaleString('en-US')}`);
      // The whole model.json and the converter's nested form give the same model.
      expect(modelToKerasConfig(modelFromKerasConfig(json))).toEqual(modelToKerasConfig(m));
      const nested = {
        model_config: json.modelTopology,
        keras_version: '2.15.0',
        backend: 'tensorflow',
      };
      expect(modelToKerasConfig(modelFromKerasConfig(nested))).toEqual(modelToKerasConfig(m));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Round trips over every layer family

function imageModel(): Sequential {
  const m = new Sequential({ name: 'images' });
  m.add(input({ shape: [16, 16, 3], name: 'img' }));
  m.add(new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }));
  m.add(new MaxPooling2D({ poolSize: 2 }));
  m.add(
    new Conv2D({ filters: 6, kernelSize: [3, 3], strides: 2, padding: 'same', useBias: false }),
  );
  m.add(new BatchNormalization({ momentum: 0.9, epsilon: 1e-4 }));
  m.add(new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }));
  m.add(new SeparableConv2D({ filters: 5, kernelSize: 3, padding: 'same', activation: 'swish' }));
  m.add(new Conv2DTranspose({ filters: 4, kernelSize: 2, strides: 2 }));
  m.add(new AveragePooling2D({ poolSize: 2, strides: 1, padding: 'same' }));
  m.add(
    new ZeroPadding2D({
      padding: [
        [1, 0],
        [0, 2],
      ],
    }),
  );
  m.add(new Cropping2D({ cropping: 1 }));
  m.add(new UpSampling2D({ size: [2, 1] }));
  m.add(new SpatialDropout2D({ rate: 0.2, seed: 3 }));
  m.add(new LeakyReLU({ negativeSlope: 0.1 }));
  m.add(new GlobalMaxPooling2D({ keepdims: true }));
  m.add(new GlobalAveragePooling2D());
  m.add(new Dense({ units: 8, activation: 'leakyRelu', kernelRegularizer: 'l2' }));
  m.add(new Dropout({ rate: 0.5, noiseShape: [null, 1], seed: 7 }));
  m.add(new Dense({ units: 3, activation: 'softmax', kernelInitializer: 'heNormal' }));
  return m;
}

function sequenceModel(): Sequential {
  const m = new Sequential({ name: 'sequences' });
  m.add(input({ shape: [12], dtype: 'int32', name: 'ids' }));
  m.add(new Embedding({ inputDim: 30, outputDim: 6, maskZero: true }));
  m.add(
    new LSTM({ units: 5, returnSequences: true, recurrentDropout: 0.1, unitForgetBias: false }),
  );
  m.add(new GRU({ units: 4, returnSequences: true, resetAfter: false }));
  m.add(new GRU({ units: 4, returnSequences: true, goBackwards: true }));
  m.add(new Bidirectional(new LSTM({ units: 3, returnSequences: true }), { mergeMode: 'sum' }));
  m.add(new TimeDistributed(new Dense({ units: 4, activation: 'tanh' })));
  m.add(new LayerNormalization({ epsilon: 1e-5, rmsScaling: false }));
  m.add(new SimpleRNN({ units: 3, activation: 'relu' }));
  m.add(new Dense({ units: 1, activation: 'sigmoid' }));
  return m;
}

function oneDModel(): Sequential {
  const m = new Sequential({ name: 'one_d' });
  m.add(new Masking({ maskValue: -1, inputShape: [10, 4] }));
  m.add(new Conv1D({ filters: 6, kernelSize: 3, padding: 'causal', dilationRate: 2 }));
  m.add(new MaxPooling1D({ poolSize: 2 }));
  m.add(new UpSampling1D({ size: 2 }));
  m.add(new ZeroPadding1D({ padding: [1, 2] }));
  m.add(new Cropping1D({ cropping: [2, 1] }));
  m.add(new AveragePooling1D({ poolSize: 2, strides: 1 }));
  m.add(new SpatialDropout1D({ rate: 0.1 }));
  m.add(new GaussianNoise({ stddev: 0.1 }));
  m.add(new GaussianDropout({ rate: 0.1 }));
  m.add(new ReLU({ maxValue: 6, negativeSlope: 0.01, threshold: 0.1 }));
  m.add(new ELU({ alpha: 0.5 }));
  m.add(new Permute({ dims: [2, 1] }));
  m.add(new Softmax({ axis: 1 }));
  m.add(new Activation({ activation: 'hardSigmoid' }));
  m.add(new Flatten());
  m.add(new RepeatVector({ n: 2 }));
  m.add(new Reshape({ targetShape: [-1, 3] }));
  m.add(new GlobalAveragePooling1D());
  return m;
}

function volumeModel(): Sequential {
  const m = new Sequential({ name: 'volumes' });
  m.add(input({ shape: [4, 4, 4, 2], name: 'vol' }));
  m.add(new SpatialDropout3D({ rate: 0.1, dataFormat: 'channelsLast' }));
  m.add(new Reshape({ targetShape: [16, 8] }));
  m.add(
    new RNN({
      cell: new SimpleRNNCell({ units: 3, activation: null, useBias: false, name: 'cell' }),
      goBackwards: true,
      stateful: false,
    }),
  );
  m.add(
    new Dense({
      units: 2,
      kernelInitializer: { className: 'Orthogonal', config: { gain: 0.5, seed: 1 } },
    }),
  );
  return m;
}

function functionalModel(): Model {
  const a = input({ shape: [6], name: 'a' });
  const b = input({ shape: [6], name: 'b' });
  const seqIn = input({ shape: [5, 3], name: 'seq' });
  const shared = new Dense({
    units: 6,
    name: 'shared',
    kernelInitializer: {
      className: 'VarianceScaling',
      config: { scale: 2, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 4 },
    },
    biasInitializer: { className: 'Constant', config: { value: 0.5 } },
    kernelConstraint: { className: 'MaxNorm', config: { maxValue: 3, axis: 0 } },
    biasRegularizer: { className: 'L1L2', config: { l1: 0.01, l2: 0.02 } },
    activityRegularizer: 'l1',
  });
  const ha = shared.apply(a);
  const hb = shared.apply(b);
  const merged = [
    add([ha, hb], { name: 'add' }),
    subtract([ha, hb], { name: 'subtract' }),
    multiply([ha, hb], { name: 'multiply' }),
    average([ha, hb], { name: 'average' }),
    maximum([ha, hb], { name: 'maximum' }),
    minimum([ha, hb], { name: 'minimum' }),
  ];
  const cat = new Concatenate({ axis: -1, name: 'cat' }).apply(merged);
  const sim = new Dot({ axes: 1, normalize: true, name: 'sim' }).apply([ha, hb]);
  // A nested Sequential and a nested functional model.
  const inner = new Sequential({
    name: 'inner_seq',
    layers: [
      input({ shape: [36], name: 'inner_in' }),
      new Dense({ units: 4, name: 'inner_dense' }),
    ],
  });
  const subIn = input({ shape: [4], name: 'sub_in' });
  const sub = new Model({
    name: 'sub',
    inputs: subIn,
    outputs: new Dense({ units: 2, name: 'sub_dense', activation: 'gelu' }).apply(subIn),
  });
  const innerOut = inner.apply(cat);
  const subOut1 = sub.apply(innerOut);
  const subOut2 = sub.apply(new Dense({ units: 4, name: 'to_sub' }).apply(innerOut));
  // A recurrent branch whose initial states come from the dense branch.
  const h0 = new Dense({ units: 4, name: 'h0' }).apply(ha);
  const c0 = new Dense({ units: 4, name: 'c0' }).apply(hb);
  const rnnOut = new LSTM({ units: 4, name: 'lstm_init' }).apply([seqIn, h0, c0]);
  const generic = new RNN({
    cell: new GRUCell({ units: 2, name: 'gru_cell_x', recurrentInitializer: 'glorotNormal' }),
    returnSequences: true,
    name: 'generic_rnn',
  }).apply(seqIn);
  const gen2 = new RNN({
    cell: new LSTMCell({ units: 2, name: 'lstm_cell_x' }),
    name: 'rnn2',
  }).apply(generic);
  const drop = new Dropout({ rate: 0.3, name: 'mc_dropout' }).apply(subOut2, { training: true });
  const out1 = new Concatenate({ name: 'out1' }).apply([subOut1, drop, rnnOut, gen2, sim]);
  const out2 = new Dense({ units: 1, name: 'out2', activation: 'exponential' }).apply(cat);
  return model({ name: 'functional', inputs: [a, b, seqIn], outputs: [out1, out2] });
}

const BUILDERS: Record<string, () => Model> = {
  images: imageModel,
  sequences: sequenceModel,
  one_d: oneDModel,
  volumes: volumeModel,
  functional: functionalModel,
};

/** Random inputs for a model's inputs (token ids for int inputs). */
function randomInputs(m: Model, batch = 2): Tensor[] {
  return m.inputs.map((t, i) => {
    const shape = [batch, ...t.shape.slice(1).map((d) => d ?? 3)];
    if (t.dtype === 'int32')
      return randomUniform(shape, 0, 29, { seed: 10 + i })
        .floor()
        .cast('int32');
    return randomUniform(shape, -1, 1, { seed: 20 + i });
  });
}

/** A model config without its layers' `batchInputShape` (Keras 3 keeps it on the input layer). */
function withoutInputShapes(c: Config): Config {
  const layers = (c.layers as { className: string; config: Config }[]).map((l) => {
    if (l.className === 'InputLayer') return l;
    const { batchInputShape: _, ...rest } = l.config;
    return { ...l, config: rest };
  });
  return { ...c, layers } as unknown as Config;
}

function predictAll(m: Model, xs: Tensor[]): Tensor[] {
  const y = m.predict(xs.length === 1 ? xs[0]! : xs);
  return Array.isArray(y) ? y : [y];
}

describe('round trips through config.json', () => {
  for (const [name, build] of Object.entries(BUILDERS)) {
    it(`${name}: rebuilds an identical model`, () => {
      const m = build();
      const json = modelToKerasConfig(m);
      const text = JSON.stringify(json);
      const m2 = modelFromKerasConfig(JSON.parse(text));
      expect(m2.className).toBe(m.className);
      expect(modelToKerasConfig(m2)).toEqual(json);
      // Keras 3 layers carry no input shape (the input layer does).
      expect(m2.getConfig()).toEqual(withoutInputShapes(m.getConfig()));
      expect(m2.weights.map((w) => [w.name, w.shape])).toEqual(
        m.weights.map((w) => [w.name, w.shape]),
      );
      expect(m2.outputs.map((t) => t.shape)).toEqual(m.outputs.map((t) => t.shape));
      expect(summaryOf(m2)).toBe(summaryOf(m));
      // Same weights give the same outputs (dropout-like layers are off at inference).
      m2.setWeights(m.getWeights());
      if (name !== 'functional') {
        const xs = randomInputs(m);
        predictAll(m2, xs).forEach((y, i) => expectClose(y, predictAll(m, xs)[i]!, { atol: 1e-6 }));
      }
    });

    it(`${name}: rebuilds the same model from the Keras 2 / TF.js schema`, () => {
      const m = build();
      const k2 = modelToKeras2Config(m);
      const m2 = modelFromKerasConfig(JSON.parse(JSON.stringify(k2)));
      expect(modelToKerasConfig(m2)).toEqual(modelToKerasConfig(m));
    });
  }

  it('writes Keras 3 spellings and structures', () => {
    const m = functionalModel();
    const json = modelToKerasConfig(m) as Any;
    expect(json.module).toBe('keras.src.models.functional');
    expect(json.class_name).toBe('Functional');
    expect(json.config.input_layers).toEqual([
      ['a', 0, 0],
      ['b', 0, 0],
      ['seq', 0, 0],
    ]);
    expect(json.config.output_layers).toEqual([
      ['out1', 0, 0],
      ['out2', 0, 0],
    ]);
    const byName = (n: string) => json.config.layers.find((l: Any) => l.name === n);
    expect(byName('a')).toMatchObject({
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [null, 6], dtype: 'float32', sparse: false, name: 'a' },
      inbound_nodes: [],
    });
    const shared = byName('shared');
    expect(shared.config.dtype).toEqual({
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
      registered_name: null,
    });
    expect(shared.config.kernel_initializer).toEqual({
      module: 'keras.initializers',
      class_name: 'VarianceScaling',
      config: { seed: 4, scale: 2, mode: 'fan_out', distribution: 'untruncated_normal' },
      registered_name: null,
    });
    expect(shared.config.kernel_constraint.config).toEqual({ max_value: 3, axis: 0 });
    expect(shared.config.use_bias).toBe(true);
    expect(shared.build_config).toEqual({ input_shape: [null, 6] });
    expect(shared.inbound_nodes).toEqual([
      {
        args: [
          {
            class_name: '__keras_tensor__',
            config: { shape: [null, 6], dtype: 'float32', keras_history: ['a', 0, 0] },
          },
        ],
        kwargs: {},
      },
      {
        args: [
          {
            class_name: '__keras_tensor__',
            config: { shape: [null, 6], dtype: 'float32', keras_history: ['b', 0, 0] },
          },
        ],
        kwargs: {},
      },
    ]);
    // A list input is one positional argument holding the list.
    expect(byName('cat').inbound_nodes[0].args[0]).toHaveLength(6);
    expect(byName('add').inbound_nodes[0].args[0].map((t: Any) => t.config.keras_history)).toEqual([
      ['shared', 0, 0],
      ['shared', 1, 0],
    ]);
    // Initial states of a recurrent layer are Keras 3's initial_state keyword.
    const lstm = byName('lstm_init').inbound_nodes[0];
    expect(lstm.args[0].config.keras_history).toEqual(['seq', 0, 0]);
    expect(lstm.kwargs.initial_state.map((t: Any) => t.config.keras_history)).toEqual([
      ['h0', 0, 0],
      ['c0', 0, 0],
    ]);
    expect(byName('mc_dropout').inbound_nodes[0].kwargs).toEqual({ training: true });
    // Call arguments count a nested model's calls from 0, Functional and Sequential alike, as
    // Keras 3's serialize_node writes them (only input_layers/output_layers add 1 for a
    // Functional); src/io/keras_interop.test.ts has real Keras load such a model.
    expect(byName('to_sub').inbound_nodes[0].args[0].config.keras_history).toEqual([
      'inner_seq',
      0,
      0,
    ]);
    expect(byName('out1').inbound_nodes[0].args[0][0].config.keras_history).toEqual(['sub', 0, 0]);
    expect(byName('mc_dropout').inbound_nodes[0].args[0].config.keras_history).toEqual([
      'sub',
      1,
      0,
    ]);
    expect(byName('sub')).toMatchObject({
      class_name: 'Functional',
      registered_name: 'Functional',
    });
    expect(byName('inner_seq')).toMatchObject({ module: 'keras', class_name: 'Sequential' });
    expect(byName('inner_seq').config.build_input_shape).toEqual([null, 36]);
    expect(byName('generic_rnn').config.cell).toMatchObject({
      module: 'keras.layers',
      class_name: 'GRUCell',
      config: { name: 'gru_cell_x', units: 2, reset_after: true },
    });
    expect(byName('lstm_init').config).not.toHaveProperty('cell');
    expect(byName('out2').config.activation).toBe('exponential');
    expect(byName('sub').config.layers[1].config.activation).toBe('gelu');
  });

  it('writes single inputs and outputs as one reference, and Keras activation names', () => {
    const x = input({ shape: [3], name: 'x' });
    const y = new Dense({ units: 2, activation: 'leakyRelu', name: 'd' }).apply(x);
    const z = new Dense({ units: 2, activation: 'silu', name: 'e' }).apply(y);
    const m = model({ inputs: x, outputs: z });
    const json = modelToKerasConfig(m) as Any;
    expect(json.config.input_layers).toEqual(['x', 0, 0]);
    expect(json.config.output_layers).toEqual(['e', 0, 0]);
    expect(json.config.layers[1].config.activation).toBe('leaky_relu');
    expect(json.config.layers[2].config.activation).toBe('silu');
    const k2 = modelToKeras2Config(m) as Any;
    expect(k2.config.input_layers).toEqual([['x', 0, 0]]);
    expect(k2.config.layers[2].config.activation).toBe('swish');
    // A list of one stays a list.
    const m1 = model({ inputs: [x], outputs: [z] });
    expect((modelToKerasConfig(m1) as Any).config.input_layers).toEqual([['x', 0, 0]]);
    const back = modelFromKerasConfig(modelToKerasConfig(m1));
    expect(back.isMultiInput).toBe(true);
    expect(modelFromKerasConfig(modelToKerasConfig(m)).isMultiInput).toBe(false);
  });

  it('writes a Sequential with build_input_shape, data formats and build configs', () => {
    const json = modelToKerasConfig(imageModel()) as Any;
    expect(json).toMatchObject({
      module: 'keras',
      class_name: 'Sequential',
      registered_name: null,
    });
    expect(json.config.build_input_shape).toEqual([null, 16, 16, 3]);
    expect(json.build_config).toEqual({ input_shape: [null, 16, 16, 3] });
    const [inp, c1] = json.config.layers;
    expect(inp.config).toEqual({
      batch_shape: [null, 16, 16, 3],
      dtype: 'float32',
      sparse: false,
      name: 'img',
    });
    expect(c1.config).toMatchObject({
      kernel_size: [3, 3],
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'relu',
    });
    expect(c1.build_config).toEqual({ input_shape: [null, 16, 16, 3] });
    expect(
      json.config.layers.find((l: Any) => l.class_name === 'SeparableConv2D').config.activation,
    ).toBe('silu');
  });

  it('writes an unbuilt Sequential without input shapes and rebuilds it unbuilt', () => {
    const m = new Sequential({
      name: 'lazy',
      layers: [new Dense({ units: 3 }), new Dense({ units: 1 })],
    });
    const json = modelToKerasConfig(m) as Any;
    expect(json.config.build_input_shape).toBeUndefined();
    expect(json.config.layers[0].build_config).toBeUndefined();
    const m2 = modelFromKerasConfig(json);
    expect(m2.weights).toHaveLength(0);
    expect(modelToKerasConfig(m2)).toEqual(json);
    expect(() => modelToKeras2Config(m)).toThrow(/input shape/);
  });
});

describe('modelFromKerasConfig reads what TF.js writes', () => {
  /** Rebuilds a TF.js model from its toJSON, copies TF.js's weights in, compares outputs. */
  function checkFromTfjs(t: tf.LayersModel, xs: tf.Tensor[]): void {
    const m = modelFromKerasConfig(JSON.parse(JSON.stringify(t.toJSON(null, false))));
    const ours = [m.inputs[0]!.layer, ...m.layers.filter((l) => !(l instanceof InputLayer))];
    const theirNames = t.layers.map((l) => l.name);
    if (t.layers[0]!.getClassName() !== 'InputLayer')
      theirNames.unshift(t.inputs[0]!.sourceLayer.name);
    expect(ours.map((l) => l.name).sort()).toEqual(theirNames.sort());
    for (const tl of t.layers) {
      const l = ours.find((x) => x.name === tl.name)!;
      if (l instanceof InputLayer) continue;
      const shapes = l.inboundNodes.at(-1)!.outputs.map((o) => o.shape);
      expect(shapes.length === 1 ? shapes[0] : shapes, tl.name).toEqual(tl.outputShape);
      l.setWeights(tl.getWeights().map((w) => tensor(Array.from(w.dataSync()), w.shape)));
    }
    const ys = t.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
    const theirs = Array.isArray(ys) ? ys : [ys];
    const mine = predictAll(
      m,
      xs.map((x) =>
        tensor(Array.from(x.dataSync()), x.shape, x.dtype === 'int32' ? 'int32' : 'float32'),
      ),
    );
    theirs.forEach((y, i) => expectClose(mine[i]!, Array.from(y.dataSync()), { atol: 1e-4 }));
  }

  it('a recurrent Sequential', () => {
    const t = tf.sequential();
    t.add(tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, maskZero: true }));
    t.add(tf.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }));
    t.add(
      tf.layers.bidirectional({
        layer: tf.layers.gru({ units: 2, returnSequences: true }) as never,
      }),
    );
    t.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }) }));
    t.add(tf.layers.simpleRNN({ units: 2, returnSequences: true }));
    t.add(tf.layers.layerNormalization());
    t.add(tf.layers.batchNormalization());
    t.add(tf.layers.dropout({ rate: 0.1 }));
    t.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    t.add(tf.layers.reLU({ maxValue: 6 }));
    t.add(tf.layers.flatten());
    t.add(tf.layers.reshape({ targetShape: [5, 2] }));
    t.add(tf.layers.globalAveragePooling1d());
    checkFromTfjs(t, [
      tf.tensor(
        [
          [1, 2, 3, 0, 0],
          [4, 5, 6, 7, 9],
        ],
        [2, 5],
        'int32',
      ),
    ]);
  });

  it('a convolutional functional model with merges', () => {
    const x = tf.input({ shape: [8, 8, 3] });
    const c = tf.layers
      .conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' })
      .apply(x) as tf.SymbolicTensor;
    const d = tf.layers.depthwiseConv2d({ kernelSize: 3 }).apply(c) as tf.SymbolicTensor;
    const s = tf.layers
      .separableConv2d({ filters: 2, kernelSize: 3 })
      .apply(d) as tf.SymbolicTensor;
    const tr = tf.layers
      .conv2dTranspose({ filters: 2, kernelSize: 3 })
      .apply(s) as tf.SymbolicTensor;
    const p = tf.layers.averagePooling2d({ poolSize: 2 }).apply(tr) as tf.SymbolicTensor;
    const mp = tf.layers
      .maxPooling2d({ poolSize: 2, padding: 'same' })
      .apply(p) as tf.SymbolicTensor;
    const g = tf.layers.globalAveragePooling2d({}).apply(mp) as tf.SymbolicTensor;
    const z = tf.layers.zeroPadding2d({ padding: 1 }).apply(c) as tf.SymbolicTensor;
    const cr = tf.layers.cropping2D({ cropping: 1 }).apply(z) as tf.SymbolicTensor;
    const up = tf.layers.upSampling2d({ size: [2, 2] }).apply(cr) as tf.SymbolicTensor;
    const gm = tf.layers.globalMaxPooling2d({}).apply(up) as tf.SymbolicTensor;
    const a = tf.layers.add().apply([g, gm]) as tf.SymbolicTensor;
    const cc = tf.layers.concatenate().apply([a, g]) as tf.SymbolicTensor;
    const act = tf.layers.activation({ activation: 'softplus' }).apply(cc) as tf.SymbolicTensor;
    const dot = tf.layers.dot({ axes: 1 }).apply([act, act]) as tf.SymbolicTensor;
    const sm = tf.layers.softmax().apply(cc) as tf.SymbolicTensor;
    const el = tf.layers.elu().apply(sm) as tf.SymbolicTensor;
    const t = tf.model({ inputs: x, outputs: [el, dot] });
    checkFromTfjs(t, [tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 3)]);
  });
});

describe('modelToKeras2Config loads in TF.js', () => {
  /** Loads our Keras 2 JSON in TF.js, copies our weights in, and compares outputs. */
  async function checkInTfjs(m: Model, tol = 1e-4): Promise<void> {
    const topology = JSON.parse(JSON.stringify(modelToKeras2Config(m)));
    const t = await tf.models.modelFromJSON({ modelTopology: topology });
    const ours = new Map(m.layers.map((l) => [l.name, l]));
    for (const x of m.inputs) ours.set(x.layer.name, x.layer);
    expect(t.layers.map((l) => l.name)).toEqual([
      ...(m instanceof Sequential ? [m.inputs[0]!.layer.name] : []),
      ...m.layers.map((l) => l.name),
    ]);
    for (const tl of t.layers) {
      const l = ours.get(tl.name)!;
      expect(l, tl.name).toBeDefined();
      if (l instanceof InputLayer) continue;
      const node = l.inboundNodes.at(-1)!;
      const shapes = node.outputs.map((o) => o.shape);
      expect(tl.outputShape, tl.name).toEqual(shapes.length === 1 ? shapes[0] : shapes);
      tl.setWeights(l.getWeights().map(toTf));
    }
    const xs = randomInputs(m);
    const tfOut = t.predict(xs.length === 1 ? toTf(xs[0]!) : xs.map(toTf)) as
      | tf.Tensor
      | tf.Tensor[];
    const tfList = Array.isArray(tfOut) ? tfOut : [tfOut];
    const ourList = predictAll(m, xs);
    tfList.forEach((y, i) => {
      expect(y.shape).toEqual([...ourList[i]!.shape]);
      const a = y.dataSync();
      const b = ourList[i]!.dataSync();
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - Number(b[j]))).toBeLessThan(tol);
    });
  }

  it('Dense, Conv, pooling, BatchNormalization, Flatten, Dropout', async () => {
    const m = new Sequential({ name: 'tfjs_cnn' });
    m.add(input({ shape: [12, 12, 2], name: 'img' }));
    m.add(new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }));
    m.add(new MaxPooling2D({ poolSize: 2, name: 'pool' }));
    m.add(new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_b' }));
    m.add(new BatchNormalization({ name: 'bn' }));
    m.add(new AveragePooling2D({ poolSize: 1, name: 'avg' }));
    m.add(new Flatten({ name: 'flat' }));
    m.add(new Dropout({ rate: 0.25, name: 'drop' }));
    m.add(new Dense({ units: 5, activation: 'softmax', name: 'out' }));
    const bn = m.getLayer('bn');
    bn.setWeights(
      bn.getWeights().map((w, i) => randomUniform([...w.shape], 0.5, 1.5, { seed: i })),
    );
    await checkInTfjs(m);
  });

  it('Embedding, LSTM, GRU (resetAfter false), SimpleRNN, Dense', async () => {
    const m = new Sequential({ name: 'tfjs_rnn' });
    m.add(input({ shape: [7], dtype: 'int32', name: 'tokens' }));
    m.add(new Embedding({ inputDim: 30, outputDim: 4, name: 'embed' }));
    m.add(new LSTM({ units: 5, returnSequences: true, name: 'lstm' }));
    m.add(new GRU({ units: 3, resetAfter: false, returnSequences: true, name: 'gru' }));
    m.add(new SimpleRNN({ units: 2, name: 'rnn' }));
    m.add(new Dense({ units: 1, activation: 'sigmoid', name: 'prob' }));
    await checkInTfjs(m);
  });

  it('a functional model with merges, Bidirectional and TimeDistributed', async () => {
    const a = input({ shape: [4, 3], name: 'a' });
    const b = input({ shape: [4, 3], name: 'b' });
    const bi = new Bidirectional(new LSTM({ units: 2, returnSequences: true }), {
      name: 'bi',
    }).apply(a);
    const td = new TimeDistributed(new Dense({ units: 4 }), { name: 'td' }).apply(b);
    const s = add([bi, td], { name: 'sum' });
    const c = new Concatenate({ name: 'cat' }).apply([s, td]);
    const f = new Flatten({ name: 'flat' }).apply(c);
    const o1 = new Dense({ units: 2, name: 'o1', activation: 'tanh' }).apply(f);
    const o2 = new GlobalAveragePooling1D({ name: 'o2' }).apply(s);
    await checkInTfjs(model({ name: 'tfjs_fn', inputs: [a, b], outputs: [o1, o2] }));
  });
});
