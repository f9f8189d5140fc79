/**
 * Define-by-run autograd. Every differentiable op calls {@link record} with its inputs, its
 * output and a closure mapping the output's gradient to the inputs' gradients; the closure sits
 * in the op's own file, beside its forward. {@link computeGradients} walks the recorded graph
 * in reverse topological order and sums gradients where a tensor feeds several ops. Nothing
 * here touches a backend.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import type { BackwardFn, GradNode, Tensor } from '../tensor/tensor.js';

export type { BackwardFn, GradNode };

let disabledDepth = 0;

/** True while ops record gradient nodes (outside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return disabledDepth === 0;
}

/**
 * Runs `fn` without recording gradients: its results carry no graph.
 *
 * @example
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  disabledDepth++;
  try {
    return fn();
  } finally {
    disabledDepth--;
  }
}

/**
 * Attaches a gradient node to `out` when any input requires a gradient. Returns `out`.
 * Integer and bool outputs never carry gradients.
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  out: Tensor,
  backward: BackwardFn,
): Tensor {
  if (disabledDepth > 0 || !isFloat(out.dtype)) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.node = { name, inputs, backward };
  return out;
}

/** Tensors reachable from `roots` through nodes, inputs before outputs. */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: recurrent nets unrolled over long sequences make graphs too deep to recurse.
  const stack: [Tensor, number][] = [];
  for (const r of roots) {
    if (seen.has(r) || !r.requiresGrad) continue;
    seen.add(r);
    stack.push([r, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [t, i] = top;
      const inputs = t.node?.inputs ?? [];
      if (i < inputs.length) {
        top[1] = i + 1;
        const c = inputs[i]!;
        if (c.requiresGrad && !seen.has(c)) {
          seen.add(c);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        order.push(t);
      }
    }
  }
  return order;
}

/**
 * Gradients of `Σ roots[i] · rootGrads[i]` with respect to every tensor in the graph that
 * requires one. Returns a map from tensor to gradient; when `keep` is given, only those tensors'
 * gradients are kept (intermediate ones are freed as the walk goes).
 */
export function computeGradients(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  keep?: ReadonlySet<Tensor>,
): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((r, i) => accumulate(grads, r, rootGrads[i]!, 'backward'));
  const order = topoOrder(roots);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const node = t.node;
    const g = grads.get(t);
    if (!node || !g) continue;
    const inGrads = node.backward(g);
    node.inputs.forEach((x, j) => {
      const gx = inGrads[j];
      if (gx && x.requiresGrad) accumulate(grads, x, gx, node.name);
    });
    if (keep && !keep.has(t)) grads.delete(t);
  }
  return grads;
}

function accumulate(grads: Map<Tensor, Tensor>, t: Tensor, g: Tensor, op: string): void {
  if (!shapesEqual(t.shape, g.shape)) {
    throw new ShapeError(
      `${op}: gradient of shape ${fmtShape(g.shape)} does not match its input ${fmtShape(t.shape)}`,
    );
  }
  const prev = grads.get(t);
  grads.set(t, prev ? prev.add(g) : g.dtype === t.dtype ? g : g.cast(t.dtype));
}
