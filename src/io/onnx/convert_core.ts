/**
 * ONNX converters of the core layers: Dense, Activation, the inference-time identities
 * (dropouts, noise, regularization), Flatten, Reshape, Permute, RepeatVector and the merges.
 */
import { type OnnxLayerContext, registerOnnxConverter } from './export.js';
import { attr } from './onnx_proto.js';

const x0 = (c: OnnxLayerContext): string => c.inputs[0]!;

/** Dense: x·W + b on the last axis (MatMul broadcasts over leading axes), then the activation. */
function dense(c: OnnxLayerContext): string[] {
  const [kernel, bias] = c.layer.weights;
  let y = c.op1('MatMul', [x0(c), c.weight(kernel!)]);
  if (c.config.useBias !== false && bias) y = c.op1('Add', [y, c.weight(bias)]);
  return [c.activation(c.config.activation, y)];
}

/** Layers that are the identity at inference (what `predict` runs). */
function identity(c: OnnxLayerContext): string[] {
  return [c.op1('Identity', [x0(c)])];
}

/** Flatten: [N, d1, …] → [N, d1·…] in row-major (channels-last) order, as Keras does. */
function flatten(c: OnnxLayerContext): string[] {
  return [c.op1('Flatten', [x0(c)], { axis: attr.int(1) })];
}

/** Reshape to [N, ...targetShape] (a −1 in the target stays −1). */
function reshape(c: OnnxLayerContext): string[] {
  const target = c.config.targetShape as number[];
  return [c.op1('Reshape', [x0(c), c.constInt64([0, ...target])])];
}

/** Permute: dims are 1-based non-batch axes. */
function permute(c: OnnxLayerContext): string[] {
  const dims = c.config.dims as number[];
  return [c.op1('Transpose', [x0(c)], { perm: attr.ints([0, ...dims]) })];
}

/** RepeatVector: [N, F] → [N, n, F]. */
function repeatVector(c: OnnxLayerContext): string[] {
  const n = c.config.n as number;
  const u = c.op1('Unsqueeze', [x0(c), c.constInt64([1])]);
  return [c.op1('Tile', [u, c.constInt64([1, n, 1])])];
}

function sameRanks(c: OnnxLayerContext): void {
  const r = c.inputShapes[0]!.length;
  if (c.inputShapes.some((s) => s.length !== r))
    c.unsupported(
      `merging inputs of different ranks (${c.inputShapes.map((s) => s.length).join(', ')})`,
    );
}

/** An n-ary elementwise merge as a chain of binary ONNX ops (ONNX broadcasting is Keras's). */
function chain(op: string) {
  return (c: OnnxLayerContext): string[] => {
    sameRanks(c);
    let y = c.inputs[0]!;
    for (const x of c.inputs.slice(1)) y = c.op1(op, [y, x]);
    return [y];
  };
}

function average(c: OnnxLayerContext): string[] {
  const [s] = chain('Add')(c);
  return [c.op1('Div', [s!, c.constFloat([c.inputs.length], [])])];
}

function concatenate(c: OnnxLayerContext): string[] {
  const axis = (c.config.axis as number | undefined) ?? -1;
  return [c.op1('Concat', [...c.inputs], { axis: attr.int(axis) })];
}

/** Dot of two rank-2 inputs over their feature axes: Σ a·b per sample, shape [N, 1]. */
function dot(c: OnnxLayerContext): string[] {
  const [a, b] = c.inputShapes;
  if (a!.length !== 2 || b!.length !== 2)
    c.unsupported('Dot of inputs that are not rank 2 (batch, features)');
  let [x, y] = c.inputs as [string, string];
  if (c.config.normalize) {
    const l2 = (v: string) => c.op1('LpNormalization', [v], { axis: attr.int(-1), p: attr.int(2) });
    x = l2(x);
    y = l2(y);
  }
  const p = c.op1('Mul', [x, y]);
  return [c.op1('ReduceSum', [p, c.constInt64([1])], { keepdims: attr.int(1) })];
}

registerOnnxConverter('Dense', dense);
registerOnnxConverter('Activation', (c) => [c.activation(c.config.activation, x0(c))]);
for (const name of [
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'ActivityRegularization',
  'Identity',
])
  registerOnnxConverter(name, identity);
registerOnnxConverter('Flatten', flatten);
registerOnnxConverter('Reshape', reshape);
registerOnnxConverter('Permute', permute);
registerOnnxConverter('RepeatVector', repeatVector);
registerOnnxConverter('Add', chain('Add'));
registerOnnxConverter('Multiply', chain('Mul'));
registerOnnxConverter('Maximum', chain('Max'));
registerOnnxConverter('Minimum', chain('Min'));
registerOnnxConverter('Subtract', chain('Sub'));
registerOnnxConverter('Average', average);
registerOnnxConverter('Concatenate', concatenate);
registerOnnxConverter('Dot', dot);
