/**
 * Keras 3's image preprocessing layers: `Rescaling` (`x · scale + offset`), `Resizing`
 * (bilinear, nearest, bicubic and Lanczos resampling with Keras's half-pixel rule, optional
 * crop or pad to the target aspect ratio, optional antialiasing) and `CenterCrop` (a central
 * slice, or Keras's `smart_resize` when the image is smaller than the target). The random
 * augmentation layers live in `augmentation.ts` and share the helpers exported here.
 *
 * Images are rank 3 (`[height, width, channels]`) or rank 4 (`[batch, height, width,
 * channels]`), channels last by default. Every layer is built from differentiable ops (slice,
 * pad, gather, mul, sum), so gradients reach the input.
 */
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { type DataFormat, type DataFormatArg, normalizeDataFormat } from '../../ops/conv.js';
import { tensor } from '../../ops/creation.js';
import { gather, pad } from '../../ops/movement.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { allocArray, isFloat } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from '../layer.js';
import { type SymbolicShape, fmtShapeNull } from '../symbolic.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by augmentation.ts)

/**
 * @internal Throws a ValueError naming the layer and its class.
 * @example fail(this, 'height must be a positive integer, got 0');
 */
export function fail(layer: Layer, what: string): never {
  throw new ValueError(`${layer.name} (${layer.className}): ${what}`);
}

/**
 * @internal A positive integer option, or a ValueError naming the layer.
 * @example this.height = positiveInt(this, 'height', args.height);
 */
export function positiveInt(layer: Layer, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) {
    fail(layer, `${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

/**
 * @internal A finite number option, or a ValueError naming the layer.
 * @example this.fillValue = finiteNumber(this, 'fillValue', args.fillValue ?? 0);
 */
export function finiteNumber(layer: Layer, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(layer, `${name} must be a finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * @internal One of `allowed`, or a ValueError listing them.
 * @example oneOf(this, 'fillMode', 'wrap', ['reflect', 'wrap']); // 'wrap'
 */
export function oneOf<T extends string>(
  layer: Layer,
  name: string,
  v: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(v as T)) {
    fail(
      layer,
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

/** Options every image layer takes. */
export interface ImageLayerArgs extends LayerArgs {
  /**
   * Where the channels axis is: `'channelsLast'` (default; `[batch, height, width, channels]`)
   * or `'channelsFirst'` (`[batch, channels, height, width]`). Keras's `'channels_last'` /
   * `'channels_first'` are accepted.
   */
  dataFormat?: DataFormatArg;
}

/**
 * @internal Base of the image layers: the data format, the rank-3-or-4 check, and the
 * conversion of any accepted input to a channels-last batch (`[B, H, W, C]`) and back.
 * @example class MyImageLayer extends ImageLayer { ... this.onBatch(x, (b) => f(b)) ... }
 */
export abstract class ImageLayer extends Layer {
  readonly dataFormat: DataFormat;

  constructor(args: ImageLayerArgs | undefined) {
    super(args ?? {});
    try {
      this.dataFormat = normalizeDataFormat(args?.dataFormat, this.name);
    } catch {
      fail(
        this,
        `dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(args?.dataFormat)}`,
      );
    }
  }

  /** Refuses shapes that are neither one image (rank 3) nor a batch of images (rank 4). */
  protected checkImageShape(shape: SymbolicShape): void {
    if (shape.length === 3 || shape.length === 4) return;
    const one =
      this.dataFormat === 'channelsLast' ? 'height, width, channels' : 'channels, height, width';
    throw new ShapeError(
      `${this.name} (${this.className}): expected a rank-3 image [${one}] or a rank-4 batch [batch, ${one}], got shape ${fmtShapeNull(shape)} (rank ${shape.length})`,
    );
  }

  /** The height and width axes of a rank-3 or rank-4 shape in this layer's data format. */
  protected spatialAxes(rank: number): [number, number] {
    return this.dataFormat === 'channelsLast' ? [rank - 3, rank - 2] : [rank - 2, rank - 1];
  }

  /** `shape` with its height and width replaced (the output shape of a resizing layer). */
  protected withSize(shape: SymbolicShape, height: number, width: number): SymbolicShape {
    this.checkImageShape(shape);
    const [h, w] = this.spatialAxes(shape.length);
    const out = [...shape];
    out[h] = height;
    out[w] = width;
    return out;
  }

  /** The input in the layer's float dtype (Keras casts images to the compute dtype). */
  protected asFloat(x: Tensor): Tensor {
    const dt = isFloat(this.dtype) ? this.dtype : 'float32';
    return x.dtype === dt ? x : x.cast(dt);
  }

  /**
   * Runs `f` on the input as a channels-last batch `[B, H, W, C]` and returns its result in
   * the input's layout (a single image stays a single image).
   */
  protected onBatch(x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
    this.checkImageShape(x.shape);
    const single3 = x.rank === 3;
    let b = single3 ? x.expandDims(0) : x;
    if (this.dataFormat === 'channelsFirst') b = b.transpose([0, 2, 3, 1]);
    let y = f(b);
    if (this.dataFormat === 'channelsFirst') y = y.transpose([0, 3, 1, 2]);
    return single3 ? y.squeeze(0) : y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    this.checkImageShape(s);
    return s;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

/** Resampling methods of {@link Resizing}. */
export type ResizeInterpolation = 'bilinear' | 'nearest' | 'bicubic' | 'lanczos3' | 'lanczos5';

const RESIZE_INTERPOLATIONS: readonly ResizeInterpolation[] = [
  'bilinear',
  'nearest',
  'bicubic',
  'lanczos3',
  'lanczos5',
];

/** float32's machine epsilon (Keras's threshold for a vanishing kernel sum is 1000 of them). */
const F32_EPS = 2 ** -23;

/** A resampling kernel on distances ≥ 0 and the distance beyond which it is zero. */
interface Kernel {
  radius: number;
  f: (x: number) => number;
}

function lanczos(radius: number): Kernel {
  return {
    radius,
    f: (x) => {
      if (x > radius) return 0;
      if (x <= 1e-3) return 1;
      return (
        (radius * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / radius)) / (Math.PI ** 2 * x * x)
      );
    },
  };
}

const KERNELS: Record<Exclude<ResizeInterpolation, 'nearest'>, Kernel> = {
  // Keras's (JAX's) triangle and Keys cubic (a = −0.5) kernels.
  bilinear: { radius: 1, f: (x) => Math.max(0, 1 - x) },
  bicubic: {
    radius: 2,
    f: (x) => {
      if (x >= 2) return 0;
      if (x >= 1) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
      return (1.5 * x - 2.5) * x * x + 1;
    },
  },
  lanczos3: lanczos(3),
  lanczos5: lanczos(5),
};

/**
 * The taps of a resampling of one axis from `n` to `m` samples: for output `j`, `T` input
 * indices and weights (zero-weight padding where fewer are needed). Keras's rule (JAX's
 * `scale_and_translate`): the output sample sits at `s = (j + ½)·n/m − ½` in input
 * coordinates (half-pixel centers); weights are `k(|s − i| / ks)` over the inputs, divided by
 * their sum (so edges clamp), with `ks = max(n/m, 1)` under antialiasing and 1 otherwise.
 */
function kernelTaps(
  n: number,
  m: number,
  kernel: Kernel,
  antialias: boolean,
): { taps: number; index: Int32Array; weight: Float64Array } {
  const inv = 1 / (m / n);
  const ks = antialias ? Math.max(inv, 1) : 1;
  const rows: { i: number[]; w: number[] }[] = [];
  let taps = 1;
  for (let j = 0; j < m; j++) {
    const s = (j + 0.5) * inv - 0.5;
    const lo = Math.max(0, Math.floor(s - kernel.radius * ks));
    const hi = Math.min(n - 1, Math.ceil(s + kernel.radius * ks));
    const i: number[] = [];
    const w: number[] = [];
    let total = 0;
    for (let k = lo; k <= hi; k++) {
      const v = kernel.f(Math.abs(s - k) / ks);
      if (v === 0) continue;
      i.push(k);
      w.push(v);
      total += v;
    }
    // A vanishing sum, or a sample outside the input's extent, gives 0 (Keras's rule).
    const ok = Math.abs(total) > 1000 * F32_EPS && s >= -0.5 && s <= n - 0.5;
    rows.push({ i, w: w.map((v) => (ok ? v / total : 0)) });
    taps = Math.max(taps, i.length);
  }
  const index = new Int32Array(m * taps);
  const weight = new Float64Array(m * taps);
  rows.forEach((r, j) => {
    r.i.forEach((k, t) => {
      index[j * taps + t] = k;
      weight[j * taps + t] = r.w[t]!;
    });
  });
  return { taps, index, weight };
}

/**
 * Nearest-neighbour indices from `n` to `m` samples: `⌊(j + ½)·n/m⌋`, computed in float32 as
 * Keras does (so exact ties round the same way).
 */
function nearestIndices(n: number, m: number): Int32Array {
  const f = Math.fround;
  const out = new Int32Array(m);
  for (let j = 0; j < m; j++) out[j] = Math.min(n - 1, Math.floor(f(f(f(j + 0.5) * n) / m)));
  return out;
}

/** Resamples `axis` of `x` to `m` samples; the identity when the size already matches. */
function resizeAxis(
  x: Tensor,
  axis: number,
  m: number,
  interpolation: ResizeInterpolation,
  antialias: boolean,
): Tensor {
  const n = x.shape[axis]!;
  if (n === m) return x;
  if (interpolation === 'nearest')
    return gather(x, tensor(nearestIndices(n, m), [m], 'int32'), axis);
  const { taps, index, weight } = kernelTaps(n, m, KERNELS[interpolation], antialias);
  const g = gather(x, tensor(index, [m * taps], 'int32'), axis);
  const split = [...x.shape.slice(0, axis), m, taps, ...x.shape.slice(axis + 1)];
  const w = allocArray(x.dtype, weight.length);
  w.set(weight);
  const wShape = [m, taps, ...x.shape.slice(axis + 1).map(() => 1)];
  return g
    .reshape(split)
    .mul(tensor(w, wShape, x.dtype))
    .sum(axis + 1);
}

/**
 * @internal The crop window of Keras's `crop_to_aspect_ratio` / `smart_resize`: the largest
 * central window with the target's aspect ratio, as `[top, left, height, width]`.
 * @example aspectCropBox(6, 5, 3, 4); // [1, 0, 3, 5]
 */
export function aspectCropBox(
  height: number,
  width: number,
  targetHeight: number,
  targetWidth: number,
): [number, number, number, number] {
  const ch = Math.max(Math.min(height, Math.trunc((width * targetHeight) / targetWidth)), 1);
  const cw = Math.max(Math.min(width, Math.trunc((height * targetWidth) / targetHeight)), 1);
  return [Math.trunc((height - ch) / 2), Math.trunc((width - cw) / 2), ch, cw];
}

/** @internal Options of {@link resizeImages} (those of {@link ResizingArgs}). */
export interface ResizeOptions {
  interpolation?: ResizeInterpolation;
  antialias?: boolean;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  fillValue?: number;
}

/**
 * @internal Resizes a channels-last batch `[B, H, W, C]` to `[B, height, width, C]` as Keras's
 * `ops.image.resize`: an optional central crop (or symmetric pad) to the target aspect ratio,
 * then resampling of the height and the width axes.
 * @example resizeImages(zeros([2, 6, 5, 3]), 3, 4, { interpolation: 'bicubic' }).shape; // [2, 3, 4, 3]
 */
export function resizeImages(
  x: Tensor,
  height: number,
  width: number,
  o: ResizeOptions = {},
): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  let img = x;
  if (o.cropToAspectRatio) {
    const [top, left, ch, cw] = aspectCropBox(h, w, height, width);
    img = img.slice([0, top, left, 0], [b, ch, cw, c]);
  } else if (o.padToAspectRatio) {
    const ph = Math.max(h, Math.trunc((w * height) / width));
    const pw = Math.max(w, Math.trunc((h * width) / height));
    const top = Math.trunc((ph - h) / 2);
    const left = Math.trunc((pw - w) / 2);
    // Keras pads the same amount on both sides, and only one axis (rows first).
    if (top > 0)
      img = pad(
        img,
        [
          [0, 0],
          [top, top],
          [0, 0],
          [0, 0],
        ],
        o.fillValue ?? 0,
      );
    else if (left > 0)
      img = pad(
        img,
        [
          [0, 0],
          [0, 0],
          [left, left],
          [0, 0],
        ],
        o.fillValue ?? 0,
      );
  }
  const interp = o.interpolation ?? 'bilinear';
  const aa = o.antialias ?? false;
  return resizeAxis(resizeAxis(img, 1, height, interp, aa), 2, width, interp, aa);
}

/**
 * @internal Keras's `smart_resize` on a channels-last batch: the largest central window with
 * the target's aspect ratio, resized (bilinear) to the target.
 * @example smartResize(zeros([1, 6, 5, 3]), 3, 4).shape; // [1, 3, 4, 3]
 */
export function smartResize(x: Tensor, height: number, width: number): Tensor {
  return resizeImages(x, height, width, { cropToAspectRatio: true });
}

// ---------------------------------------------------------------------------------------------
// Rescaling

/** Options of {@link Rescaling}. */
export interface RescalingArgs extends LayerArgs {
  /** The factor: a number, or one per channel (broadcast against the last axis). */
  scale: number | readonly number[];
  /** Added after scaling: a number or one per channel (default 0). */
  offset?: number | readonly number[];
}

/**
 * Rescales every value: `[0, 255]` images to `[0, 1]` with `scale: 1 / 255`, or to `[-1, 1]`
 * with `scale: 1 / 127.5, offset: -1`. Active in training and inference; integer inputs come
 * out in the layer's float dtype.
 *
 * Formula: `y = x · scale + offset`.
 *
 * Shape: any → the same shape.
 * @example
 * new Rescaling({ scale: 1 / 255 }).apply(tensor([[0, 255]])); // [[0, 1]]
 */
export class Rescaling extends Layer {
  static override readonly className = 'Rescaling';
  readonly scale: number | number[];
  readonly offset: number | number[];

  constructor(args: RescalingArgs) {
    super(args);
    const check = (name: string, v: unknown): number | number[] => {
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (
        Array.isArray(v) &&
        v.length > 0 &&
        v.every((e) => typeof e === 'number' && Number.isFinite(e))
      )
        return [...v];
      return fail(
        this,
        `${name} must be a finite number or a non-empty array of them, got ${JSON.stringify(v)}`,
      );
    };
    this.scale = check('scale', args?.scale);
    this.offset = check('offset', args?.offset ?? 0);
    this.supportsMasking = true;
  }

  /** A per-channel list as a tensor broadcast against the last axis, checked against it. */
  private operand(v: number | number[], x: Tensor, name: string): number | Tensor {
    if (typeof v === 'number') return v;
    const c = x.shape[x.rank - 1];
    if (v.length !== 1 && v.length !== c) {
      throw new ShapeError(
        `${this.name} (Rescaling): ${name} has ${v.length} values, which does not broadcast against the input's last axis of size ${c ?? 'none'} (input shape ${fmtShape(x.shape)})`,
      );
    }
    return tensor(v, [v.length], x.dtype);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    const dt = isFloat(this.dtype) ? this.dtype : 'float32';
    if (x.dtype !== dt) x = x.cast(dt);
    return x.mul(this.operand(this.scale, x, 'scale')).add(this.operand(this.offset, x, 'offset'));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    const v = (a: number | number[]): ConfigValue => (typeof a === 'number' ? a : [...a]);
    return { ...super.getConfig(), scale: v(this.scale), offset: v(this.offset) };
  }
}

registerSerializable('layer', Rescaling);

// ---------------------------------------------------------------------------------------------
// Resizing

/** Options of {@link Resizing}. */
export interface ResizingArgs extends ImageLayerArgs {
  /** Height of the output images (a positive integer). */
  height: number;
  /** Width of the output images (a positive integer). */
  width: number;
  /**
   * `'bilinear'` (default), `'nearest'`, `'bicubic'` (Keys, a = −0.5), `'lanczos3'` or
   * `'lanczos5'`; all use half-pixel centers, as Keras 3.
   */
  interpolation?: ResizeInterpolation;
  /**
   * Resize without distorting the aspect ratio by first cropping the largest central window
   * with the target's aspect ratio (default false).
   */
  cropToAspectRatio?: boolean;
  /**
   * Resize without distorting the aspect ratio by first padding the short side evenly with
   * `fillValue` (default false). Exclusive with `cropToAspectRatio`.
   */
  padToAspectRatio?: boolean;
  /** How padded areas are filled: only `'constant'` (Keras's only mode too). */
  fillMode?: 'constant';
  /** The padding value of `padToAspectRatio` (default 0). */
  fillValue?: number;
  /** Widen the kernel when downsampling, to avoid aliasing (default false). Not for 'nearest'. */
  antialias?: boolean;
}

/**
 * Resizes images to `height × width`, as Keras 3's `Resizing` (`ops.image.resize`).
 *
 * Formula: per axis, output `j` samples the input at `s = (j + ½)·n/m − ½`; bilinear gives
 * `(1 − f)·x[⌊s⌋] + f·x[⌊s⌋ + 1]` (f = s − ⌊s⌋, clamped at the edges); nearest
 * `x[⌊(j + ½)·n/m⌋]`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, height, width, c]` (a single image `[h, w, c]` alike;
 * channelsFirst `[batch, c, h, w]` → `[batch, c, height, width]`).
 * @example
 * new Resizing({ height: 224, width: 224 }).apply(zeros([8, 32, 48, 3])).shape; // [8, 224, 224, 3]
 */
export class Resizing extends ImageLayer {
  static override readonly className = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: ResizeInterpolation;
  readonly cropToAspectRatio: boolean;
  readonly padToAspectRatio: boolean;
  readonly fillMode: 'constant';
  readonly fillValue: number;
  readonly antialias: boolean;

  constructor(args: ResizingArgs) {
    super(args);
    this.height = positiveInt(this, 'height', args?.height);
    this.width = positiveInt(this, 'width', args.width);
    this.interpolation = oneOf(
      this,
      'interpolation',
      args.interpolation ?? 'bilinear',
      RESIZE_INTERPOLATIONS,
    );
    this.cropToAspectRatio = Boolean(args.cropToAspectRatio ?? false);
    this.padToAspectRatio = Boolean(args.padToAspectRatio ?? false);
    if (this.cropToAspectRatio && this.padToAspectRatio) {
      fail(this, 'only one of cropToAspectRatio and padToAspectRatio can be true');
    }
    this.fillMode = oneOf(this, 'fillMode', args.fillMode ?? 'constant', ['constant'] as const);
    this.fillValue = finiteNumber(this, 'fillValue', args.fillValue ?? 0);
    this.antialias = Boolean(args.antialias ?? false);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    return this.onBatch(x, (b) =>
      resizeImages(b, this.height, this.width, {
        interpolation: this.interpolation,
        antialias: this.antialias,
        cropToAspectRatio: this.cropToAspectRatio,
        padToAspectRatio: this.padToAspectRatio,
        fillValue: this.fillValue,
      }),
    );
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.withSize(singleShape(inputShape, this), this.height, this.width);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      cropToAspectRatio: this.cropToAspectRatio,
      padToAspectRatio: this.padToAspectRatio,
      fillMode: this.fillMode,
      fillValue: this.fillValue,
      antialias: this.antialias,
    };
  }
}

registerSerializable('layer', Resizing);

// ---------------------------------------------------------------------------------------------
// CenterCrop

/** Options of {@link CenterCrop}. */
export interface CenterCropArgs extends ImageLayerArgs {
  /** Height of the output images (a positive integer). */
  height: number;
  /** Width of the output images (a positive integer). */
  width: number;
}

/**
 * Crops the central `height × width` window of each image. When the image is smaller than the
 * target along either axis, it instead takes the largest central window with the target's
 * aspect ratio and resizes it (bilinear) to the target: Keras's `smart_resize`.
 *
 * Formula: `y[b, i, j, c] = x[b, i + ⌊(h − height)/2⌋, j + ⌊(w − width)/2⌋, c]` when
 * `h ≥ height` and `w ≥ width`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, height, width, c]` (a single image alike).
 * @example
 * new CenterCrop({ height: 2, width: 2 }).apply(zeros([1, 4, 4, 3])).shape; // [1, 2, 2, 3]
 */
export class CenterCrop extends ImageLayer {
  static override readonly className = 'CenterCrop';
  readonly height: number;
  readonly width: number;

  constructor(args: CenterCropArgs) {
    super(args);
    this.height = positiveInt(this, 'height', args?.height);
    this.width = positiveInt(this, 'width', args.width);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    return this.onBatch(x, (b) => {
      const [n, h, w, c] = b.shape as [number, number, number, number];
      if (h < this.height || w < this.width) return smartResize(b, this.height, this.width);
      const top = Math.floor((h - this.height) / 2);
      const left = Math.floor((w - this.width) / 2);
      return b.slice([0, top, left, 0], [n, this.height, this.width, c]);
    });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.withSize(singleShape(inputShape, this), this.height, this.width);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}

registerSerializable('layer', CenterCrop);
