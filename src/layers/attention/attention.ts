/**
 * `Attention` (Luong-style dot-product attention) and `AdditiveAttention` (Bahdanau-style), as
 * Keras 3's: called on `[query, value]` or `[query, value, key]`, with the inputs' Keras masks
 * (query mask zeroes the output rows, value mask hides keys), a causal mask on demand, dropout
 * on the attention distribution in training, and the distribution itself on demand.
 * `AdditiveAttention` is `Attention` with its own scores, as in Keras.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { softmax, tanh } from '../../ops/activation.js';
import { tensor } from '../../ops/creation.js';
import { logicalAnd, where } from '../../ops/elementwise.js';
import { matmul } from '../../ops/matmul.js';
import { sum } from '../../ops/reduce.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dropout } from '../core.js';
import { type CallOptions, Layer, type LayerArgs, type LayerVariable } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';

/** Options of {@link Attention}, Keras's names. */
export interface AttentionArgs extends LayerArgs {
  /** Learn a scalar `scale` multiplying the scores (default false). */
  useScale?: boolean;
  /** `'dot'` (query·keyᵀ, default) or `'concat'` (Σ tanh(query + key), weighted). */
  scoreMode?: 'dot' | 'concat';
  /** Fraction of the attention distribution dropped in training (default 0). */
  dropout?: number;
  /** Seed of the dropout. */
  seed?: number | null;
}

/** Call options of {@link Attention} and {@link AdditiveAttention}. */
export interface AttentionCallOptions extends CallOptions {
  /**
   * `[queryMask, valueMask]` (`[B, Tq]`, `[B, Tv]`, true where present; a third entry, the
   * key's, is ignored as in Keras): in a model these come from the inputs' Keras masks
   * (Embedding `maskZero`, Masking).
   */
  mask?: Tensor | (Tensor | null)[] | null;
  /** Position i attends only to keys j ≤ i (decoder self-attention). */
  useCausalMask?: boolean;
  /** Also output the attention distribution `[B, Tq, Tv]` (call with `applyMulti`). */
  returnAttentionScores?: boolean;
}

/** The query, value and key shapes of a call on `[query, value]` or `[query, value, key]`. */
function attentionShapes(
  layer: Layer,
  inputShape: SymbolicShape | SymbolicShape[],
): [SymbolicShape, SymbolicShape, SymbolicShape] {
  const where = `${layer.name} (${layer.className})`;
  const list = Array.isArray(inputShape[0])
    ? (inputShape as SymbolicShape[])
    : [inputShape as SymbolicShape];
  if (!Array.isArray(inputShape[0]) || list.length < 2 || list.length > 3)
    throw new ValueError(
      `${where}: call it on a list [query, value] or [query, value, key], got ${Array.isArray(inputShape[0]) ? `${list.length} input(s)` : 'one tensor'}`,
    );
  const [q, v, k = v] = list as [SymbolicShape, SymbolicShape, SymbolicShape?];
  const fmt = (s: SymbolicShape) => `[${s.map((d) => d ?? 'null').join(', ')}]`;
  if (q.length < 3 || v.length !== q.length || k!.length !== q.length)
    throw new ShapeError(
      `${where}: query, value and key must have the same rank ≥ 3 ([batch, ..., T, dim]), got query ${fmt(q)}, value ${fmt(v)}, key ${fmt(k!)}`,
    );
  const agree = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null || a === b;
  if (!k!.slice(0, -1).every((d, i) => agree(d, v[i])))
    throw new ShapeError(
      `${where}: value and key must agree on every axis but the last, got value ${fmt(v)} and key ${fmt(k!)}`,
    );
  if (!agree(q.at(-1), k!.at(-1)))
    throw new ShapeError(
      `${where}: query and key must have the same last axis, got query ${fmt(q)} and key ${fmt(k!)}`,
    );
  return [q, v, k!];
}

/**
 * Dot-product attention (Luong-style; Keras's `Attention`): call it on `[query, value]` or
 * `[query, value, key]` (key defaults to value).
 *
 * Formula: scores = scale · query·keyᵀ (`'dot'`), or
 * `concatScoreWeight · Σ_d tanh(scale · (query + key))` (`'concat'`; scale 1 without
 * `useScale`); masked keys get scores − 1e9; distribution = softmax(scores) over keys;
 * output = distribution · value, zero at masked query positions.
 *
 * Shape: query `[B, Tq, dim]`, value `[B, Tv, dimV]`, key `[B, Tv, dim]` (more batch axes
 * allowed) → `[B, Tq, dimV]`; scores `[B, Tq, Tv]`. Weights: `scale` `[]` (useScale),
 * `concat_score_weight` `[]` (concat).
 * @example
 * const att = new Attention({ useScale: true });
 * const [y, scores] = att.applyMulti([query, value], { returnAttentionScores: true } as never);
 */
export class Attention extends Layer {
  static override readonly className: string = 'Attention';
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropoutRate: number;
  readonly seed: number | null;
  scale: LayerVariable | null = null;
  concatScoreWeight: LayerVariable | null = null;
  protected readonly dropoutLayer: Dropout;

  constructor(args: AttentionArgs = {}) {
    super(args);
    const where = `${this.name} (${this.className})`;
    const mode = args.scoreMode ?? 'dot';
    if (mode !== 'dot' && mode !== 'concat')
      throw new ValueError(`${where}: scoreMode must be 'dot' or 'concat', got ${String(mode)}`);
    const rate = args.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new ValueError(`${where}: dropout must be a number in [0, 1), got ${rate}`);
    this.useScale = args.useScale ?? false;
    this.scoreMode = mode;
    this.dropoutRate = rate;
    this.seed = args.seed ?? null;
    this.dropoutLayer = new Dropout({
      rate,
      seed: args.seed ?? undefined,
      name: `${this.name}/dropout`,
    });
    this.supportsMasking = true;
  }

  protected where(): string {
    return `${this.name} (${this.className})`;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    attentionShapes(this, inputShape);
    if (this.useScale)
      this.scale = this.addWeight({ name: 'scale', shape: [], initializer: 'ones' });
    if (this.scoreMode === 'concat')
      this.concatScoreWeight = this.addWeight({
        name: 'concat_score_weight',
        shape: [],
        initializer: 'ones',
      });
  }

  /** The scores `[..., Tq, Tv]` of query `[..., Tq, dim]` against key `[..., Tv, dim]`. */
  protected calculateScores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const scores = matmul(query, key, false, true);
      return this.scale ? scores.mul(this.scale) : scores;
    }
    let s = query.expandDims(-2).add(key.expandDims(-3));
    if (this.scale) s = this.scale.mul(s);
    return this.concatScoreWeight!.mul(sum(tanh(s), -1));
  }

  override call(inputs: Tensor | Tensor[], opts: AttentionCallOptions = {}): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    attentionShapes(
      this,
      Array.isArray(inputs) ? list.map((t) => t.shape) : (list[0]!.shape as SymbolicShape),
    );
    const [query, value, key = value] = list as [Tensor, Tensor, Tensor?];
    const masks = opts.mask ?? null;
    if (masks !== null && !Array.isArray(masks))
      throw new ValueError(
        `${this.where()}: mask must be a list [queryMask, valueMask], got a single tensor`,
      );
    const qMask = masks?.[0] ?? null;
    const vMask = masks?.[1] ?? null;
    let scores = this.calculateScores(query, key!);
    // Keys hidden by the value mask (and, causally, later positions) get scores − 1e9.
    let scoresMask: Tensor | null = vMask ? vMask.cast('bool').expandDims(-2) : null;
    if (opts.useCausalMask) {
      const tq = scores.shape.at(-2)!;
      const tv = scores.shape.at(-1)!;
      const data = new Uint8Array(tq * tv);
      for (let i = 0; i < tq; i++)
        for (let j = 0; j <= Math.min(i, tv - 1); j++) data[i * tv + j] = 1;
      const causal = tensor(data, [1, tq, tv], 'bool');
      scoresMask = scoresMask ? logicalAnd(scoresMask, causal) : causal;
    }
    if (scoresMask) scores = where(scoresMask, scores, scores.sub(1e9));
    const weights = softmax(scores, -1);
    const dropped =
      opts.training && this.dropoutRate > 0
        ? this.dropoutLayer.apply(weights, { training: true })
        : weights;
    let out = matmul(dropped, value);
    if (qMask) out = where(qMask.cast('bool').expandDims(-1), out, 0);
    return opts.returnAttentionScores ? [out, weights] : out;
  }

  override computeMask(
    _inputs: Tensor | Tensor[],
    mask: CallOptions['mask'],
  ): Tensor | null | (Tensor | null)[] {
    // The output follows the query: its mask is the query's.
    return Array.isArray(mask) ? (mask[0] ?? null) : null;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [q, v] = attentionShapes(this, inputShape);
    return [...q.slice(0, -1), v.at(-1)!];
  }

  protected override symbolicOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
    opts: AttentionCallOptions,
  ): SymbolicShape | SymbolicShape[] {
    const out = this.computeOutputShape(inputShape);
    if (!opts.returnAttentionScores) return out;
    const [q, , k] = attentionShapes(this, inputShape);
    return [out, [...q.slice(0, -1), k.at(-2)!]];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      useScale: this.useScale,
      scoreMode: this.scoreMode,
      dropout: this.dropoutRate,
      seed: this.seed,
    };
  }
}

/** Options of {@link AdditiveAttention}, Keras's names. */
export interface AdditiveAttentionArgs extends LayerArgs {
  /** Learn a per-feature `scale` `[dim]` weighting the tanh terms (default true). */
  useScale?: boolean;
  /** Fraction of the attention distribution dropped in training (default 0). */
  dropout?: number;
  /** Seed of the dropout. */
  seed?: number | null;
}

/**
 * Additive attention (Bahdanau-style; Keras's `AdditiveAttention`): call it on
 * `[query, value]` or `[query, value, key]` (key defaults to value).
 *
 * Formula: scores[i, j] = Σ_d scale_d · tanh(query[i, d] + key[j, d]) (scale 1 without
 * `useScale`); masked keys get scores − 1e9; distribution = softmax(scores) over keys;
 * output = distribution · value, zero at masked query positions.
 *
 * Shape: query `[B, Tq, dim]`, value `[B, Tv, dimV]`, key `[B, Tv, dim]` → `[B, Tq, dimV]`;
 * scores `[B, Tq, Tv]`. Weights: `scale` `[dim]` (useScale; glorotUniform).
 * @example
 * const att = new AdditiveAttention();
 * const y = att.apply([query, value]) as Tensor; // [B, Tq, dimV]
 */
export class AdditiveAttention extends Attention {
  static override readonly className: string = 'AdditiveAttention';

  constructor(args: AdditiveAttentionArgs = {}) {
    // Keras's AdditiveAttention has no score mode of its own: its scores replace Attention's.
    const { useScale, scoreMode: _ignored, ...rest } = args as AttentionArgs;
    super({ ...rest, useScale: useScale ?? true });
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const [q] = attentionShapes(this, inputShape);
    const dim = q.at(-1);
    if (dim == null)
      throw new ShapeError(`${this.where()}: the query's last axis must be known, got null`);
    if (this.useScale)
      this.scale = this.addWeight({ name: 'scale', shape: [dim], initializer: 'glorotUniform' });
  }

  protected override calculateScores(query: Tensor, key: Tensor): Tensor {
    const t = tanh(query.expandDims(-2).add(key.expandDims(-3)));
    return sum(this.scale ? t.mul(this.scale) : t, -1);
  }

  override getConfig(): Config {
    const { scoreMode: _drop, ...config } = super.getConfig();
    return config;
  }
}

registerSerializable('layer', Attention);
registerSerializable('layer', AdditiveAttention);
