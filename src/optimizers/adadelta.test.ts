import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { Adadelta } from './adadelta.js';

const SHAPE = [2, 2];
// Small weights so that Adadelta's small steps are a large part of each value.
const W0 = [0.005, -0.012, 0.02, 0.001];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];
const TOL = { rtol: 1e-5, atol: 1e-9 };

/**
 * Keras 3 Adadelta, written from its update rule: the gradient average is updated first and
 * the new value divides the step.
 */
function reference(
  lr: number,
  rho: number,
  eps: number,
): { w: number[]; a: number[]; d: number[] } {
  const w = [...W0];
  const a = W0.map(() => 0);
  const d = W0.map(() => 0);
  for (const g of GRADS) {
    for (let i = 0; i < w.length; i++) {
      a[i] = rho * a[i]! + (1 - rho) * g[i]! ** 2;
      const delta = (-Math.sqrt(d[i]! + eps) * g[i]!) / Math.sqrt(a[i]! + eps);
      d[i] = rho * d[i]! + (1 - rho) * delta ** 2;
      w[i]! += lr * delta;
    }
  }
  return { w, a, d };
}

function run(opt: Adadelta) {
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of GRADS) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return {
    w: [...w.dataSync()],
    a: [...opt.getSlot(w, 'accumulatedGrad').dataSync()],
    d: [...opt.getSlot(w, 'accumulatedDeltaVar').dataSync()],
  };
}

describe('Adadelta', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner
    await tf.setBackend('cpu');
  });

  it('has the Keras defaults', () => {
    const o = new Adadelta();
    expect([o.currentLearningRate, o.rho, o.epsilon, o.name]).toEqual([
      0.001,
      0.95,
      1e-7,
      'adadelta',
    ]);
  });

  it('three steps match the Keras formula', () => {
    const got = run(new Adadelta({ learningRate: 1 }));
    const ref = reference(1, 0.95, 1e-7);
    expectClose(got.w, ref.w, TOL);
    expectClose(got.a, ref.a, TOL);
    expectClose(got.d, ref.d, { rtol: 1e-5, atol: 1e-14 });
  });

  it('three steps with other rho and epsilon match the Keras formula', () => {
    const got = run(new Adadelta({ learningRate: 0.5, rho: 0.8, epsilon: 1e-4 }));
    expectClose(got.w, reference(0.5, 0.8, 1e-4).w, TOL);
  });

  // tfjs's Adadelta divides by √(a + ε) with the gradient average from *before* this step's
  // update, where Keras uses the updated one; at step 1 that makes tfjs's step the raw gradient
  // times lr. So Adadelta is checked against the Keras formula, and this test pins the gap.
  it('differs from tf.train.adadelta, whose denominator lags one step', () => {
    const v = tf.variable(tf.tensor(W0, SHAPE), true, 'adadelta_w');
    const opt: tf.Optimizer = tf.train.adadelta(1, 0.95, 1e-7);
    opt.applyGradients({ [v.name]: tf.tensor(GRADS[0]!, SHAPE) });
    const ours = variable(tensor(W0, SHAPE));
    new Adadelta({ learningRate: 1 }).applyGradients([[tensor(GRADS[0]!, SHAPE), ours]]);
    expectClose(
      [...v.dataSync()],
      W0.map((w, i) => w - GRADS[0]![i]!),
      TOL,
    );
    expect(Math.abs(ours.dataSync()[0]! - v.dataSync()[0]!)).toBeGreaterThan(0.05);
  });
});
