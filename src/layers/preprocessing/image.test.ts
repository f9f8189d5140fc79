/**
 * The image preprocessing and augmentation layers against real Keras 3 (golden JSON from
 * scripts/image_preprocessing_golden.py), properties of the random layers, the Keras-style
 * layer harness, config round trips, compiled steps and bad input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { grad } from '../../autograd/grad.js';
import { CompiledStep } from '../../engine/step.js';
import { Sequential } from '../../models/sequential.js';
import { tensor } from '../../ops/creation.js';
import { randomUniform, setSeed } from '../../ops/random.js';
import { type Config, deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import {
  RandomBrightness,
  RandomContrast,
  RandomCrop,
  RandomFlip,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
} from './augmentation.js';
import { CenterCrop, Rescaling, Resizing } from './image.js';

interface GoldenCase {
  name: string;
  layer: string;
  args: Record<string, unknown>;
  input: string;
  training: boolean;
  shape: number[];
  output: number[];
}
const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/image_preprocessing_golden.json', import.meta.url),
    'utf8',
  ),
) as {
  inputs: Record<string, { shape: number[]; data: number[] }>;
  cases: GoldenCase[];
};
const goldenInput = (name: string): Tensor => {
  const i = golden.inputs[name]!;
  return tensor(i.data, i.shape);
};

type AnyLayerClass = { new (args: never): Layer; className: string; fromConfig(c: Config): Layer };
const CLASSES: Record<string, AnyLayerClass> = {
  Rescaling,
  Resizing,
  CenterCrop,
  RandomFlip,
  RandomCrop,
  RandomTranslation,
  RandomRotation,
  RandomZoom,
  RandomContrast,
  RandomBrightness,
};
const make = (cls: string, args: Record<string, unknown>): Layer =>
  new CLASSES[cls]!(args as never);

describe('image layers match Keras 3 (golden)', () => {
  for (const c of golden.cases) {
    it(`${c.name}: ${c.layer}(${JSON.stringify(c.args)})${c.training ? ' training' : ''}`, () => {
      const x = goldenInput(c.input);
      // smart_resize is what RandomCrop does at inference (Keras's documented behaviour).
      const layer =
        c.layer === 'smart_resize' ? new RandomCrop(c.args as never) : make(c.layer, c.args);
      const y = layer.apply(x, { training: c.training }) as Tensor;
      expect([...y.shape]).toEqual(c.shape);
      expectClose(y, c.output, { rtol: 1e-5, atol: 1e-4 });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Properties of the random layers

/** A batch of `n` images `[n, h, w, c]` of distinct values. */
const images = (n: number, h = 5, w = 6, c = 2, seed = 3): Tensor =>
  randomUniform([n, h, w, c], 0, 255, { seed });
const rows = (t: Tensor): number[][] => {
  const n = t.shape[0]!;
  const v = Array.from(t.dataSync());
  const k = v.length / n;
  return Array.from({ length: n }, (_, i) => v.slice(i * k, (i + 1) * k));
};
const nested = (x: Tensor) => x.arraySync() as number[][][][];
const reverseAxis = (x: number[][][][], axis: 1 | 2): number[][][][] =>
  x.map((img) => (axis === 1 ? [...img].reverse() : img.map((r) => [...r].reverse())));

describe('RandomFlip', () => {
  const x = images(16);
  const xs = nested(x);
  for (const mode of ['horizontal', 'vertical', 'horizontal_and_vertical'] as const) {
    it(`${mode}: every image is itself or its flip, both occur, seeded layers repeat`, () => {
      const flipped =
        mode === 'horizontal'
          ? reverseAxis(xs, 2)
          : mode === 'vertical'
            ? reverseAxis(xs, 1)
            : reverseAxis(reverseAxis(xs, 1), 2);
      const y = new RandomFlip({ mode, seed: 11 }).apply(x, { training: true }) as Tensor;
      const out = y.arraySync() as number[][][][];
      let nFlipped = 0;
      out.forEach((img, i) => {
        const same = JSON.stringify(img) === JSON.stringify(xs[i]);
        const flip = JSON.stringify(img) === JSON.stringify(flipped[i]);
        expect(same || flip, `image ${i}`).toBe(true);
        if (flip && !same) nFlipped++;
      });
      // 16 fair coins: all equal has probability 2⁻¹⁵; the seed makes this fixed anyway.
      expect(nFlipped).toBeGreaterThan(0);
      expect(nFlipped).toBeLessThan(16);
      const again = new RandomFlip({ mode, seed: 11 }).apply(x, { training: true }) as Tensor;
      expect(Array.from(again.dataSync())).toEqual(Array.from(y.dataSync()));
    });
  }

  it('is the identity unless training is true; a single image works', () => {
    const x3 = images(1).squeeze(0);
    const l = new RandomFlip({ seed: 1 });
    expect(Array.from((l.apply(x3) as Tensor).dataSync())).toEqual(Array.from(x3.dataSync()));
    expect(Array.from((l.apply(x3, { training: false }) as Tensor).dataSync())).toEqual(
      Array.from(x3.dataSync()),
    );
    expect((l.apply(x3, { training: true }) as Tensor).shape).toEqual([5, 6, 2]);
  });

  it('unseeded layers follow the global generator (setSeed repeats them)', () => {
    const l = new RandomFlip();
    setSeed(5);
    const a = Array.from((l.apply(x, { training: true }) as Tensor).dataSync());
    setSeed(5);
    const b = Array.from((l.apply(x, { training: true }) as Tensor).dataSync());
    expect(a).toEqual(b);
  });

  it('channelsFirst flips the width axis of [b, c, h, w]', () => {
    const cf = x.transpose([0, 3, 1, 2]);
    const y = new RandomFlip({ mode: 'horizontal', seed: 11, dataFormat: 'channels_first' }).apply(
      cf,
      { training: true },
    ) as Tensor;
    const ref = new RandomFlip({ mode: 'horizontal', seed: 11 }).apply(x, {
      training: true,
    }) as Tensor;
    expect(Array.from(y.transpose([0, 2, 3, 1]).dataSync())).toEqual(Array.from(ref.dataSync()));
  });
});

describe('RandomCrop', () => {
  it('training: one random window for the whole batch, inside the image; seeded repeats', () => {
    const x = images(3, 8, 9, 1);
    const xs = x.arraySync() as number[][][][];
    const seen = new Set<string>();
    const l = new RandomCrop({ height: 4, width: 5, seed: 2 });
    const l2 = new RandomCrop({ height: 4, width: 5, seed: 2 });
    for (let k = 0; k < 12; k++) {
      const y = l.apply(x, { training: true }) as Tensor;
      expect(y.shape).toEqual([3, 4, 5, 1]);
      expect(Array.from((l2.apply(x, { training: true }) as Tensor).dataSync())).toEqual(
        Array.from(y.dataSync()),
      );
      const out = y.arraySync() as number[][][][];
      // Find the window's corner from image 0, then every image must use the same.
      let corner: [number, number] | null = null;
      for (let t = 0; t <= 4 && !corner; t++)
        for (let s = 0; s <= 4 && !corner; s++)
          if (
            out[0]![0]![0]![0] === xs[0]![t]![s]![0] &&
            out[0]![3]![4]![0] === xs[0]![t + 3]![s + 4]![0]
          )
            corner = [t, s];
      expect(corner, 'a window of the input').not.toBeNull();
      const [t, s] = corner!;
      for (let b = 0; b < 3; b++)
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 5; j++) expect(out[b]![i]![j]![0]).toBe(xs[b]![t + i]![s + j]![0]);
      seen.add(`${t},${s}`);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('inference: smart_resize (central aspect window, resized); a symbolic model agrees', () => {
    const x = images(2, 6, 5, 1);
    const y = new RandomCrop({ height: 3, width: 4 }).apply(x) as Tensor;
    expect(y.shape).toEqual([2, 3, 4, 1]);
    const ref = new Resizing({ height: 3, width: 4, cropToAspectRatio: true }).apply(x) as Tensor;
    expectClose(y, ref);
    const inp = input({ shape: [6, 5, 1] });
    expect(new RandomCrop({ height: 3, width: 4 }).apply(inp).shape).toEqual([null, 3, 4, 1]);
  });
});

/** Each image of a batch of equal images is transformed by its own draw. */
function distinctOutputs(layer: Layer, n = 6): number {
  const one = images(1, 7, 8, 1);
  const x = one.broadcastTo([n, 7, 8, 1]);
  const y = layer.apply(x, { training: true }) as Tensor;
  return new Set(rows(y).map((r) => r.join(','))).size;
}

describe('random geometric and colour layers', () => {
  const factories: [string, (seed: number | null) => Layer][] = [
    [
      'RandomTranslation',
      (seed) => new RandomTranslation({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], seed }),
    ],
    ['RandomRotation', (seed) => new RandomRotation({ factor: 0.2, seed, fillMode: 'constant' })],
    ['RandomZoom', (seed) => new RandomZoom({ heightFactor: [-0.3, 0.3], seed })],
    ['RandomContrast', (seed) => new RandomContrast({ factor: [0.5, 0.5], seed })],
    ['RandomBrightness', (seed) => new RandomBrightness({ factor: 0.2, seed })],
  ];
  for (const [name, f] of factories) {
    it(`${name}: per-image draws, seeded layers repeat, inference is the identity`, () => {
      expect(distinctOutputs(f(4))).toBe(6);
      const x = images(4, 7, 8, 3);
      const a = f(9).apply(x, { training: true }) as Tensor;
      const b = f(9).apply(x, { training: true }) as Tensor;
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      const l = f(9);
      const first = Array.from((l.apply(x, { training: true }) as Tensor).dataSync());
      const second = Array.from((l.apply(x, { training: true }) as Tensor).dataSync());
      expect(second, 'a layer draws anew on each call').not.toEqual(first);
      expect(Array.from((l.apply(x) as Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from((l.apply(x, { training: false }) as Tensor).dataSync())).toEqual(
        Array.from(x.dataSync()),
      );
    });
  }

  it('RandomBrightness adds one delta per image within factor · range', () => {
    const x = randomUniform([8, 4, 4, 3], 100, 150, { seed: 1 });
    const y = new RandomBrightness({ factor: [-0.1, 0.2], seed: 3 }).apply(x, {
      training: true,
    }) as Tensor;
    const d = rows(y.sub(x));
    for (const r of d) {
      for (const v of r) expect(v).toBeCloseTo(r[0]!, 3);
      expect(r[0]!).toBeGreaterThanOrEqual(-0.1 * 255 - 1e-3);
      expect(r[0]!).toBeLessThanOrEqual(0.2 * 255 + 1e-3);
    }
  });

  it('RandomContrast scales deviations from the channel mean by one k per image in [1 − lower, 1 + upper]', () => {
    const x = randomUniform([6, 4, 5, 2], 100, 150, { seed: 2 });
    const y = new RandomContrast({ factor: [0.3, 0.3], seed: 4 }).apply(x, {
      training: true,
    }) as Tensor;
    const mean = x.mean([1, 2], true);
    const ratio = rows(y.sub(mean).div(x.sub(mean)));
    for (const r of ratio) {
      for (const v of r) expect(v).toBeCloseTo(r[0]!, 3);
      expect(r[0]!).toBeGreaterThanOrEqual(0.7 - 1e-5);
      expect(r[0]!).toBeLessThanOrEqual(1.3 + 1e-5);
    }
  });

  it('RandomContrast with a number only raises contrast (Keras 3.15 draws from [1, 1 + f])', () => {
    const l = new RandomContrast({ factor: 0.5, seed: 1 });
    expect(l.factor).toEqual([0, 0.5]);
  });

  it('RandomTranslation by whole pixels with nearest moves the image (wrap mode rolls it)', () => {
    // Height 5 · 0.4 = 2 rows down, width 6 · (−0.5) = 3 columns left, wrapped around.
    const x = images(1, 5, 6, 1);
    const y = new RandomTranslation({
      heightFactor: [0.4, 0.4],
      widthFactor: [-0.5, -0.5],
      fillMode: 'wrap',
      interpolation: 'nearest',
    }).apply(x, { training: true }) as Tensor;
    const xs = x.arraySync() as number[][][][];
    const out = y.arraySync() as number[][][][];
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 6; j++)
        expect(out[0]![i]![j]![0]).toBe(xs[0]![(i - 2 + 5) % 5]![(j + 3) % 6]![0]);
  });
});

// ---------------------------------------------------------------------------------------------
// The Keras-style harness: shapes, symbolic use, config round trip, gradients, compiled steps

describe('runLayerTest', () => {
  it('Rescaling', () => {
    runLayerTest({
      cls: Rescaling,
      args: { scale: 0.5, offset: 1 },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: Rescaling,
      args: { scale: [1, 2, 3], offset: [0, 1, 2] },
      inputShape: [2, 4, 3],
      expectedOutputShape: [2, 4, 3],
    });
  });

  for (const interpolation of ['bilinear', 'nearest', 'bicubic', 'lanczos3'] as const) {
    it(`Resizing ${interpolation}, up and down`, () => {
      runLayerTest({
        cls: Resizing,
        args: { height: 7, width: 3, interpolation },
        inputShape: [2, 4, 5, 2],
        expectedOutputShape: [2, 7, 3, 2],
        expectedNumWeights: 0,
      });
    });
  }

  it('Resizing with aspect-ratio crop, pad, antialias and channelsFirst', () => {
    runLayerTest({
      cls: Resizing,
      args: { height: 3, width: 3, cropToAspectRatio: true },
      inputShape: [2, 4, 6, 1],
      expectedOutputShape: [2, 3, 3, 1],
    });
    runLayerTest({
      cls: Resizing,
      args: { height: 3, width: 3, padToAspectRatio: true, fillValue: 2 },
      inputShape: [2, 4, 6, 1],
      expectedOutputShape: [2, 3, 3, 1],
    });
    runLayerTest({
      cls: Resizing,
      args: { height: 2, width: 3, antialias: true },
      inputShape: [1, 5, 7, 2],
      expectedOutputShape: [1, 2, 3, 2],
    });
    runLayerTest({
      cls: Resizing,
      args: { height: 2, width: 8, dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 5, 4],
      expectedOutputShape: [1, 2, 2, 8],
    });
  });

  it('CenterCrop: slice and smart_resize paths', () => {
    runLayerTest({
      cls: CenterCrop,
      args: { height: 3, width: 2 },
      inputShape: [2, 5, 6, 2],
      expectedOutputShape: [2, 3, 2, 2],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: CenterCrop,
      args: { height: 6, width: 4 },
      inputShape: [2, 5, 3, 1],
      expectedOutputShape: [2, 6, 4, 1],
    });
  });

  it('RandomFlip and RandomCrop in training (global generator, reseeded by the harness)', () => {
    runLayerTest({
      cls: RandomFlip,
      args: {},
      inputShape: [3, 4, 5, 2],
      expectedOutputShape: [3, 4, 5, 2],
      callOptions: { training: true },
    });
    runLayerTest({
      cls: RandomCrop,
      args: { height: 3, width: 2 },
      inputShape: [2, 5, 4, 2],
      expectedOutputShape: [2, 3, 2, 2],
      callOptions: { training: true },
    });
    runLayerTest({
      cls: RandomCrop,
      args: { height: 3, width: 2 },
      inputShape: [2, 5, 4, 2],
      expectedOutputShape: [2, 3, 2, 2],
    });
  });

  const train = { training: true };
  it('RandomTranslation, RandomRotation, RandomZoom (fixed and random factors)', () => {
    for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as const) {
      runLayerTest({
        cls: RandomTranslation,
        args: { heightFactor: [0.3, 0.3], widthFactor: [-0.2, -0.2], fillMode, fillValue: 0.5 },
        inputShape: [2, 5, 4, 2],
        expectedOutputShape: [2, 5, 4, 2],
        callOptions: train,
      });
    }
    runLayerTest({
      cls: RandomRotation,
      args: { factor: 0.2 },
      inputShape: [2, 5, 4, 1],
      expectedOutputShape: [2, 5, 4, 1],
      callOptions: train,
    });
    runLayerTest({
      cls: RandomRotation,
      args: { factor: [0.1, 0.1], interpolation: 'nearest', fillMode: 'constant' },
      inputShape: [2, 5, 4, 3],
      expectedOutputShape: [2, 5, 4, 3],
      callOptions: train,
    });
    runLayerTest({
      cls: RandomZoom,
      args: { heightFactor: [-0.3, 0.3], widthFactor: 0.2 },
      inputShape: [2, 5, 4, 2],
      expectedOutputShape: [2, 5, 4, 2],
      callOptions: train,
    });
  });

  it('RandomContrast and RandomBrightness', () => {
    runLayerTest({
      cls: RandomContrast,
      args: { factor: 0.4, valueRange: [-10, 10] },
      inputShape: [2, 3, 4, 2],
      expectedOutputShape: [2, 3, 4, 2],
      callOptions: train,
    });
    runLayerTest({
      cls: RandomBrightness,
      args: { factor: 0.1, valueRange: [-10, 10] },
      inputShape: [2, 3, 4, 2],
      expectedOutputShape: [2, 3, 4, 2],
      callOptions: train,
    });
  });
});

describe('a single image [h, w, c] is one image, not a batch', () => {
  const x3 = randomUniform([5, 6, 2], 0, 255, { seed: 4 });
  const x4 = x3.expandDims(0);
  const cases: [string, () => Layer, boolean][] = [
    ['Resizing', () => new Resizing({ height: 3, width: 8, interpolation: 'bicubic' }), false],
    ['CenterCrop', () => new CenterCrop({ height: 7, width: 3 }), false],
    ['RandomCrop', () => new RandomCrop({ height: 3, width: 4, seed: 1 }), true],
    ['RandomRotation', () => new RandomRotation({ factor: 0.2, seed: 1 }), true],
    ['RandomZoom', () => new RandomZoom({ heightFactor: 0.2, seed: 1 }), true],
    ['RandomContrast', () => new RandomContrast({ factor: 0.2, seed: 1 }), true],
  ];
  for (const [name, f, training] of cases) {
    it(`${name}: equals the batch of one, squeezed; shapes infer`, () => {
      const l = f();
      const y3 = f().apply(x3, { training }) as Tensor;
      const y4 = f().apply(x4, { training }) as Tensor;
      expect([...y3.shape]).toEqual(y4.shape.slice(1));
      expectClose(y3, y4.squeeze(0));
      expect(l.computeOutputShape([5, 6, 2])).toEqual([...y3.shape]);
    });
  }
});

describe('compiled steps redraw the augmentation at every replay', () => {
  for (const [name, f] of [
    ['RandomRotation', () => new RandomRotation({ factor: 0.3, seed: 8 })],
    ['RandomFlip', () => new RandomFlip({ seed: 8 })],
    ['RandomCrop', () => new RandomCrop({ height: 3, width: 4, seed: 8 })],
    ['RandomBrightness', () => new RandomBrightness({ factor: 0.3, seed: 8 })],
  ] as [string, () => Layer][]) {
    it(`${name}: a seeded layer's compiled calls equal its eager calls, draw by draw`, () => {
      const x = images(3, 6, 7, 2);
      const compiledLayer = f();
      const eagerLayer = f();
      const step = new CompiledStep(`aug-${name}`, true);
      const outs: number[][] = [];
      for (let k = 0; k < 5; k++) {
        const [y] = step.call(
          [x],
          () => [],
          ([xi]) => [compiledLayer.apply(xi!, { training: true }) as Tensor],
        );
        outs.push(Array.from(y!.dataSync()));
        const e = eagerLayer.apply(x, { training: true }) as Tensor;
        expectClose(y!, e, { rtol: 1e-6, atol: 1e-5 });
      }
      const info = step.info();
      expect(info.compiled.length, JSON.stringify(info.fallbacks)).toBe(1);
      expect(info.compiled[0]!.stats.random).toBeGreaterThan(0);
      expect(
        new Set(outs.slice(2).map((o) => o.join(','))).size,
        'replays draw anew',
      ).toBeGreaterThan(1);
    });
  }
});

describe('gradients reach the images', () => {
  it('Resizing spreads each output over weights summing to 1; CenterCrop passes its window', () => {
    const x = randomUniform([1, 4, 4, 1], 0, 1, { seed: 1 });
    const gr = grad((t) => (new Resizing({ height: 6, width: 6 }).apply(t) as Tensor).sum())(x);
    expect(gr.sum().item()).toBeCloseTo(36, 4);
    const gc = grad((t) => (new CenterCrop({ height: 2, width: 2 }).apply(t) as Tensor).sum())(x);
    expect(Array.from(gc.dataSync())).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const gf = grad((t) => (new RandomFlip().apply(t, { training: true }) as Tensor).sum())(x);
    expect(Array.from(gf.dataSync())).toEqual(new Array(16).fill(1));
  });
});

// ---------------------------------------------------------------------------------------------
// Configs, models and errors

describe('getConfig / fromConfig', () => {
  const cases: [AnyLayerClass, Record<string, unknown>][] = [
    [Rescaling, { scale: [0.5, 2], offset: -1, name: 'resc' }],
    [
      Resizing,
      {
        height: 4,
        width: 9,
        interpolation: 'lanczos5',
        padToAspectRatio: true,
        fillValue: 3,
        antialias: true,
        dataFormat: 'channels_first',
      },
    ],
    [CenterCrop, { height: 2, width: 3, dataFormat: 'channelsFirst' }],
    [RandomFlip, { mode: 'horizontalAndVertical', seed: 3 }],
    [RandomCrop, { height: 2, width: 3, seed: 4 }],
    [
      RandomTranslation,
      {
        heightFactor: [-0.2, 0.3],
        widthFactor: 0.1,
        fillMode: 'wrap',
        interpolation: 'nearest',
        fillValue: 2,
        seed: 5,
      },
    ],
    [RandomRotation, { factor: 0.25, fillMode: 'constant', fillValue: 1 }],
    [RandomZoom, { heightFactor: 0.3, widthFactor: null, fillMode: 'nearest' }],
    [RandomContrast, { factor: [0.1, 0.4], valueRange: [0, 1], seed: 6 }],
    [RandomBrightness, { factor: 0.3, valueRange: [1, -1] }],
  ];
  for (const [cls, args] of cases) {
    it(`${cls.className}: JSON config round trip (class and registry)`, () => {
      const l = new cls(args as never);
      const cfg = l.getConfig();
      const json = JSON.parse(JSON.stringify(cfg)) as Config;
      expect(json).toStrictEqual(cfg);
      expect(cls.fromConfig(json).getConfig()).toStrictEqual(cfg);
      const viaRegistry = deserialize<Layer>('layer', { className: cls.className, config: json });
      expect(viaRegistry).toBeInstanceOf(cls);
      expect(viaRegistry.getConfig()).toStrictEqual(cfg);
    });
  }

  it('stores what Keras stores: normalized factor ranges, raw translation/zoom factors, sorted brightness range', () => {
    expect(new RandomRotation({ factor: 0.25 }).getConfig().factor).toEqual([-0.25, 0.25]);
    expect(new RandomContrast({ factor: 0.4 }).getConfig().factor).toEqual([0, 0.4]);
    expect(new RandomBrightness({ factor: [0.3, -0.1] }).getConfig().factor).toEqual([-0.1, 0.3]);
    expect(
      new RandomBrightness({ factor: 0.1, valueRange: [1, -1] }).getConfig().valueRange,
    ).toEqual([-1, 1]);
    const t = new RandomTranslation({ heightFactor: 0.2, widthFactor: [0.3, -0.1] }).getConfig();
    expect([t.heightFactor, t.widthFactor]).toEqual([0.2, [0.3, -0.1]]);
    expect(new RandomFlip({ mode: 'horizontalAndVertical' }).getConfig().mode).toBe(
      'horizontal_and_vertical',
    );
    expect(
      new Resizing({ height: 1, width: 2, dataFormat: 'channels_first' }).getConfig().dataFormat,
    ).toBe('channelsFirst');
  });

  it('a seeded layer rebuilt from its config repeats the original transforms', () => {
    const l = new RandomRotation({ factor: 0.3, seed: 12 });
    const r = RandomRotation.fromConfig(l.getConfig());
    const x = images(2);
    expectClose(r.apply(x, { training: true }) as Tensor, l.apply(x, { training: true }) as Tensor);
  });
});

describe('in a model', () => {
  it('a Sequential model with augmentation trains through compiled steps and predicts deterministically', async () => {
    const { Flatten } = await import('../core.js');
    const { Dense } = await import('../dense.js');
    const { compiledStepInfo } = await import('../../models/jit_steps.js');
    setSeed(1);
    const model = new Sequential({
      layers: [
        input({ shape: [8, 8, 1] }),
        new Rescaling({ scale: 1 / 255 }),
        new RandomFlip({ seed: 1 }),
        new RandomRotation({ factor: 0.1, seed: 2 }),
        new RandomZoom({ heightFactor: 0.1, seed: 3 }),
        new RandomContrast({ factor: 0.2, valueRange: [0, 1], seed: 4 }),
        new Resizing({ height: 4, width: 4 }),
        new Flatten(),
        new Dense({ units: 1 }),
      ],
    });
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    model.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: true });
    const x = randomUniform([16, 8, 8, 1], 0, 255, { seed: 2 });
    const y = randomUniform([16, 1], 0, 1, { seed: 3 });
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const info = compiledStepInfo(model).train;
    expect(info.fallbacks).toEqual([]);
    expect(info.compiled[0]!.stats.random).toBeGreaterThan(0);
    const p1 = model.predict(x) as Tensor;
    const p2 = model.predict(x) as Tensor;
    expect(Array.from(p1.dataSync())).toEqual(Array.from(p2.dataSync()));
  });
});

describe('bad input', () => {
  const rank2 = tensor([
    [1, 2],
    [3, 4],
  ]);
  const imageLayers: Layer[] = [
    new Resizing({ height: 2, width: 2, name: 'rs' }),
    new CenterCrop({ height: 2, width: 2, name: 'cc' }),
    new RandomFlip({ name: 'rf' }),
    new RandomCrop({ height: 1, width: 1, name: 'rc' }),
    new RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1, name: 'rt' }),
    new RandomRotation({ factor: 0.1, name: 'rr' }),
    new RandomZoom({ heightFactor: 0.1, name: 'rz' }),
    new RandomContrast({ factor: 0.1, name: 'rcon' }),
    new RandomBrightness({ factor: 0.1, name: 'rb' }),
  ];
  for (const l of imageLayers) {
    it(`${l.className}: a rank-2 input names the layer, the ranks expected and the shape given`, () => {
      const msg = `${l.name} (${l.className}): expected a rank-3 image [height, width, channels] or a rank-4 batch [batch, height, width, channels], got shape [2, 2] (rank 2)`;
      expect(() => l.apply(rank2, { training: true })).toThrow(msg);
      expect(() => l.apply(input({ shape: [4, 4, 4, 1] }))).toThrow(
        'got shape [null, 4, 4, 4, 1] (rank 5)',
      );
    });
  }

  it('sizes must be positive integers', () => {
    expect(() => new Resizing({ height: 0, width: 3, name: 'r' })).toThrow(
      'r (Resizing): height must be a positive integer, got 0',
    );
    expect(() => new CenterCrop({ height: 2, width: 1.5, name: 'c' })).toThrow(
      'c (CenterCrop): width must be a positive integer, got 1.5',
    );
    expect(() => new RandomCrop({ height: -1, width: 3, name: 'k' })).toThrow(
      'k (RandomCrop): height must be a positive integer, got -1',
    );
  });

  it('factors out of range name the option, the rule and the value', () => {
    expect(() => new RandomRotation({ factor: 1.5, name: 'rot' })).toThrow(
      'rot (RandomRotation): factor must be a number or [lower, upper] in [-1, 1], got 1.5',
    );
    expect(() => new RandomZoom({ heightFactor: [-1, 0.2], name: 'z' })).toThrow(
      'z (RandomZoom): heightFactor must be a number or [lower, upper] with values in (-1, 1], got [-1,0.2]',
    );
    expect(
      () => new RandomTranslation({ heightFactor: 0.1, widthFactor: [0, 1.2], name: 't' }),
    ).toThrow(
      't (RandomTranslation): widthFactor must be a number or [lower, upper] with values in [-1, 1], got [0,1.2]',
    );
    expect(() => new RandomContrast({ factor: -0.1, name: 'ct' })).toThrow(
      'ct (RandomContrast): factor must be a number or [lower, upper] in [0, 1], got -0.1',
    );
    expect(() => new RandomContrast({ factor: [0.2, -0.5], name: 'ct2' })).toThrow(
      'ct2 (RandomContrast): factor must be a number in [0, 1] or [lower, upper] with lower <= 1 and upper >= 0, got [0.2,-0.5]',
    );
    expect(() => new RandomBrightness({ factor: [0.1, 0.2, 0.3], name: 'b' })).toThrow(
      'b (RandomBrightness): factor must be a number in [-1, 1] or [lower, upper]',
    );
  });

  it('unknown modes and options are refused with the allowed values', () => {
    expect(
      () => new Resizing({ height: 2, width: 2, interpolation: 'area' as never, name: 'r' }),
    ).toThrow(
      "r (Resizing): interpolation must be one of 'bilinear', 'nearest', 'bicubic', 'lanczos3', 'lanczos5', got \"area\"",
    );
    expect(
      () =>
        new Resizing({
          height: 2,
          width: 2,
          cropToAspectRatio: true,
          padToAspectRatio: true,
          name: 'r2',
        }),
    ).toThrow('r2 (Resizing): only one of cropToAspectRatio and padToAspectRatio can be true');
    expect(
      () => new RandomRotation({ factor: 0.1, fillMode: 'mirror' as never, name: 'f' }),
    ).toThrow(
      "f (RandomRotation): fillMode must be one of 'reflect', 'wrap', 'constant', 'nearest', got \"mirror\"",
    );
    expect(
      () => new RandomZoom({ heightFactor: 0.1, interpolation: 'bicubic' as never, name: 'zi' }),
    ).toThrow(
      "zi (RandomZoom): interpolation must be one of 'bilinear', 'nearest', got \"bicubic\"",
    );
    expect(() => new RandomFlip({ mode: 'diagonal' as never, name: 'm' })).toThrow(
      "m (RandomFlip): mode must be one of 'horizontal', 'vertical', 'horizontal_and_vertical', got \"diagonal\"",
    );
    expect(() => new RandomBrightness({ factor: 0.1, valueRange: [0], name: 'v' })).toThrow(
      'v (RandomBrightness): valueRange must be [low, high] (two finite numbers), got [0]',
    );
    expect(() => new RandomFlip({ seed: Number.NaN, name: 's' })).toThrow(
      's (RandomFlip): seed must be a finite number',
    );
    expect(
      () => new CenterCrop({ height: 1, width: 1, dataFormat: 'nhwc' as never, name: 'd' }),
    ).toThrow("d (CenterCrop): dataFormat must be 'channelsLast' or 'channelsFirst', got \"nhwc\"");
    expect(() => new Rescaling({ scale: 'x' as never, name: 'sc' })).toThrow(
      'sc (Rescaling): scale must be a finite number or a non-empty array of them, got "x"',
    );
  });

  it('a per-channel Rescaling that does not fit the channels names both sizes', () => {
    expect(() => new Rescaling({ scale: [1, 2], name: 'pc' }).apply(tensor([[1, 2, 3]]))).toThrow(
      "pc (Rescaling): scale has 2 values, which does not broadcast against the input's last axis of size 3 (input shape [1, 3])",
    );
  });
});
