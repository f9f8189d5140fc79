/**
 * `MultiHeadAttention`, as Keras 3's: EinsumDense projections named `query`, `key`, `value`
 * and `attention_output` (so weights load from and save to Keras's files), scaled dot-product
 * attention over one or more attention axes written as einsum equations built the way Keras
 * builds them, with Keras-mask propagation, causal and sliding-window masks, dropout on the
 * attention scores, and the scores on demand.
 */
import { type ConstraintIdentifier, getConstraint } from '../../constraints.js';
import { ValueError } from '../../errors.js';
import { type InitializerIdentifier, getInitializer } from '../../initializers.js';
import { softmax } from '../../ops/activation.js';
import { fusedAttention } from '../../ops/attention.js';
import { tensor } from '../../ops/creation.js';
import { einsum } from '../../ops/einsum.js';
import { exp, logicalAnd, sub, where } from '../../ops/elementwise.js';
import { logSumExp } from '../../ops/reduce.js';
import { be } from '../../ops/util.js';
import { type RegularizerIdentifier, getRegularizer } from '../../regularizers.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { serializeOpt } from '../config_util.js';
import { Dropout } from '../core.js';
import { EinsumDense } from '../einsum_dense.js';
import { type CallOptions, Layer, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';

/** Options of {@link MultiHeadAttention}, Keras's names. */
export interface MultiHeadAttentionArgs extends LayerArgs {
  /** Number of attention heads. */
  numHeads: number;
  /** Size of each head for query and key. */
  keyDim: number;
  /** Size of each head for value (default `keyDim`). */
  valueDim?: number | null;
  /** Dropout rate on the attention scores, in training (default 0). */
  dropout?: number;
  /** Whether the projections have biases (default true). */
  useBias?: boolean;
  /** The output's trailing shape (default: the query's last axis). */
  outputShape?: number | readonly number[] | null;
  /** Axes of the input attention runs over, batch and features excluded (default: all between). */
  attentionAxes?: number | readonly number[] | null;
  /** Each query attends only to keys within this distance (less than it), default none. */
  slidingWindow?: number | null;
  /** Kernel initializer of the projections (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Bias initializer of the projections (default zeros). */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  /** A gated output (Keras's `use_gate`): not supported, false only. */
  useGate?: boolean;
  /** Seed of the attention dropout. */
  seed?: number | null;
}

/** Call options of {@link MultiHeadAttention}. */
export interface MultiHeadAttentionCallOptions extends CallOptions {
  /**
   * Boolean (or 0/1) mask `[B, T, S]` (or broadcastable): true where a query position may
   * attend to a key position. Eager calls only; in a graph, use Keras masks or the flags.
   */
  attentionMask?: Tensor | null;
  /** Each position attends only to itself and earlier ones (decoders). */
  useCausalMask?: boolean;
  /** Also output the attention scores `[B, heads, T, S]` (call with `applyMulti`). */
  returnAttentionScores?: boolean;
}

const letters = 'abcdefghijklmnopqrstuvwxyz';

/** A projection's einsum equation: free axes pass, bound axes contract, output axes are new. */
function projEquation(
  free: number,
  bound: number,
  out: number,
): { equation: string; biasAxes: string; rank: number } {
  const f = letters.slice(0, free);
  const b = letters.slice(free, free + bound);
  const o = letters.slice(free + bound, free + bound + out);
  return { equation: `${f}${b},${b}${o}->${f}${o}`, biasAxes: o, rank: free + out };
}

/** `[null, …, null, ...known]` of the given rank (a projection's partial output shape). */
const partialShape = (rank: number, known: readonly number[]) => [
  ...new Array<null>(rank - known.length).fill(null),
  ...known,
];

/**
 * The dot-product and combine equations of attention over `axes` of projected tensors of
 * `rank` (`[batch, ..., heads, dim]`): scores are `[batch dims, heads, query axes, key axes]`.
 */
function attentionEquations(
  rank: number,
  axes: readonly number[],
): { dot: string; combine: string; scoresRank: number } {
  const target = letters.slice(0, rank);
  const batch = [...target].flatMap((_, i) => (axes.includes(i) || i === rank - 1 ? [] : [i]));
  let next = rank;
  const source = [...target]
    .map((c, i) => (batch.includes(i) || i === rank - 1 ? c : letters[next++]!))
    .join('');
  const product =
    batch.map((i) => target[i]).join('') +
    axes.map((i) => target[i]).join('') +
    axes.map((i) => source[i]).join('');
  return {
    dot: `${source},${target}->${product}`,
    combine: `${product},${source}->${target}`,
    scoresRank: product.length,
  };
}

/**
 * Multi-head scaled dot-product attention (Keras's `MultiHeadAttention`): call it on
 * `[query, value]` or `[query, value, key]`.
 *
 * Formula: per head h, `softmax(Q_h K_hᵀ / √keyDim + mask) V_h`, with Q = query·Wq + bq,
 * K = key·Wk + bk, V = value·Wv + bv; the heads are projected back by `attention_output`.
 *
 * Shape: query `[B, T, dim]`, value `[B, S, dimV]`, key `[B, S, dimK]` → `[B, T, dim]` (or
 * `[B, T, ...outputShape]`); scores `[B, heads, T, S]`. Weights: query/key/value kernels
 * `[dim, heads, keyDim]` (value: valueDim) and biases `[heads, keyDim]`, output kernel
 * `[heads, valueDim, dim]` and bias `[dim]`.
 * @example
 * const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 8 });
 * const y = mha.apply([x, x], { useCausalMask: true } as never); // self-attention
 */
export class MultiHeadAttention extends Layer {
  static override readonly className = 'MultiHeadAttention';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { numHeads: 1, keyDim: 1 };
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropoutRate: number;
  readonly useBias: boolean;
  readonly outputShape: number[] | null;
  readonly slidingWindow: number | null;
  private attentionAxes: number[] | null;
  private readonly args: MultiHeadAttentionArgs;
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;
  private readonly dropoutLayer: Dropout;
  private equations: { dot: string; combine: string; normAxes: number[] } | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const where = `${this.name} (MultiHeadAttention)`;
    const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
    if (!args || !posInt(args.numHeads))
      throw new ValueError(`${where}: numHeads must be a positive integer, got ${args?.numHeads}`);
    if (!posInt(args.keyDim))
      throw new ValueError(`${where}: keyDim must be a positive integer, got ${args.keyDim}`);
    if (args.valueDim != null && !posInt(args.valueDim))
      throw new ValueError(
        `${where}: valueDim must be a positive integer or null, got ${args.valueDim}`,
      );
    if (args.useGate) throw new ValueError(`${where}: useGate is not supported`);
    const rate = args.dropout ?? 0;
    if (!(rate >= 0 && rate < 1))
      throw new ValueError(`${where}: dropout must be in [0, 1), got ${rate}`);
    if (args.slidingWindow != null && !posInt(args.slidingWindow))
      throw new ValueError(
        `${where}: slidingWindow must be a positive integer or null, got ${args.slidingWindow}`,
      );
    this.args = args;
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropoutRate = rate;
    this.useBias = args.useBias ?? true;
    const os = args.outputShape ?? null;
    this.outputShape = os === null ? null : typeof os === 'number' ? [os] : [...os];
    this.slidingWindow = args.slidingWindow ?? null;
    const ax = args.attentionAxes ?? null;
    this.attentionAxes = ax === null ? null : typeof ax === 'number' ? [ax] : [...ax];
    this.dropoutLayer = new Dropout({
      rate,
      seed: args.seed ?? undefined,
      name: `${this.name}/dropout`,
    });
    this.supportsMasking = true;
  }

  private where(): string {
    return `${this.name} (MultiHeadAttention)`;
  }

  /** The query, value and key shapes of a call's inputs. */
  private shapesOf(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const list = Array.isArray(inputShape[0])
      ? (inputShape as SymbolicShape[])
      : [inputShape as SymbolicShape];
    if (list.length < 2 || list.length > 3)
      throw new ValueError(
        `${this.where()}: call it on [query, value] or [query, value, key], got ${list.length} input(s)`,
      );
    const [q, v, k = v] = list as [SymbolicShape, SymbolicShape, SymbolicShape?];
    const mid = (s: SymbolicShape) => JSON.stringify(s.slice(1, -1));
    if (mid(v) !== mid(k!))
      throw new ValueError(
        `${this.where()}: value and key must agree on every axis but the last, got [${v.join(', ')}] and [${k!.join(', ')}]`,
      );
    if (q.length < 3 || q.length !== v.length)
      throw new ValueError(
        `${this.where()}: query and value must have the same rank ≥ 3, got [${q.join(', ')}] and [${v.join(', ')}]`,
      );
    return [q, v, k!];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const [q, v, k] = this.shapesOf(inputShape);
    const common = {
      kernelInitializer: getInitializer(this.args.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: getInitializer(this.args.biasInitializer ?? 'zeros'),
      kernelRegularizer: this.args.kernelRegularizer,
      biasRegularizer: this.args.biasRegularizer,
      activityRegularizer: this.args.activityRegularizer,
      kernelConstraint: this.args.kernelConstraint,
      biasConstraint: this.args.biasConstraint,
      dtype: this.dtype,
    };
    const proj = (name: string, shape: SymbolicShape, dim: number) => {
      const p = projEquation(shape.length - 1, 1, 2);
      const layer = new EinsumDense({
        ...common,
        equation: p.equation,
        outputShape: partialShape(p.rank - 1, [this.numHeads, dim]),
        biasAxes: this.useBias ? p.biasAxes : null,
        name: `${this.name}/${name}`,
      });
      layer.build(shape);
      layer.built = true;
      return { layer: this.trackLayer(layer), rank: p.rank };
    };
    const query = proj('query', q, this.keyDim);
    this.queryDense = query.layer;
    this.keyDense = proj('key', k, this.keyDim).layer;
    this.valueDense = proj('value', v, this.valueDim).layer;
    const rank = query.rank;
    const axes = (this.attentionAxes ?? Array.from({ length: rank - 3 }, (_, i) => i + 1)).map(
      (a) => (a >= 0 ? a : rank - 1 + a),
    );
    for (const a of axes)
      if (!Number.isInteger(a) || a < 1 || a > rank - 3)
        throw new ValueError(
          `${this.where()}: attentionAxes must name axes between the batch and feature axes (1 … ${rank - 3}), got ${JSON.stringify(this.attentionAxes)}`,
        );
    this.attentionAxes = axes;
    const eq = attentionEquations(rank, axes);
    this.equations = {
      dot: eq.dot,
      combine: eq.combine,
      normAxes: axes.map((_, i) => eq.scoresRank - axes.length + i),
    };
    const outShape = this.outputShape ?? [q[q.length - 1]!];
    if (outShape.some((d) => d === null))
      throw new ValueError(`${this.where()}: the query's last axis must be known`);
    const o = projEquation(q.length - 1, 2, outShape.length);
    this.outputDense = this.trackLayer(
      new EinsumDense({
        ...common,
        equation: o.equation,
        outputShape: partialShape(o.rank - 1, outShape as number[]),
        biasAxes: this.useBias ? o.biasAxes : null,
        name: `${this.name}/attention_output`,
      }),
    );
    const projected = this.queryDense.computeOutputShape(q);
    this.outputDense.build([...projected.slice(0, -1), this.valueDim]);
    this.outputDense.built = true;
  }

  /** Keras saves the projections under these attribute names. */
  override savedChildren(): Record<string, Layer> {
    if (!this.queryDense) return {};
    return {
      key_dense: this.keyDense!,
      output_dense: this.outputDense!,
      query_dense: this.queryDense,
      value_dense: this.valueDense!,
    };
  }

  /** Query, value and key masks and the call's own mask, merged as Keras does. */
  private attentionMask(
    q: Tensor,
    v: Tensor,
    keyGiven: boolean,
    opts: MultiHeadAttentionCallOptions,
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
    const band = (keep: (i: number, j: number) => boolean) => {
      const data = new Uint8Array(t * s);
      for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) data[i * s + j] = keep(i, j) ? 1 : 0;
      return tensor(data, [1, t, s], 'bool');
    };
    if (opts.useCausalMask && causalBand)
      m = and(
        m,
        band((i, j) => i >= j),
      );
    if (this.slidingWindow !== null) {
      const w = this.slidingWindow;
      m = and(
        m,
        band((i, j) => Math.abs(i - j) < w),
      );
    }
    if (opts.attentionMask) {
      const am = opts.attentionMask.cast('bool');
      m = m ? logicalAnd(am, m) : am;
    }
    return m;
  }

  override call(inputs: Tensor | Tensor[], opts: MultiHeadAttentionCallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length < 2 || list.length > 3)
      throw new ValueError(
        `${this.where()}: call it on [query, value] or [query, value, key], got ${list.length} input(s)`,
      );
    const [query, value, key = value] = list as [Tensor, Tensor, Tensor?];
    const qp = this.queryDense!.apply(query);
    const fused = this.fusable(qp, opts);
    // The fused kernel applies a causal band itself, skipping the keys after each query.
    let mask = this.attentionMask(query, value, list.length === 3, opts, !fused);
    const k = this.keyDense!.apply(key!);
    const v = this.valueDense!.apply(value);
    if (mask) {
      // [B, T, S] masks gain the heads axis (and any batch axes) in front of the attention axes.
      const n = this.attentionAxes!.length;
      const scoresRank = qp.rank - 1 + n;
      while (mask.rank < scoresRank) mask = mask.expandDims(mask.rank - 2 * n);
    }
    if (fused) {
      const { output } = fusedAttention(qp, k, v, {
        mask,
        scale: 1 / Math.sqrt(this.keyDim),
        isCausal: opts.useCausalMask === true,
        maskedValue: -1e9,
      });
      return this.outputDense!.apply(output);
    }
    const q = qp.mul(1 / Math.sqrt(this.keyDim));
    const eq = this.equations!;
    let scores = einsum(eq.dot, k, q);
    if (mask) scores = where(mask, scores, -1e9);
    let probs: Tensor;
    if (eq.normAxes.length === 1) probs = softmax(scores, eq.normAxes[0]);
    else probs = exp(sub(scores, logSumExp(scores, eq.normAxes, true)));
    const dropped =
      this.dropoutRate > 0 ? this.dropoutLayer.apply(probs, { training: opts.training }) : probs;
    const out = this.outputDense!.apply(einsum(eq.combine, dropped, v));
    return opts.returnAttentionScores ? [out, probs] : out;
  }

  /**
   * Whether this call can run as one fused attention kernel: the backend has one, attention
   * runs over the one sequence axis (rank-3 inputs), the scores are not returned (they would
   * need a gradient of their own) and no dropout applies to them.
   */
  private fusable(qp: Tensor, opts: MultiHeadAttentionCallOptions): boolean {
    const axes = this.attentionAxes!;
    return (
      qp.rank === 4 &&
      axes.length === 1 &&
      axes[0] === 1 &&
      !opts.returnAttentionScores &&
      (this.dropoutRate === 0 || opts.training !== true) &&
      be().hasFusedAttention(qp.dtype)
    );
  }

  override computeMask(
    _inputs: Tensor | Tensor[],
    mask: CallOptions['mask'],
  ): Tensor | null | (Tensor | null)[] {
    // The output follows the query: its mask is the query's.
    return Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [q] = this.shapesOf(inputShape);
    return this.outputShape ? [...q!.slice(0, -1), ...this.outputShape] : q!;
  }

  protected override symbolicOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
    opts: MultiHeadAttentionCallOptions,
  ): SymbolicShape | SymbolicShape[] {
    if (opts.attentionMask)
      throw new ValueError(
        `${this.where()}: an attentionMask cannot be part of a model graph; mask through the inputs' Keras masks (Embedding maskZero, Masking) or useCausalMask`,
      );
    const out = this.computeOutputShape(inputShape);
    if (!opts.returnAttentionScores) return out;
    const [q, v] = this.shapesOf(inputShape);
    const axes = this.attentionAxes ?? [];
    // Scores are [batch, (axes that are not attended over)…, heads, query axes…, key axes…].
    const free = q!.slice(1, -1).flatMap((d, i) => (axes.includes(i + 1) ? [] : [d]));
    return [
      out,
      [q![0]!, ...free, this.numHeads, ...axes.map((a) => q![a]!), ...axes.map((a) => v![a]!)],
    ];
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropoutRate,
      useBias: this.useBias,
      useGate: false,
      outputShape: this.outputShape as ConfigValue,
      attentionAxes: this.attentionAxes as ConfigValue,
      slidingWindow: this.slidingWindow,
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

registerSerializable('layer', MultiHeadAttention);
