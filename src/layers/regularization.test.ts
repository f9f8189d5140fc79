import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ValueError } from '../errors.js';
import { ones, tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  GaussianDropout,
  GaussianNoise,
  SpatialDropout1D,
  SpatialDropout2D,
  SpatialDropout3D,
} from './regularization.js';

/** Values of `y` grouped by (sample, channel) for a channels axis `c`. */
function byChannel(y: Tensor, c: number): Map<string, number[]> {
  const v = Array.from(y.dataSync());
  const shape = y.shape;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const groups = new Map<string, number[]>();
  v.forEach((val, flat) => {
    const b = Math.floor(flat / strides[0]!) % shape[0]!;
    const ch = Math.floor(flat / strides[c]!) % shape[c]!;
    const key = `${b},${ch}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(val);
  });
  return groups;
}

describe('SpatialDropout1D/2D/3D', () => {
  it('pass the layer harness in inference and training mode', () => {
    for (const training of [false, true]) {
      runLayerTest({
        cls: SpatialDropout1D,
        args: { rate: 0.5 },
        inputShape: [2, 3, 4],
        expectedOutputShape: [2, 3, 4],
        expectedNumWeights: 0,
        callOptions: { training },
      });
      runLayerTest({
        cls: SpatialDropout2D,
        args: { rate: 0.3 },
        inputShape: [2, 3, 2, 4],
        expectedOutputShape: [2, 3, 2, 4],
        callOptions: { training },
      });
      runLayerTest({
        cls: SpatialDropout3D,
        args: { rate: 0.3, dataFormat: 'channelsFirst' },
        inputShape: [2, 3, 2, 2, 2],
        expectedOutputShape: [2, 3, 2, 2, 2],
        callOptions: { training },
      });
    }
  });

  const cases = [
    ['SpatialDropout1D', () => new SpatialDropout1D({ rate: 0.5 }), [8, 5, 6], 2],
    ['SpatialDropout2D', () => new SpatialDropout2D({ rate: 0.5 }), [6, 3, 4, 5], 3],
    [
      'SpatialDropout2D channelsFirst',
      () => new SpatialDropout2D({ rate: 0.5, dataFormat: 'channels_first' }),
      [6, 5, 3, 4],
      1,
    ],
    ['SpatialDropout3D', () => new SpatialDropout3D({ rate: 0.5 }), [4, 2, 3, 2, 6], 4],
  ] as const;

  for (const [name, make, shape, c] of cases) {
    it(`${name} zeroes whole channels in training, scaling the rest by 1/(1 − rate)`, () => {
      setSeed(11);
      const y = make().apply(ones([...shape]), { training: true });
      const groups = byChannel(y, c);
      let dropped = 0;
      for (const vals of groups.values()) {
        const first = vals[0]!;
        expect(first === 0 || first === 2, `value ${first}`).toBe(true);
        expect(vals.every((v) => v === first)).toBe(true);
        if (first === 0) dropped++;
      }
      // Some channels dropped, some kept.
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBeLessThan(groups.size);
      // Identity at inference.
      expectClose(make().apply(ones([...shape])), ones([...shape]), { rtol: 0, atol: 0 });
    });
  }

  it('check the input rank and options, naming the layer', () => {
    expect(() => new SpatialDropout1D({ rate: 0.1, name: 'sd' }).apply(ones([2, 3]))).toThrow(
      /sd \(SpatialDropout1D\): expected rank 3/,
    );
    expect(() => new SpatialDropout2D({ rate: 1 })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => new SpatialDropout2D({ rate: 0.1, dataFormat: 'nchw' as never })).toThrow(
      ValueError,
    );
  });

  it('a seed repeats the same channels from construction', () => {
    const x = ones([4, 3, 8]);
    const a = new SpatialDropout1D({ rate: 0.5, seed: 7 }).apply(x, { training: true });
    setSeed(99);
    const b = new SpatialDropout1D({ rate: 0.5, seed: 7 }).apply(x, { training: true });
    expectClose(a, b, { rtol: 0, atol: 0 });
  });

  it('config round trip', () => {
    const l = new SpatialDropout2D({ rate: 0.25, dataFormat: 'channels_first', seed: 3 });
    const c = l.getConfig();
    expect(c).toMatchObject({ rate: 0.25, dataFormat: 'channelsFirst', seed: 3 });
    expect(SpatialDropout2D.fromConfig(JSON.parse(JSON.stringify(c))).getConfig()).toEqual(c);
    const c1 = new SpatialDropout1D({ rate: 0.5 }).getConfig();
    expect(c1).toMatchObject({ rate: 0.5, seed: null });
    expect(c1.dataFormat).toBeUndefined();
  });
});

describe('GaussianNoise', () => {
  it('passes the layer harness in inference and training mode', () => {
    for (const training of [false, true]) {
      runLayerTest({
        cls: GaussianNoise,
        args: { stddev: 0.2 },
        inputShape: [3, 4],
        expectedOutputShape: [3, 4],
        expectedNumWeights: 0,
        callOptions: { training },
      });
    }
  });

  it('adds N(0, stddev²) noise in training only', () => {
    setSeed(3);
    const x = tensor([[5]]).broadcastTo([200, 100]);
    const y = new GaussianNoise({ stddev: 0.5 }).apply(x, { training: true });
    const n = y.sub(5);
    expect(Math.abs(n.mean().item())).toBeLessThan(0.02);
    expect(Math.abs(n.std().item() - 0.5)).toBeLessThan(0.02);
    expectClose(new GaussianNoise({ stddev: 0.5 }).apply(x), x, { rtol: 0, atol: 0 });
  });

  it('checks stddev in [0, 1] (Keras 3)', () => {
    expect(() => new GaussianNoise({ stddev: 1.5, name: 'gn' })).toThrow(
      /gn \(GaussianNoise\): stddev must be a number in \[0, 1\]/,
    );
    expect(() => new GaussianNoise({ stddev: 1 })).not.toThrow();
  });

  it('config round trip', () => {
    const c = new GaussianNoise({ stddev: 0.1, seed: 4 }).getConfig();
    expect(c).toMatchObject({ stddev: 0.1, seed: 4 });
    expect(GaussianNoise.fromConfig(JSON.parse(JSON.stringify(c))).getConfig()).toEqual(c);
  });
});

describe('GaussianDropout', () => {
  it('passes the layer harness in inference and training mode', () => {
    for (const training of [false, true]) {
      runLayerTest({
        cls: GaussianDropout,
        args: { rate: 0.3 },
        inputShape: [3, 4],
        expectedOutputShape: [3, 4],
        expectedNumWeights: 0,
        callOptions: { training },
      });
    }
  });

  it('multiplies by N(1, rate / (1 − rate)) noise in training only', () => {
    setSeed(4);
    const x = ones([200, 100]);
    const y = new GaussianDropout({ rate: 0.2 }).apply(x, { training: true });
    expect(Math.abs(y.mean().item() - 1)).toBeLessThan(0.02);
    expect(Math.abs(y.std().item() - Math.sqrt(0.2 / 0.8))).toBeLessThan(0.02);
    expectClose(new GaussianDropout({ rate: 0.2 }).apply(x), x, { rtol: 0, atol: 0 });
  });

  it('checks rate, and config round trip', () => {
    expect(() => new GaussianDropout({ rate: -0.1 })).toThrow(ValueError);
    expect(() => new GaussianDropout({ rate: 1 })).toThrow(ValueError);
    const c = new GaussianDropout({ rate: 0.4 }).getConfig();
    expect(c).toMatchObject({ rate: 0.4, seed: null });
    expect(GaussianDropout.fromConfig(JSON.parse(JSON.stringify(c))).getConfig()).toEqual(c);
  });

  it('support masking', () => {
    expect(new GaussianDropout({ rate: 0.1 }).supportsMasking).toBe(true);
    const m = tensor([true, false]);
    expect(new SpatialDropout1D({ rate: 0.1 }).computeMask(randomNormal([1, 2, 3]), m)).toBe(m);
  });
});
