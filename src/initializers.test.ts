import { describe, expect, it } from 'vitest';
import { expectClose } from '../test/helpers/expect_close.js';
import { Generator, ShapeError, type Tensor, ValueError, eye, setSeed } from './index.js';
import {
  Constant,
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  Identity,
  type Initializer,
  type InitializerId,
  LecunNormal,
  LecunUniform,
  Ones,
  Orthogonal,
  RandomNormal,
  RandomUniform,
  TruncatedNormal,
  VarianceScaling,
  Zeros,
  computeFans,
  getInitializer,
} from './initializers.js';
import { type SerializedObject, deserialize, serialize } from './serialization.js';

function stats(t: Tensor): { mean: number; variance: number; min: number; max: number } {
  const v = t.dataSync();
  let s = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    s += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, variance: ss / v.length, min, max };
}

function expectWithin(actual: number, expected: number, rel: number, what: string): void {
  expect(Math.abs(actual - expected) / expected, `${what}: ${actual} vs ${expected}`).toBeLessThan(
    rel,
  );
}

const SHAPE = [400, 300];
const FAN_IN = 400;
const FAN_OUT = 300;

describe('initializers: constants', () => {
  it('zeros, ones and constant fill the shape', () => {
    expectClose(new Zeros().call([2, 2]), [
      [0, 0],
      [0, 0],
    ]);
    expectClose(new Ones().call([3]), [1, 1, 1]);
    const c = new Constant({ value: 2.5 }).call([2, 3]);
    expect(c.shape).toEqual([2, 3]);
    expect(c.dtype).toBe('float32');
    expectClose(c, [
      [2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5],
    ]);
    expect(new Constant().value).toBe(0);
  });

  it('honours dtype, including int32 for the constant initializers', () => {
    const t = new Constant({ value: 7 }).call([2], 'int32');
    expect(t.dtype).toBe('int32');
    expectClose(t, [7, 7]);
    expect(new Ones().call([2], 'float64').dtype).toBe('float64');
  });

  it('identity gives gain·I, non-square as eye(rows, cols)', () => {
    expectClose(new Identity().call([3, 3]), eye(3));
    expectClose(new Identity({ gain: 2 }).call([2, 3]), [
      [2, 0, 0],
      [0, 2, 0],
    ]);
    expectClose(new Identity().call([3, 2]), [
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
  });

  it('identity refuses shapes that are not 2-D', () => {
    expect(() => new Identity().call([3, 3, 3])).toThrow(
      'Identity: needs a 2-D shape, got [3, 3, 3]',
    );
    expect(() => new Identity().call([4])).toThrow(ValueError);
  });
});

describe('initializers: shapes', () => {
  const all: [string, Initializer][] = [
    ['Zeros', new Zeros()],
    ['Ones', new Ones()],
    ['Constant', new Constant({ value: 1 })],
    ['RandomNormal', new RandomNormal()],
    ['RandomUniform', new RandomUniform()],
    ['TruncatedNormal', new TruncatedNormal()],
    ['VarianceScaling', new VarianceScaling()],
    ['GlorotUniform', new GlorotUniform()],
    ['GlorotNormal', new GlorotNormal()],
    ['HeUniform', new HeUniform()],
    ['HeNormal', new HeNormal()],
    ['LecunUniform', new LecunUniform()],
    ['LecunNormal', new LecunNormal()],
  ];
  it.each(all)('%s returns the requested shape for ranks 0 to 4', (_name, init) => {
    for (const shape of [[], [5], [3, 4], [2, 3, 4], [3, 3, 2, 4]]) {
      const t = init.call(shape);
      expect(t.shape).toEqual(shape);
      expect(t.dtype).toBe('float32');
      expect(t.dataSync().every(Number.isFinite)).toBe(true);
    }
  });

  it('orthogonal returns the requested shape for ranks 2 to 4', () => {
    for (const shape of [
      [3, 4],
      [4, 3],
      [2, 3, 4],
      [3, 3, 2, 4],
      [0, 3],
    ]) {
      expect(new Orthogonal().call(shape).shape).toEqual(shape);
    }
  });
});

describe('initializers: statistics', () => {
  it('RandomNormal, RandomUniform and TruncatedNormal use the Keras defaults', () => {
    const n = stats(new RandomNormal({ seed: 1 }).call(SHAPE));
    expect(Math.abs(n.mean)).toBeLessThan(0.002);
    expectWithin(n.variance, 0.05 ** 2, 0.05, 'RandomNormal variance');
    const u = stats(new RandomUniform({ seed: 2 }).call(SHAPE));
    expect(u.min).toBeGreaterThanOrEqual(-0.05);
    expect(u.max).toBeLessThan(0.05);
    expectWithin(u.variance, 0.1 ** 2 / 12, 0.05, 'RandomUniform variance');
    const t = stats(new TruncatedNormal({ seed: 3 }).call(SHAPE));
    expect(t.min).toBeGreaterThanOrEqual(-0.1 - 1e-7);
    expect(t.max).toBeLessThanOrEqual(0.1 + 1e-7);
    // A standard normal truncated to ±2 has variance 0.77374.
    expectWithin(t.variance, 0.7737413 * 0.05 ** 2, 0.05, 'TruncatedNormal variance');
  });

  it('glorotUniform stays within ±√(6/(fanIn+fanOut)) with variance limit²/3', () => {
    const limit = Math.sqrt(6 / (FAN_IN + FAN_OUT));
    const s = stats(new GlorotUniform({ seed: 11 }).call(SHAPE));
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * limit);
    expectWithin(s.variance, (limit * limit) / 3, 0.05, 'glorotUniform variance');
  });

  it('heNormal has variance 2/fanIn after truncation, values within 2σ of the pre-truncation σ', () => {
    const s = stats(new HeNormal({ seed: 12 }).call(SHAPE));
    expectWithin(s.variance, 2 / FAN_IN, 0.05, 'heNormal variance');
    const bound = (2 * Math.sqrt(2 / FAN_IN)) / 0.87962566103423978;
    expect(s.max).toBeLessThanOrEqual(bound * (1 + 1e-6));
    expect(s.min).toBeGreaterThanOrEqual(-bound * (1 + 1e-6));
  });

  it('the other variance-scaling presets have their Keras variances', () => {
    const cases: [string, Initializer, number][] = [
      ['glorotNormal', new GlorotNormal({ seed: 21 }), 2 / (FAN_IN + FAN_OUT)],
      ['heUniform', new HeUniform({ seed: 22 }), 2 / FAN_IN],
      ['lecunNormal', new LecunNormal({ seed: 23 }), 1 / FAN_IN],
      ['lecunUniform', new LecunUniform({ seed: 24 }), 1 / FAN_IN],
      [
        'varianceScaling fanOut untruncated',
        new VarianceScaling({
          scale: 3,
          mode: 'fanOut',
          distribution: 'untruncatedNormal',
          seed: 25,
        }),
        3 / FAN_OUT,
      ],
      [
        'varianceScaling fanAvg uniform',
        new VarianceScaling({ scale: 0.5, mode: 'fanAvg', distribution: 'uniform', seed: 26 }),
        0.5 / ((FAN_IN + FAN_OUT) / 2),
      ],
    ];
    for (const [name, init, variance] of cases) {
      expectWithin(stats(init.call(SHAPE)).variance, variance, 0.05, name);
    }
    const heU = stats(new HeUniform({ seed: 27 }).call(SHAPE));
    expect(heU.max).toBeLessThanOrEqual(Math.sqrt(6 / FAN_IN));
    const lecunU = stats(new LecunUniform({ seed: 28 }).call(SHAPE));
    expect(lecunU.max).toBeLessThanOrEqual(Math.sqrt(3 / FAN_IN));
  });

  it('computes conv-kernel fans from the receptive field', () => {
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(computeFans([5, 7, 3])).toEqual({ fanIn: 35, fanOut: 15 });
    expect(computeFans([400, 300])).toEqual({ fanIn: 400, fanOut: 300 });
    expect(computeFans([6])).toEqual({ fanIn: 6, fanOut: 6 });
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    const limit = Math.sqrt(6 / (144 + 288));
    const s = stats(new GlorotUniform({ seed: 31 }).call([3, 3, 16, 32]));
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    // 50 · 64 · 25 values: enough for a 5% check of the He variance 2 / (25 · 64).
    expectWithin(
      stats(new HeNormal({ seed: 32 }).call([5, 5, 64, 50])).variance,
      2 / (25 * 64),
      0.05,
      'conv heNormal',
    );
  });

  it('divides by at least 1 for tiny fans', () => {
    // Rank 0: fans are 1, so glorotUniform's limit is √3.
    const v = new GlorotUniform({ seed: 4 }).call([]).item();
    expect(Math.abs(v)).toBeLessThanOrEqual(Math.sqrt(3));
  });
});

describe('initializers: orthogonal', () => {
  function gramian(w: Tensor, rows: boolean): Tensor {
    return rows ? w.matmul(w, false, true) : w.matmul(w, true, false);
  }

  it('has orthonormal columns for tall shapes and orthonormal rows for wide ones', () => {
    expectClose(gramian(new Orthogonal({ seed: 1 }).call([6, 4]), false), eye(4), { atol: 1e-5 });
    expectClose(gramian(new Orthogonal({ seed: 2 }).call([4, 6]), true), eye(4), { atol: 1e-5 });
    expectClose(gramian(new Orthogonal({ seed: 3 }).call([5, 5]), false), eye(5), { atol: 1e-5 });
    expectClose(gramian(new Orthogonal({ seed: 3 }).call([5, 5]), true), eye(5), { atol: 1e-5 });
  });

  it('scales by gain', () => {
    const w = new Orthogonal({ gain: 2, seed: 4 }).call([6, 4]);
    expectClose(gramian(w, false), eye(4).mul(4), { atol: 1e-5 });
  });

  it('flattens shapes of rank > 2 to (prod(shape[:-1]), shape[-1])', () => {
    const w = new Orthogonal({ seed: 5 }).call([2, 3, 4]);
    expectClose(gramian(w.reshape([6, 4]), false), eye(4), { atol: 1e-5 });
  });

  it('is the sign-corrected Q of the seeded normal matrix (positive diagonal of R)', () => {
    // Gram–Schmidt gives the QR factor whose R has a positive diagonal: Keras's corrected Q.
    const gramSchmidt = (a: number[][]): number[][] => {
      const m = a.length;
      const n = a[0]!.length;
      const q = a.map((r) => r.slice());
      for (let j = 0; j < n; j++) {
        for (let k = 0; k < j; k++) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += q[i]![k]! * q[i]![j]!;
          for (let i = 0; i < m; i++) q[i]![j]! -= dot * q[i]![k]!;
        }
        let norm = 0;
        for (let i = 0; i < m; i++) norm += q[i]![j]! ** 2;
        for (let i = 0; i < m; i++) q[i]![j]! /= Math.sqrt(norm);
      }
      return q;
    };
    const draw = (seed: number, m: number, n: number) => {
      const g = new Generator(seed);
      return Array.from({ length: m }, () => Array.from({ length: n }, () => g.normal()));
    };
    expectClose(new Orthogonal({ seed: 9 }).call([5, 3]), gramSchmidt(draw(9, 5, 3)), {
      atol: 1e-6,
    });
    // Wide: Keras draws the tall (6, 2) matrix and transposes its Q.
    const q = gramSchmidt(draw(10, 6, 2));
    const wide = [0, 1].map((r) => q.map((row) => row[r]!));
    expectClose(new Orthogonal({ seed: 10 }).call([2, 6]), wide, { atol: 1e-6 });
  });

  it('refuses shapes of rank < 2 and non-float dtypes', () => {
    expect(() => new Orthogonal().call([4])).toThrow(
      'Orthogonal: needs a shape of rank >= 2, got [4]',
    );
    expect(() => new Orthogonal().call([2, 2], 'int32')).toThrow(
      'Orthogonal: dtype must be float32 or float64, got int32',
    );
  });
});

describe('initializers: seeding', () => {
  const seeded: [string, (seed?: number) => Initializer][] = [
    ['RandomNormal', (seed) => new RandomNormal({ seed })],
    ['RandomUniform', (seed) => new RandomUniform({ seed })],
    ['TruncatedNormal', (seed) => new TruncatedNormal({ seed })],
    ['VarianceScaling', (seed) => new VarianceScaling({ seed })],
    ['GlorotUniform', (seed) => new GlorotUniform({ seed })],
    ['GlorotNormal', (seed) => new GlorotNormal({ seed })],
    ['HeUniform', (seed) => new HeUniform({ seed })],
    ['HeNormal', (seed) => new HeNormal({ seed })],
    ['LecunUniform', (seed) => new LecunUniform({ seed })],
    ['LecunNormal', (seed) => new LecunNormal({ seed })],
    ['Orthogonal', (seed) => new Orthogonal({ seed })],
  ];

  it.each(seeded)('%s with a seed returns the same values on every call (Keras 3)', (_n, make) => {
    const init = make(42);
    const a = init.call([4, 3]).dataSync();
    const b = init.call([4, 3]).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(make(42).call([4, 3]).dataSync())).toEqual(Array.from(a));
    expect(Array.from(make(43).call([4, 3]).dataSync())).not.toEqual(Array.from(a));
  });

  it.each(seeded)(
    '%s without a seed draws from the global generator: setSeed repeats it',
    (_n, make) => {
      const init = make();
      setSeed(123);
      const a = Array.from(init.call([4, 3]).dataSync());
      const b = Array.from(init.call([4, 3]).dataSync());
      expect(b).not.toEqual(a);
      setSeed(123);
      expect(Array.from(init.call([4, 3]).dataSync())).toEqual(a);
      expect(Array.from(make().call([4, 3]).dataSync())).toEqual(b);
    },
  );

  it('a seeded initializer leaves the global sequence alone', () => {
    setSeed(7);
    const a = Array.from(new RandomNormal().call([3]).dataSync());
    setSeed(7);
    new RandomNormal({ seed: 1 }).call([100]);
    expect(Array.from(new RandomNormal().call([3]).dataSync())).toEqual(a);
  });
});

describe('initializers: serialization', () => {
  const all: Initializer[] = [
    new Zeros(),
    new Ones(),
    new Constant({ value: -1.5 }),
    new Identity({ gain: 3 }),
    new RandomNormal({ mean: 1, stddev: 2, seed: 3 }),
    new RandomUniform({ minval: -2, maxval: 5, seed: 4 }),
    new TruncatedNormal({ mean: -1, stddev: 0.5 }),
    new VarianceScaling({ scale: 2.5, mode: 'fanAvg', distribution: 'uniform', seed: 5 }),
    new GlorotUniform({ seed: 6 }),
    new GlorotNormal(),
    new HeUniform({ seed: 7 }),
    new HeNormal({ seed: 8 }),
    new LecunUniform(),
    new LecunNormal({ seed: 9 }),
    new Orthogonal({ gain: 0.5, seed: 10 }),
  ];
  it.each(all.map((i) => [i.className, i] as const))(
    '%s: getConfig → JSON → fromConfig',
    (name, init) => {
      const json = JSON.stringify(serialize(init));
      const back = deserialize<Initializer>('initializer', JSON.parse(json) as SerializedObject);
      expect(back.constructor).toBe(init.constructor);
      expect(back.className).toBe(name);
      expect(back.getConfig()).toEqual(init.getConfig());
      const seed = (init.getConfig().seed ?? null) as number | null;
      if (seed !== null || !('seed' in init.getConfig())) {
        expect(Array.from(back.call([3, 3]).dataSync())).toEqual(
          Array.from(init.call([3, 3]).dataSync()),
        );
      }
    },
  );

  it('writes Keras-shaped configs with camelCase values', () => {
    expect(serialize(new GlorotUniform())).toEqual({
      className: 'GlorotUniform',
      config: { seed: null },
    });
    expect(new VarianceScaling().getConfig()).toEqual({
      seed: null,
      scale: 1,
      mode: 'fanIn',
      distribution: 'truncatedNormal',
    });
    expect(new RandomNormal().getConfig()).toEqual({ seed: null, mean: 0, stddev: 0.05 });
    expect(new RandomUniform().getConfig()).toEqual({ seed: null, minval: -0.05, maxval: 0.05 });
    expect(new Orthogonal().getConfig()).toEqual({ seed: null, gain: 1 });
  });

  it('reads Keras snake_case values and Keras class-name aliases', () => {
    const vs = VarianceScaling.fromConfig({
      scale: 2,
      mode: 'fan_out',
      distribution: 'truncated_normal',
      seed: null,
    });
    expect(vs.mode).toBe('fanOut');
    expect(vs.distribution).toBe('truncatedNormal');
    expect(new VarianceScaling({ distribution: 'normal' }).distribution).toBe('truncatedNormal');
    expect(new VarianceScaling({ distribution: 'untruncated_normal' }).distribution).toBe(
      'untruncatedNormal',
    );
    const o = deserialize<Initializer>('initializer', {
      className: 'OrthogonalInitializer',
      config: { gain: 2, seed: null },
    });
    expect(o).toBeInstanceOf(Orthogonal);
    expect((o as Orthogonal).gain).toBe(2);
    expect(
      deserialize('initializer', { className: 'IdentityInitializer', config: {} }),
    ).toBeInstanceOf(Identity);
  });
});

describe('initializers: getInitializer', () => {
  const ids: [InitializerId, new () => Initializer][] = [
    ['zeros', Zeros],
    ['ones', Ones],
    ['constant', Constant],
    ['identity', Identity],
    ['randomNormal', RandomNormal],
    ['randomUniform', RandomUniform],
    ['truncatedNormal', TruncatedNormal],
    ['varianceScaling', VarianceScaling],
    ['glorotUniform', GlorotUniform],
    ['glorotNormal', GlorotNormal],
    ['heUniform', HeUniform],
    ['heNormal', HeNormal],
    ['lecunUniform', LecunUniform],
    ['lecunNormal', LecunNormal],
    ['orthogonal', Orthogonal],
  ];
  it.each(ids)('%s builds the class with defaults', (id, cls) => {
    const init = getInitializer(id);
    expect(init.constructor).toBe(cls);
    expect(getInitializer(init)).toBe(init);
  });

  it('accepts Keras snake_case names, Keras short aliases and class names', () => {
    expect(getInitializer('glorot_uniform')).toBeInstanceOf(GlorotUniform);
    expect(getInitializer('he_normal')).toBeInstanceOf(HeNormal);
    expect(getInitializer('lecun_uniform')).toBeInstanceOf(LecunUniform);
    expect(getInitializer('random_normal')).toBeInstanceOf(RandomNormal);
    expect(getInitializer('variance_scaling')).toBeInstanceOf(VarianceScaling);
    expect(getInitializer('GlorotUniform' as InitializerId)).toBeInstanceOf(GlorotUniform);
    expect(getInitializer('uniform' as InitializerId)).toBeInstanceOf(RandomUniform);
    expect(getInitializer('zero' as InitializerId)).toBeInstanceOf(Zeros);
  });

  it('deserializes {className, config}', () => {
    const init = getInitializer({
      className: 'RandomNormal',
      config: { mean: 5, stddev: 0, seed: 1 },
    });
    expectClose(init.call([2]), [5, 5]);
  });

  it('refuses unknown names and malformed identifiers', () => {
    expect(() => getInitializer('glorot' as InitializerId)).toThrow(
      /^getInitializer: unknown initializer 'glorot'; valid: zeros, ones, constant/,
    );
    expect(() => getInitializer('toString' as InitializerId)).toThrow(ValueError);
    expect(() => getInitializer({ className: 'Nope', config: {} })).toThrow(
      /unknown initializer class 'Nope'/,
    );
    expect(() => getInitializer(3 as unknown as InitializerId)).toThrow(
      /getInitializer: expected .* got number 3/,
    );
    expect(() => getInitializer(null as unknown as InitializerId)).toThrow(/got null/);
  });
});

describe('initializers: argument errors', () => {
  it('names the class and the bad value', () => {
    expect(() => new VarianceScaling({ scale: 0 })).toThrow(
      'VarianceScaling: scale must be positive, got 0',
    );
    expect(() => new VarianceScaling({ mode: 'fan' as 'fanIn' })).toThrow(
      "VarianceScaling: unknown mode 'fan'; valid: fanIn, fanOut, fanAvg",
    );
    expect(() => new VarianceScaling({ distribution: 'gauss' as 'uniform' })).toThrow(
      /VarianceScaling: unknown distribution 'gauss'/,
    );
    expect(() => new RandomNormal({ seed: 1.5 })).toThrow(
      'RandomNormal: seed must be an integer, got 1.5',
    );
    expect(() => new GlorotUniform({ seed: Number.NaN })).toThrow(
      /GlorotUniform: seed must be an integer/,
    );
    expect(() => new RandomNormal({ stddev: -1 })).toThrow(
      'RandomNormal: stddev must be >= 0, got -1',
    );
    expect(() => new RandomUniform({ minval: 1, maxval: 0 })).toThrow(
      'RandomUniform: need minval <= maxval, got 1, 0',
    );
    expect(() => new Constant({ value: Number.NaN })).toThrow(
      'Constant: value must be a finite number, got NaN',
    );
    expect(() => new RandomNormal().call([2], 'int32')).toThrow(
      'RandomNormal: dtype must be float32 or float64, got int32',
    );
    expect(() => new HeNormal().call([2, -1])).toThrow(ShapeError);
    expect(() => new HeNormal().call([2, -1])).toThrow(/^HeNormal: shape \[2, -1\]/);
  });
});
