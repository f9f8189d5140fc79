/**
 * Fused layer epilogues: the bias add and activation that end a Dense or convolution layer,
 * in one backend pass where the backend has a kernel (native), composed from `biasAdd` and
 * `relu` elsewhere. The result is the same either way (float32 rounds `x + bias` once, and relu
 * is exact); the fused pass reads and writes the layer's output once instead of twice.
 */
import { record } from '../autograd/tape.js';
import type { FusedActivation } from '../backend/backend.js';
import { ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { relu, reluGrad } from './activation.js';
import { biasAdd } from './conv.js';
import { cast } from './elementwise.js';
import { sum } from './reduce.js';
import { be, wrap } from './util.js';

export type { FusedActivation };

/**
 * `act(x + bias)`, with the bias along the last axis (or none), as one op.
 *
 * Formula: `y[…, c] = act(x[…, c] + bias[c])`, act ∈ {linear, relu}. Backward: with
 * `g = act' · dy` (relu: `reluGrad(y, dy)`, y > 0 exactly where x + bias > 0), dx = g and
 * dbias = Σ g over every axis but the last.
 *
 * Shape: x `[…, c]`, bias `[c]` → `[…, c]`.
 * @example biasActivation(tensor([[-2, 1]]), tensor([1, 1]), 'relu') // [[0, 2]]
 */
export function biasActivation(x: Tensor, bias: Tensor | null, act: FusedActivation): Tensor {
  const op = 'biasActivation';
  const c = x.shape[x.rank - 1] ?? 1;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== c || x.rank < 1)) {
    throw new ShapeError(
      `${op}: bias ${fmtShape(bias.shape)} must be [${c}], the last axis of x ${fmtShape(x.shape)}`,
    );
  }
  const composed = () => {
    const y = bias ? biasAdd(x, bias) : x;
    return act === 'relu' ? relu(y) : y;
  };
  if (!isFloat(x.dtype) || (bias && bias.dtype !== x.dtype) || x.size === 0) return composed();
  const b = be();
  const rows = x.size / c;
  const h = b.biasActivation(x.handleOn(b), rows, c, bias ? bias.handleOn(b) : null, act, x.dtype);
  if (h === null) return composed();
  const y = wrap(b, h, x.shape, x.dtype);
  return record(op, bias ? [x, bias] : [x], y, (dyIn) => {
    const dy = dyIn.dtype === x.dtype ? dyIn : cast(dyIn, x.dtype);
    const g = act === 'relu' ? reluGrad(y, dy) : dy;
    if (!bias) return [g];
    const db = bias.requiresGrad ? sum(g.reshape([rows, c]), 0) : null;
    return [g, db];
  });
}
