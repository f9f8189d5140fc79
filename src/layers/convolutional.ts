/**
 * Convolution layers, as Keras 3's: `Conv1D`, `Conv2D`, `Conv2DTranspose`, `DepthwiseConv2D`
 * and `SeparableConv2D`. Channels-last by default (`dataFormat: 'channelsFirst'` transposes
 * around the kernels); Glorot-uniform kernels and zero biases; weights named as Keras's
 * (`kernel`, `bias`, `depthwise_kernel`, `pointwise_kernel`).
 */
import {
  type ActivationFn,
  type ActivationIdentifier,
  fusableActivation,
  getActivation,
  serializeActivation,
} from '../activations.js';
import type { ConstraintIdentifier } from '../constraints.js';
import { ShapeError, ValueError } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import {
  type ConvPadding,
  type DataFormat,
  type DataFormatArg,
  biasAdd,
  conv1d,
  conv2d,
  conv2dTranspose,
  deconvOutputLength,
  depthwiseConv2d,
  normalizeDataFormat,
  separableConv2d,
} from '../ops/conv.js';
import { biasActivation } from '../ops/fused.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { serializeOpt } from './config_util.js';
import {
  conConfig,
  convLength,
  convOutputShape,
  regConfig,
  convTupleArg as tupleArg,
} from './conv_extra_base.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  type LayerVariable,
  single,
  singleShape,
} from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers

function paddingArg<P extends string>(
  layer: Layer,
  v: string | undefined,
  allowed: readonly P[],
): P {
  const p = (v ?? 'valid').toLowerCase();
  if (!allowed.includes(p as P)) {
    throw new ValueError(
      `${layer.name} (${layer.className}): padding must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(v)}`,
    );
  }
  return p as P;
}

function dataFormatArg(layer: Layer, v: DataFormatArg | undefined): DataFormat {
  try {
    return normalizeDataFormat(v, layer.name);
  } catch {
    throw new ValueError(
      `${layer.name} (${layer.className}): dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(v)}`,
    );
  }
}

/** Keras 3 refuses strides > 1 together with dilation > 1 in its convolution layers. */
function checkStridesDilation(layer: Layer, strides: number[], dilation: number[]): void {
  if (Math.max(...strides) > 1 && Math.max(...dilation) > 1) {
    throw new ValueError(
      `${layer.name} (${layer.className}): strides > 1 are not supported together with dilationRate > 1, got strides [${strides.join(', ')}] and dilationRate [${dilation.join(', ')}]`,
    );
  }
}

/** The channel axis of a `rank`-D input (batch included). */
function channelAxis(df: DataFormat, ndim: number): number {
  return df === 'channelsLast' ? ndim - 1 : 1;
}

/** The input's channel count, which must be known to build. */
function inputChannels(layer: Layer, shape: SymbolicShape, df: DataFormat): number {
  const c = shape[channelAxis(df, shape.length)];
  if (c === null || c === undefined) {
    throw new ValueError(
      `${layer.name} (${layer.className}): the channel axis of the input must be known, got shape ${fmtShapeNull(shape)}`,
    );
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Conv1D, Conv2D (and the shared base)

/** Options shared by every convolution layer. */
export interface BaseConvArgs extends LayerArgs {
  /** Size of the convolution window: one integer or one per spatial axis. */
  kernelSize: number | readonly number[];
  /** Step of the window: one integer or one per spatial axis (default 1). */
  strides?: number | readonly number[];
  /**
   * 'valid' (default): no padding, the output shrinks; 'same': zero padding so the output has
   * ⌈size / stride⌉ positions (extra padding after, as TensorFlow).
   */
  padding?: ConvPadding;
  /** 'channelsLast' (default, `[batch, …spatial, channels]`) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
  /**
   * Spacing of the kernel taps (atrous convolution): one integer or one per spatial axis
   * (default 1). Cannot be combined with strides > 1.
   */
  dilationRate?: number | readonly number[];
  /** Activation applied to the output (default linear). */
  activation?: ActivationIdentifier;
  /** Whether to add a bias vector (default true). */
  useBias?: boolean;
  /** Bias initializer (default zeros). */
  biasInitializer?: InitializerIdentifier;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the layer's output, added to the loss. */
  activityRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the bias after each update. */
  biasConstraint?: ConstraintIdentifier | null;
}

/** Options of {@link Conv2D} (and, with one spatial axis, {@link Conv1D}). */
export interface Conv2DArgs extends BaseConvArgs {
  /** Number of output channels (filters). */
  filters: number;
  /**
   * Channel groups (default 1): the input channels and the filters are split into `groups`
   * parts, filter part g seeing only input part g. Must divide both.
   */
  groups?: number;
  /** Kernel initializer (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the kernel after each update. */
  kernelConstraint?: ConstraintIdentifier | null;
}

/** Options of {@link Conv1D}. */
export interface Conv1DArgs extends Omit<Conv2DArgs, 'padding'> {
  /** 'valid' (default), 'same', or 'causal' (left padding only: output t sees inputs ≤ t). */
  padding?: ConvPadding | 'causal';
}

/** What the common base keeps: the normalized options shared by the convolution layers. */
abstract class BaseConv extends Layer {
  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  protected readonly base: BaseConvArgs;
  bias: LayerVariable | null = null;

  constructor(args: BaseConvArgs, rank: number, paddings: readonly string[]) {
    super(args);
    if (!args) throw new ValueError(`${this.name} (${this.className}): options are required`);
    this.base = args;
    this.rank = rank;
    this.kernelSize = tupleArg(this, args.kernelSize, rank, 'kernelSize', Number.NaN);
    this.strides = tupleArg(this, args.strides, rank, 'strides', 1);
    this.padding = paddingArg(this, args.padding, paddings);
    this.dataFormat = dataFormatArg(this, args.dataFormat);
    this.dilationRate = tupleArg(this, args.dilationRate, rank, 'dilationRate', 1);
    checkStridesDilation(this, this.strides, this.dilationRate);
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.inputSpec = { ndim: rank + 2 };
  }

  /** Adds the bias (when used) and the activation, and records the activity penalty. */
  protected finish(y: Tensor): Tensor {
    const fused = this.dataFormat === 'channelsLast' ? fusableActivation(this.activation) : null;
    let out: Tensor;
    if (fused) {
      // Bias and relu (or none) in one pass over the output where the backend fuses them.
      out = biasActivation(y, this.bias ?? null, fused);
    } else {
      out = this.bias ? biasAdd(y, this.bias, this.dataFormat) : y;
      out = this.activation(out);
    }
    if (this.base.activityRegularizer)
      this.addActivityLoss(getRegularizer(this.base.activityRegularizer), out);
    return out;
  }

  protected makeBias(units: number): void {
    if (!this.useBias) return;
    this.bias = this.addWeight({
      name: 'bias',
      shape: [units],
      initializer: this.base.biasInitializer ?? 'zeros',
      regularizer: this.base.biasRegularizer,
      constraint: this.base.biasConstraint,
    });
  }

  /** Fixes the channel count in the input spec once built. */
  protected lockChannels(channels: number): void {
    const ndim = this.rank + 2;
    // Keras's spec: axis −1 (channelsLast) or 1.
    const axis = this.dataFormat === 'channelsLast' ? -1 : 1;
    this.inputSpec = { ndim, axes: { [axis]: channels } };
  }

  /** Config entries of the shared options (Keras's order). */
  protected baseConfig(): Config {
    return {
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
    };
  }

  protected tailConfig(): Config {
    return { activation: serializeActivation(this.activation), useBias: this.useBias };
  }

  protected biasConfig(): Config {
    const a = this.base;
    return {
      biasInitializer: serializeOpt(getInitializer(a.biasInitializer ?? 'zeros')),
      biasRegularizer: regConfig(a.biasRegularizer),
      activityRegularizer: regConfig(a.activityRegularizer),
      biasConstraint: conConfig(a.biasConstraint),
    };
  }
}

/** The Conv1D/Conv2D body: filters, groups and one kernel. */
abstract class PlainConv extends BaseConv {
  readonly filters: number;
  readonly groups: number;
  protected readonly convArgs: Conv2DArgs;
  kernel: LayerVariable | null = null;

  constructor(args: Conv2DArgs | Conv1DArgs, rank: number, paddings: readonly string[]) {
    super(args as BaseConvArgs, rank, paddings);
    this.convArgs = args as Conv2DArgs;
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new ValueError(
        `${this.name} (${this.className}): filters must be a positive integer, got ${args.filters}`,
      );
    }
    this.filters = args.filters;
    this.groups = args.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1) {
      throw new ValueError(
        `${this.name} (${this.className}): groups must be a positive integer, got ${args.groups}`,
      );
    }
    if (this.filters % this.groups !== 0) {
      throw new ValueError(
        `${this.name} (${this.className}): filters (${this.filters}) must be divisible by groups (${this.groups})`,
      );
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = inputChannels(this, shape, this.dataFormat);
    if (c % this.groups !== 0) {
      throw new ShapeError(
        `${this.name} (${this.className}): input channels (${c}) must be divisible by groups (${this.groups}), got input shape ${fmtShapeNull(shape)}`,
      );
    }
    const a = this.convArgs;
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

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return convOutputShape(shape, this.dataFormat, this.filters, (i, n) =>
      convLength(n, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!),
    );
  }

  override getConfig(): Config {
    const a = this.convArgs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.baseConfig(),
      groups: this.groups,
      ...this.tailConfig(),
      kernelInitializer: serializeOpt(getInitializer(a.kernelInitializer ?? 'glorotUniform')),
      kernelRegularizer: regConfig(a.kernelRegularizer),
      kernelConstraint: conConfig(a.kernelConstraint),
      ...this.biasConfig(),
    };
  }
}

/**
 * 2-D convolution layer (spatial convolution over images): a kernel of `filters` filters is
 * slid over the height and width axes; adds a bias and applies the activation.
 *
 * Formula: `y = activation(conv2d(x, kernel) + bias)`, with
 * `conv2d(x, k)[b, i, j, o] = Σ_{di, dj, c} x[b, i·sh + di·dh − top, j·sw + dj·dw − left, c] ·
 * k[di, dj, c, o]` (per group when `groups > 1`).
 *
 * Shape: `[batch, h, w, channels]` → `[batch, oh, ow, filters]` (channelsFirst:
 * `[batch, channels, h, w]` → `[batch, filters, oh, ow]`), with `oh = ⌊(h − (kh − 1)·dh − 1) / sh⌋ + 1`
 * ('valid') or `⌈h / sh⌉` ('same'); kernel `[kh, kw, channels / groups, filters]`, bias
 * `[filters]`.
 * @example
 * const conv = new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' });
 * conv.apply(zeros([8, 28, 28, 1])).shape; // [8, 26, 26, 32]
 */
export class Conv2D extends PlainConv {
  static override readonly className = 'Conv2D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };

  constructor(args: Conv2DArgs) {
    super(args, 2, ['valid', 'same']);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const y = conv2d(x, this.kernel!, {
      strides: this.strides,
      padding: this.padding as ConvPadding,
      dilationRate: this.dilationRate,
      groups: this.groups,
      dataFormat: this.dataFormat,
    });
    return this.finish(y);
  }
}

registerSerializable('layer', Conv2D);

/**
 * 1-D convolution layer (temporal convolution): a kernel of `filters` filters is slid over the
 * steps axis; adds a bias and applies the activation. `padding: 'causal'` pads on the left
 * only, so output t depends on inputs up to t (WaveNet).
 *
 * Formula: `y = activation(conv1d(x, kernel) + bias)`, `conv1d(x, k)[b, t, o] =
 * Σ_{d, c} x[b, t·s + d·dil − left, c] · k[d, c, o]` (per group when `groups > 1`).
 *
 * Shape: `[batch, steps, channels]` → `[batch, outSteps, filters]` (channelsFirst:
 * `[batch, channels, steps]` → `[batch, filters, outSteps]`), `outSteps = ⌊(steps − (k − 1)·dil − 1) / s⌋ + 1`
 * ('valid') or `⌈steps / s⌉` ('same', 'causal'); kernel `[k, channels / groups, filters]`.
 * @example
 * const conv = new Conv1D({ filters: 4, kernelSize: 3, padding: 'causal' });
 * conv.apply(zeros([2, 10, 8])).shape; // [2, 10, 4]
 */
export class Conv1D extends PlainConv {
  static override readonly className = 'Conv1D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };

  constructor(args: Conv1DArgs) {
    super(args, 1, ['valid', 'same', 'causal']);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const y = conv1d(x, this.kernel!, {
      strides: this.strides,
      padding: this.padding as ConvPadding | 'causal',
      dilationRate: this.dilationRate,
      groups: this.groups,
      dataFormat: this.dataFormat,
    });
    return this.finish(y);
  }
}

registerSerializable('layer', Conv1D);

// ---------------------------------------------------------------------------------------------
// Conv2DTranspose

/** Options of {@link Conv2DTranspose}. */
export interface Conv2DTransposeArgs extends BaseConvArgs {
  /** Number of output channels (filters). */
  filters: number;
  /**
   * Extra rows/columns on one side of the output: one integer or [height, width], each smaller
   * than its stride. Default null: the output size follows Keras's rule (see the class).
   */
  outputPadding?: number | readonly number[] | null;
  /** Kernel initializer (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the kernel after each update. */
  kernelConstraint?: ConstraintIdentifier | null;
}

/**
 * Transposed 2-D convolution (sometimes called deconvolution): the gradient of a Conv2D with
 * respect to its input, used to upsample feature maps. Adds a bias and applies the activation.
 *
 * Formula: `y = activation(conv2dTranspose(x, kernel) + bias)`; each input pixel adds
 * `x[b, i, j, :] · kernel[di, dj, :, :]ᵀ` at output `(i·sh + di·dh − top, j·sw + dj·dw − left)`.
 *
 * Shape: `[batch, h, w, channels]` → `[batch, oh, ow, filters]`; without outputPadding
 * `oh = h·sh + max(k′ − sh, 0)` ('valid') or `h·sh` ('same'), with it
 * `oh = (h − 1)·sh + k′ − 2·pad + outputPadding` (pad = ⌊k′/2⌋ for 'same', else 0), where
 * `k′ = (kh − 1)·dh + 1`; kernel `[kh, kw, filters, channels]` (Keras's layout), bias `[filters]`.
 * @example
 * const up = new Conv2DTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' });
 * up.apply(zeros([1, 7, 7, 16])).shape; // [1, 14, 14, 8]
 */
export class Conv2DTranspose extends BaseConv {
  static override readonly className = 'Conv2DTranspose';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  readonly filters: number;
  readonly outputPadding: number[] | null;
  private readonly targs: Conv2DTransposeArgs;
  kernel: LayerVariable | null = null;

  constructor(args: Conv2DTransposeArgs) {
    super(args, 2, ['valid', 'same']);
    this.targs = args;
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new ValueError(
        `${this.name} (Conv2DTranspose): filters must be a positive integer, got ${args.filters}`,
      );
    }
    this.filters = args.filters;
    this.outputPadding =
      args.outputPadding === undefined || args.outputPadding === null
        ? null
        : tupleArg(this, args.outputPadding, 2, 'outputPadding', 0, 0);
    if (this.outputPadding?.some((p, i) => p >= this.strides[i]!)) {
      throw new ValueError(
        `${this.name} (Conv2DTranspose): outputPadding [${this.outputPadding.join(', ')}] must be smaller than strides [${this.strides.join(', ')}]`,
      );
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = inputChannels(this, shape, this.dataFormat);
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

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const y = conv2dTranspose(x, this.kernel!, {
      strides: this.strides,
      padding: this.padding as ConvPadding,
      outputPadding: this.outputPadding,
      dilationRate: this.dilationRate,
      dataFormat: this.dataFormat,
    });
    return this.finish(y);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return convOutputShape(shape, this.dataFormat, this.filters, (i, n) =>
      n === null
        ? null
        : deconvOutputLength(
            n,
            this.kernelSize[i]!,
            this.padding as ConvPadding,
            this.outputPadding ? this.outputPadding[i]! : null,
            this.strides[i]!,
            this.dilationRate[i]!,
          ),
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
      kernelInitializer: serializeOpt(getInitializer(a.kernelInitializer ?? 'glorotUniform')),
      kernelRegularizer: regConfig(a.kernelRegularizer),
      kernelConstraint: conConfig(a.kernelConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', Conv2DTranspose);

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2D

/** Options of {@link DepthwiseConv2D}. */
export interface DepthwiseConv2DArgs extends BaseConvArgs {
  /** Filters per input channel (default 1): the output has channels · depthMultiplier channels. */
  depthMultiplier?: number;
  /** Depthwise kernel initializer (default glorotUniform). */
  depthwiseInitializer?: InitializerIdentifier;
  /** Penalty on the depthwise kernel. */
  depthwiseRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the depthwise kernel after each update. */
  depthwiseConstraint?: ConstraintIdentifier | null;
}

function multiplierArg(layer: Layer, v: number | undefined): number {
  const m = v ?? 1;
  if (!Number.isInteger(m) || m < 1) {
    throw new ValueError(
      `${layer.name} (${layer.className}): depthMultiplier must be a positive integer, got ${v}`,
    );
  }
  return m;
}

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own `depthMultiplier`
 * filters, without mixing channels. Adds a bias and applies the activation.
 *
 * Formula: `y[b, i, j, c·m + q] = activation(Σ_{di, dj} x[b, i·sh + di·dh − top, j·sw + dj·dw − left, c]
 * · k[di, dj, c, q] + bias[c·m + q])`.
 *
 * Shape: `[batch, h, w, channels]` → `[batch, oh, ow, channels·depthMultiplier]` (oh as
 * Conv2D); depthwise_kernel `[kh, kw, channels, depthMultiplier]`, bias
 * `[channels·depthMultiplier]`.
 * @example
 * const dw = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
 * dw.apply(zeros([1, 8, 8, 3])).shape; // [1, 8, 8, 6]
 */
export class DepthwiseConv2D extends BaseConv {
  static override readonly className = 'DepthwiseConv2D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { kernelSize: 1 };
  readonly depthMultiplier: number;
  private readonly dargs: DepthwiseConv2DArgs;
  depthwiseKernel: LayerVariable | null = null;

  constructor(args: DepthwiseConv2DArgs) {
    super(args, 2, ['valid', 'same']);
    this.dargs = args;
    this.depthMultiplier = multiplierArg(this, args.depthMultiplier);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = inputChannels(this, shape, this.dataFormat);
    const a = this.dargs;
    this.depthwiseKernel = this.addWeight({
      name: 'depthwise_kernel',
      shape: [...this.kernelSize, c, this.depthMultiplier],
      initializer: a.depthwiseInitializer ?? 'glorotUniform',
      regularizer: a.depthwiseRegularizer,
      constraint: a.depthwiseConstraint,
    });
    this.makeBias(c * this.depthMultiplier);
    this.lockChannels(c);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const y = depthwiseConv2d(x, this.depthwiseKernel!, {
      strides: this.strides,
      padding: this.padding as ConvPadding,
      dilationRate: this.dilationRate,
      dataFormat: this.dataFormat,
    });
    return this.finish(y);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    const c = shape[channelAxis(this.dataFormat, shape.length)] ?? null;
    const out = c === null ? null : c * this.depthMultiplier;
    return convOutputShape(shape, this.dataFormat, out as number, (i, n) =>
      convLength(n, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!),
    );
  }

  override getConfig(): Config {
    const a = this.dargs;
    return {
      ...super.getConfig(),
      ...this.baseConfig(),
      depthMultiplier: this.depthMultiplier,
      ...this.tailConfig(),
      depthwiseInitializer: serializeOpt(getInitializer(a.depthwiseInitializer ?? 'glorotUniform')),
      depthwiseRegularizer: regConfig(a.depthwiseRegularizer),
      depthwiseConstraint: conConfig(a.depthwiseConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', DepthwiseConv2D);

// ---------------------------------------------------------------------------------------------
// SeparableConv2D

/** Options of {@link SeparableConv2D}. */
export interface SeparableConv2DArgs extends BaseConvArgs {
  /** Number of output channels (filters of the pointwise step). */
  filters: number;
  /** Depthwise filters per input channel (default 1). */
  depthMultiplier?: number;
  /** Depthwise kernel initializer (default glorotUniform). */
  depthwiseInitializer?: InitializerIdentifier;
  /** Pointwise kernel initializer (default glorotUniform). */
  pointwiseInitializer?: InitializerIdentifier;
  /** Penalty on the depthwise kernel. */
  depthwiseRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the pointwise kernel. */
  pointwiseRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the depthwise kernel after each update. */
  depthwiseConstraint?: ConstraintIdentifier | null;
  /** Constraint applied to the pointwise kernel after each update. */
  pointwiseConstraint?: ConstraintIdentifier | null;
}

/**
 * Depthwise-separable 2-D convolution: a depthwise convolution (each channel on its own)
 * followed by a 1×1 convolution that mixes channels into `filters` outputs; then bias and
 * activation. Far fewer weights than a Conv2D of the same size.
 *
 * Formula: `y = activation(conv2d(depthwiseConv2d(x, depthwise_kernel), pointwise_kernel) + bias)`.
 *
 * Shape: `[batch, h, w, channels]` → `[batch, oh, ow, filters]` (oh as Conv2D);
 * depthwise_kernel `[kh, kw, channels, depthMultiplier]`, pointwise_kernel
 * `[1, 1, channels·depthMultiplier, filters]`, bias `[filters]`.
 * @example
 * const sep = new SeparableConv2D({ filters: 16, kernelSize: 3, padding: 'same' });
 * sep.apply(zeros([1, 8, 8, 3])).shape; // [1, 8, 8, 16]
 */
export class SeparableConv2D extends BaseConv {
  static override readonly className = 'SeparableConv2D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly sargs: SeparableConv2DArgs;
  depthwiseKernel: LayerVariable | null = null;
  pointwiseKernel: LayerVariable | null = null;

  constructor(args: SeparableConv2DArgs) {
    super(args, 2, ['valid', 'same']);
    this.sargs = args;
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new ValueError(
        `${this.name} (SeparableConv2D): filters must be a positive integer, got ${args.filters}`,
      );
    }
    this.filters = args.filters;
    this.depthMultiplier = multiplierArg(this, args.depthMultiplier);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = inputChannels(this, shape, this.dataFormat);
    const a = this.sargs;
    this.depthwiseKernel = this.addWeight({
      name: 'depthwise_kernel',
      shape: [...this.kernelSize, c, this.depthMultiplier],
      initializer: a.depthwiseInitializer ?? 'glorotUniform',
      regularizer: a.depthwiseRegularizer,
      constraint: a.depthwiseConstraint,
    });
    this.pointwiseKernel = this.addWeight({
      name: 'pointwise_kernel',
      shape: [1, 1, c * this.depthMultiplier, this.filters],
      initializer: a.pointwiseInitializer ?? 'glorotUniform',
      regularizer: a.pointwiseRegularizer,
      constraint: a.pointwiseConstraint,
    });
    this.makeBias(this.filters);
    this.lockChannels(c);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const y = separableConv2d(x, this.depthwiseKernel!, this.pointwiseKernel!, {
      strides: this.strides,
      padding: this.padding as ConvPadding,
      dilationRate: this.dilationRate,
      dataFormat: this.dataFormat,
    });
    return this.finish(y);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return convOutputShape(shape, this.dataFormat, this.filters, (i, n) =>
      convLength(n, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!),
    );
  }

  override getConfig(): Config {
    const a = this.sargs;
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.baseConfig(),
      depthMultiplier: this.depthMultiplier,
      ...this.tailConfig(),
      depthwiseInitializer: serializeOpt(getInitializer(a.depthwiseInitializer ?? 'glorotUniform')),
      pointwiseInitializer: serializeOpt(getInitializer(a.pointwiseInitializer ?? 'glorotUniform')),
      depthwiseRegularizer: regConfig(a.depthwiseRegularizer),
      pointwiseRegularizer: regConfig(a.pointwiseRegularizer),
      depthwiseConstraint: conConfig(a.depthwiseConstraint),
      pointwiseConstraint: conConfig(a.pointwiseConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', SeparableConv2D);

// Keras's other names for the same classes.
export {
  Conv1D as Convolution1D,
  Conv2D as Convolution2D,
  Conv2DTranspose as Convolution2DTranspose,
  SeparableConv2D as SeparableConvolution2D,
};
