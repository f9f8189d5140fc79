import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { NumpyRandomState } from './numpy_random.js';

// Made by test/fixtures/numpy_random/make_numpy_random.py from numpy itself.
interface SeedGolden {
  key_head: number[];
  uint32: number[];
  tail_start: number;
  tail: number[];
  tail_pos: number;
  interval: Record<string, number[]>;
  random_sample: number[];
  permutation?: Record<string, number[]>;
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/numpy_random/golden.json', import.meta.url), 'utf8'),
) as { numpy: string; seeds: Record<string, SeedGolden> };
const SEEDS = Object.keys(golden.seeds);
const BOSTON = '/work/shared/datasets/boston_housing/keras_split_seed113.json';

describe(`NumpyRandomState against numpy ${golden.numpy}`, () => {
  it('covers the seeds the brief names', () => {
    expect(SEEDS.map(Number).sort((a, b) => a - b)).toEqual([0, 1, 113, 2 ** 32 - 1]);
  });

  for (const seed of SEEDS) {
    const g = golden.seeds[seed]!;

    it(`seed ${seed}: init_genrand key and the raw uint32 stream`, () => {
      const rs = new NumpyRandomState(Number(seed));
      const st = rs.getState();
      expect(st.pos).toBe(624);
      expect([...st.key.subarray(0, g.key_head.length)]).toEqual(g.key_head);
      expect(Array.from({ length: g.uint32.length }, () => rs.randomUint32())).toEqual(g.uint32);
    });

    it(`seed ${seed}: the stream across the second twist, and the key position after`, () => {
      const rs = new NumpyRandomState(Number(seed));
      for (let i = 0; i < g.tail_start; i++) rs.randomUint32();
      expect(g.tail.map(() => rs.randomUint32())).toEqual(g.tail);
      expect(rs.getState().pos).toBe(g.tail_pos);
    });

    it(`seed ${seed}: randomInterval matches randint(0, max + 1)`, () => {
      for (const [max, want] of Object.entries(g.interval)) {
        const rs = new NumpyRandomState(Number(seed));
        const got = want.map(() => rs.randomInterval(Number(max)));
        expect(got, `max ${max}`).toEqual(want);
      }
    });

    it(`seed ${seed}: randomSample matches random_sample`, () => {
      const rs = new NumpyRandomState(Number(seed));
      // Exact: both sides are the same 53-bit double.
      expect(g.random_sample.map(() => rs.randomSample())).toEqual(g.random_sample);
    });

    if (g.permutation) {
      it(`seed ${seed}: shuffle(arange(n)) and permutation(n)`, () => {
        for (const [n, want] of Object.entries(g.permutation!)) {
          expect([...new NumpyRandomState(Number(seed)).permutation(Number(n))], `n ${n}`).toEqual(
            want,
          );
          const plain = Array.from({ length: Number(n) }, (_, i) => i);
          new NumpyRandomState(Number(seed)).shuffle(plain);
          expect(plain, `n ${n}`).toEqual(want);
        }
      });
    }
  }

  it('shuffles typed arrays and arrays of objects alike', () => {
    const want = golden.seeds['0']!.permutation!['10']!;
    const f = new Float64Array(10).map((_, i) => i * 0.5);
    new NumpyRandomState(0).shuffle(f);
    expect([...f]).toEqual(want.map((i) => i * 0.5));
    const objs = Array.from({ length: 10 }, (_, i) => ({ i }));
    new NumpyRandomState(0).shuffle(objs);
    expect(objs.map((o) => o.i)).toEqual(want);
    const big = new BigInt64Array(10).map((_, i) => BigInt(i));
    new NumpyRandomState(0).shuffle(big);
    expect([...big].map(Number)).toEqual(want);
  });
});

describe('NumpyRandomState: Keras boston_housing split', () => {
  it.skipIf(!existsSync(BOSTON))(
    'RandomState(113).shuffle(arange(506)) gives train then test',
    () => {
      const split = JSON.parse(readFileSync(BOSTON, 'utf8')) as {
        seed: number;
        train: number[];
        test: number[];
      };
      expect(split.seed).toBe(113);
      const perm = new NumpyRandomState(113).permutation(506);
      expect(split.train).toHaveLength(404);
      expect(split.test).toHaveLength(102);
      expect([...perm.subarray(0, 404)]).toEqual(split.train);
      expect([...perm.subarray(404)]).toEqual(split.test);
    },
  );
});

describe('NumpyRandomState: argument checks', () => {
  it('accepts the full 32-bit seed range', () => {
    expect(() => new NumpyRandomState(0)).not.toThrow();
    expect(() => new NumpyRandomState(2 ** 32 - 1)).not.toThrow();
  });

  it('refuses other seeds with a ValueError naming the constructor', () => {
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null]) {
      let err: unknown;
      try {
        new NumpyRandomState(bad as number);
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toBeInstanceOf(ValueError);
      expect((err as Error).message).toMatch(/^NumpyRandomState: seed must be an integer/);
    }
  });

  it('refuses bad randomInterval and permutation arguments', () => {
    const rs = new NumpyRandomState(1);
    for (const bad of [-1, 0.5, 2 ** 53, Number.NaN]) {
      expect(() => rs.randomInterval(bad)).toThrow(ValueError);
      expect(() => rs.randomInterval(bad)).toThrow(/NumpyRandomState.randomInterval/);
    }
    expect(() => rs.permutation(-1)).toThrow(/NumpyRandomState.permutation/);
    expect(() => rs.permutation(2.5)).toThrow(ValueError);
    expect(rs.permutation(0)).toEqual(new Int32Array(0));
  });

  it('randomInterval(0) consumes no draw', () => {
    const a = new NumpyRandomState(7);
    a.randomInterval(0);
    expect(a.randomUint32()).toBe(new NumpyRandomState(7).randomUint32());
  });
});
