import { describe, expect, it } from 'vitest';
import { Dense, type GRU, LSTM } from '../../layers/index.js';
import { InputLayer } from '../../layers/input_layer.js';
import { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { modelFromKerasConfig, modelToKeras2Config, modelToKerasConfig } from '../keras_config.js';

// biome-ignore lint/suspicious/noExplicitAny: configs are untyped JSON.
type Any = any;

const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
const zeros = { class_name: 'Zeros', config: {} };
const ones = { class_name: 'Ones', config: {} };

/** A Keras 2 (tf.keras 2.x) functional model_config, as legacy .h5 files hold it. */
const keras2Functional = {
  class_name: 'Functional',
  config: {
    name: 'model',
    trainable: true,
    layers: [
      {
        class_name: 'InputLayer',
        config: {
          batch_input_shape: [null, 8, 8, 1],
          dtype: 'float32',
          sparse: false,
          ragged: false,
          name: 'input_1',
        },
        name: 'input_1',
        inbound_nodes: [],
      },
      {
        class_name: 'Conv2D',
        config: {
          name: 'conv2d',
          trainable: true,
          dtype: 'float32',
          filters: 4,
          kernel_size: [3, 3],
          strides: [1, 1],
          padding: 'same',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          groups: 1,
          activation: 'linear',
          use_bias: true,
          kernel_initializer: glorot,
          bias_initializer: zeros,
          kernel_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
        },
        name: 'conv2d',
        inbound_nodes: [[['input_1', 0, 0, {}]]],
      },
      {
        class_name: 'BatchNormalization',
        config: {
          name: 'batch_normalization',
          trainable: true,
          dtype: 'float32',
          axis: [3],
          momentum: 0.99,
          epsilon: 0.001,
          center: true,
          scale: true,
          beta_initializer: zeros,
          gamma_initializer: ones,
          moving_mean_initializer: zeros,
          moving_variance_initializer: ones,
          beta_regularizer: null,
          gamma_regularizer: null,
          beta_constraint: null,
          gamma_constraint: null,
        },
        name: 'batch_normalization',
        inbound_nodes: [[['conv2d', 0, 0, { training: false }]]],
      },
      {
        class_name: 'LeakyReLU',
        config: {
          name: 'leaky_re_lu',
          trainable: true,
          dtype: 'float32',
          alpha: 0.30000001192092896,
        },
        name: 'leaky_re_lu',
        inbound_nodes: [[['batch_normalization', 0, 0, {}]]],
      },
      {
        class_name: 'Reshape',
        config: { name: 'reshape', trainable: true, dtype: 'float32', target_shape: [8, 32] },
        name: 'reshape',
        inbound_nodes: [[['leaky_re_lu', 0, 0, {}]]],
      },
      {
        class_name: 'GRU',
        config: {
          name: 'gru',
          trainable: true,
          dtype: 'float32',
          return_sequences: true,
          return_state: false,
          go_backwards: false,
          stateful: false,
          unroll: false,
          time_major: false,
          units: 5,
          activation: 'tanh',
          recurrent_activation: 'sigmoid',
          use_bias: true,
          kernel_initializer: glorot,
          recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } },
          bias_initializer: zeros,
          kernel_regularizer: null,
          recurrent_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          recurrent_constraint: null,
          bias_constraint: null,
          dropout: 0.0,
          recurrent_dropout: 0.0,
          implementation: 2,
          reset_after: true,
        },
        name: 'gru',
        inbound_nodes: [[['reshape', 0, 0, {}]]],
      },
      {
        class_name: 'LSTM',
        config: {
          name: 'lstm',
          trainable: true,
          dtype: 'float32',
          return_sequences: false,
          return_state: false,
          go_backwards: false,
          stateful: false,
          unroll: false,
          time_major: false,
          units: 3,
          activation: 'tanh',
          recurrent_activation: 'hard_sigmoid',
          use_bias: true,
          kernel_initializer: glorot,
          recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } },
          bias_initializer: zeros,
          unit_forget_bias: true,
          kernel_regularizer: null,
          recurrent_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          recurrent_constraint: null,
          bias_constraint: null,
          dropout: 0.0,
          recurrent_dropout: 0.0,
          implementation: 1,
        },
        name: 'lstm',
        inbound_nodes: [[['gru', 0, 0, {}]]],
      },
      {
        class_name: 'Dense',
        config: {
          name: 'dense',
          trainable: true,
          dtype: 'float32',
          units: 2,
          activation: 'softmax',
          use_bias: true,
          kernel_initializer: {
            class_name: 'VarianceScaling',
            config: {
              scale: 2.0,
              mode: 'fan_in',
              distribution: 'truncated_normal',
              seed: null,
              dtype: 'float32',
            },
          },
          bias_initializer: zeros,
          kernel_regularizer: { class_name: 'L2', config: { l2: 0.009999999776482582 } },
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } },
          bias_constraint: null,
        },
        name: 'dense',
        inbound_nodes: [[['lstm', 0, 0, {}]]],
      },
    ],
    input_layers: [['input_1', 0, 0]],
    output_layers: [['dense', 0, 0]],
  },
  keras_version: '2.13.1',
  backend: 'tensorflow',
};

describe('Keras 2 configs (legacy .h5 model_config)', () => {
  it('rebuilds a tf.keras 2 functional model', () => {
    const m = modelFromKerasConfig(structuredClone(keras2Functional));
    expect(m.className).toBe('Functional');
    expect(m.isMultiInput).toBe(false);
    expect(m.layers.map((l) => l.className)).toEqual([
      'InputLayer',
      'Conv2D',
      'BatchNormalization',
      'LeakyReLU',
      'Reshape',
      'GRU',
      'LSTM',
      'Dense',
    ]);
    expect(m.outputs[0]!.shape).toEqual([null, 2]);
    const c = m.getConfig() as Any;
    const layer = (n: string) => c.layers.find((l: Any) => l.name === n).config;
    expect(layer('batch_normalization').axis).toBe(3);
    expect(layer('leaky_re_lu').negativeSlope).toBeCloseTo(0.3);
    expect(layer('gru').resetAfter).toBe(true);
    // Keras 2's hard_sigmoid is clip(0.2x + 0.5, 0, 1), not Keras 3's relu6(x + 3) / 6.
    expect(layer('lstm').recurrentActivation).toBe('hardSigmoidKeras2');
    expect(layer('dense').kernelInitializer).toEqual({
      className: 'VarianceScaling',
      config: { seed: null, scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' },
    });
    expect(layer('dense').kernelConstraint).toEqual({
      className: 'MaxNorm',
      config: { maxValue: 2, axis: 0 },
    });
    // The training kwarg of a node is replayed.
    expect(m.graphNodes.find((n) => n.layer.name === 'batch_normalization')!.callArgs).toEqual({
      training: false,
    });
    // Keras 3's model.weights order: each layer's trainable then non-trainable variables, so
    // BatchNormalization's moving statistics follow its gamma and beta.
    expect(m.weights.map((w) => w.shape)).toEqual([
      [3, 3, 1, 4],
      [4],
      [4],
      [4],
      [4],
      [4],
      [32, 15],
      [5, 15],
      [2, 15],
      [5, 12],
      [3, 12],
      [12],
      [3, 2],
      [2],
    ]);
    // Keras 3 has no Keras 2 hard sigmoid: its config refuses the model, naming the layer…
    expect(() => modelToKerasConfig(m)).toThrow(
      /layer 'lstm' recurrentActivation: 'hardSigmoidKeras2'.*no Keras 3 equivalent/,
    );
    // …while the Keras 2 schema writes it as hard_sigmoid and reads back the same.
    const k2 = modelToKeras2Config(m) as Any;
    expect(JSON.stringify(k2)).toContain('"recurrent_activation":"hard_sigmoid"');
    const again = modelFromKerasConfig({ model_config: k2, keras_version: '2.13.1' });
    expect(modelToKeras2Config(again)).toEqual(k2);
  });

  it('reads hard_sigmoid as its writer meant: Keras 1/2 clip(0.2x + 0.5), Keras 3 relu6(x + 3) / 6', () => {
    const recurrentActivation = (root: Any) =>
      (modelFromKerasConfig(root).getLayer('lstm').getConfig() as Any).recurrentActivation;
    const { keras_version: _, ...bare } = structuredClone(keras2Functional) as Any;
    // A legacy .h5 holds model_config and keras_version side by side (loadModel joins them).
    const wrapped = (v: string) => ({ model_config: bare, keras_version: v });
    expect(recurrentActivation(wrapped('2.13.1'))).toBe('hardSigmoidKeras2');
    expect(recurrentActivation(wrapped('1.2.2'))).toBe('hardSigmoidKeras2');
    expect(recurrentActivation(wrapped('3.15.1'))).toBe('hardSigmoid');
    expect(recurrentActivation(bare)).toBe('hardSigmoid');
  });

  it('refuses Keras 2 options that change behaviour', () => {
    const c = structuredClone(keras2Functional) as Any;
    c.config.layers[5].config.time_major = true;
    expect(() => modelFromKerasConfig(c)).toThrow(/layer 'gru', GRU.*'time_major' = true/);
    const d = structuredClone(keras2Functional) as Any;
    d.config.layers[2].config.axis = [1, 2];
    expect(() => modelFromKerasConfig(d)).toThrow(/axis \[1,2\] is not supported/);
  });

  it('rebuilds a Sequential whose first layer declares the input (Keras 2, TF.js)', () => {
    const cfg = {
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [
          {
            class_name: 'Embedding',
            config: {
              name: 'embedding',
              trainable: true,
              batch_input_shape: [null, 10],
              dtype: 'float32',
              input_dim: 50,
              output_dim: 4,
              embeddings_initializer: {
                class_name: 'RandomUniform',
                config: { minval: -0.05, maxval: 0.05, seed: null },
              },
              embeddings_regularizer: null,
              activity_regularizer: null,
              embeddings_constraint: null,
              mask_zero: true,
              input_length: 10,
            },
          },
          { class_name: 'GRU', config: { name: 'gru', units: 3, reset_after: false } },
          { class_name: 'Dense', config: { name: 'out', units: 1, activation: 'sigmoid' } },
        ],
      },
      keras_version: '2.2.4',
      backend: 'tensorflow',
    };
    const m = modelFromKerasConfig(cfg);
    expect(m).toBeInstanceOf(Sequential);
    expect(m.inputs[0]!.layer.name).toBe('embedding_input');
    expect(m.inputs[0]!.shape).toEqual([null, 10]);
    expect((m.getLayer('gru') as GRU).resetAfter).toBe(false);
    expect(m.getLayer('embedding').batchInputShape).toBeNull();
    expect(m.weights.map((w) => w.shape)).toEqual([[50, 4], [4, 9], [3, 9], [9], [3, 1], [1]]);
  });

  it('reads the GRU variant a file without reset_after means: v1 for TF.js, v3 otherwise', () => {
    const layers = [
      { class_name: 'GRU', config: { name: 'g', units: 2, batch_input_shape: [null, 3, 2] } },
    ];
    const keras = modelFromKerasConfig({ class_name: 'Sequential', config: { name: 's', layers } });
    expect((keras.getLayer('g') as GRU).resetAfter).toBe(true);
    const tfjs = modelFromKerasConfig({
      class_name: 'Sequential',
      config: { name: 's', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    });
    expect((tfjs.getLayer('g') as GRU).resetAfter).toBe(false);
  });

  it("reads Keras 1's bare layer list and Keras aliases of class names", () => {
    const m = modelFromKerasConfig({
      class_name: 'Sequential',
      config: [
        {
          class_name: 'Convolution2D',
          config: { name: 'c', filters: 2, kernel_size: 3, batch_input_shape: [null, 6, 6, 1] },
        },
        { class_name: 'MaxPool2D', config: { name: 'p' } },
        { class_name: 'GlobalAvgPool2D', config: { name: 'g' } },
      ],
    });
    expect(m.layers.map((l) => l.className)).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'GlobalAveragePooling2D',
    ]);
    expect(m.outputs[0]!.shape).toEqual([null, 2]);
  });
});

describe('TF.js topologies', () => {
  /** A functional topology as tfjs-layers' `model.toJSON()` writes it. */
  const tfjsFunctional = {
    class_name: 'Model',
    config: {
      name: 'model1',
      layers: [
        {
          name: 'input1',
          class_name: 'InputLayer',
          config: {
            batch_input_shape: [null, 6, 3],
            dtype: 'float32',
            sparse: false,
            name: 'input1',
          },
          inbound_nodes: [],
        },
        {
          name: 'bidirectional_Bidirectional1',
          class_name: 'Bidirectional',
          config: {
            merge_mode: 'concat',
            layer: {
              class_name: 'LSTM',
              config: {
                units: 2,
                activation: 'tanh',
                recurrent_activation: 'hard_sigmoid',
                use_bias: true,
                kernel_initializer: {
                  class_name: 'VarianceScaling',
                  config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
                },
                recurrent_initializer: {
                  class_name: 'Orthogonal',
                  config: { gain: 1, seed: null },
                },
                bias_initializer: { class_name: 'Zeros', config: {} },
                unit_forget_bias: true,
                kernel_regularizer: null,
                recurrent_regularizer: null,
                bias_regularizer: null,
                activity_regularizer: null,
                kernel_constraint: null,
                recurrent_constraint: null,
                bias_constraint: null,
                dropout: 0,
                recurrent_dropout: 0,
                implementation: 1,
                name: 'lstm_LSTM1',
                trainable: true,
                return_sequences: true,
                return_state: false,
                go_backwards: false,
                stateful: false,
                unroll: false,
              },
            },
            name: 'bidirectional_Bidirectional1',
            trainable: true,
          },
          inbound_nodes: [[['input1', 0, 0, {}]]],
        },
        {
          name: 'time_distributed_TimeDistributed1',
          class_name: 'TimeDistributed',
          config: {
            layer: {
              class_name: 'Dense',
              config: {
                units: 2,
                activation: 'linear',
                use_bias: true,
                name: 'dense_Dense1',
                trainable: true,
                kernel_initializer: {
                  class_name: 'LeCunNormal',
                  config: { scale: 1, mode: 'fan_in', distribution: 'normal', seed: 3 },
                },
              },
            },
            name: 'time_distributed_TimeDistributed1',
            trainable: true,
          },
          inbound_nodes: [[['bidirectional_Bidirectional1', 0, 0, {}]]],
        },
        {
          name: 'flatten_Flatten1',
          class_name: 'Flatten',
          config: { name: 'flatten_Flatten1', trainable: true },
          inbound_nodes: [[['time_distributed_TimeDistributed1', 0, 0, {}]]],
        },
        {
          name: 'dense_Dense2',
          class_name: 'Dense',
          config: {
            units: 1,
            activation: 'sigmoid',
            use_bias: true,
            name: 'dense_Dense2',
            trainable: true,
          },
          inbound_nodes: [[['flatten_Flatten1', 0, 0, {}]]],
        },
      ],
      input_layers: [['input1', 0, 0]],
      output_layers: [['dense_Dense2', 0, 0]],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };

  it('rebuilds a functional topology with wrappers and TF.js spellings', () => {
    const m = modelFromKerasConfig(structuredClone(tfjsFunctional));
    expect(m.layers.map((l) => l.name)).toEqual([
      'input1',
      'bidirectional_Bidirectional1',
      'time_distributed_TimeDistributed1',
      'flatten_Flatten1',
      'dense_Dense2',
    ]);
    expect(m.outputs[0]!.shape).toEqual([null, 1]);
    const bi = m.getLayer('bidirectional_Bidirectional1') as Any;
    expect(bi.forwardLayer.name).toBe('forward_lstm_LSTM1');
    expect(bi.backwardLayer.name).toBe('backward_lstm_LSTM1');
    expect(bi.forwardLayer).toBeInstanceOf(LSTM);
    const td = (m.getConfig() as Any).layers[2].config.layer.config;
    expect(td.kernelInitializer).toEqual({ className: 'LecunNormal', config: { seed: 3 } });
    expect(m.weights.map((w) => w.shape)).toEqual([
      [3, 8],
      [2, 8],
      [8],
      [3, 8],
      [2, 8],
      [8],
      [4, 2],
      [2],
      [12, 1],
      [1],
    ]);
  });

  it('unwraps the converter form and whole model.json objects', () => {
    const a = modelFromKerasConfig({
      keras_version: '2.4.0',
      backend: 'tensorflow',
      model_config: structuredClone(tfjsFunctional),
    });
    const b = modelFromKerasConfig({
      format: 'layers-model',
      modelTopology: structuredClone(tfjsFunctional),
      weightsManifest: [],
    });
    const c = modelFromKerasConfig({ model_config: JSON.stringify(tfjsFunctional) });
    // TF.js's LSTM uses Keras 2's hard sigmoid, which only the Keras 2 schema can hold.
    expect(modelToKeras2Config(a)).toEqual(modelToKeras2Config(b));
    expect(modelToKeras2Config(c)).toEqual(modelToKeras2Config(b));
  });
});

describe('nested models', () => {
  /** A Keras 3 functional config with a nested Functional, indexed as Keras writes it. */
  function keras3Nested(historyIndex: number): Any {
    const tensor = (name: string, node: number, shape: number[]) => ({
      class_name: '__keras_tensor__',
      config: { shape: [null, ...shape], dtype: 'float32', keras_history: [name, node, 0] },
    });
    const dense = (name: string, units: number) => ({
      module: 'keras.layers',
      class_name: 'Dense',
      registered_name: null,
      config: { name, units, activation: 'linear', use_bias: true },
    });
    const input = (name: string, n: number) => ({
      module: 'keras.layers',
      class_name: 'InputLayer',
      registered_name: null,
      name,
      inbound_nodes: [],
      config: {
        batch_shape: [null, n],
        dtype: 'float32',
        sparse: false,
        ragged: false,
        name,
        optional: false,
      },
    });
    const inner = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      registered_name: 'Functional',
      name: 'inner',
      config: {
        name: 'inner',
        trainable: true,
        layers: [
          input('inner_in', 3),
          {
            ...dense('inner_dense', 2),
            name: 'inner_dense',
            inbound_nodes: [{ args: [tensor('inner_in', 0, [3])], kwargs: {} }],
          },
        ],
        input_layers: ['inner_in', 0, 0],
        output_layers: ['inner_dense', 0, 0],
      },
      inbound_nodes: [
        { args: [tensor('outer_in', 0, [3])], kwargs: {} },
        { args: [tensor('pre', 0, [3])], kwargs: {} },
      ],
    };
    return {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      registered_name: 'Functional',
      config: {
        name: 'outer',
        trainable: true,
        layers: [
          input('outer_in', 3),
          {
            ...dense('pre', 3),
            name: 'pre',
            inbound_nodes: [{ args: [tensor('outer_in', 0, [3])], kwargs: {} }],
          },
          inner,
          {
            ...dense('post', 1),
            name: 'post',
            inbound_nodes: [{ args: [tensor('inner', historyIndex, [2])], kwargs: {} }],
          },
        ],
        input_layers: ['outer_in', 0, 0],
        // Keras 3 counts a nested Functional's calls from 1 here.
        output_layers: [
          ['post', 0, 0],
          ['inner', 2, 0],
        ],
      },
    };
  }

  for (const idx of [0, 1]) {
    it(`reads a nested Functional whose keras_history counts from ${idx}`, () => {
      const m = modelFromKerasConfig(keras3Nested(idx));
      const inner = m.getLayer('inner') as Model;
      expect(inner).toBeInstanceOf(Model);
      expect(inner.inboundNodes).toHaveLength(2);
      // 'post' consumes the first call (on outer_in); the second output is the second call.
      const post = m.graphNodes.find((n) => n.layer.name === 'post')!;
      expect(post.inputs[0]!.node).toBe(inner.inboundNodes[0]);
      expect(m.outputs[1]!.node).toBe(inner.inboundNodes[1]);
    });
  }

  it('writes and reads nested Sequential and Functional models', () => {
    const m = modelFromKerasConfig(keras3Nested(1));
    const json = modelToKerasConfig(m) as Any;
    expect(json.config.output_layers).toEqual([
      ['post', 0, 0],
      ['inner', 2, 0],
    ]);
    expect(modelToKerasConfig(modelFromKerasConfig(json))).toEqual(json);
    // A Sequential holding a functional model and a Sequential.
    const inner = modelFromKerasConfig(keras3Nested(1)).getLayer('inner') as Model;
    const seq = new Sequential({ name: 'outer_seq' });
    seq.add(new InputLayer({ batchShape: [null, 3], name: 'seq_in' }));
    seq.add(inner);
    seq.add(
      new Sequential({ name: 'tail', layers: [new Dense({ units: 4, name: 'tail_dense' })] }),
    );
    const js = modelToKerasConfig(seq) as Any;
    expect(js.config.layers.map((l: Any) => l.class_name)).toEqual([
      'InputLayer',
      'Functional',
      'Sequential',
    ]);
    const back = modelFromKerasConfig(js);
    expect(modelToKerasConfig(back)).toEqual(js);
    expect(back.outputs[0]!.shape).toEqual([null, 4]);
    // As first layer without an input layer, the nested model's input is used.
    const { build_input_shape: _shape, ...config } = js.config;
    const { build_config: _build, ...env } = js;
    const again = modelFromKerasConfig({
      ...env,
      config: { ...config, layers: config.layers.slice(1) },
    });
    expect(again.inputs[0]!.shape).toEqual([null, 3]);
    expect(again.outputs[0]!.shape).toEqual([null, 4]);
  });
});
