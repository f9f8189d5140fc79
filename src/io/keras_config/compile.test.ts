import { describe, expect, it } from 'vitest';
import { Dense } from '../../layers/dense.js';
import { input } from '../../layers/input_layer.js';
import { BinaryCrossentropy, Huber } from '../../losses.js';
import { AUC, CategoricalAccuracy } from '../../metrics.js';
import { type Model, model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { ones, tensor } from '../../ops/creation.js';
import { Adam, ExponentialDecay, RMSprop, SGD } from '../../optimizers/index.js';
import { serialize } from '../../serialization.js';
import { FormatError } from '../errors.js';
import { compileArgsFromKeras, modelFromKerasConfig, modelToKerasConfig } from '../keras_config.js';

// biome-ignore lint/suspicious/noExplicitAny: configs are untyped JSON.
type Any = any;

function classifier(): Sequential {
  return new Sequential({
    name: 'clf',
    layers: [
      input({ shape: [4], name: 'x' }),
      new Dense({ units: 3, activation: 'softmax', name: 'p' }),
    ],
  });
}

function twoHeads(): Model {
  const x = input({ shape: [4], name: 'x' });
  const h = new Dense({ units: 5, name: 'h' }).apply(x);
  const a = new Dense({ units: 1, name: 'score', activation: 'sigmoid' }).apply(h);
  const b = new Dense({ units: 2, name: 'value' }).apply(h);
  return model({ name: 'heads', inputs: x, outputs: [a, b] });
}

describe('compile_config', () => {
  it("is written only when asked for and the model is compiled, in Keras's spellings", () => {
    const m = classifier();
    expect(modelToKerasConfig(m, { compileConfig: true })).not.toHaveProperty('compile_config');
    m.compile({
      optimizer: new Adam({ learningRate: 0.01, beta1: 0.8 }),
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy', 'mae', 'sparseCategoricalAccuracy'],
    });
    expect(modelToKerasConfig(m)).not.toHaveProperty('compile_config');
    const cc = (modelToKerasConfig(m, { compileConfig: true }) as Any).compile_config;
    expect(cc).toEqual({
      optimizer: {
        module: 'keras.optimizers',
        class_name: 'Adam',
        config: {
          name: 'adam',
          learning_rate: 0.01,
          weight_decay: null,
          clipnorm: null,
          global_clipnorm: null,
          clipvalue: null,
          beta_1: 0.8,
          beta_2: 0.999,
          epsilon: 1e-7,
          amsgrad: false,
        },
        registered_name: null,
      },
      loss: 'sparse_categorical_crossentropy',
      loss_weights: null,
      metrics: ['accuracy', 'mae', 'sparse_categorical_accuracy'],
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    });
  });

  it('round-trips into model.compile: optimizer, schedule, losses, metrics', async () => {
    const m = classifier();
    m.compile({
      optimizer: new SGD({
        learningRate: new ExponentialDecay(0.1, 10, 0.5, true) as never,
        momentum: 0.9,
        nesterov: true,
      }),
      loss: new Huber({ delta: 2 }),
      metrics: [new CategoricalAccuracy({ name: 'acc_cat' }), new AUC({ numThresholds: 50 })],
    });
    const json = JSON.parse(JSON.stringify(modelToKerasConfig(m, { compileConfig: true })));
    expect(json.compile_config.loss).toMatchObject({
      module: 'keras.losses',
      class_name: 'Huber',
      config: { delta: 2 },
    });
    expect(json.compile_config.optimizer.config.learning_rate).toMatchObject({
      module: 'keras.optimizers.schedules',
      class_name: 'ExponentialDecay',
      config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true },
    });
    const args = compileArgsFromKeras(json)!;
    const m2 = modelFromKerasConfig(json);
    m2.compile(args);
    expect(serialize(m2.optimizer!)).toEqual(serialize(m.optimizer!));
    expect(m2.compiled!.losses.map((l) => serialize(l))).toEqual(
      m.compiled!.losses.map((l) => serialize(l)),
    );
    expect(modelToKerasConfig(m2, { compileConfig: true })).toEqual(json);
    const h = await m2.fit(tensor([[1, 2, 3, 4]]), tensor([[0, 0, 1]]), { epochs: 1, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['acc_cat', 'auc', 'loss']);
  });

  it('keys losses, metrics and weights by output for multi-output models', () => {
    const m = twoHeads();
    m.compile({
      optimizer: 'rmsprop',
      loss: { score: 'binary_crossentropy', value: 'mse' },
      metrics: { score: ['accuracy'], value: ['mae'] },
      lossWeights: { score: 1, value: 0.5 },
    });
    const cc = (modelToKerasConfig(m, { compileConfig: true }) as Any).compile_config;
    expect(cc.loss).toEqual({ score: 'binary_crossentropy', value: 'mean_squared_error' });
    expect(cc.metrics).toEqual({ score: ['accuracy'], value: ['mae'] });
    expect(cc.loss_weights).toEqual({ score: 1, value: 0.5 });
    const args = compileArgsFromKeras({ compile_config: cc })!;
    const m2 = twoHeads();
    m2.compile(args);
    expect(m2.compiled!.lossWeights).toEqual([1, 0.5]);
    expect(m2.compiled!.losses.map((l) => l.constructor)).toEqual([
      BinaryCrossentropy,
      m.compiled!.losses[1]!.constructor,
    ]);
    const logs = m2.evaluate(ones([2, 4]), [ones([2, 1]), ones([2, 2])]);
    expect(Object.keys(logs).sort()).toEqual([
      'loss',
      'score_accuracy',
      'score_loss',
      'value_loss',
      'value_mae',
    ]);
  });

  it('reads what Keras 3 writes, dropping its defaults', () => {
    const cc = {
      optimizer: {
        module: 'keras.optimizers',
        class_name: 'RMSprop',
        config: {
          name: 'rmsprop',
          learning_rate: 0.0010000000474974513,
          weight_decay: null,
          clipnorm: null,
          global_clipnorm: null,
          clipvalue: null,
          use_ema: false,
          ema_momentum: 0.99,
          ema_overwrite_frequency: null,
          loss_scale_factor: null,
          gradient_accumulation_steps: null,
          rho: 0.9,
          momentum: 0.0,
          epsilon: 1e-7,
          centered: false,
        },
        registered_name: null,
      },
      loss: {
        module: 'keras.losses',
        class_name: 'BinaryCrossentropy',
        registered_name: null,
        config: {
          name: 'binary_crossentropy',
          reduction: 'sum_over_batch_size',
          from_logits: true,
          label_smoothing: 0.1,
          axis: -1,
          dtype: null,
        },
      },
      loss_weights: null,
      metrics: [
        'accuracy',
        {
          module: 'keras.metrics',
          class_name: 'AUC',
          config: { name: 'auc', num_thresholds: 100 },
          registered_name: null,
        },
      ],
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: 'auto',
    };
    const args = compileArgsFromKeras({ compile_config: cc })! as Any;
    expect(args.optimizer).toEqual({
      className: 'RMSprop',
      config: {
        name: 'rmsprop',
        learningRate: 0.0010000000474974513,
        weightDecay: null,
        clipnorm: null,
        globalClipnorm: null,
        clipvalue: null,
        rho: 0.9,
        momentum: 0,
        epsilon: 1e-7,
        centered: false,
      },
    });
    expect(args.loss).toEqual({
      className: 'BinaryCrossentropy',
      config: {
        name: 'binary_crossentropy',
        reduction: 'sum_over_batch_size',
        fromLogits: true,
        labelSmoothing: 0.1,
        axis: -1,
      },
    });
    expect(args.metrics[0]).toBe('accuracy');
    expect(args.metrics[1]).toBeInstanceOf(AUC);
    const m = twoHeads();
    const single = new Sequential({ layers: [input({ shape: [4] }), new Dense({ units: 1 })] });
    single.compile(args);
    expect(single.optimizer).toBeInstanceOf(RMSprop);
    expect(m).toBeDefined();
  });

  it("reads Keras 2's training_config and TF.js's trainingConfig", () => {
    const keras2 = compileArgsFromKeras({
      training_config: {
        loss: 'categorical_crossentropy',
        metrics: ['acc'],
        weighted_metrics: null,
        loss_weights: null,
        optimizer_config: {
          class_name: 'Adam',
          config: {
            name: 'Adam',
            learning_rate: 0.001,
            decay: 0.0,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
          },
        },
      },
    })!;
    expect(keras2.optimizer).toEqual({
      className: 'Adam',
      config: {
        name: 'Adam',
        learningRate: 0.001,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        amsgrad: false,
      },
    });
    expect(keras2.metrics).toEqual(['acc']);
    const tfjs = compileArgsFromKeras({
      trainingConfig: {
        loss: 'mean_squared_error',
        metrics: ['mse'],
        optimizer_config: {
          class_name: 'RMSProp',
          config: { learning_rate: 0.01, decay: 0.95, momentum: 0, epsilon: 1e-7, centered: false },
        },
      },
    })! as Any;
    // TF.js's RMSProp calls rho 'decay'.
    expect(tfjs.optimizer).toEqual({
      className: 'RMSprop',
      config: { learningRate: 0.01, rho: 0.95, momentum: 0, epsilon: 1e-7, centered: false },
    });
    const m = classifier();
    m.compile(tfjs);
    expect((m.optimizer as RMSprop).getConfig().rho).toBe(0.95);
  });

  it('returns null without a training setup', () => {
    expect(compileArgsFromKeras({ compile_config: {} })).toBeNull();
    expect(compileArgsFromKeras({ compile_config: null })).toBeNull();
    expect(compileArgsFromKeras({})).toBeNull();
    expect(compileArgsFromKeras({ optimizer: 'adam', loss: null })).toBeNull();
  });

  it('refuses what Tessera cannot honour', () => {
    const opt = (config: object) => ({ optimizer: { class_name: 'Adam', config }, loss: 'mse' });
    expect(() => compileArgsFromKeras(opt({ loss_scale_factor: 128 }))).toThrow(FormatError);
    expect(() => compileArgsFromKeras(opt({ loss_scale_factor: 128 }))).toThrow(
      /'loss_scale_factor' = 128/,
    );
    // EMA and gradient accumulation are honoured (Optimizer base options).
    expect(
      compileArgsFromKeras(
        opt({ use_ema: true, ema_momentum: 0.9, gradient_accumulation_steps: 2 }),
      )?.optimizer,
    ).toEqual({
      className: 'Adam',
      config: { useEma: true, emaMomentum: 0.9, gradientAccumulationSteps: 2 },
    });
    expect(() => compileArgsFromKeras(opt({ decay: 0.01 }))).toThrow(/'decay' = 0.01/);
    expect(() => compileArgsFromKeras({ optimizer: 'adamq', loss: 'mse' })).toThrow(/adamq/);
    expect(() =>
      compileArgsFromKeras({ optimizer: { class_name: 'Muon', config: {} }, loss: 'mse' }),
    ).toThrow(/unknown optimizer 'Muon'/);
    expect(() => compileArgsFromKeras({ optimizer: 'adam', loss: 'fancy_loss' })).toThrow(
      /unknown loss 'fancy_loss'/,
    );
    expect(() => compileArgsFromKeras({ optimizer: 'adam', loss: 'mse', metrics: ['zz'] })).toThrow(
      /unknown metric 'zz'/,
    );
    expect(() =>
      compileArgsFromKeras({ optimizer: 'adam', loss: 'mse', weighted_metrics: ['mae'] }),
    ).toThrow(/weighted_metrics/);
    expect(() =>
      compileArgsFromKeras({
        optimizer: 'adam',
        loss: { class_name: 'Huber', config: { delta: 'x' } },
      }),
    ).toThrow(FormatError);
    expect(() =>
      compileArgsFromKeras({
        optimizer: 'adam',
        loss: { class_name: 'MeanSquaredError', config: { squash: 2 } },
      }),
    ).toThrow(/'squash' = 2/);
    expect(() => compileArgsFromKeras('{"__proto__": {}}')).toThrow(/forbidden key/);
  });
});
