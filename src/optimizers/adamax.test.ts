import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { Adamax } from './adamax.js';

const SHAPE = [2, 2];
const W0 = [0.5, -1.2, 2.0, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];
const TOL = { rtol: 1e-5, atol: 1e-7 };

/** Keras 3 Adamax, written from its update rule. */
function reference(
  lr: number,
  b1: number,
  b2: number,
  eps: number,
): { w: number[]; m: number[]; u: number[] } {
  const w = [...W0];
  const m = W0.map(() => 0);
  const u = W0.map(() => 0);
  GRADS.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < w.length; i++) {
      m[i]! += (g[i]! - m[i]!) * (1 - b1);
      u[i] = Math.max(b2 * u[i]!, Math.abs(g[i]!));
      w[i]! -= (lr * m[i]!) / ((1 - b1 ** t) * (u[i]! + eps));
    }
  });
  return { w, m, u };
}

function run(opt: Adamax) {
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of GRADS) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return {
    w: [...w.dataSync()],
    m: [...opt.getSlot(w, 'momentum').dataSync()],
    u: [...opt.getSlot(w, 'norm').dataSync()],
  };
}

describe('Adamax', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner
    await tf.setBackend('cpu');
  });

  it('has the Keras defaults', () => {
    const o = new Adamax();
    expect([o.currentLearningRate, o.beta1, o.beta2, o.epsilon, o.name]).toEqual([
      0.001,
      0.9,
      0.999,
      1e-7,
      'adamax',
    ]);
  });

  it('three steps match the Keras formula', () => {
    const got = run(new Adamax({ learningRate: 0.1 }));
    const ref = reference(0.1, 0.9, 0.999, 1e-7);
    expectClose(got.w, ref.w, TOL);
    expectClose(got.m, ref.m, TOL);
    expectClose(got.u, ref.u, TOL);
  });

  it('three steps with other betas match the Keras formula', () => {
    expectClose(
      run(new Adamax({ learningRate: 0.1, beta1: 0.5, beta2: 0.6 })).w,
      reference(0.1, 0.5, 0.6, 1e-7).w,
      TOL,
    );
  });

  // tfjs's Adamax (with decay 0) is Keras's rule: ε is added to the norm and the bias
  // correction divides the step, so it serves as a second oracle.
  it('three steps match tf.train.adamax', () => {
    const v = tf.variable(tf.tensor(W0, SHAPE), true, 'adamax_w');
    const opt: tf.Optimizer = tf.train.adamax(0.1, 0.9, 0.999, 1e-7, 0);
    for (const g of GRADS) opt.applyGradients({ [v.name]: tf.tensor(g, SHAPE) });
    expectClose(run(new Adamax({ learningRate: 0.1 })).w, [...v.dataSync()], TOL);
  });
});
