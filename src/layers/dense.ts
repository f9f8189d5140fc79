/** `Dense`: the fully connected layer. */
import {
  type ActivationFn,
  type ActivationIdentifier,
  fusableActivation,
  getActivation,
  serializeActivation,
} from '../activations.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ValueError } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import { biasActivation } from '../ops/fused.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { serializeOpt } from './config_util.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  type LayerVariable,
  single,
  singleShape,
} from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of {@link Dense}. */
export interface DenseArgs extends LayerArgs {
  /** Number of output features. */
  units: number;
  /** Activation applied to the output (default linear). */
  activation?: ActivationIdentifier;
  /** Whether to add a bias vector (default true). */
  useBias?: boolean;
  /** Kernel initializer (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Bias initializer (default zeros). */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the layer's output, added to the loss. */
  activityRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/**
 * Fully connected layer: `y = activation(x · kernel + bias)`, applied to the last axis.
 *
 * Shape: `[..., inputDim]` → `[..., units]`; kernel `[inputDim, units]`, bias `[units]`.
 * @example
 * const d = new Dense({ units: 3, activation: 'relu' });
 * d.apply(tensor([[1, 2]])).shape; // [1, 3]
 */
export class Dense extends Layer {
  static override readonly className = 'Dense';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  private readonly args: DenseArgs;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    if (!args || !Number.isInteger(args.units) || args.units < 1) {
      throw new ValueError(
        `${this.name} (Dense): units must be a positive integer, got ${args?.units}`,
      );
    }
    this.args = args;
    this.units = args.units;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.inputSpec = { minNdim: 2 };
    this.supportsMasking = true;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const inDim = shape[shape.length - 1];
    if (inDim === null || inDim === undefined) {
      throw new ValueError(
        `${this.name} (Dense): the last axis of the input must be known, got shape [${shape.join(', ')}]`,
      );
    }
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [inDim, this.units],
      initializer: this.args.kernelInitializer ?? 'glorotUniform',
      regularizer: this.args.kernelRegularizer,
      constraint: this.args.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias',
        shape: [this.units],
        initializer: this.args.biasInitializer ?? 'zeros',
        regularizer: this.args.biasRegularizer,
        constraint: this.args.biasConstraint,
      });
    }
    this.inputSpec = { minNdim: 2, axes: { [-1]: inDim } };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    let y =
      x.rank === 2
        ? x.matmul(this.kernel!)
        : x
            .reshape([-1, x.shape[x.rank - 1]!])
            .matmul(this.kernel!)
            .reshape([...x.shape.slice(0, -1), this.units]);
    const fused = fusableActivation(this.activation);
    if (fused) {
      // Bias and relu (or none) in one pass over the output where the backend fuses them.
      y = biasActivation(y, this.bias ?? null, fused);
    } else {
      if (this.bias) y = y.add(this.bias);
      y = this.activation(y);
    }
    if (this.args.activityRegularizer)
      this.addActivityLoss(getRegularizer(this.args.activityRegularizer), y);
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeOpt(getInitializer(a.kernelInitializer ?? 'glorotUniform')),
      biasInitializer: serializeOpt(getInitializer(a.biasInitializer ?? 'zeros')),
      kernelRegularizer: serializeOpt(
        a.kernelRegularizer ? getRegularizer(a.kernelRegularizer) : null,
      ),
      biasRegularizer: serializeOpt(a.biasRegularizer ? getRegularizer(a.biasRegularizer) : null),
      activityRegularizer: serializeOpt(
        a.activityRegularizer ? getRegularizer(a.activityRegularizer) : null,
      ),
      kernelConstraint: serializeOpt(a.kernelConstraint ? getConstraint(a.kernelConstraint) : null),
      biasConstraint: serializeOpt(a.biasConstraint ? getConstraint(a.biasConstraint) : null),
    };
  }
}

registerSerializable('layer', Dense);
