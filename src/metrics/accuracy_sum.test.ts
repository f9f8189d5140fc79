/**
 * Keras's metrics.Accuracy (exact matches) and metrics.Sum: hand-derived cases (each agrees
 * with Keras 3.15.1's numpy backend), sample weights, saving, and use in fit.
 */
import { describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { Accuracy, exactAccuracy } from './accuracy.js';
import { Sum } from './base.js';
import { getMetric } from './registry.js';

describe('Accuracy', () => {
  it('counts exact matches, weighted per sample, averaged over each sample first', () => {
    const m = new Accuracy();
    m.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]]);
    expect(m.result()).toBeCloseTo(0.75, 6);
    m.resetState();
    // (0·1 + 1·0.5 + 1·2 + 1·0) / 3.5
    m.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 0.5, 2, 0]);
    expect(m.result()).toBeCloseTo(2.5 / 3.5, 6);
    m.resetState();
    // Per-sample means 0.5 and 1, weights 1 and 3: (0.5 + 3) / 4.
    m.updateState(
      [
        [1, 2],
        [3, 4],
      ],
      [
        [1, 0],
        [3, 4],
      ],
      [1, 3],
    );
    expect(m.result()).toBeCloseTo(0.875, 6);
    expect(exactAccuracy([1, 2], [[1], [3]]).arraySync()).toEqual([[1], [0]]);
    expect(m.name).toBe('accuracy');
  });

  it('saves and loads by class name', () => {
    const m = getMetric({ className: 'Accuracy', config: { name: 'exact' } });
    expect(m).toBeInstanceOf(Accuracy);
    expect(m.name).toBe('exact');
    expect(() => new Accuracy({ threshold: 0.5 } as never)).toThrow(/Accuracy/);
  });
});

describe('Sum', () => {
  it('sums values, sample weights broadcast over each sample', () => {
    const s = new Sum();
    s.updateState([1, 3, 5, 7]);
    expect(s.result()).toBe(16);
    s.updateState([1, 1]);
    expect(s.result()).toBe(18);
    s.resetState();
    s.updateState([1, 3, 5, 7], [1, 0, 2, 1]);
    expect(s.result()).toBe(18);
    s.resetState();
    // Each sample's values summed, then weighted: 2·3 + 1·7.
    s.updateState(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      [2, 1],
    );
    expect(s.result()).toBe(13);
    expect(() => s.updateState([1, 2, 3], [1, 2])).toThrow(/sum/);
  });

  it('saves and loads, and works as a compiled metric in fit', async () => {
    expect(getMetric({ className: 'Sum', config: {} })).toBeInstanceOf(Sum);
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [new Accuracy()] });
    const h = await model.fit(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([[1], [0]]),
      {
        epochs: 1,
        verbose: 0,
      },
    );
    expect(h.history.accuracy).toHaveLength(1);
  });
});
