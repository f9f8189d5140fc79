import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { ELU, LeakyReLU, ReLU, Softmax } from './activation_layers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Applies a tfjs layer to the values of x. */
function tfApply(layer: tf.layers.Layer, x: Tensor): Float32Array {
  return tf.tidy(
    () =>
      (
        layer.apply(tf.tensor(Array.from(x.dataSync()), [...x.shape])) as tf.Tensor
      ).dataSync() as Float32Array,
  );
}

function sample(shape: number[], seed: number): Tensor {
  setSeed(seed);
  return randomNormal(shape, 0, 2);
}

describe('ReLU', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: ReLU,
      inputShape: [2, 3],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: ReLU,
      args: { maxValue: 0.5, negativeSlope: 0.1, threshold: 0.2 },
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
    });
  });

  it("matches Keras's documented example", () => {
    const y = new ReLU({ maxValue: 10, negativeSlope: 0.5 }).apply(tensor([-10, -5, 0, 5, 10]));
    expectClose(y, [-5, -2.5, 0, 5, 10]);
  });

  it('applies threshold and negative slope as Keras does', () => {
    // x > 1 → x; otherwise 0.5·(x − 1).
    const y = new ReLU({ threshold: 1, negativeSlope: 0.5 }).apply(tensor([-1, 0.5, 1, 2]));
    expectClose(y, [-1, -0.25, 0, 2]);
    // A leak alone is a leaky ReLU.
    expectClose(new ReLU({ negativeSlope: 0.1 }).apply(tensor([-2, 3])), [-0.2, 3]);
  });

  it('matches tf.layers.reLU (maxValue) and tf.layers.thresholdedReLU (threshold)', () => {
    const x = sample([4, 5], 1);
    expectClose(new ReLU().apply(x), tfApply(tf.layers.reLU(), x));
    expectClose(
      new ReLU({ maxValue: 1.5 }).apply(x),
      tfApply(tf.layers.reLU({ maxValue: 1.5 }), x),
    );
    expectClose(
      new ReLU({ threshold: 0.7 }).apply(x),
      tfApply(tf.layers.thresholdedReLU({ theta: 0.7 }), x),
    );
  });

  it('refuses negative parameters', () => {
    expect(() => new ReLU({ maxValue: -1 })).toThrow(ValueError);
    expect(() => new ReLU({ negativeSlope: -0.1, name: 'relu_bad' })).toThrow(
      /relu_bad \(ReLU\): negativeSlope/,
    );
    expect(() => new ReLU({ threshold: -1 })).toThrow(/threshold/);
  });
});

describe('LeakyReLU', () => {
  it('passes the layer harness', () => {
    runLayerTest({ cls: LeakyReLU, inputShape: [2, 3], expectedOutputShape: [2, 3] });
    runLayerTest({
      cls: LeakyReLU,
      args: { negativeSlope: 0.05 },
      inputShape: [2, 2, 3],
      expectedOutputShape: [2, 2, 3],
    });
  });

  it('defaults to the Keras 3 layer slope 0.3 and matches tf.layers.leakyReLU', () => {
    const l = new LeakyReLU();
    expect(l.negativeSlope).toBe(0.3);
    expectClose(l.apply(tensor([-1, 2])), [-0.3, 2]);
    const x = sample([3, 4], 2);
    expectClose(l.apply(x), tfApply(tf.layers.leakyReLU(), x));
    expectClose(
      new LeakyReLU({ negativeSlope: 0.1 }).apply(x),
      tfApply(tf.layers.leakyReLU({ alpha: 0.1 }), x),
    );
  });

  it('accepts the legacy alpha and saves it as negativeSlope', () => {
    const l = new LeakyReLU({ alpha: 0.2 });
    expect(l.negativeSlope).toBe(0.2);
    expect(l.getConfig().negativeSlope).toBe(0.2);
    expect(l.getConfig()).not.toHaveProperty('alpha');
    expect(() => new LeakyReLU({ negativeSlope: -1 })).toThrow(ValueError);
  });
});

describe('Softmax', () => {
  it('passes the layer harness', () => {
    runLayerTest({ cls: Softmax, inputShape: [2, 5], expectedOutputShape: [2, 5] });
    runLayerTest({
      cls: Softmax,
      args: { axis: 1 },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
    });
    runLayerTest({
      cls: Softmax,
      args: { axis: [1, 2] },
      inputShape: [2, 3, 2],
      expectedOutputShape: [2, 3, 2],
    });
  });

  it("matches Keras's documented example and tf.layers.softmax", () => {
    expectClose(new Softmax().apply(tensor([1, 2, 1])), [0.21194157, 0.5761169, 0.21194157]);
    const x = sample([2, 3, 4], 3);
    // tfjs's layer defaults to axis 1 (Keras: -1), so the axis is given explicitly.
    expectClose(new Softmax().apply(x), tfApply(tf.layers.softmax({ axis: -1 }), x));
    // tfjs's softmax only takes the last axis: move axis 1 last, and back.
    const moved = tfApply(tf.layers.softmax({ axis: -1 }), x.transpose([0, 2, 1]));
    const ref = tensor(moved, [2, 4, 3]).transpose([0, 2, 1]);
    expectClose(new Softmax({ axis: 1 }).apply(x), ref);
  });

  it('normalises over several axes together', () => {
    const x = sample([2, 3, 2], 4);
    const y = new Softmax({ axis: [1, 2] }).apply(x);
    expectClose(y.sum([1, 2]), [1, 1]);
    const e = x.exp();
    expectClose(y, e.div(e.sum([1, 2], true)));
  });

  it('gives masked positions (mask 0) no weight', () => {
    const y = new Softmax().apply(tensor([[1, 2, 3]]), { mask: tensor([[1, 1, 0]]) });
    const e1 = Math.exp(1);
    const e2 = Math.exp(2);
    expectClose(y, [[e1 / (e1 + e2), e2 / (e1 + e2), 0]], { atol: 1e-6 });
  });

  it('refuses a non-integer axis', () => {
    expect(() => new Softmax({ axis: 0.5 })).toThrow(ValueError);
  });
});

describe('ELU', () => {
  it('passes the layer harness', () => {
    runLayerTest({ cls: ELU, inputShape: [2, 3], expectedOutputShape: [2, 3] });
    runLayerTest({
      cls: ELU,
      args: { alpha: 0.5 },
      inputShape: [3, 2],
      expectedOutputShape: [3, 2],
    });
  });

  it('computes alpha·(eˣ − 1) below 0 and matches tf.layers.elu', () => {
    expectClose(new ELU({ alpha: 2 }).apply(tensor([-1, 0, 3])), [2 * (Math.exp(-1) - 1), 0, 3]);
    const x = sample([3, 4], 5);
    expectClose(new ELU().apply(x), tfApply(tf.layers.elu(), x));
    // tfjs's ELU layer takes only alpha 1; alpha 0.5 against its elu op, scaled below 0.
    const ref = tf.tidy(() => {
      const tx = tf.tensor(Array.from(x.dataSync()), [...x.shape]);
      return tf.where(tf.greater(tx, 0), tx, tf.elu(tx).mul(0.5)).dataSync() as Float32Array;
    });
    expectClose(new ELU({ alpha: 0.5 }).apply(x), ref);
  });
});
