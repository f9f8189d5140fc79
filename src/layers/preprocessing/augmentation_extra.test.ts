/**
 * The augmentation layers of augmentation_extra.ts / augmentation_extra2.ts against real Keras 3
 * (golden JSON from scripts/augmentation_extra_golden.py, with pinned factors), and properties
 * of the random ones: identity at inference, seeds, shapes, value ranges, the invariants of
 * RandomErasing / MixUp / CutMix, config round trips and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { tensor } from '../../ops/creation.js';
import type { Generator } from '../../ops/random.js';
import { randomUniform } from '../../ops/random.js';
import { type Config, deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Layer } from '../layer.js';
import {
  AutoContrast,
  CutMix,
  Equalization,
  MixUp,
  RandomColorDegeneration,
  RandomColorJitter,
  RandomErasing,
  RandomGaussianBlur,
  RandomGrayscale,
  RandomHue,
  RandomInvert,
  RandomPerspective,
  RandomPosterization,
  RandomSaturation,
  RandomSharpness,
  RandomShear,
  Solarization,
} from './augmentation_extra.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  layer: string;
  args: Record<string, unknown>;
  input: string;
  training: boolean;
  outputs: Arr[];
  offsets?: Arr;
  levels?: number[];
  config: Record<string, unknown>;
}
const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/augmentation_extra_golden.json', import.meta.url),
    'utf8',
  ),
) as { inputs: Record<string, Arr>; cases: GoldenCase[] };
const goldenInput = (name: string): Tensor => {
  const i = golden.inputs[name]!;
  return tensor(i.data, i.shape);
};

type AnyLayerClass = { new (args: never): Layer; className: string; fromConfig(c: Config): Layer };
const CLASSES: Record<string, AnyLayerClass> = {
  AutoContrast,
  CutMix,
  Equalization,
  MixUp,
  RandomColorDegeneration,
  RandomColorJitter,
  RandomErasing,
  RandomGaussianBlur,
  RandomGrayscale,
  RandomHue,
  RandomInvert,
  RandomPerspective,
  RandomPosterization,
  RandomSaturation,
  RandomSharpness,
  RandomShear,
  Solarization,
};

/** RandomPerspective drawing fixed corner offsets (always warping). */
class FixedPerspective extends RandomPerspective {
  offsets: number[] = [];
  protected override drawTransform(_g: Generator, n: number, o: Float64Array): void {
    for (let i = 0; i < n; i++) o.set([1, ...this.offsets.slice(8 * i, 8 * i + 8)], 9 * i);
  }
}

/** Solarization drawing fixed (addition, threshold) levels on the 0–255 scale. */
class FixedSolarization extends Solarization {
  levels: [number, number] = [0, 0];
  protected override drawLevels(_g: Generator, n: number, o: Float64Array): void {
    for (let i = 0; i < n; i++) o.set(this.levels, 2 * i);
  }
}

const imagesOf = (y: Tensor): number[][] => {
  const n = y.shape[0]!;
  const v = Array.from(y.dataSync());
  const k = v.length / n;
  return Array.from({ length: n }, (_, i) => v.slice(i * k, (i + 1) * k));
};
const close = (a: number[], b: number[], tol = 1e-3) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol + 1e-5 * Math.abs(b[i]!));

describe('augmentation layers match Keras 3 (golden)', () => {
  for (const c of golden.cases) {
    it(`${c.name}: ${c.layer}(${JSON.stringify(c.args)})${c.training ? ' training' : ''}`, () => {
      const x = goldenInput(c.input);
      let layer: Layer;
      if (c.levels) {
        const s = new FixedSolarization(c.args as never);
        s.levels = c.levels as [number, number];
        layer = s;
      } else if (c.offsets) {
        const p = new FixedPerspective(c.args as never);
        p.offsets = c.offsets.data;
        layer = p;
      } else layer = new CLASSES[c.layer]!(c.args as never);
      const y = layer.apply(x, { training: c.training }) as Tensor;
      expect([...y.shape]).toEqual(c.outputs[0]!.shape);
      if (c.outputs.length === 1) {
        expectClose(y, c.outputs[0]!.data, { rtol: 1e-4, atol: 2e-3 });
        return;
      }
      // A random sign per image: each image must match one of Keras's two outputs.
      const got = imagesOf(y);
      const options = c.outputs.map((o) => imagesOf(tensor(o.data, o.shape)));
      got.forEach((img, i) => {
        expect(options.some((opt) => close(img, opt[i]!))).toBe(true);
      });
    });
  }

  it('config keys match Keras get_config (camelCase)', () => {
    const camel = (k: string) => k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    for (const c of golden.cases) {
      const ours = Object.keys(new CLASSES[c.layer]!(c.args as never).getConfig());
      for (const k of Object.keys(c.config)) expect(ours, `${c.layer}.${k}`).toContain(camel(k));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const rgb = (n = 4, h = 6, w = 7, seed = 5): Tensor =>
  randomUniform([n, h, w, 3], 0, 255, { seed });

const RANDOM_LAYERS: [string, () => Layer][] = [
  ['RandomGrayscale', () => new RandomGrayscale({ seed: 1 })],
  ['RandomInvert', () => new RandomInvert({ seed: 1 })],
  ['Solarization', () => new Solarization({ additionFactor: 0.2, thresholdFactor: 0.5, seed: 1 })],
  ['RandomPosterization', () => new RandomPosterization({ factor: [2, 6], seed: 1 })],
  ['RandomHue', () => new RandomHue({ factor: 0.5, seed: 1 })],
  ['RandomSaturation', () => new RandomSaturation({ factor: [0.2, 0.8], seed: 1 })],
  ['RandomColorDegeneration', () => new RandomColorDegeneration({ factor: 0.7, seed: 1 })],
  ['RandomSharpness', () => new RandomSharpness({ factor: 1, seed: 1 })],
  ['RandomGaussianBlur', () => new RandomGaussianBlur({ seed: 1 })],
  ['RandomErasing', () => new RandomErasing({ seed: 1 })],
  ['RandomShear', () => new RandomShear({ xFactor: 0.3, yFactor: 0.3, seed: 1 })],
  ['RandomPerspective', () => new RandomPerspective({ scale: 0.5, seed: 1 })],
  [
    'RandomColorJitter',
    () =>
      new RandomColorJitter({
        brightnessFactor: 0.2,
        contrastFactor: 0.3,
        saturationFactor: [0.3, 0.7],
        hueFactor: 0.2,
        seed: 1,
      }),
  ],
  ['Equalization', () => new Equalization()],
  ['MixUp', () => new MixUp({ seed: 1 })],
  ['CutMix', () => new CutMix({ seed: 1 })],
];

describe('random augmentation layers', () => {
  for (const [name, make] of RANDOM_LAYERS) {
    it(`${name}: identity at inference, shape and dtype kept, same seed → same output`, () => {
      const x = rgb();
      expectClose(make().apply(x) as Tensor, x);
      expectClose(make().apply(x, { training: false }) as Tensor, x);
      const a = make().apply(x, { training: true }) as Tensor;
      const b = make().apply(x, { training: true }) as Tensor;
      expect([...a.shape]).toEqual([...x.shape]);
      expect(a.dtype).toBe('float32');
      expectClose(a, b);
      const one = make().apply(x.slice([0, 0, 0, 0], [1, 6, 7, 3]).squeeze(0), {
        training: true,
      }) as Tensor;
      expect([...one.shape]).toEqual([6, 7, 3]);
    });

    it(`${name}: config round trip`, () => {
      const layer = make();
      const cfg = layer.getConfig();
      const back = deserialize('layer', {
        className: (layer.constructor as AnyLayerClass).className,
        config: cfg,
      }) as Layer;
      expect(back.getConfig()).toEqual(cfg);
    });
  }

  it('a layer transforms in training (the seeds draw something)', () => {
    const x = rgb();
    for (const [name, make] of RANDOM_LAYERS) {
      // Probability draws may keep a small batch.
      if (['RandomGrayscale', 'RandomInvert', 'RandomGaussianBlur', 'RandomErasing'].includes(name))
        continue;
      const y = make().apply(x, { training: true }) as Tensor;
      const diff = Array.from(y.sub(x).abs().max().dataSync())[0]!;
      expect(diff, name).toBeGreaterThan(1e-3);
    }
  });

  it('colour layers stay inside valueRange', () => {
    const x = rgb(6);
    const layers = [
      new Solarization({ additionFactor: 0.5, thresholdFactor: 0.5, seed: 2 }),
      new RandomSharpness({ factor: 1, seed: 2 }),
      new RandomColorDegeneration({ factor: 1, seed: 2 }),
      new RandomHue({ factor: 1, seed: 2 }),
      new RandomPosterization({ factor: [1, 8], seed: 2 }),
      new RandomGaussianBlur({ seed: 2 }),
      new RandomErasing({ factor: [1, 1], seed: 2 }),
      new AutoContrast(),
      new Equalization(),
    ];
    for (const l of layers) {
      const v = Array.from((l.apply(x, { training: true }) as Tensor).dataSync());
      expect(Math.min(...v), l.className).toBeGreaterThanOrEqual(-1e-3);
      expect(Math.max(...v), l.className).toBeLessThanOrEqual(255 + 1e-3);
    }
  });

  it('AutoContrast applies at inference too and spans the range', () => {
    const x = rgb(2).mul(0.5).add(20);
    const y = new AutoContrast().apply(x) as Tensor;
    expectClose(y.min([1, 2]), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expectClose(y.max([1, 2]), [
      [255, 255, 255],
      [255, 255, 255],
    ]);
  });

  it('RandomGrayscale factor 0 keeps images; factor 1 gives equal channels', () => {
    const x = rgb();
    expectClose(new RandomGrayscale({ factor: 0 }).apply(x, { training: true }) as Tensor, x);
    const y = new RandomGrayscale({ factor: 1 }).apply(x, { training: true }) as Tensor;
    const [n, h, w] = [4, 6, 7];
    const ch = (k: number) => y.slice([0, 0, 0, k], [n, h, w, 1]);
    expectClose(ch(0), ch(1));
    expectClose(ch(1), ch(2));
  });

  it('RandomErasing changes only one rectangle per image, to the fill value', () => {
    const x = rgb(5, 9, 11);
    const y = new RandomErasing({
      factor: [1, 1],
      scale: [0.1, 0.4],
      fillValue: 300,
      seed: 4,
    }).apply(x, { training: true }) as Tensor;
    const xs = x.arraySync() as number[][][][];
    const ys = y.arraySync() as number[][][][];
    for (let b = 0; b < 5; b++) {
      const rows: number[] = [];
      const cols: number[] = [];
      let changed = 0;
      for (let i = 0; i < 9; i++)
        for (let j = 0; j < 11; j++) {
          const diff = ys[b]![i]![j]!.some((v, k) => v !== xs[b]![i]![j]![k]);
          if (!diff) continue;
          changed++;
          rows.push(i);
          cols.push(j);
          // Clipped to the value range.
          expect(ys[b]![i]![j]).toEqual([255, 255, 255]);
        }
      expect(changed).toBeGreaterThan(0);
      const hgt = Math.max(...rows) - Math.min(...rows) + 1;
      const wid = Math.max(...cols) - Math.min(...cols) + 1;
      expect(changed).toBe(hgt * wid);
    }
  });

  it('RandomErasing with factor 0 erases nothing', () => {
    const x = rgb();
    expectClose(
      new RandomErasing({ factor: 0, seed: 3 }).apply(x, { training: true }) as Tensor,
      x,
    );
  });

  it('RandomShear / RandomPerspective with zero strength are the identity', () => {
    const x = rgb();
    expectClose(new RandomShear({ seed: 1 }).apply(x, { training: true }) as Tensor, x, {
      atol: 1e-3,
    });
    expectClose(
      new RandomPerspective({ scale: 0, seed: 1 }).apply(x, { training: true }) as Tensor,
      x,
      { atol: 1e-3 },
    );
  });

  it('MixUp: convex combinations of two batch members, labels mixed alike', () => {
    const n = 6;
    const x = rgb(n, 3, 4);
    const labels = tensor(
      Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, k) => (i === k ? 1 : 0))),
    );
    const [y, l] = new MixUp({ alpha: 0.5, seed: 7 }).applyMulti([x, labels], {
      training: true,
    }) as Tensor[];
    const xs = imagesOf(x);
    const ys = imagesOf(y!);
    const ls = l!.arraySync() as number[][];
    for (let b = 0; b < n; b++) {
      // The label row says which images mixed and with which weights.
      expect(ls[b]!.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
      const mix = xs[0]!.map((_, k) => ls[b]!.reduce((a, w, j) => a + w * xs[j]![k]!, 0));
      expect(close(ys[b]!, mix, 1e-2)).toBe(true);
      expect(ls[b]!.filter((v) => v > 1e-6).length).toBeLessThanOrEqual(2);
      expect(ls[b]![b]).toBeGreaterThan(0);
    }
  });

  it('CutMix: pastes one rectangle of another image; labels mixed by area', () => {
    const n = 5;
    const x = rgb(n, 8, 10);
    const labels = tensor(
      Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, k) => (i === k ? 1 : 0))),
    );
    const [y, l] = new CutMix({ seed: 3 }).applyMulti([x, labels], { training: true }) as Tensor[];
    const xs = x.arraySync() as number[][][][];
    const ys = y!.arraySync() as number[][][][];
    const ls = l!.arraySync() as number[][];
    for (let b = 0; b < n; b++) {
      expect(ls[b]!.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
      const others = ls[b]!.map((v, j) => [v, j] as const).filter(([v, j]) => j !== b && v > 0);
      let changed = 0;
      for (let i = 0; i < 8; i++)
        for (let j = 0; j < 10; j++) {
          const px = ys[b]![i]![j]!;
          if (px.every((v, k) => v === xs[b]![i]![j]![k])) continue;
          changed++;
          // A changed pixel comes from the partner image at the same place.
          expect(others.length).toBe(1);
          expect(px).toEqual(xs[others[0]![1]]![i]![j]);
        }
      if (others.length === 1) {
        // Label weight of the partner ≈ pasted area (the box edges are fractional).
        expect(Math.abs(others[0]![0] - changed / 80)).toBeLessThan(0.3);
      }
    }
  });

  it('MixUp / CutMix accept images alone and report shapes', () => {
    const x = rgb(3);
    const m = new MixUp({ seed: 1 });
    expect([...(m.apply(x, { training: true }) as Tensor).shape]).toEqual([3, 6, 7, 3]);
    expect(
      m.computeOutputShape([
        [null, 6, 7, 3],
        [null, 10],
      ] as never),
    ).toEqual([
      [null, 6, 7, 3],
      [null, 10],
    ]);
    const c = new CutMix({ seed: 1 });
    expect([...(c.apply(x, { training: true }) as Tensor).shape]).toEqual([3, 6, 7, 3]);
  });

  it('channelsFirst gives the channelsLast result transposed', () => {
    const x = rgb(3);
    const cf = x.transpose([0, 3, 1, 2]);
    for (const [make, makeCf] of [
      [
        () => new RandomHue({ factor: 0.4, seed: 9 }),
        () => new RandomHue({ factor: 0.4, seed: 9, dataFormat: 'channelsFirst' }),
      ],
      [
        () => new RandomErasing({ seed: 9, fillValue: 0 }),
        () => new RandomErasing({ seed: 9, fillValue: 0, dataFormat: 'channelsFirst' }),
      ],
      [() => new AutoContrast(), () => new AutoContrast({ dataFormat: 'channelsFirst' })],
    ] as [() => Layer, () => Layer][]) {
      const a = make().apply(x, { training: true }) as Tensor;
      const b = makeCf().apply(cf, { training: true }) as Tensor;
      expectClose(b.transpose([0, 2, 3, 1]), a, { atol: 1e-3 });
    }
  });
});

describe('argument errors name the layer', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new RandomGrayscale({ factor: 2 }), /RandomGrayscale.*factor/],
    [() => new RandomInvert({ factor: [2, 3] }), /RandomInvert.*factor/],
    [() => new Solarization({ additionFactor: 1.5 }), /Solarization.*additionFactor/],
    [() => new Solarization({ valueRange: [0] }), /Solarization.*valueRange/],
    [() => new RandomPosterization({ factor: 9 }), /RandomPosterization.*factor/],
    [() => new RandomPosterization({ factor: 2.5 }), /RandomPosterization.*factor/],
    [() => new RandomHue({ factor: -0.5 }), /RandomHue.*factor/],
    [() => new RandomSaturation({ factor: 'x' as never }), /RandomSaturation.*factor/],
    [() => new RandomSharpness({ factor: [2, 3] }), /RandomSharpness.*factor/],
    [() => new RandomGaussianBlur({ kernelSize: 4 }), /RandomGaussianBlur.*kernelSize/],
    [() => new RandomGaussianBlur({ sigma: 2 }), /RandomGaussianBlur.*sigma/],
    [() => new RandomErasing({ fillValue: [1, 2] }), /RandomErasing.*fillValue/],
    [() => new RandomShear({ xFactor: 1.5 }), /RandomShear.*xFactor/],
    [() => new RandomShear({ fillMode: 'mirror' as never }), /RandomShear.*fillMode/],
    [() => new RandomPerspective({ scale: 2 }), /RandomPerspective.*scale/],
    [() => new MixUp({ alpha: 0 }), /MixUp.*alpha/],
    [() => new CutMix({ factor: 5 }), /CutMix.*factor/],
    [() => new Equalization({ bins: 0 }), /Equalization.*bins/],
    [() => new RandomColorJitter({ brightnessFactor: 5 }), /RandomColorJitter.*factor/],
    [() => new AutoContrast({ valueRange: 'a' as never }), /AutoContrast.*valueRange/],
  ];
  for (const [make, re] of cases) {
    it(String(re), () => {
      expect(make).toThrow(re);
    });
  }

  it('RGB-only layers refuse other channel counts', () => {
    const x = randomUniform([1, 3, 3, 2], 0, 255, { seed: 1 });
    expect(() => new RandomHue({ factor: 0.1 }).apply(x, { training: true })).toThrow(/RandomHue/);
    expect(() => new RandomColorDegeneration({ factor: 0.1 }).apply(x, { training: true })).toThrow(
      /RandomColorDegeneration/,
    );
  });
});
