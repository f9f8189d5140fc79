/**
 * ConcordanceCorrelation and its function against Keras 3.15.1 (numpy backend; values
 * recorded from it): per-row coefficients, the epoch mean, axis 0, sample weights, and the
 * config Keras writes.
 */
import { describe, expect, it } from 'vitest';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { ConcordanceCorrelation, concordanceCorrelation } from './correlation.js';
import { getMetric } from './registry.js';

const yt = [
  [0, 1, 0.5],
  [1, 1, 0.2],
];
const yp = [
  [0.1, 0.9, 0.5],
  [1, 0.9, 0.2],
];

describe('ConcordanceCorrelation', () => {
  it("matches Keras's values", () => {
    const c = Array.from(concordanceCorrelation(yt, yp).dataSync());
    expect(c[0]).toBeCloseTo(0.9756094813346863, 6);
    expect(c[1]).toBeCloseTo(0.987653911113739, 6);
    const m = new ConcordanceCorrelation();
    m.updateState(yt, yp);
    expect(m.result()).toBeCloseTo(0.9816316962242126, 6);
    m.resetState();
    m.updateState(yt, yp, [1, 3]);
    expect(m.result()).toBeCloseTo(0.9846428036689758, 6);
    const a0 = new ConcordanceCorrelation({ axis: 0 });
    a0.updateState(
      [
        [0, 1],
        [2, 3],
        [5, 4],
      ],
      [
        [0.5, 1],
        [1, 3.2],
        [4, 5],
      ],
    );
    expect(a0.result()).toBeCloseTo(0.9058704376220703, 6);
  });

  it('is named and saved as Keras names it, and differentiates', () => {
    const m = getMetric({ className: 'ConcordanceCorrelation', config: { axis: 0 } });
    expect(m).toBeInstanceOf(ConcordanceCorrelation);
    expect(new ConcordanceCorrelation().name).toBe('concordance_correlation');
    gradCheck(
      (t, p) => concordanceCorrelation(t, p),
      [randomValues([2, 5], 1), randomValues([2, 5], 2)],
    );
  });
});
