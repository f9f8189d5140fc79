/**
 * The issue #13 metrics against Keras 3's own values and configs
 * (scripts/losses_metrics13_golden.py → test/fixtures/losses_metrics13_golden.json, real Keras
 * 3.15.1 on its numpy backend): several updates with sample weights, reset, config round trips,
 * and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { deserialize, serialize } from '../serialization.js';
import type { Metric } from './base.js';
import { PearsonCorrelation } from './correlation.js';
import { F1Score, FBetaScore } from './f_score.js';
import { IoU, MeanIoU, OneHotIoU, OneHotMeanIoU } from './iou.js';
import * as lossMetrics from './loss_metrics.js';
import * as counts from './threshold_counts.js';

interface GArr {
  shape: number[];
  data: number[];
}
interface MetricCase {
  label: string;
  cls: string;
  kwargs: Record<string, unknown>;
  updates: { y_true: GArr; y_pred: GArr; sample_weight: GArr | null }[];
  results: (number | number[])[];
  after_reset: number | number[];
  config: Record<string, unknown>;
}
const GOLDEN = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/losses_metrics13_golden.json', import.meta.url),
    'utf8',
  ),
) as { metrics: MetricCase[] };

const CLASSES: Record<string, new (o: Record<string, unknown>) => Metric> = {
  ...(lossMetrics as unknown as Record<string, never>),
  ...(counts as unknown as Record<string, never>),
  PearsonCorrelation: PearsonCorrelation as never,
  F1Score: F1Score as never,
  FBetaScore: FBetaScore as never,
  IoU: IoU as never,
  MeanIoU: MeanIoU as never,
  OneHotIoU: OneHotIoU as never,
  OneHotMeanIoU: OneHotMeanIoU as never,
};
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelKeys = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
const t = (a: GArr) => tensor(a.data, a.shape);

function read(m: Metric, like: number | number[]): number[] {
  if (Array.isArray(like)) return (m as unknown as { results(): number[] }).results();
  return [m.result()];
}
function close(actual: number[], expected: number | number[]): void {
  const e = Array.isArray(expected) ? expected : [expected];
  expect(actual.length).toBe(e.length);
  e.forEach((v, i) => {
    expect(Math.abs(actual[i]! - v)).toBeLessThanOrEqual(2e-6 + 2e-5 * Math.abs(v));
  });
}

describe('Keras 3 golden values', () => {
  for (const c of GOLDEN.metrics.filter((x) => x.cls !== 'SparseCategoricalCrossentropy')) {
    it(c.label, () => {
      const m = new CLASSES[c.cls]!(camelKeys(c.kwargs));
      c.updates.forEach((u, i) => {
        m.updateState(t(u.y_true), t(u.y_pred), u.sample_weight ? t(u.sample_weight) : null);
        close(read(m, c.results[i]!), c.results[i]!);
      });
      m.resetState();
      if (!Array.isArray(c.after_reset) || c.cls.startsWith('True') || c.cls.startsWith('False'))
        close(read(m, c.after_reset), c.after_reset);
      const { name, dtype: _d, ...rest } = c.config;
      if (!/_\d+$/.test(String(name))) expect(m.name).toBe(name);
      const { name: _n, ...all } = m.getConfig();
      // Keras's CosineSimilarity leaves its axis out of get_config; Tessera keeps it.
      const ours = Object.fromEntries(
        Object.entries(all).filter(([k]) => !(c.cls === 'CosineSimilarity' && k === 'axis')),
      );
      expect(ours).toEqual(camelKeys(rest));
      const back = deserialize<Metric>('metric', serialize(m));
      expect(back.constructor).toBe(m.constructor);
      expect(back.getConfig()).toEqual(m.getConfig());
    });
  }
});

describe('errors', () => {
  it('names the class, what was expected and what came', () => {
    expect(() => new FBetaScore({ beta: 0 })).toThrow(
      /FBetaScore: beta must be a number > 0, got 0/,
    );
    expect(() => new F1Score({ average: 'mean' as never })).toThrow(ValueError);
    expect(() => new F1Score().updateState([1, 0], [0.3, 0.2])).toThrow(ShapeError);
    expect(() => new IoU({ numClasses: 2, targetClassIds: [2] })).toThrow(
      /IoU: target class id 2 is out of range \[0, 2\)/,
    );
    expect(() => new MeanIoU({ numClasses: 0 })).toThrow(/MeanIoU: numClasses must be >= 1/);
    expect(() => new counts.TruePositives({ thresholds: [1.5] })).toThrow(
      /TruePositives: threshold values must be in \[0, 1\]/,
    );
    expect(() => new counts.PrecisionAtRecall({ recall: 2 })).toThrow(
      /PrecisionAtRecall: recall must be a number in \[0, 1\], got 2/,
    );
    expect(
      () => new counts.SensitivityAtSpecificity({ specificity: 0.5, numThresholds: 0 }),
    ).toThrow(ValueError);
    expect(() => new counts.TruePositives().updateState([1, 0, 1], [0.5, 0.2])).toThrow(ShapeError);
  });
});

describe('registry', () => {
  it('resolves the new ids, snake_case names and class names', async () => {
    const { getMetric } = await import('./registry.js');
    expect(getMetric('f1_score')).toBeInstanceOf(F1Score);
    expect(getMetric('FBetaScore')).toBeInstanceOf(FBetaScore);
    expect(getMetric('true_positives')).toBeInstanceOf(counts.TruePositives);
    expect(getMetric('falseNegatives')).toBeInstanceOf(counts.FalseNegatives);
    expect(getMetric('pearson_correlation')).toBeInstanceOf(PearsonCorrelation);
    expect(getMetric('binary_focal_crossentropy').name).toBe('binary_focal_crossentropy');
  });
});
