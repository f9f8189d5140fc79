/** `InputLayer` and `input()`: the entry points of a functional model. */
import { ValueError } from '../errors.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, uniqueName } from './layer.js';
import { Node, type SymbolicDType, type SymbolicShape, SymbolicTensor } from './symbolic.js';

/** Options of {@link InputLayer} and {@link input}. */
export interface InputArgs {
  /** Shape of one sample, without the batch axis (`null` for a free axis). */
  shape?: readonly (number | null)[];
  /** Full shape including the batch axis. */
  batchShape?: readonly (number | null)[];
  /** Fixed batch size (default: any). */
  batchSize?: number;
  /** Dtype of the input (default float32; int32 for token ids; `'string'` for raw text). */
  dtype?: DType | 'string';
  name?: string;
}

/**
 * The layer behind `input()`: holds the input's shape and dtype; calling it passes data through.
 *
 * Shape: `[batch, ...shape]`.
 * @example const layer = new InputLayer({ shape: [28, 28, 1] });
 */
export class InputLayer extends Layer {
  static override readonly className = 'InputLayer';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { batchShape: [null, 1] };
  /** The symbolic tensor this layer outputs. */
  readonly output: SymbolicTensor;
  /**
   * The dtype of the data this input takes: `dtype`, or `'string'` for text (strings stay on
   * the host, so a string input's layer dtype stays numeric).
   */
  readonly inputDType: SymbolicDType;

  constructor(args: InputArgs & Omit<LayerArgs, 'dtype'> = {}) {
    const batchShape =
      args.batchShape ??
      args.batchInputShape ??
      ((args.shape ?? args.inputShape)
        ? [args.batchSize ?? null, ...(args.shape ?? args.inputShape)!]
        : null);
    if (!batchShape)
      throw new ValueError(
        `InputLayer${args.name ? ` '${args.name}'` : ''}: needs shape or batchShape`,
      );
    for (const d of batchShape) {
      if (d !== null && (!Number.isInteger(d) || d < 0)) {
        throw new ValueError(`InputLayer: invalid shape [${batchShape.join(', ')}]`);
      }
    }
    if (
      args.dtype !== undefined &&
      !['float32', 'float64', 'int32', 'bool', 'string'].includes(args.dtype)
    )
      throw new ValueError(
        `InputLayer${args.name ? ` '${args.name}'` : ''}: dtype must be float32, float64, int32, bool or string, got '${args.dtype}'`,
      );
    super({
      name: args.name ?? uniqueName('input_layer'),
      dtype: args.dtype === 'string' ? undefined : args.dtype,
      batchInputShape: batchShape,
    });
    this.inputDType = args.dtype ?? this.dtype;
    this.built = true;
    const node = new Node(this, []);
    node.outputs = [new SymbolicTensor(batchShape, this.inputDType, node, 0, this.name)];
    this.inboundNodes.push(node);
    this.output = node.outputs[0]!;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return single(inputs, this);
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    return inputShape;
  }

  override getConfig(): Config {
    return { name: this.name, dtype: this.inputDType, batchShape: [...this.batchInputShape!] };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const c = config as { batchShape?: (number | null)[]; batchInputShape?: (number | null)[] };
    return new this({ ...config, batchShape: c.batchShape ?? c.batchInputShape } as never);
  }
}

/**
 * A symbolic input for the functional API.
 *
 * Shape: `[batchSize ?? null, ...shape]`.
 * @example
 * const x = input({ shape: [784] });
 * const y = new Dense({ units: 10, activation: 'softmax' }).apply(x);
 * const m = model({ inputs: x, outputs: y });
 */
export function input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}

registerSerializable('layer', InputLayer);

// Keras's other names for the same classes.
export { input as Input };
