/**
 * The optimizer inside compiled train steps: the default trainStep compiles whole (forward,
 * backward, update, BatchNorm statistics), with the learning rate, bias corrections and step
 * count as step parameters, and stays bit-identical to eager over many steps. Eager
 * (`jitCompile: false`) is the oracle.
 */
import { describe, expect, it, vi } from 'vitest';
import { LearningRateScheduler } from '../callbacks/lr_scheduler.js';
import { Dense } from '../layers/dense.js';
import { BatchNormalization } from '../layers/normalization.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { type CompileArgs, compiledStepInfo } from '../models/trainer.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import { Adadelta } from '../optimizers/adadelta.js';
import { Adagrad } from '../optimizers/adagrad.js';
import { Adam } from '../optimizers/adam.js';
import { Adamax } from '../optimizers/adamax.js';
import { AdamW } from '../optimizers/adamw.js';
import { Nadam } from '../optimizers/nadam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { RMSprop } from '../optimizers/rmsprop.js';
import { ExponentialDecay } from '../optimizers/schedules.js';
import { SGD } from '../optimizers/sgd.js';

type Mode = CompileArgs['jitCompile'];

function weightsOf(m: Model): number[][] {
  return m.weights.map((w) => Array.from(w.dataSync()));
}

function optimizerState(o: Optimizer): number[][] {
  return o.getWeights().map((w) => Array.from(w.dataSync()));
}

/** Trains a small MLP with BatchNorm for `epochs` epochs of 4 batches under `mode`. */
async function train(
  mode: Mode,
  makeOpt: () => Optimizer,
  opts: { epochs?: number; callbacks?: () => LearningRateScheduler[] } = {},
) {
  setSeed(21);
  const x = randomNormal([64, 5]);
  const y = randomUniform([64, 3]);
  const m = new Sequential({
    layers: [
      new Dense({ units: 128, activation: 'relu', inputShape: [5] }),
      new BatchNormalization({}),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const opt = makeOpt();
  m.compile({ optimizer: opt, loss: 'categoricalCrossentropy', jitCompile: mode });
  const apply = vi.spyOn(opt, 'applyGradients');
  const h = await m.fit(x, y, {
    epochs: opts.epochs ?? 5,
    batchSize: 16,
    verbose: 0,
    shuffle: false,
    callbacks: opts.callbacks?.() ?? [],
  });
  const eagerUpdates = apply.mock.calls.length;
  apply.mockRestore();
  return {
    m,
    opt,
    loss: h.history.loss!,
    weights: weightsOf(m),
    state: optimizerState(opt),
    info: compiledStepInfo(m).train,
    eagerUpdates,
  };
}

/** Compiled == eager bit for bit, and the update ran inside the graph after two traces. */
async function expectWholeStepCompiles(
  makeOpt: () => Optimizer,
  opts: Parameters<typeof train>[2] = {},
) {
  const eager = await train(false, makeOpt, opts);
  const jit = await train('auto', makeOpt, opts);
  expect(jit.info.fallbacks).toEqual([]);
  expect(jit.info.eagerParts).toBeUndefined();
  expect(jit.info.compiled.length).toBe(1);
  expect(jit.info.compiled[0]!.stats.params).toBeGreaterThan(0);
  // 20 steps: the first two ran (and were traced) eagerly, the other 18 replayed the graph,
  // and the step count still advanced once per step.
  expect(eager.eagerUpdates).toBe(20);
  expect(jit.eagerUpdates).toBe(2);
  expect(jit.opt.iterations).toBe(20);
  expect(jit.loss).toEqual(eager.loss);
  expect(jit.weights).toEqual(eager.weights);
  expect(jit.state).toEqual(eager.state);
  return { eager, jit };
}

describe('optimizer update inside compiled train steps', () => {
  it('Adam', async () => {
    await expectWholeStepCompiles(() => new Adam({ learningRate: 0.01 }));
  });

  it('Adam with amsgrad (tensor formula, velocityHat slot)', async () => {
    await expectWholeStepCompiles(() => new Adam({ learningRate: 0.01, amsgrad: true }));
  });

  it('AdamW: decoupled weight decay follows the learning rate', async () => {
    await expectWholeStepCompiles(() => {
      const o = new AdamW({ learningRate: 0.01, weightDecay: 0.05 });
      o.excludeFromWeightDecay({ varNames: ['bias'] });
      return o;
    });
  });

  it('RMSprop plain, and centered with momentum', async () => {
    await expectWholeStepCompiles(() => new RMSprop({ learningRate: 0.01 }));
    await expectWholeStepCompiles(
      () => new RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5 }),
    );
  });

  it('SGD with momentum, and Nesterov', async () => {
    await expectWholeStepCompiles(() => new SGD({ learningRate: 0.05, momentum: 0.9 }));
    await expectWholeStepCompiles(
      () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
    );
  });

  it('Adagrad, Adadelta and Adamax (its bias correction as a step parameter)', async () => {
    await expectWholeStepCompiles(() => new Adagrad({ learningRate: 0.05 }));
    await expectWholeStepCompiles(() => new Adadelta({ learningRate: 0.5 }));
    await expectWholeStepCompiles(() => new Adamax({ learningRate: 0.01 }));
  });

  it('a learning-rate schedule (ExponentialDecay) is evaluated at every replayed step', async () => {
    const { jit } = await expectWholeStepCompiles(
      () => new Adam({ learningRate: new ExponentialDecay(0.05, 3, 0.5) }),
    );
    // The schedule really moved: 20 steps of halving every 3.
    expect(jit.opt.currentLearningRate).toBeCloseTo(0.05 * 0.5 ** (20 / 3), 12);
  });

  it('a LearningRateScheduler callback changing lr between epochs reaches the replays', async () => {
    const cb = () => [new LearningRateScheduler((epoch) => 0.02 / (1 + epoch))];
    const { jit } = await expectWholeStepCompiles(() => new SGD({ learningRate: 0.02 }), {
      callbacks: cb,
    });
    expect(jit.opt.learningRate).toBeCloseTo(0.02 / 5, 12);
    // Without the scheduler the weights differ: the lr changes did act on the compiled steps.
    const plain = await train('auto', () => new SGD({ learningRate: 0.02 }));
    expect(plain.weights).not.toEqual(jit.weights);
  });

  it('clipnorm: forward and backward compile, the update stays eager with the reason', async () => {
    const make = () => new Adam({ learningRate: 0.01, clipnorm: 0.5 });
    const eager = await train(false, make);
    const jit = await train('auto', make);
    expect(jit.info.compiled.length).toBe(1);
    expect(jit.info.eagerParts).toEqual([expect.stringMatching(/clipnorm.*host/)]);
    expect(jit.eagerUpdates).toBe(20);
    expect(jit.loss).toEqual(eager.loss);
    expect(jit.weights).toEqual(eager.weights);
  });

  it('an optimizer without step parameters (Nadam) keeps its update eager, with the reason', async () => {
    const make = () => new Nadam({ learningRate: 0.01 });
    const eager = await train(false, make);
    const jit = await train('auto', make);
    expect(jit.info.eagerParts).toEqual([expect.stringMatching(/Nadam.*host/)]);
    expect(jit.weights).toEqual(eager.weights);
    expect(jit.opt.iterations).toBe(20);
  });
});
