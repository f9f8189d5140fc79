import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { grad } from '../autograd/grad.js';
import { ShapeError, ValueError } from '../errors.js';
import { arange, ones, tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import { Activation, Dropout, Flatten, Permute, RepeatVector, Reshape } from './core.js';
import { input } from './input_layer.js';

describe('Activation', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Activation,
      args: { activation: 'tanh' },
      inputShape: [2, 3],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: Activation,
      args: { activation: 'softmax' },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
    });
  });

  it('applies the named function', () => {
    expectClose(new Activation({ activation: 'relu' }).apply(tensor([[-1, 0.5, 2]])), [
      [0, 0.5, 2],
    ]);
    expectClose(new Activation({ activation: 'sigmoid' }).apply(tensor([[0]])), [[0.5]]);
    expect(new Activation({ activation: 'leaky_relu' }).getConfig().activation).toBe('leakyRelu');
    expect(new Activation({ activation: 'relu' }).supportsMasking).toBe(true);
  });

  it('refuses a missing or unknown activation', () => {
    expect(() => new Activation({} as never)).toThrow(ValueError);
    expect(() => new Activation({ activation: 'nope' })).toThrow(/unknown activation 'nope'/);
  });
});

describe('Flatten', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Flatten,
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 12],
      expectedNumWeights: 0,
    });
    runLayerTest({ cls: Flatten, inputShape: [2, 2, 1, 3], expectedOutputShape: [2, 6] });
    // Keras: a rank-1 input (batch only) becomes [batch, 1].
    runLayerTest({ cls: Flatten, inputShape: [3], expectedOutputShape: [3, 1] });
  });

  it('keeps the batch axis and row-major order', () => {
    const x = arange(0, 12).reshape([2, 3, 2]);
    const y = new Flatten().apply(x);
    expectClose(y, [
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 11],
    ]);
  });

  it('gives a null size when a non-batch axis is unknown', () => {
    expect(new Flatten().apply(input({ shape: [null, 4] })).shape).toEqual([null, null]);
    expect(new Flatten().apply(input({ shape: [5, 4] })).shape).toEqual([null, 20]);
  });

  it('supports only channelsLast', () => {
    expect(new Flatten({ dataFormat: 'channels_last' }).getConfig().dataFormat).toBe(
      'channelsLast',
    );
    expect(() => new Flatten({ dataFormat: 'channelsFirst' as never })).toThrow(/channelsLast/);
  });
});

describe('Reshape', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Reshape,
      args: { targetShape: [3, 4] },
      inputShape: [2, 12],
      expectedOutputShape: [2, 3, 4],
    });
    runLayerTest({
      cls: Reshape,
      args: { targetShape: [-1, 2] },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 6, 2],
    });
  });

  it('reshapes each sample, keeping row-major order', () => {
    const y = new Reshape({ targetShape: [2, -1] }).apply(arange(0, 8).reshape([2, 4]));
    expect(y.shape).toEqual([2, 2, 2]);
    expectClose(y, [
      [
        [0, 1],
        [2, 3],
      ],
      [
        [4, 5],
        [6, 7],
      ],
    ]);
  });

  it('infers symbolic shapes (unknown axes give null)', () => {
    expect(new Reshape({ targetShape: [-1, 2] }).apply(input({ shape: [3, 4] })).shape).toEqual([
      null,
      6,
      2,
    ]);
    expect(new Reshape({ targetShape: [-1, 2] }).apply(input({ shape: [null, 4] })).shape).toEqual([
      null,
      null,
      2,
    ]);
  });

  it('refuses an incompatible size, naming the layer and both shapes', () => {
    const r = new Reshape({ targetShape: [5, -1], name: 'r_bad' });
    const bad = () => r.apply(randomUniform([2, 3, 4]));
    expect(bad).toThrow(ShapeError);
    expect(bad).toThrow(/r_bad \(Reshape\).*\[2, 3, 4\].*\[5, -1\]/);
    const r2 = new Reshape({ targetShape: [5, 2], name: 'r_bad2' });
    expect(() => r2.apply(input({ shape: [12] }))).toThrow(
      /r_bad2 \(Reshape\).*\[null, 12\].*\[5, 2\]/,
    );
  });

  it('refuses a malformed target shape', () => {
    expect(() => new Reshape({ targetShape: [-1, -1] })).toThrow(ValueError);
    expect(() => new Reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1/);
    expect(() => new Reshape({ targetShape: [0, 2] })).toThrow(/positive integers or -1/);
  });
});

describe('Permute', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Permute,
      args: { dims: [2, 1] },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 4, 3],
    });
    runLayerTest({
      cls: Permute,
      args: { dims: [3, 1, 2] },
      inputShape: [2, 2, 3, 4],
      expectedOutputShape: [2, 4, 2, 3],
    });
  });

  it('permutes the non-batch axes (1-based dims)', () => {
    const x = arange(0, 12).reshape([2, 3, 2]);
    const y = new Permute({ dims: [2, 1] }).apply(x);
    expectClose(y, [
      [
        [0, 2, 4],
        [1, 3, 5],
      ],
      [
        [6, 8, 10],
        [7, 9, 11],
      ],
    ]);
  });

  it('refuses dims that are not a 1-based permutation, and inputs of the wrong rank', () => {
    expect(() => new Permute({ dims: [0, 1] })).toThrow(ValueError);
    expect(() => new Permute({ dims: [1, 1] })).toThrow(/1\.\.n exactly once/);
    const p = new Permute({ dims: [2, 1], name: 'p_rank' });
    expect(() => p.apply(randomUniform([2, 3]))).toThrow(ShapeError);
    expect(() => p.apply(randomUniform([2, 3]))).toThrow(/p_rank \(Permute\).*rank 3.*\[2, 3\]/);
  });
});

describe('RepeatVector', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: RepeatVector,
      args: { n: 4 },
      inputShape: [2, 3],
      expectedOutputShape: [2, 4, 3],
    });
  });

  it('repeats each sample n times along axis 1', () => {
    const y = new RepeatVector({ n: 2 }).apply(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expectClose(y, [
      [
        [1, 2],
        [1, 2],
      ],
      [
        [3, 4],
        [3, 4],
      ],
    ]);
    expect(new RepeatVector({ n: 3 }).apply(input({ shape: [5] })).shape).toEqual([null, 3, 5]);
  });

  it('refuses a bad n and inputs of rank other than 2', () => {
    expect(() => new RepeatVector({ n: 0 })).toThrow(ValueError);
    expect(() => new RepeatVector({ n: 2, name: 'rv' }).apply(randomUniform([2, 3, 4]))).toThrow(
      /rv \(RepeatVector\).*rank 2/,
    );
  });
});

describe('Dropout', () => {
  it('passes the layer harness (inference mode)', () => {
    runLayerTest({
      cls: Dropout,
      args: { rate: 0.5 },
      inputShape: [2, 3],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: Dropout,
      args: { rate: 0.2, noiseShape: [null, 1, null], seed: 3 },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
    });
  });

  it('passes the layer harness in training mode (one mask per forward pass, from setSeed)', () => {
    // The gradient check reseeds the global generator before each pass, so the mask is fixed
    // and the gradient is the mask scaled by 1/(1 − rate).
    runLayerTest({
      cls: Dropout,
      args: { rate: 0.4 },
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
      callOptions: { training: true },
    });
  });

  it('is the identity at inference', () => {
    const x = randomNormal([4, 5]);
    const d = new Dropout({ rate: 0.5 });
    expectClose(d.apply(x), x);
    expectClose(d.apply(x, { training: false }), x);
    expectClose(new Dropout({ rate: 0 }).apply(x, { training: true }), x);
    expect(d.supportsMasking).toBe(true);
  });

  it('in training, zeroes about `rate` of the inputs and scales the others by 1/(1 − rate)', () => {
    setSeed(42);
    const x = randomUniform([100, 100], 1, 2);
    const y = new Dropout({ rate: 0.3 }).apply(x, { training: true });
    const xv = x.dataSync();
    const yv = y.dataSync();
    let zeros = 0;
    for (let i = 0; i < xv.length; i++) {
      if (yv[i] === 0) zeros++;
      else expect(yv[i]).toBeCloseTo(xv[i]! / 0.7, 5);
    }
    expect(zeros / xv.length).toBeGreaterThan(0.28);
    expect(zeros / xv.length).toBeLessThan(0.32);
  });

  it('is repeatable with setSeed, and a seeded layer uses its own generator', () => {
    const x = ones([10, 10]);
    const d = new Dropout({ rate: 0.5 });
    setSeed(1);
    const a = d.apply(x, { training: true });
    setSeed(1);
    const b = d.apply(x, { training: true });
    expectClose(a, b);
    const c = d.apply(x, { training: true });
    expect(Array.from(c.dataSync())).not.toEqual(Array.from(a.dataSync()));

    const s1 = new Dropout({ rate: 0.5, seed: 9 });
    const s2 = new Dropout({ rate: 0.5, seed: 9 });
    setSeed(1);
    const m1 = s1.apply(x, { training: true });
    setSeed(2);
    const m2 = s2.apply(x, { training: true });
    expectClose(m1, m2);
  });

  it('noiseShape broadcasts one mask over the axes given as 1', () => {
    setSeed(4);
    const y = new Dropout({ rate: 0.5, noiseShape: [null, 1, null] }).apply(ones([3, 5, 4]), {
      training: true,
    });
    const v = y.arraySync() as number[][][];
    for (const sample of v) for (const row of sample) expect(row).toEqual(sample[0]);
    expect(() =>
      new Dropout({ rate: 0.5, noiseShape: [2, 2], name: 'dn' }).apply(ones([3, 4]), {
        training: true,
      }),
    ).toThrow(/dn \(Dropout\): noiseShape \[2, 2\].*\[3, 4\]/);
  });

  it('backpropagates through the same mask', () => {
    const d = new Dropout({ rate: 0.25 });
    const x = ones([6, 6]);
    setSeed(8);
    const y = d.apply(x, { training: true });
    setSeed(8);
    const g = grad((t) => d.apply(t, { training: true }).sum())(x);
    expectClose(g, y);
  });

  it('refuses a rate outside [0, 1)', () => {
    expect(() => new Dropout({ rate: 1.5 })).toThrow(ValueError);
    expect(() => new Dropout({ rate: 1.5, name: 'drop_bad' })).toThrow(
      /drop_bad \(Dropout\): rate must be a number in \[0, 1\), got 1\.5/,
    );
    expect(() => new Dropout({ rate: -0.1 })).toThrow(ValueError);
    expect(() => new Dropout({ rate: 1 })).toThrow(ValueError);
  });
});
