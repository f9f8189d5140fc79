/**
 * `FunctionalGraph`: the DAG of layer applications between a model's symbolic inputs and
 * outputs, ordered once at construction and replayed on concrete tensors at each call. Handles
 * several inputs and outputs, shared layers (one layer, several nodes) and nested models.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { InputLayer } from '../layers/input_layer.js';
import type { CallOptions, Layer } from '../layers/layer.js';
import { type Node, type SymbolicShape, SymbolicTensor, fmtShapeNull } from '../layers/symbolic.js';
import { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';

export class FunctionalGraph {
  /** Layer applications in execution order (input layers excluded). */
  readonly nodes: Node[];
  /**
   * Every layer of the graph, input layers included, in Keras's `model.layers` order: by
   * depth (distance from the outputs), deepest first, ties in first-visit order.
   */
  readonly layers: Layer[];

  constructor(
    readonly inputs: readonly SymbolicTensor[],
    readonly outputs: readonly SymbolicTensor[],
    readonly ownerName: string,
  ) {
    for (const t of [...inputs, ...outputs]) {
      if (!(t instanceof SymbolicTensor)) {
        throw new ValueError(
          `${ownerName}: inputs and outputs must be symbolic tensors (from input() and layer.apply), got ${String(t)}`,
        );
      }
    }
    for (const t of inputs) {
      if (!(t.layer instanceof InputLayer)) {
        throw new ValueError(
          `${ownerName}: input '${t.name}' comes from layer '${t.layer.name}', not from input()`,
        );
      }
    }
    if (inputs.length === 0 || outputs.length === 0) {
      throw new ValueError(
        `${ownerName}: a functional model needs at least one input and one output, got ${inputs.length} input(s) and ${outputs.length} output(s)`,
      );
    }
    const inputSet = new Set<SymbolicTensor>();
    for (const t of inputs) {
      if (inputSet.has(t)) {
        throw new ValueError(
          `${ownerName}: input '${t.name}' is listed more than once in inputs [${inputs.map((x) => x.name).join(', ')}]; each input must appear once`,
        );
      }
      inputSet.add(t);
    }
    const order: Node[] = [];
    const state = new Map<Node, 'visiting' | 'done'>();
    // Keras numbers each layer when its DFS first reaches it (pre-order); that number breaks
    // ties between layers of equal depth in `model.layers` (keras/src/ops/function.py).
    const firstSeen = new Map<Layer, number>();
    // Iterative post-order DFS from the outputs back to the inputs, visiting a node's inputs
    // in order, as Keras's `_build_map` does (recursion would overflow on deep graphs).
    for (const out of outputs) {
      const stack: [Node, number][] = [[out.node, 0]];
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const [node, i] = top;
        if (i === 0) {
          if (state.get(node) === 'done') {
            stack.pop();
            continue;
          }
          state.set(node, 'visiting');
          if (!firstSeen.has(node.layer)) firstSeen.set(node.layer, firstSeen.size);
          if (node.layer instanceof InputLayer && !inputSet.has(node.outputs[0]!)) {
            throw new ValueError(
              `${ownerName}: an output depends on input '${node.layer.name}', which is not among the model's inputs [${inputs.map((t) => t.name).join(', ')}]`,
            );
          }
        }
        if (i < node.inputs.length) {
          top[1] = i + 1;
          const child = node.inputs[i]!.node;
          if (state.get(child) === 'visiting')
            throw new ValueError(
              `${ownerName}: the layer graph has a cycle at '${child.layer.name}'`,
            );
          if (state.get(child) !== 'done') stack.push([child, 0]);
        } else {
          stack.pop();
          state.set(node, 'done');
          order.push(node);
        }
      }
    }
    this.nodes = order.filter((n) => !(n.layer instanceof InputLayer));
    this.layers = kerasLayerOrder(order, inputs, firstSeen);
  }

  /**
   * The text prefix of the graph, run now on the host: every node that takes a string tensor
   * (a text layer at the model's entry), evaluated on the string inputs of `xs`. Returns the
   * numeric tensors where text becomes numbers (the boundary), or why there is no clean prefix.
   * A compiled step traces the rest of the graph from the boundary ({@link withPrecomputed}),
   * since strings never reach a backend.
   */
  hostPrefix(
    xs: readonly Tensor[],
  ): { boundary: SymbolicTensor[]; values: Tensor[] } | { reason: string } {
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((sym, i) => {
      if (sym.dtype === 'string') values.set(sym, xs[i]!);
    });
    const boundary: SymbolicTensor[] = [];
    const out: Tensor[] = [];
    for (const node of this.nodes) {
      if (!node.inputs.some((s) => s.dtype === 'string')) continue;
      const missing = node.inputs.find((s) => !values.has(s));
      if (missing)
        return {
          reason: `layer '${node.layer.name}' takes text together with '${missing.name}', which is computed on the device`,
        };
      const args = node.inputs.map((s) => values.get(s)!);
      const outs = node.layer.applyMulti(args.length === 1 ? args[0]! : args, { training: false });
      node.outputs.forEach((sym, i) => {
        values.set(sym, outs[i]!);
        if (sym.dtype !== 'string') {
          boundary.push(sym);
          out.push(outs[i]!);
        }
      });
    }
    const leak = this.outputs.find((s) => s.dtype === 'string');
    if (leak) return { reason: `output '${leak.name}' is text` };
    return { boundary, values: out };
  }

  /** Runs the graph on concrete inputs (one per symbolic input, in order). */
  run(xs: readonly Tensor[], opts: CallOptions = {}): Tensor[] {
    if (xs.length !== this.inputs.length) {
      throw new ValueError(
        `${this.ownerName}: expects ${this.inputs.length} inputs (${this.inputs.map((t) => t.name).join(', ')}), got ${xs.length}`,
      );
    }
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Tensor | null>();
    this.inputs.forEach((sym, i) => {
      checkShape(xs[i]!, sym, this.ownerName, sym.name);
      values.set(sym, xs[i]!);
    });
    const inMask = Array.isArray(opts.mask) ? opts.mask : [opts.mask ?? null];
    this.inputs.forEach((sym, i) => masks.set(sym, inMask[i] ?? null));
    const pre = precomputed;
    for (const node of this.nodes) {
      if (pre && node.outputs.every((o) => o.dtype === 'string' || pre.has(o))) {
        // Computed before the step (the text prefix): its numeric outputs are given.
        for (const o of node.outputs) {
          if (pre.has(o)) values.set(o, pre.get(o)!);
          masks.set(o, null);
        }
        continue;
      }
      const args = node.inputs.map((s) => values.get(s)!);
      const argMasks = node.inputs.map((s) => masks.get(s) ?? null);
      const mask = argMasks.every((m) => m === null)
        ? null
        : argMasks.length === 1
          ? argMasks[0]!
          : argMasks;
      const training = (node.callArgs.training as boolean | undefined) ?? opts.training;
      const callIn = node.inputs.length === 1 ? args[0]! : args;
      const outs = node.layer.applyMulti(callIn, { ...node.callArgs, training, mask });
      const outMask = node.layer.computeMask(callIn, mask);
      node.outputs.forEach((sym, i) => {
        values.set(sym, outs[i]!);
        masks.set(sym, Array.isArray(outMask) ? (outMask[i] ?? null) : outMask);
      });
    }
    return this.outputs.map((s) => values.get(s)!);
  }

  /** Output masks of the last run are not kept; the output shapes are. */
  get outputShapes(): SymbolicShape[] {
    return this.outputs.map((t) => t.shape);
  }
}

let precomputed: ReadonlyMap<SymbolicTensor, Tensor> | null = null;

/**
 * Runs `fn` with the values of some symbolic tensors given: a graph run inside it takes them
 * instead of running the nodes that make them (what {@link FunctionalGraph.hostPrefix}
 * computed, so that a traced step starts where the text became numbers).
 * @example withPrecomputed(new Map([[vectorized, ids]]), () => model.applyMulti(xs));
 */
export function withPrecomputed<T>(values: ReadonlyMap<SymbolicTensor, Tensor>, fn: () => T): T {
  const prev = precomputed;
  precomputed = values;
  try {
    return fn();
  } finally {
    precomputed = prev;
  }
}

/**
 * Keras's `map_graph` order of a graph's layers (keras/src/ops/function.py): a node's depth is
 * the longest path from it to an output, a layer's depth is the largest depth of its nodes
 * (a shared layer's nodes all take it, and pass it on to their parents), layers are sorted by
 * depth, deepest first, ties broken by the pre-order index of the DFS from the outputs (an
 * input that no output depends on has depth 0 and index -1, so it leads the depth-0 layers). Keras derives the layer keys of weight files and the order of
 * `trainable_variables` (hence of optimizer slots) from this order, so it must match exactly.
 */
function kerasLayerOrder(
  postOrder: readonly Node[],
  inputs: readonly SymbolicTensor[],
  firstSeen: ReadonlyMap<Layer, number>,
): Layer[] {
  const nodeDepth = new Map<Node, number>();
  const layerDepth = new Map<Layer, number>();
  const index = new Map(firstSeen);
  for (let k = postOrder.length - 1; k >= 0; k--) {
    const node = postOrder[k]!;
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    for (const t of node.inputs) {
      nodeDepth.set(t.node, Math.max(depth + 1, nodeDepth.get(t.node) ?? 0));
    }
  }
  for (const t of inputs) {
    if (!layerDepth.has(t.layer)) {
      layerDepth.set(t.layer, 0);
      index.set(t.layer, -1);
    }
  }
  return [...layerDepth.keys()].sort(
    (a, b) => layerDepth.get(b)! - layerDepth.get(a)! || index.get(a)! - index.get(b)!,
  );
}

function checkShape(x: Tensor, sym: SymbolicTensor, owner: string, inputName: string): void {
  const expected = sym.shape;
  // Text goes only to string inputs, numbers only to numeric ones.
  const isText = (x as unknown) instanceof StringTensor;
  if (isText !== (sym.dtype === 'string'))
    throw new DTypeError(
      `${owner}: input '${inputName}' takes ${sym.dtype === 'string' ? 'strings' : `${sym.dtype} numbers`}, got ${isText ? 'a string tensor' : `a ${x.dtype} tensor`}`,
    );
  const ok = x.rank === expected.length && expected.every((d, i) => d === null || d === x.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `${owner}: input '${inputName}' expects shape ${fmtShapeNull(expected)}, got ${fmtShape(x.shape)}`,
    );
  }
}
