import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { Adagrad } from './adagrad.js';

const SHAPE = [2, 2];
const W0 = [0.5, -1.2, 2.0, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];

/** Keras 3 Adagrad, written from its update rule: a += g²; w −= lr·g/√(a + ε). */
function reference(lr: number, init: number, eps: number): { w: number[]; a: number[] } {
  const w = [...W0];
  const a = W0.map(() => init);
  for (const g of GRADS) {
    for (let i = 0; i < w.length; i++) {
      a[i]! += g[i]! ** 2;
      w[i]! -= (lr * g[i]!) / Math.sqrt(a[i]! + eps);
    }
  }
  return { w, a };
}

function run(opt: Adagrad): { w: number[]; a: number[] } {
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of GRADS) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return { w: [...w.dataSync()], a: [...opt.getSlot(w, 'accumulator').dataSync()] };
}

describe('Adagrad', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner
    await tf.setBackend('cpu');
  });

  it('has the Keras defaults', () => {
    const opt = new Adagrad();
    expect([opt.currentLearningRate, opt.initialAccumulatorValue, opt.epsilon, opt.name]).toEqual([
      0.001,
      0.1,
      1e-7,
      'adagrad',
    ]);
  });

  it('three steps match the formula', () => {
    const got = run(new Adagrad({ learningRate: 0.2 }));
    const ref = reference(0.2, 0.1, 1e-7);
    expectClose(got.w, ref.w, { rtol: 1e-5, atol: 1e-7 });
    expectClose(got.a, ref.a, { rtol: 1e-5, atol: 1e-7 });
  });

  // tfjs's Adagrad is Keras's: the same 0.1 initial accumulator and ε (the backend's 1e-7 for
  // float32) inside the square root, so it serves as a second oracle.
  it('three steps match tf.train.adagrad', () => {
    const got = run(new Adagrad({ learningRate: 0.2 }));
    const v = tf.variable(tf.tensor(W0, SHAPE), true, 'adagrad_w');
    const opt: tf.Optimizer = tf.train.adagrad(0.2, 0.1);
    for (const g of GRADS) opt.applyGradients({ [v.name]: tf.tensor(g, SHAPE) });
    expectClose(got.w, [...v.dataSync()], { rtol: 1e-5, atol: 1e-7 });
  });

  it('honours initialAccumulatorValue and epsilon', () => {
    const got = run(
      new Adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.5, epsilon: 1e-3 }),
    );
    expectClose(got.w, reference(0.2, 0.5, 1e-3).w, { rtol: 1e-5, atol: 1e-7 });
  });

  it('rejects a negative initialAccumulatorValue', () => {
    expect(() => new Adagrad({ initialAccumulatorValue: -1 })).toThrow(
      /Adagrad: initialAccumulatorValue/,
    );
  });
});
