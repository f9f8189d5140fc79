/**
 * Keras 3's image preprocessing layers: `Rescaling` (`x · scale + offset`), `Resizing`
 * (bilinear, nearest, bicubic and Lanczos resampling with Keras's half-pixel rule, optional
 * crop or pad to the target aspect ratio, optional antialiasing) and `CenterCrop` (a central
 * slice, or Keras's `smart_resize` when the image is smaller than the target). The random
 * augmentation layers live in `augmentation.ts`; both use the option checks of `image_util.ts`.
 *
 * Images are rank 3 (`[height, width, channels]`) or rank 4 (`[batch, height, width,
 * channels]`), channels last by default. Every layer is built from differentiable ops (slice,
 * pad, gather, mul, sum), so gradients reach the input.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { type DataFormat, type DataFormatArg, normalizeDataFormat } from '../../ops/conv.js';
import { tensor } from '../../ops/creation.js';
import {
  RESIZE_INTERPOLATIONS,
  type ResizeInterpolation,
  resizeImages,
  smartResize,
} from '../../ops/image.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { isFloat } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from '../layer.js';
import { type SymbolicShape, fmtShapeNull } from '../symbolic.js';
import { fail, finiteNumber, oneOf, positiveInt } from './image_util.js';

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
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { scale: 1 };
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
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { height: 2, width: 2 };
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
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { height: 2, width: 2 };
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
