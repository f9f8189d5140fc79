/** Helpers shared by the op families: dispatch to the current backend and gradient reshaping. */
import type { Backend, DataHandle } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
// Attaches the chained ops (x.add(y)) to Tensor: every op imports this module, so they exist as
// soon as any op does.
import './tensor_methods.js';

/** The current backend (tensors from another backend are moved to it by `handleOn`). */
export function be(): Backend {
  return getBackend();
}

/** Wraps a handle computed on `b` as a new tensor. */
export function wrap(b: Backend, h: DataHandle, shape: Shape, dtype: DType): Tensor {
  return new Tensor(h, shape, dtype, b);
}

/**
 * Sums a broadcast gradient back to `shape`: over the leading axes that broadcasting added and
 * over the axes where `shape` has size 1.
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? g.sum(axes, true) : g;
  return s.reshape(shape);
}
