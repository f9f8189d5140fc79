import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { Adam, type AdamArgs } from './adam.js';

const SHAPE = [2, 2];
const W0 = [0.5, -1.2, 2.0, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];
const TOL = { rtol: 1e-5, atol: 1e-7 };

interface Hp {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  amsgrad: boolean;
}

/**
 * Keras 3 Adam, written from its update rule: the bias corrections fold into
 * α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and ε is added to the uncorrected √v.
 */
function adamReference(
  w0: number[],
  grads: number[][],
  hp: Hp,
): { w: number[]; m: number[]; v: number[]; vHat: number[] } {
  const w = [...w0];
  const m = w0.map(() => 0);
  const v = w0.map(() => 0);
  const vHat = w0.map(() => 0);
  grads.forEach((g, step) => {
    const t = step + 1;
    const alpha = (hp.lr * Math.sqrt(1 - hp.b2 ** t)) / (1 - hp.b1 ** t);
    for (let i = 0; i < w.length; i++) {
      m[i]! += (g[i]! - m[i]!) * (1 - hp.b1);
      v[i]! += (g[i]! ** 2 - v[i]!) * (1 - hp.b2);
      vHat[i] = Math.max(vHat[i]!, v[i]!);
      const denom = Math.sqrt(hp.amsgrad ? vHat[i]! : v[i]!) + hp.eps;
      w[i]! -= (alpha * m[i]!) / denom;
    }
  });
  return { w, m, v, vHat };
}

function run(args: AdamArgs, grads = GRADS) {
  const opt = new Adam(args);
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of grads) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return { opt, w };
}

describe('Adam', () => {
  it('has the Keras defaults', () => {
    const o = new Adam();
    expect([o.currentLearningRate, o.beta1, o.beta2, o.epsilon, o.amsgrad, o.name]).toEqual([
      0.001,
      0.9,
      0.999,
      1e-7,
      false,
      'adam',
    ]);
    expect(o.weightDecay).toBeUndefined();
  });

  // tfjs's Adam adds ε to the bias-corrected √v̂ (Algorithm 1 of the paper) where Keras adds it
  // to the raw √v ("epsilon hat"); the two differ visibly for ε comparable to √v, so Adam is
  // checked against the Keras formula, not tf.train.adam.
  it('three steps match the Keras formula (ε on the uncorrected √v)', () => {
    const hp = { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-2, amsgrad: false };
    const { opt, w } = run({ learningRate: 0.1, epsilon: 1e-2 });
    const ref = adamReference(W0, GRADS, hp);
    expectClose(w, ref.w, TOL);
    expectClose(opt.getSlot(w, 'momentum'), ref.m, TOL);
    expectClose(opt.getSlot(w, 'velocity'), ref.v, TOL);
  });

  it('three steps with the default ε and other betas match the formula', () => {
    const hp = { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-7, amsgrad: false };
    const { w } = run({ learningRate: 0.05, beta1: 0.8, beta2: 0.99 });
    expectClose(w, adamReference(W0, GRADS, hp).w, TOL);
  });

  it('amsgrad: divides by the running maximum of v', () => {
    // The first element's gradient collapses after step 1, so v falls below its maximum.
    const grads = [
      [1.0, -0.2, 0.3, 0.4],
      [0.01, 0.25, 0.1, -0.3],
      [0.01, 0.2, -0.4, 0.05],
    ];
    const hp = { lr: 0.1, b1: 0.9, b2: 0.9, eps: 1e-7, amsgrad: true };
    const { opt, w } = run({ learningRate: 0.1, beta2: 0.9, amsgrad: true }, grads);
    const ref = adamReference(W0, grads, hp);
    expect(ref.vHat[0]).toBeGreaterThan(ref.v[0]! * 1.2);
    expectClose(w, ref.w, TOL);
    expectClose(opt.getSlot(w, 'velocityHat'), ref.vHat, TOL);
    expect(
      Math.abs(ref.w[0]! - adamReference(W0, grads, { ...hp, amsgrad: false }).w[0]!),
    ).toBeGreaterThan(1e-3);
    expect(opt.getWeightNames()).toEqual([
      'iterations',
      'w/momentum',
      'w/velocity',
      'w/velocityHat',
    ]);
  });

  it('rejects beta1 outside [0, 1)', () => {
    expect(() => new Adam({ beta1: 1 })).toThrow(
      'Adam: beta1 must be a finite number ≥ 0 and < 1, got 1',
    );
  });
});
