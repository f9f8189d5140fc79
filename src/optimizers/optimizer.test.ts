import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import {
  ShapeError,
  ValueError,
  type Variable,
  tensor,
  variable,
  variableGrads,
  zeros,
} from '../index.js';
import { type Config, deserialize, lookupSerializable, serialize } from '../serialization.js';
import {
  Adadelta,
  Adafactor,
  Adagrad,
  Adam,
  AdamW,
  Adamax,
  ExponentialDecay,
  Ftrl,
  Lamb,
  Lion,
  Nadam,
  OPTIMIZER_IDS,
  type Optimizer,
  PiecewiseConstantDecay,
  RMSprop,
  SGD,
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  getOptimizer,
  nadam,
  rmsprop,
  sgd,
} from './index.js';

// Every optimizer, configured so that all of its optional slots and options are in use.
const CASES: [string, () => Optimizer][] = [
  ['SGD', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, name: 'my_sgd' })],
  [
    'Adagrad',
    () => new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.2, epsilon: 1e-6 }),
  ],
  ['RMSprop', () => new RMSprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true })],
  ['Adam', () => new Adam({ learningRate: 0.01, beta1: 0.8, amsgrad: true, weightDecay: 0.01 })],
  [
    'AdamW',
    () =>
      new AdamW({
        learningRate: new ExponentialDecay(0.01, 2, 0.5),
        weightDecay: 0.1,
        clipnorm: 1,
      }),
  ],
  ['Adadelta', () => new Adadelta({ learningRate: 1, rho: 0.9, epsilon: 1e-6 })],
  ['Adamax', () => new Adamax({ learningRate: 0.01, beta2: 0.99, globalClipnorm: 0.5 })],
  ['Nadam', () => new Nadam({ learningRate: 0.01, beta1: 0.85, clipvalue: 0.3 })],
];

const GRADS_W = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, -0.3],
  [0.2, 0.2, -0.4, 0.05],
];
const GRADS_B = [
  [1, -2, 0.5],
  [0.3, 0.3, -0.1],
  [-0.7, 0.2, 0.9],
];

function makeVars(): [Variable, Variable] {
  return [
    variable(tensor([0.5, -1.2, 2.0, 0.1], [2, 2]), { name: 'w' }),
    variable(tensor([0.1, 0.2, -0.3]), { name: 'b' }),
  ];
}

function step(opt: Optimizer, [w, b]: [Variable, Variable], i: number): void {
  opt.applyGradients([
    [tensor(GRADS_W[i]!, [2, 2]), w],
    [tensor(GRADS_B[i]!), b],
  ]);
}

const values = (vs: Variable[]) => vs.map((v) => [...v.dataSync()]);

describe('Optimizer: gradient clipping', () => {
  // SGD with lr 1 moves each variable by exactly minus its clipped gradient.
  function clippedStep(
    args: ConstructorParameters<typeof SGD>[0],
    gw: number[],
    gb: number[],
  ): number[][] {
    const w = variable(zeros([gw.length]));
    const b = variable(zeros([gb.length]));
    new SGD({ learningRate: 1, ...args }).applyGradients([
      [tensor(gw), w],
      [tensor(gb), b],
    ]);
    return [[...w.dataSync()].map((x) => -x), [...b.dataSync()].map((x) => -x)];
  }

  it('clipvalue clips each element to [-c, c]', () => {
    const [w, b] = clippedStep({ clipvalue: 0.5 }, [1, -2, 0.3], [-0.5, 0.7]);
    expectClose(w!, [0.5, -0.5, 0.3]);
    expectClose(b!, [-0.5, 0.5]);
  });

  it('clipnorm rescales each gradient whose own L2 norm exceeds c', () => {
    // ‖[3, 4]‖ = 5 → scaled to norm 1; ‖[0.3, 0.4]‖ = 0.5 stays.
    const [w, b] = clippedStep({ clipnorm: 1 }, [3, 4], [0.3, 0.4]);
    expectClose(w!, [0.6, 0.8]);
    expectClose(b!, [0.3, 0.4]);
  });

  it('globalClipnorm rescales all gradients by one factor when the joint norm exceeds c', () => {
    // Joint norm √(3² + 4² + 12²) = 13 → every gradient × 5/13.
    const [w, b] = clippedStep({ globalClipnorm: 5 }, [3, 4], [0, 12]);
    expectClose(w!, [15 / 13, 20 / 13]);
    expectClose(b!, [0, 60 / 13]);
    const [w2, b2] = clippedStep({ globalClipnorm: 20 }, [3, 4], [0, 12]);
    expectClose(w2!, [3, 4]);
    expectClose(b2!, [0, 12]);
  });

  it('allows only one clipping option', () => {
    expect(() => new Adam({ clipnorm: 1, clipvalue: 1 })).toThrow(
      /Adam: only one of clipnorm, clipvalue and globalClipnorm can be set/,
    );
    expect(() => new SGD({ clipnorm: 0 })).toThrow(
      /SGD: clipnorm must be a finite number > 0, got 0/,
    );
  });
});

describe('Optimizer: weight decay', () => {
  it('shrinks var by var·wd·lr before the update, skipping excluded variables', () => {
    const w = variable(tensor([1, -2]), { name: 'dense/kernel' });
    const b = variable(tensor([1, -2]), { name: 'dense/bias' });
    const c = variable(tensor([1, -2]), { name: 'other' });
    const opt = new SGD({ learningRate: 0.1, weightDecay: 0.5 });
    opt.excludeFromWeightDecay({ varNames: ['bias'], variables: [c] });
    const g = tensor([0.2, 0.4]);
    opt.applyGradients([
      [g, w],
      [g, b],
      [g, c],
    ]);
    // w: w − w·0.5·0.1 − 0.1·g;  b, c: w − 0.1·g.
    expectClose(w, [1 - 0.05 - 0.02, -2 + 0.1 - 0.04]);
    expectClose(b, [1 - 0.02, -2 - 0.04]);
    expectClose(c, [1 - 0.02, -2 - 0.04]);
  });

  it('uses the scheduled learning rate of the step', () => {
    const w = variable(tensor([1]));
    const opt = new SGD({
      learningRate: new PiecewiseConstantDecay([0], [0.1, 0.01]),
      weightDecay: 1,
    });
    for (let i = 0; i < 2; i++) opt.applyGradients([[tensor([0]), w]]);
    expectClose(w, [1 * (1 - 0.1) * (1 - 0.01)]);
  });
});

describe('Optimizer: learning rate schedules', () => {
  it('evaluates a schedule at the step count before each update', () => {
    const w = variable(tensor([1, 1]));
    const opt = new SGD({ learningRate: new ExponentialDecay(0.1, 1, 0.5) });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(opt.currentLearningRate);
      opt.applyGradients([[tensor([1, 2]), w]]);
    }
    expect(seen).toEqual([0.1, 0.05, 0.025]);
    expectClose(w, [1 - 0.175, 1 - 0.35]);
    expect(opt.iterations).toBe(3);
  });

  it('a schedule changes an adaptive optimizer’s step size per iteration', () => {
    // Adam's first step moves each element by ≈ lr; with lr halving per step the moves halve.
    const w = variable(tensor([0]));
    const opt = new Adam({ learningRate: new ExponentialDecay(0.1, 1, 0.5) });
    const moves: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = w.dataSync()[0]!;
      opt.applyGradients([[tensor([1]), w]]);
      moves.push(before - w.dataSync()[0]!);
    }
    expectClose(moves, [0.1, 0.05, 0.025], { rtol: 1e-4 });
  });

  it('learningRate can be replaced and is validated', () => {
    const opt = new Adam();
    opt.learningRate = 0.5;
    expect(opt.currentLearningRate).toBe(0.5);
    expect(() => {
      opt.learningRate = Number.NaN;
    }).toThrow('Adam: learningRate must be a positive number or a schedule, got NaN');
  });
});

describe('Optimizer: applyGradients', () => {
  it('skips null gradients but counts the step', () => {
    const [w, b] = makeVars();
    const before = [...b.dataSync()];
    const opt = new Adam({ learningRate: 0.1 });
    opt.applyGradients([
      [tensor(GRADS_W[0]!, [2, 2]), w],
      [null, b],
    ]);
    expect([...b.dataSync()]).toEqual(before);
    expect(opt.iterations).toBe(1);
    // Slots exist for both: they were built from the whole list.
    expect(opt.getWeightNames()).toEqual([
      'iterations',
      'w/momentum',
      'b/momentum',
      'w/velocity',
      'b/velocity',
    ]);
  });

  it('records nothing for autograd and leaves variables trainable', () => {
    const w = variable(tensor([1, 2]));
    new Adam().applyGradients([[tensor([1, 1]), w]]);
    expect(w.node).toBeNull();
    expect(w.requiresGrad).toBe(true);
  });

  it('rejects a gradient whose shape differs from its variable’s, naming both', () => {
    const [w] = makeVars();
    const opt = new Adam();
    expect(() => opt.applyGradients([[tensor([1, 2, 3, 4]), w]])).toThrow(ShapeError);
    expect(() => opt.applyGradients([[tensor([1, 2, 3, 4]), w]])).toThrow(
      "Adam.applyGradients: gradient for variable 'w' has shape [4], but the variable has shape [2, 2]",
    );
    expect(opt.iterations).toBe(0);
  });

  it('rejects variables it was not built for, and all-null gradients', () => {
    const [w, b] = makeVars();
    const opt = new RMSprop();
    step(opt, [w, b], 0);
    const other = variable(tensor([1]), { name: 'late' });
    expect(() => opt.applyGradients([[tensor([1]), other]])).toThrow(
      /RMSprop.applyGradients: unknown variable 'late'/,
    );
    expect(() => opt.applyGradients([[null, w]])).toThrow(/no gradient provided for any variable/);
  });

  it('rejects a non-positive learning rate and bad hyperparameters, naming the optimizer', () => {
    expect(() => new Adam({ learningRate: -1 })).toThrow(ValueError);
    expect(() => new Adam({ learningRate: -1 })).toThrow(
      'Adam: learningRate must be a positive number or a schedule, got -1',
    );
    expect(() => sgd({ learningRate: 0 })).toThrow(
      'SGD: learningRate must be a positive number or a schedule, got 0',
    );
    expect(() => rmsprop({ rho: 2 })).toThrow(
      /RMSprop: rho must be a finite number ≥ 0 and ≤ 1, got 2/,
    );
    expect(() => nadam({ weightDecay: -0.1 })).toThrow(
      /Nadam: weightDecay must be a finite number ≥ 0/,
    );
  });
});

describe('Optimizer: getConfig / fromConfig', () => {
  it.each(CASES)(
    '%s: config survives JSON and rebuilds an optimizer with the same updates',
    (className, make) => {
      const a = make();
      const json = JSON.parse(JSON.stringify(serialize(a)));
      expect(json.className).toBe(className);
      const b = deserialize<Optimizer>('optimizer', json);
      expect(b.constructor).toBe(a.constructor);
      expect(b.getConfig()).toEqual(a.getConfig());
      const va = makeVars();
      const vb = makeVars();
      for (let i = 0; i < 3; i++) {
        step(a, va, i);
        step(b, vb, i);
      }
      expect(values(vb)).toEqual(values(va));
    },
  );

  it('uses camelCase keys, null for unset options and {className, config} for schedules', () => {
    const c = new AdamW({ learningRate: new ExponentialDecay(0.01, 2, 0.5) }).getConfig();
    expect(c).toEqual({
      name: 'adamw',
      learningRate: {
        className: 'ExponentialDecay',
        config: {
          initialLearningRate: 0.01,
          decaySteps: 2,
          decayRate: 0.5,
          staircase: false,
          name: 'ExponentialDecay',
        },
      },
      weightDecay: 0.004,
      clipnorm: null,
      globalClipnorm: null,
      clipvalue: null,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      amsgrad: false,
    });
  });

  it('static fromConfig rebuilds the calling class and refuses unknown keys', () => {
    const c: Config = { learningRate: 0.2, momentum: 0.5, clipnorm: null };
    const opt = SGD.fromConfig(c);
    expect(opt).toBeInstanceOf(SGD);
    expect([opt.currentLearningRate, opt.momentum, opt.clipnorm]).toEqual([0.2, 0.5, undefined]);
    expect(() => Adam.fromConfig({ beta_1: 0.9 })).toThrow(
      /Adam.fromConfig: unknown config key 'beta_1'/,
    );
  });

  it('registers every class in the optimizer category', () => {
    for (const [name] of CASES) expect(lookupSerializable('optimizer', name)?.className).toBe(name);
  });
});

describe('Optimizer: getWeights / setWeights', () => {
  it.each(CASES)(
    '%s: 1 step, state copied into a fresh optimizer, 2 more steps == 3 steps',
    (_, make) => {
      const ref = make();
      const vRef = makeVars();
      for (let i = 0; i < 3; i++) step(ref, vRef, i);

      const a = make();
      const vA = makeVars();
      step(a, vA, 0);
      const b = make();
      const vB = makeVars().map((v, i) => {
        v.assign(vA[i]!);
        return v;
      }) as [Variable, Variable];
      b.build(vB);
      b.setWeights(a.getWeights());
      expect(b.iterations).toBe(1);
      step(b, vB, 1);
      step(b, vB, 2);
      expect(values(vB)).toEqual(values(vRef));
      expect(b.getWeights().map((t) => [...t.dataSync()])).toEqual(
        ref.getWeights().map((t) => [...t.dataSync()]),
      );
    },
  );

  it('puts the step count first, then the slots kind by kind', () => {
    const opt = new Adam({ amsgrad: true });
    const vs = makeVars();
    step(opt, vs, 0);
    step(opt, vs, 1);
    const ws = opt.getWeights();
    expect(ws[0]!.shape).toEqual([]);
    expect(ws[0]!.dtype).toBe('float32');
    expect(ws[0]!.item()).toBe(2);
    expect(opt.getWeightNames()).toEqual([
      'iterations',
      'w/momentum',
      'b/momentum',
      'w/velocity',
      'b/velocity',
      'w/velocityHat',
      'b/velocityHat',
    ]);
    expect(ws.slice(1).map((t) => t.shape)).toEqual([[2, 2], [3], [2, 2], [3], [2, 2], [3]]);
  });

  it('refuses state that does not fit', () => {
    const opt = new Adam();
    expect(() => opt.setWeights([tensor(0)])).toThrow(
      /Adam.setWeights: the optimizer is not built/,
    );
    opt.build(makeVars());
    expect(() => opt.setWeights([tensor(0)])).toThrow(
      /expected 5 tensors \(iterations, w\/momentum/,
    );
    const ws = opt.getWeights();
    ws[2] = zeros([4]);
    expect(() => opt.setWeights(ws)).toThrow(
      "Adam.setWeights: slot 'b/momentum' has shape [3], got [4]",
    );
  });
});

describe('getOptimizer and factories', () => {
  it('resolves string ids case-insensitively to fresh optimizers with Keras defaults', () => {
    const expected = {
      sgd: SGD,
      adagrad: Adagrad,
      rmsprop: RMSprop,
      adam: Adam,
      adamw: AdamW,
      adadelta: Adadelta,
      adamax: Adamax,
      nadam: Nadam,
      lion: Lion,
      ftrl: Ftrl,
      adafactor: Adafactor,
      lamb: Lamb,
    };
    for (const id of OPTIMIZER_IDS) {
      expect(getOptimizer(id)).toBeInstanceOf(expected[id]);
      expect(getOptimizer(id.toUpperCase() as Uppercase<typeof id>)).toBeInstanceOf(expected[id]);
    }
    expect(getOptimizer('RMSprop')).toBeInstanceOf(RMSprop);
    expect(getOptimizer('adam')).not.toBe(getOptimizer('adam'));
  });

  it('passes instances through and deserializes {className, config}', () => {
    const opt = new Adam();
    expect(getOptimizer(opt)).toBe(opt);
    const s = getOptimizer({
      className: 'sgd',
      config: { learningRate: 0.3, momentum: 0.9 },
    }) as SGD;
    expect(s).toBeInstanceOf(SGD);
    expect([s.currentLearningRate, s.momentum]).toEqual([0.3, 0.9]);
  });

  it('rejects an unknown id, listing the valid ones', () => {
    const valid =
      'valid: sgd, adagrad, rmsprop, adam, adamw, adadelta, adamax, nadam, lion, ftrl, adafactor, lamb';
    expect(() => getOptimizer('adamm' as 'adam')).toThrow(ValueError);
    expect(() => getOptimizer('adamm' as 'adam')).toThrow(
      `getOptimizer: unknown optimizer 'adamm'; ${valid} (or a registered class name: `,
    );
    expect(() => getOptimizer({ className: 'Muon', config: {} })).toThrow(
      /unknown optimizer class 'Muon'; valid: sgd.*registered class name: LossScaleOptimizer/,
    );
    expect(() => getOptimizer(3 as never)).toThrow(
      /^getOptimizer: expected a name, an Optimizer or \{className, config\}, got number 3$/,
    );
    // Ids and class names match whatever their case, as before.
    expect(getOptimizer('ADAM' as 'adam')).toBeInstanceOf(Adam);
  });

  it('factories build each class', () => {
    const made = [sgd(), adagrad(), rmsprop(), adam(), adamw(), adadelta(), adamax(), nadam()];
    expect(made.map((o) => (o.constructor as typeof Optimizer).className)).toEqual(
      CASES.map(([n]) => n),
    );
    expect(adam({ learningRate: 0.01 }).currentLearningRate).toBe(0.01);
  });
});

describe('convergence: minimise Σ (w − 3)² from w = 0', () => {
  const cases: [string, () => Optimizer][] = [
    ['SGD', () => sgd({ learningRate: 0.1 })],
    ['SGD momentum', () => sgd({ learningRate: 0.05, momentum: 0.9 })],
    ['SGD nesterov', () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['Adagrad', () => adagrad({ learningRate: 0.5 })],
    ['RMSprop', () => rmsprop({ learningRate: 0.01 })],
    [
      'RMSprop centered momentum',
      () => rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }),
    ],
    ['Adam', () => adam({ learningRate: 0.05 })],
    ['Adam amsgrad', () => adam({ learningRate: 0.05, amsgrad: true })],
    ['AdamW', () => adamw({ learningRate: 0.05 })],
    ['Adadelta', () => adadelta({ learningRate: 10 })],
    ['Adamax', () => adamax({ learningRate: 0.05 })],
    ['Nadam', () => nadam({ learningRate: 0.05 })],
  ];

  it.each(cases)('%s reaches |w − 3| < 0.05 within 2000 steps', (_, make) => {
    const opt = make();
    const w = variable(zeros([3]), { name: 'w' });
    for (let i = 0; i < 2000; i++) {
      const { grads } = variableGrads(() => w.sub(3).square().sum(), [w]);
      opt.applyGradients([[grads[0]!, w]]);
    }
    for (const x of w.dataSync()) expect(Math.abs(x - 3)).toBeLessThan(0.05);
  });
});
