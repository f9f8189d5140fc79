import { describe, expect, it } from 'vitest';
import { Callback } from '../callbacks/callback.js';
import { ShapeError, ValueError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import { tensor, zeros } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
/**
 * Training input checks: non-finite and empty data, epoch options, and compile's per-output
 * metric dicts (Keras 3 compile_utils: a metrics dict may leave outputs out, a loss dict not).
 */
import type { Tensor } from '../tensor/tensor.js';
import { type Model, model } from './model.js';
import { Sequential } from './sequential.js';

function linear(): Sequential {
  setSeed(3);
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

function weightsOf(m: Model): number[] {
  return m.weights.flatMap((w) => Array.from(w.value().dataSync()));
}

/** x with NaN at sample 2, feature 1 (flat index 5). */
function xWithNaN(): Tensor {
  const d = new Float32Array(8).fill(1);
  d[5] = Number.NaN;
  return tensor(d, [4, 2]);
}

function twoInTwoOut(): Model {
  setSeed(5);
  const a = input({ shape: [3], name: 'a' });
  const b = input({ shape: [2], name: 'b' });
  const reg = new Dense({ units: 1, name: 'reg' }).apply(a);
  const cls = new Dense({ units: 1, activation: 'sigmoid', name: 'cls' }).apply(b);
  return model({ inputs: [a, b], outputs: [reg, cls] });
}

describe('fit refuses non-finite data before training', () => {
  it('NaN in x: names x, the sample, the index and the value, and leaves the weights alone', async () => {
    const m = linear();
    const before = weightsOf(m);
    await expect(m.fit(xWithNaN(), zeros([4, 1]), { verbose: 0 })).rejects.toThrowError(
      /^fit: x has NaN at sample 2, index \[2, 1\] \(flat 5\); expected finite numbers \(pass allowNonFinite: true/,
    );
    await expect(m.fit(xWithNaN(), zeros([4, 1]), { verbose: 0 })).rejects.toBeInstanceOf(
      ValueError,
    );
    expect(weightsOf(m)).toEqual(before);
  });

  it('Infinity in y, sampleWeight and classWeight; plain arrays too', async () => {
    const m = linear();
    const x = zeros([3, 2]);
    await expect(
      m.fit(x, [[0], [Number.NEGATIVE_INFINITY], [0]], { verbose: 0 }),
    ).rejects.toThrowError(/^fit: y has -Infinity at sample 1, index \[1, 0\] \(flat 1\)/);
    await expect(
      m.fit(x, zeros([3, 1]), { sampleWeight: [1, 1, Number.POSITIVE_INFINITY], verbose: 0 }),
    ).rejects.toThrowError(/^fit: sampleWeight has Infinity at sample 2, index 2;/);
    await expect(
      m.fit(x, zeros([3, 1]), { classWeight: { 0: Number.NaN }, verbose: 0 }),
    ).rejects.toThrowError(/^fit: classWeight\[0\] is NaN; expected a finite number/);
    await expect(
      m.fit(x, zeros([3, 1]), { classWeight: { 1.5: 2 } as never, verbose: 0 }),
    ).rejects.toThrowError(
      /classWeight keys must be non-negative integer class indices, got '1.5'/,
    );
  });

  it('validationData: its x, y and sampleWeight are checked and named as validation data', async () => {
    const m = linear();
    const x = zeros([4, 2]);
    const y = zeros([4, 1]);
    await expect(
      m.fit(x, y, { validationData: [xWithNaN(), zeros([4, 1])], verbose: 0 }),
    ).rejects.toThrowError(/^fit: validationData x has NaN at sample 2, index \[2, 1\]/);
    await expect(
      m.fit(x, y, { validationData: [x, tensor([[0], [0], [Number.NaN], [0]])], verbose: 0 }),
    ).rejects.toThrowError(/^fit: validationData y has NaN at sample 2/);
    await expect(
      m.fit(x, y, { validationData: [x, y, tensor([1, 1, 1])], verbose: 0 }),
    ).rejects.toThrowError(ShapeError);
    await expect(
      m.fit(x, y, { validationData: [x, zeros([3, 1])], verbose: 0 }),
    ).rejects.toThrowError(/validationData x has 4 samples but y has 3/);
  });

  it('multi-input dicts name the input by index and name', async () => {
    const m = twoInTwoOut();
    m.compile({ optimizer: 'sgd', loss: ['mse', 'binaryCrossentropy'] });
    const xb = tensor([
      [0, 0],
      [0, Number.POSITIVE_INFINITY],
    ]);
    await expect(
      m.fit({ a: zeros([2, 3]), b: xb }, [zeros([2, 1]), zeros([2, 1])], { verbose: 0 }),
    ).rejects.toThrowError(
      /^fit: x\[1\] \('b'\) has Infinity at sample 1, index \[1, 1\] \(flat 3\)/,
    );
    const yCls = tensor([[0], [Number.NaN]]);
    await expect(
      m.fit({ a: zeros([2, 3]), b: zeros([2, 2]) }, [zeros([2, 1]), yCls], { verbose: 0 }),
    ).rejects.toThrowError(/^fit: y\[1\] \('cls'\) has NaN at sample 1/);
  });

  it('allowNonFinite: true trains on the data as given (the loss becomes NaN)', async () => {
    const m = linear();
    const h = await m.fit(xWithNaN(), zeros([4, 1]), {
      verbose: 0,
      batchSize: 4,
      allowNonFinite: true,
    });
    expect(Number.isNaN(h.history.loss![0]!)).toBe(true);
    const h2 = await m.fit(zeros([2, 2]), zeros([2, 1]), {
      verbose: 0,
      classWeight: { 0: Number.POSITIVE_INFINITY },
      allowNonFinite: true,
    });
    expect(h2.history.loss).toHaveLength(1);
  });

  it('int32 data is accepted without a scan (it cannot hold NaN)', async () => {
    const m = linear();
    const h = await m.fit(tensor([[1, 2]], undefined, 'int32'), [[3]], { verbose: 0 });
    expect(Number.isFinite(h.history.loss![0]!)).toBe(true);
  });
});

describe('evaluate, trainOnBatch and testOnBatch check the data too', () => {
  it('each names itself; options.allowNonFinite lets the data through', () => {
    const m = linear();
    const y = tensor([[0], [0], [0], [Number.NaN]]);
    expect(() => m.evaluate(zeros([4, 2]), y)).toThrowError(/^evaluate: y has NaN at sample 3/);
    expect(() =>
      m.evaluate(zeros([4, 2]), zeros([4, 1]), { sampleWeight: [1, 1, 1, Number.NaN] }),
    ).toThrowError(/^evaluate: sampleWeight has NaN at sample 3/);
    const before = weightsOf(m);
    expect(() => m.trainOnBatch(xWithNaN(), zeros([4, 1]))).toThrowError(
      /^trainOnBatch: x has NaN at sample 2, index \[2, 1\] \(flat 5\)/,
    );
    expect(weightsOf(m)).toEqual(before);
    expect(() => m.testOnBatch(zeros([4, 2]), y)).toThrowError(/^testOnBatch: y has NaN/);
    expect(Number.isNaN(m.evaluate(zeros([4, 2]), y, { allowNonFinite: true }).loss!)).toBe(true);
    expect(
      Number.isNaN(
        m.trainOnBatch(xWithNaN(), zeros([4, 1]), undefined, { allowNonFinite: true }).loss!,
      ),
    ).toBe(true);
    expect(
      Number.isNaN(m.testOnBatch(zeros([4, 2]), y, undefined, { allowNonFinite: true }).loss!),
    ).toBe(true);
  });

  it('trainOnBatch checks the sampleWeight shape', () => {
    const m = linear();
    expect(() => m.trainOnBatch(zeros([4, 2]), zeros([4, 1]), tensor([1, 1]))).toThrowError(
      /^trainOnBatch: sampleWeight must have shape \[4\], got \[2\]/,
    );
  });
});

describe('empty data is refused', () => {
  it('fit, trainOnBatch, evaluate, testOnBatch and predict with 0 samples throw (were an empty History and {loss: 0})', async () => {
    const m = linear();
    const x = zeros([0, 2]);
    const y = zeros([0, 1]);
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrowError(
      /^fit: x has no samples \(shape \[0, 2\]\); expected at least one sample/,
    );
    expect(() => m.trainOnBatch(x, y)).toThrowError(/^trainOnBatch: x has no samples/);
    expect(() => m.evaluate(x, y)).toThrowError(/^evaluate: x has no samples/);
    expect(() => m.testOnBatch(x, y)).toThrowError(/^testOnBatch: x has no samples/);
    expect(() => m.predict(x)).toThrowError(/^predict: x has no samples/);
    await expect(
      m.fit(zeros([2, 2]), zeros([2, 1]), { validationData: [x, y], verbose: 0 }),
    ).rejects.toThrowError(/^fit: validationData x has no samples/);
    expect(() => m.trainOnBatch(x, y)).toThrowError(ValueError);
  });
});

class EpochRecorder extends Callback {
  seen: number[] = [];
  onEpochBegin(epoch: number): void {
    this.seen.push(epoch);
  }
}

describe('epoch options', () => {
  it('initialEpoch must be a non-negative integer (-3 ran five epochs, 0.5 ran 0.5 and 1.5)', async () => {
    const m = linear();
    const x = zeros([2, 2]);
    const y = zeros([2, 1]);
    for (const bad of [-3, 0.5, Number.NaN, '1' as never]) {
      await expect(m.fit(x, y, { epochs: 2, initialEpoch: bad, verbose: 0 })).rejects.toThrowError(
        /^fit: initialEpoch must be a non-negative integer/,
      );
    }
    for (const bad of [-1, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(m.fit(x, y, { epochs: bad, verbose: 0 })).rejects.toThrowError(
        /^fit: epochs must be a non-negative integer/,
      );
    }
  });

  it('epochs initialEpoch … epochs − 1 run, as in Keras; none when initialEpoch ≥ epochs', async () => {
    const m = linear();
    const x = randomNormal([4, 2]);
    const y = randomNormal([4, 1]);
    const rec = new EpochRecorder();
    const h = await m.fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0, callbacks: [rec] });
    expect(rec.seen).toEqual([3, 4]);
    expect(h.epoch).toEqual([3, 4]);
    const before = weightsOf(m);
    for (const [epochs, initialEpoch] of [
      [3, 3],
      [3, 5],
      [0, 0],
    ] as const) {
      const r = new EpochRecorder();
      const h0 = await m.fit(x, y, { epochs, initialEpoch, verbose: 0, callbacks: [r] });
      expect(r.seen).toEqual([]);
      expect(h0.epoch).toEqual([]);
    }
    expect(weightsOf(m)).toEqual(before);
  });

  it('batchSize and validationBatchSize must be positive integers', async () => {
    const m = linear();
    const x = zeros([2, 2]);
    const y = zeros([2, 1]);
    await expect(m.fit(x, y, { batchSize: 0, verbose: 0 })).rejects.toThrowError(
      /^fit: batchSize must be a positive integer, got 0/,
    );
    await expect(m.fit(x, y, { batchSize: 2.5, verbose: 0 })).rejects.toThrowError(ValueError);
    await expect(
      m.fit(x, y, { validationSplit: 0.5, validationBatchSize: 0, verbose: 0 }),
    ).rejects.toThrowError(/^fit: validationBatchSize must be a positive integer, got 0/);
  });
});

describe('compile: per-output metric and loss dicts', () => {
  it('a metrics dict may leave outputs out; they get no metrics (Keras 3)', async () => {
    const m = twoInTwoOut();
    m.compile({
      optimizer: 'sgd',
      loss: { reg: 'mse', cls: 'binaryCrossentropy' },
      metrics: { cls: ['accuracy'] },
    });
    const h = await m.fit(
      { a: randomNormal([8, 3]), b: randomNormal([8, 2]) },
      [randomNormal([8, 1]), zeros([8, 1])],
      { verbose: 0, batchSize: 8 },
    );
    expect(Object.keys(h.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_loss']);
    // One metric given as a single spec rather than a list works the same
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: { reg: 'mae' } });
    const logs = m.evaluate({ a: zeros([2, 3]), b: zeros([2, 2]) }, [zeros([2, 1]), zeros([2, 1])]);
    expect(Object.keys(logs).sort()).toEqual(['cls_loss', 'loss', 'reg_loss', 'reg_mae']);
  });

  it('unknown output names are refused, listing the outputs; a loss dict must cover every output', () => {
    const m = twoInTwoOut();
    expect(() =>
      m.compile({ optimizer: 'sgd', loss: 'mse', metrics: { clss: ['accuracy'] } }),
    ).toThrowError(/^compile: metric given for unknown output 'clss'; outputs: reg, cls/);
    // Keras 3 (compile_utils.CompileLoss.build): "Expected keys [...] in loss dict"
    expect(() => m.compile({ optimizer: 'sgd', loss: { reg: 'mse' } })).toThrowError(
      /^compile: no loss for output 'cls'; a loss dict needs every output: reg, cls/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: { reg: 'mse' } })).toThrowError(ValueError);
  });
});
