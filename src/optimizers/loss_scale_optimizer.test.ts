/**
 * LossScaleOptimizer: hand-derived sequences (skip and halve on inf/NaN, double after N finite
 * steps, updates equal to the inner optimizer's on the unscaled gradients), fit with it (eager
 * and jitCompile) against the inner optimizer alone, config round trips, and goldens from real
 * Keras 3 (test/fixtures/loss_scale_golden.json, written by scripts/loss_scale_golden.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Variable } from '../autograd/variable.js';
import { JitCompileError } from '../engine/step.js';
import { kerasSlotOrder } from '../io/keras_weights.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { type CompileArgs, compiledStepInfo } from '../models/trainer.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import { deserialize, serialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Adam, SGD, getOptimizer } from './index.js';
import { LossScaleOptimizer } from './loss_scale_optimizer.js';
import type { Optimizer } from './optimizer.js';

type Num = number | 'inf' | '-inf' | 'nan';
const num = (v: Num): number =>
  v === 'inf'
    ? Number.POSITIVE_INFINITY
    : v === '-inf'
      ? Number.NEGATIVE_INFINITY
      : v === 'nan'
        ? Number.NaN
        : v;
const nums = (vs: readonly Num[]): number[] => vs.map(num);
const vals = (t: Tensor): number[] => Array.from(t.dataSync());

interface KerasStep {
  w: Num[];
  b: Num[];
  dynamic_scale: number;
  step_counter: number;
  iterations: number;
  scale_loss: number;
}
interface KerasVar {
  path: string;
  shape: number[];
  values: Num[];
}
interface KerasEnvelope {
  class_name: string;
  config: Record<string, unknown> & {
    inner_optimizer: { class_name: string; config: Record<string, unknown> };
  };
}
interface Golden {
  cases: {
    name: string;
    initial_scale: number;
    dynamic_growth_steps: number;
    w0: Num[];
    b0: Num[];
    grads: { w: Num[]; b: Num[] }[];
    history: KerasStep[];
    variables: KerasVar[];
    config: KerasEnvelope;
  }[];
  default_config: KerasEnvelope;
  keras_file: {
    file_base64: string;
    compile_config: Record<string, unknown>;
    x: Num[];
    predictions: Num[];
    optimizer_variables: KerasVar[];
  };
}

const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/loss_scale_golden.json', import.meta.url), 'utf8'),
) as Golden;

function vec(values: number[], name: string): Variable {
  return new Variable(tensor(values, [values.length]), { name });
}

describe('LossScaleOptimizer: hand-derived sequences', () => {
  it('skips a step with an inf or NaN gradient and halves the scale; doubles after N finite steps', () => {
    const w = vec([1, 2], 'w');
    const opt = new LossScaleOptimizer({
      innerOptimizer: new SGD({ learningRate: 0.1 }),
      initialScale: 8,
      dynamicGrowthSteps: 2,
    });
    expect(vals(opt.scaleLoss(tensor(1.5)))).toEqual([12]); // the initial scale before build
    const step = (g: number[]) => opt.applyGradients([[tensor(g, [2]), w]]);
    const state = () => ({
      w: vals(w).map((v) => Math.round(v * 1e6) / 1e6),
      s: opt.dynamicScale.item(),
      k: opt.stepCounter.item(),
      it: opt.iterations,
    });
    // Finite: the inner SGD steps with g / 8 = [1, 2].
    step([8, 16]);
    expect(state()).toEqual({ w: [0.9, 1.8], s: 8, k: 1, it: 1 });
    // inf: skipped (variables and the inner step count unchanged), scale halved, counter reset.
    step([Number.POSITIVE_INFINITY, 1]);
    expect(state()).toEqual({ w: [0.9, 1.8], s: 4, k: 0, it: 1 });
    expect(vals(opt.scaleLoss(tensor(1.5)))).toEqual([6]);
    // Finite, unscaled by the new scale: [4, 8] / 4 = [1, 2].
    step([4, 8]);
    expect(state()).toEqual({ w: [0.8, 1.6], s: 4, k: 1, it: 2 });
    // The second finite step in a row (N = 2): the update uses s = 4, then s doubles.
    step([4, 4]);
    expect(state()).toEqual({ w: [0.7, 1.5], s: 8, k: 0, it: 3 });
    // NaN: skipped.
    step([Number.NaN, 0]);
    expect(state()).toEqual({ w: [0.7, 1.5], s: 4, k: 0, it: 3 });
    // -inf in another variable's gradient also skips the whole step.
    const b = vec([0], 'b');
    const opt2 = new LossScaleOptimizer({ innerOptimizer: new SGD(), initialScale: 2 });
    opt2.applyGradients([
      [tensor([1, 1], [2]), w],
      [tensor([Number.NEGATIVE_INFINITY], [1]), b],
    ]);
    expect(vals(w).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.7, 1.5]);
    expect(opt2.dynamicScale.item()).toBe(1);
    expect(opt2.iterations).toBe(0);
  });

  it("updates equal the inner optimizer's on the unscaled gradients (Adam, slots included)", () => {
    setSeed(4);
    const a = new Variable(randomNormal([3, 2]), { name: 'k' });
    const a2 = new Variable(a.value(), { name: 'k' });
    const c = vec([0.5, -0.5], 'c');
    const c2 = vec([0.5, -0.5], 'c');
    const opt = new LossScaleOptimizer({
      innerOptimizer: new Adam({ learningRate: 0.01 }),
      initialScale: 2 ** 10,
      dynamicGrowthSteps: 3,
    });
    const plain = new Adam({ learningRate: 0.01 });
    for (let t = 0; t < 7; t++) {
      const s = opt.built ? opt.dynamicScale.item() : 1024;
      const gk = randomNormal([3, 2]);
      const gc = randomNormal([2]);
      // The wrapper gets the gradients of the scaled loss; the plain Adam the true ones.
      opt.applyGradients([
        [gk.mul(s), a],
        [gc.mul(s), c],
      ]);
      plain.applyGradients([
        [gk, a2],
        [gc, c2],
      ]);
    }
    // s is a power of two: scaling and unscaling are exact, so the results are identical.
    expect(vals(a)).toEqual(vals(a2));
    expect(vals(c)).toEqual(vals(c2));
    expect(opt.getWeights().slice(3).map(vals)).toEqual(plain.getWeights().slice(1).map(vals));
    expect(opt.iterations).toBe(7);
    // 7 finite steps with N = 3: doubled twice.
    expect(opt.dynamicScale.item()).toBe(2 ** 12);
    expect(opt.stepCounter.item()).toBe(1);
  });

  it('delegates learningRate, iterations and slots to the inner optimizer', () => {
    const inner = new SGD({ learningRate: 0.1, momentum: 0.5 });
    const opt = new LossScaleOptimizer({ innerOptimizer: inner });
    expect(opt.name).toBe('loss_scale_optimizer');
    expect(opt.initialScale).toBe(32768);
    expect(opt.dynamicGrowthSteps).toBe(2000);
    expect(opt.learningRate).toBe(0.1);
    opt.learningRate = 0.25;
    expect(inner.learningRate).toBe(0.25);
    expect(opt.currentLearningRate).toBe(0.25);
    expect(opt.built).toBe(false);
    expect(opt.slotVariables).toEqual([]);
    expect(() => opt.dynamicScale).toThrow(/not built/);
    const w = vec([1], 'w');
    opt.applyGradients([[tensor([32768]), w]]);
    expect(opt.built && inner.built).toBe(true);
    expect(opt.iterations).toBe(1);
    expect(opt.getSlot(w, 'momentum')).toBe(inner.getSlot(w, 'momentum'));
    expect(opt.slotVariables.map((v) => v.name)).toEqual([
      'loss_scale_optimizer/step_counter',
      'loss_scale_optimizer/dynamic_scale',
      'w/momentum',
    ]);
    expect(opt.stepCounter.dtype).toBe('int32');
    expect(opt.dynamicScale.dtype).toBe('float32');
    expect(opt.compiledUpdateBlocker()).toMatch(/not finite.*host value/);
  });

  it('refuses bad arguments', () => {
    const sgd = new SGD();
    expect(() => new LossScaleOptimizer({} as never)).toThrow(
      /innerOptimizer must be an Optimizer/,
    );
    expect(() => new LossScaleOptimizer({ innerOptimizer: 'adam' as never })).toThrow(
      /innerOptimizer must be an Optimizer/,
    );
    expect(
      () =>
        new LossScaleOptimizer({
          innerOptimizer: new LossScaleOptimizer({ innerOptimizer: sgd }),
        }),
    ).toThrow(/already a LossScaleOptimizer/);
    for (const initialScale of [0, -1, Number.NaN, 1e39]) {
      expect(() => new LossScaleOptimizer({ innerOptimizer: sgd, initialScale })).toThrow(
        /initialScale/,
      );
    }
    for (const dynamicGrowthSteps of [0, 1.5, -2]) {
      expect(() => new LossScaleOptimizer({ innerOptimizer: sgd, dynamicGrowthSteps })).toThrow(
        /dynamicGrowthSteps/,
      );
    }
    const opt = new LossScaleOptimizer({ innerOptimizer: sgd });
    expect(() => opt.applyGradients('x' as never)).toThrow(/array of \[gradient, variable\]/);
    expect(() => opt.setWeights([])).toThrow(/not built/);
  });
});

describe('LossScaleOptimizer: checkpoint state and config', () => {
  it('getWeights / setWeights round trip (inner step count, step_counter, dynamic_scale, slots)', () => {
    const make = () =>
      new LossScaleOptimizer({
        innerOptimizer: new Adam({ learningRate: 0.01 }),
        initialScale: 16,
        dynamicGrowthSteps: 4,
      });
    const w = vec([1, -1], 'w');
    const opt = make();
    opt.applyGradients([[tensor([1, 2], [2]), w]]);
    opt.applyGradients([[tensor([Number.POSITIVE_INFINITY, 2], [2]), w]]);
    opt.applyGradients([[tensor([3, 2], [2]), w]]);
    expect(opt.getWeightNames()).toEqual([
      'iterations',
      'loss_scale_optimizer/step_counter',
      'loss_scale_optimizer/dynamic_scale',
      'w/momentum',
      'w/velocity',
    ]);
    expect(opt.getWeights().slice(0, 3).map(vals)).toEqual([[2], [1], [8]]);
    const w2 = vec([1, -1], 'w');
    const back = make();
    back.build([w2]);
    back.setWeights(opt.getWeights());
    expect(back.getWeights().map(vals)).toEqual(opt.getWeights().map(vals));
    expect(back.iterations).toBe(2);
    expect(back.dynamicScale.item()).toBe(8);
    expect(vals(back.scaleLoss(tensor(1)))).toEqual([8]);
    const ws = opt.getWeights();
    expect(() => back.setWeights(ws.slice(1))).toThrow(/expected 5 tensors/);
    expect(() => back.setWeights([ws[0]!, tensor(-1), ...ws.slice(2)])).toThrow(/step_counter/);
    expect(() => back.setWeights([ws[0]!, ws[1]!, tensor(0), ...ws.slice(3)])).toThrow(
      /dynamic_scale/,
    );
  });

  it('config round trip, through the registry too', () => {
    const opt = new LossScaleOptimizer({
      innerOptimizer: new Adam({ learningRate: 0.003, amsgrad: true }),
      initialScale: 1024,
      dynamicGrowthSteps: 50,
      name: 'lso',
    });
    const cfg = opt.getConfig();
    expect(cfg).toEqual({
      name: 'lso',
      innerOptimizer: {
        className: 'Adam',
        config: new Adam({ learningRate: 0.003, amsgrad: true, name: 'adam' }).getConfig(),
      },
      initialScale: 1024,
      dynamicGrowthSteps: 50,
    });
    const back = LossScaleOptimizer.fromConfig(cfg);
    expect(back).toBeInstanceOf(LossScaleOptimizer);
    expect(back.getConfig()).toEqual(cfg);
    expect(back.innerOptimizer).toBeInstanceOf(Adam);
    const s = serialize(opt);
    expect(s.className).toBe('LossScaleOptimizer');
    expect(deserialize<Optimizer>('optimizer', s).getConfig()).toEqual(cfg);
    const viaGet = getOptimizer({ className: 'lossscaleoptimizer', config: cfg });
    expect(viaGet).toBeInstanceOf(LossScaleOptimizer);
    expect(viaGet.getConfig()).toEqual(cfg);
  });

  it("fromConfig: Keras's legacy base options only at their defaults, dynamic only true", () => {
    const inner = serialize(new SGD());
    const base = { innerOptimizer: inner };
    const ok = LossScaleOptimizer.fromConfig({
      ...base,
      dynamic: true,
      weightDecay: null,
      useEma: false,
      emaMomentum: 0.99,
      lossScaleFactor: null,
      gradientAccumulationSteps: null,
    } as never);
    expect((ok as LossScaleOptimizer).initialScale).toBe(32768);
    expect(() => LossScaleOptimizer.fromConfig({ ...base, dynamic: false } as never)).toThrow(
      /dynamic=false/,
    );
    expect(() => LossScaleOptimizer.fromConfig({ ...base, clipnorm: 1 } as never)).toThrow(
      /'clipnorm' = 1 is not supported; set it on the inner optimizer/,
    );
    expect(() => LossScaleOptimizer.fromConfig({ ...base, learningRate: 0.1 } as never)).toThrow(
      /unknown config key 'learningRate'/,
    );
    expect(() => LossScaleOptimizer.fromConfig({})).toThrow(/innerOptimizer must be a serialized/);
  });
});

// ---------------------------------------------------------------------------------------------
// fit

type Mode = CompileArgs['jitCompile'];

async function train(mode: Mode, makeOpt: () => Optimizer, epochs = 3, yScale = 1) {
  setSeed(11);
  const x = randomNormal([48, 4]);
  const y = randomNormal([48, 2]).mul(yScale);
  const m = new Sequential({
    layers: [new Dense({ units: 8, activation: 'tanh', inputShape: [4] }), new Dense({ units: 2 })],
  });
  const opt = makeOpt();
  m.compile({ optimizer: opt, loss: 'mse', jitCompile: mode });
  const h = await m.fit(x, y, { epochs, batchSize: 12, verbose: 0, shuffle: false });
  return {
    m,
    opt,
    loss: h.history.loss!,
    weights: m.weights.map(vals),
    info: compiledStepInfo(m).train,
  };
}

const weightsOf = (m: Model) => m.weights.map(vals);

describe('LossScaleOptimizer in fit', () => {
  for (const [label, make] of [
    ['SGD with momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 })],
    ['Adam', () => new Adam({ learningRate: 0.01 })],
  ] as const) {
    it(`${label}: the same weights and losses as the inner optimizer alone (eager and jitCompile)`, async () => {
      const wrap = () => new LossScaleOptimizer({ innerOptimizer: make(), dynamicGrowthSteps: 5 });
      const plain = await train(false, make);
      const eager = await train(false, wrap);
      expect(eager.loss).toEqual(plain.loss);
      expect(eager.weights).toEqual(plain.weights);
      // 12 finite steps with N = 5: the scale doubled twice, and every step counted.
      const lso = eager.opt as LossScaleOptimizer;
      expect(lso.iterations).toBe(12);
      expect(lso.dynamicScale.item()).toBe(2 ** 17);
      for (const mode of [true, 'auto'] as const) {
        const jit = await train(mode, wrap);
        expect(jit.loss).toEqual(plain.loss);
        expect(jit.weights).toEqual(plain.weights);
        expect((jit.opt as LossScaleOptimizer).dynamicScale.item()).toBe(2 ** 17);
        // Forward and backward compiled, the update eager with the reason.
        expect(jit.info.fallbacks).toEqual([]);
        expect(jit.info.compiled.length).toBe(1);
        expect(jit.info.compiled[0]!.stats.params).toBeGreaterThan(0);
        expect(jit.info.eagerParts).toEqual([
          expect.stringMatching(
            /LossScaleOptimizer skips the steps whose gradients are not finite/,
          ),
        ]);
      }
    });
  }

  it('overflowing steps are skipped until the scale fits; compiled replays follow the scale', async () => {
    // Targets ×100 make gradients above 2, which times 2^127 overflow float32: inf gradients,
    // skipped steps, the scale halving each time until it fits.
    const wrap = () =>
      new LossScaleOptimizer({
        innerOptimizer: new SGD({ learningRate: 0.001 }),
        initialScale: 2 ** 127,
        dynamicGrowthSteps: 1000,
      });
    const eager = await train(false, wrap, 4, 100);
    const lso = eager.opt as LossScaleOptimizer;
    const skipped = 16 - lso.iterations;
    // Some of the skipped steps were replays of the compiled graph (the first two are traced).
    expect(skipped).toBeGreaterThan(2);
    expect(lso.dynamicScale.item()).toBe(2 ** (127 - skipped));
    for (const h of eager.loss) expect(Number.isFinite(h)).toBe(true);
    const jit = await train(true, wrap, 4, 100);
    expect(jit.info.compiled.length).toBe(1);
    expect(jit.info.compiled[0]!.stats.params).toBe(1); // the loss scale
    expect(jit.opt.iterations).toBe(lso.iterations);
    expect((jit.opt as LossScaleOptimizer).dynamicScale.item()).toBe(lso.dynamicScale.item());
    expect(jit.loss).toEqual(eager.loss);
    expect(jit.weights).toEqual(eager.weights);
    // The weights did move once the scale fit.
    const init = await train(false, () => new SGD({ learningRate: 0.001 }), 0, 100);
    expect(jit.weights).not.toEqual(weightsOf(init.m));
  });
});

describe('LossScaleOptimizer in a custom trainStep', () => {
  it("auto: the traced step's finite check reads the device, so the step runs eagerly; true throws", async () => {
    class Custom extends Sequential {
      override trainStep(x: Tensor[], y: Tensor[], sw: Tensor | null) {
        return super.trainStep(x, y, sw);
      }
    }
    const run = async (mode: Mode) => {
      setSeed(6);
      const m = new Custom({ layers: [new Dense({ units: 2, inputShape: [3] })] });
      const opt = new LossScaleOptimizer({ innerOptimizer: new SGD({ learningRate: 0.05 }) });
      m.compile({ optimizer: opt, loss: 'mse', jitCompile: mode });
      await m.fit(randomNormal([20, 3]), randomNormal([20, 2]), {
        epochs: 2,
        batchSize: 5,
        verbose: 0,
      });
      return m;
    };
    const eager = await run(false);
    const auto = await run('auto');
    const fb = compiledStepInfo(auto).train.fallbacks;
    expect(fb.length).toBeGreaterThan(0);
    for (const f of fb) expect(f.reason).toMatch(/reads a tensor on the host/);
    expect(weightsOf(auto)).toEqual(weightsOf(eager));
    expect(auto.compiled!.optimizer.iterations).toBe(8);
    await expect(run(true)).rejects.toThrow(JitCompileError);
  });
});

// ---------------------------------------------------------------------------------------------
// Keras goldens

describe('LossScaleOptimizer against Keras 3 (numpy backend)', () => {
  for (const c of golden.cases) {
    it(`${c.name}: scales, counters, iterations and variables step by step`, () => {
      const cfg = c.config.config;
      const innerCfg = cfg.inner_optimizer.config;
      const inner =
        cfg.inner_optimizer.class_name === 'Adam'
          ? new Adam({ learningRate: innerCfg.learning_rate as number })
          : new SGD({
              learningRate: innerCfg.learning_rate as number,
              momentum: innerCfg.momentum as number,
            });
      const opt = new LossScaleOptimizer({
        innerOptimizer: inner,
        initialScale: c.initial_scale,
        dynamicGrowthSteps: c.dynamic_growth_steps,
      });
      const w = new Variable(tensor(nums(c.w0), [2, 2]), { name: 'w' });
      const b = new Variable(tensor(nums(c.b0), [2]), { name: 'b' });
      c.grads.forEach((g, i) => {
        opt.applyGradients([
          [tensor(nums(g.w), [2, 2]), w],
          [tensor(nums(g.b), [2]), b],
        ]);
        const k = c.history[i]!;
        const at = `step ${i + 1}`;
        vals(w).forEach((v, j) => expect(v, at).toBeCloseTo(num(k.w[j]!), 6));
        vals(b).forEach((v, j) => expect(v, at).toBeCloseTo(num(k.b[j]!), 6));
        expect(opt.dynamicScale.item(), at).toBe(k.dynamic_scale);
        expect(opt.stepCounter.item(), at).toBe(k.step_counter);
        expect(opt.iterations, at).toBe(k.iterations);
        expect(opt.scaleLoss(tensor(1)).item(), at).toBe(k.scale_loss);
      });
      // Keras's variables: the wrapper's iteration (never counted) and learning_rate (0), then
      // step_counter and dynamic_scale, then the inner optimizer's (iteration, lr, slots).
      const kv = c.variables;
      expect(kv.map((v) => v.path.split('/').pop())).toEqual([
        'iteration',
        'learning_rate',
        'step_counter',
        'dynamic_scale',
        'iteration',
        'learning_rate',
        ...kv.slice(6).map((v) => v.path.split('/').pop()),
      ]);
      expect(nums(kv[0]!.values)).toEqual([0]);
      expect(nums(kv[1]!.values)).toEqual([0]);
      const ours = opt.getWeights().map(vals);
      expect(ours[1]).toEqual(nums(kv[2]!.values)); // step_counter
      expect(ours[2]).toEqual(nums(kv[3]!.values)); // dynamic_scale
      expect(ours[0]).toEqual(nums(kv[4]!.values)); // inner iterations
      expect(ours.length - 3).toBe(kv.length - 6);
      // Slots in Keras's order (Adam interleaves momentum and velocity per variable).
      kerasSlotOrder(opt.innerOptimizer).forEach((t, j) => {
        const v = kv[6 + j]!;
        ours[2 + t]!.forEach((x, e) => expect(x, v.path).toBeCloseTo(num(v.values[e]!), 6));
      });
    });
  }

  it("Keras's default config and ours agree (names, initial scale, growth steps)", () => {
    const k = golden.default_config;
    expect(k.class_name).toBe(LossScaleOptimizer.className);
    const ours = new LossScaleOptimizer({ innerOptimizer: new SGD({ name: 'sgd' }) }).getConfig();
    expect(ours.name).toBe(k.config.name);
    expect(ours.initialScale).toBe(k.config.initial_scale);
    expect(ours.dynamicGrowthSteps).toBe(k.config.dynamic_growth_steps);
    expect(Object.keys(ours).sort()).toEqual([
      'dynamicGrowthSteps',
      'initialScale',
      'innerOptimizer',
      'name',
    ]);
    expect(Object.keys(k.config).sort()).toEqual([
      'dynamic_growth_steps',
      'initial_scale',
      'inner_optimizer',
      'name',
    ]);
  });
});

// Loading Keras files compiled with LossScaleOptimizer needs its mapping in
// src/io/keras_config/compile.ts (the nested inner optimizer) and src/io/keras_weights.ts
// (Keras's optimizer variable layout); these tests run once those support it.
describe('LossScaleOptimizer: Keras .keras files', () => {
  it('a .keras file compiled with LossScaleOptimizer(Adam) loads with its optimizer state', async () => {
    const kf = golden.keras_file;
    const model = await loadModelFromBytes(new Uint8Array(Buffer.from(kf.file_base64, 'base64')));
    const opt = model.optimizer as LossScaleOptimizer;
    expect(opt).toBeInstanceOf(LossScaleOptimizer);
    expect(opt.innerOptimizer).toBeInstanceOf(Adam);
    expect(opt.initialScale).toBe(256);
    expect(opt.dynamicGrowthSteps).toBe(2);
    const kv = kf.optimizer_variables;
    expect(opt.dynamicScale.item()).toBe(num(kv[3]!.values[0]!));
    expect(opt.stepCounter.item()).toBe(num(kv[2]!.values[0]!));
    expect(opt.iterations).toBe(num(kv[4]!.values[0]!));
    // Adam's slots, in Keras's order after the wrapper's four and Adam's iteration and lr.
    const ours = opt.getWeights().map(vals);
    kerasSlotOrder(opt.innerOptimizer).forEach((t, j) => {
      const v = kv[6 + j]!;
      ours[2 + t]!.forEach((x, e) => expect(x, v.path).toBeCloseTo(num(v.values[e]!), 6));
    });
    const pred = model.predict(tensor(nums(kf.x), [2, 3])) as Tensor;
    vals(pred).forEach((v, i) => expect(v).toBeCloseTo(num(kf.predictions[i]!), 5));
  });

  it('Tessera writes and reads it back: config and state (trained and untrained)', async () => {
    for (const epochs of [0, 2]) {
      const { m, opt } = await train(
        false,
        () =>
          new LossScaleOptimizer({
            innerOptimizer: new Adam({ learningRate: 0.002 }),
            initialScale: 2 ** 127,
            dynamicGrowthSteps: 2,
          }),
        epochs,
        100,
      );
      const back = await loadModelFromBytes(await modelToKerasBytes(m));
      const o = back.optimizer as LossScaleOptimizer;
      expect(o).toBeInstanceOf(LossScaleOptimizer);
      expect(o.getConfig()).toEqual(opt.getConfig());
      expect(o.built).toBe(opt.built);
      if (opt.built) expect(o.getWeights().map(vals)).toEqual(opt.getWeights().map(vals));
      expect(weightsOf(back)).toEqual(weightsOf(m));
    }
  });
});
