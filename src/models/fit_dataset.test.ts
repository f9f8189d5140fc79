/**
 * fit, evaluate and predict on datasets: the same batches as tensor data must give the same
 * weights, losses and outputs (the tensor path is the oracle); Keras's stepsPerEpoch,
 * validationSteps and validationFreq rules; the progress bar of a dataset of unknown length;
 * bounded memory on a generator of 2 GB; and every bad input as a clear error.
 */
import { describe, expect, it, vi } from 'vitest';
import { Callback, type Logs } from '../callbacks/callback.js';
import { ProgbarLogger } from '../callbacks/progbar.js';
import { Dataset, DatasetError } from '../data/dataset.js';
import { ValueError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import { Concatenate } from '../layers/merge.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CompileArgs } from './compile_state.js';
import { type Model, model as functionalModel } from './model.js';
import { Sequential } from './sequential.js';

type Mode = CompileArgs['jitCompile'];

function mlp(mode: Mode, seed = 5): Model {
  setSeed(seed);
  const m = new Sequential({
    layers: [
      new Dense({ units: 6, activation: 'relu', inputShape: [4] }),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
    jitCompile: mode,
  });
  return m;
}

function data(n: number, seed = 1): { x: Tensor; y: Tensor } {
  setSeed(seed);
  const x = randomNormal([n, 4]);
  const y = tensor(
    Array.from({ length: n }, (_, i) => (i * 7) % 3),
    [n],
    'int32',
  );
  return { x, y };
}

function weightsOf(m: Model): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

class Recorder extends Callback {
  batchesPerEpoch: number[] = [];
  sizes: number[] = [];
  private count = 0;
  onEpochBegin(): void {
    this.count = 0;
  }
  onTrainBatchBegin(_b: number, logs: Logs): void {
    this.count++;
    this.sizes.push(logs.size as number);
  }
  onEpochEnd(): void {
    this.batchesPerEpoch.push(this.count);
  }
}

describe.each(['auto', false] as Mode[])('fit on a dataset (jitCompile %s)', (mode) => {
  it('trains to the same weights and logs as the same batches given as tensors', async () => {
    const { x, y } = data(50);
    const a = mlp(mode);
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const b = mlp(mode);
    const hb = await b.fit(Dataset.fromTensorSlices([x, y]).batch(8), { epochs: 3, verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(hb.history.accuracy).toEqual(ha.history.accuracy);
    // The same through a plain generator of [x, y] batches (stacked one by one, unknown length).
    const c = mlp(mode);
    const gen = Dataset.fromGenerator(function* () {
      for (let lo = 0; lo < 50; lo += 8) {
        const hi = Math.min(50, lo + 8);
        yield [x.slice([lo, 0], [hi - lo, 4]), y.slice([lo], [hi - lo])];
      }
    });
    await c.fit(gen, { epochs: 3, verbose: 0 });
    expect(weightsOf(c)).toEqual(weightsOf(a));
  });

  it('takes sample weights from [x, y, sampleWeight] batches and classWeight per batch', async () => {
    const { x, y } = data(24);
    const sw = randomUniform([24]);
    const a = mlp(mode);
    await a.fit(x, y, { batchSize: 6, shuffle: false, sampleWeight: sw, verbose: 0 });
    const b = mlp(mode);
    await b.fit(Dataset.fromTensorSlices([x, y, sw]).batch(6), { verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    const classWeight = { 0: 2, 1: 0.5 };
    const c = mlp(mode);
    await c.fit(x, y, { batchSize: 6, shuffle: false, classWeight, verbose: 0 });
    const d = mlp(mode);
    await d.fit(Dataset.fromTensorSlices([x, y]).batch(6), { classWeight, verbose: 0 });
    expect(weightsOf(d)).toEqual(weightsOf(c));
  });

  it('evaluate and predict on a dataset equal the same on tensors', async () => {
    const { x, y } = data(30);
    const m = mlp(mode);
    await m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0 });
    const ds = Dataset.fromTensorSlices([x, y]).batch(10);
    expect(await m.evaluate(ds)).toEqual(m.evaluate(x, y, { batchSize: 10 }));
    const p = (await m.predict(Dataset.fromTensorSlices(x).batch(10))) as Tensor;
    expect(p.arraySync()).toEqual((m.predict(x, { batchSize: 10 }) as Tensor).arraySync());
    // predict ignores the targets of [x, y] batches.
    const p2 = (await m.predict(ds)) as Tensor;
    expect(p2.arraySync()).toEqual(p.arraySync());
    // steps limits the batches.
    const p3 = (await m.predict(ds.repeat(), { steps: 2 })) as Tensor;
    expect(p3.shape).toEqual([20, 3]);
  });
});

describe('fit on a dataset: epochs, validation and the progress bar', () => {
  it('a multi-input model takes record inputs from the dataset', async () => {
    setSeed(2);
    const a = input({ shape: [2], name: 'a' });
    const b = input({ shape: [3], name: 'b' });
    const out = new Dense({ units: 1 }).apply(new Concatenate({}).apply([a, b]) as never) as never;
    const m = functionalModel({ inputs: [a, b], outputs: out });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const xa = randomNormal([12, 2]);
    const xb = randomNormal([12, 3]);
    const y = randomNormal([12, 1]);
    const w0 = weightsOf(m);
    await m.fit(Dataset.fromTensorSlices([{ a: xa, b: xb }, y]).batch(4), { verbose: 0 });
    const viaDataset = weightsOf(m);
    m.setWeights(w0.map((w, i) => tensor(w, m.getWeights()[i]!.shape)));
    await m.fit({ a: xa, b: xb }, y, { batchSize: 4, shuffle: false, verbose: 0 });
    expect(viaDataset).toEqual(weightsOf(m));
  });

  it('stepsPerEpoch cuts one pass into epochs and warns when an epoch runs short (Keras)', async () => {
    const { x, y } = data(40);
    const m = mlp('auto');
    const rec = new Recorder();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // 10 batches, 4 per epoch: 4, 4, then the last 2 (a warning), then a new pass.
      await m.fit(Dataset.fromTensorSlices([x, y]).batch(4), {
        epochs: 5,
        stepsPerEpoch: 4,
        verbose: 0,
        callbacks: [rec],
      });
      expect(rec.batchesPerEpoch).toEqual([4, 4, 2, 4, 4]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/ran out after 2 of stepsPerEpoch 4/);
    } finally {
      warn.mockRestore();
    }
    // An infinite dataset needs stepsPerEpoch, and then runs exactly that many.
    const rec2 = new Recorder();
    const inf = Dataset.fromTensorSlices([x, y]).batch(4).repeat();
    await expect(m.fit(inf, { epochs: 1, verbose: 0 })).rejects.toThrow(/infinite.*stepsPerEpoch/);
    await m.fit(inf, { epochs: 2, stepsPerEpoch: 13, verbose: 0, callbacks: [rec2] });
    expect(rec2.batchesPerEpoch).toEqual([13, 13]);
    expect(m.compiled!.optimizer.iterations).toBe(4 + 4 + 2 + 4 + 4 + 26);
  });

  it('validates on a dataset with validationSteps and validationFreq', async () => {
    const { x, y } = data(40);
    const { x: vx, y: vy } = data(20, 9);
    const m = mlp('auto');
    const vds = Dataset.fromTensorSlices([vx, vy]).batch(5);
    const h = await m.fit(Dataset.fromTensorSlices([x, y]).batch(8), {
      epochs: 4,
      validationData: vds,
      validationFreq: [2, 4],
      verbose: 0,
    });
    expect(h.history.val_loss).toHaveLength(2);
    // The last validation is evaluate() on the same data after the last epoch.
    expect(h.history.val_loss![1]).toBeCloseTo((await m.evaluate(vds)).loss!, 6);
    const every2 = await m.fit(Dataset.fromTensorSlices([x, y]).batch(8), {
      epochs: 4,
      validationData: [vx, vy],
      validationFreq: 2,
      verbose: 0,
    });
    expect(every2.history.val_loss).toHaveLength(2);
    // validationSteps: 2 batches of 5 of the validation set, from a pass that runs on.
    const seen: number[] = [];
    const counted = Dataset.fromTensorSlices([vx, vy])
      .batch(5)
      .map((e) => {
        seen.push(1);
        return e as never;
      });
    await m.fit(Dataset.fromTensorSlices([x, y]).batch(8), {
      epochs: 2,
      validationData: counted,
      validationSteps: 2,
      verbose: 0,
    });
    expect(seen.length).toBe(4);
    await expect(
      m.fit(Dataset.fromTensorSlices([x, y]).batch(8), { validationFreq: 0, verbose: 0 }),
    ).rejects.toThrow(/validationFreq must be a positive integer/);
  });

  it('shows Keras’s N/Unknown for a dataset of unknown length, then the count it learned', async () => {
    const { x, y } = data(20);
    const m = mlp('auto');
    const lines: string[] = [];
    const bar = new ProgbarLogger({ out: { write: (s: string) => lines.push(s) }, tty: false });
    const gen = Dataset.fromGenerator(function* () {
      for (let lo = 0; lo < 20; lo += 5) yield [x.slice([lo, 0], [5, 4]), y.slice([lo], [5])];
    });
    await m.fit(gen, { epochs: 2, verbose: 0, callbacks: [bar] });
    const rows = lines.filter((l) => /loss/.test(l));
    expect(rows[0]).toMatch(/^\s*4\/Unknown \d/);
    expect(rows[1]).toMatch(/^4\/4 ━+ /);
  });
});

describe('fit on a dataset: bad input', () => {
  it('a source that throws surfaces in fit with the batch it was producing, and the cause', async () => {
    const { x, y } = data(20);
    const m = mlp('auto');
    const boom = new Error('disk gone');
    const ds = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 5; i++) {
        if (i === 3) throw boom;
        yield [x.slice([i * 4, 0], [4, 4]), y.slice([i * 4], [4])];
      }
    });
    const err = await m.fit(ds, { verbose: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      /fit: the data source failed while producing batch 3: disk gone/,
    );
    expect((err as Error).cause).toBe(boom);
  });

  it('refuses batches that change dtype or rank mid-epoch, lack targets, or hold NaN', async () => {
    const { x, y } = data(8);
    const m = mlp('auto');
    const changing = Dataset.from([
      [x.slice([0, 0], [4, 4]), y.slice([0], [4])],
      [x.slice([4, 0], [4, 4]), y.slice([4], [4]).cast('float32')],
    ]);
    await expect(m.fit(changing, { verbose: 0 })).rejects.toThrow(
      /fit \(batch 1\): the batch has .*y\[0\] float32\[4\], but earlier batches had dtypes and ranks float32 rank 2, int32 rank 1/,
    );
    await expect(m.fit(Dataset.fromTensorSlices(x).batch(4), { verbose: 0 })).rejects.toThrow(
      /batch 0 has no targets/,
    );
    const nan = Dataset.from([[tensor([[0, Number.NaN, 0, 0]]), tensor([1], [1], 'int32')]]);
    await expect(m.fit(nan, { verbose: 0 })).rejects.toThrow(
      /fit \(batch 0\): x has NaN at sample 0/,
    );
    await m.fit(nan, { verbose: 0, allowNonFinite: true });
  });

  it('refuses tensor-data options with a dataset, and y beside it', async () => {
    const { x, y } = data(8);
    const m = mlp('auto');
    const ds = Dataset.fromTensorSlices([x, y]).batch(4);
    await expect(m.fit(ds, { batchSize: 4, verbose: 0 })).rejects.toThrow(
      /fit: batchSize does not apply to a dataset \(batch it with dataset.batch\(n\)\)/,
    );
    await expect(m.fit(ds, { validationSplit: 0.2, verbose: 0 })).rejects.toThrow(ValueError);
    await expect(m.fit(ds as never, y as never, { verbose: 0 })).rejects.toThrow(
      /y must not be given with a dataset/,
    );
    expect(() => m.evaluate(ds, { batchSize: 2 })).toThrow(/evaluate: batchSize does not apply/);
  });

  it('a one-shot iterator trains its first epoch and says why the second is empty', async () => {
    const { x, y } = data(8);
    const m = mlp('auto');
    async function* once() {
      yield [x.slice([0, 0], [4, 4]), y.slice([0], [4])];
      yield [x.slice([4, 0], [4, 4]), y.slice([4], [4])];
    }
    await expect(m.fit(once(), { epochs: 2, verbose: 0 })).rejects.toThrow(
      /no batches in epoch 2 \(an exhausted one-shot iterator/,
    );
    expect(m.compiled!.optimizer.iterations).toBe(2);
  });
});

describe('fit on a generator keeps memory bounded', () => {
  it('2 GB of samples from a generator train with flat RSS', async () => {
    setSeed(4);
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1024] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const rows = 2048;
    const batches = 256; // 256 × 2048 × 1024 × 4 B = 2 GiB
    let peak = 0;
    let afterWarmup = 0;
    const ds = Dataset.fromGenerator(function* () {
      for (let i = 0; i < batches; i++) {
        const xs = new Float32Array(rows * 1024);
        for (let k = 0; k < xs.length; k += 97) xs[k] = ((i + k) % 13) / 13;
        const ys = new Float32Array(rows);
        yield [tensor(xs, [rows, 1024]), tensor(ys, [rows, 1])];
        const rss = process.memoryUsage().rss;
        if (i === 16) afterWarmup = rss;
        if (i > 16) peak = Math.max(peak, rss);
      }
    });
    await m.fit(ds, { verbose: 0 });
    expect(m.compiled!.optimizer.iterations).toBe(batches);
    // Holding the samples would take 2 GiB; the pipeline holds a few 8 MB batches.
    expect(peak - afterWarmup).toBeLessThan(300 * 2 ** 20);
  }, 60_000);
});

describe('the asynchronous paths let the event loop run', () => {
  // A clock that moves 1 s per reading makes every batch "long", so each one is followed by a
  // yield; a timer set before the call must then fire before the last batch, which awaiting
  // only resolved promises (microtasks) would never allow.
  async function timerFiresDuring(run: (m: Model, seen: boolean[]) => Promise<unknown>) {
    const m = mlp(false);
    const seen: boolean[] = [];
    let t = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => {
      t += 1000;
      return t;
    });
    try {
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 0);
      // Let the timer fall due (timers wait at least 1 ms), so the first yield can run it.
      const until = Date.now() + 5;
      while (Date.now() < until);
      await run(m, new Proxy(seen, { get: (a, k) => (k === 'fired' ? fired : Reflect.get(a, k)) }));
    } finally {
      clock.mockRestore();
    }
    return seen;
  }
  class Watch extends Callback {
    constructor(private readonly seen: boolean[]) {
      super();
    }
    private mark(): void {
      this.seen.push((this.seen as unknown as { fired: boolean }).fired);
    }
    onTestBatchEnd(): void {
      this.mark();
    }
    onPredictBatchEnd(): void {
      this.mark();
    }
  }
  const { x, y } = data(40);

  it('evaluate on a dataset', async () => {
    const seen = await timerFiresDuring((m, s) =>
      m.evaluate(Dataset.fromTensorSlices([x, y]).batch(8), { callbacks: [new Watch(s)] }),
    );
    expect(seen).toHaveLength(5);
    expect(seen.slice(0, 4)).toContain(true);
  });

  it('predict on a dataset', async () => {
    const seen = await timerFiresDuring((m, s) =>
      m.predict(Dataset.fromTensorSlices(x).batch(8), { callbacks: [new Watch(s)] }),
    );
    expect(seen).toHaveLength(5);
    expect(seen.slice(0, 4)).toContain(true);
  });

  it("fit's validation on tensors", async () => {
    const seen = await timerFiresDuring(async (m, s) => {
      // The timer may fire during training; what counts is that validation is paced too, so
      // check a second timer set when validation begins.
      let firedInValidation = false;
      class Val extends Callback {
        onTestBegin(): void {
          setTimeout(() => {
            firedInValidation = true;
          }, 0);
          const until = Date.now() + 5;
          while (Date.now() < until);
        }
        onTestBatchEnd(): void {
          s.push(firedInValidation);
        }
      }
      await m.fit(x, y, {
        batchSize: 8,
        validationData: [x, y],
        callbacks: [new Val()],
        verbose: 0,
      });
    });
    expect(seen).toHaveLength(5);
    expect(seen.slice(0, 4)).toContain(true);
  });
});
