/**
 * The rest of ops.image (image_extra.ts, image_extra2.ts): every op against real Keras 3.15.1
 * on its numpy backend (test/fixtures/image_extra_golden.json, from
 * scripts/image_extra_golden.py), Keras's argument validation and error types, layouts and
 * dtypes, and float64 gradient checks of the differentiable ops.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grad } from '../autograd/grad.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import {
  cropImages,
  extractPatches,
  extractPatches3d,
  gaussianBlur,
  hsvToRgb,
  padImages,
  rgbToHsv,
  sobelEdges,
  ssim,
} from './image_extra.js';
import {
  type ScaleAndTranslateMethod,
  affineTransform,
  mapCoordinates,
  perspectiveTransform,
  scaleAndTranslate,
} from './image_extra2.js';
import { randomUniform } from './random.js';

interface GoldenCase {
  name: string;
  op: string;
  inputs: string[];
  positional: unknown[];
  args: Record<string, unknown>;
  shape: number[];
  output: number[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/image_extra_golden.json', import.meta.url), 'utf8'),
) as { inputs: Record<string, { shape: number[]; data: number[] }>; cases: GoldenCase[] };
const goldenInput = (name: string): Tensor => {
  const i = golden.inputs[name]!;
  return tensor(i.data, i.shape, 'float32');
};

// biome-ignore lint/suspicious/noExplicitAny: options come from JSON.
type Args = any;
const RUN: Record<string, (xs: Tensor[], a: Args, p: Args[]) => Tensor> = {
  pad_images: ([x], a) => padImages(x!, a),
  crop_images: ([x], a) => cropImages(x!, a),
  extract_patches: ([x], { size, ...a }) => extractPatches(x!, size, a),
  extract_patches_3d: ([x], { size, ...a }) => extractPatches3d(x!, size, a),
  rgb_to_hsv: ([x], a) => rgbToHsv(x!, a),
  hsv_to_rgb: ([x], a) => hsvToRgb(x!, a),
  affine_transform: ([x, t], a) => affineTransform(x!, t!, a),
  map_coordinates: ([x, c], { order, ...a }) => mapCoordinates(x!, c!, order, a),
  gaussian_blur: ([x], a) => gaussianBlur(x!, a),
  perspective_transform: ([x, s, e], a) => perspectiveTransform(x!, s!, e!, a),
  sobel_edges: ([x], a) => sobelEdges(x!, a),
  scale_and_translate: ([x], a, [shape, scale, translation, dims, method]) =>
    scaleAndTranslate(
      x!,
      shape,
      scale,
      translation,
      dims,
      method as ScaleAndTranslateMethod,
      a.antialias ?? true,
    ),
  ssim: ([a, b], o) => ssim(a!, b!, o),
};

describe('ops.image extras match Keras 3 (golden)', () => {
  it('covers every op', () => {
    expect(new Set(golden.cases.map((c) => c.op))).toEqual(new Set(Object.keys(RUN)));
  });
  for (const c of golden.cases) {
    it(c.name, () => {
      const y = RUN[c.op]!(c.inputs.map(goldenInput), c.args, c.positional);
      expect(y.shape).toEqual(c.shape);
      // Images in [0, 255] computed in float32 by Keras: 1e-4 absolute is a few ulps.
      expectClose(y, c.output, { rtol: 1e-5, atol: c.op === 'ssim' ? 1e-5 : 1e-4 });
    });
  }
});

const img = randomUniform([5, 6, 3], 0, 1, { seed: 1 });
const batch = randomUniform([2, 5, 6, 3], 0, 1, { seed: 2 });

describe('padImages / cropImages', () => {
  it('keep the dtype, and crop inverts pad', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3, 1], 'int32');
    const p = padImages(x, { topPadding: 1, bottomPadding: 2, leftPadding: 0, targetWidth: 5 });
    expect(p.dtype).toBe('int32');
    expect(p.shape).toEqual([5, 5, 1]);
    const back = cropImages(p, {
      topCropping: 1,
      targetHeight: 2,
      leftCropping: 0,
      rightCropping: 2,
    });
    expect(Array.from(back.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("validate Keras's arguments with the op's name", () => {
    expect(() => padImages(img, { topPadding: 1, leftPadding: 1 })).toThrow(ValueError);
    expect(() => padImages(img, { topPadding: 1, leftPadding: 1 })).toThrow(
      /image\.padImages: must give exactly two of topPadding, bottomPadding, targetHeight, got topPadding=1/,
    );
    expect(() =>
      padImages(img, {
        topPadding: 1,
        bottomPadding: 1,
        targetHeight: 7,
        leftPadding: 0,
        rightPadding: 0,
      }),
    ).toThrow(/exactly two/);
    expect(() =>
      padImages(img, { topPadding: -1, bottomPadding: 0, leftPadding: 0, rightPadding: 0 }),
    ).toThrow(/topPadding must be an integer >= 0, got -1/);
    expect(() =>
      padImages(img, { topPadding: 3, targetHeight: 6, leftPadding: 0, rightPadding: 0 }),
    ).toThrow(
      /bottomPadding must be >= 0, got -2 \(from topPadding=3, targetHeight=6 and height 5\)/,
    );
    expect(() =>
      cropImages(img, { topCropping: 2, targetHeight: 4, leftCropping: 0, rightCropping: 0 }),
    ).toThrow(/image\.cropImages: bottomCropping must be >= 0, got -1/);
    expect(() =>
      cropImages(img, { topCropping: 0, bottomCropping: 0, leftCropping: 4, rightCropping: 3 }),
    ).toThrow(/targetWidth must be >= 0, got -1/);
    expect(() => cropImages(tensor([1, 2]), { topCropping: 0 })).toThrow(ShapeError);
    expect(() => cropImages(tensor([1, 2]), { topCropping: 0 })).toThrow(
      /images must be \[batch, height, width, channels\] or \[height, width, channels\], got \[2\]/,
    );
    expect(() => padImages(img, { dataFormat: 'nchw' as never })).toThrow(/dataFormat/);
  });

  it('pass float64 gradient checks', () => {
    gradCheck(
      (x) => padImages(x, { topPadding: 1, leftPadding: 2, bottomPadding: 0, targetWidth: 6 }),
      [randomValues([1, 2, 3, 2], 1)],
    );
    gradCheck(
      (x) =>
        cropImages(x, {
          bottomCropping: 1,
          targetHeight: 2,
          leftCropping: 1,
          rightCropping: 0,
          dataFormat: 'channelsFirst',
        }),
      [randomValues([2, 4, 3], 2)],
    );
  });
});

describe('extractPatches', () => {
  it('defaults strides to the size and orders features (row, column, channel)', () => {
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => i),
      [4, 4, 1],
    );
    const y = extractPatches(x, 2);
    expect(y.shape).toEqual([2, 2, 4]);
    expect(Array.from(y.dataSync()).slice(0, 4)).toEqual([0, 1, 4, 5]);
    expect(extractPatches(zeros([2, 20, 20, 3]), [5, 5]).shape).toEqual([2, 4, 4, 75]);
    expect(extractPatches3d(zeros([10, 10, 10, 3]), 3).shape).toEqual([3, 3, 3, 81]);
  });

  it('rejects bad sizes and patches that do not fit', () => {
    expect(() => extractPatches(img, [2, 2, 2, 2])).toThrow(
      /image\.extractPatches: size must be a number or 2 numbers \(3 for volumes\)/,
    );
    expect(() => extractPatches(img, 0)).toThrow(ValueError);
    expect(() => extractPatches(img, 6)).toThrow(ShapeError);
    expect(() => extractPatches(img, 6)).toThrow(/does not fit the spatial shape \[5, 6\]/);
    expect(() => extractPatches(img, 2, { padding: 'full' as never })).toThrow(/padding/);
    expect(() => extractPatches3d(img, 2)).toThrow(
      /volumes must be \[batch, depth, height, width, channels\]/,
    );
  });

  it('passes float64 gradient checks (overlapping, dilated, same, 3-D)', () => {
    gradCheck(
      (x) => extractPatches(x, [2, 3], { strides: 1, dilationRate: [2, 1], padding: 'same' }),
      [randomValues([1, 4, 4, 2], 3)],
    );
    gradCheck((x) => extractPatches3d(x, 2, { strides: 1 }), [randomValues([3, 3, 3, 1], 4)]);
  });
});

describe('rgbToHsv / hsvToRgb', () => {
  it('round-trip and name their errors', () => {
    expectClose(hsvToRgb(rgbToHsv(batch)), batch, { atol: 1e-6 });
    expectClose(
      rgbToHsv(
        tensor([
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
        ]),
      ),
      [
        [
          [0, 1, 1],
          [1 / 3, 1, 1],
          [2 / 3, 1, 1],
        ],
      ],
    );
    expect(() => rgbToHsv(tensor([[[1, 2, 3]]], undefined, 'int32'))).toThrow(DTypeError);
    expect(() => rgbToHsv(tensor([[[1, 2, 3]]], undefined, 'int32'))).toThrow(
      /image\.rgbToHsv: images must be float32 or float64, got int32/,
    );
    expect(() => hsvToRgb(zeros([2, 2, 2]))).toThrow(
      /image\.hsvToRgb: images must have 3 channels, got 2/,
    );
  });

  it('pass float64 gradient checks', () => {
    gradCheck((x) => rgbToHsv(x), [randomValues([2, 3, 3], 5, 0.05, 0.95)]);
    gradCheck(
      (x) => hsvToRgb(x, { dataFormat: 'channelsFirst' }),
      [randomValues([1, 3, 2, 3], 6, 0.05, 0.95)],
    );
  });
});

describe('affineTransform / mapCoordinates / perspectiveTransform', () => {
  it('the identity transform and matching points return the images', () => {
    expectClose(affineTransform(batch, [1, 0, 0, 0, 1, 0, 0, 0]), batch);
    // c0, c1 are ignored, as Keras documents for its non-TensorFlow backends.
    expectClose(affineTransform(batch, [1, 0, 0, 0, 1, 0, 0.3, -0.2]), batch);
    const corners = [
      [0, 0],
      [0, 4],
      [5, 0],
      [5, 4],
    ];
    expectClose(perspectiveTransform(img, corners, corners), img, { atol: 1e-5 });
  });

  it('takes int images and gives their dtype back (as Keras)', () => {
    const x = tensor([1, 2, 3, 4], [2, 2, 1], 'int32');
    const y = affineTransform(x, [1, 0, 0.5, 0, 1, 0, 0, 0]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, 1, 3, 2]);
    expect(mapCoordinates(tensor([10, 20], [2], 'int32'), [[0.5]], 1).dtype).toBe('int32');
  });

  it('name their errors', () => {
    expect(() => affineTransform(img, [1, 0, 0, 0, 1, 0])).toThrow(ShapeError);
    expect(() => affineTransform(img, [1, 0, 0, 0, 1, 0])).toThrow(
      /image\.affineTransform: transform must be \[8\] or \[batch, 8\], got \[6\]/,
    );
    expect(() => affineTransform(batch, zeros([3, 8]))).toThrow(
      /1 or 2 \(the batch size\) transforms, got \[3, 8\]/,
    );
    expect(() => affineTransform(img, zeros([8]), { interpolation: 'bicubic' as never })).toThrow(
      /interpolation must be one of 'nearest', 'bilinear', got "bicubic"/,
    );
    expect(() => affineTransform(img, zeros([8]), { fillMode: 'edge' as never })).toThrow(
      ValueError,
    );
    expect(() => mapCoordinates(img, [[0], [0]], 1)).toThrow(
      /image\.mapCoordinates: coordinates must be \[3, \.\.\.points\]/,
    );
    expect(() => mapCoordinates(img, [[0], [0], [0]], 2 as never)).toThrow(
      /order must be 0 or 1, got 2/,
    );
    expect(() => perspectiveTransform(img, zeros([4, 3]), zeros([4, 3]))).toThrow(
      /startPoints must be \[4, 2\] or \[batch, 4, 2\], got \[4, 3\]/,
    );
    expect(() => perspectiveTransform(img, zeros([4, 2]), zeros([1, 4, 2]))).toThrow(/same shape/);
  });

  it("wraps periodically however far out, and order 0 rounds halves up (SciPy's rule)", () => {
    // Keras's numpy backend pads with np.pad(mode='wrap'), which stops being periodic once a
    // pad exceeds the axis, so these far points are checked against the period (JAX's rule).
    const c = [-9, -6, -5, -1, 4, 5, 8, 9, 13, 23, -17, 31.4];
    const y = mapCoordinates(tensor([0, 1, 2, 3, 4]), [c], 0, { fillMode: 'wrap' });
    expect(Array.from(y.dataSync())).toEqual(c.map((v) => ((Math.round(v) % 5) + 5) % 5));
    const h = mapCoordinates(tensor([0, 1, 2, 3]), [[0.5, 1.5, 2.5, -0.5]], 0, {
      fillMode: 'nearest',
    });
    expect(Array.from(h.dataSync())).toEqual([1, 2, 3, 0]);
  });

  it('pass float64 gradient checks (images, and coordinates for order 1)', () => {
    const t = [0.9, -0.3, 0.7, 0.25, 1.1, -0.6, 0, 0];
    for (const fillMode of ['constant', 'reflect', 'wrap'] as const)
      gradCheck(
        (x) => affineTransform(x, tensor(t, [8], 'float64'), { fillMode, fillValue: 0.5 }),
        [randomValues([3, 4, 2], 7)],
      );
    gradCheck(
      (x, c) => mapCoordinates(x, c, 1, { fillMode: 'mirror' }),
      [randomValues([3, 4], 8), randomValues([2, 5], 9, -1.9, 4.7)],
    );
    gradCheck(
      (x) =>
        perspectiveTransform(
          x,
          tensor(
            [
              [0, 0],
              [0, 3],
              [4, 0],
              [4, 3],
            ],
            [4, 2],
            'float64',
          ),
          tensor(
            [
              [0.2, 0.1],
              [0.3, 3.2],
              [3.7, -0.2],
              [4.1, 2.8],
            ],
            [4, 2],
            'float64',
          ),
        ),
      [randomValues([1, 3, 4, 1], 10)],
    );
  });
});

describe('gaussianBlur / sobelEdges / ssim / scaleAndTranslate', () => {
  it('blur keeps a constant interior; sobel of one image equals the batch item', () => {
    const y = gaussianBlur(tensor(new Array(25).fill(2), [5, 5, 1]), { kernelSize: 3, sigma: 0.8 });
    expectClose(y.slice([1, 1, 0], [3, 3, 1]), new Array(9).fill(2));
    const edges = sobelEdges(batch);
    expect(edges.shape).toEqual([2, 5, 6, 3, 2]);
    expectClose(
      sobelEdges(batch.slice([1, 0, 0, 0], [1, 5, 6, 3]).squeeze(0)),
      edges.slice([1, 0, 0, 0, 0], [1, 5, 6, 3, 2]).squeeze(0),
    );
    expect(() => gaussianBlur(img, { sigma: 0 })).toThrow(
      /image\.gaussianBlur: sigma must be a positive number/,
    );
  });

  it('ssim is 1 for identical images and names its errors', () => {
    expectClose(ssim(batch, batch, { filterSize: 3 }), [1, 1]);
    expect(ssim(img, img, { filterSize: 5 }).shape).toEqual([]);
    expect(() => ssim(img, batch)).toThrow(
      /image\.ssim: image1 and image2 must have the same shape/,
    );
    expect(() => ssim(img, img)).toThrow(
      /filterSize must be an integer in \[1, min\(height, width\) = 5\], got 11/,
    );
  });

  it('scaleAndTranslate validates its arguments', () => {
    const x = zeros([3, 3]);
    expect(scaleAndTranslate(x, [5, 5], [2, 2], [-0.5, -0.5], [0, 1], 'linear').shape).toEqual([
      5, 5,
    ]);
    expect(() => scaleAndTranslate(x, [5, 5], [2, 2], [0, 0], [0, 1], 'area' as never)).toThrow(
      /method must be one of/,
    );
    expect(() => scaleAndTranslate(x, [5], [2], [0], [0], 'linear')).toThrow(
      /outputShape must be 2 positive integers/,
    );
    expect(() => scaleAndTranslate(x, [5, 4], [2], [0], [0], 'linear')).toThrow(ShapeError);
    expect(() => scaleAndTranslate(x, [5, 3], [2, 1], [0], [0], 'linear')).toThrow(
      /scale must be 1 finite numbers/,
    );
    expect(() => scaleAndTranslate(x, [5, 3], [0], [0], [0], 'linear')).toThrow(
      /scale must be nonzero/,
    );
    // Int images are rounded and clipped to their range, as Keras does.
    const ints = scaleAndTranslate(tensor([0, 10], [2], 'int32'), [3], [1.5], [0], [0], 'cubic');
    expect(ints.dtype).toBe('int32');
  });

  it('pass float64 gradient checks', () => {
    gradCheck(
      (x) => gaussianBlur(x, { kernelSize: [3, 2], sigma: [0.9, 1.3] }),
      [randomValues([1, 4, 3, 2], 11)],
    );
    gradCheck((x) => sobelEdges(x), [randomValues([1, 3, 4, 1], 12)]);
    gradCheck(
      (x) => scaleAndTranslate(x, [2, 5, 3], [1.6, 0.7], [0.2, -0.1], [1, 2], 'cubic'),
      [randomValues([2, 3, 4], 13)],
    );
    gradCheck(
      (a, b) => ssim(a, b, { filterSize: 3 }),
      [randomValues([1, 4, 4, 1], 14, 0, 1), randomValues([1, 4, 4, 1], 15, 0, 1)],
    );
  });

  it('gradients reach the images through the warps', () => {
    const g = grad((x: Tensor) => affineTransform(x, [1, 0, 0.5, 0, 1, 0, 0, 0]).sum())(img);
    expect(g.shape).toEqual(img.shape);
  });
});
