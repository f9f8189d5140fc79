import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { ValueError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { setSeed } from '../ops/random.js';
import { SGD } from '../optimizers/sgd.js';
import type { Tensor } from '../tensor/tensor.js';
import { LambdaCallback } from './lambda_callback.js';
import { SwapEMAWeights } from './swap_ema_weights.js';

const X = tensor([
  [1, 2],
  [2, 1],
  [0, 3],
  [-1, 2],
]);
const Y = tensor([[3], [3], [3], [1]]);

function model(useEma = true): Sequential {
  setSeed(1);
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: new SGD({ learningRate: 0.05, useEma, emaMomentum: 0.5 }), loss: 'mse' });
  return m;
}
const vals = (ws: Tensor[]) => ws.map((w) => Array.from(w.dataSync()));

describe('SwapEMAWeights', () => {
  it('evaluates and predicts with the averages, then restores the raw weights', async () => {
    const m = model();
    await m.fit(X, Y, { epochs: 3, batchSize: 2, verbose: 0 });
    const raw = vals(m.getWeights());
    const opt = m.optimizer!;
    const ema = m.trainableWeights.map((v) =>
      Array.from(opt.getSlot(v, 'average').value().dataSync()),
    );
    expect(ema).not.toEqual(raw);
    const seen: number[][][] = [];
    const probe = new LambdaCallback({
      onTestBatchEnd: () => {
        seen.push(vals(m.getWeights()));
      },
    });
    const swap = new SwapEMAWeights();
    m.evaluate(X, Y, { callbacks: [swap, probe] });
    expect(seen[0]).toEqual(ema);
    expect(vals(m.getWeights())).toEqual(raw);
    // Predicting with the EMA weights gives the EMA model's outputs; the raw ones come back.
    const withEma = m.predict(X, { callbacks: [swap] }) as Tensor;
    expect(vals(m.getWeights())).toEqual(raw);
    opt.swapEmaWeights();
    expectClose(withEma, m.predict(X) as Tensor);
    opt.swapEmaWeights();
  });

  it("fit's validation runs on the averages (Keras calls the test hooks in fit too)", async () => {
    const a = model();
    const b = model();
    await a.fit(X, Y, { epochs: 2, batchSize: 2, verbose: 0, shuffle: false });
    const h = await b.fit(X, Y, {
      epochs: 2,
      batchSize: 2,
      verbose: 0,
      shuffle: false,
      validationData: [X, Y],
      callbacks: [new SwapEMAWeights()],
    });
    // Training is unchanged; the last val_loss is the EMA model's loss, not the raw one's.
    expect(vals(b.getWeights())).toEqual(vals(a.getWeights()));
    const raw = a.evaluate(X, Y).loss!;
    a.optimizer!.swapEmaWeights();
    const ema = a.evaluate(X, Y).loss!;
    expect(ema).not.toBeCloseTo(raw, 4);
    expect(h.history.val_loss!.at(-1)).toBeCloseTo(ema, 6);
  });

  it('swapOnEpoch: epoch ends see the averages, training continues from the raw weights, the last epoch keeps them', async () => {
    const a = model();
    const b = model();
    const atEnd: number[][][] = [];
    const probe = new LambdaCallback({
      onEpochEnd: () => {
        atEnd.push(vals(b.getWeights()));
      },
    });
    await a.fit(X, Y, { epochs: 3, batchSize: 2, verbose: 0, shuffle: false });
    await b.fit(X, Y, {
      epochs: 3,
      batchSize: 2,
      verbose: 0,
      shuffle: false,
      callbacks: [new SwapEMAWeights({ swapOnEpoch: true }), probe],
    });
    // Same training trajectory (the swaps are undone before each epoch) …
    const emaA = a.trainableWeights.map((v) =>
      Array.from(a.optimizer!.getSlot(v, 'average').value().dataSync()),
    );
    expect(atEnd[2]).toEqual(emaA);
    // … and the model ends with the averages, in both its weights and the optimizer's slots.
    expect(vals(b.getWeights())).toEqual(emaA);
    const slotsB = b.trainableWeights.map((v) =>
      Array.from(b.optimizer!.getSlot(v, 'average').value().dataSync()),
    );
    expect(slotsB).toEqual(emaA);
  });

  it('refuses an optimizer without EMA, naming the class and what was found', () => {
    const m = model(false);
    expect(() => m.evaluate(X, Y, { callbacks: [new SwapEMAWeights()] })).toThrow(ValueError);
    expect(() => m.evaluate(X, Y, { callbacks: [new SwapEMAWeights()] })).toThrow(
      /^SwapEMAWeights: the model's optimizer must be created with useEma: true, got SGD with useEma=false$/,
    );
    expect(() => new SwapEMAWeights({ swapOnEpoch: 'yes' as never })).toThrow(
      /^SwapEMAWeights: swapOnEpoch must be a boolean, got yes$/,
    );
  });
});
