/**
 * More of Keras 3's `keras.ops.image`: `padImages`, `cropImages`, `extractPatches` (2-D and
 * 3-D), `rgbToHsv`, `hsvToRgb`, `gaussianBlur`, `sobelEdges` and `ssim`, on one image
 * `[H, W, C]` or a batch `[B, H, W, C]` (channels last by default; `dataFormat:
 * 'channelsFirst'` reads `[C, H, W]` / `[B, C, H, W]`). Each is composed of Tessera's ops
 * (pad, slices, elementwise ops, convolutions), so gradients flow to the images. The
 * resampling ops (`affineTransform`, `mapCoordinates`, `perspectiveTransform`,
 * `scaleAndTranslate`) are in image_extra2.ts.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import {
  type ConvPadding,
  type DataFormat,
  type DataFormatArg,
  checkPadding,
  conv2d,
  depthwiseConv2d,
  normalizeDataFormat,
  normalizeTuple,
  paddingFor,
} from './conv.js';
import { tensor } from './creation.js';
import {
  abs,
  add,
  cast,
  clip,
  div,
  equal,
  greater,
  less,
  maximum,
  minimum,
  mod,
  mul,
  sub,
  where,
} from './elementwise.js';
import { concat, pad, slice, split, stack, stridedSlice, transpose } from './movement.js';
import { mean } from './reduce.js';

// ---------------------------------------------------------------------------------------------
// Shared input handling

/** How an op treats the dtype of its images. */
type DTypeRule =
  /** Any dtype passes through (pure data movement). */
  | 'keep'
  /** int32 is computed in float32 and cast back (Keras's `astype(input_dtype)`); bool refused. */
  | 'float'
  /** Only float32/float64 (Keras raises on other dtypes). */
  | 'requireFloat';

/**
 * Images as a channels-last batch `[B, ...spatial, C]`, and the way back to the caller's
 * layout (channels axis, batch axis, dtype).
 * @internal
 */
export interface ImageBatch {
  /** Channels-last, batched images in the compute dtype. */
  t: Tensor;
  /** The caller passed one image (no batch axis). */
  single: boolean;
  df: DataFormat;
  /** Back to the caller's layout: channels axis, batch axis and (rule 'float') dtype. */
  restore: (y: Tensor) => Tensor;
}

/**
 * Reads images of `spatial` spatial axes (2: images, 3: volumes) in `dataFormat`, checks
 * rank and dtype, and returns them channels-last with a batch axis.
 *
 * Formula: `t = transpose(x)` to channels last (channelsFirst only), `restore(t) = x`.
 *
 * Shape: `[H, W, C]` / `[B, H, W, C]` (channelsFirst `[C, H, W]` / `[B, C, H, W]`) →
 * `[B, H, W, C]` (B = 1 for one image).
 * @example const { t, restore } = imageBatch(img, 'image.op', 'channelsFirst', 'float');
 * @internal
 */
export function imageBatch(
  x: TensorLike,
  op: string,
  dataFormat: DataFormatArg | undefined | null,
  rule: DTypeRule,
  spatial = 2,
  what = 'images',
): ImageBatch {
  const df = normalizeDataFormat(dataFormat, op);
  let t = convertToTensor(x, op, what);
  const dims = spatial === 2 ? ['height', 'width'] : ['depth', 'height', 'width'];
  const one = df === 'channelsLast' ? [...dims, 'channels'] : ['channels', ...dims];
  if (t.rank !== spatial + 1 && t.rank !== spatial + 2)
    throw new ShapeError(
      `${op}: ${what} must be [batch, ${one.join(', ')}] or [${one.join(', ')}], got ${fmtShape(t.shape)}`,
    );
  const inDType = t.dtype;
  if (rule !== 'keep' && !isFloat(inDType)) {
    if (rule === 'requireFloat' || inDType === 'bool')
      throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${inDType}`);
    t = cast(t, 'float32');
  }
  const single = t.rank === spatial + 1;
  if (single) t = t.expandDims(0);
  const r = spatial + 2;
  const toLast = [0, ...Array.from({ length: spatial }, (_, i) => i + 2), 1];
  const toFirst = [0, r - 1, ...Array.from({ length: spatial }, (_, i) => i + 1)];
  if (df === 'channelsFirst') t = transpose(t, toLast);
  const restore = (y: Tensor): Tensor => {
    let out = df === 'channelsFirst' ? transpose(y, toFirst) : y;
    if (single) out = out.squeeze(0);
    return out.dtype !== inDType && rule === 'float' ? cast(out, inDType) : out;
  };
  return { t, single, df, restore };
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

// ---------------------------------------------------------------------------------------------
// padImages, cropImages

/** Options of {@link padImages}: two of each (before, after, target) triple. */
export interface PadImagesOptions {
  /** Rows of zeros added on top. */
  topPadding?: number | null;
  /** Columns of zeros added on the left. */
  leftPadding?: number | null;
  /** Rows of zeros added at the bottom. */
  bottomPadding?: number | null;
  /** Columns of zeros added on the right. */
  rightPadding?: number | null;
  /** Height of the output. */
  targetHeight?: number | null;
  /** Width of the output. */
  targetWidth?: number | null;
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/** Options of {@link cropImages}: two of each (before, after, target) triple. */
export interface CropImagesOptions {
  /** Rows removed from the top. */
  topCropping?: number | null;
  /** Columns removed from the left. */
  leftCropping?: number | null;
  /** Rows removed from the bottom. */
  bottomCropping?: number | null;
  /** Columns removed from the right. */
  rightCropping?: number | null;
  /** Height of the output. */
  targetHeight?: number | null;
  /** Width of the output. */
  targetWidth?: number | null;
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Resolves one axis's (before, after, target) triple, exactly two of which are given, for an
 * axis of `size`: `target = before + size + after` (padding) or `before + target + after =
 * size` (cropping). Keras's validation: exactly two given, each given one ≥ 0, and the
 * inferred one ≥ 0.
 */
function resolveTriple(
  op: string,
  names: readonly [string, string, string],
  given: readonly [number | null | undefined, number | null | undefined, number | null | undefined],
  size: number,
  padding: boolean,
  axis: string,
): [number, number, number] {
  const set = given.map((v) => v !== undefined && v !== null);
  if (set.filter(Boolean).length !== 2)
    throw new ValueError(
      `${op}: must give exactly two of ${names.join(', ')}, got ${names.map((n, i) => `${n}=${given[i] ?? 'null'}`).join(', ')}`,
    );
  given.forEach((v, i) => {
    if (set[i] && (!Number.isInteger(v) || (v as number) < 0))
      throw new ValueError(`${op}: ${names[i]} must be an integer >= 0, got ${v}`);
  });
  let [before, after, target] = given as [number, number, number];
  if (padding) {
    if (!set[0]) before = target - after - size;
    if (!set[1]) after = target - before - size;
    if (!set[2]) target = before + size + after;
  } else {
    if (!set[0]) before = size - target - after;
    if (!set[1]) after = size - target - before;
    if (!set[2]) target = size - before - after;
  }
  const vals = [before, after, target];
  const bad = vals.findIndex((v) => v < 0);
  if (bad >= 0)
    throw new ValueError(
      `${op}: ${names[bad]} must be >= 0, got ${vals[bad]} (from ${names
        .filter((_, i) => set[i])
        .map((n) => `${n}=${given[names.indexOf(n)]}`)
        .join(', ')} and ${axis} ${size})`,
    );
  return [before, after, target];
}

/**
 * Pads images with zeros to a size (Keras's `ops.image.pad_images`).
 *
 * Formula: per spatial axis give two of (before, after, target); the third follows from
 * `target = before + size + after`. `y[top + i, left + j] = x[i, j]`, zeros elsewhere.
 *
 * Shape: `[B, H, W, C]` → `[B, targetHeight, targetWidth, C]` (or without the batch axis;
 * channelsFirst: `[B, C, H, W]` → `[B, C, targetHeight, targetWidth]`).
 * @example padImages(img, { topPadding: 2, leftPadding: 3, targetHeight: 20, targetWidth: 30 })
 */
export function padImages(images: TensorLike, opts: PadImagesOptions = {}): Tensor {
  const op = 'image.padImages';
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'keep');
  const [, h, w] = t.shape as [number, number, number, number];
  const [top, bottom] = resolveTriple(
    op,
    ['topPadding', 'bottomPadding', 'targetHeight'],
    [opts.topPadding, opts.bottomPadding, opts.targetHeight],
    h,
    true,
    'height',
  );
  const [left, right] = resolveTriple(
    op,
    ['leftPadding', 'rightPadding', 'targetWidth'],
    [opts.leftPadding, opts.rightPadding, opts.targetWidth],
    w,
    true,
    'width',
  );
  return restore(
    pad(t, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]),
  );
}

/**
 * Crops images to a size (Keras's `ops.image.crop_images`).
 *
 * Formula: per spatial axis give two of (before, after, target); the third follows from
 * `before + target + after = size`. `y[i, j] = x[top + i, left + j]`.
 *
 * Shape: `[B, H, W, C]` → `[B, targetHeight, targetWidth, C]` (or without the batch axis;
 * channelsFirst: `[B, C, H, W]` → `[B, C, targetHeight, targetWidth]`).
 * @example cropImages(img, { topCropping: 0, leftCropping: 0, targetHeight: 2, targetWidth: 2 })
 */
export function cropImages(images: TensorLike, opts: CropImagesOptions = {}): Tensor {
  const op = 'image.cropImages';
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'keep');
  const [b, h, w, c] = t.shape as [number, number, number, number];
  const [top, , th] = resolveTriple(
    op,
    ['topCropping', 'bottomCropping', 'targetHeight'],
    [opts.topCropping, opts.bottomCropping, opts.targetHeight],
    h,
    false,
    'height',
  );
  const [left, , tw] = resolveTriple(
    op,
    ['leftCropping', 'rightCropping', 'targetWidth'],
    [opts.leftCropping, opts.rightCropping, opts.targetWidth],
    w,
    false,
    'width',
  );
  return restore(slice(t, [0, top, left, 0], [b, th, tw, c]));
}

// ---------------------------------------------------------------------------------------------
// extractPatches, extractPatches3d

/** Options of {@link extractPatches} and {@link extractPatches3d}. */
export interface ExtractPatchesOptions {
  /** Step between patches, one number or one per spatial axis (default: the patch size). */
  strides?: number | readonly number[] | null;
  /** Spacing of the samples inside a patch, one number or one per spatial axis (default 1). */
  dilationRate?: number | readonly number[];
  /** 'valid' (default): patches inside the image; 'same': zero padding, `⌈size / stride⌉` patches. */
  padding?: ConvPadding;
  /** Axis order of the input and of the output (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/** Patches of a channels-last batch `[B, ...spatial, C]` → `[B, ...out, Π size · C]`. */
function patchesNd(
  op: string,
  x: Tensor,
  size: readonly number[],
  opts: ExtractPatchesOptions,
): Tensor {
  const n = size.length;
  const strides = normalizeTuple(opts.strides ?? size, n, 'strides', op);
  const dil = normalizeTuple(opts.dilationRate ?? 1, n, 'dilationRate', op);
  const mode = checkPadding(opts.padding, ['valid', 'same'] as const, op);
  const sp = x.shape.slice(1, n + 1);
  const pads = sp.map((s, i) => paddingFor(mode, s, size[i]!, strides[i]!, dil[i]!));
  const xp = pad(x, [[0, 0], ...pads, [0, 0]]);
  const padded = xp.shape.slice(1, n + 1);
  const out = padded.map(
    (p, i) => Math.floor((p - (size[i]! - 1) * dil[i]! - 1) / strides[i]!) + 1,
  );
  if (out.some((o) => o < 1))
    throw new ShapeError(
      `${op}: a patch of size [${size.join(', ')}] with dilationRate [${dil.join(', ')}] does not fit the ${mode === 'same' ? 'padded ' : ''}spatial shape ${fmtShape(padded)}`,
    );
  const [b, c] = [x.shape[0]!, x.shape[n + 1]!];
  const pieces: Tensor[] = [];
  const offset = new Array<number>(n).fill(0);
  const total = size.reduce((a, v) => a * v, 1);
  for (let k = 0; k < total; k++) {
    // Row-major order of the offsets: Keras's identity-kernel convolution orders the patch
    // features as ((i·size₁ + j)·size₂ + …)·C + c.
    let rem = k;
    for (let d = n - 1; d >= 0; d--) {
      offset[d] = rem % size[d]!;
      rem = Math.floor(rem / size[d]!);
    }
    const begin = [0, ...offset.map((o, d) => o * dil[d]!), 0];
    const end = [b, ...begin.slice(1, n + 1).map((s, d) => s + (out[d]! - 1) * strides[d]! + 1), c];
    pieces.push(stridedSlice(xp, begin, end, [1, ...strides, 1]));
  }
  return stack(pieces, n + 1).reshape([b, ...out, total * c]);
}

function patchSize(size: unknown, n: number, op: string): number[] {
  return normalizeTuple(size as number | readonly number[], n, 'size', op);
}

/**
 * Extracts patches of images into the channels axis (Keras's `ops.image.extract_patches`);
 * a `size` of three numbers extracts 3-D patches of volumes ({@link extractPatches3d}).
 *
 * Formula: `y[b, i, j, (p·pw + q)·C + c] = x̃[b, i·sh + p·dh, j·sw + q·dw, c]`, x̃ the input
 * zero-padded for 'same' (TensorFlow's split, extra after).
 *
 * Shape: `[B, H, W, C]` → `[B, oh, ow, ph·pw·C]` with `oh = ⌊(H − (ph − 1)·dh − 1) / sh⌋ + 1`
 * ('valid') or `⌈H / sh⌉` ('same'); without the batch axis likewise; channelsFirst:
 * `[B, C, H, W]` → `[B, ph·pw·C, oh, ow]`.
 * @example extractPatches(zeros([2, 20, 20, 3]), 5).shape // [2, 4, 4, 75]
 */
export function extractPatches(
  images: TensorLike,
  size: number | readonly number[],
  opts: ExtractPatchesOptions = {},
): Tensor {
  const op = 'image.extractPatches';
  if (
    typeof size !== 'number' &&
    (!Array.isArray(size) || (size.length !== 2 && size.length !== 3))
  )
    throw new ValueError(
      `${op}: size must be a number or 2 numbers (3 for volumes), got ${JSON.stringify(size)}`,
    );
  if (typeof size !== 'number' && size.length === 3) return extractPatches3d(images, size, opts);
  const s = patchSize(size, 2, op);
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'keep');
  return restore(patchesNd(op, t, s, opts));
}

/**
 * Extracts 3-D patches of volumes into the channels axis (Keras's
 * `ops.image.extract_patches_3d`).
 *
 * Formula: `y[b, i, j, k, ((p·ph + q)·pw + r)·C + c] = x̃[b, i·sd + p·dd, j·sh + q·dh,
 * k·sw + r·dw, c]`, x̃ zero-padded for 'same'.
 *
 * Shape: `[B, D, H, W, C]` → `[B, od, oh, ow, pd·ph·pw·C]` (or without the batch axis;
 * channelsFirst: `[B, C, D, H, W]` → `[B, pd·ph·pw·C, od, oh, ow]`).
 * @example extractPatches3d(zeros([2, 10, 10, 10, 3]), 3).shape // [2, 3, 3, 3, 81]
 */
export function extractPatches3d(
  volumes: TensorLike,
  size: number | readonly number[],
  opts: ExtractPatchesOptions = {},
): Tensor {
  const op = 'image.extractPatches3d';
  const s = patchSize(size, 3, op);
  const { t, restore } = imageBatch(volumes, op, opts.dataFormat, 'keep', 3, 'volumes');
  return restore(patchesNd(op, t, s, opts));
}

// ---------------------------------------------------------------------------------------------
// rgbToHsv, hsvToRgb

/** Options of the colour-space conversions. */
export interface ColorOptions {
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

function threeChannels(t: Tensor, op: string): [Tensor, Tensor, Tensor] {
  if (t.shape[3] !== 3)
    throw new ShapeError(`${op}: images must have 3 channels, got ${t.shape[3]}`);
  return split(t, 3, -1) as [Tensor, Tensor, Tensor];
}

/**
 * RGB to HSV, all in [0, 1] (Keras's `ops.image.rgb_to_hsv`, after dm_pix); hue 0 is red,
 * 1/3 green, 2/3 blue.
 *
 * Formula: `v = max(r, g, b)`, `s = (v − min) / v` (0 where v = 0), `h = ((g − b) / 6Δ) mod 1`
 * where v = r, `(b − r) / 6Δ + 1/3` where v = g, `(r − g) / 6Δ + 2/3` otherwise (0 where
 * Δ = v − min = 0); inputs below the dtype's epsilon in magnitude count as 0.
 *
 * Shape: `[..., H, W, 3]` → same (channelsFirst: `[..., 3, H, W]`).
 * @example rgbToHsv(tensor([[[1, 0, 0]]])) // [[[0, 1, 1]]]
 */
export function rgbToHsv(images: TensorLike, opts: ColorOptions = {}): Tensor {
  const op = 'image.rgbToHsv';
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'requireFloat');
  const eps = t.dtype === 'float64' ? 2 ** -52 : 2 ** -23;
  const x = where(less(abs(t), eps), 0, t);
  const [r, g, b] = threeChannels(x, op);
  const value = maximum(maximum(r, g), b);
  const range = sub(value, minimum(minimum(r, g), b));
  const pos = greater(value, 0);
  const saturation = where(pos, div(range, where(pos, value, 1)), 0);
  const hasRange = greater(range, 0);
  const norm = div(1, mul(where(hasRange, range, 1), 6));
  let hue = where(
    equal(value, g),
    add(mul(norm, sub(b, r)), 2 / 6),
    add(mul(norm, sub(r, g)), 4 / 6),
  );
  hue = where(equal(value, r), mul(norm, sub(g, b)), hue);
  hue = add(where(hasRange, hue, 0), cast(less(hue, 0), hue.dtype));
  return restore(concat([hue, saturation, value], -1));
}

/**
 * HSV to RGB, all in [0, 1] (Keras's `ops.image.hsv_to_rgb`, after dm_pix).
 *
 * Formula: `d = 6·(h mod 1)`, `r = v·(1 − s + s·clip(|d − 3| − 1, 0, 1))`,
 * `g = v·(1 − s + s·clip(2 − |d − 2|, 0, 1))`, `b = v·(1 − s + s·clip(2 − |d − 4|, 0, 1))`.
 *
 * Shape: `[..., H, W, 3]` → same (channelsFirst: `[..., 3, H, W]`).
 * @example hsvToRgb(tensor([[[0, 1, 1]]])) // [[[1, 0, 0]]]
 */
export function hsvToRgb(images: TensorLike, opts: ColorOptions = {}): Tensor {
  const op = 'image.hsvToRgb';
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'requireFloat');
  const [h, s, v] = threeChannels(t, op);
  const dh = mul(mod(h, 1), 6);
  const dr = clip(sub(abs(sub(dh, 3)), 1), 0, 1);
  const dg = clip(sub(2, abs(sub(dh, 2))), 0, 1);
  const db = clip(sub(2, abs(sub(dh, 4))), 0, 1);
  const oneMinusS = sub(1, s);
  const channel = (d: Tensor) => mul(v, add(oneMinusS, mul(s, d)));
  return restore(concat([channel(dr), channel(dg), channel(db)], -1));
}

// ---------------------------------------------------------------------------------------------
// gaussianBlur, sobelEdges, ssim

/** Normalized 1-D Gaussian taps at `i − (size − 1)/2`, i = 0 … size − 1. */
function gaussian1d(size: number, sigma: number): number[] {
  const w = Array.from({ length: size }, (_, i) => {
    const x = (i - (size - 1) / 2) / sigma;
    return Math.exp(-0.5 * x * x);
  });
  const total = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / total);
}

/** Options of {@link gaussianBlur}. */
export interface GaussianBlurOptions {
  /**
   * Kernel size, one number or two (default [3, 3]). As in Keras, `kernelSize[0]` is the
   * kernel's extent along the width and `kernelSize[1]` along the height.
   */
  kernelSize?: number | readonly [number, number];
  /** Standard deviation, one number or two, paired with `kernelSize` (default [1, 1]). */
  sigma?: number | readonly [number, number];
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Blurs images with a Gaussian kernel, each channel on its own (Keras's
 * `ops.image.gaussian_blur`); zero padding keeps the size.
 *
 * Formula: `y = x ⋆ (g_y ⊗ g_x)` with `g_x[i] ∝ exp(−½((i − (k₀ − 1)/2) / σ₀)²)` over the
 * width (k₀ = kernelSize[0], σ₀ = sigma[0]) and `g_y` likewise from kernelSize[1], sigma[1]
 * over the height, each summing to 1; padding `⌊(k − 1)/2⌋` before, the rest after.
 *
 * Shape: `[B, H, W, C]` → same (or without the batch axis; channelsFirst likewise).
 * @example gaussianBlur(img, { kernelSize: [5, 5], sigma: [1.5, 1.5] })
 */
export function gaussianBlur(images: TensorLike, opts: GaussianBlurOptions = {}): Tensor {
  const op = 'image.gaussianBlur';
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'float');
  const [kx, ky] = normalizeTuple(opts.kernelSize ?? 3, 2, 'kernelSize', op);
  const sig = opts.sigma ?? 1;
  const sigma = typeof sig === 'number' ? [sig, sig] : [...sig];
  if (sigma.length !== 2 || sigma.some((v) => !finite(v) || v <= 0))
    throw new ValueError(
      `${op}: sigma must be a positive number or two of them, got ${JSON.stringify(sig)}`,
    );
  const gx = gaussian1d(kx!, sigma[0]!);
  const gy = gaussian1d(ky!, sigma[1]!);
  const c = t.shape[3]!;
  const k = new Float64Array(ky! * kx! * c);
  for (let i = 0; i < ky!; i++)
    for (let j = 0; j < kx!; j++) k.fill(gy[i]! * gx[j]!, (i * kx! + j) * c, (i * kx! + j + 1) * c);
  const kernel = tensor(k, [ky!, kx!, c, 1], 'float64').cast(t.dtype);
  return restore(depthwiseConv2d(t, kernel, { padding: 'same' }));
}

/** Options of {@link sobelEdges}. */
export interface SobelEdgesOptions {
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/** `x` along `axis` with its first and last slices repeated once on each side. */
function edgePad(x: Tensor, axis: number): Tensor {
  const n = x.shape[axis]!;
  const size = [...x.shape];
  size[axis] = 1;
  const begin = x.shape.map(() => 0);
  const last = [...begin];
  last[axis] = n - 1;
  return concat([slice(x, begin, size), x, slice(x, last, size)], axis);
}

/** Slice `[from, from + len)` of `axis`. */
function along(x: Tensor, axis: number, from: number, len: number): Tensor {
  const begin = x.shape.map(() => 0);
  begin[axis] = from;
  const size = [...x.shape];
  size[axis] = len;
  return slice(x, begin, size);
}

/**
 * Sobel gradients of each channel (Keras's `ops.image.sobel_edges`): `[dy, dx]`, borders
 * reflected (the edge pixel repeated, SciPy's 'reflect').
 *
 * Formula: `dy[i, j] = Σ_q s_q (x[i + 1, j + q] − x[i − 1, j + q])`,
 * `dx[i, j] = Σ_p s_p (x[i + p, j + 1] − x[i + p, j − 1])` with `s = [1, 2, 1]` over
 * q, p ∈ {−1, 0, 1}.
 *
 * Shape: `[B, H, W, C]` → `[B, H, W, C, 2]` (channelsFirst: `[B, C, H, W]` →
 * `[B, C, H, W, 2]`); a single image `[H, W, C]` (an extension: Keras takes batches only)
 * gives `[H, W, C, 2]`.
 * @example sobelEdges(zeros([1, 8, 8, 1])).shape // [1, 8, 8, 1, 2]
 */
export function sobelEdges(images: TensorLike, opts: SobelEdgesOptions = {}): Tensor {
  const op = 'image.sobelEdges';
  const { t, single, df } = imageBatch(images, op, opts.dataFormat, 'float');
  const inDType = convertToTensor(images, op, 'images').dtype;
  const [, h, w] = t.shape as [number, number, number, number];
  const xp = edgePad(edgePad(t, 1), 2);
  const smooth = (d: Tensor, axis: number, n: number) =>
    add(add(along(d, axis, 0, n), mul(along(d, axis, 1, n), 2)), along(d, axis, 2, n));
  const dy = smooth(sub(along(xp, 1, 2, h), along(xp, 1, 0, h)), 2, w);
  const dx = smooth(sub(along(xp, 2, 2, w), along(xp, 2, 0, w)), 1, h);
  let y = stack([dy, dx], -1);
  if (df === 'channelsFirst') y = transpose(y, [0, 3, 1, 2, 4]);
  if (single) y = y.squeeze(0);
  return y.dtype !== inDType ? cast(y, inDType) : y;
}

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** The images' dynamic range, e.g. 1 or 255 (default 1). */
  maxVal?: number;
  /** Side of the Gaussian window (default 11; at most the image's height and width). */
  filterSize?: number;
  /** Standard deviation of the window (default 1.5). */
  filterSigma?: number;
  /** Luminance constant factor (default 0.01). */
  k1?: number;
  /** Contrast constant factor (default 0.03). */
  k2?: number;
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Structural similarity of two images (Keras's `ops.image.ssim`, Wang et al. 2004), averaged
 * over the valid window positions and the channels.
 *
 * Formula: with Gaussian-window means `μ`, variances `σ²` and covariance `σ₁₂` (window
 * `g ⊗ g`, 'valid' positions), `c₁ = (k₁·maxVal)²`, `c₂ = (k₂·maxVal)²`:
 * `ssim = mean((2μ₁μ₂ + c₁)(2σ₁₂ + c₂) / ((μ₁² + μ₂² + c₁)(σ₁² + σ₂² + c₂)))`.
 *
 * Shape: two `[B, H, W, C]` → `[B]`; two `[H, W, C]` → `[]` (channelsFirst likewise). Int
 * images give float32 (Keras casts the score back to the int dtype).
 * @example ssim(img, img) // 1
 */
export function ssim(image1: TensorLike, image2: TensorLike, opts: SsimOptions = {}): Tensor {
  const op = 'image.ssim';
  const a = imageBatch(image1, op, opts.dataFormat, 'float', 2, 'image1');
  const b = imageBatch(image2, op, opts.dataFormat, 'float', 2, 'image2');
  const s1 = convertToTensor(image1, op, 'image1').shape;
  const s2 = convertToTensor(image2, op, 'image2').shape;
  if (s1.join() !== s2.join())
    throw new ShapeError(
      `${op}: image1 and image2 must have the same shape, got ${fmtShape(s1)} and ${fmtShape(s2)}`,
    );
  let [x1, x2] = [a.t, b.t];
  if (x1.dtype !== x2.dtype) {
    const dt = x1.dtype === 'float64' || x2.dtype === 'float64' ? 'float64' : 'float32';
    [x1, x2] = [cast(x1, dt), cast(x2, dt)];
  }
  const maxVal = opts.maxVal ?? 1;
  const size = opts.filterSize ?? 11;
  const sigma = opts.filterSigma ?? 1.5;
  const k1 = opts.k1 ?? 0.01;
  const k2 = opts.k2 ?? 0.03;
  for (const [name, v] of [
    ['maxVal', maxVal],
    ['filterSigma', sigma],
  ] as const)
    if (!finite(v) || v <= 0) throw new ValueError(`${op}: ${name} must be > 0, got ${v}`);
  for (const [name, v] of [
    ['k1', k1],
    ['k2', k2],
  ] as const)
    if (!finite(v)) throw new ValueError(`${op}: ${name} must be a finite number, got ${v}`);
  const [n, h, w, c] = x1.shape as [number, number, number, number];
  if (!Number.isInteger(size) || size < 1 || size > h || size > w)
    throw new ValueError(
      `${op}: filterSize must be an integer in [1, min(height, width) = ${Math.min(h, w)}], got ${size}`,
    );
  const g = gaussian1d(size, sigma);
  const kv = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) kv[i * size + j] = g[i]! * g[j]!;
  const kernel = tensor(kv, [size, size, 1, 1], 'float64').cast(x1.dtype);
  // Channels become batch items: [B, H, W, C] → [B·C, H, W, 1].
  const perChannel = (x: Tensor) => transpose(x, [0, 3, 1, 2]).reshape([n * c, h, w, 1]);
  const [p1, p2] = [perChannel(x1), perChannel(x2)];
  const blur = (x: Tensor) => conv2d(x, kernel);
  const mu1 = blur(p1);
  const mu2 = blur(p2);
  const mu12 = mul(mu1, mu2);
  const mu1sq = mul(mu1, mu1);
  const mu2sq = mul(mu2, mu2);
  const var1 = sub(blur(mul(p1, p1)), mu1sq);
  const var2 = sub(blur(mul(p2, p2)), mu2sq);
  const cov = sub(blur(mul(p1, p2)), mu12);
  const c1 = (k1 * maxVal) ** 2;
  const c2 = (k2 * maxVal) ** 2;
  const num = mul(add(mul(mu12, 2), c1), add(mul(cov, 2), c2));
  const den = mul(add(add(mu1sq, mu2sq), c1), add(add(var1, var2), c2));
  const score = mean(mean(div(num, den), [1, 2, 3]).reshape([n, c]), -1);
  return a.single ? score.reshape([]) : score;
}
