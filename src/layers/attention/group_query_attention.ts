/**
 * `GroupQueryAttention`, as Keras 3's (`keras.layers.GroupQueryAttention`, class
 * `GroupedQueryAttention`): EinsumDense projections named `query`, `key`, `value`, `gate`
 * (optional) and `attention_output`, saved under Keras's attribute names; key and value heads
 * repeated to the query heads; Keras-mask propagation, causal and sliding-window masks, dropout
 * on the attention probabilities, and the probabilities on demand.
 */
import { type ConstraintIdentifier, getConstraint } from '../../constraints.js';
import { ShapeError, ValueError } from '../../errors.js';
import { type InitializerIdentifier, getInitializer } from '../../initializers.js';
import { softmax } from '../../ops/activation.js';
import { repeat } from '../../ops/arrange.js';
import { fusedAttention } from '../../ops/attention.js';
import { tensor } from '../../ops/creation.js';
import { einsum } from '../../ops/einsum.js';
import { logicalAnd, where } from '../../ops/elementwise.js';
import { be } from '../../ops/util.js';
import { type RegularizerIdentifier, getRegularizer } from '../../regularizers.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { serializeOpt } from '../config_util.js';
import { Dropout } from '../core.js';
import { EinsumDense } from '../einsum_dense.js';
import { type CallOptions, Layer, type LayerArgs, uniqueName } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';

/** Options of {@link GroupQueryAttention}, Keras's names. */
export interface GroupQueryAttentionArgs extends LayerArgs {
  /** Size of each attention head. */
  headDim: number;
  /** Number of query heads. */
  numQueryHeads: number;
  /** Number of key/value heads (groups); must divide `numQueryHeads`. 1 is multi-query attention. */
  numKeyValueHeads: number;
  /** Dropout rate on the attention probabilities, in training (default 0). */
  dropout?: number;
  /** Whether the projections have biases (default true). */
  useBias?: boolean;
  /** Each query attends only to keys less than this distance away (default none). */
  slidingWindow?: number | null;
  /** Gate the attention output with sigmoid(query · W_gate + b) (default false). */
  useGate?: boolean;
  /** Kernel initializer of the projections (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Bias initializer of the projections (default zeros). */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  /** Seed of the attention dropout. */
  seed?: number | null;
}

/** Call options of {@link GroupQueryAttention}. */
export interface GroupQueryAttentionCallOptions extends CallOptions {
  /**
   * Boolean (or 0/1) mask `[B, T, S]` (or broadcastable): true where a query position may
   * attend to a key position. Eager calls only; in a graph, use Keras masks or the flags.
   */
  attentionMask?: Tensor | null;
  /** Each position attends only to itself and earlier ones (decoders). */
  useCausalMask?: boolean;
  /** Also output the attention probabilities `[B, numQueryHeads, T, S]` (call with `applyMulti`). */
  returnAttentionScores?: boolean;
}

const fmt = (s: SymbolicShape) => `[${s.map((d) => d ?? 'null').join(', ')}]`;

/**
 * Grouped-query attention (Keras's `GroupQueryAttention`): call it on `[query, value]` or
 * `[query, value, key]`. Query heads share key/value heads in groups of
 * `numQueryHeads / numKeyValueHeads`.
 *
 * Formula: Q = query·Wq + bq `[B, T, U, H]`, K = key·Wk + bk and V = value·Wv + bv
 * `[B, S, G, H]`, each of K and V repeated to U heads (head u uses group ⌊u·G/U⌋);
 * P_u = softmax(Q_u K_uᵀ / √headDim + mask); output = (P_u V_u over heads)·Wo + bo (times
 * sigmoid(query·Wg + bg) before Wo with `useGate`).
 *
 * Shape: query `[B, T, dim]`, value `[B, S, dim]`, key `[B, S, dimK]` → `[B, T, dim]`;
 * scores `[B, numQueryHeads, T, S]`. Weights: query kernel `[dim, U, H]` and bias `[U, H]`,
 * key/value kernels `[dim, G, H]` and biases `[G, H]`, output kernel `[U, H, dim]` and bias
 * `[dim]` (gate as query).
 * @example
 * const gqa = new GroupQueryAttention({ headDim: 16, numQueryHeads: 8, numKeyValueHeads: 2 });
 * const y = gqa.apply([x, x], { useCausalMask: true } as never); // decoder self-attention
 */
export class GroupQueryAttention extends Layer {
  /** Keras's registered name (`keras.layers.GroupQueryAttention`), as its configs write it. */
  static override readonly className = 'GroupQueryAttention';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = {
    headDim: 1,
    numQueryHeads: 1,
    numKeyValueHeads: 1,
  };
  /**
   * Keras's Python class name in snake_case: Keras names the layer's group in weight files and
   * its default layer name after it (`grouped_query_attention`), not after `className`.
   */
  static readonly kerasSnakeName = 'grouped_query_attention';
  readonly headDim: number;
  readonly numQueryHeads: number;
  readonly numKeyValueHeads: number;
  readonly numRepeats: number;
  readonly dropoutRate: number;
  readonly useBias: boolean;
  readonly useGate: boolean;
  readonly slidingWindow: number | null;
  private readonly args: GroupQueryAttentionArgs;
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  gateDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;
  private readonly dropoutLayer: Dropout;

  constructor(args: GroupQueryAttentionArgs) {
    super({ ...args, name: args?.name ?? uniqueName(GroupQueryAttention.kerasSnakeName) });
    const where = `${this.name} (GroupQueryAttention)`;
    const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
    if (!args || !posInt(args.headDim))
      throw new ValueError(`${where}: headDim must be a positive integer, got ${args?.headDim}`);
    if (!posInt(args.numQueryHeads))
      throw new ValueError(
        `${where}: numQueryHeads must be a positive integer, got ${args.numQueryHeads}`,
      );
    if (!posInt(args.numKeyValueHeads))
      throw new ValueError(
        `${where}: numKeyValueHeads must be a positive integer, got ${args.numKeyValueHeads}`,
      );
    if (args.numQueryHeads % args.numKeyValueHeads !== 0)
      throw new ValueError(
        `${where}: numQueryHeads must be divisible by numKeyValueHeads, got ${args.numQueryHeads} and ${args.numKeyValueHeads}`,
      );
    const rate = args.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new ValueError(`${where}: dropout must be a number in [0, 1), got ${rate}`);
    if (args.slidingWindow != null && !posInt(args.slidingWindow))
      throw new ValueError(
        `${where}: slidingWindow must be a positive integer or null, got ${args.slidingWindow}`,
      );
    this.args = args;
    this.headDim = args.headDim;
    this.numQueryHeads = args.numQueryHeads;
    this.numKeyValueHeads = args.numKeyValueHeads;
    this.numRepeats = args.numQueryHeads / args.numKeyValueHeads;
    this.dropoutRate = rate;
    this.useBias = args.useBias ?? true;
    this.useGate = args.useGate ?? false;
    this.slidingWindow = args.slidingWindow ?? null;
    this.dropoutLayer = new Dropout({
      rate,
      seed: args.seed ?? undefined,
      name: `${this.name}/dropout`,
    });
    this.supportsMasking = true;
  }

  private where(): string {
    return `${this.name} (GroupQueryAttention)`;
  }

  /** The query, value and key shapes of a call's inputs. */
  private shapesOf(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const multi = Array.isArray(inputShape[0]);
    const list = multi ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    if (!multi || list.length < 2 || list.length > 3)
      throw new ValueError(
        `${this.where()}: call it on [query, value] or [query, value, key], got ${multi ? `${list.length} input(s)` : 'one tensor'}`,
      );
    const [q, v, k = v] = list as [SymbolicShape, SymbolicShape, SymbolicShape?];
    if (q.length !== 3 || v.length !== 3 || k!.length !== 3)
      throw new ShapeError(
        `${this.where()}: query, value and key must have rank 3 ([batch, length, features]), got query ${fmt(q)}, value ${fmt(v)}, key ${fmt(k!)}`,
      );
    if (q[2] == null || v[2] == null || q[2] !== v[2])
      throw new ShapeError(
        `${this.where()}: query and value must have the same known last axis, got query ${fmt(q)} and value ${fmt(v)}`,
      );
    const agree = (a: number | null | undefined, b: number | null | undefined) =>
      a == null || b == null || a === b;
    if (!agree(v[0], k![0]) || !agree(v[1], k![1]))
      throw new ShapeError(
        `${this.where()}: value and key must agree on every axis but the last, got value ${fmt(v)} and key ${fmt(k!)}`,
      );
    return [q, v, k!];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const [q, v, k] = this.shapesOf(inputShape);
    const a = this.args;
    const common = {
      kernelInitializer: getInitializer(a.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: getInitializer(a.biasInitializer ?? 'zeros'),
      kernelRegularizer: a.kernelRegularizer,
      biasRegularizer: a.biasRegularizer,
      activityRegularizer: a.activityRegularizer,
      kernelConstraint: a.kernelConstraint,
      biasConstraint: a.biasConstraint,
      dtype: this.dtype,
    };
    const dense = (
      name: string,
      equation: string,
      outputShape: (number | null)[],
      biasAxes: string,
      shape: SymbolicShape,
      activation?: 'sigmoid',
    ) => {
      const layer = new EinsumDense({
        ...common,
        equation,
        outputShape,
        biasAxes: this.useBias ? biasAxes : null,
        ...(activation ? { activation } : {}),
        name: `${this.name}/${name}`,
      });
      layer.build(shape);
      layer.built = true;
      return this.trackLayer(layer);
    };
    const [u, g, h] = [this.numQueryHeads, this.numKeyValueHeads, this.headDim];
    // Keras's build order, which is its weight order: query, key, gate, value, output.
    this.queryDense = dense('query', 'bqm,muh->bquh', [null, u, h], 'uh', q);
    this.keyDense = dense('key', 'bkm,mvh->bkvh', [null, g, h], 'vh', k);
    if (this.useGate)
      this.gateDense = dense('gate', 'bqm,muh->bquh', [null, u, h], 'uh', q, 'sigmoid');
    this.valueDense = dense('value', 'bkm,mvh->bkvh', [null, g, h], 'vh', v);
    this.outputDense = dense('attention_output', 'bquh,uhm->bqm', [null, q[2]!], 'm', [
      null,
      null,
      u,
      h,
    ]);
  }

  /** Keras saves the projections under these attribute names. */
  override savedChildren(): Record<string, Layer> {
    if (!this.queryDense) return {};
    return {
      _key_dense: this.keyDense!,
      _output_dense: this.outputDense!,
      _query_dense: this.queryDense,
      _value_dense: this.valueDense!,
      ...(this.gateDense ? { _gate_dense: this.gateDense } : {}),
    };
  }

  /** `[1, T, S]` of `keep(i, j)`. */
  private band(t: number, s: number, keep: (i: number, j: number) => boolean): Tensor {
    const data = new Uint8Array(t * s);
    for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) data[i * s + j] = keep(i, j) ? 1 : 0;
    return tensor(data, [1, t, s], 'bool');
  }

  /** Query, value and key masks, the causal and sliding-window bands and the call's mask, ANDed. */
  private attentionMask(
    q: Tensor,
    v: Tensor,
    keyGiven: boolean,
    opts: GroupQueryAttentionCallOptions,
    causalBand = true,
  ): Tensor | null {
    const masks = Array.isArray(opts.mask) ? opts.mask : [opts.mask ?? null];
    const [qm, vm, km] = [masks[0] ?? null, masks[1] ?? null, keyGiven ? (masks[2] ?? null) : null];
    const and = (a: Tensor | null, b: Tensor) => (a ? logicalAnd(a, b) : b);
    let m: Tensor | null = null;
    if (qm) m = qm.cast('bool').expandDims(-1);
    if (vm) m = and(m, vm.cast('bool').expandDims(-2));
    if (km) m = and(m, km.cast('bool').expandDims(-2));
    const t = q.shape[1]!;
    const s = v.shape[1]!;
    if (opts.useCausalMask && causalBand)
      m = and(
        m,
        this.band(t, s, (i, j) => i >= j),
      );
    if (this.slidingWindow !== null) {
      const w = this.slidingWindow;
      m = and(
        m,
        this.band(t, s, (i, j) => Math.abs(i - j) < w),
      );
    }
    if (opts.attentionMask) {
      const am = opts.attentionMask.cast('bool');
      m = m ? logicalAnd(am, m) : am;
    }
    return m;
  }

  override call(
    inputs: Tensor | Tensor[],
    opts: GroupQueryAttentionCallOptions = {},
  ): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.shapesOf(Array.isArray(inputs) ? list.map((x) => x.shape) : list[0]!.shape);
    const [query, value, key = value] = list as [Tensor, Tensor, Tensor?];
    // Keras's explicit path (dropout, or scores asked for) zeroes masked probabilities; the
    // fused kernel follows its fused path, as the composite below does without them.
    const qp = this.queryDense!.apply(query);
    const fused =
      this.dropoutRate === 0 && !opts.returnAttentionScores && be().hasFusedAttention(qp.dtype);
    let mask = this.attentionMask(query, value, list.length === 3, opts, !fused);
    const gate = this.gateDense ? this.gateDense.apply(query) : null;
    let k = this.keyDense!.apply(key!);
    let v = this.valueDense!.apply(value);
    if (this.numRepeats > 1) {
      k = repeat(k, this.numRepeats, 2);
      v = repeat(v, this.numRepeats, 2);
    }
    // [B, T, S] masks gain the heads axis.
    while (mask && mask.rank < 4) mask = mask.expandDims(-3);
    if (fused) {
      let out = fusedAttention(qp, k, v, {
        mask,
        scale: 1 / Math.sqrt(this.headDim),
        isCausal: opts.useCausalMask === true,
        maskedValue: -1e9,
      }).output;
      if (gate) out = out.mul(gate);
      return this.outputDense!.apply(out);
    }
    const q = qp.mul(1 / Math.sqrt(this.headDim));
    let scores = einsum('bquh,bkuh->buqk', q, k);
    if (mask) scores = where(mask, scores, -1e9);
    let probs = softmax(scores, -1);
    // Keras's explicit path (dropout or scores asked for) zeroes masked probabilities, so fully
    // masked rows (padded queries) become zeros; its fused dot-product path leaves them uniform.
    if (mask && (this.dropoutRate > 0 || opts.returnAttentionScores)) probs = where(mask, probs, 0);
    const dropped =
      this.dropoutRate > 0 ? this.dropoutLayer.apply(probs, { training: opts.training }) : probs;
    let out = einsum('buqk,bkuh->bquh', dropped, v);
    if (gate) out = out.mul(gate);
    out = this.outputDense!.apply(out);
    return opts.returnAttentionScores ? [out, probs] : out;
  }

  override computeMask(
    _inputs: Tensor | Tensor[],
    mask: CallOptions['mask'],
  ): Tensor | null | (Tensor | null)[] {
    // The output follows the query: its mask is the query's.
    return Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.shapesOf(inputShape)[0]!;
  }

  protected override symbolicOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
    opts: GroupQueryAttentionCallOptions,
  ): SymbolicShape | SymbolicShape[] {
    if (opts.attentionMask)
      throw new ValueError(
        `${this.where()}: an attentionMask cannot be part of a model graph; mask through the inputs' Keras masks (Embedding maskZero, Masking) or useCausalMask`,
      );
    const [q, , k] = this.shapesOf(inputShape);
    if (!opts.returnAttentionScores) return q!;
    return [q!, [q![0]!, this.numQueryHeads, q![1]!, k![1]!]];
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      headDim: this.headDim,
      numQueryHeads: this.numQueryHeads,
      numKeyValueHeads: this.numKeyValueHeads,
      useBias: this.useBias,
      useGate: this.useGate,
      slidingWindow: this.slidingWindow,
      dropout: this.dropoutRate,
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
      seed: a.seed ?? null,
    };
  }
}

registerSerializable('layer', GroupQueryAttention);
