/**
 * 3-D convolution layers, as Keras 3's: `Conv3D` and `Conv3DTranspose`, on
 * `[batch, depth, height, width, channels]` data (or channels-first). Both are composites of
 * the 2-D ops: a 3-D convolution is the sum over kernel depth of 2-D convolutions of strided
 * depth slices, and a transposed one the sum over kernel depth of 2-D transposed convolutions
 * scattered to strided depth positions; gradients come from the 2-D ops, slicing and padding.
 */
import type { ConstraintIdentifier } from '../constraints.js';
import { ShapeError, ValueError } from '../errors.js';
import type { InitializerIdentifier } from '../initializers.js';
import { conv2d, conv2dTranspose, deconvOutputLength, paddingFor } from '../ops/conv.js';
import { pad, reshape, slice, stridedSlice, transpose } from '../ops/movement.js';
import type { RegularizerIdentifier } from '../regularizers.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  ExtraConv,
  type ExtraConvArgs,
  conConfig,
  convLength,
  convOutputShape,
  convTupleArg,
  initConfig,
  positiveIntArg,
  regConfig,
} from './conv_extra_base.js';
import { type CallOptions, type LayerVariable, single, singleShape } from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

/** Options of the 3-D convolution layers' kernels. */
interface KernelArgs {
  /** Kernel initializer (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the kernel after each update. */
  kernelConstraint?: ConstraintIdentifier | null;
}

/** A rank-5 input as channels-last `[n, d, h, w, c]`. */
function toChannelsLast(layer: ExtraConv, x: Tensor): Tensor {
  if (x.rank !== 5) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): expected input of rank 5 (${layer.dataFormat === 'channelsLast' ? '[batch, depth, height, width, channels]' : '[batch, channels, depth, height, width]'}), got shape ${fmtShapeNull(x.shape)}`,
    );
  }
  return layer.dataFormat === 'channelsFirst' ? transpose(x, [0, 2, 3, 4, 1]) : x;
}

function fromChannelsLast(layer: ExtraConv, y: Tensor): Tensor {
  return layer.dataFormat === 'channelsFirst' ? transpose(y, [0, 4, 1, 2, 3]) : y;
}

/** Kernel depth slice `i` of a `[kd, …rest]` kernel, as `[…rest]`. */
function depthSlice(k: Tensor, i: number): Tensor {
  const rest = k.shape.slice(1);
  return reshape(slice(k, [i, 0, 0, 0, 0], [1, ...rest]), rest);
}

// ---------------------------------------------------------------------------------------------
// Conv3D

/** Options of {@link Conv3D}. */
export interface Conv3DArgs extends ExtraConvArgs, KernelArgs {
  /** Number of output channels (filters). */
  filters: number;
  /**
   * Channel groups (default 1): the input channels and the filters are split into `groups`
   * parts, filter part g seeing only input part g. Must divide both.
   */
  groups?: number;
}

/**
 * 3-D convolution layer (spatial convolution over volumes): a kernel of `filters` filters is
 * slid over the depth, height and width axes; adds a bias and applies the activation.
 *
 * Formula: `y = activation(conv3d(x, kernel) + bias)`, with `conv3d(x, k)[b, i, j, l, o] =
 * Σ_{di, dj, dl, c} x[b, i·sd + di·dd − front, j·sh + dj·dh − top, l·sw + dl·dw − left, c] ·
 * k[di, dj, dl, c, o]` (per group when `groups > 1`), computed as
 * `Σ_di conv2d(x[:, di·dd + i·sd], k[di])`.
 *
 * Shape: `[batch, d, h, w, channels]` → `[batch, od, oh, ow, filters]` (channelsFirst:
 * `[batch, channels, d, h, w]` → `[batch, filters, od, oh, ow]`), with
 * `od = ⌊(d − (kd − 1)·dd − 1) / sd⌋ + 1` ('valid') or `⌈d / sd⌉` ('same'), and alike for h, w;
 * kernel `[kd, kh, kw, channels / groups, filters]`, bias `[filters]`.
 * @example
 * const conv = new Conv3D({ filters: 8, kernelSize: 3, padding: 'same' });
 * conv.apply(zeros([1, 4, 8, 8, 2])).shape; // [1, 4, 8, 8, 8]
 */
export class Conv3D extends ExtraConv {
  static override readonly className = 'Conv3D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  readonly filters: number;
  readonly groups: number;
  private readonly cargs: Conv3DArgs;
  kernel: LayerVariable | null = null;

  constructor(args: Conv3DArgs) {
    super(args, 3);
    this.cargs = args;
    this.filters = positiveIntArg(this, args.filters, 'filters');
    this.groups = positiveIntArg(this, args.groups, 'groups', 1);
    if (this.filters % this.groups !== 0) {
      throw new ValueError(
        `${this.name} (Conv3D): filters (${this.filters}) must be divisible by groups (${this.groups})`,
      );
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = this.channelsOf(shape);
    if (c % this.groups !== 0) {
      throw new ShapeError(
        `${this.name} (Conv3D): input channels (${c}) must be divisible by groups (${this.groups}), got input shape ${fmtShapeNull(shape)}`,
      );
    }
    const a = this.cargs;
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, c / this.groups, this.filters],
      initializer: a.kernelInitializer ?? 'glorotUniform',
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.makeBias(this.filters);
    this.lockChannels(c);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x0 = single(inputs, this);
    const x = toChannelsLast(this, x0);
    const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
    const out = [d, h, w].map((s, i) =>
      convLength(s, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!),
    ) as number[];
    if (out.some((s) => s < 1)) {
      throw new ShapeError(
        `${this.name} (Conv3D): the (dilated) kernel [${this.kernelSize.join(', ')}] does not fit the input's spatial size [${d}, ${h}, ${w}] with padding 'valid', got input shape ${fmtShapeNull(x0.shape)}`,
      );
    }
    const [kd] = this.kernelSize as [number];
    const [sd, sh, sw] = this.strides as [number, number, number];
    const [dd, dh, dw] = this.dilationRate as [number, number, number];
    const [pb, pa] = paddingFor(this.padding, d, kd, sd, dd);
    const xp =
      pb + pa > 0
        ? pad(x, [
            [0, 0],
            [pb, pa],
            [0, 0],
            [0, 0],
            [0, 0],
          ])
        : x;
    const od = out[0]!;
    let acc: Tensor | null = null;
    for (let i = 0; i < kd; i++) {
      // The depth positions kernel slice i meets: i·dd + t·sd for the od outputs t.
      const start = i * dd;
      const slab = stridedSlice(
        xp,
        [0, start, 0, 0, 0],
        [n, start + (od - 1) * sd + 1, h, w, c],
        [1, sd, 1, 1, 1],
      );
      const yi = conv2d(reshape(slab, [n * od, h, w, c]), depthSlice(this.kernel!, i), {
        strides: [sh, sw],
        padding: this.padding,
        dilationRate: [dh, dw],
        groups: this.groups,
      });
      acc = acc ? acc.add(yi) : yi;
    }
    const y = reshape(acc!, [n, od, out[1]!, out[2]!, this.filters]);
    return this.finish(fromChannelsLast(this, y));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return convOutputShape(shape, this.dataFormat, this.filters, (i, n) =>
      convLength(n, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!),
    );
  }

  override getConfig(): Config {
    const a = this.cargs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.baseConfig(),
      groups: this.groups,
      ...this.tailConfig(),
      kernelInitializer: initConfig(a.kernelInitializer, 'glorotUniform'),
      kernelRegularizer: regConfig(a.kernelRegularizer),
      kernelConstraint: conConfig(a.kernelConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', Conv3D);

// ---------------------------------------------------------------------------------------------
// Conv3DTranspose

/** Options of {@link Conv3DTranspose}. */
export interface Conv3DTransposeArgs extends ExtraConvArgs, KernelArgs {
  /** Number of output channels (filters). */
  filters: number;
  /**
   * Extra positions on one side of the output: one integer or [depth, height, width], each
   * smaller than its stride. Default null: the output size follows Keras's rule (see the class).
   */
  outputPadding?: number | readonly number[] | null;
}

/**
 * Transposed 3-D convolution (sometimes called deconvolution): the gradient of a Conv3D with
 * respect to its input, used to upsample volumes. Adds a bias and applies the activation.
 *
 * Formula: `y = activation(conv3dTranspose(x, kernel) + bias)`; each input voxel adds
 * `x[b, i, j, l, :] · kernel[di, dj, dl, :, :]ᵀ` at output
 * `(i·sd + di·dd − front, j·sh + dj·dh − top, l·sw + dl·dw − left)`.
 *
 * Shape: `[batch, d, h, w, channels]` → `[batch, od, oh, ow, filters]`; without outputPadding
 * `od = d·sd + max(k′ − sd, 0)` ('valid') or `d·sd` ('same'), with it
 * `od = (d − 1)·sd + k′ − 2·pad + outputPadding` (pad = ⌊k′/2⌋ for 'same', else 0), where
 * `k′ = (kd − 1)·dd + 1`, and alike for h, w; kernel `[kd, kh, kw, filters, channels]`
 * (Keras's layout), bias `[filters]`.
 * @example
 * const up = new Conv3DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' });
 * up.apply(zeros([1, 2, 4, 4, 8])).shape; // [1, 4, 8, 8, 4]
 */
export class Conv3DTranspose extends ExtraConv {
  static override readonly className = 'Conv3DTranspose';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  readonly filters: number;
  readonly outputPadding: number[] | null;
  private readonly targs: Conv3DTransposeArgs;
  kernel: LayerVariable | null = null;

  constructor(args: Conv3DTransposeArgs) {
    super(args, 3);
    this.targs = args;
    this.filters = positiveIntArg(this, args.filters, 'filters');
    this.outputPadding =
      args.outputPadding === undefined || args.outputPadding === null
        ? null
        : convTupleArg(this, args.outputPadding, 3, 'outputPadding', 0, 0);
    if (this.outputPadding?.some((p, i) => p >= this.strides[i]!)) {
      throw new ValueError(
        `${this.name} (Conv3DTranspose): outputPadding [${this.outputPadding.join(', ')}] must be smaller than strides [${this.strides.join(', ')}]`,
      );
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = this.channelsOf(shape);
    const a = this.targs;
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, this.filters, c],
      initializer: a.kernelInitializer ?? 'glorotUniform',
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.makeBias(this.filters);
    this.lockChannels(c);
  }

  private outLength(i: number, n: number): number {
    return deconvOutputLength(
      n,
      this.kernelSize[i]!,
      this.padding,
      this.outputPadding ? this.outputPadding[i]! : null,
      this.strides[i]!,
      this.dilationRate[i]!,
    );
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x0 = single(inputs, this);
    const x = toChannelsLast(this, x0);
    const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
    const [kd] = this.kernelSize as [number];
    const [sd, sh, sw] = this.strides as [number, number, number];
    const [dd, dh, dw] = this.dilationRate as [number, number, number];
    const od = this.outLength(0, d);
    const dk = (kd - 1) * dd + 1;
    // The uncropped depth, and the crop in front: the padding a forward convolution from the
    // output's depth would use (TensorFlow's rule, as conv2dTranspose on height and width).
    const full = (d - 1) * sd + dk;
    const front =
      this.padding === 'valid' ? 0 : Math.floor(Math.max((d - 1) * sd + dk - od, 0) / 2);
    const op = this.outputPadding;
    const x2 = reshape(x, [n * d, h, w, c]);
    const spread = (d - 1) * sd + 1;
    let acc: Tensor | null = null;
    let oh = 0;
    let ow = 0;
    for (let i = 0; i < kd; i++) {
      const zi = conv2dTranspose(x2, depthSlice(this.kernel!, i), {
        strides: [sh, sw],
        padding: this.padding,
        outputPadding: op ? [op[1]!, op[2]!] : null,
        dilationRate: [dh, dw],
      });
      [, oh, ow] = zi.shape as [number, number, number, number];
      const inner = oh * ow * this.filters;
      // Input depth t lands at t·sd + i·dd: spread the d slices sd apart, then shift by i·dd.
      let zs = reshape(zi, [n, d, 1, inner]);
      if (sd > 1) {
        zs = pad(zs, [
          [0, 0],
          [0, 0],
          [0, sd - 1],
          [0, 0],
        ]);
        zs = slice(reshape(zs, [n, d * sd, inner]), [0, 0, 0], [n, spread, inner]);
      } else {
        zs = reshape(zs, [n, d, inner]);
      }
      const placed = pad(zs, [
        [0, 0],
        [i * dd, full - spread - i * dd],
        [0, 0],
      ]);
      acc = acc ? acc.add(placed) : placed;
    }
    const inner = oh * ow * this.filters;
    const extra = Math.max(front + od - full, 0);
    const padded = extra
      ? pad(acc!, [
          [0, 0],
          [0, extra],
          [0, 0],
        ])
      : acc!;
    const cropped = slice(padded, [0, front, 0], [n, od, inner]);
    const y = reshape(cropped, [n, od, oh, ow, this.filters]);
    return this.finish(fromChannelsLast(this, y));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return convOutputShape(shape, this.dataFormat, this.filters, (i, n) =>
      n === null ? null : this.outLength(i, n),
    );
  }

  override getConfig(): Config {
    const a = this.targs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.baseConfig(),
      outputPadding: this.outputPadding ? [...this.outputPadding] : null,
      ...this.tailConfig(),
      kernelInitializer: initConfig(a.kernelInitializer, 'glorotUniform'),
      kernelRegularizer: regConfig(a.kernelRegularizer),
      kernelConstraint: conConfig(a.kernelConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', Conv3DTranspose);

// Keras's other names for the same classes.
export { Conv3D as Convolution3D, Conv3DTranspose as Convolution3DTranspose };
