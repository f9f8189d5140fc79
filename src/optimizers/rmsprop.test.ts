import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor, variable } from '../index.js';
import { RMSprop, type RMSpropArgs } from './rmsprop.js';

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
  rho: number;
  momentum: number;
  eps: number;
  centered: boolean;
}

/** Keras 3 RMSprop, written from its update rule (ε added under the root, after centering). */
function reference(hp: Hp): { w: number[]; v: number[]; m: number[]; avg: number[] } {
  const w = [...W0];
  const v = W0.map(() => 0);
  const m = W0.map(() => 0);
  const avg = W0.map(() => 0);
  for (const g of GRADS) {
    for (let i = 0; i < w.length; i++) {
      v[i] = hp.rho * v[i]! + (1 - hp.rho) * g[i]! ** 2;
      let denom = v[i]! + hp.eps;
      if (hp.centered) {
        avg[i] = hp.rho * avg[i]! + (1 - hp.rho) * g[i]!;
        denom = v[i]! - avg[i]! ** 2 + hp.eps;
      }
      const inc = (hp.lr * g[i]!) / Math.sqrt(denom);
      if (hp.momentum > 0) {
        m[i] = hp.momentum * m[i]! + inc;
        w[i]! -= m[i];
      } else {
        w[i]! -= inc;
      }
    }
  }
  return { w, v, m, avg };
}

function run(args: RMSpropArgs): { w: number[]; opt: RMSprop; wv: ReturnType<typeof variable> } {
  const opt = new RMSprop(args);
  const wv = variable(tensor(W0, SHAPE), { name: 'w' });
  for (const g of GRADS) opt.applyGradients([[tensor(g, SHAPE), wv]]);
  return { w: [...wv.dataSync()], opt, wv };
}

let tfCount = 0;
function runTfjs(opt: tf.Optimizer): number[] {
  const v = tf.variable(tf.tensor(W0, SHAPE), true, `rmsprop_w_${tfCount++}`);
  for (const g of GRADS) opt.applyGradients({ [v.name]: tf.tensor(g, SHAPE) });
  return [...v.dataSync()];
}

describe('RMSprop', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner
    await tf.setBackend('cpu');
  });

  it('has the Keras defaults', () => {
    const o = new RMSprop();
    expect([o.currentLearningRate, o.rho, o.momentum, o.epsilon, o.centered, o.name]).toEqual([
      0.001,
      0.9,
      0,
      1e-7,
      false,
      'rmsprop',
    ]);
  });

  it('plain: three steps match the formula and tf.train.rmsprop', () => {
    const hp = { lr: 0.05, rho: 0.9, momentum: 0, eps: 1e-7, centered: false };
    const got = run({ learningRate: 0.05 });
    const ref = reference(hp);
    expectClose(got.w, ref.w, TOL);
    expectClose(got.opt.getSlot(got.wv, 'velocity'), ref.v, TOL);
    expectClose(got.w, runTfjs(tf.train.rmsprop(0.05, 0.9, 0, 1e-7, false)), TOL);
  });

  it('momentum: three steps match the formula and tf.train.rmsprop', () => {
    const hp = { lr: 0.05, rho: 0.8, momentum: 0.7, eps: 1e-7, centered: false };
    const got = run({ learningRate: 0.05, rho: 0.8, momentum: 0.7 });
    const ref = reference(hp);
    expectClose(got.w, ref.w, TOL);
    expectClose(got.opt.getSlot(got.wv, 'momentum'), ref.m, TOL);
    expectClose(got.w, runTfjs(tf.train.rmsprop(0.05, 0.8, 0.7, 1e-7, false)), TOL);
  });

  // tfjs's centered RMSprop takes √(v − (ḡ² + ε)), subtracting ε where Keras adds it, so the
  // centered variants are checked against the Keras formula only.
  it('centered: three steps match the Keras formula', () => {
    const hp = { lr: 0.05, rho: 0.9, momentum: 0, eps: 1e-3, centered: true };
    const got = run({ learningRate: 0.05, epsilon: 1e-3, centered: true });
    const ref = reference(hp);
    expectClose(got.w, ref.w, TOL);
    expectClose(got.opt.getSlot(got.wv, 'averageGradient'), ref.avg, TOL);
    // The centered denominator must matter on this data.
    expect(Math.abs(ref.w[0]! - reference({ ...hp, centered: false }).w[0]!)).toBeGreaterThan(1e-3);
  });

  it('centered with momentum: three steps match the Keras formula', () => {
    const hp = { lr: 0.05, rho: 0.9, momentum: 0.5, eps: 1e-7, centered: true };
    const got = run({ learningRate: 0.05, momentum: 0.5, centered: true });
    expectClose(got.w, reference(hp).w, TOL);
    expect(got.opt.getWeightNames()).toEqual([
      'iterations',
      'w/velocity',
      'w/momentum',
      'w/averageGradient',
    ]);
  });
});
