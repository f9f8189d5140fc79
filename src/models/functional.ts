/**
 * `FunctionalGraph`: the DAG of layer applications between a model's symbolic inputs and
 * outputs, ordered once at construction and replayed on concrete tensors at each call. Handles
 * several inputs and outputs, shared layers (one layer, several nodes) and nested models.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { InputLayer } from '../layers/input_layer.js';
import type { CallOptions, Layer } from '../layers/layer.js';
import { type Node, type SymbolicShape, SymbolicTensor, fmtShapeNull } from '../layers/symbolic.js';
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
      checkShape(xs[i]!, sym.shape, this.ownerName, sym.name);
      values.set(sym, xs[i]!);
    });
    const inMask = Array.isArray(opts.mask) ? opts.mask : [opts.mask ?? null];
    this.inputs.forEach((sym, i) => masks.set(sym, inMask[i] ?? null));
    for (const node of this.nodes) {
      const args = node.inputs.map((s) => values.get(s)!);
      const argMasks = node.inputs.map((s) => masks.get(s) ?? null);
      const mask = argMasks.every((m) => m === null)
        ? null
        : argMasks.length === 1
          ? argMasks[0]!
          : argMasks;
      const training = (node.callArgs.training as boolean | undefined) ?? opts.training;
      const callIn = node.inputs.length === 1 ? args[0]! : args;
      const outs = node.layer.applyMulti(callIn, { training, mask });
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

function checkShape(x: Tensor, expected: SymbolicShape, owner: string, inputName: string): void {
  const ok = x.rank === expected.length && expected.every((d, i) => d === null || d === x.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `${owner}: input '${inputName}' expects shape ${fmtShapeNull(expected)}, got ${fmtShape(x.shape)}`,
    );
  }
}
