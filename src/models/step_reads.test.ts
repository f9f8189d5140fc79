/**
 * A training or evaluation step reports its loss and metrics in one host read: the loss, the
 * per-output losses and every built-in metric's statistics come back as one summary tensor that
 * the compiled step computes with the rest of the step (Keras's metrics' tensor parts).
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../backend/registry.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import type { MetricFunction } from '../metrics/base.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { compiledStepInfo } from './jit_steps.js';
import { model } from './model.js';
import { Sequential } from './sequential.js';

function mlp(): Sequential {
  return new Sequential({
    layers: [
      new Dense({ units: 8, activation: 'relu', inputShape: [6] }),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

/** Host reads (readSync) the backend serves while `run` runs. */
async function countReads(run: () => unknown): Promise<number> {
  const b = getBackend();
  const own = Object.hasOwn(b, 'readSync');
  const orig = b.readSync;
  if (!orig) throw new Error('this test needs a backend with readSync');
  let n = 0;
  b.readSync = function (this: unknown, ...a: Parameters<typeof orig>) {
    n++;
    return orig.apply(this, a);
  };
  try {
    await run();
    return n;
  } finally {
    if (own) b.readSync = orig;
    else Reflect.deleteProperty(b, 'readSync');
  }
}

describe('one host read per step', () => {
  it('fit and evaluate read the loss and every built-in metric once per batch, compiled or eager', async () => {
    for (const jitCompile of [true, false] as const) {
      setSeed(3);
      const m = mlp();
      m.compile({
        optimizer: 'adam',
        loss: 'categoricalCrossentropy',
        metrics: ['accuracy', 'mse', 'categoricalCrossentropy'],
        jitCompile,
      });
      const x = randomNormal([64, 6]);
      const y = randomUniform([64, 3]);
      await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false }); // warm-up
      const reads = await countReads(() =>
        m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false }),
      );
      expect(reads).toBe(4); // 64 / 16 batches
      // The first two calls of a signature are traced (and the tracer owns the backend's
      // methods meanwhile): count from the third.
      m.evaluate(x, y, { batchSize: 32, verbose: 0 });
      const evalReads = await countReads(() => m.evaluate(x, y, { batchSize: 32, verbose: 0 }));
      expect(evalReads).toBe(2);
    }
  });

  it('the summary is an output of the compiled step, and logs equal eager ones', async () => {
    const run = async (jitCompile: boolean) => {
      setSeed(4);
      const m = mlp();
      m.compile({
        optimizer: 'sgd',
        loss: 'categoricalCrossentropy',
        metrics: ['accuracy', 'mae'],
        jitCompile,
      });
      const x = randomNormal([48, 6], 0, 1, { seed: 1 });
      const y = randomUniform([48, 3], 0, 1, { seed: 2 });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 12, verbose: 0, shuffle: false });
      return { m, h };
    };
    const c = await run(true);
    const e = await run(false);
    const info = compiledStepInfo(c.m).train;
    expect(info.fallbacks).toEqual([]);
    expect(info.compiled.length).toBeGreaterThan(0);
    for (const key of ['loss', 'accuracy', 'mae']) {
      const a = c.h.history[key]!;
      const b = e.h.history[key]!;
      expect(a).toHaveLength(3);
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    }
  });

  it('a custom metric function updates on the host; multi-output losses come back in the summary', async () => {
    setSeed(5);
    const inp = input({ shape: [4] });
    const a = new Dense({ units: 2, name: 'a' }).apply(inp);
    const b = new Dense({ units: 1, name: 'b' }).apply(inp);
    const m = model({ inputs: inp, outputs: [a, b] });
    const absErr: MetricFunction = (t, p) => (p as Tensor).sub(t).abs();
    m.compile({ optimizer: 'sgd', loss: ['mse', 'mae'], metrics: [['mae'], [absErr]] });
    const x = randomNormal([20, 4]);
    const ys = [randomNormal([20, 2]), randomNormal([20, 1])];
    await m.fit(x, ys, { epochs: 1, batchSize: 10, verbose: 0 });
    m.evaluate(x, ys, { batchSize: 10, verbose: 0 });
    m.evaluate(x, ys, { batchSize: 10, verbose: 0 });
    let logs: Record<string, number> = {};
    const reads = await countReads(() => {
      logs = m.evaluate(x, ys, { batchSize: 10, verbose: 0 });
    });
    // One summary read per batch, plus the custom metric's own host update per batch.
    expect(reads).toBe(4);
    // Against the definitions, from the model's own predictions.
    const [pa, pb] = m.predict(x) as Tensor[];
    const aLoss = pa!.sub(ys[0]!).square().mean().item();
    const bLoss = pb!.sub(ys[1]!).abs().mean().item();
    expect(Object.keys(logs).sort()).toEqual(['a_loss', 'a_mae', 'b_absErr', 'b_loss', 'loss']);
    expect(logs.a_loss).toBeCloseTo(aLoss, 5);
    expect(logs.b_loss).toBeCloseTo(bLoss, 5);
    expect(logs.loss).toBeCloseTo(aLoss + bLoss, 5);
    expect(logs.a_mae).toBeCloseTo(pa!.sub(ys[0]!).abs().mean().item(), 5);
    expect(logs.b_absErr).toBeCloseTo(bLoss, 5);
  });
});
