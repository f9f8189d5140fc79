/**
 * ops.image names: resize agrees with the Resizing layer (checked against Keras in
 * layers/preprocessing/image.test.ts) on batches and single images; rgbToGrayscale by hand;
 * float64 gradient checks; errors.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { Resizing } from '../layers/preprocessing/image.js';
import { tensor } from './creation.js';
import { resize, rgbToGrayscale } from './image_api.js';
import { randomUniform } from './random.js';

describe('ops.image', () => {
  it('resize matches the Resizing layer, with and without a batch axis', () => {
    const x = randomUniform([2, 7, 5, 3], 0, 1, { seed: 3 });
    for (const interpolation of ['bilinear', 'nearest', 'bicubic'] as const) {
      const want = new Resizing({ height: 4, width: 6, interpolation }).apply(x);
      expectClose(resize(x, [4, 6], { interpolation }), want, { atol: 1e-6 });
      expectClose(
        resize(x.slice([1, 0, 0, 0], [1, 7, 5, 3]).squeeze(0), [4, 6], { interpolation }),
        want.slice([1, 0, 0, 0], [1, 4, 6, 3]).squeeze(0),
        { atol: 1e-6 },
      );
    }
    expect(() => resize(x, [0, 3])).toThrow(/size must be two positive integers/);
    expect(() => resize(tensor([1, 2]), [2, 2])).toThrow(
      /images must be \[batch, height, width, channels\]/,
    );
  });

  it('rgbToGrayscale weighs r, g, b as Keras', () => {
    const y = rgbToGrayscale(tensor([[[10, 20, 30]]]));
    expect(y.shape).toEqual([1, 1, 1]);
    expectClose(y, tensor([[[0.2989 * 10 + 0.587 * 20 + 0.114 * 30]]]), { atol: 1e-4 });
    expect(() => rgbToGrayscale(tensor([[[1, 2]]]))).toThrow(/3 channels/);
  });

  it('passes float64 gradient checks', () => {
    gradCheck((x) => resize(x, [3, 2]), [randomValues([1, 4, 3, 2], 1)]);
    gradCheck((x) => rgbToGrayscale(x), [randomValues([2, 2, 3], 2)]);
  });
});
