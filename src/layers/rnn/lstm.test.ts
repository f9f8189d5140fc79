import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import {
  expectSidesClose,
  randomizeWeights,
  runOurs,
  runTf,
} from '../../../test/helpers/tfjs_layers.js';
import { tensor, zeros } from '../../ops/creation.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import { deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { input } from '../input_layer.js';
import { LSTM, LSTMCell } from './lstm.js';
import { RNN } from './rnn.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** [batch, time] mask: step 1 and the last step masked in sample 0, step 0 in sample 1. */
function midEndMask(batch: number, steps: number): Tensor {
  const v: boolean[][] = [];
  for (let b = 0; b < batch; b++) {
    const row: boolean[] = [];
    for (let t = 0; t < steps; t++)
      row.push(!((b === 0 && (t === 1 || t === steps - 1)) || (b === 1 && t === 0)));
    v.push(row);
  }
  return tensor(v);
}

describe('LSTM', () => {
  it('passes the layer harness (last output)', () => {
    runLayerTest({
      cls: LSTM,
      args: { units: 3 },
      inputShape: [2, 4, 5],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 3,
      expectedNumTrainableWeights: 3,
      expectedNumNonTrainableWeights: 0,
      expectedWeightShapes: [[5, 12], [3, 12], [12]],
    });
  });

  it('passes the layer harness with returnSequences, returnState and goBackwards', () => {
    runLayerTest({
      cls: LSTM,
      args: { units: 3, returnSequences: true, returnState: true, goBackwards: true },
      inputShape: [2, 4, 2],
      expectedOutputShape: [
        [2, 4, 3],
        [2, 3],
        [2, 3],
      ],
    });
  });

  it('passes the layer harness with a mask (steps masked in the middle and at the end)', () => {
    runLayerTest({
      cls: LSTM,
      args: { units: 3, returnSequences: true },
      inputShape: [2, 5, 2],
      callOptions: { mask: midEndMask(2, 5) },
      expectedOutputShape: [2, 5, 3],
    });
  });

  it('passes the layer harness with initial states as extra inputs', () => {
    runLayerTest({
      cls: LSTM,
      args: { units: 3 },
      inputShapes: [
        [2, 4, 2],
        [2, 3],
        [2, 3],
      ],
      expectedOutputShape: [2, 3],
    });
  });

  it('passes the layer harness in training mode with dropout and recurrent dropout', () => {
    runLayerTest({
      cls: LSTM,
      args: { units: 3, dropout: 0.3, recurrentDropout: 0.4, returnSequences: true },
      inputShape: [2, 4, 3],
      callOptions: { training: true },
      expectedOutputShape: [2, 4, 3],
    });
  });

  it('initializes as Keras 3: unit forget bias, orthogonal recurrent kernel, glorot kernel', () => {
    setSeed(3);
    const l = new LSTM({ units: 4 });
    l.apply(zeros([1, 2, 6]));
    const [k, r, b] = l.getWeights() as [Tensor, Tensor, Tensor];
    expectClose(b, [0, 0, 0, 0, 1, 1, 1, 1, ...new Array(8).fill(0)]);
    // recurrent_kernel [4, 16]: orthonormal rows.
    expectClose(
      r.matmul(r, false, true),
      [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      { atol: 1e-5 },
    );
    const limit = Math.sqrt(6 / (6 + 16));
    expect(Math.max(...Array.from(k.abs().dataSync()))).toBeLessThanOrEqual(limit);
    const noUfb = new LSTM({ units: 2, unitForgetBias: false, biasInitializer: 'ones' });
    noUfb.apply(zeros([1, 2, 3]));
    expectClose(noUfb.getWeights()[2]!, new Array(8).fill(1));
    const ufbOnes = new LSTM({ units: 1, biasInitializer: 'ones' });
    ufbOnes.apply(zeros([1, 2, 3]));
    expectClose(ufbOnes.getWeights()[2]!, [1, 1, 1, 1]);
  });

  it('names its weights as Keras (kernel, recurrent_kernel, bias under <layer>/lstm_cell)', () => {
    const l = new LSTM({ units: 2, name: 'enc' });
    l.apply(zeros([1, 3, 4]));
    expect(l.weights.map((w) => w.weightName)).toEqual(['kernel', 'recurrent_kernel', 'bias']);
    expect(l.weights.map((w) => w.name)).toEqual([
      'enc/lstm_cell/kernel',
      'enc/lstm_cell/recurrent_kernel',
      'enc/lstm_cell/bias',
    ]);
    expect(l.cell).toBeInstanceOf(LSTMCell);
    expect(l.units).toBe(2);
  });

  describe('matches tf.layers.lstm forward and backward (same weights)', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['last output', {}],
      ['returnSequences', { returnSequences: true }],
      ['returnSequences + returnState', { returnSequences: true, returnState: true }],
      ['returnState (last output)', { returnState: true }],
      ['goBackwards', { returnSequences: true, goBackwards: true }],
      ['goBackwards, last output, no bias', { goBackwards: true, useBias: false }],
      ['relu activation, tanh gates', { activation: 'relu', recurrentActivation: 'tanh' }],
    ];
    for (const [name, opts] of cases) {
      it(name, () => {
        setSeed(11);
        const x = randomNormal([3, 6, 4]);
        const ours = new LSTM({ units: 5, ...opts });
        ours.applyMulti(x);
        const ws = randomizeWeights(ours, 21);
        const outShapes = ours.computeOutputShape(x.shape);
        const shapes = (Array.isArray(outShapes[0]) ? outShapes : [outShapes]) as number[][];
        const dys = shapes.map((s, i) => randomNormal(s, 0, 1, { seed: 31 + i }));
        const a = runOurs(ours, [x], dys);
        const theirs = tf.layers.lstm({
          units: 5,
          recurrentActivation: 'sigmoid',
          ...(opts as object),
        });
        const b = runTf(theirs, [x], ws, dys);
        expectSidesClose(a, b);
      });
    }

    it('with initial states (gradients reach them too)', () => {
      setSeed(12);
      const x = randomNormal([2, 5, 3]);
      const h0 = randomNormal([2, 4]);
      const c0 = randomNormal([2, 4]);
      const ours = new LSTM({ units: 4, returnSequences: true });
      ours.apply([x, h0, c0]);
      const ws = randomizeWeights(ours, 5);
      const dys = [randomNormal([2, 5, 4], 0, 1, { seed: 9 })];
      const a = runOurs(ours, [x, h0, c0], dys);
      const b = runTf(
        tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true }),
        [x, h0, c0],
        ws,
        dys,
      );
      expectSidesClose(a, b);
      expect(a.inputGrads.length).toBe(3);
      expect(Math.max(...Array.from(a.inputGrads[2]!, Math.abs))).toBeGreaterThan(0);
    });

    it('with a mask (masked steps in the middle and at the end)', () => {
      setSeed(13);
      const x = randomNormal([3, 6, 3]);
      const mask = tensor([
        [true, true, false, true, true, false],
        [false, true, true, false, true, true],
        [true, true, true, true, true, true],
      ]);
      for (const returnSequences of [false, true]) {
        const ours = new LSTM({ units: 4, returnSequences });
        ours.apply(x);
        const ws = randomizeWeights(ours, 7);
        const dys = [randomNormal(returnSequences ? [3, 6, 4] : [3, 4], 0, 1, { seed: 2 })];
        const a = runOurs(ours, [x], dys, { mask });
        const theirs = tf.layers.lstm({
          units: 4,
          recurrentActivation: 'sigmoid',
          returnSequences,
        });
        const b = runTf(theirs, [x], ws, dys, {
          mask: tf.tensor2d(mask.arraySync() as boolean[][], [3, 6], 'bool'),
        });
        expectSidesClose(a, b);
      }
    });
  });

  it('LSTMCell computes one step, as the layer on a sequence of length 1', () => {
    setSeed(4);
    const x = randomNormal([2, 3]);
    const h = randomNormal([2, 4]);
    const c = randomNormal([2, 4]);
    const cell = new LSTMCell({ units: 4 });
    const [y, h1, c1] = cell.applyMulti([x, h, c]) as [Tensor, Tensor, Tensor];
    expect(y.shape).toEqual([2, 4]);
    expectClose(y, h1);
    const layer = new RNN({ cell, returnState: true });
    const [y2, h2, c2] = layer.applyMulti([x.reshape([2, 1, 3]), h, c]) as [Tensor, Tensor, Tensor];
    expectClose(y2, y);
    expectClose(h2, h1);
    expectClose(c2, c1);
    // By hand: z = x·K + h·R + b, gates i, f, c, o.
    const [k, r, b] = cell.getWeights() as [Tensor, Tensor, Tensor];
    const z = x.matmul(k).add(h.matmul(r)).add(b);
    const [zi, zf, zc, zo] = z.split(4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const cRef = zf.sigmoid().mul(c).add(zi.sigmoid().mul(zc.tanh()));
    expectClose(c1, cRef, { atol: 1e-6 });
    expectClose(h1, zo.sigmoid().mul(cRef.tanh()), { atol: 1e-6 });
    expect(
      cell.computeOutputShape([
        [null, 3],
        [null, 4],
        [null, 4],
      ]),
    ).toEqual([
      [null, 4],
      [null, 4],
      [null, 4],
    ]);
  });

  it('LSTMCell passes the layer harness', () => {
    runLayerTest({
      cls: LSTMCell,
      args: { units: 3 },
      inputShapes: [
        [2, 4],
        [2, 3],
        [2, 3],
      ],
      expectedOutputShape: [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
      expectedWeightShapes: [[4, 12], [3, 12], [12]],
    });
  });

  it('has a Keras-style config that round-trips', () => {
    const l = new LSTM({
      units: 3,
      returnSequences: true,
      dropout: 0.2,
      recurrentDropout: 0.1,
      kernelRegularizer: 'l2',
      unitForgetBias: false,
      seed: 5,
      name: 'my_lstm',
    });
    const c = l.getConfig();
    expect(c).toMatchObject({
      name: 'my_lstm',
      units: 3,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      useBias: true,
      unitForgetBias: false,
      returnSequences: true,
      returnState: false,
      goBackwards: false,
      stateful: false,
      unroll: false,
      dropout: 0.2,
      recurrentDropout: 0.1,
      seed: 5,
      kernelInitializer: { className: 'GlorotUniform' },
      recurrentInitializer: { className: 'Orthogonal' },
      biasInitializer: { className: 'Zeros' },
      kernelRegularizer: { className: 'L2' },
    });
    expect(c).not.toHaveProperty('cell');
    const back = deserialize<LSTM>('layer', {
      className: 'LSTM',
      config: JSON.parse(JSON.stringify(c)),
    });
    expect(back).toBeInstanceOf(LSTM);
    expect(back.getConfig()).toStrictEqual(c);
  });

  it('infers symbolic shapes (list with returnState) and refuses apply() for several outputs', () => {
    const x = input({ shape: [7, 3] });
    expect(new LSTM({ units: 2 }).apply(x).shape).toEqual([null, 2]);
    const outs = new LSTM({ units: 2, returnState: true, returnSequences: true }).applyMulti(x);
    expect(outs.map((o) => o.shape)).toEqual([
      [null, 7, 2],
      [null, 2],
      [null, 2],
    ]);
    expect(() => new LSTM({ units: 2, returnState: true }).apply(x)).toThrow(/applyMulti/);
  });

  it('validates its options and inputs', () => {
    expect(() => new LSTM({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => new LSTM({ units: 2, dropout: Number.NaN })).toThrow(/dropout/);
    expect(new LSTM({ units: 2, dropout: 1.5 }).cell.dropout).toBe(1);
    expect(() => new LSTM({ units: 2 }).apply(zeros([2, 3]))).toThrow(/rank >= 3/);
    const l = new LSTM({ units: 2 });
    l.apply(zeros([1, 3, 4]));
    expect(() => l.apply(zeros([1, 3, 5]))).toThrow(/\[batch, 4\]/);
    expect(() => l.apply([zeros([1, 3, 4]), zeros([1, 2])])).toThrow(/2 initial state/);
    expect(() => l.apply([zeros([1, 3, 4]), zeros([1, 3]), zeros([1, 2])])).toThrow(
      /initial state 0 must have shape \[1, 2\]/,
    );
    expect(() => l.apply(zeros([2, 3, 4]), { mask: tensor([[true, false]]) })).toThrow(
      /mask must have shape \[2, 3\]/,
    );
  });
});
