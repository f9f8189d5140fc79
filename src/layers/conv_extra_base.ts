/**
 * The shared body of the extra convolution layers (`convolutional_1d_extra.ts`,
 * `convolutional_3d.ts`): option normalization, bias and activation, and config entries, as
 * the base of the 1-D/2-D layers in `convolutional.ts`.
 */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../activations.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ValueError } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import {
  type ConvPadding,
  type DataFormat,
  type DataFormatArg,
  biasAdd,
  normalizeDataFormat,
} from '../ops/conv.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import type { Config, ConfigValue } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { serializeOpt } from './config_util.js';
import { Layer, type LayerArgs, type LayerVariable } from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

/** Keras's `standardize_tuple`: an int or `rank` ints, each ≥ `min`. */
export function convTupleArg(
  layer: Layer,
  v: number | readonly number[] | undefined,
  rank: number,
  name: string,
  dflt: number,
  min = 1,
): number[] {
  const value = v ?? dflt;
  const list = typeof value === 'number' ? new Array<number>(rank).fill(value) : [...value];
  if (list.length !== rank || list.some((d) => !Number.isInteger(d) || d < min)) {
    throw new ValueError(
      `${layer.name} (${layer.className}): ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or ${rank} of them, got ${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** A positive integer option (filters, depthMultiplier, groups). */
export function positiveIntArg(layer: Layer, v: number | undefined, name: string, dflt?: number) {
  const n = v ?? dflt;
  if (n === undefined || !Number.isInteger(n) || n < 1) {
    throw new ValueError(
      `${layer.name} (${layer.className}): ${name} must be a positive integer, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

/** Output size of a convolution along one axis (Keras's `compute_conv_output_shape`). */
export function convLength(
  n: number | null,
  k: number,
  padding: string,
  stride: number,
  dilation: number,
): number | null {
  if (n === null) return null;
  if (padding === 'valid') return Math.floor((n - (k - 1) * dilation - 1) / stride) + 1;
  return Math.floor((n - 1) / stride) + 1;
}

/** The output shape: batch, spatial sizes from `spatial(i, n)`, and `channels`. */
export function convOutputShape(
  shape: SymbolicShape,
  df: DataFormat,
  channels: number | null,
  spatial: (i: number, n: number | null) => number | null,
): SymbolicShape {
  const rank = shape.length - 2;
  const first = df === 'channelsLast' ? 1 : 2;
  const sp = Array.from({ length: rank }, (_, i) => spatial(i, shape[first + i] ?? null));
  return df === 'channelsLast' ? [shape[0]!, ...sp, channels] : [shape[0]!, channels, ...sp];
}

/** Options shared by the extra convolution layers. */
export interface ExtraConvArgs extends LayerArgs {
  /** Size of the convolution window: one integer or one per spatial axis. */
  kernelSize: number | readonly number[];
  /** Step of the window: one integer or one per spatial axis (default 1). */
  strides?: number | readonly number[];
  /**
   * 'valid' (default): no padding; 'same': zero padding so the output has ⌈size / stride⌉
   * positions (extra padding after, as TensorFlow).
   */
  padding?: ConvPadding;
  /** 'channelsLast' (default, `[batch, …spatial, channels]`) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
  /** Spacing of the kernel taps: one integer or one per spatial axis (default 1); not with strides > 1. */
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

/** Normalized shared options, bias, activation and config entries of a convolution layer. */
export abstract class ExtraConv extends Layer {
  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  protected readonly base: ExtraConvArgs;
  bias: LayerVariable | null = null;

  constructor(args: ExtraConvArgs, rank: number) {
    super(args);
    if (!args) throw new ValueError(`${this.name} (${this.className}): options are required`);
    this.base = args;
    this.rank = rank;
    this.kernelSize = convTupleArg(this, args.kernelSize, rank, 'kernelSize', Number.NaN);
    this.strides = convTupleArg(this, args.strides, rank, 'strides', 1);
    const p = (args.padding ?? 'valid').toLowerCase();
    if (p !== 'valid' && p !== 'same') {
      throw new ValueError(
        `${this.name} (${this.className}): padding must be 'valid' or 'same', got ${JSON.stringify(args.padding)}`,
      );
    }
    this.padding = p;
    try {
      this.dataFormat = normalizeDataFormat(args.dataFormat, this.name);
    } catch {
      throw new ValueError(
        `${this.name} (${this.className}): dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(args.dataFormat)}`,
      );
    }
    this.dilationRate = convTupleArg(this, args.dilationRate, rank, 'dilationRate', 1);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new ValueError(
        `${this.name} (${this.className}): strides > 1 are not supported together with dilationRate > 1, got strides [${this.strides.join(', ')}] and dilationRate [${this.dilationRate.join(', ')}]`,
      );
    }
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.inputSpec = { ndim: rank + 2 };
  }

  /** The channel count of an input shape, which must be known to build. */
  protected channelsOf(shape: SymbolicShape): number {
    const c = shape[this.dataFormat === 'channelsLast' ? shape.length - 1 : 1];
    if (c === null || c === undefined) {
      throw new ValueError(
        `${this.name} (${this.className}): the channel axis of the input must be known, got shape ${fmtShapeNull(shape)}`,
      );
    }
    return c;
  }

  /** Adds the bias (when used) and the activation, and records the activity penalty. */
  protected finish(y: Tensor): Tensor {
    let out = this.bias ? biasAdd(y, this.bias, this.dataFormat) : y;
    out = this.activation(out);
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
    const axis = this.dataFormat === 'channelsLast' ? -1 : 1;
    this.inputSpec = { ndim: this.rank + 2, axes: { [axis]: channels } };
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

/** A regularizer option as a config value. */
export function regConfig(id: RegularizerIdentifier | null | undefined): ConfigValue {
  return serializeOpt(id ? getRegularizer(id) : null);
}

/** A constraint option as a config value. */
export function conConfig(id: ConstraintIdentifier | null | undefined): ConfigValue {
  return serializeOpt(id ? getConstraint(id) : null);
}

/** An initializer option (with its default) as a config value. */
export function initConfig(
  id: InitializerIdentifier | undefined,
  dflt: InitializerIdentifier,
): ConfigValue {
  return serializeOpt(getInitializer(id ?? dflt));
}
