/**
 * End to end: the sequence classifier of `examples/sequence_classifier.ts` (Embedding → LSTM →
 * Dense(sigmoid)) learns "does token 7 appear in the sequence?" (length 20, vocabulary 30,
 * fixed seed) to at least 90% test accuracy.
 */
import { describe, expect, it } from 'vitest';
import { makeSequences, trainSequenceClassifier } from '../examples/sequence_classifier.js';

describe('sequence classifier example (Embedding → LSTM → Dense)', () => {
  it('makes balanced synthetic data', () => {
    const { x, y } = makeSequences(400, 20, 30, 7, 1);
    expect(x.shape).toEqual([400, 20]);
    const pos = y.mean().item();
    expect(pos).toBeGreaterThan(0.4);
    expect(pos).toBeLessThan(0.6);
    const ids = x.dataSync();
    const labels = y.dataSync();
    for (let i = 0; i < 400; i++) {
      const row = Array.from(ids.subarray(i * 20, (i + 1) * 20));
      expect(labels[i]).toBe(row.includes(7) ? 1 : 0);
    }
  });

  it('learns "does token 7 appear" to >= 90% test accuracy', async () => {
    const { accuracy, positives } = await trainSequenceClassifier();
    // Well above the majority-class baseline.
    expect(Math.max(positives, 1 - positives)).toBeLessThan(0.6);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
