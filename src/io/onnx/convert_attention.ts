/**
 * ONNX converters of EinsumDense and the attention layers: MultiHeadAttention,
 * GroupQueryAttention, Attention and AdditiveAttention. Opset 17 has no attention operator, so
 * attention is written out: projections (MatMul, or Einsum for equations that are not a
 * product over trailing axes), scaled scores, the causal and sliding-window masks built from
 * the scores' own shape (so sequence lengths may stay symbolic), Softmax and the weighted sum.
 * Dropout is the identity at inference, as `predict` runs it. Keras masks (Embedding
 * `maskZero`, Masking) and `attentionMask` tensors are not part of an exported graph.
 */
import type { AdditiveAttention, Attention } from '../../layers/attention/attention.js';
import type { GroupQueryAttention } from '../../layers/attention/group_query_attention.js';
import type { MultiHeadAttention } from '../../layers/attention/multi_head_attention.js';
import type { EinsumDense } from '../../layers/einsum_dense.js';
import type { Layer } from '../../layers/layer.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import { type OnnxLayerContext, registerOnnxConverter } from './export.js';
import { layerGetsMask } from './masks.js';
import { type OnnxAttr, attr } from './onnx_proto.js';

const LABELS = 'abcdefghijklmnopqrstuvwxyz';

/** An EinsumDense equation with its ellipsis expanded for the input's rank, relabeled a, b, … */
interface Equation {
  input: string;
  kernel: string;
  output: string;
}

/**
 * Expands `...` into as many fresh labels as it stands for (the input's rank minus its named
 * axes) and renames every label to a lowercase letter in order of first use, the form every
 * ONNX Einsum implementation reads.
 */
function expandEquation(c: OnnxLayerContext, equation: string, rank: number): Equation {
  const eq = equation.replace(/\s+/g, '');
  const m = /^([a-zA-Z.]+),([a-zA-Z]+)->([a-zA-Z.]+)$/.exec(eq);
  if (!m) return c.unsupported(`the equation '${equation}'`);
  let [, input, kernel, output] = m as unknown as [string, string, string, string];
  if (input.includes('...')) {
    const n = rank - (input.length - 3);
    const used = new Set(eq);
    const fresh = [...`${LABELS}${LABELS.toUpperCase()}`].filter((l) => !used.has(l)).slice(0, n);
    input = input.replace('...', fresh.join(''));
    output = output.replace('...', fresh.join(''));
  }
  const names = new Map<string, string>();
  const rename = (s: string) =>
    [...s]
      .map((l) => {
        if (!names.has(l)) names.set(l, LABELS[names.size] ?? '?');
        return names.get(l)!;
      })
      .join('');
  const out = { input: rename(input), kernel: rename(kernel), output: rename(output) };
  if (names.size > LABELS.length) c.unsupported(`an equation of more than 26 axes ('${equation}')`);
  return out;
}

/**
 * The MatMul form of an equation, when it is one: the input's last axes contract with the
 * kernel's first ones (`bound`) and the kernel's other axes (`out`) replace them in the output,
 * in order ('abc,cde->abde', 'abcd,cde->abe'). Null otherwise.
 */
function matmulForm(e: Equation): { free: number; bound: number; out: number } | null {
  const bound = [...e.kernel].filter((l) => e.input.includes(l)).join('');
  const out = [...e.kernel].filter((l) => !e.input.includes(l)).join('');
  const free = e.input.slice(0, e.input.length - bound.length);
  const ok =
    bound.length > 0 &&
    out.length > 0 &&
    new Set(e.input).size === e.input.length &&
    e.kernel === bound + out &&
    e.input === free + bound &&
    e.output === free + out;
  return ok ? { free: free.length, bound: bound.length, out: out.length } : null;
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * EinsumDense: einsum(equation, x, kernel) + bias, then the activation. Products over trailing
 * axes (every projection of the attention layers) are a MatMul between Reshapes; any other
 * equation is an ONNX Einsum.
 */
function einsumDense(c: OnnxLayerContext): string[] {
  const layer = c.layer as EinsumDense;
  const kernel = layer.kernel;
  if (!kernel) return c.unsupported('an unbuilt EinsumDense');
  const x = c.inputs[0]!;
  const e = expandEquation(c, layer.equation, c.inputShapes[0]!.length);
  const form = matmulForm(e);
  let y: string;
  if (form) {
    const ks = kernel.shape;
    const keep = new Array<number>(form.free).fill(0);
    const flat =
      form.bound > 1
        ? c.op1('Reshape', [x, c.constInt64([...keep, product(ks.slice(0, form.bound))])])
        : x;
    const w =
      form.bound > 1 || form.out > 1
        ? c.weight(kernel, [product(ks.slice(0, form.bound)), product(ks.slice(form.bound))])
        : c.weight(kernel);
    y = c.op1('MatMul', [flat, w]);
    if (form.out > 1) y = c.op1('Reshape', [y, c.constInt64([...keep, ...ks.slice(form.bound)])]);
  } else {
    y = c.op1('Einsum', [x, c.weight(kernel)], {
      equation: attr.string(`${e.input},${e.kernel}->${e.output}`),
    });
  }
  if (layer.bias) y = c.op1('Add', [y, c.weight(layer.bias)]);
  return [c.activation(c.config.activation, y)];
}

/** Exports a sublayer (a projection) on `x` of shape `shape`; returns its output and shape. */
function project(
  c: OnnxLayerContext,
  dense: EinsumDense | null,
  x: string,
  shape: SymbolicShape,
): [string, SymbolicShape] {
  if (!dense) return c.unsupported('an unbuilt layer');
  const out = dense.computeOutputShape(shape);
  return [c.applyLayer(dense, [x], [shape], [out])[0]!, out];
}

/**
 * The bool mask `[T, S]` of the causal band (i ≥ j) and/or the sliding window (|i − j| < w),
 * with T and S the last two axes of `scores` read at run time; null without either.
 */
function bandMask(
  c: OnnxLayerContext,
  scores: string,
  causal: boolean,
  window: number | null,
): string | null {
  if (!causal && window === null) return null;
  const zero = c.constInt64([0], []);
  const one = c.constInt64([1], []);
  // 0, 1, …, n − 1 for the length n of the scores' axis `axis` (−2: queries, −1: keys).
  const positions = (axis: number) => {
    const bounds: Record<string, OnnxAttr> = { start: attr.int(axis) };
    if (axis !== -1) bounds.end = attr.int(axis + 1);
    const n = c.op1('Shape', [scores], bounds);
    return c.op1('Range', [zero, c.op1('Squeeze', [n, c.constInt64([0])]), one]);
  };
  const i = c.op1('Unsqueeze', [positions(-2), c.constInt64([1])]);
  const j = positions(-1);
  let mask: string | null = causal ? c.op1('GreaterOrEqual', [i, j]) : null;
  if (window !== null) {
    const near = c.op1('Less', [c.op1('Abs', [c.op1('Sub', [i, j])]), c.constInt64([window], [])]);
    mask = mask ? c.op1('And', [mask, near]) : near;
  }
  return mask;
}

/** `x` transposed by `perm`. */
const transpose = (c: OnnxLayerContext, x: string, perm: readonly number[]) =>
  c.op1('Transpose', [x], { perm: attr.ints(perm) });

/**
 * Query, value and key of a call on `[query, value]` or `[query, value, key]`, with shapes;
 * inputs that carry a Keras mask are refused (the exported graph has no masks).
 */
function qvk(c: OnnxLayerContext): { names: string[]; shapes: SymbolicShape[] } {
  if (c.inputs.length < 2 || c.inputs.length > 3)
    c.unsupported(`a call on ${c.inputs.length} input(s)`);
  if (layerGetsMask(c.layer, true))
    c.unsupported(
      'inputs that carry a Keras mask (Embedding maskZero or Masking upstream: the exported graph has no masks)',
    );
  const [q, v, k = v] = c.inputs as [string, string, string?];
  const [qs, vs, ks = vs] = c.inputShapes as [SymbolicShape, SymbolicShape, SymbolicShape?];
  return { names: [q, v, k!], shapes: [qs, vs, ks!] };
}

/**
 * MultiHeadAttention's dot and combine einsum equations over `axes` of projected tensors of
 * `rank` (as the layer builds them): scores `[batch axes, heads, query axes, key axes]`.
 */
function attentionEquations(rank: number, axes: readonly number[]): [string, string] {
  const target = LABELS.slice(0, rank);
  const batch = [...target].flatMap((_, i) => (axes.includes(i) || i === rank - 1 ? [] : [i]));
  let next = rank;
  const source = [...target]
    .map((l, i) => (batch.includes(i) || i === rank - 1 ? l : LABELS[next++]!))
    .join('');
  const scores =
    batch.map((i) => target[i]).join('') +
    axes.map((i) => target[i]).join('') +
    axes.map((i) => source[i]).join('');
  return [`${source},${target}->${scores}`, `${scores},${source}->${target}`];
}

/**
 * MultiHeadAttention: softmax(Q Kᵀ/√keyDim + mask) V per head, then the output projection.
 * One attention axis (inputs `[B, T, dim]`) is Transpose + MatMul; several (or inputs of higher
 * rank) are Einsums with the layer's own equations and a softmax over all attention axes.
 */
function multiHeadAttention(c: OnnxLayerContext): string[] {
  const layer = c.layer as MultiHeadAttention;
  const { names, shapes } = qvk(c);
  const [qs, vs, ks] = shapes as [SymbolicShape, SymbolicShape, SymbolicShape];
  const axes = (c.config.attentionAxes as number[] | null) ?? [];
  const causal = c.callArgs.useCausalMask === true;
  const window = layer.slidingWindow;
  const simple = qs.length === 3 && axes.length === 1 && axes[0] === 1;
  if ((causal || window !== null) && qs.length !== 3)
    c.unsupported('a causal or sliding-window mask on inputs of rank above 3');
  const [q0, qp] = project(c, layer.queryDense, names[0]!, qs);
  const [k] = project(c, layer.keyDense, names[2]!, ks);
  const [v] = project(c, layer.valueDense, names[1]!, vs);
  const q = c.op1('Mul', [q0, c.constFloat([1 / Math.sqrt(layer.keyDim)], [])]);
  const rank = qp.length;
  const [dotEq, combineEq] = attentionEquations(rank, axes);
  let scores = simple
    ? c.op1('MatMul', [transpose(c, q, [0, 2, 1, 3]), transpose(c, k, [0, 2, 3, 1])])
    : c.op1('Einsum', [k, q], { equation: attr.string(dotEq) });
  const mask = bandMask(c, scores, causal, window);
  if (mask) scores = c.op1('Where', [mask, scores, c.constFloat([-1e9], [])]);
  let probs: string;
  if (axes.length === 1) probs = c.op1('Softmax', [scores], { axis: attr.int(-1) });
  else {
    // Scores are [batch axes, heads, query axes, key axes]: normalize over the key axes.
    const scoresRank = rank - 1 + axes.length;
    const lse = c.op1('ReduceLogSumExp', [scores], {
      axes: attr.ints(axes.map((_, i) => scoresRank - axes.length + i)),
      keepdims: attr.int(1),
    });
    probs = c.op1('Exp', [c.op1('Sub', [scores, lse])]);
  }
  const ctx = simple
    ? transpose(c, c.op1('MatMul', [probs, transpose(c, v, [0, 2, 1, 3])]), [0, 2, 1, 3])
    : c.op1('Einsum', [probs, v], { equation: attr.string(combineEq) });
  const [out] = project(c, layer.outputDense, ctx, [...qp.slice(0, -1), layer.valueDim]);
  return c.callArgs.returnAttentionScores === true ? [out, probs] : [out];
}

/**
 * GroupQueryAttention: key and value heads repeated (interleaved) to the query heads, then as
 * MultiHeadAttention; masked probabilities zeroed where the layer zeroes them (with dropout or
 * the scores returned), and the optional sigmoid gate before the output projection.
 */
function groupQueryAttention(c: OnnxLayerContext): string[] {
  const layer = c.layer as GroupQueryAttention;
  const { names, shapes } = qvk(c);
  const [qs, vs, ks] = shapes as [SymbolicShape, SymbolicShape, SymbolicShape];
  const returnScores = c.callArgs.returnAttentionScores === true;
  const [q0, qp] = project(c, layer.queryDense, names[0]!, qs);
  let [k] = project(c, layer.keyDense, names[2]!, ks);
  let [v] = project(c, layer.valueDense, names[1]!, vs);
  const q = c.op1('Mul', [q0, c.constFloat([1 / Math.sqrt(layer.headDim)], [])]);
  const n = layer.numRepeats;
  if (n > 1) {
    // [B, S, G, H] → [B, S, G, n, H] → [B, S, G·n, H]: head u reads group ⌊u / n⌋.
    const heads = c.constInt64([0, 0, layer.numQueryHeads, layer.headDim]);
    const reps = c.constInt64([1, 1, 1, n, 1]);
    const repeat = (x: string) =>
      c.op1('Reshape', [c.op1('Tile', [c.op1('Unsqueeze', [x, c.constInt64([3])]), reps]), heads]);
    k = repeat(k);
    v = repeat(v);
  }
  let scores = c.op1('MatMul', [transpose(c, q, [0, 2, 1, 3]), transpose(c, k, [0, 2, 3, 1])]);
  const mask = bandMask(c, scores, c.callArgs.useCausalMask === true, layer.slidingWindow);
  if (mask) scores = c.op1('Where', [mask, scores, c.constFloat([-1e9], [])]);
  let probs = c.op1('Softmax', [scores], { axis: attr.int(-1) });
  if (mask && (layer.dropoutRate > 0 || returnScores))
    probs = c.op1('Where', [mask, probs, c.constFloat([0], [])]);
  let ctx = transpose(c, c.op1('MatMul', [probs, transpose(c, v, [0, 2, 1, 3])]), [0, 2, 1, 3]);
  if (layer.gateDense) ctx = c.op1('Mul', [ctx, project(c, layer.gateDense, names[0]!, qs)[0]]);
  const [out] = project(c, layer.outputDense, ctx, qp);
  return returnScores ? [out, probs] : [out];
}

/** `x` with its last two axes swapped (of rank `rank`). */
function swapLast(c: OnnxLayerContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose(c, x, perm);
}

/** Σ_d over the last axis of `x` (dropped). */
const sumLast = (c: OnnxLayerContext, x: string) =>
  c.op1('ReduceSum', [x, c.constInt64([-1])], { keepdims: attr.int(0) });

/** query + key over a new pair of axes: `[..., Tq, 1, d] + [..., 1, Tv, d]`. */
const pairSum = (c: OnnxLayerContext, q: string, k: string) =>
  c.op1('Add', [
    c.op1('Unsqueeze', [q, c.constInt64([-2])]),
    c.op1('Unsqueeze', [k, c.constInt64([-3])]),
  ]);

/** The learned weight `w` of `layer`, or a refusal if it is missing. */
function weightOf(c: OnnxLayerContext, w: Layer['weights'][number] | null): string {
  if (!w) return c.unsupported('an unbuilt layer');
  return c.weight(w);
}

/**
 * Attention (Luong) and AdditiveAttention (Bahdanau): scores by the layer's mode, keys past the
 * query hidden by the causal mask (scores − 1e9), softmax over keys, the weighted sum of values.
 */
function dotAttention(additive: boolean) {
  return (c: OnnxLayerContext): string[] => {
    const layer = c.layer as Attention | AdditiveAttention;
    const { names, shapes } = qvk(c);
    const [q, v, k] = names as [string, string, string];
    let scores: string;
    if (additive) {
      let t = c.op1('Tanh', [pairSum(c, q, k)]);
      if (layer.scale) t = c.op1('Mul', [t, weightOf(c, layer.scale)]);
      scores = sumLast(c, t);
    } else if (layer.scoreMode === 'dot') {
      scores = c.op1('MatMul', [q, swapLast(c, k, shapes[2]!.length)]);
      if (layer.scale) scores = c.op1('Mul', [scores, weightOf(c, layer.scale)]);
    } else {
      let s = pairSum(c, q, k);
      if (layer.scale) s = c.op1('Mul', [weightOf(c, layer.scale), s]);
      scores = c.op1('Mul', [weightOf(c, layer.concatScoreWeight), sumLast(c, c.op1('Tanh', [s]))]);
    }
    const mask = bandMask(c, scores, c.callArgs.useCausalMask === true, null);
    if (mask)
      scores = c.op1('Where', [mask, scores, c.op1('Sub', [scores, c.constFloat([1e9], [])])]);
    const probs = c.op1('Softmax', [scores], { axis: attr.int(-1) });
    const out = c.op1('MatMul', [probs, v]);
    return c.callArgs.returnAttentionScores === true ? [out, probs] : [out];
  };
}

registerOnnxConverter('EinsumDense', einsumDense);
registerOnnxConverter('MultiHeadAttention', multiHeadAttention);
registerOnnxConverter('GroupQueryAttention', groupQueryAttention);
registerOnnxConverter('Attention', dotAttention(false));
registerOnnxConverter('AdditiveAttention', dotAttention(true));
