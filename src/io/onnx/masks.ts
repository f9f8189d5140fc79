/**
 * Keras masks on the symbolic graph, found as `FunctionalGraph.run` propagates them (each
 * layer's `computeMask`): the exported graph carries no masks, so converters of layers that read
 * one (recurrent, attention, Softmax) refuse when a mask reaches them.
 */
import { Layer } from '../../layers/layer.js';
import type { Node, SymbolicTensor } from '../../layers/symbolic.js';
import { zeros } from '../../ops/creation.js';

/**
 * Whether output `index` of `node` carries a mask when the graph runs. As
 * `FunctionalGraph.run`: a layer gets its inputs' masks (one, or the per-input list) and its
 * `computeMask` gives the outputs' masks. Whether a mask exists does not depend on the values
 * (Embedding `maskZero`, Masking, RNN with `returnSequences`, the merges), so `computeMask` is
 * asked on zeros and all-true masks; a layer that cannot answer so is assumed to pass masks on.
 */
function outputMasked(node: Node, index: number, inMasked: readonly boolean[]): boolean {
  const layer = node.layer;
  if (layer.computeMask === Layer.prototype.computeMask) {
    // The default passes the mask argument through: a single input's, or the per-input list.
    if (!layer.supportsMasking || !inMasked.some(Boolean)) return false;
    return inMasked.length === 1 ? inMasked[0]! : (inMasked[index] ?? false);
  }
  try {
    const xs = node.inputs.map((s) =>
      zeros(
        s.shape.map((d) => d ?? 1),
        s.dtype === 'string' ? 'float32' : s.dtype,
      ),
    );
    const ms = node.inputs.map((s, i) =>
      inMasked[i]
        ? zeros(
            s.shape.slice(0, -1).map((d) => d ?? 1),
            'float32',
          ).equal(0)
        : null,
    );
    const mask = ms.every((m) => m === null) ? null : ms.length === 1 ? ms[0]! : ms;
    const out = layer.computeMask(xs.length === 1 ? xs[0]! : xs, mask);
    const m = Array.isArray(out) ? (out[index] ?? null) : out;
    return m !== null && m !== undefined;
  } catch {
    return inMasked.some(Boolean);
  }
}

/**
 * Whether the symbolic value `t` carries a Keras mask when its graph runs (as
 * `FunctionalGraph.run` propagates them from Embedding `maskZero`, Masking, …). `memo` caches
 * the answers of one walk. A model's own inputs carry none (see {@link layerGetsMask}).
 *
 * Formula: masked(t) = computeMask(producer of t)(masked(inputs of the producer)) ≠ null.
 *
 * Shape: —
 * @example carriesMask(embeddingOutput); // true with maskZero
 */
export function carriesMask(
  t: SymbolicTensor,
  memo: Map<SymbolicTensor, boolean> = new Map(),
): boolean {
  const known = memo.get(t);
  if (known !== undefined) return known;
  const node = t.node;
  const masked =
    node.inputs.length > 0 &&
    outputMasked(
      node,
      t.index,
      node.inputs.map((s) => carriesMask(s, memo)),
    );
  memo.set(t, masked);
  return masked;
}

/**
 * Whether some application of `layer` gets a mask with its first input (what the recurrent
 * layers read, as Keras's `tree.flatten(mask)[0]`). All applications are looked at, since the
 * converter is not told which one it exports. A mask that enters a nested model from outside
 * is not seen here (the nested graph starts at its own inputs).
 *
 * Formula: masked(x) = computeMask(producer of x)(masked(inputs of the producer)).
 *
 * Shape: —
 * @example if (layerGetsMask(lstm)) throw …;
 */
export function layerGetsMask(layer: Layer, anyInput = false): boolean {
  const memo = new Map<SymbolicTensor, boolean>();
  return layer.inboundNodes.some((n) =>
    (anyInput ? n.inputs : n.inputs.slice(0, 1)).some((s) => carriesMask(s, memo)),
  );
}
