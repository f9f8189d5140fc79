/**
 * BinaryIoU against Keras 3.15.1 (numpy backend; values recorded from it): a threshold,
 * sample weights, one target class on 2-D inputs, and Keras's config.
 */
import { describe, expect, it } from 'vitest';
import { BinaryIoU } from './iou.js';
import { getMetric } from './registry.js';

describe('BinaryIoU', () => {
  it("matches Keras's values", () => {
    const m = new BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3 });
    m.updateState([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7]);
    expect(m.result()).toBeCloseTo(0.3333333432674408, 6);
    m.updateState([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], [0.2, 0.3, 0.4, 0.1]);
    expect(m.result()).toBeCloseTo(0.3333333432674408, 6);
    const one = new BinaryIoU({ targetClassIds: [1] });
    one.updateState(
      [
        [0, 1],
        [1, 1],
      ],
      [
        [0.6, 0.5],
        [0.2, 0.9],
      ],
    );
    expect(one.result()).toBeCloseTo(0.4999999403953552, 6);
  });

  it('saves as Keras does and names bad options', () => {
    const m = new BinaryIoU({ targetClassIds: [1], threshold: 0.4 });
    expect(m.getConfig()).toEqual({ name: 'binary_io_u', targetClassIds: [1], threshold: 0.4 });
    const back = getMetric({ className: 'BinaryIoU', config: m.getConfig() }) as BinaryIoU;
    expect(back.threshold).toBe(0.4);
    expect(back.options.targetClassIds).toEqual([1]);
    expect(() => new BinaryIoU({ targetClassIds: [2] })).toThrow(
      /target class id 2 is out of range/,
    );
    expect(() => new BinaryIoU({ threshold: Number.NaN })).toThrow(/threshold must be a finite/);
  });
});
