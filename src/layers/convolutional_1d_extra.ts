/**
 * The 1-D convolution layers Keras 3 has beside `Conv1D`: `Conv1DTranspose`,
 * `SeparableConv1D` and `DepthwiseConv1D`. Each runs as its 2-D counterpart on a height-1
 * image (the kernels get a leading axis of 1), so gradients come from the 2-D ops. Weights are
 * named and shaped as Keras's.
 */
import type { ConstraintIdentifier } from '../constraints.js';
import { ShapeError, ValueError } from '../errors.js';
import type { InitializerIdentifier } from '../initializers.js';
import {
  conv2dTranspose,
  deconvOutputLength,
  depthwiseConv2d,
  separableConv2d,
} from '../ops/conv.js';
import { reshape } from '../ops/movement.js';
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

/** `[batch, steps, c]` (or `[batch, c, steps]`) as a height-1 image. */
function toImage(layer: ExtraConv, x: Tensor): Tensor {
  if (x.rank !== 3) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): expected input of rank 3 (${layer.dataFormat === 'channelsLast' ? '[batch, steps, channels]' : '[batch, channels, steps]'}), got shape ${fmtShapeNull(x.shape)}`,
    );
  }
  const [n, a, b] = x.shape as [number, number, number];
  return reshape(x, layer.dataFormat === 'channelsLast' ? [n, 1, a, b] : [n, a, 1, b]);
}

/** A height-1 image back to `[batch, steps, c]` (or `[batch, c, steps]`). */
function fromImage(layer: ExtraConv, y: Tensor): Tensor {
  const [n, a, b, c] = y.shape as [number, number, number, number];
  return reshape(y, layer.dataFormat === 'channelsLast' ? [n, b, c] : [n, a, c]);
}

// ---------------------------------------------------------------------------------------------
// Conv1DTranspose

/** Options of {@link Conv1DTranspose}. */
export interface Conv1DTransposeArgs extends ExtraConvArgs {
  /** Number of output channels (filters). */
  filters: number;
  /**
   * Extra steps on one side of the output, smaller than the stride. Default null: the output
   * size follows Keras's rule (see the class).
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
 * Transposed 1-D convolution (sometimes called deconvolution): the gradient of a Conv1D with
 * respect to its input, used to upsample sequences. Adds a bias and applies the activation.
 *
 * Formula: `y = activation(conv1dTranspose(x, kernel) + bias)`; each input step t adds
 * `x[b, t, :] · kernel[d, :, :]ᵀ` at output step `t·s + d·dil − left`.
 *
 * Shape: `[batch, steps, channels]` → `[batch, outSteps, filters]`; without outputPadding
 * `outSteps = steps·s + max(k′ − s, 0)` ('valid') or `steps·s` ('same'), with it
 * `(steps − 1)·s + k′ − 2·pad + outputPadding` (pad = ⌊k′/2⌋ for 'same', else 0), where
 * `k′ = (k − 1)·dil + 1`; kernel `[k, filters, channels]` (Keras's layout), bias `[filters]`.
 * @example
 * const up = new Conv1DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' });
 * up.apply(zeros([2, 10, 8])).shape; // [2, 20, 4]
 */
export class Conv1DTranspose extends ExtraConv {
  static override readonly className = 'Conv1DTranspose';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  readonly filters: number;
  readonly outputPadding: number[] | null;
  private readonly targs: Conv1DTransposeArgs;
  kernel: LayerVariable | null = null;

  constructor(args: Conv1DTransposeArgs) {
    super(args, 1);
    this.targs = args;
    this.filters = positiveIntArg(this, args.filters, 'filters');
    this.outputPadding =
      args.outputPadding === undefined || args.outputPadding === null
        ? null
        : convTupleArg(this, args.outputPadding, 1, 'outputPadding', 0, 0);
    if (this.outputPadding && this.outputPadding[0]! >= this.strides[0]!) {
      throw new ValueError(
        `${this.name} (Conv1DTranspose): outputPadding (${this.outputPadding[0]}) must be smaller than strides (${this.strides[0]})`,
      );
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = this.channelsOf(shape);
    const a = this.targs;
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [this.kernelSize[0]!, this.filters, c],
      initializer: a.kernelInitializer ?? 'glorotUniform',
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.makeBias(this.filters);
    this.lockChannels(c);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const k = this.kernel!;
    const y = conv2dTranspose(toImage(this, x), reshape(k, [1, ...k.shape]), {
      strides: [1, this.strides[0]!],
      padding: this.padding,
      outputPadding: this.outputPadding ? [0, this.outputPadding[0]!] : null,
      dilationRate: [1, this.dilationRate[0]!],
      dataFormat: this.dataFormat,
    });
    return this.finish(fromImage(this, y));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return convOutputShape(shape, this.dataFormat, this.filters, (i, n) =>
      n === null
        ? null
        : deconvOutputLength(
            n,
            this.kernelSize[i]!,
            this.padding,
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
      kernelInitializer: initConfig(a.kernelInitializer, 'glorotUniform'),
      kernelRegularizer: regConfig(a.kernelRegularizer),
      kernelConstraint: conConfig(a.kernelConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', Conv1DTranspose);

// ---------------------------------------------------------------------------------------------
// DepthwiseConv1D

/** Options of {@link DepthwiseConv1D}. */
export interface DepthwiseConv1DArgs extends ExtraConvArgs {
  /** Filters per input channel (default 1): the output has channels · depthMultiplier channels. */
  depthMultiplier?: number;
  /** Depthwise kernel initializer (default glorotUniform). */
  depthwiseInitializer?: InitializerIdentifier;
  /** Penalty on the depthwise kernel. */
  depthwiseRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the depthwise kernel after each update. */
  depthwiseConstraint?: ConstraintIdentifier | null;
}

/**
 * Depthwise 1-D convolution: each input channel is convolved with its own `depthMultiplier`
 * filters, without mixing channels. Adds a bias and applies the activation.
 *
 * Formula: `y[b, t, c·m + q] = activation(Σ_d x[b, t·s + d·dil − left, c] · k[d, c, q] +
 * bias[c·m + q])`.
 *
 * Shape: `[batch, steps, channels]` → `[batch, outSteps, channels·depthMultiplier]`, `outSteps =
 * ⌊(steps − (k − 1)·dil − 1) / s⌋ + 1` ('valid') or `⌈steps / s⌉` ('same'); kernel (named
 * `kernel` as in Keras 3) `[k, channels, depthMultiplier]`, bias `[channels·depthMultiplier]`.
 * @example
 * const dw = new DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
 * dw.apply(zeros([1, 10, 3])).shape; // [1, 10, 6]
 */
export class DepthwiseConv1D extends ExtraConv {
  static override readonly className = 'DepthwiseConv1D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { kernelSize: 1 };
  readonly depthMultiplier: number;
  private readonly dargs: DepthwiseConv1DArgs;
  depthwiseKernel: LayerVariable | null = null;

  constructor(args: DepthwiseConv1DArgs) {
    super(args, 1);
    this.dargs = args;
    this.depthMultiplier = positiveIntArg(this, args.depthMultiplier, 'depthMultiplier', 1);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = this.channelsOf(shape);
    const a = this.dargs;
    this.depthwiseKernel = this.addWeight({
      name: 'kernel',
      shape: [this.kernelSize[0]!, c, this.depthMultiplier],
      initializer: a.depthwiseInitializer ?? 'glorotUniform',
      regularizer: a.depthwiseRegularizer,
      constraint: a.depthwiseConstraint,
    });
    this.makeBias(c * this.depthMultiplier);
    this.lockChannels(c);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const k = this.depthwiseKernel!;
    const y = depthwiseConv2d(toImage(this, x), reshape(k, [1, ...k.shape]), {
      strides: [1, this.strides[0]!],
      padding: this.padding,
      dilationRate: [1, this.dilationRate[0]!],
      dataFormat: this.dataFormat,
    });
    return this.finish(fromImage(this, y));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    const c = shape[this.dataFormat === 'channelsLast' ? 2 : 1] ?? null;
    return convOutputShape(
      shape,
      this.dataFormat,
      c === null ? null : c * this.depthMultiplier,
      (i, n) =>
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
      depthwiseInitializer: initConfig(a.depthwiseInitializer, 'glorotUniform'),
      depthwiseRegularizer: regConfig(a.depthwiseRegularizer),
      depthwiseConstraint: conConfig(a.depthwiseConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', DepthwiseConv1D);

// ---------------------------------------------------------------------------------------------
// SeparableConv1D

/** Options of {@link SeparableConv1D}. */
export interface SeparableConv1DArgs extends DepthwiseConv1DArgs {
  /** Number of output channels (filters of the pointwise step). */
  filters: number;
  /** Pointwise kernel initializer (default glorotUniform). */
  pointwiseInitializer?: InitializerIdentifier;
  /** Penalty on the pointwise kernel. */
  pointwiseRegularizer?: RegularizerIdentifier | null;
  /** Constraint applied to the pointwise kernel after each update. */
  pointwiseConstraint?: ConstraintIdentifier | null;
}

/**
 * Depthwise-separable 1-D convolution: a depthwise convolution (each channel on its own)
 * followed by a pointwise (size-1) convolution that mixes channels into `filters` outputs;
 * then bias and activation.
 *
 * Formula: `y = activation(conv1d(depthwiseConv1d(x, depthwise_kernel), pointwise_kernel) + bias)`.
 *
 * Shape: `[batch, steps, channels]` → `[batch, outSteps, filters]` (outSteps as
 * {@link DepthwiseConv1D}); depthwise_kernel `[k, channels, depthMultiplier]`,
 * pointwise_kernel `[1, channels·depthMultiplier, filters]`, bias `[filters]`.
 * @example
 * const sep = new SeparableConv1D({ filters: 16, kernelSize: 3, padding: 'same' });
 * sep.apply(zeros([1, 10, 3])).shape; // [1, 10, 16]
 */
export class SeparableConv1D extends ExtraConv {
  static override readonly className = 'SeparableConv1D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly sargs: SeparableConv1DArgs;
  depthwiseKernel: LayerVariable | null = null;
  pointwiseKernel: LayerVariable | null = null;

  constructor(args: SeparableConv1DArgs) {
    super(args, 1);
    this.sargs = args;
    this.filters = positiveIntArg(this, args.filters, 'filters');
    this.depthMultiplier = positiveIntArg(this, args.depthMultiplier, 'depthMultiplier', 1);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const c = this.channelsOf(shape);
    const a = this.sargs;
    this.depthwiseKernel = this.addWeight({
      name: 'depthwise_kernel',
      shape: [this.kernelSize[0]!, c, this.depthMultiplier],
      initializer: a.depthwiseInitializer ?? 'glorotUniform',
      regularizer: a.depthwiseRegularizer,
      constraint: a.depthwiseConstraint,
    });
    this.pointwiseKernel = this.addWeight({
      name: 'pointwise_kernel',
      shape: [1, c * this.depthMultiplier, this.filters],
      initializer: a.pointwiseInitializer ?? 'glorotUniform',
      regularizer: a.pointwiseRegularizer,
      constraint: a.pointwiseConstraint,
    });
    this.makeBias(this.filters);
    this.lockChannels(c);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const dk = this.depthwiseKernel!;
    const pk = this.pointwiseKernel!;
    const y = separableConv2d(
      toImage(this, x),
      reshape(dk, [1, ...dk.shape]),
      reshape(pk, [1, ...pk.shape]),
      {
        strides: [1, this.strides[0]!],
        padding: this.padding,
        dilationRate: [1, this.dilationRate[0]!],
        dataFormat: this.dataFormat,
      },
    );
    return this.finish(fromImage(this, y));
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
      depthwiseInitializer: initConfig(a.depthwiseInitializer, 'glorotUniform'),
      pointwiseInitializer: initConfig(a.pointwiseInitializer, 'glorotUniform'),
      depthwiseRegularizer: regConfig(a.depthwiseRegularizer),
      pointwiseRegularizer: regConfig(a.pointwiseRegularizer),
      depthwiseConstraint: conConfig(a.depthwiseConstraint),
      pointwiseConstraint: conConfig(a.pointwiseConstraint),
      ...this.biasConfig(),
    };
  }
}

registerSerializable('layer', SeparableConv1D);

// Keras's other names for the same classes.
export { Conv1DTranspose as Convolution1DTranspose, SeparableConv1D as SeparableConvolution1D };
