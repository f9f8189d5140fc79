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
import { SimpleRNN, SimpleRNNCell } from './simple_rnn.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SimpleRNN', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: SimpleRNN,
      args: { units: 4 },
      inputShape: [3, 5, 2],
      expectedOutputShape: [3, 4],
      expectedNumWeights: 3,
      expectedWeightShapes: [[2, 4], [4, 4], [4]],
    });
  });

  it('passes the layer harness with returnSequences, goBackwards, relu and no bias', () => {
    runLayerTest({
      cls: SimpleRNN,
      args: {
        units: 3,
        returnSequences: true,
        goBackwards: true,
        activation: 'relu',
        useBias: false,
      },
      inputShape: [2, 4, 3],
      expectedOutputShape: [2, 4, 3],
      expectedWeightShapes: [
        [3, 3],
        [3, 3],
      ],
    });
  });

  it('passes the layer harness with a mask (middle and end masked) and returnState', () => {
    runLayerTest({
      cls: SimpleRNN,
      args: { units: 3, returnState: true },
      inputShape: [2, 5, 2],
      callOptions: {
        mask: tensor([
          [true, true, false, true, false],
          [true, false, false, true, false],
        ]),
      },
      expectedOutputShape: [
        [2, 3],
        [2, 3],
      ],
    });
  });

  it('passes the layer harness in training mode with dropout and recurrent dropout', () => {
    runLayerTest({
      cls: SimpleRNN,
      args: { units: 3, dropout: 0.5, recurrentDropout: 0.5, returnSequences: true },
      inputShape: [2, 4, 3],
      callOptions: { training: true },
      expectedOutputShape: [2, 4, 3],
    });
  });

  it('computes h_t = tanh(x_t·W + h_{t−1}·U + b) by hand', () => {
    const l = new SimpleRNN({ units: 1, returnSequences: true });
    l.apply(zeros([1, 3, 1]));
    l.setWeights([[[0.5]], [[2]], [0.1]]);
    const y = l.apply(tensor([[[1], [0], [-1]]]));
    const h1 = Math.tanh(0.5 + 0.1);
    const h2 = Math.tanh(2 * h1 + 0.1);
    const h3 = Math.tanh(-0.5 + 2 * h2 + 0.1);
    expectClose(y, [[[h1], [h2], [h3]]]);
  });

  describe('matches tf.layers.simpleRNN forward and backward (same weights)', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['last output', {}],
      ['returnSequences', { returnSequences: true }],
      [
        'returnState + goBackwards',
        { returnSequences: true, returnState: true, goBackwards: true },
      ],
      ['relu, no bias', { activation: 'relu', useBias: false }],
    ];
    for (const [name, opts] of cases) {
      it(name, () => {
        setSeed(23);
        const x = randomNormal([4, 7, 3]);
        const ours = new SimpleRNN({ units: 5, ...opts });
        ours.applyMulti(x);
        const ws = randomizeWeights(ours, 13);
        const s = ours.computeOutputShape(x.shape);
        const shapes = (Array.isArray(s[0]) ? s : [s]) as number[][];
        const dys = shapes.map((sh, i) => randomNormal(sh, 0, 1, { seed: 70 + i }));
        const a = runOurs(ours, [x], dys);
        const b = runTf(tf.layers.simpleRNN({ units: 5, ...(opts as object) }), [x], ws, dys);
        expectSidesClose(a, b);
      });
    }

    it('with a mask and an initial state', () => {
      setSeed(24);
      const x = randomNormal([2, 6, 3]);
      const h0 = randomNormal([2, 4]);
      const mask = tensor([
        [true, true, false, false, true, false],
        [true, false, true, true, false, false],
      ]);
      const ours = new SimpleRNN({ units: 4, returnSequences: true });
      ours.apply([x, h0]);
      const ws = randomizeWeights(ours, 14);
      const dys = [randomNormal([2, 6, 4], 0, 1, { seed: 1 })];
      const a = runOurs(ours, [x, h0], dys, { mask });
      const b = runTf(tf.layers.simpleRNN({ units: 4, returnSequences: true }), [x, h0], ws, dys, {
        mask: tf.tensor2d(mask.arraySync() as boolean[][], [2, 6], 'bool'),
      });
      expectSidesClose(a, b);
    });
  });

  it('SimpleRNNCell passes the layer harness', () => {
    runLayerTest({
      cls: SimpleRNNCell,
      args: { units: 3 },
      inputShapes: [
        [2, 4],
        [2, 3],
      ],
      expectedOutputShape: [
        [2, 3],
        [2, 3],
      ],
      expectedWeightShapes: [[4, 3], [3, 3], [3]],
    });
  });

  it('SimpleRNNCell: one step, and a config that round-trips', () => {
    setSeed(2);
    const cell = new SimpleRNNCell({ units: 3, activation: 'relu' });
    const x = randomNormal([2, 4]);
    const h = randomNormal([2, 3]);
    const [y, h1] = cell.applyMulti([x, h]) as [Tensor, Tensor];
    const [k, r, b] = cell.getWeights() as [Tensor, Tensor, Tensor];
    expectClose(y, x.matmul(k).add(h.matmul(r)).add(b).relu(), { atol: 1e-6 });
    expectClose(h1, y);
    const c = cell.getConfig();
    expect(c).toMatchObject({ units: 3, activation: 'relu', dropout: 0, recurrentDropout: 0 });
    expect(
      deserialize<SimpleRNNCell>('layer', { className: 'SimpleRNNCell', config: c }).getConfig(),
    ).toStrictEqual(c);
    const l = new SimpleRNN({ units: 2 });
    expect(
      deserialize<SimpleRNN>('layer', {
        className: 'SimpleRNN',
        config: l.getConfig(),
      }).getConfig(),
    ).toStrictEqual(l.getConfig());
  });
});
