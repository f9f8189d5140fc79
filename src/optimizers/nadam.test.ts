import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { Nadam } from './nadam.js';

const SHAPE = [2, 2];
const W0 = [0.5, -1.2, 2.0, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];
const TOL = { rtol: 1e-5, atol: 1e-7 };

/**
 * Keras 3 Nadam, written from its update rule: the momentum schedule
 * u_t = β₁(1 − ½·0.96^t), its running product, and the Nesterov-style m̂.
 */
function reference(
  w0: number[],
  grads: number[][],
  lr: number,
  b1: number,
  b2: number,
  eps: number,
) {
  const w = [...w0];
  const m = w0.map(() => 0);
  const v = w0.map(() => 0);
  const u = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
  let product = 1;
  grads.forEach((g, step) => {
    const t = step + 1;
    product *= u(t);
    const productNext = product * u(t + 1);
    for (let i = 0; i < w.length; i++) {
      m[i]! += (g[i]! - m[i]!) * (1 - b1);
      v[i]! += (g[i]! ** 2 - v[i]!) * (1 - b2);
      const mHat = (u(t + 1) * m[i]!) / (1 - productNext) + ((1 - u(t)) * g[i]!) / (1 - product);
      const vHat = v[i]! / (1 - b2 ** t);
      w[i]! -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return { w, m, v };
}

function run(opt: Nadam, grads = GRADS) {
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of grads) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return {
    w: [...w.dataSync()],
    m: [...opt.getSlot(w, 'momentum').dataSync()],
    v: [...opt.getSlot(w, 'velocity').dataSync()],
  };
}

describe('Nadam', () => {
  it('has the Keras defaults', () => {
    const o = new Nadam();
    expect([o.currentLearningRate, o.beta1, o.beta2, o.epsilon, o.name]).toEqual([
      0.001,
      0.9,
      0.999,
      1e-7,
      'nadam',
    ]);
  });

  // tfjs has no Nadam; the Keras formula is the only oracle.
  it('three steps match the Keras formula', () => {
    const got = run(new Nadam({ learningRate: 0.1 }));
    const ref = reference(W0, GRADS, 0.1, 0.9, 0.999, 1e-7);
    expectClose(got.w, ref.w, TOL);
    expectClose(got.m, ref.m, TOL);
    expectClose(got.v, ref.v, TOL);
  });

  it('three steps with other betas and epsilon match the Keras formula', () => {
    const got = run(new Nadam({ learningRate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-3 }));
    expectClose(got.w, reference(W0, GRADS, 0.05, 0.8, 0.95, 1e-3).w, TOL);
  });

  it('keeps following the formula over many steps (the momentum-schedule product)', () => {
    const grads = Array.from({ length: 40 }, (_, s) =>
      GRADS[s % 3]!.map((g) => g * (1 + 0.1 * Math.sin(s))),
    );
    const got = run(new Nadam({ learningRate: 0.01 }), grads);
    expectClose(got.w, reference(W0, grads, 0.01, 0.9, 0.999, 1e-7).w, TOL);
  });
});
