import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { deserialize, lookupSerializable, serialize } from '../serialization.js';
import {
  CosineDecay,
  ExponentialDecay,
  InverseTimeDecay,
  type LearningRateSchedule,
  PiecewiseConstantDecay,
  PolynomialDecay,
  cosineDecay,
  exponentialDecay,
  inverseTimeDecay,
  piecewiseConstantDecay,
  polynomialDecay,
} from './schedules.js';

const at = (s: LearningRateSchedule, steps: number[]) => steps.map((t) => s.call(t));

describe('ExponentialDecay', () => {
  it('decays smoothly: lr · rate^(step / decaySteps)', () => {
    const s = new ExponentialDecay(0.1, 10, 0.5);
    expectClose(at(s, [0, 5, 10, 25]), [0.1, 0.1 * Math.SQRT1_2, 0.05, 0.1 * 0.5 ** 2.5], {
      rtol: 1e-12,
    });
  });

  it('staircase floors the exponent', () => {
    const s = exponentialDecay(0.1, 10, 0.5, true);
    expectClose(at(s, [0, 9, 10, 19, 25]), [0.1, 0.1, 0.05, 0.05, 0.025], { rtol: 1e-12 });
  });
});

describe('InverseTimeDecay', () => {
  it('is lr / (1 + rate · step / decaySteps)', () => {
    const s = new InverseTimeDecay(0.1, 2, 0.5);
    expectClose(at(s, [0, 1, 2, 6]), [0.1, 0.1 / 1.25, 0.1 / 1.5, 0.1 / 2.5], { rtol: 1e-12 });
  });

  it('staircase floors step / decaySteps', () => {
    const s = inverseTimeDecay(0.1, 2, 0.5, true);
    expectClose(at(s, [0, 1, 2, 3, 6]), [0.1, 0.1, 0.1 / 1.5, 0.1 / 1.5, 0.1 / 2.5], {
      rtol: 1e-12,
    });
  });
});

describe('PiecewiseConstantDecay', () => {
  it('holds each value up to and including its boundary', () => {
    const s = new PiecewiseConstantDecay([10, 20], [1, 0.5, 0.1]);
    expect(at(s, [0, 10, 11, 20, 21, 1000])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(piecewiseConstantDecay([5], [2, 3]).call(6)).toBe(3);
  });

  it('rejects mismatched lengths and unsorted boundaries', () => {
    expect(() => new PiecewiseConstantDecay([10, 20], [1, 0.5])).toThrow(
      /one element fewer than values/,
    );
    expect(() => new PiecewiseConstantDecay([20, 10], [1, 0.5, 0.1])).toThrow(/increase strictly/);
  });
});

describe('PolynomialDecay', () => {
  it('decays to endLearningRate over decaySteps and stays there', () => {
    const s = new PolynomialDecay(0.1, 10, 0.01, 2);
    const f = (t: number) => 0.09 * (1 - Math.min(t, 10) / 10) ** 2 + 0.01;
    expectClose(at(s, [0, 3, 10, 15]), [0.1, f(3), 0.01, 0.01], { rtol: 1e-12 });
  });

  it('defaults to linear decay to 1e-4', () => {
    const s = polynomialDecay(0.1, 10);
    expectClose(at(s, [5, 10]), [(0.1 - 1e-4) * 0.5 + 1e-4, 1e-4], { rtol: 1e-12 });
  });

  it('cycle restarts on the next multiple of decaySteps', () => {
    const s = new PolynomialDecay(0.1, 10, 0.01, 1, true);
    // step 0 → period 10; step 15 → period 20; step 20 → period 20; step 21 → period 30.
    const f = (t: number, d: number) => 0.09 * (1 - t / d) + 0.01;
    expectClose(at(s, [0, 5, 10, 15, 20, 21]), [0.1, f(5, 10), 0.01, f(15, 20), 0.01, f(21, 30)], {
      rtol: 1e-12,
    });
  });
});

describe('CosineDecay', () => {
  it('follows half a cosine from lr to alpha · lr', () => {
    const s = new CosineDecay(0.1, 100, 0.1);
    const f = (t: number) =>
      0.1 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 100)) / 100)) + 0.1);
    expectClose(at(s, [0, 25, 50, 100, 150]), [0.1, f(25), 0.055, 0.01, 0.01], { rtol: 1e-12 });
  });

  it('warms up linearly to warmupTarget, then decays from it', () => {
    const s = cosineDecay(0.0, 100, 0, 'warm', 0.2, 10);
    const decay = (t: number) => 0.2 * 0.5 * (1 + Math.cos((Math.PI * t) / 100));
    expectClose(at(s, [0, 5, 10, 60, 110, 500]), [0, 0.1, 0.2, decay(50), 0, 0], {
      rtol: 1e-12,
      atol: 1e-15,
    });
    expect(s.name).toBe('warm');
  });
});

describe('schedules: shared behaviour', () => {
  const all: LearningRateSchedule[] = [
    new ExponentialDecay(0.1, 10, 0.5, true, 'e'),
    new InverseTimeDecay(0.1, 2, 0.5, true),
    new PiecewiseConstantDecay([10, 20], [1, 0.5, 0.1]),
    new PolynomialDecay(0.1, 10, 0.01, 2, true),
    new CosineDecay(0.01, 100, 0.1, 'c', 0.2, 10),
    new CosineDecay(0.1, 100),
  ];

  it.each(all.map((s) => [s.constructor.name, s] as const))(
    '%s survives getConfig → JSON → fromConfig',
    (_, s) => {
      const json = JSON.parse(JSON.stringify(serialize(s)));
      const back = deserialize<LearningRateSchedule>('schedule', json);
      expect(back.constructor).toBe(s.constructor);
      expect(back.getConfig()).toEqual(s.getConfig());
      const steps = [0, 1, 7, 10, 15, 55, 300];
      expect(at(back, steps)).toEqual(at(s, steps));
    },
  );

  it('are registered in the schedule category', () => {
    for (const name of [
      'ExponentialDecay',
      'InverseTimeDecay',
      'PiecewiseConstantDecay',
      'PolynomialDecay',
      'CosineDecay',
    ]) {
      expect(lookupSerializable('schedule', name)?.className).toBe(name);
    }
  });

  it('reject a non-positive decaySteps, naming the schedule', () => {
    expect(() => new ExponentialDecay(0.1, 0, 0.5)).toThrow(
      'ExponentialDecay: decaySteps must be a positive number, got 0',
    );
    expect(() => new CosineDecay(0.1, -5)).toThrow(/CosineDecay: decaySteps/);
    expect(() => new PolynomialDecay(0.1, Number.NaN)).toThrow(/PolynomialDecay: decaySteps/);
  });
});
