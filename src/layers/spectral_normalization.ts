/**
 * `SpectralNormalization`, as Keras 3's wrapper: it divides the kernel (or embedding matrix) of
 * the layer it wraps by an estimate of its largest singular value, refined by power iteration
 * on every training call, which bounds the layer's Lipschitz constant (as GAN discriminators
 * want).
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError } from '../errors.js';
import { TruncatedNormal } from '../initializers.js';
import { where } from '../ops/elementwise.js';
import {
  type Config,
  type ConfigValue,
  type SerializedObject,
  deserialize,
  registerSerializable,
  serialize,
} from '../serialization.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  LayerVariable,
  single,
  singleShape,
} from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

/** Options of {@link SpectralNormalization} (besides the wrapped layer). */
export interface SpectralNormalizationArgs extends LayerArgs {
  /**
   * Power iterations per training call (Keras's `power_iterations`, default 1): each refines
   * the estimate `u` of the kernel's leading right singular vector. Must be a positive integer.
   */
  powerIterations?: number;
}

/** Keras's `normalize(x, axis=None)` of a backend tensor: `x · min(1/‖x‖₂, 1/ε)`, ε = 1e-7. */
function l2Normalize(x: Tensor): Tensor {
  return x.mul(x.square().sum().rsqrt().minimum(1e7));
}

/**
 * Spectral normalization of the weights of a wrapped layer that has a `kernel` (Dense, the
 * convolutions…) or `embeddings` (Embedding).
 *
 * In training (`training: true`) each call first runs `powerIterations` steps of power iteration
 * from the stored vector `u` on the kernel `W` reshaped to `[−1, kernel.shape[−1]]`, then stores
 * the new `u` and the normalized kernel `W / σ` in the layer's variables (an all-zero kernel is
 * left as it is), and then calls the wrapped layer. Inference calls use the stored kernel as it
 * is, i.e. as normalized by the latest training call. As in Keras, the update is outside the
 * gradient: the training step differentiates the wrapped layer at the normalized kernel.
 *
 * Formula: per iteration `v = normalize(u Wᵀ)`, `u = normalize(v W)`; then `σ = v W uᵀ` and
 * `W ← W / σ` (normalize: divide by the L2 norm).
 *
 * Shape: as the wrapped layer; `vector_u` `[1, kernel.shape[−1]]` (non-trainable, initialized
 * TruncatedNormal(stddev 0.02)).
 * @example
 * const sn = new SpectralNormalization(new Dense({ units: 8 }), { powerIterations: 2 });
 * sn.apply(randomNormal([4, 16]), { training: true }).shape; // [4, 8]
 */
export class SpectralNormalization extends Layer {
  static override readonly className = 'SpectralNormalization';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = {
    layer: { className: 'Dense', config: { units: 1, name: '__probe_dense' } },
  };
  /** The wrapped layer. */
  readonly layer: Layer;
  /** Power iterations per training call. */
  readonly powerIterations: number;
  /** The wrapped layer's `kernel` (or `embeddings`), once built. */
  kernel: LayerVariable | null = null;
  /** The running estimate `u` of the leading right singular vector, `[1, kernel.shape[−1]]`. */
  vectorU: LayerVariable | null = null;

  constructor(layer: Layer | SerializedObject, args: SpectralNormalizationArgs = {}) {
    super({ ...(layer instanceof Layer ? { dtype: layer.dtype } : {}), ...args });
    const who = `${this.name} (SpectralNormalization)`;
    let inner: Layer;
    if (layer instanceof Layer) inner = layer;
    else if (
      layer &&
      typeof layer === 'object' &&
      typeof (layer as SerializedObject).className === 'string'
    ) {
      inner = deserialize<Layer>('layer', layer as SerializedObject);
    } else {
      throw new ValueError(`${who}: layer must be a Layer instance, got ${String(layer)}`);
    }
    this.layer = this.trackLayer(inner);
    const p = args.powerIterations ?? 1;
    if (!Number.isInteger(p) || p <= 0) {
      throw new ValueError(`${who}: powerIterations must be a positive integer, got ${p}`);
    }
    this.powerIterations = p;
  }

  /** Keras saves the wrapped layer under `layer`. */
  override savedChildren(): Record<string, Layer> {
    return { layer: this.layer };
  }

  /**
   * Keras's own variables of the wrapper: the wrapped kernel (an attribute of the wrapper, so
   * Keras saves it under the wrapper's `vars/0` too, beside the wrapped layer's copy) and `u`.
   */
  override get ownVariables(): LayerVariable[] {
    return this.kernel && this.vectorU ? [this.kernel, this.vectorU] : super.ownVariables;
  }

  /** Keras's order: the kernel, `vector_u`, then the wrapped layer's other weights. */
  override get weights(): LayerVariable[] {
    if (!this.kernel || !this.vectorU) return super.weights;
    const k = this.kernel;
    return [k, this.vectorU, ...this.layer.weights.filter((w) => w !== k)];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const who = `${this.name} (SpectralNormalization)`;
    if (shape.length < 1) {
      throw new ShapeError(`${who}: expects an input of rank >= 1, got ${fmtShapeNull(shape)}`);
    }
    if (!this.layer.built) {
      this.layer.build(shape);
      this.layer.built = true;
      this.layer.builtInputShape = shape;
    }
    const l = this.layer as unknown as { kernel?: unknown; embeddings?: unknown };
    const k =
      l.kernel instanceof LayerVariable
        ? l.kernel
        : l.embeddings instanceof LayerVariable
          ? l.embeddings
          : null;
    if (!k) {
      throw new ValueError(
        `${who}: the wrapped ${this.layer.className} '${this.layer.name}' has no 'kernel' nor 'embeddings' weight`,
      );
    }
    this.kernel = k;
    this.vectorU = this.addWeight({
      name: 'vector_u',
      shape: [1, k.shape[k.shape.length - 1]!],
      initializer: new TruncatedNormal({ stddev: 0.02 }),
      trainable: false,
      dtype: k.dtype,
    });
    const last = shape[shape.length - 1];
    this.inputSpec = typeof last === 'number' ? { minNdim: 1, axes: { [-1]: last } } : null;
    this.built = true;
  }

  /**
   * The power-iteration update: `[u, W / σ]` from the stored `u` and kernel (`[u, W]` unchanged
   * when the kernel is all zeros). Values only (no gradient).
   */
  normalizedWeights(): [Tensor, Tensor] {
    const who = `${this.name} (SpectralNormalization)`;
    if (!this.kernel || !this.vectorU) throw new ValueError(`${who}: the layer is not built yet`);
    return noGrad(() => {
      const kernel = this.kernel!.value();
      const u0 = this.vectorU!.value();
      const n = kernel.shape[kernel.rank - 1]!;
      const w = kernel.reshape([-1, n]);
      let u = u0;
      let v = u0;
      for (let i = 0; i < this.powerIterations; i++) {
        v = l2Normalize(u.matmul(w.transpose()));
        u = l2Normalize(v.matmul(w));
      }
      const sigma = v.matmul(w).matmul(u.transpose());
      const zero = kernel.equal(0).all();
      return [where(zero, u0, u), where(zero, kernel, kernel.div(sigma.reshape([])))];
    });
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    if (opts.training === true) {
      const [u, k] = this.normalizedWeights();
      noGrad(() => {
        this.vectorU!.assign(u);
        this.kernel!.assign(k);
      });
    }
    const y = this.layer.apply(x, { training: opts.training, mask: opts.mask });
    // Keras casts the output to the input's dtype (also integer ids: an Embedding's vectors
    // would be truncated); only float inputs are followed here.
    return isFloat(x.dtype) && y.dtype !== x.dtype ? y.cast(x.dtype) : y;
  }

  override computeMask(inputs: Tensor | Tensor[], mask: CallOptions['mask']) {
    return this.layer.computeMask(inputs, mask);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]) {
    return this.layer.computeOutputShape(inputShape);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      layer: serialize(this.layer) as unknown as ConfigValue,
      powerIterations: this.powerIterations,
    };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const { layer, ...rest } = config as Config & { layer: SerializedObject };
    return new SpectralNormalization(layer, rest as SpectralNormalizationArgs) as unknown as T;
  }
}

registerSerializable('layer', SpectralNormalization);
