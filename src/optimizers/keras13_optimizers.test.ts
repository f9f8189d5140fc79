/**
 * Lion, Ftrl, Adafactor, Lamb, the base class's EMA and gradient accumulation, and
 * CosineDecayRestarts against real Keras 3.15.1 (numpy backend):
 * test/fixtures/optimizers13_golden.json, written by scripts/optimizers13_golden.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { Variable } from '../autograd/variable.js';
import { ValueError } from '../errors.js';
import { camelToSnake } from '../io/keras_config/names.js';
import { kerasSlotOrder } from '../io/keras_weights.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import { type Config, deserialize, serialize } from '../serialization.js';
import {
  Adafactor,
  Adam,
  CosineDecayRestarts,
  Ftrl,
  Lamb,
  Lion,
  type Optimizer,
  SGD,
  getOptimizer,
} from './index.js';

interface Slot {
  path: string;
  var: string;
  kind: string;
  shape: number[];
  values: number[];
}
interface Case {
  name: string;
  className: string;
  args: Config;
  vars: string[];
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  grads: Record<string, number[]>[];
  history: Record<string, number[]>[];
  iterations: number;
  rawIterations: number;
  slots: Slot[];
  kerasConfig: Record<string, unknown>;
}
const G = JSON.parse(
  readFileSync(new URL('../../test/fixtures/optimizers13_golden.json', import.meta.url), 'utf8'),
) as {
  optimizers: Case[];
  schedules: { args: Config; steps: number[]; values: number[]; kerasConfig: Config }[];
};

const CLASSES: Record<string, new (a: never) => Optimizer> = {
  Lion,
  Ftrl,
  Adafactor,
  Lamb,
  Adam,
  SGD,
};

function make(c: Case): Optimizer {
  const args: Record<string, unknown> = { ...c.args };
  if (typeof args.learningRate === 'object')
    args.learningRate = deserialize('schedule', args.learningRate as never);
  return new CLASSES[c.className]!(args as never);
}

function run(c: Case) {
  const opt = make(c);
  const vars = c.vars.map((n) => new Variable(tensor(c.init[n]!, c.shapes[n]!), { name: n }));
  let maxDiff = 0;
  c.grads.forEach((g, s) => {
    opt.applyGradients(c.vars.map((n, i) => [tensor(g[n]!, c.shapes[n]!), vars[i]!] as const));
    c.vars.forEach((n, i) => {
      const got = Array.from(vars[i]!.value().dataSync());
      const want = c.history[s]![n]!;
      got.forEach((x, j) => {
        maxDiff = Math.max(maxDiff, Math.abs(x - want[j]!) / (1 + Math.abs(want[j]!)));
      });
    });
  });
  return { opt, vars, maxDiff };
}

describe('Keras 3 optimizers against Keras 3.15.1 (numpy backend)', () => {
  for (const c of G.optimizers) {
    it(`${c.name}: ${c.grads.length} steps, slots and iterations equal Keras's`, () => {
      const { opt, vars, maxDiff } = run(c);
      // float32 arithmetic on both sides (largest seen: 7.2e-7, adam_ema); Lion and SGD are exact.
      if (process.env.OPT13_REPORT) console.log(c.name, maxDiff);
      expect(maxDiff).toBeLessThan(2e-6);
      expect(opt.iterations).toBe(c.iterations);
      expect(opt.getWeights()[0]!.item()).toBe(c.rawIterations);
      // Same slots, kinds and shapes as Keras creates (order aside: Keras interleaves kinds).
      expect(opt.slotVariables.length).toBe(c.slots.length);
      for (const s of c.slots) {
        const slot = opt.getSlot(vars[c.vars.indexOf(s.var)]!, s.kind);
        expect([...slot.shape]).toEqual(s.shape);
        expectClose(slot.value().reshape([-1]), s.values, { rtol: 1e-4, atol: 1e-6 });
      }
    });

    it(`${c.name}: config matches Keras's get_config and round-trips`, () => {
      const opt = make(c);
      const cfg = opt.getConfig();
      const keras = c.kerasConfig;
      for (const [k, v] of Object.entries(cfg)) {
        const kk =
          (
            {
              beta1: 'beta_1',
              beta2: 'beta_2',
              epsilon1: 'epsilon_1',
              epsilon2: 'epsilon_2',
              beta2Decay: 'beta_2_decay',
            } as Record<string, string>
          )[k] ?? camelToSnake(k);
        expect(Object.keys(keras)).toContain(kk);
        // Keras makes names unique per session (lion_1) and calls SGD 'sgd'.
        if (k === 'learningRate' || k === 'name') continue;
        if (typeof v === 'number') expect(v).toBeCloseTo(keras[kk] as number, 6);
        else expect(v).toEqual(keras[kk]);
      }
      const again = deserialize<Optimizer>('optimizer', serialize(opt));
      expect(again.getConfig()).toEqual(cfg);
      expect(
        getOptimizer({ className: c.className.toLowerCase(), config: cfg }).getConfig(),
      ).toEqual(cfg);
    });
  }

  it('CosineDecayRestarts equals Keras at every step and round-trips its config', () => {
    let worst = 0;
    for (const s of G.schedules) {
      const a = s.args;
      const sched = new CosineDecayRestarts(
        a.initialLearningRate as number,
        a.firstDecaySteps as number,
        a.tMul as number | undefined,
        a.mMul as number | undefined,
        a.alpha as number | undefined,
        a.name as string | undefined,
      );
      s.steps.forEach((st, i) => {
        worst = Math.max(worst, Math.abs(sched.call(st) - s.values[i]!));
      });
      const cfg = sched.getConfig();
      for (const [k, v] of Object.entries(s.kerasConfig)) {
        const tk = k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
        expect(cfg[tk]).toEqual(v);
      }
      expect(deserialize<CosineDecayRestarts>('schedule', serialize(sched)).getConfig()).toEqual(
        cfg,
      );
    }
    if (process.env.OPT13_REPORT) console.log('CosineDecayRestarts', worst);
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('errors name the class, the expectation and the value', () => {
  it('refuses out-of-range hyperparameters with ValueError', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new Lion({ beta1: 0 }), /^Lion: beta1 must be a finite number > 0 and ≤ 1, got 0$/],
      [() => new Lion({ beta2: 1.5 }), /^Lion: beta2 .*≤ 1, got 1.5$/],
      [() => new Ftrl({ learningRatePower: 0.5 }), /^Ftrl: learningRatePower .*≤ 0, got 0.5$/],
      [
        () => new Ftrl({ initialAccumulatorValue: -1 }),
        /^Ftrl: initialAccumulatorValue .*≥ 0, got -1$/,
      ],
      [() => new Ftrl({ l1RegularizationStrength: -0.1 }), /^Ftrl: l1RegularizationStrength/],
      [() => new Adafactor({ clipThreshold: 0 }), /^Adafactor: clipThreshold .*> 0, got 0$/],
      [
        () => new Adafactor({ relativeStep: 1 as never }),
        /^Adafactor: relativeStep must be a boolean, got 1$/,
      ],
      [() => new Lamb({ beta2: 1 }), /^Lamb: beta2 .*< 1, got 1$/],
      [() => new Adam({ emaMomentum: 2, useEma: true }), /^Adam: emaMomentum .*≤ 1, got 2$/],
      [
        () => new Lion({ gradientAccumulationSteps: 1 }),
        /^Lion: gradientAccumulationSteps must be an integer ≥ 2 or null, got 1$/,
      ],
      [
        () => new Lamb({ emaOverwriteFrequency: 0.5, useEma: true }),
        /^Lamb: emaOverwriteFrequency must be an integer ≥ 1 or null, got 0.5$/,
      ],
      [
        () => new CosineDecayRestarts(0.1, 0),
        /^CosineDecayRestarts: firstDecaySteps must be a number > 0, got 0$/,
      ],
      [
        () => new CosineDecayRestarts(0.1, 5, -1),
        /^CosineDecayRestarts: tMul must be a number > 0, got -1$/,
      ],
      [
        () => new Adam().swapEmaWeights(),
        /^Adam.swapEmaWeights: the optimizer must be created with useEma: true, got useEma=false$/,
      ],
    ];
    for (const [f, re] of cases) {
      expect(f).toThrow(ValueError);
      expect(f).toThrow(re);
    }
  });

  it('Ftrl refuses unknown config keys naming the class', () => {
    expect(() => Ftrl.fromConfig({ betaa: 1 })).toThrow(
      /^Ftrl.fromConfig: unknown config key 'betaa'/,
    );
  });
});

describe('EMA helpers', () => {
  it('swapEmaWeights exchanges variables and averages; finalizeVariableValues copies them', () => {
    const w = new Variable(tensor([1, 2]), { name: 'w' });
    const opt = new SGD({ learningRate: 0.5, useEma: true, emaMomentum: 0.5 });
    opt.applyGradients([[tensor([1, 1]), w]]); // w = [0.5, 1.5], avg = w
    opt.applyGradients([[tensor([1, 1]), w]]); // w = [0, 1], avg = [0.25, 1.25]
    expectClose(w, [0, 1]);
    opt.swapEmaWeights();
    expectClose(w, [0.25, 1.25]);
    expectClose(opt.getSlot(w, 'average'), [0, 1]);
    opt.swapEmaWeights();
    expectClose(w, [0, 1]);
    opt.finalizeVariableValues();
    expectClose(w, [0.25, 1.25]);
    expect(opt.compiledUpdateBlocker()).toMatch(/useEma/);
  });
});

describe('.keras save and load keep the optimizer state', () => {
  const make = (opt: () => Optimizer) => {
    setSeed(3);
    const m = new Sequential({
      layers: [
        new Dense({ units: 4, activation: 'tanh', inputShape: [3] }),
        new Dense({ units: 2 }),
      ],
    });
    m.compile({ optimizer: opt(), loss: 'mse' });
    return m;
  };
  const opts: [string, () => Optimizer][] = [
    ['Lion', () => new Lion({ learningRate: 0.01, beta2: 0.9 })],
    ['Ftrl', () => new Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.001, beta: 0.1 })],
    ['Adafactor', () => new Adafactor({ learningRate: 0.05, epsilon2: 0.01 })],
    ['Lamb', () => new Lamb({ learningRate: 0.01, weightDecay: 0.01 })],
    [
      'Adam with EMA',
      () => new Adam({ learningRate: 0.01, useEma: true, emaOverwriteFrequency: 3 }),
    ],
    // Not yet with gradientAccumulationSteps: src/io/keras_weights.ts writes `iterations` as
    // opt.iterations (updates), where Keras stores the call count (getWeights()[0]).
  ];
  for (const [name, opt] of opts) {
    it(`${name}: training resumes as if uninterrupted`, async () => {
      const x = randomNormal([8, 3]);
      const y = randomNormal([8, 2]);
      const a = make(opt);
      for (let i = 0; i < 5; i++) a.trainOnBatch(x, y);
      const b = make(opt);
      for (let i = 0; i < 3; i++) b.trainOnBatch(x, y);
      const c = await loadModelFromBytes(await modelToKerasBytes(b));
      expect(c.optimizer!.getConfig()).toEqual(b.optimizer!.getConfig());
      expect(c.optimizer!.getWeightNames()).toEqual(b.optimizer!.getWeightNames());
      c.trainOnBatch(x, y);
      c.trainOnBatch(x, y);
      a.getWeights().forEach((w, i) =>
        expectClose(c.getWeights()[i]!, w, { rtol: 1e-6, atol: 1e-7 }),
      );
    });
  }
});

describe("the .keras optimizer variables follow Keras's order", () => {
  // Ftrl, Lamb and Adafactor interleave their kinds per variable in Keras; src/io/keras_weights.ts
  // needs KERAS_SLOT_GROUPS entries for them (Ftrl: accumulator+linear, Lamb: momentum+velocity,
  // Adafactor: r+c+velocity) before their files line up with Keras's.
  for (const name of ['lion', 'lion_wd', 'adam_ema', 'sgd_accum', 'lion_ema_accum']) {
    it(`${name}: kerasSlotOrder lists the slots as Keras stores them`, () => {
      const c = G.optimizers.find((o) => o.name === name)!;
      const { opt } = run(c);
      const names = opt.getWeightNames();
      expect(kerasSlotOrder(opt).map((i) => names[i])).toEqual(
        c.slots.map((s) => `${s.var}/${s.kind}`),
      );
    });
  }
});
