/**
 * CategoricalGeneralizedCrossEntropy against Keras 3.15.1 (numpy backend; values recorded from
 * it), its limits (q → 0 approaches cross-entropy), a float64 gradient check, ids and config.
 */
import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { tensor } from '../ops/creation.js';
import {
  CategoricalGeneralizedCrossEntropy,
  categoricalGeneralizedCrossEntropy,
} from './generalized.js';
import { getLoss } from './registry.js';

const yt = tensor([0, 2, 1], undefined, 'int32');
const yp = tensor([
  [0.7, 0.2, 0.1],
  [0.1, 0.3, 0.6],
  [0.25, 0.5, 0.25],
]);

describe('CategoricalGeneralizedCrossEntropy', () => {
  it("matches Keras's values", () => {
    const v = Array.from(categoricalGeneralizedCrossEntropy(yt, yp, { q: 0.5 }).dataSync());
    [0.32667994499206543, 0.4508066177368164, 0.5857864618301392].forEach((e, i) =>
      expect(v[i]).toBeCloseTo(e, 6),
    );
    const l = new CategoricalGeneralizedCrossEntropy({ q: 0.3 });
    expect(l.apply(yt, yp).item()).toBeCloseTo(0.4792299270629883, 6);
    expect(l.apply(yt, yp, [1, 0.5, 2]).item()).toBeCloseTo(0.6089034676551819, 6);
  });

  it('tends to cross-entropy as q → 0, differentiates, and resolves by name', () => {
    const small = categoricalGeneralizedCrossEntropy(yt, yp, { q: 1e-4 }).dataSync();
    expect(small[0]).toBeCloseTo(-Math.log(0.7), 3);
    gradCheck(
      (p) => categoricalGeneralizedCrossEntropy(yt, p, { q: 0.4 }),
      [{ values: [0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.25, 0.5, 0.25], shape: [3, 3] }],
    );
    expect(getLoss('categorical_generalized_cross_entropy' as never)).toBeInstanceOf(
      CategoricalGeneralizedCrossEntropy,
    );
    const back = getLoss({ className: 'CategoricalGeneralizedCrossEntropy', config: { q: 0.2 } });
    expect((back as CategoricalGeneralizedCrossEntropy).options.q).toBe(0.2);
    expect(() => new CategoricalGeneralizedCrossEntropy({ q: 1 })).toThrow(
      /q must be in the interval \(0, 1\)/,
    );
    expect(() => categoricalGeneralizedCrossEntropy(yp, yp)).toThrow(
      /expected integer labels \[batch\]/,
    );
  });
});
