/**
 * ONNX converters of the convolution family: Conv1D/2D/3D, their transposes, the depthwise and
 * separable convolutions, window and global pooling, zero padding, cropping and upsampling.
 *
 * Keras is channels-last; ONNX's Conv, ConvTranspose and pooling operators are channels-first,
 * so a channels-last layer is wrapped in two Transposes (none for `dataFormat: 'channelsFirst'`).
 * Kernels are written already in ONNX's layout (`[out, in / group, k…]`, ConvTranspose
 * `[in, out, k…]`), and 'same' padding as explicit pads computed as Keras/TensorFlow do
 * (`total = max((⌈n/s⌉ − 1)·s + (k − 1)·d + 1 − n, 0)`, the odd one after), so that an even
 * kernel or a stride pads exactly as `predict` does.
 */
import { noGrad } from '../../autograd/tape.js';
import { reshape, transpose } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type OnnxLayerContext, registerOnnxConverter } from './export.js';
import { layerGetsMask } from './masks.js';
import { type OnnxAttr, OnnxType, attr } from './onnx_proto.js';

const x0 = (c: OnnxLayerContext): string => c.inputs[0]!;

/** An end index past any axis (Slice clamps it); exact as an int64. */
const TO_END = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------
// Layout helpers

const channelsFirst = (c: OnnxLayerContext): boolean => c.config.dataFormat === 'channelsFirst';

/** The input's spatial sizes (null where unknown), whatever the data format. */
function spatialSizes(c: OnnxLayerContext): (number | null)[] {
  const s = c.inputShapes[0]!;
  return channelsFirst(c) ? s.slice(2) : s.slice(1, -1);
}

/** Indices of the spatial axes of a rank-`r` tensor in the layer's data format. */
function spatialAxes(c: OnnxLayerContext, r: number): number[] {
  const first = channelsFirst(c) ? 2 : 1;
  return Array.from({ length: r - 2 }, (_, i) => first + i);
}

/**
 * Applies `body` (which expects channels-first `[N, C, …spatial]`) to the layer's input: a
 * channels-last input is transposed to channels-first and the result back.
 */
function inChannelsFirst(c: OnnxLayerContext, x: string, body: (xcf: string) => string): string {
  if (channelsFirst(c)) return body(x);
  const r = c.inputShapes[0]!.length;
  const spatial = Array.from({ length: r - 2 }, (_, i) => i + 1);
  const xcf = c.op1('Transpose', [x], { perm: attr.ints([0, r - 1, ...spatial]) });
  const y = body(xcf);
  return c.op1('Transpose', [y], { perm: attr.ints([0, ...spatial.map((a) => a + 1), 1]) });
}

/** `config[key]` as a list of `n` ints (one per spatial axis); a lone number is repeated. */
function ints(c: OnnxLayerContext, key: string, n: number, dflt: number): number[] {
  const v = c.config[key];
  if (v === undefined || v === null) return new Array<number>(n).fill(dflt);
  return typeof v === 'number' ? new Array<number>(n).fill(v) : [...(v as number[])];
}

/**
 * A Keras kernel as an ONNX initializer: optionally reshaped (same data), then transposed by
 * `perm`, keeping the weight's name. Shared layers write it once per application.
 */
function kernelWeight(
  c: OnnxLayerContext,
  k: Tensor,
  perm: readonly number[],
  dims?: readonly number[],
): string {
  const moved = noGrad(() => transpose(dims ? reshape(k, dims) : k, perm));
  const weightName = (k as { weightName?: string }).weightName ?? 'kernel';
  return c.weight(Object.assign(moved, { weightName }));
}

/**
 * The kernel permutation: Keras `[k…, in, out]` → ONNX Conv's `[out, in, k…]`, and alike Keras's
 * transposed `[k…, out, in]` → ONNX ConvTranspose's `[in, out, k…]`.
 */
function convPerm(n: number): number[] {
  return [n + 1, n, ...Array.from({ length: n }, (_, i) => i)];
}

/**
 * The padding attributes of a strided window (Conv, pooling): explicit pads
 * `[begin…, end…]` computed as Keras does; where a 'same' size is unknown and the stride is
 * above 1, ONNX's `SAME_UPPER` (the same rule, resolved at run time).
 */
function windowPadding(
  padding: string,
  sizes: readonly (number | null)[],
  kernel: readonly number[],
  strides: readonly number[],
  dilation: readonly number[],
): Record<string, OnnxAttr> {
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < kernel.length; i++) {
    const dk = (kernel[i]! - 1) * dilation[i]! + 1;
    const n = sizes[i] ?? null;
    const s = strides[i]!;
    let total = 0;
    if (padding === 'causal') {
      begin.push(dk - 1);
      end.push(0);
      continue;
    }
    if (padding === 'same') {
      if (n === null && s > 1) return { auto_pad: attr.string('SAME_UPPER') };
      total = n === null ? dk - 1 : Math.max((Math.ceil(n / s) - 1) * s + dk - n, 0);
    }
    const before = Math.floor(total / 2);
    begin.push(before);
    end.push(total - before);
  }
  return { pads: attr.ints([...begin, ...end]) };
}

// ---------------------------------------------------------------------------------------------
// Convolutions

interface ConvWeights {
  kernel?: Tensor | null;
  depthwiseKernel?: Tensor | null;
  pointwiseKernel?: Tensor | null;
  bias?: Tensor | null;
}

const weightsOf = (c: OnnxLayerContext): ConvWeights => c.layer as unknown as ConvWeights;

/** The bias input of Conv/ConvTranspose (absent without `useBias`). */
function biasInputs(c: OnnxLayerContext): string[] {
  const b = weightsOf(c).bias;
  return c.config.useBias !== false && b ? [c.weight(b)] : [];
}

/** The shared window attributes of a convolution layer with `n` spatial axes. */
function convWindow(c: OnnxLayerContext, n: number) {
  const kernel = ints(c, 'kernelSize', n, 1);
  const strides = ints(c, 'strides', n, 1);
  const dilation = ints(c, 'dilationRate', n, 1);
  const padding = String(c.config.padding ?? 'valid');
  return { kernel, strides, dilation, padding };
}

function convAttrs(
  c: OnnxLayerContext,
  n: number,
  group: number,
  strides = true,
): Record<string, OnnxAttr> {
  const w = convWindow(c, n);
  const ones = new Array<number>(n).fill(1);
  return {
    kernel_shape: attr.ints(w.kernel),
    strides: attr.ints(strides ? w.strides : ones),
    dilations: attr.ints(w.dilation),
    group: attr.int(group),
    ...windowPadding(w.padding, spatialSizes(c), w.kernel, w.strides, w.dilation),
  };
}

/** Conv1D, Conv2D, Conv3D: ONNX Conv (groups as its `group`), bias, then the activation. */
function conv(c: OnnxLayerContext): string[] {
  const n = c.inputShapes[0]!.length - 2;
  const k = weightsOf(c).kernel!;
  const group = (c.config.groups as number | undefined) ?? 1;
  const y = inChannelsFirst(c, x0(c), (x) =>
    c.op1('Conv', [x, kernelWeight(c, k, convPerm(n)), ...biasInputs(c)], convAttrs(c, n, group)),
  );
  return [c.activation(c.config.activation, y)];
}

/** The depthwise step: a Conv with one group per input channel, `[k…, C, m]` → `[C·m, 1, k…]`. */
function depthwiseStep(c: OnnxLayerContext, x: string, n: number, bias: string[]): string {
  const k = weightsOf(c).depthwiseKernel!;
  const [ch, m] = k.shape.slice(n) as [number, number];
  const w = kernelWeight(c, k, convPerm(n), [...k.shape.slice(0, n), 1, ch * m]);
  return c.op1('Conv', [x, w, ...bias], convAttrs(c, n, ch));
}

/** DepthwiseConv1D/2D: a grouped Conv (group = channels, depthMultiplier filters each). */
function depthwiseConv(c: OnnxLayerContext): string[] {
  const n = c.inputShapes[0]!.length - 2;
  const y = inChannelsFirst(c, x0(c), (x) => depthwiseStep(c, x, n, biasInputs(c)));
  return [c.activation(c.config.activation, y)];
}

/** SeparableConv1D/2D: the depthwise step (strides, padding, dilation), then a 1×1 Conv. */
function separableConv(c: OnnxLayerContext): string[] {
  const n = c.inputShapes[0]!.length - 2;
  const pk = weightsOf(c).pointwiseKernel!;
  const y = inChannelsFirst(c, x0(c), (x) => {
    const d = depthwiseStep(c, x, n, []);
    const ones = new Array<number>(n).fill(1);
    return c.op1('Conv', [d, kernelWeight(c, pk, convPerm(n)), ...biasInputs(c)], {
      kernel_shape: attr.ints(ones),
      strides: attr.ints(ones),
    });
  });
  return [c.activation(c.config.activation, y)];
}

/**
 * Conv1D/2D/3DTranspose: ONNX ConvTranspose with explicit pads and output_padding. Along each
 * axis Keras's output size is `(n − 1)·s + E` with E independent of n (see
 * `deconvOutputLength`); the padding is what a forward convolution from that size would use
 * (TensorFlow's rule), `total = max(k′ − E, 0)` split with the odd one after, and
 * `output_padding = E − k′ + total` (positions no input reaches: bias only).
 */
function convTranspose(c: OnnxLayerContext): string[] {
  const n = c.inputShapes[0]!.length - 2;
  const { kernel, strides, dilation, padding } = convWindow(c, n);
  const outPad = c.config.outputPadding as number[] | null | undefined;
  const begin: number[] = [];
  const end: number[] = [];
  const extra: number[] = [];
  for (let i = 0; i < n; i++) {
    const dk = (kernel[i]! - 1) * dilation[i]! + 1;
    const s = strides[i]!;
    let e: number;
    if (outPad === null || outPad === undefined)
      e = padding === 'valid' ? s + Math.max(dk - s, 0) : s;
    else e = dk - 2 * (padding === 'same' ? Math.floor(dk / 2) : 0) + outPad[i]!;
    const total = Math.max(dk - e, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
    extra.push(e - dk + total);
  }
  const k = weightsOf(c).kernel!;
  const y = inChannelsFirst(c, x0(c), (x) =>
    c.op1('ConvTranspose', [x, kernelWeight(c, k, convPerm(n)), ...biasInputs(c)], {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(strides),
      dilations: attr.ints(dilation),
      pads: attr.ints([...begin, ...end]),
      output_padding: attr.ints(extra),
    }),
  );
  return [c.activation(c.config.activation, y)];
}

// ---------------------------------------------------------------------------------------------
// Pooling

/**
 * MaxPooling and AveragePooling (1D/2D/3D): ONNX MaxPool/AveragePool. 'same' pads as Keras;
 * padded positions never win a max and, as in Keras, are left out of averages
 * (`count_include_pad = 0`).
 */
function pool(opType: 'MaxPool' | 'AveragePool') {
  return (c: OnnxLayerContext): string[] => {
    const n = c.inputShapes[0]!.length - 2;
    const kernel = ints(c, 'poolSize', n, 2);
    const strides = ints(c, 'strides', n, 1);
    const padding = String(c.config.padding ?? 'valid');
    const ones = new Array<number>(n).fill(1);
    const attrs: Record<string, OnnxAttr> = {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(strides),
      ...windowPadding(padding, spatialSizes(c), kernel, strides, ones),
    };
    if (opType === 'AveragePool') attrs.count_include_pad = attr.int(0);
    return [inChannelsFirst(c, x0(c), (x) => c.op1(opType, [x], attrs))];
  };
}

/** Global pooling: a reduction over the spatial axes (ReduceMax/ReduceMean), keepdims as set. */
function globalPool(opType: 'ReduceMax' | 'ReduceMean') {
  return (c: OnnxLayerContext): string[] => {
    // GlobalAveragePooling1D averages over the unmasked steps of a Keras mask; the graph has none.
    if (c.layer.className === 'GlobalAveragePooling1D' && layerGetsMask(c.layer))
      c.unsupported('an input mask (Embedding maskZero or Masking upstream)');
    const axes = spatialAxes(c, c.inputShapes[0]!.length);
    return [
      c.op1(opType, [x0(c)], {
        axes: attr.ints(axes),
        keepdims: attr.int(c.config.keepdims ? 1 : 0),
      }),
    ];
  };
}

// ---------------------------------------------------------------------------------------------
// Padding, cropping, upsampling

/** `[before, after]` per spatial axis from a normalized padding/cropping config value. */
function pairs(v: unknown): [number, number][] {
  const list = v as number[] | number[][];
  if (typeof list[0] === 'number') return [[list[0], list[1] as number]];
  return (list as number[][]).map((p) => [p[0]!, p[1]!]);
}

/** ZeroPadding1D/2D/3D: Pad (constant 0) of the spatial axes. */
function zeroPadding(c: OnnxLayerContext): string[] {
  const r = c.inputShapes[0]!.length;
  const p = pairs(c.config.padding);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  spatialAxes(c, r).forEach((ax, i) => {
    begin[ax] = p[i]![0];
    end[ax] = p[i]![1];
  });
  return [
    c.op1('Pad', [x0(c), c.constInt64([...begin, ...end])], { mode: attr.string('constant') }),
  ];
}

/** Cropping1D/2D/3D: Slice of the spatial axes (`after` counted from the end). */
function cropping(c: OnnxLayerContext): string[] {
  const r = c.inputShapes[0]!.length;
  const p = pairs(c.config.cropping);
  const axes = spatialAxes(c, r);
  return [
    c.op1('Slice', [
      x0(c),
      c.constInt64(p.map(([b]) => b)),
      c.constInt64(p.map(([, a]) => (a > 0 ? -a : TO_END))),
      c.constInt64(axes),
    ]),
  ];
}

/**
 * UpSampling1D/2D/3D: Resize by integer scales on the spatial axes, in place (no transposes).
 * Nearest repeats (`asymmetric` + `floor`: source ⌊o / s⌋); UpSampling2D's bilinear is
 * TensorFlow's half-pixel resize (`half_pixel`, edges clamped), as `predict`.
 */
function upSampling(c: OnnxLayerContext): string[] {
  const r = c.inputShapes[0]!.length;
  const size = ints(c, 'size', r - 2, 2);
  const scales = new Array<number>(r).fill(1);
  spatialAxes(c, r).forEach((ax, i) => {
    scales[ax] = size[i]!;
  });
  // Resize's scales are float32 whatever the data's type.
  let sc = c.constFloat(scales, [r]);
  if (c.floatType !== OnnxType.FLOAT) sc = c.op1('Cast', [sc], { to: attr.int(OnnxType.FLOAT) });
  const attrs: Record<string, OnnxAttr> =
    c.config.interpolation === 'bilinear'
      ? { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel') }
      : {
          mode: attr.string('nearest'),
          coordinate_transformation_mode: attr.string('asymmetric'),
          nearest_mode: attr.string('floor'),
        };
  return [c.op1('Resize', [x0(c), '', sc], attrs)];
}

for (const name of ['Conv1D', 'Conv2D', 'Conv3D']) registerOnnxConverter(name, conv);
for (const name of ['Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose'])
  registerOnnxConverter(name, convTranspose);
for (const name of ['DepthwiseConv1D', 'DepthwiseConv2D'])
  registerOnnxConverter(name, depthwiseConv);
for (const name of ['SeparableConv1D', 'SeparableConv2D'])
  registerOnnxConverter(name, separableConv);
for (const d of ['1D', '2D', '3D']) {
  registerOnnxConverter(`MaxPooling${d}`, pool('MaxPool'));
  registerOnnxConverter(`AveragePooling${d}`, pool('AveragePool'));
  registerOnnxConverter(`GlobalMaxPooling${d}`, globalPool('ReduceMax'));
  registerOnnxConverter(`GlobalAveragePooling${d}`, globalPool('ReduceMean'));
  registerOnnxConverter(`ZeroPadding${d}`, zeroPadding);
  registerOnnxConverter(`Cropping${d}`, cropping);
  registerOnnxConverter(`UpSampling${d}`, upSampling);
}
