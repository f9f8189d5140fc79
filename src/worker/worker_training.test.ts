/**
 * Training in a worker (Node's worker_threads here; Chromium's module workers in
 * test/browser/worker_training.browser.test.ts): the worker's fit equals the same fit on this
 * thread, the page's callbacks run with the worker's logs and can stop it, evaluate/predict
 * answer from the worker's model, and the worker's errors come back typed.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type Logs } from '../callbacks/callback.js';
import { EarlyStopping } from '../callbacks/early_stopping.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { WorkerTrainingError, trainInWorker } from './trainer_client.js';

function startWorker(): Worker {
  const entry = new URL('../../test/helpers/training_worker.ts', import.meta.url).href;
  const req = createRequire(import.meta.url);
  const tsxPkg = req.resolve('tsx/package.json');
  const api = new URL('./dist/esm/api/index.mjs', pathToFileURL(tsxPkg)).href;
  // Node 20 applies no loader to a worker's own entry: a two-line module loads it through tsx.
  const boot = `const { tsImport } = await import(${JSON.stringify(api)});\nawait tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
    execArgv: [],
    env: { ...process.env },
  });
}

function model(): Sequential {
  setSeed(11);
  const m = new Sequential({
    layers: [new Dense({ units: 8, activation: 'tanh', inputShape: [3] }), new Dense({ units: 1 })],
  });
  m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  return m;
}

function data(): [Tensor, Tensor] {
  setSeed(3);
  const x = randomNormal([64, 3]);
  return [x, x.sum(-1, true).mul(0.5)];
}

async function values(t: Tensor | Tensor[]): Promise<number[]> {
  return Array.from(await (t as Tensor).data());
}

describe('training in a worker (worker_threads)', () => {
  let worker: Worker;
  beforeAll(() => {
    worker = startWorker();
  });
  afterAll(async () => {
    await worker.terminate();
  });

  it('fits as this thread would, and the page model gets the weights', async () => {
    const [x, y] = data();
    const here = model();
    const hHere = await here.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    const there = model();
    const before = await values(there.getWeights()[0]!);
    const trainer = await trainInWorker(worker, there);
    expect(trainer.backend).toMatch(/^(native|wasm|js)$/);
    const seen: [number, Logs][] = [];
    let batches = 0;
    const h = await trainer.fit(x, y, {
      epochs: 3,
      batchSize: 16,
      shuffle: false,
      callbacks: [
        { onEpochEnd: (e, logs) => void seen.push([e, logs]) },
        { onBatchEnd: () => void batches++ },
      ],
    });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(seen.map(([e]) => e)).toEqual([0, 1, 2]);
    expect(batches).toBe(12);
    // Same backend family and order of operations: the same numbers to float32 rounding.
    for (const k of ['loss', 'mae']) {
      for (let e = 0; e < 3; e++) expect(h.history[k]![e]).toBeCloseTo(hHere.history[k]![e]!, 5);
    }
    expect(await values(there.getWeights()[0]!)).not.toEqual(before);
    const a = await values(there.getWeights()[0]!);
    const b = await values(here.getWeights()[0]!);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    // evaluate and predict answer from the worker's model, equal to the page's copy.
    const ev = await trainer.evaluate(x, y, { batchSize: 64 });
    const evHere = there.evaluate(x, y, { batchSize: 64 });
    expect(ev.loss).toBeCloseTo(evHere.loss!, 5);
    const p = await values(await trainer.predict(x));
    const pHere = await values(there.predict(x) as Tensor);
    for (let i = 0; i < p.length; i++) expect(p[i]).toBeCloseTo(pHere[i]!, 5);
    trainer.close();
  }, 120_000);

  it('a page callback stops the worker, and weights can follow each epoch', async () => {
    const [x, y] = data();
    const m = model();
    const trainer = await trainInWorker(worker, m);
    const weightsAtEpoch: number[][] = [];
    class StopAfterTwo extends Callback {
      async onEpochEnd(epoch: number): Promise<void> {
        weightsAtEpoch.push(await values(this.model!.getWeights()[1]!));
        if (epoch === 1) this.model!.stopTraining = true;
      }
    }
    const h = await trainer.fit(x, y, {
      epochs: 10,
      batchSize: 32,
      syncWeightsEachEpoch: true,
      callbacks: [new StopAfterTwo()],
    });
    expect(h.epoch).toEqual([0, 1]);
    expect(weightsAtEpoch.length).toBe(2);
    expect(weightsAtEpoch[0]).not.toEqual(weightsAtEpoch[1]);
    expect(await values(m.getWeights()[1]!)).toEqual(weightsAtEpoch[1]);
    // A stock callback works the same way: EarlyStopping on a loss that cannot improve.
    const h2 = await trainer.fit(x, y, {
      epochs: 50,
      batchSize: 64,
      callbacks: [new EarlyStopping({ monitor: 'loss', patience: 0, minDelta: 1e9 })],
    });
    // Keras: the first epoch sets the best; the second does not improve by 1e9, and stops.
    expect(h2.epoch).toEqual([0, 1]);
    trainer.close();
  }, 120_000);

  it("the worker's errors come back typed, and the page's refusals are clear", async () => {
    const m = model();
    const trainer = await trainInWorker(worker, m);
    const bad = tensor([[1, 2]]);
    const err = await trainer.fit(bad, tensor([[1]]), { epochs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerTrainingError);
    expect((err as WorkerTrainingError).workerErrorName).toMatch(/Error$/);
    expect((err as Error).message).toMatch(/^training worker: \w+: .*(shape|expected).*/i);
    // The worker is still usable after an error.
    const [x, y] = data();
    expect((await trainer.fit(x, y, { epochs: 1, batchSize: 64 })).epoch).toEqual([0]);
    const uncompiled = new Sequential({ layers: [new Dense({ units: 1, inputShape: [3] })] });
    const t2 = await trainInWorker(worker, uncompiled);
    expect(() => t2.fit(x, y)).toThrow(/WorkerTrainer.fit: compile the model on the page/);
    expect(await values(await t2.predict(x.slice([0, 0], [2, 3])))).toEqual(
      await values(uncompiled.predict(x.slice([0, 0], [2, 3])) as Tensor),
    );
    await expect(trainInWorker({ postMessage() {} } as never, m)).rejects.toThrow(
      /neither on\(\) nor addEventListener\(\)/,
    );
    t2.close();
    trainer.close();
  }, 120_000);
});
