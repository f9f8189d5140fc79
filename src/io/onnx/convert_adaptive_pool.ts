/**
 * ONNX converters of the adaptive pooling layers (AdaptiveAveragePooling1D/2D/3D and
 * AdaptiveMaxPooling1D/2D/3D). ONNX has no adaptive pool, so the bins are fixed at export from
 * the input's static spatial sizes (an input whose spatial sizes are unknown is refused):
 *
 * - every axis divides evenly: one AveragePool/MaxPool with `kernel = stride = L / out`
 *   (channels-first, so a channels-last layer is wrapped in two Transposes);
 * - otherwise each spatial axis is pooled in turn, in the layer's own layout (max and mean
 *   both factor over a box window): per output bin `[⌊i·L/out⌋, ⌈(i+1)·L/out⌉)` a Slice and a
 *   ReduceMean/ReduceMax (keepdims), joined by a Concat; an axis already at its size is left
 *   alone and one pooled to 1 is a single reduction.
 */
import { adaptivePoolBins } from '../../ops/adaptive_pool.js';
import { type OnnxLayerContext, registerOnnxConverter } from './export.js';
import { attr } from './onnx_proto.js';

function fmt(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

function adaptivePool(kind: 'avg' | 'max') {
  const poolOp = kind === 'avg' ? 'AveragePool' : 'MaxPool';
  const reduceOp = kind === 'avg' ? 'ReduceMean' : 'ReduceMax';
  return (c: OnnxLayerContext): string[] => {
    const shape = c.inputShapes[0]!;
    const r = shape.length;
    const first = c.config.dataFormat === 'channelsFirst';
    const axes = Array.from({ length: r - 2 }, (_, i) => (first ? 2 : 1) + i);
    const sizes = axes.map((a) => shape[a] ?? null);
    if (sizes.some((s) => s === null))
      c.unsupported(
        `adaptive pooling of an input whose spatial sizes are unknown (input shape ${fmt(shape)}; give input() static spatial sizes)`,
      );
    const lens = sizes as number[];
    const out = c.config.outputSize as number[];
    const x = c.inputs[0]!;
    if (lens.every((l, i) => l === out[i])) return [x];

    if (lens.every((l, i) => l % out[i]! === 0)) {
      const kernel = lens.map((l, i) => l / out[i]!);
      const attrs = { kernel_shape: attr.ints(kernel), strides: attr.ints(kernel) };
      if (first) return [c.op1(poolOp, [x], attrs)];
      const spatial = axes; // 1 … r − 2
      const xcf = c.op1('Transpose', [x], { perm: attr.ints([0, r - 1, ...spatial]) });
      const y = c.op1(poolOp, [xcf], attrs);
      return [c.op1('Transpose', [y], { perm: attr.ints([0, ...spatial.map((a) => a + 1), 1]) })];
    }

    let y = x;
    axes.forEach((ax, i) => {
      const len = lens[i]!;
      const o = out[i]!;
      if (len === o) return;
      const reduce = (v: string) =>
        c.op1(reduceOp, [v], { axes: attr.ints([ax]), keepdims: attr.int(1) });
      if (o === 1) {
        y = reduce(y);
        return;
      }
      const axis = c.constInt64([ax]);
      const parts = adaptivePoolBins(len, o).map(([s, e]) =>
        reduce(c.op1('Slice', [y, c.constInt64([s]), c.constInt64([e]), axis])),
      );
      y = c.op1('Concat', parts, { axis: attr.int(ax) });
    });
    return [y];
  };
}

for (const d of ['1D', '2D', '3D']) {
  registerOnnxConverter(`AdaptiveAveragePooling${d}`, adaptivePool('avg'));
  registerOnnxConverter(`AdaptiveMaxPooling${d}`, adaptivePool('max'));
}
