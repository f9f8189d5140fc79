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
import { model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { tensor, zeros } from '../../ops/creation.js';
import { concat } from '../../ops/movement.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import { deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dropout } from '../core.js';
import { Dense } from '../dense.js';
import { input } from '../input_layer.js';
import { GRU } from './gru.js';
import { LSTM } from './lstm.js';
import { SimpleRNN } from './simple_rnn.js';
import { Bidirectional, type MergeMode, TimeDistributed } from './wrappers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** [batch, time] → reversed along time. */
function reverseTime(t: Tensor): Tensor {
  const n = t.shape[1]!;
  return t.gather(
    tensor(
      Array.from({ length: n }, (_, i) => n - 1 - i),
      [n],
      'int32',
    ),
    1,
  );
}

describe('Bidirectional', () => {
  it('passes the layer harness (LSTM, concat, returnSequences)', () => {
    runLayerTest({
      make: (a) =>
        new Bidirectional(
          new LSTM({ units: 3, returnSequences: true, dtype: a.dtype as never }),
          a,
        ),
      inputShape: [2, 4, 2],
      expectedOutputShape: [2, 4, 6],
      expectedNumWeights: 6,
      expectedWeightShapes: [[2, 12], [3, 12], [12], [2, 12], [3, 12], [12]],
    });
  });

  it('passes the layer harness with mergeMode null and returnState (GRU)', () => {
    runLayerTest({
      make: (a) =>
        new Bidirectional(new GRU({ units: 2, returnState: true, dtype: a.dtype as never }), a),
      args: { mergeMode: null },
      inputShape: [2, 3, 2],
      expectedOutputShape: [
        [2, 2],
        [2, 2],
        [2, 2],
        [2, 2],
      ],
    });
  });

  it('passes the layer harness with a mask (zeros at masked steps in both directions)', () => {
    const mask = tensor([
      [true, true, false, true],
      [false, true, true, false],
    ]);
    const { output } = runLayerTest({
      make: (a) =>
        new Bidirectional(
          new SimpleRNN({ units: 2, returnSequences: true, dtype: a.dtype as never }),
          a,
        ),
      args: { mergeMode: 'sum' },
      inputShape: [2, 4, 3],
      callOptions: { mask },
      expectedOutputShape: [2, 4, 2],
    });
    const y = output as Tensor;
    expectClose(y.slice([0, 2, 0], [1, 1, 2]), zeros([1, 1, 2]));
    expectClose(y.slice([1, 0, 0], [1, 1, 2]), zeros([1, 1, 2]));
    expectClose(y.slice([1, 3, 0], [1, 1, 2]), zeros([1, 1, 2]));
  });

  describe('matches tf.layers.bidirectional forward and backward (same weights)', () => {
    const modes: MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];
    for (const mergeMode of modes) {
      for (const returnSequences of [true, false]) {
        it(`LSTM, mergeMode ${mergeMode}, returnSequences ${returnSequences}`, () => {
          setSeed(31);
          const x = randomNormal([2, 5, 3]);
          const ours = new Bidirectional(new LSTM({ units: 3, returnSequences }), { mergeMode });
          ours.applyMulti(x);
          const ws = randomizeWeights(ours, 9);
          const s = ours.computeOutputShape(x.shape);
          const shapes = (Array.isArray(s[0]) ? s : [s]) as number[][];
          const dys = shapes.map((sh, i) => randomNormal(sh, 0, 1, { seed: 3 + i }));
          const a = runOurs(ours, [x], dys);
          const theirs = tf.layers.bidirectional({
            layer: tf.layers.lstm({
              units: 3,
              returnSequences,
              recurrentActivation: 'sigmoid',
            }) as never,
            mergeMode: mergeMode as never,
          });
          expectSidesClose(a, runTf(theirs, [x], ws, dys));
        });
      }
    }

    it('GRU (resetAfter false) with returnState', () => {
      setSeed(32);
      const x = randomNormal([3, 4, 2]);
      const ours = new Bidirectional(
        new GRU({ units: 2, resetAfter: false, returnState: true, returnSequences: true }),
      );
      ours.applyMulti(x);
      const ws = randomizeWeights(ours, 19);
      const dys = [
        [3, 4, 4],
        [3, 2],
        [3, 2],
      ].map((sh, i) => randomNormal(sh, 0, 1, { seed: i }));
      const a = runOurs(ours, [x], dys);
      const theirs = tf.layers.bidirectional({
        layer: tf.layers.gru({
          units: 2,
          returnSequences: true,
          returnState: true,
          recurrentActivation: 'sigmoid',
        }) as never,
      });
      expectSidesClose(a, runTf(theirs, [x], ws, dys));
    });
  });

  it('is forward(x) merged with the backward layer output reversed in time', () => {
    setSeed(33);
    const x = randomNormal([2, 4, 3]);
    const bi = new Bidirectional(new GRU({ units: 2, returnSequences: true }), { mergeMode: null });
    const [yf, yb] = bi.applyMulti(x) as [Tensor, Tensor];
    expectClose(yf, bi.forwardLayer.apply(x));
    const back = bi.backwardLayer.apply(x);
    expect(bi.backwardLayer.goBackwards).toBe(true);
    expectClose(yb, reverseTime(back));
    // The backward layer on its own equals a forward GRU on the reversed sequence, reversed.
    const fwdCopy = new GRU({ units: 2, returnSequences: true });
    fwdCopy.apply(x);
    fwdCopy.setWeights(bi.backwardLayer.getWeights());
    expectClose(yb, reverseTime(fwdCopy.apply(reverseTime(x))), { atol: 1e-6 });
  });

  it('splits initial states in half: forward first, then backward', () => {
    setSeed(34);
    const x = randomNormal([2, 3, 2]);
    const [h1, c1, h2, c2] = [0, 1, 2, 3].map((i) => randomNormal([2, 3], 0, 1, { seed: i }));
    const bi = new Bidirectional(new LSTM({ units: 3 }), { mergeMode: 'concat' });
    const y = bi.apply([x, h1!, c1!, h2!, c2!]);
    const f = bi.forwardLayer.apply([x, h1!, c1!]);
    const b = bi.backwardLayer.apply([x, h2!, c2!]);
    expectClose(y, concat([f, b], -1));
    expectClose(bi.apply(x, { initialState: [h1!, c1!, h2!, c2!] }), y);
    expect(() => bi.apply([x, h1!, c1!, h2!])).toThrow(/odd number/);
    // Symbolically too.
    const xs = input({ shape: [3, 2] });
    const st = [0, 1, 2, 3].map(() => input({ shape: [3] }));
    const out = bi.apply(xs, { initialState: st });
    const m = model({ inputs: [xs, ...st], outputs: out });
    expectClose(m.predict([x, h1!, c1!, h2!, c2!]) as Tensor, y);
  });

  it('masks: computeMask follows Keras; masked steps are zeros when returning sequences', () => {
    setSeed(35);
    const m = tensor([[true, false, true]]);
    const x = randomNormal([1, 3, 2]);
    const seq = new Bidirectional(new LSTM({ units: 2, returnSequences: true }));
    expect(seq.computeMask(x, m)).toBe(m);
    expect(new Bidirectional(new LSTM({ units: 2 })).computeMask(x, m)).toBeNull();
    const none = new Bidirectional(new LSTM({ units: 2, returnSequences: true }), {
      mergeMode: null,
    });
    expect(none.computeMask(x, m)).toEqual([m, m]);
    const st = new Bidirectional(new LSTM({ units: 2, returnState: true }));
    expect(st.computeMask(x, m)).toEqual([null, null, null, null, null]);
    expect(seq.forwardLayer.zeroOutputForMask).toBe(true);
    const y = seq.apply(x, { mask: m });
    expectClose(y.slice([0, 1, 0], [1, 1, 4]), zeros([1, 1, 4]));
  });

  it('names, config round trip, and a custom backward layer', () => {
    const bi = new Bidirectional(new LSTM({ units: 2, name: 'enc', returnSequences: true }), {
      name: 'bi',
      mergeMode: 'ave',
    });
    expect(bi.forwardLayer.name).toBe('forward_enc');
    expect(bi.backwardLayer.name).toBe('backward_enc');
    bi.apply(zeros([1, 3, 2]));
    expect(bi.weights.map((w) => w.name)).toEqual([
      'forward_enc/lstm_cell/kernel',
      'forward_enc/lstm_cell/recurrent_kernel',
      'forward_enc/lstm_cell/bias',
      'backward_enc/lstm_cell/kernel',
      'backward_enc/lstm_cell/recurrent_kernel',
      'backward_enc/lstm_cell/bias',
    ]);
    const c = bi.getConfig();
    expect(c).toMatchObject({
      name: 'bi',
      mergeMode: 'ave',
      layer: { className: 'LSTM', config: { name: 'forward_enc', goBackwards: false } },
      backwardLayer: { className: 'LSTM', config: { name: 'backward_enc', goBackwards: true } },
    });
    const back = deserialize<Bidirectional>('layer', {
      className: 'Bidirectional',
      config: JSON.parse(JSON.stringify(c)),
    });
    expect(back.getConfig()).toStrictEqual(c);

    const custom = new Bidirectional(new LSTM({ units: 2 }), {
      backwardLayer: new GRU({ units: 2, goBackwards: true }),
    });
    expect(custom.backwardLayer).toBeInstanceOf(GRU);
    expect(custom.apply(zeros([2, 3, 1])).shape).toEqual([2, 4]);
  });

  it("takes the wrapped layer's input shape, so a Sequential builds at once", () => {
    const seq = new Sequential({
      layers: [
        new Bidirectional(new LSTM({ units: 3, inputShape: [5, 2] })),
        new Dense({ units: 1 }),
      ],
    });
    expect(seq.outputs[0]!.shape).toEqual([null, 1]);
    expect(seq.countParams()).toBe(2 * (2 * 12 + 3 * 12 + 12) + 7);
    const f64 = new Bidirectional(new GRU({ units: 2, dtype: 'float64' }));
    expect(f64.dtype).toBe('float64');
    expect(new TimeDistributed(new Dense({ units: 2, dtype: 'float64' })).dtype).toBe('float64');
  });

  it('validates its layers and mergeMode', () => {
    expect(() => new Bidirectional(new Dense({ units: 2 }))).toThrow(/must be recurrent/);
    expect(() => new Bidirectional(new LSTM({ units: 2 }), { mergeMode: 'max' as never })).toThrow(
      /invalid mergeMode/,
    );
    expect(
      () =>
        new Bidirectional(new LSTM({ units: 2 }), {
          backwardLayer: new LSTM({ units: 2 }),
        }),
    ).toThrow(/different goBackwards/);
    expect(
      () =>
        new Bidirectional(new LSTM({ units: 2 }), {
          backwardLayer: new LSTM({ units: 2, goBackwards: true, returnSequences: true }),
        }),
    ).toThrow(/same 'returnSequences'/);
  });

  it('stateful: keeps both directions’ states; resetStates clears them', () => {
    setSeed(36);
    const x = randomNormal([2, 3, 2]);
    const bi = new Bidirectional(new SimpleRNN({ units: 2, stateful: true }));
    const y1 = bi.apply(x);
    expect(bi.states!.length).toBe(2);
    const y2 = bi.apply(x);
    expect(Math.max(...Array.from(y1.sub(y2).abs().dataSync()))).toBeGreaterThan(1e-5);
    bi.resetStates();
    expectClose(bi.apply(x), y1);
    expect(() => new Bidirectional(new LSTM({ units: 2 })).resetStates()).toThrow(/stateful/);
  });
});

describe('TimeDistributed', () => {
  it('passes the layer harness (Dense)', () => {
    runLayerTest({
      make: (a) => new TimeDistributed(new Dense({ units: 3, dtype: a.dtype as never }), a),
      inputShape: [2, 4, 5],
      expectedOutputShape: [2, 4, 3],
      expectedWeightShapes: [[5, 3], [3]],
    });
  });

  it('matches tf.layers.timeDistributed forward and backward (rank 3 and rank 4 inputs)', () => {
    for (const shape of [
      [3, 4, 5],
      [2, 3, 4, 5],
    ]) {
      setSeed(41);
      const x = randomNormal(shape);
      const ours = new TimeDistributed(new Dense({ units: 2, activation: 'tanh' }));
      const y = ours.apply(x);
      const ws = randomizeWeights(ours, 2);
      const dys = [randomNormal([...y.shape], 0, 1, { seed: 5 })];
      const theirs = tf.layers.timeDistributed({
        layer: tf.layers.dense({ units: 2, activation: 'tanh' }),
      });
      expectSidesClose(runOurs(ours, [x], dys), runTf(theirs, [x], ws, dys));
    }
  });

  it('applies the layer to each step with shared weights, and infers shapes from it', () => {
    setSeed(42);
    const x = randomNormal([2, 3, 4]);
    const d = new Dense({ units: 2 });
    const td = new TimeDistributed(d, { name: 'td' });
    const y = td.apply(x);
    for (let t = 0; t < 3; t++) {
      expectClose(
        y.slice([0, t, 0], [2, 1, 2]).reshape([2, 2]),
        d.apply(x.slice([0, t, 0], [2, 1, 4]).reshape([2, 4])),
      );
    }
    expect(td.computeOutputShape([null, 7, 4])).toEqual([null, 7, 2]);
    expect(td.computeOutputShape([null, null, 4])).toEqual([null, null, 2]);
    expect(td.apply(input({ shape: [5, 4] })).shape).toEqual([null, 5, 2]);
    expect(() => td.apply(zeros([2, 4]))).toThrow(/rank >= 3/);
    const m = tensor([[true, false, true]]);
    expect(td.computeMask(x, m)).toBe(m);
    const c = td.getConfig();
    expect(c).toMatchObject({ name: 'td', layer: { className: 'Dense', config: { units: 2 } } });
    expect(
      deserialize<TimeDistributed>('layer', {
        className: 'TimeDistributed',
        config: c,
      }).getConfig(),
    ).toStrictEqual(c);
  });

  it('passes the training flag (Dropout inside) and wraps a recurrent layer over sub-sequences', () => {
    const td = new TimeDistributed(new Dropout({ rate: 0.5 }));
    const x = tensor(new Array(40).fill(1), [2, 4, 5]);
    expectClose(td.apply(x), x);
    const trained = Array.from(td.apply(x, { training: true }).dataSync());
    expect(new Set(trained)).toEqual(new Set([0, 2]));
    const inner = new TimeDistributed(new LSTM({ units: 3 }));
    expect(inner.apply(zeros([2, 4, 6, 5])).shape).toEqual([2, 4, 3]);
    // A [batch, time] mask stays outside (it says nothing within a step) and passes through.
    const m = tensor([
      [true, false, true, true],
      [true, true, true, false],
    ]);
    const x4 = randomNormal([2, 4, 6, 5]);
    expectClose(inner.apply(x4, { mask: m }), inner.apply(x4));
    expect(inner.computeMask(x4, m)).toBe(m);
  });
});
