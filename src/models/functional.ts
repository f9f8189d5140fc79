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
  /** Every layer of the graph, input layers first, in execution order. */
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
    const inputSet = new Set(inputs);
    const order: Node[] = [];
    const state = new Map<Node, 'visiting' | 'done'>();
    // Iterative post-order DFS from the outputs back to the inputs.
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
          if (!(node.layer instanceof InputLayer)) order.push(node);
        }
      }
    }
    this.nodes = order;
    const layers: Layer[] = inputs.map((t) => t.layer);
    for (const n of order) if (!layers.includes(n.layer)) layers.push(n.layer);
    this.layers = layers;
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

function checkShape(x: Tensor, expected: SymbolicShape, owner: string, inputName: string): void {
  const ok = x.rank === expected.length && expected.every((d, i) => d === null || d === x.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `${owner}: input '${inputName}' expects shape ${fmtShapeNull(expected)}, got ${fmtShape(x.shape)}`,
    );
  }
}
