import { describe, expect, it, vi } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { Callback, type Logs } from '../callbacks/callback.js';
import { ShapeError, ValueError } from '../errors.js';
import { Constant } from '../initializers.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import { tensor, zeros } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import { l2 } from '../regularizers.js';
import type { Tensor } from '../tensor/tensor.js';
import { type TrainStepOutput, model } from './model.js';
import { Sequential } from './sequential.js';

function mlp(inDim: number, hidden: number, out: number, outAct: 'sigmoid' | 'softmax' | 'linear') {
  return new Sequential({
    layers: [
      new Dense({ units: hidden, activation: 'relu', inputShape: [inDim] }),
      new Dense({ units: out, activation: outAct }),
    ],
  });
}

class BatchCounter extends Callback {
  batches = 0;
  epochs = 0;
  onTrainBatchEnd(): void {
    this.batches++;
  }
  onEpochEnd(): void {
    this.epochs++;
  }
}

describe('fit', () => {
  it('runs ceil(samples / batchSize) steps per epoch: 1000 samples, batch 100, 10 epochs → 100 updates', async () => {
    setSeed(3);
    const m = mlp(4, 8, 1, 'linear');
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const counter = new BatchCounter();
    const h = await m.fit(randomNormal([1000, 4]), randomNormal([1000, 1]), {
      epochs: 10,
      batchSize: 100,
      verbose: 0,
      callbacks: [counter],
    });
    expect(counter.batches).toBe(100);
    expect(counter.epochs).toBe(10);
    expect(m.compiled!.optimizer.iterations).toBe(100);
    expect(h.history.loss!.length).toBe(10);
    // A last partial batch counts as a step: 1001 samples → 11 steps per epoch.
    const c2 = new BatchCounter();
    await m.fit(randomNormal([1001, 4]), randomNormal([1001, 1]), {
      epochs: 1,
      batchSize: 100,
      verbose: 0,
      callbacks: [c2],
    });
    expect(c2.batches).toBe(11);
  });

  it('binary classification: sigmoid + binaryCrossentropy learns a linear boundary', async () => {
    setSeed(11);
    const x = randomUniform([512, 2], -1, 1);
    const y = x.sum(1, true).greater(0).cast('float32');
    const m = mlp(2, 16, 1, 'sigmoid');
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 40, batchSize: 32, verbose: 0 });
    const r = m.evaluate(x, y);
    expect(r.accuracy).toBeGreaterThan(0.95);
  });

  it('multi-class: softmax with categorical and sparse categorical crossentropy', async () => {
    setSeed(12);
    // Three Gaussian blobs.
    const centers = [
      [2, 0],
      [-2, 0],
      [0, 2.5],
    ];
    const n = 300;
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const noise = randomNormal([n, 2], 0, 0.6).arraySync() as number[][];
    const x = tensor(
      labels.map((c, i) => [centers[c]![0]! + noise[i]![0]!, centers[c]![1]! + noise[i]![1]!]),
    );
    const ySparse = tensor(labels, undefined, 'int32');
    const yOneHot = tensor(labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    for (const [loss, y] of [
      ['categoricalCrossentropy', yOneHot],
      ['sparseCategoricalCrossentropy', ySparse],
    ] as const) {
      const m = mlp(2, 16, 3, 'softmax');
      m.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
      await m.fit(x, y, { epochs: 30, batchSize: 32, verbose: 0 });
      expect(m.evaluate(x, y).accuracy, loss).toBeGreaterThan(0.93);
    }
  });

  it('regression: linear output + MSE fits y = 3x₀ − 2x₁ + 1', async () => {
    setSeed(13);
    const x = randomUniform([400, 2], -1, 1);
    const y = x.matmul(tensor([[3], [-2]])).add(1);
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
    await m.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
    const r = m.evaluate(x, y);
    expect(r.loss).toBeLessThan(1e-3);
    expectClose(m.getWeights()[0]!, [[3], [-2]], { atol: 0.05, rtol: 0 });
    expectClose(m.getWeights()[1]!, [1], { atol: 0.05, rtol: 0 });
  });

  it('functional two-input, two-output model trains with lossWeights and logs per-output losses', async () => {
    setSeed(14);
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [2], name: 'b' });
    const ha = new Dense({ units: 8, activation: 'relu' }).apply(a);
    const hb = new Dense({ units: 8, activation: 'relu' }).apply(b);
    const joined = new Dense({ units: 8, activation: 'relu' }).apply(ha);
    const reg = new Dense({ units: 1, name: 'reg' }).apply(joined);
    const cls = new Dense({ units: 1, activation: 'sigmoid', name: 'cls' }).apply(hb);
    const m = model({ inputs: [a, b], outputs: [reg, cls] });
    m.compile({
      optimizer: 'adam',
      loss: { reg: 'mse', cls: 'binaryCrossentropy' },
      lossWeights: { reg: 1, cls: 0.5 },
      metrics: { cls: ['accuracy'], reg: [] },
    });
    const xa = randomNormal([256, 3]);
    const xb = randomNormal([256, 2]);
    const yReg = xa.sum(1, true);
    const yCls = xb.slice([0, 0], [256, 1]).greater(0).cast('float32');
    const h = await m.fit({ a: xa, b: xb }, [yReg, yCls], {
      epochs: 30,
      batchSize: 32,
      verbose: 0,
    });
    const last = (k: string) => h.history[k]!.at(-1)!;
    expect(Object.keys(h.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_loss']);
    // The logged total is the weighted sum of the per-output losses (running means, so close).
    expect(Math.abs(last('loss') - (last('reg_loss') + 0.5 * last('cls_loss')))).toBeLessThan(
      1e-3 * Math.max(1, last('loss')),
    );
    expect(last('reg_loss')).toBeLessThan(h.history.reg_loss![0]! / 3);
    expect(last('cls_accuracy')).toBeGreaterThan(0.9);
  });

  it('validationSplit holds out the last samples and logs val_ metrics', async () => {
    setSeed(15);
    const m = mlp(2, 4, 1, 'linear');
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const seen: number[] = [];
    const cb = { onTrainBatchBegin: (_b: number, logs: Logs) => void seen.push(logs.size!) };
    const h = await m.fit(randomNormal([100, 2]), randomNormal([100, 1]), {
      epochs: 2,
      batchSize: 32,
      validationSplit: 0.2,
      verbose: 0,
      callbacks: [cb],
    });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    // 80 training samples: batches of 32, 32, 16.
    expect(seen).toEqual([32, 32, 16, 32, 32, 16]);
  });

  it('sampleWeight and classWeight change the loss as weights do', async () => {
    const m = new Sequential({
      layers: [new Dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })],
    });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor([[1], [1]]);
    const y = tensor([[1], [3]]);
    // Predictions are 0: per-sample losses 1 and 9; weights [1, 0] → (1·1 + 0·9) / 2
    expectClose(m.testOnBatch(x, y, tensor([1, 0])).loss!, 0.5);
    const yc = tensor([[0], [1]]);
    // classWeight by label: class 1 weighs 3 → (1·0 + 3·1) / 2 = 1.5, logged from the one
    // step's forward pass (before its update).
    const h = await m.fit(x, yc, {
      epochs: 1,
      batchSize: 2,
      classWeight: { 0: 1, 1: 3 },
      verbose: 0,
    });
    expectClose(h.history.loss![0]!, 1.5);
  });

  it('weight regularizers add their penalty to the loss', () => {
    const m = new Sequential({
      layers: [
        new Dense({
          units: 2,
          inputShape: [3],
          kernelInitializer: new Constant({ value: 0.5 }),
          kernelRegularizer: l2(0.1),
        }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    // Output = 0.5·Σx = 1.5 per unit against target 0 → MSE 2.25; penalty 0.1·(6 · 0.25) = 0.15
    const r = m.testOnBatch(tensor([[1, 1, 1]]), tensor([[0, 0]]));
    expectClose(r.loss!, 2.25 + 0.15, { rtol: 1e-6 });
  });

  it('evaluate and predict agree with a manual forward pass, batched', () => {
    setSeed(16);
    const m = mlp(3, 5, 2, 'softmax');
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = randomNormal([70, 3]);
    const p = m.predict(x, { batchSize: 32 });
    expectClose(p as import('../tensor/tensor.js').Tensor, m.apply(x));
    const y = zeros([70, 2]).add(tensor([1, 0]));
    const r = m.evaluate(x, y, { batchSize: 16 });
    const manual = (m.apply(x) as import('../tensor/tensor.js').Tensor)
      .log()
      .mul(y)
      .sum(1)
      .neg()
      .mean()
      .item();
    expectClose(r.loss!, manual, { rtol: 1e-4 });
  });

  it('bad input: mismatched lengths, wrong label shape, unknown ids', async () => {
    const m = mlp(2, 4, 3, 'softmax');
    expect(() => m.evaluate(zeros([4, 2]), zeros([4, 3]))).toThrow(/compile/);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await expect(m.fit(zeros([10, 2]), zeros([9, 3]), { verbose: 0 })).rejects.toThrow(
      /x has 10 samples but y has 9/,
    );
    await expect(m.fit(zeros([10, 2]), zeros([10]), { verbose: 0 })).rejects.toThrow(ShapeError);
    expect(() => m.compile({ optimizer: 'adamm' as never, loss: 'mse' })).toThrow(/adamm/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse_typo' as never })).toThrow(/mse_typo/);
    await expect(m.fit(zeros([10, 2]), zeros([10, 3]), { epochs: -1, verbose: 0 })).rejects.toThrow(
      ValueError,
    );
    await expect(
      m.fit(zeros([10, 2]), zeros([10, 3]), { validationSplit: 1.5, verbose: 0 }),
    ).rejects.toThrow(/validationSplit/);
  });
});

describe('custom trainStep results', () => {
  /** Counts forward passes of a model through its first layer's calls. */
  class Counting extends Dense {
    calls = 0;
    override call(...args: Parameters<Dense['call']>): ReturnType<Dense['call']> {
      this.calls++;
      return super.call(...args);
    }
  }
  const make = (returnPreds: boolean) => {
    setSeed(9);
    const first = new Counting({ units: 4, activation: 'relu', inputShape: [3] });
    class Custom extends Sequential {
      override trainStep(x: Tensor[], y: Tensor[], sw: Tensor | null) {
        const out = super.trainStep(x, y, sw) as TrainStepOutput;
        return returnPreds ? out : out.loss;
      }
    }
    const m = new Custom({ layers: [first, new Dense({ units: 2, activation: 'softmax' })] });
    m.compile({
      optimizer: 'sgd',
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      jitCompile: false,
    });
    return { m, first };
  };

  it('{ loss, predictions } feeds the metrics with no second forward pass; a bare loss costs one, said once', async () => {
    setSeed(1);
    const x = randomNormal([12, 3]);
    const y = tensor(Array.from({ length: 12 }, (_, i) => (i % 2 ? [0, 1] : [1, 0])));
    const a = make(true);
    const ha = await a.m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(a.first.calls).toBe(3);
    const b = make(false);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const hb = await b.m.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 1 });
      expect(b.first.calls).toBe(12);
      const notes = log.mock.calls.filter((c) => /second forward pass/.test(String(c[0])));
      expect(notes).toHaveLength(1);
      // Same loss; the accuracy of the second pass sees the updated weights, the first the step's.
      expect(hb.history.loss![0]).toBeCloseTo(ha.history.loss![0]!, 6);
    } finally {
      log.mockRestore();
    }
  });

  it('a trainStep returning something else is refused, naming what it returned', async () => {
    class Bad extends Sequential {
      override trainStep() {
        return 3 as never;
      }
    }
    const m = new Bad({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: false });
    await expect(m.fit(zeros([2, 2]), zeros([2, 1]), { verbose: 0 })).rejects.toThrow(
      /trainStep must return the loss tensor or \{ loss, predictions \}, got number/,
    );
  });
});
