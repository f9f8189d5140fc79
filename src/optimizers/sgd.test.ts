import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { SGD } from './sgd.js';

const SHAPE = [2, 2];
const W0 = [0.5, -1.2, 2.0, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];

function runTessera(opt: SGD): { w: number[]; m: number[] | null } {
  const w = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of GRADS) opt.applyGradients([[tensor(g, SHAPE), w]]);
  return {
    w: [...w.dataSync()],
    m: opt.momentum > 0 ? [...opt.getSlot(w, 'momentum').dataSync()] : null,
  };
}

/** Keras 3 SGD, written from its documented update rule. */
function reference(lr: number, momentum: number, nesterov: boolean): { w: number[]; m: number[] } {
  const w = [...W0];
  const m = W0.map(() => 0);
  for (const g of GRADS) {
    for (let i = 0; i < w.length; i++) {
      if (momentum === 0) {
        w[i]! -= lr * g[i]!;
        continue;
      }
      m[i] = momentum * m[i]! - lr * g[i]!;
      w[i]! += nesterov ? momentum * m[i]! - lr * g[i]! : m[i]!;
    }
  }
  return { w, m };
}

let tfCount = 0;
function runTfjs(opt: tf.Optimizer): number[] {
  const v = tf.variable(tf.tensor(W0, SHAPE), true, `sgd_w_${tfCount++}`);
  for (const g of GRADS) opt.applyGradients({ [v.name]: tf.tensor(g, SHAPE) });
  return [...v.dataSync()];
}

describe('SGD', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner
    await tf.setBackend('cpu');
  });

  it('has the Keras defaults', () => {
    const opt = new SGD();
    expect([opt.currentLearningRate, opt.momentum, opt.nesterov, opt.name]).toEqual([
      0.01,
      0,
      false,
      'SGD',
    ]);
  });

  it('plain: three steps match the formula and tf.train.sgd', () => {
    const got = runTessera(new SGD({ learningRate: 0.3 }));
    expectClose(got.w, reference(0.3, 0, false).w, { rtol: 1e-5, atol: 1e-7 });
    expectClose(got.w, runTfjs(tf.train.sgd(0.3)), { rtol: 1e-5, atol: 1e-7 });
  });

  // tfjs keeps an accumulation a ← μa + g and steps −lr·a (Nesterov: −lr·(g + μa)); with a
  // constant learning rate that equals Keras's velocity m = −lr·a, so the two must agree.
  it('momentum: three steps match the formula and tf.train.momentum', () => {
    const got = runTessera(new SGD({ learningRate: 0.3, momentum: 0.9 }));
    const ref = reference(0.3, 0.9, false);
    expectClose(got.w, ref.w, { rtol: 1e-5, atol: 1e-7 });
    expectClose(got.m!, ref.m, { rtol: 1e-5, atol: 1e-7 });
    expectClose(got.w, runTfjs(tf.train.momentum(0.3, 0.9)), { rtol: 1e-5, atol: 1e-7 });
  });

  it('nesterov: three steps match the formula and tf.train.momentum(useNesterov)', () => {
    const got = runTessera(new SGD({ learningRate: 0.3, momentum: 0.9, nesterov: true }));
    const ref = reference(0.3, 0.9, true);
    expectClose(got.w, ref.w, { rtol: 1e-5, atol: 1e-7 });
    expectClose(got.m!, ref.m, { rtol: 1e-5, atol: 1e-7 });
    expectClose(got.w, runTfjs(tf.train.momentum(0.3, 0.9, true)), { rtol: 1e-5, atol: 1e-7 });
    // Nesterov must actually differ from plain momentum on this data.
    expect(Math.abs(got.w[0]! - reference(0.3, 0.9, false).w[0]!)).toBeGreaterThan(1e-3);
  });

  it('allocates no slot without momentum', () => {
    const opt = new SGD();
    opt.build([variable(tensor([1, 2]))]);
    expect(opt.getWeightNames()).toEqual(['iterations']);
  });

  it('rejects a momentum outside [0, 1]', () => {
    expect(() => new SGD({ momentum: 1.5 })).toThrow(
      'SGD: momentum must be a finite number ≥ 0 and ≤ 1, got 1.5',
    );
  });
});
