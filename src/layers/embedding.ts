/**
 * `Embedding`: turns integer token ids into dense vectors, as Keras 3's layer; and
 * `ReversibleEmbedding`, an Embedding that can also project vectors back to vocabulary logits.
 */
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import { gather } from '../ops/movement.js';
import { be, wrap } from '../ops/util.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { DType } from '../tensor/dtype.js';
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
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

/** Options of {@link Embedding}. */
export interface EmbeddingArgs extends LayerArgs {
  /** Size of the vocabulary: the largest token id + 1. */
  inputDim: number;
  /** Length of each embedding vector. */
  outputDim: number;
  /** Initializer of the embedding matrix (default Keras's `'uniform'`, i.e. `'randomUniform'`: RandomUniform(−0.05, 0.05)). */
  embeddingsInitializer?: InitializerIdentifier;
  /** Regularizer of the embedding matrix. */
  embeddingsRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the layer's output, added to the loss. */
  activityRegularizer?: RegularizerIdentifier | null;
  /** Constraint on the embedding matrix, applied after each optimizer step. */
  embeddingsConstraint?: ConstraintIdentifier | null;
  /**
   * Whether id 0 is padding to be masked (default false). The layer then outputs the mask
   * `ids != 0` for the following layers (RNNs skip those steps); id 0 still has an embedding
   * row, so `inputDim` should be the vocabulary size + 1.
   */
  maskZero?: boolean;
  /**
   * Deprecated in Keras 3 (ignored there). Here it only serves as `inputShape: [inputLength]`
   * when no input shape is given, so a Sequential can build at once; it is not kept in the config
   * (the input shape is).
   */
  inputLength?: number;
}

/**
 * Looks up a learned vector for each integer token id: `y[..., :] = embeddings[ids[...], :]`.
 * The gradient flows into the rows of the embedding matrix that were used (a scatter-add;
 * repeated ids add up).
 *
 * Ids may be int32 or integer-valued floats; a negative, non-integer or too large id
 * (≥ `inputDim`) is an error naming the layer, the id and `inputDim`.
 *
 * Formula: `y = embeddings[ids]`.
 *
 * Shape: ids `[batch, ...]` (any shape) → `[batch, ..., outputDim]`; embeddings
 * `[inputDim, outputDim]`.
 * @example
 * const emb = new Embedding({ inputDim: 1000, outputDim: 64, maskZero: true });
 * emb.apply(tensor([[4, 20, 0]], undefined, 'int32')).shape; // [1, 3, 64]
 */
export class Embedding extends Layer {
  static override readonly className: string = 'Embedding';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { inputDim: 1, outputDim: 1 };
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  private readonly args: EmbeddingArgs;
  embeddings: LayerVariable | null = null;

  constructor(args: EmbeddingArgs) {
    const withShape =
      args &&
      args.inputLength !== undefined &&
      args.inputLength !== null &&
      !args.inputShape &&
      !args.batchInputShape
        ? { ...args, inputShape: [args.inputLength] }
        : args;
    super(withShape);
    const pos = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
    if (!args || !pos(args.inputDim)) {
      throw new ValueError(
        `${this.name} (Embedding): inputDim must be a positive integer, got ${args?.inputDim}`,
      );
    }
    if (!pos(args.outputDim)) {
      throw new ValueError(
        `${this.name} (Embedding): outputDim must be a positive integer, got ${args.outputDim}`,
      );
    }
    if (args.inputLength !== undefined && args.inputLength !== null && !pos(args.inputLength)) {
      throw new ValueError(
        `${this.name} (Embedding): inputLength must be a positive integer, got ${args.inputLength}`,
      );
    }
    this.args = args;
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = args.maskZero ?? false;
    // As Keras: the layer makes (and so passes on) a mask only with maskZero.
    this.supportsMasking = this.maskZero;
  }

  override build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    const a = this.args;
    this.embeddings = this.addWeight({
      name: 'embeddings',
      shape: [this.inputDim, this.outputDim],
      initializer: a.embeddingsInitializer ?? 'randomUniform',
      regularizer: a.embeddingsRegularizer,
      constraint: a.embeddingsConstraint,
    });
  }

  /**
   * The ids as int32, after checking that each is an integer in `[0, inputDim)`. The backend
   * checks them (`checkIndices`) rather than this layer reading them back, so a compiled train
   * step over an Embedding stays traceable and still checks every batch.
   */
  private checkIds(ids: Tensor): Tensor {
    const where = `at flat index {position} of ids of shape ${fmtShape(ids.shape)}`;
    const b = be();
    const h = b.checkIndices(ids.handleOn(b), ids.size, this.inputDim, ids.dtype, {
      outOfRange: `${this.name} (Embedding): token id {value} is out of range [0, ${this.inputDim}) for inputDim ${this.inputDim} (${where})`,
      notInteger: `${this.name} (Embedding): token ids must be integers, got {value} ${where}`,
    });
    return wrap(b, h, ids.shape, 'int32');
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const ids = this.checkIds(single(inputs, this));
    const y = gather(this.embeddings!, ids, 0);
    if (this.args.activityRegularizer)
      this.addActivityLoss(getRegularizer(this.args.activityRegularizer), y);
    return y;
  }

  /** With `maskZero`: `ids != 0` (bool, the ids' shape); otherwise no mask. */
  override computeMask(inputs: Tensor | Tensor[], _mask: CallOptions['mask']): Tensor | null {
    if (!this.maskZero) return null;
    return single(inputs, this).notEqual(0);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [...singleShape(inputShape, this), this.outputDim];
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeOpt(
        getInitializer(a.embeddingsInitializer ?? 'randomUniform'),
      ),
      embeddingsRegularizer: serializeOpt(
        a.embeddingsRegularizer ? getRegularizer(a.embeddingsRegularizer) : null,
      ),
      activityRegularizer: serializeOpt(
        a.activityRegularizer ? getRegularizer(a.activityRegularizer) : null,
      ),
      embeddingsConstraint: serializeOpt(
        a.embeddingsConstraint ? getConstraint(a.embeddingsConstraint) : null,
      ),
      maskZero: this.maskZero,
    };
  }
}

registerSerializable('layer', Embedding);

/** Options of {@link ReversibleEmbedding}: Embedding's, and the reverse projection's. */
export interface ReversibleEmbeddingArgs extends EmbeddingArgs {
  /**
   * Whether the reverse projection uses the transposed embedding matrix (default true, Keras's
   * `tie_weights`); false gives it a weight of its own, `reverse_embeddings`
   * `[outputDim, inputDim]`, initialized as the embeddings.
   */
  tieWeights?: boolean;
  /** Dtype the reverse projection computes in (Keras's `reverse_dtype`; default the layer's). */
  reverseDtype?: DType | null;
  /**
   * Soft cap of the reverse logits (Keras's `logit_soft_cap`; default none):
   * `logits = tanh(logits / cap) · cap`, squashed into (−cap, cap).
   */
  logitSoftCap?: number | null;
}

/** Call options of {@link ReversibleEmbedding}. */
export interface ReversibleEmbeddingCallOptions extends CallOptions {
  /** Project vectors `[…, outputDim]` back to logits `[…, inputDim]` (default false: look up ids). */
  reverse?: boolean;
}

/**
 * An {@link Embedding} that also runs in reverse (Keras's `ReversibleEmbedding`), as language
 * models use one matrix for their input tokens and their output logits. Called as usual it
 * looks up ids (and with `maskZero` masks id 0); called with `{ reverse: true }` it maps hidden
 * vectors to vocabulary logits.
 *
 * Formula: forward `y = E[ids]`; reverse `logits = x · Eᵀ` (tied) or `x · R` (untied), then,
 * with a cap `c`, `logits = c · tanh(logits / c)`.
 *
 * Shape: forward `[batch, ...]` → `[batch, ..., outputDim]`; reverse `[batch, ..., outputDim]` →
 * `[batch, ..., inputDim]`; embeddings `[inputDim, outputDim]`, reverse_embeddings (untied)
 * `[outputDim, inputDim]`.
 * @example
 * const emb = new ReversibleEmbedding({ inputDim: 100, outputDim: 16 });
 * const h = emb.apply(tensor([[4, 20, 7]], undefined, 'int32')); // [1, 3, 16]
 * emb.apply(h, { reverse: true }).shape; // [1, 3, 100]
 */
export class ReversibleEmbedding extends Embedding {
  static override readonly className: string = 'ReversibleEmbedding';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { inputDim: 1, outputDim: 1 };
  readonly tieWeights: boolean;
  readonly reverseDtype: DType | null;
  readonly logitSoftCap: number | null;
  /** The untied reverse projection `[outputDim, inputDim]` (null when tied). */
  reverseEmbeddings: LayerVariable | null = null;
  private readonly initializerId: InitializerIdentifier;
  /** Whether the latest call ran in reverse (its output then carries no mask). */
  private lastReverse = false;

  constructor(args: ReversibleEmbeddingArgs) {
    super(args);
    const who = `${this.name} (ReversibleEmbedding)`;
    this.tieWeights = args.tieWeights ?? true;
    this.reverseDtype = args.reverseDtype ?? null;
    if (
      this.reverseDtype !== null &&
      this.reverseDtype !== 'float32' &&
      this.reverseDtype !== 'float64'
    )
      throw new ValueError(
        `${who}: reverseDtype must be 'float32' or 'float64', got ${JSON.stringify(this.reverseDtype)}`,
      );
    const cap = args.logitSoftCap ?? null;
    if (cap !== null && !(typeof cap === 'number' && Number.isFinite(cap) && cap > 0))
      throw new ValueError(`${who}: logitSoftCap must be a positive number, got ${cap}`);
    this.logitSoftCap = cap;
    this.initializerId = args.embeddingsInitializer ?? 'randomUniform';
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    super.build(inputShape);
    if (!this.tieWeights) {
      this.reverseEmbeddings = this.addWeight({
        name: 'reverse_embeddings',
        shape: [this.outputDim, this.inputDim],
        initializer: this.initializerId,
      });
    }
  }

  override call(inputs: Tensor | Tensor[], opts: ReversibleEmbeddingCallOptions): Tensor {
    this.lastReverse = opts.reverse === true;
    if (!this.lastReverse) return super.call(inputs, opts);
    let x = single(inputs, this);
    if (x.shape[x.rank - 1] !== this.outputDim)
      throw new ShapeError(
        `${this.name} (ReversibleEmbedding): a reverse call takes vectors [..., ${this.outputDim}] (outputDim), got shape ${fmtShape(x.shape)}`,
      );
    let kernel: Tensor = this.tieWeights
      ? this.embeddings!.value().transpose()
      : this.reverseEmbeddings!.value();
    const dt = this.reverseDtype ?? this.dtype;
    if (x.dtype !== dt) x = x.cast(dt);
    if (kernel.dtype !== dt) kernel = kernel.cast(dt);
    let logits = x
      .reshape([-1, this.outputDim])
      .matmul(kernel)
      .reshape([...x.shape.slice(0, -1), this.inputDim]);
    const cap = this.logitSoftCap;
    if (cap !== null) logits = logits.div(cap).tanh().mul(cap);
    return logits;
  }

  /** Forward calls: as Embedding (`ids != 0` with `maskZero`); reverse calls: no mask. */
  override computeMask(inputs: Tensor | Tensor[], mask: CallOptions['mask']): Tensor | null {
    return this.lastReverse ? null : super.computeMask(inputs, mask);
  }

  /** The output shape of a forward call, or with `reverse` of a reverse call. */
  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
    reverse = false,
  ): SymbolicShape {
    if (!reverse) return super.computeOutputShape(inputShape);
    const s = singleShape(inputShape, this);
    if (s.length < 1 || (s[s.length - 1] !== null && s[s.length - 1] !== this.outputDim))
      throw new ShapeError(
        `${this.name} (ReversibleEmbedding): a reverse call takes vectors [..., ${this.outputDim}] (outputDim), got shape ${fmtShapeNull(s)}`,
      );
    return [...s.slice(0, -1), this.inputDim];
  }

  protected override symbolicOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
    opts: ReversibleEmbeddingCallOptions,
  ): SymbolicShape {
    return this.computeOutputShape(inputShape, opts.reverse === true);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      tieWeights: this.tieWeights,
      reverseDtype: this.reverseDtype,
      logitSoftCap: this.logitSoftCap,
    };
  }
}

registerSerializable('layer', ReversibleEmbedding);
