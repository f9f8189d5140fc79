/**
 * Keras's `ops.image` names over Tessera's image ops: `resize` (Keras's interpolations,
 * antialias, aspect-ratio crop or pad) and `rgbToGrayscale`, on a batch `[B, H, W, C]` or one
 * image `[H, W, C]` (channels last).
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { type ResizeOptions, resizeImages } from './image.js';
import { sum } from './reduce.js';

function images(x: TensorLike, op: string): { t: Tensor; single: boolean } {
  let t = convertToTensor(x, op, 'images');
  if (t.dtype !== 'float32' && t.dtype !== 'float64') t = t.cast('float32');
  if (t.rank !== 3 && t.rank !== 4)
    throw new ShapeError(
      `${op}: images must be [batch, height, width, channels] or [height, width, channels], got ${fmtShape(t.shape)}`,
    );
  return t.rank === 3 ? { t: t.expandDims(0), single: true } : { t, single: false };
}

/**
 * Resizes images to `size` = [height, width] (Keras's `ops.image.resize`).
 *
 * Formula: separable resampling of height then width (bilinear, nearest, bicubic, lanczos3,
 * lanczos5, area per Keras), after an optional central crop or pad to the target aspect ratio.
 *
 * Shape: `[B, H, W, C]` → `[B, height, width, C]` (or without the batch axis).
 * @example resize(img, [64, 64], { interpolation: 'bilinear', antialias: true })
 */
export function resize(
  x: TensorLike,
  size: readonly [number, number],
  opts: ResizeOptions = {},
): Tensor {
  const op = 'image.resize';
  const { t, single } = images(x, op);
  const [h, w] = size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
    throw new ValueError(`${op}: size must be two positive integers, got [${size.join(', ')}]`);
  const y = resizeImages(t, h, w, opts);
  return single ? y.squeeze(0) : y;
}

/**
 * RGB to one grayscale channel (Keras's `ops.image.rgb_to_grayscale`).
 *
 * Formula: `y = 0.2989 r + 0.587 g + 0.114 b`.
 *
 * Shape: `[..., H, W, 3]` → `[..., H, W, 1]`.
 * @example rgbToGrayscale(img) // one channel
 */
export function rgbToGrayscale(x: TensorLike): Tensor {
  const op = 'image.rgbToGrayscale';
  const { t, single } = images(x, op);
  if (t.shape[3] !== 3)
    throw new ShapeError(`${op}: images must have 3 channels, got ${fmtShape(t.shape)}`);
  const w = tensor([0.2989, 0.587, 0.114], [3], t.dtype);
  const y = sum(t.mul(w), -1, true);
  return single ? y.squeeze(0) : y;
}
export {
  type ColorOptions,
  type CropImagesOptions,
  type ExtractPatchesOptions,
  type GaussianBlurOptions,
  type PadImagesOptions,
  type SobelEdgesOptions,
  type SsimOptions,
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
export {
  type AffineTransformOptions,
  type ImageFillMode,
  type MapCoordinatesOptions,
  type PerspectiveTransformOptions,
  type ScaleAndTranslateMethod,
  type WarpInterpolation,
  affineTransform,
  mapCoordinates,
  perspectiveTransform,
  scaleAndTranslate,
} from './image_extra2.js';
