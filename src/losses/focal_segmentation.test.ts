/**
 * The issue #13 losses (focal crossentropies, Dice, Tversky, Circle): Keras 3's own values and
 * configs (scripts/losses_metrics13_golden.py → test/fixtures/losses_metrics13_golden.json, real
 * Keras 3.15.1 on its numpy backend), float64 gradient checks, registry lookups, config round
 * trips and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { deserialize, serialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Loss } from './core.js';
import {
  BinaryFocalCrossentropy,
  CategoricalFocalCrossentropy,
  binaryFocalCrossentropy,
  categoricalFocalCrossentropy,
} from './focal.js';
import { getLoss, getLossFunction } from './registry.js';
import { Circle, Dice, Tversky, circle, dice, tversky } from './segmentation.js';

interface GArr {
  shape: number[];
  data: number[];
}
interface LossCase {
  label: string;
  cls: string;
  kwargs: Record<string, unknown>;
  y_true: GArr;
  y_pred: GArr;
  sample_weight: GArr | null;
  per_sample: GArr;
  value: number;
  config: Record<string, unknown>;
}
const GOLDEN = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/losses_metrics13_golden.json', import.meta.url),
    'utf8',
  ),
) as { losses: LossCase[] };

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
}
const t = (a: GArr): Tensor => tensor(a.data, a.shape);

const CLASSES: Record<string, new (o: Record<string, unknown>) => Loss> = {
  BinaryFocalCrossentropy: BinaryFocalCrossentropy as never,
  CategoricalFocalCrossentropy: CategoricalFocalCrossentropy as never,
  Dice: Dice as never,
  Tversky: Tversky as never,
  Circle: Circle as never,
};

function close(actual: number, expected: number, rtol = 2e-5, atol = 2e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(atol + rtol * Math.abs(expected));
}

describe('Keras 3 golden values', () => {
  for (const c of GOLDEN.losses) {
    it(c.label, () => {
      const { reduction, ...rest } = camelKeys(c.kwargs);
      const opts = { ...rest, ...(reduction ? { reduction } : {}) };
      const loss = new CLASSES[c.cls]!(opts);
      const none = new CLASSES[c.cls]!({ ...rest, reduction: 'none' });
      const per = none.apply(t(c.y_true), t(c.y_pred));
      expect(per.shape).toEqual(c.per_sample.shape);
      const pv = per.dataSync();
      c.per_sample.data.forEach((v, i) => close(pv[i]!, v));
      const value = loss
        .apply(t(c.y_true), t(c.y_pred), c.sample_weight ? t(c.sample_weight) : null)
        .item();
      close(value, c.value);
      const { name, reduction: red, ...kerasOptions } = c.config;
      expect(loss.name).toBe(name);
      expect(loss.reduction).toBe(red);
      expect(loss.getConfig()).toEqual({ name, reduction: red, ...camelKeys(kerasOptions) });
    });
  }
});

describe('float64 gradients', () => {
  const f64 = (data: number[], shape: number[]) => ({ values: data, shape });
  const yb = tensor([1, 0, 1, 0, 0, 1], [2, 3], 'float64');
  const oneHot = tensor([0, 1, 0, 0, 0, 1], [2, 3], 'float64');
  const probs = f64([0.3, 0.6, 0.8, 0.1, 0.45, 0.7], [2, 3]);
  const logits = f64([1.2, -0.4, 0.3, -2, 0.8, 1.5], [2, 3]);
  it('binaryFocalCrossentropy (probabilities, balanced, smoothed)', () => {
    gradCheck(
      (p) =>
        binaryFocalCrossentropy(yb, p, {
          applyClassBalancing: true,
          labelSmoothing: 0.1,
          gamma: 1.5,
        }),
      [probs],
    );
  });
  it('binaryFocalCrossentropy (logits)', () => {
    gradCheck((p) => binaryFocalCrossentropy(yb, p, { fromLogits: true }), [logits]);
  });
  it('categoricalFocalCrossentropy (probabilities and logits)', () => {
    gradCheck((p) => categoricalFocalCrossentropy(oneHot, p, { labelSmoothing: 0.2 }), [probs]);
    gradCheck(
      (p) => categoricalFocalCrossentropy(oneHot, p, { fromLogits: true, gamma: 3 }),
      [logits],
    );
  });
  it('dice and tversky (all axes and per sample)', () => {
    gradCheck((p) => dice(yb, p), [probs]);
    gradCheck((p) => dice(yb, p, { axis: 1 }), [probs]);
    gradCheck((p) => tversky(yb, p, { alpha: 0.3, beta: 0.7, axis: [1] }), [probs]);
  });
  it('circle (through the normalized embeddings)', () => {
    const labels = tensor([0, 1, 0, 2, 1], [5], 'float64');
    const emb = [0.5, -0.2, 0.8, 0.1, 0.3, 0.9, -0.4, 0.2, -0.7, 0.6, 0.1, 0.3, 0.2, 0.4, -0.5];
    const norm = emb.map((v, i) => {
      const r = Math.floor(i / 3) * 3;
      return v / Math.hypot(emb[r]!, emb[r + 1]!, emb[r + 2]!);
    });
    gradCheck((p) => circle(labels, p, { gamma: 4, margin: 0.25 }), [f64(norm, [5, 3])]);
  });
  it('Circle.apply (masked mean)', () => {
    const labels = tensor([0, 1, 0, 2], [4], 'float64');
    const emb = f64([0.6, 0.8, 0, 1, -0.6, 0.8, 1, 0], [4, 2]);
    gradCheck((p) => new Circle({ gamma: 5 }).apply(labels, p), [emb]);
  });
});

describe('registry, configs and errors', () => {
  it('resolves ids, snake_case names and class names', () => {
    expect(getLoss('binary_focal_crossentropy')).toBeInstanceOf(BinaryFocalCrossentropy);
    expect(getLoss('binaryFocalCrossentropy')).toBeInstanceOf(BinaryFocalCrossentropy);
    expect(getLoss('categorical_focal_crossentropy')).toBeInstanceOf(CategoricalFocalCrossentropy);
    expect(getLoss('CategoricalFocalCrossentropy')).toBeInstanceOf(CategoricalFocalCrossentropy);
    expect(getLoss('dice')).toBeInstanceOf(Dice);
    expect(getLoss('Tversky')).toBeInstanceOf(Tversky);
    expect(getLoss('circle')).toBeInstanceOf(Circle);
    expect(getLossFunction('dice')).toBe(dice);
  });
  it('round-trips configs through serialize/deserialize', () => {
    for (const loss of [
      new BinaryFocalCrossentropy({ alpha: 0.4, gamma: 1, applyClassBalancing: true }),
      new CategoricalFocalCrossentropy({ fromLogits: true, reduction: 'sum' }),
      new Dice({ axis: [1, 2] }),
      new Tversky({ alpha: 0.2, beta: 0.8, name: 'tv' }),
      new Circle({ gamma: 32, removeDiagonal: false }),
    ]) {
      const back = deserialize<Loss>('loss', serialize(loss));
      expect(back.constructor).toBe(loss.constructor);
      expect(back.getConfig()).toEqual(loss.getConfig());
    }
  });
  it('matches the Keras docstring examples', () => {
    const l = new BinaryFocalCrossentropy({ gamma: 2, fromLogits: true });
    close(l.apply([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]).item(), 0.691, 1e-3);
    const c = new CategoricalFocalCrossentropy();
    const yT = [
      [0, 1, 0],
      [0, 0, 1],
    ];
    const yP = [
      [0.05, 0.95, 0],
      [0.1, 0.8, 0.1],
    ];
    close(c.apply(yT, yP).item(), 0.23315276, 1e-5);
  });
  it('throws typed errors naming the loss', () => {
    expect(() => new BinaryFocalCrossentropy({ gamma: -1 })).toThrow(ValueError);
    expect(() => new BinaryFocalCrossentropy({ gamma: -1 })).toThrow(/BinaryFocalCrossentropy/);
    expect(() => new Dice({ axis: 'x' as never })).toThrow(/Dice: axis must be/);
    expect(() => new Tversky({ alhpa: 1 } as never)).toThrow(/Tversky: unknown option 'alhpa'/);
    expect(() => dice([[1, 0]], [[1, 0, 0]])).toThrow(ShapeError);
    expect(() => circle([0, 1, 2], [[1, 0]])).toThrow(/circle: labels must have shape \[1\]/);
    expect(() => circle([0, 1], [1, 0])).toThrow(/embeddings must have shape \[batch, dim\]/);
  });
});
