/**
 * ONNX converters of the normalization layers (BatchNormalization at inference,
 * LayerNormalization, GroupNormalization, RMSNormalization, UnitNormalization), the
 * preprocessing Normalization and Rescaling, and the activation layers (ReLU, LeakyReLU,
 * Softmax, ELU, PReLU). Each computes as `predict` does: BatchNormalization from the moving
 * statistics, `x·inv + (β − μ·inv)`; GroupNormalization (not an opset-17 operator) from
 * reductions over a grouped view.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { type OnnxLayerContext, registerOnnxConverter } from './export.js';
import { layerGetsMask } from './masks.js';
import { attr } from './onnx_proto.js';

const x0 = (c: OnnxLayerContext): string => c.inputs[0]!;

/** `axis` (a number or a list; negative from the end) as sorted, non-negative axes. */
function resolveAxes(axis: unknown, rank: number, dflt = -1): number[] {
  const v = axis ?? dflt;
  const list = typeof v === 'number' ? [v] : (v as number[]);
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
}

/** `values` of a float32 host array as a constant of shape `dims`, in the layer's float type. */
const floats = (c: OnnxLayerContext, values: ArrayLike<number>, dims: readonly number[]) =>
  c.constFloat(values, dims);

/** The data of a (possibly absent) per-channel weight, or `fill` repeated. */
function dataOr(w: Tensor | null | undefined, n: number, fill: number): Float64Array {
  if (!w) return new Float64Array(n).fill(fill);
  return Float64Array.from(w.dataSync() as ArrayLike<number>);
}

/** `[1, …, c, …, 1]`: a length-c vector laid along `axis` of a rank-r tensor. */
function along(rank: number, axis: number, size: number): number[] {
  return Array.from({ length: rank }, (_, i) => (i === axis ? size : 1));
}

/** 1 / √(v + eps), as `rsqrt(v + eps)`. */
function invSqrt(c: OnnxLayerContext, v: string, eps: number): string {
  return c.op1('Reciprocal', [c.op1('Sqrt', [c.op1('Add', [v, floats(c, [eps], [])])])]);
}

/** Mean μ over `axes` (kept) and the biased variance around it: returns [x − μ, σ²]. */
function moments(c: OnnxLayerContext, x: string, axes: readonly number[]): [string, string] {
  const reduce = { axes: attr.ints(axes), keepdims: attr.int(1) };
  const mean = c.op1('ReduceMean', [x], reduce);
  const centred = c.op1('Sub', [x, mean]);
  const variance = c.op1('ReduceMean', [c.op1('Mul', [centred, centred])], reduce);
  return [centred, variance];
}

// ---------------------------------------------------------------------------------------------
// Normalization layers

interface NormWeights {
  gamma?: Tensor | null;
  beta?: Tensor | null;
  movingMean?: Tensor | null;
  movingVariance?: Tensor | null;
  scale?: Tensor | null;
  adaptMean?: Tensor | null;
  adaptVariance?: Tensor | null;
}

const weightsOf = (c: OnnxLayerContext): NormWeights => c.layer as unknown as NormWeights;

/**
 * BatchNormalization at inference, folded to one Mul and one Add per channel as `predict`
 * computes it: `inv = γ / √(movingVariance + ε)`, `y = x·inv + (β − movingMean·inv)`; γ is 1
 * without `scale`, β 0 without `center`.
 */
function batchNormalization(c: OnnxLayerContext): string[] {
  const shape = c.inputShapes[0]!;
  const r = shape.length;
  const [ax] = resolveAxes(c.config.axis, r);
  const w = weightsOf(c);
  const n = w.movingMean!.size;
  const eps = c.config.epsilon as number;
  const mean = dataOr(w.movingMean, n, 0);
  const variance = dataOr(w.movingVariance, n, 1);
  const gamma = dataOr(w.gamma, n, 1);
  const beta = dataOr(w.beta, n, 0);
  const inv = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    inv[i] = gamma[i]! / Math.sqrt(variance[i]! + eps);
    shift[i] = beta[i]! - mean[i]! * inv[i]!;
  }
  const dims = ax === r - 1 ? [n] : along(r, ax!, n);
  const y = c.op1('Mul', [x0(c), floats(c, inv, dims)]);
  return [c.op1('Add', [y, floats(c, shift, dims)])];
}

/**
 * LayerNormalization: ONNX LayerNormalization when the axes are the trailing ones (γ and β
 * reshaped, as Keras does, into the normalized shape); otherwise, and for `rmsScaling`
 * (Keras's `x / √(var(x) + ε) · γ`, variance not mean square), reductions.
 */
function layerNormalization(c: OnnxLayerContext): string[] {
  const shape = c.inputShapes[0]!;
  const r = shape.length;
  const axes = resolveAxes(c.config.axis, r);
  const eps = c.config.epsilon as number;
  const { gamma, beta } = weightsOf(c);
  const bshape = shape.map((d, i) => (axes.includes(i) ? (d as number) : 1));
  const x = x0(c);
  if (c.config.rmsScaling) {
    const [, variance] = moments(c, x, axes);
    const y = c.op1('Mul', [x, invSqrt(c, variance, eps)]);
    return [gamma ? c.op1('Mul', [y, c.weight(gamma, bshape)]) : y];
  }
  const trailing = axes.every((a, i) => a === r - axes.length + i);
  if (trailing) {
    const normShape = bshape.slice(axes[0]);
    const size = normShape.reduce((p, q) => p * q, 1);
    const scale = gamma
      ? c.weight(gamma, normShape)
      : floats(c, new Float64Array(size).fill(1), normShape);
    const ins = [x, scale, ...(beta ? [c.weight(beta, normShape)] : [])];
    return [
      c.op1('LayerNormalization', ins, {
        axis: attr.int(axes[0]!),
        epsilon: attr.float(eps),
      }),
    ];
  }
  const [centred, variance] = moments(c, x, axes);
  let y = c.op1('Mul', [centred, invSqrt(c, variance, eps)]);
  if (gamma) y = c.op1('Mul', [y, c.weight(gamma, bshape)]);
  if (beta) y = c.op1('Add', [y, c.weight(beta, bshape)]);
  return [y];
}

/** RMSNormalization: `x / √(mean(x²) + ε) · scale`, the mean over `axis`. */
function rmsNormalization(c: OnnxLayerContext): string[] {
  const shape = c.inputShapes[0]!;
  const axes = resolveAxes(c.config.axis, shape.length);
  const bshape = shape.map((d, i) => (axes.includes(i) ? (d as number) : 1));
  const x = x0(c);
  const ms = c.op1('ReduceMean', [c.op1('Mul', [x, x])], {
    axes: attr.ints(axes),
    keepdims: attr.int(1),
  });
  const y = c.op1('Mul', [x, invSqrt(c, ms, c.config.epsilon as number)]);
  return [c.op1('Mul', [y, c.weight(weightsOf(c).scale!, bshape)])];
}

/**
 * GroupNormalization (no opset-17 operator): the channel axis split into [groups, C/groups],
 * mean and variance over every axis but the batch and the group, then γ and β per channel.
 */
function groupNormalization(c: OnnxLayerContext): string[] {
  const shape = c.inputShapes[0]!;
  const r = shape.length;
  const [ax] = resolveAxes(c.config.axis, r) as [number];
  const ch = shape[ax] as number;
  const g = (c.config.groups as number) === -1 ? ch : (c.config.groups as number);
  const x = x0(c);
  const gshape = [...shape.slice(0, ax), g, ch / g, ...shape.slice(ax + 1)];
  let target: string;
  if (gshape.slice(1).every((d) => d !== null)) {
    target = c.constInt64([0, ...(gshape.slice(1) as number[])]);
  } else {
    // Unknown sizes: the target shape from the input's own at run time.
    const s = c.op1('Shape', [x]);
    const head = c.op1('Slice', [s, c.constInt64([0]), c.constInt64([ax])]);
    const tail = c.op1('Slice', [s, c.constInt64([ax + 1]), c.constInt64([r])]);
    target = c.op1('Concat', [head, c.constInt64([g, ch / g]), tail], { axis: attr.int(0) });
  }
  const xg = c.op1('Reshape', [x, target]);
  const axes = gshape.map((_, i) => i).filter((i) => i !== 0 && i !== ax);
  const [centred, variance] = moments(c, xg, axes);
  let y = c.op1('Mul', [centred, invSqrt(c, variance, c.config.epsilon as number)]);
  const bshape = gshape.map((d, i) => (i === ax || i === ax + 1 ? (d as number) : 1));
  const { gamma, beta } = weightsOf(c);
  if (gamma) y = c.op1('Mul', [y, c.weight(gamma, bshape)]);
  if (beta) y = c.op1('Add', [y, c.weight(beta, bshape)]);
  return [c.op1('Reshape', [y, c.op1('Shape', [x])])];
}

/** UnitNormalization: `x · min(1 / √max(Σx², 1e-24), 1e12)`, the sum over `axis`. */
function unitNormalization(c: OnnxLayerContext): string[] {
  const x = x0(c);
  const axes = resolveAxes(c.config.axis, c.inputShapes[0]!.length);
  const ss = c.op1('ReduceSum', [c.op1('Mul', [x, x]), c.constInt64(axes)], {
    keepdims: attr.int(1),
  });
  const inv = c.op1('Reciprocal', [c.op1('Sqrt', [c.op1('Max', [ss, floats(c, [1e-24], [])])])]);
  return [c.op1('Mul', [x, c.op1('Min', [inv, floats(c, [1e12], [])])])];
}

/** The input as the layer's float type (integer inputs are cast, as `predict` does). */
function asFloat(c: OnnxLayerContext): string {
  return c.op1('Cast', [x0(c)], { to: attr.int(c.floatType) });
}

/**
 * Normalization (preprocessing): `(x − mean) / max(√variance, 1e-7)`, or with `invert`
 * `x·std + mean`; the adapted statistics, or the fixed ones given, along `axis`.
 */
function normalization(c: OnnxLayerContext): string[] {
  const shape = c.inputShapes[0]!;
  const r = shape.length;
  const keep = resolveAxes(c.config.axis, r, -1);
  const bshape = shape.map((d, i) => (keep.includes(i) ? (d as number) : 1));
  const size = bshape.reduce((p, q) => p * q, 1);
  const w = weightsOf(c);
  const stat = (t: Tensor | null | undefined, fixed: unknown): string => {
    if (t) return c.weight(t, bshape);
    const v = fixed as number | number[];
    const list = typeof v === 'number' ? [v] : v;
    const full = list.length === 1 ? new Array<number>(size).fill(list[0]!) : list;
    // The fixed statistics are float32 in `predict`, whatever the layer.
    return floats(c, Float32Array.from(full), bshape);
  };
  const mean = stat(w.adaptMean, c.config.mean);
  const variance = stat(w.adaptVariance, c.config.variance);
  const std = c.op1('Max', [c.op1('Sqrt', [variance]), floats(c, [1e-7], [])]);
  const x = asFloat(c);
  if (c.config.invert) return [c.op1('Add', [c.op1('Mul', [x, std]), mean])];
  return [c.op1('Div', [c.op1('Sub', [x, mean]), std])];
}

/** Rescaling: `x·scale + offset` (a list broadcasts along the last axis). */
function rescaling(c: OnnxLayerContext): string[] {
  const operand = (v: unknown): string =>
    typeof v === 'number' ? floats(c, [v], []) : floats(c, v as number[], [(v as number[]).length]);
  const y = c.op1('Mul', [asFloat(c), operand(c.config.scale)]);
  return [c.op1('Add', [y, operand(c.config.offset ?? 0)])];
}

// ---------------------------------------------------------------------------------------------
// Activation layers

/**
 * ReLU with Keras's options, composed as `keras.activations.relu`: `x·[x > threshold]` (or
 * relu), clipped to `[0, maxValue]`, minus `negativeSlope·relu(threshold − x)`; the plain
 * leaky case is LeakyRelu.
 */
function relu(c: OnnxLayerContext): string[] {
  const x = x0(c);
  const maxValue = (c.config.maxValue as number | null | undefined) ?? null;
  const slope = (c.config.negativeSlope as number | undefined) ?? 0;
  const threshold = (c.config.threshold as number | undefined) ?? 0;
  if (slope !== 0 && maxValue === null && threshold === 0)
    return [c.op1('LeakyRelu', [x], { alpha: attr.float(slope) })];
  const th = () => floats(c, [threshold], []);
  let y =
    threshold !== 0
      ? c.op1('Where', [c.op1('Greater', [x, th()]), x, floats(c, [0], [])])
      : c.op1('Relu', [x]);
  if (maxValue !== null) y = c.op1('Clip', [y, floats(c, [0], []), floats(c, [maxValue], [])]);
  if (slope !== 0) {
    const below = c.op1('Relu', [c.op1('Sub', [th(), x])]);
    y = c.op1('Sub', [y, c.op1('Mul', [below, floats(c, [slope], [])])]);
  }
  return [y];
}

/** Softmax over one axis (ONNX Softmax), or several: `exp(x − logSumExp(x, axes))`. */
function softmax(c: OnnxLayerContext): string[] {
  // A Keras mask reaching Softmax hides its masked positions; the graph has no masks.
  if (layerGetsMask(c.layer))
    c.unsupported('an input mask (Embedding maskZero or Masking upstream)');
  const x = x0(c);
  const axis = c.config.axis ?? -1;
  if (typeof axis === 'number' || (axis as number[]).length === 1) {
    const a = typeof axis === 'number' ? axis : (axis as number[])[0]!;
    return [c.op1('Softmax', [x], { axis: attr.int(a) })];
  }
  const axes = resolveAxes(axis, c.inputShapes[0]!.length);
  const lse = c.op1('ReduceLogSumExp', [x], { axes: attr.ints(axes), keepdims: attr.int(1) });
  return [c.op1('Exp', [c.op1('Sub', [x, lse])])];
}

/** PReLU: ONNX PRelu, α of shape `[…non-batch axes]` (1 on the shared ones) broadcasting. */
function prelu(c: OnnxLayerContext): string[] {
  const alpha = (c.layer as unknown as { alpha: Tensor }).alpha;
  return [c.op1('PRelu', [x0(c), c.weight(alpha)])];
}

registerOnnxConverter('BatchNormalization', batchNormalization);
registerOnnxConverter('LayerNormalization', layerNormalization);
registerOnnxConverter('RMSNormalization', rmsNormalization);
registerOnnxConverter('GroupNormalization', groupNormalization);
registerOnnxConverter('UnitNormalization', unitNormalization);
registerOnnxConverter('Normalization', normalization);
registerOnnxConverter('Rescaling', rescaling);
registerOnnxConverter('ReLU', relu);
registerOnnxConverter('LeakyReLU', (c) => [
  c.op1('LeakyRelu', [x0(c)], { alpha: attr.float(c.config.negativeSlope as number) }),
]);
registerOnnxConverter('Softmax', softmax);
registerOnnxConverter('ELU', (c) => [
  c.op1('Elu', [x0(c)], { alpha: attr.float(c.config.alpha as number) }),
]);
registerOnnxConverter('PReLU', prelu);
