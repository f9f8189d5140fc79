/** `Masking`: marks timesteps to skip, as Keras 3's layer. */
import { ValueError } from '../errors.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of {@link Masking}. */
export interface MaskingArgs extends LayerArgs {
  /** Timesteps whose features all equal this value are masked (default 0). */
  maskValue?: number;
}

/**
 * Masks timesteps of a sequence: a timestep is masked when every feature equals `maskValue`.
 * The layer outputs the mask for the following layers (RNNs skip those steps) and, as Keras 3,
 * zeroes the masked timesteps in its output. An incoming mask is replaced, not combined.
 *
 * Formula: `keep[b, t] = any_f(x[b, t, f] != maskValue)`, `y = x · keep` (broadcast over
 * the features); the output mask is `keep`.
 *
 * Shape: `[batch, timesteps, features]` (any rank ≥ 1) → the same shape; the mask has the
 * input's shape without the last axis.
 * @example
 * const m = new Masking({ maskValue: 0 });
 * m.apply(tensor([[[1, 2], [0, 0]]])); // the second step is masked
 */
export class Masking extends Layer {
  static override readonly className = 'Masking';
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    super(args);
    const v = args.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new ValueError(
        `${this.name} (Masking): maskValue must be a number, got ${JSON.stringify(v)}`,
      );
    }
    this.maskValue = v;
    this.supportsMasking = true;
    this.inputSpec = { minNdim: 1 };
  }

  /** The bool keep mask `any(x != maskValue, -1)`. */
  private keep(x: Tensor, keepDims: boolean): Tensor {
    return x.notEqual(this.maskValue).any(-1, keepDims);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    return x.mul(this.keep(x, true).cast(x.dtype));
  }

  override computeMask(inputs: Tensor | Tensor[], _mask: CallOptions['mask']): Tensor {
    return this.keep(single(inputs, this), false);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

registerSerializable('layer', Masking);
