import { describe, expect, it, vi } from 'vitest';
import { getBackend } from '../backend/registry.js';
import { Conv2D } from '../layers/convolutional.js';
import { Dropout, Flatten } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { input } from '../layers/input_layer.js';
import type { Layer } from '../layers/layer.js';
import { BatchNormalization } from '../layers/normalization.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { LSTM } from '../layers/rnn/lstm.js';
import { type Model, type TrainStepOutput, model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { type CompileArgs, compiledStepInfo } from '../models/trainer.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { JitCompileError } from './step.js';

type Mode = CompileArgs['jitCompile'];

/** Weights as plain arrays, for exact comparison. */
function weightsOf(m: Model): number[][] {
  return m.weights.map((w) => Array.from(w.dataSync()));
}

/** Builds a model from `layers` and trains it under `mode`, from the same seed each time. */
async function train(
  mode: Mode,
  layers: () => Layer[],
  x: () => Tensor,
  y: () => Tensor,
  opts: { epochs?: number; batchSize?: number; compile?: Partial<CompileArgs> } = {},
) {
  setSeed(7);
  const xs = x();
  const ys = y();
  const m = new Sequential({ layers: layers() });
  m.compile({ optimizer: 'adam', loss: 'mse', ...opts.compile, jitCompile: mode });
  const h = await m.fit(xs, ys, {
    epochs: opts.epochs ?? 3,
    batchSize: opts.batchSize ?? 16,
    verbose: 0,
  });
  return { m, loss: h.history.loss!, weights: weightsOf(m), info: compiledStepInfo(m) };
}

function expectSame(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((w, i) => expect(b[i]).toEqual(w));
}

describe('compiled steps (jitCompile)', () => {
  it('MLP with Adam: compiled training gives bit-identical losses and weights to eager', async () => {
    const layers = () => [
      new Dense({ units: 16, activation: 'relu', inputShape: [6] }),
      new Dense({ units: 3, activation: 'softmax' }),
    ];
    const x = () => randomNormal([64, 6]);
    const y = () => randomUniform([64, 3]);
    const opts = { compile: { loss: 'categoricalCrossentropy' as const } };
    const eager = await train(false, layers, x, y, opts);
    const jit = await train('auto', layers, x, y, opts);
    expect(jit.info.train.fallbacks).toEqual([]);
    expect(jit.info.train.compiled.length).toBe(1);
    const stats = jit.info.train.compiled[0]!.stats;
    expect(stats.replayed).toBeGreaterThan(0);
    expect(stats.arenaBytes).toBeLessThanOrEqual(stats.intermediateBytes);
    expect(jit.loss).toEqual(eager.loss);
    expectSame(eager.weights, jit.weights);
  });

  it('CNN with MaxPool and BatchNorm: moving statistics follow eager exactly', async () => {
    const layers = () => [
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }),
      new BatchNormalization({}),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten({}),
      new Dense({ units: 2 }),
    ];
    const x = () => randomNormal([32, 8, 8, 2]);
    const y = () => randomNormal([32, 2]);
    const eager = await train(false, layers, x, y, { batchSize: 8 });
    const jit = await train('auto', layers, x, y, { batchSize: 8 });
    expect(jit.info.train.fallbacks).toEqual([]);
    expect(jit.info.train.compiled.length).toBe(1);
    const bn = jit.m.layers[1]!.weights.map((w) => w.name);
    expect(bn.some((n) => /moving_mean/.test(n))).toBe(true);
    // Moving stats moved from their initial 0/1 and equal eager's.
    expect(jit.weights.flat().some((v, i) => v !== 0 && i >= 0)).toBe(true);
    expectSame(eager.weights, jit.weights);
    expect(jit.loss).toEqual(eager.loss);
  });

  it('LSTM model: compiled equals eager (or falls back with a reason)', async () => {
    const layers = () => [
      new LSTM({ units: 5, inputShape: [4, 3] }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ];
    const x = () => randomNormal([24, 4, 3]);
    const y = () => randomUniform([24, 1]);
    const opts = { batchSize: 8, compile: { optimizer: 'rmsprop' as const } };
    const eager = await train(false, layers, x, y, opts);
    const jit = await train('auto', layers, x, y, opts);
    expect(jit.info.train.fallbacks).toEqual([]);
    expect(jit.info.train.compiled.length).toBe(1);
    expectSame(eager.weights, jit.weights);
    expect(jit.loss).toEqual(eager.loss);
  });

  it('Embedding(maskZero) → LSTM: masked sequences compile, and equal eager', async () => {
    const layers = () => [
      new Embedding({ inputDim: 20, outputDim: 4, maskZero: true, inputShape: [6] }),
      new LSTM({ units: 5 }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ];
    // Right-padded sequences of lengths 1–6 (zeros are padding), one all-padding row.
    const ids = Int32Array.from({ length: 24 * 6 }, (_, i) => {
      const row = Math.floor(i / 6);
      const len = row === 5 ? 0 : 1 + (row % 6);
      return i % 6 < len ? 1 + ((i * 7) % 19) : 0;
    });
    const x = () => tensor(ids, [24, 6], 'int32');
    const y = () => randomUniform([24, 1]);
    const opts = { batchSize: 8, compile: { optimizer: 'rmsprop' as const } };
    const eager = await train(false, layers, x, y, opts);
    const jit = await train('auto', layers, x, y, opts);
    expect(jit.info.train.fallbacks).toEqual([]);
    expect(jit.info.train.compiled.length).toBe(1);
    expectSame(eager.weights, jit.weights);
    expect(jit.loss).toEqual(eager.loss);
  });

  it('Dropout in training: the masks are redrawn per replay, same seed → same result as eager', async () => {
    const layers = () => [
      new Dense({ units: 12, activation: 'relu', inputShape: [5] }),
      new Dropout({ rate: 0.5 }),
      new Dense({ units: 1 }),
    ];
    const x = () => randomNormal([48, 5]);
    const y = () => randomNormal([48, 1]);
    const eager = await train(false, layers, x, y, { epochs: 4 });
    const jit = await train('auto', layers, x, y, { epochs: 4 });
    expect(jit.info.train.fallbacks).toEqual([]);
    expect(jit.info.train.compiled[0]!.stats.random).toBe(1);
    expectSame(eager.weights, jit.weights);
    expect(jit.loss).toEqual(eager.loss);
  });

  it('multi-output with loss weights: total and per-output losses and weights equal eager', async () => {
    const run = async (mode: Mode) => {
      setSeed(11);
      const inp = input({ shape: [4] });
      const h = new Dense({ units: 8, activation: 'tanh' }).apply(inp);
      const a = new Dense({ units: 2, name: 'a' }).apply(h);
      const b = new Dense({ units: 1, activation: 'sigmoid', name: 'b' }).apply(h);
      const m = model({ inputs: inp, outputs: [a, b] });
      m.compile({
        optimizer: 'sgd',
        loss: ['mse', 'binaryCrossentropy'],
        lossWeights: [0.3, 2],
        jitCompile: mode,
      });
      const x = randomNormal([40, 4]);
      const ya = randomNormal([40, 2]);
      const yb = randomUniform([40, 1]);
      const hist = await m.fit(x, [ya, yb], { epochs: 3, batchSize: 10, verbose: 0 });
      return { m, h: hist.history, w: weightsOf(m), x, ya, yb };
    };
    const e = await run(false);
    const j = await run('auto');
    expect(compiledStepInfo(j.m).train.compiled.length).toBe(1);
    expect(j.h).toEqual(e.h);
    expect(j.h.a_loss!.length).toBe(3);
    expectSame(e.w, j.w);
    // evaluate and predict compiled too (several batches of one signature, then a partial one).
    const ev = (mm: Model) => mm.evaluate(j.x, [j.ya, j.yb], { batchSize: 8 });
    const evE = ev(e.m);
    const evJ = ev(j.m);
    expect(evJ).toEqual(evE);
    expect(compiledStepInfo(j.m).test.compiled.length).toBe(1);
    const pE = e.m.predict(j.x, { batchSize: 7 }) as Tensor[];
    const pJ = j.m.predict(j.x, { batchSize: 7 }) as Tensor[];
    expect(compiledStepInfo(j.m).predict.compiled.length).toBe(1);
    pE.forEach((p, i) => expect(Array.from(pJ[i]!.dataSync())).toEqual(Array.from(p.dataSync())));
  });

  it('a partial last batch is a second signature, traced on its own and correct', async () => {
    const layers = () => [new Dense({ units: 3, inputShape: [2] })];
    const x = () => randomNormal([50, 2]); // batches of 16, 16, 16 and 2
    const y = () => randomNormal([50, 3]);
    const eager = await train(false, layers, x, y, { epochs: 4 });
    const jit = await train('auto', layers, x, y, { epochs: 4 });
    const sigs = jit.info.train.compiled.map((c) => c.signature);
    expect(sigs.length).toBe(2);
    expect(sigs.some((s) => s.includes('[2,2]'))).toBe(true);
    expect(sigs.some((s) => s.includes('[16,2]'))).toBe(true);
    expectSame(eager.weights, jit.weights);
    expect(jit.loss).toEqual(eager.loss);
  });

  it('a custom trainStep with a host read falls back to eager with the reason; true throws', async () => {
    class Reading extends Sequential {
      override trainStep(x: Tensor[], y: Tensor[], sw: Tensor | null) {
        const out = super.trainStep(x, y, sw) as TrainStepOutput;
        out.loss.item(); // a host read in the middle of the step
        return out;
      }
    }
    const make = (mode: Mode) => {
      setSeed(1);
      const m = new Reading({ layers: [new Dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: mode });
      return m;
    };
    const x = randomNormal([20, 2]);
    const y = randomNormal([20, 1]);
    const auto = make('auto');
    await auto.fit(x, y, { epochs: 3, batchSize: 5, verbose: 0 });
    const eager = make(false);
    await eager.fit(x, y, { epochs: 3, batchSize: 5, verbose: 0 });
    const fb = compiledStepInfo(auto).train.fallbacks;
    // Two signatures: the first step (the optimizer builds its slots) and the later ones.
    expect(fb.length).toBeGreaterThan(0);
    for (const f of fb) expect(f.reason).toMatch(/reads a tensor on the host \(readSync\)/);
    expectSame(weightsOf(eager), weightsOf(auto));
    const strict = make(true);
    await expect(strict.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0 })).rejects.toThrow(
      JitCompileError,
    );
  });

  it('a custom trainStep with Adam compiles whole (bias corrections are step parameters)', async () => {
    class Custom extends Sequential {
      override trainStep(x: Tensor[], y: Tensor[], sw: Tensor | null) {
        return super.trainStep(x, y, sw);
      }
    }
    const run = async (mode: Mode) => {
      setSeed(2);
      const m = new Custom({ layers: [new Dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'adam', loss: 'mse', jitCompile: mode });
      await m.fit(randomNormal([20, 2]), randomNormal([20, 1]), {
        epochs: 3,
        batchSize: 5,
        verbose: 0,
      });
      return m;
    };
    const e = await run(false);
    const j = await run('auto');
    expect(compiledStepInfo(j).train.fallbacks).toEqual([]);
    expect(compiledStepInfo(j).train.compiled.length).toBe(1);
    expect(j.compiled!.optimizer.iterations).toBe(12);
    expectSame(weightsOf(e), weightsOf(j));
  });

  it('a custom trainStep with plain SGD compiles whole, optimizer update included', async () => {
    class Custom extends Sequential {
      override trainStep(x: Tensor[], y: Tensor[], sw: Tensor | null) {
        return super.trainStep(x, y, sw);
      }
    }
    const run = async (mode: Mode) => {
      setSeed(4);
      const m = new Custom({ layers: [new Dense({ units: 2, inputShape: [3] })] });
      m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: mode });
      await m.fit(randomNormal([30, 3]), randomNormal([30, 2]), {
        epochs: 3,
        batchSize: 5,
        verbose: 0,
      });
      return m;
    };
    const e = await run(false);
    const j = await run('auto');
    expect(compiledStepInfo(j).train.fallbacks).toEqual([]);
    expect(compiledStepInfo(j).train.compiled.length).toBe(1);
    expectSame(weightsOf(e), weightsOf(j));
  });

  it('refuses a jitCompile that is not auto, true or false', () => {
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: 'yes' as never })).toThrow(
      /jitCompile must be 'auto', true or false/,
    );
    expect(getBackend()).toBeDefined();
  });

  it("defaults to 'auto': a plain compile compiles fit's steps", async () => {
    // The suite may run with TESSERA_JIT_COMPILE set (test:backends runs js eagerly).
    vi.stubEnv('TESSERA_JIT_COMPILE', '');
    try {
      setSeed(5);
      const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      await m.fit(randomNormal([12, 2]), randomNormal([12, 1]), { batchSize: 4, verbose: 0 });
      expect(compiledStepInfo(m).train.compiled.length).toBe(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('TESSERA_JIT_COMPILE changes the default: false runs eagerly, a bad value is refused', async () => {
    try {
      vi.stubEnv('TESSERA_JIT_COMPILE', 'false');
      const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      await m.fit(randomNormal([8, 2]), randomNormal([8, 1]), { batchSize: 4, verbose: 0 });
      expect(compiledStepInfo(m).train.compiled.length).toBe(0);
      // An explicit option wins over the variable.
      m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: 'auto' });
      await m.fit(randomNormal([8, 2]), randomNormal([8, 1]), { batchSize: 4, verbose: 0 });
      expect(compiledStepInfo(m).train.compiled.length).toBe(1);
      vi.stubEnv('TESSERA_JIT_COMPILE', 'sometimes');
      expect(() => m.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow(/TESSERA_JIT_COMPILE/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
