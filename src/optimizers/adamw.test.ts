import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';

const SHAPE = [2, 2];
const W0 = [0.5, -1.2, 2.0, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];
const TOL = { rtol: 1e-5, atol: 1e-7 };

/**
 * Keras 3 AdamW, written from its rule: each step first w −= w·wd·lr (decoupled decay, scaled
 * by the learning rate), then the Adam update with α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ).
 */
function reference(lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): number[] {
  const w = [...W0];
  const m = W0.map(() => 0);
  const v = W0.map(() => 0);
  GRADS.forEach((g, step) => {
    const t = step + 1;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < w.length; i++) {
      w[i]! -= w[i]! * wd * lr;
      m[i]! += (g[i]! - m[i]!) * (1 - b1);
      v[i]! += (g[i]! ** 2 - v[i]!) * (1 - b2);
      w[i]! -= (alpha * m[i]!) / (Math.sqrt(v[i]!) + eps);
    }
  });
  return w;
}

function run(opt: Adam): number[] {
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of GRADS) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return [...w.dataSync()];
}

describe('AdamW', () => {
  it('has the Keras defaults (weight decay 0.004)', () => {
    const o = new AdamW();
    expect([o.currentLearningRate, o.weightDecay, o.beta1, o.beta2, o.epsilon, o.name]).toEqual([
      0.001,
      0.004,
      0.9,
      0.999,
      1e-7,
      'adamw',
    ]);
  });

  it('three steps match the formula (decay w·wd·lr before the Adam step)', () => {
    expectClose(run(new AdamW({ learningRate: 0.1, weightDecay: 0.5 })), reference(0.1, 0.5), TOL);
  });

  it('three steps with the default weight decay match the formula', () => {
    expectClose(run(new AdamW({ learningRate: 0.1 })), reference(0.1, 0.004), TOL);
  });

  it('equals Adam given the same weightDecay, and differs from Adam without it', () => {
    const a = run(new AdamW({ learningRate: 0.1, weightDecay: 0.5 }));
    expectClose(a, run(new Adam({ learningRate: 0.1, weightDecay: 0.5 })), { rtol: 0, atol: 0 });
    expect(Math.abs(a[2]! - run(new Adam({ learningRate: 0.1 }))[2]!)).toBeGreaterThan(0.05);
  });

  it('names itself in errors', () => {
    expect(() => new AdamW({ learningRate: -1 })).toThrow(
      'AdamW: learningRate must be a positive number or a schedule, got -1',
    );
  });
});
