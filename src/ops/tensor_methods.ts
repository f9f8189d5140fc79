/**
 * The chained ops of `Tensor` (`x.add(y).relu()`), attached to its prototype in this one
 * module: each method is the op of the same name with the tensor first. Keeping them here
 * lets tensor/ import no op (ops/ and autograd/ build on tensor/, never the reverse).
 * `ops/util.ts`, which every op imports, imports this module, so the methods exist as soon as
 * any op does.
 */
import { computeGradients, noGrad } from '../autograd/tape.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import * as act from './activation.js';
import { onesLike } from './creation.js';
import * as ew from './elementwise.js';
import { matmul } from './matmul.js';
import * as mv from './movement.js';
import * as red from './reduce.js';

class TensorMethods {
  /**
   * Accumulates into `.grad` of every leaf that requires a gradient the gradient of
   * `Σ this · dy` (`dy` defaults to ones, so a scalar loss needs no argument).
   */
  backward(this: Tensor, dy?: TensorLike): void {
    noGrad(() => {
      const g =
        dy === undefined ? onesLike(this) : convertToTensor(dy, 'backward', 'dy', this.dtype);
      const grads = computeGradients([this], [g]);
      for (const [t, gt] of grads) {
        if (t.node === null && t.requiresGrad) t.grad = t.grad ? t.grad.add(gt) : gt;
      }
    });
  }

  // --- elementwise ---
  add(this: Tensor, b: TensorLike): Tensor {
    return ew.add(this, b);
  }
  sub(this: Tensor, b: TensorLike): Tensor {
    return ew.sub(this, b);
  }
  mul(this: Tensor, b: TensorLike): Tensor {
    return ew.mul(this, b);
  }
  div(this: Tensor, b: TensorLike): Tensor {
    return ew.div(this, b);
  }
  pow(this: Tensor, b: TensorLike): Tensor {
    return ew.pow(this, b);
  }
  maximum(this: Tensor, b: TensorLike): Tensor {
    return ew.maximum(this, b);
  }
  minimum(this: Tensor, b: TensorLike): Tensor {
    return ew.minimum(this, b);
  }
  mod(this: Tensor, b: TensorLike): Tensor {
    return ew.mod(this, b);
  }
  floorDiv(this: Tensor, b: TensorLike): Tensor {
    return ew.floorDiv(this, b);
  }
  squaredDifference(this: Tensor, b: TensorLike): Tensor {
    return ew.squaredDifference(this, b);
  }
  equal(this: Tensor, b: TensorLike): Tensor {
    return ew.equal(this, b);
  }
  notEqual(this: Tensor, b: TensorLike): Tensor {
    return ew.notEqual(this, b);
  }
  less(this: Tensor, b: TensorLike): Tensor {
    return ew.less(this, b);
  }
  lessEqual(this: Tensor, b: TensorLike): Tensor {
    return ew.lessEqual(this, b);
  }
  greater(this: Tensor, b: TensorLike): Tensor {
    return ew.greater(this, b);
  }
  greaterEqual(this: Tensor, b: TensorLike): Tensor {
    return ew.greaterEqual(this, b);
  }
  logicalAnd(this: Tensor, b: TensorLike): Tensor {
    return ew.logicalAnd(this, b);
  }
  logicalOr(this: Tensor, b: TensorLike): Tensor {
    return ew.logicalOr(this, b);
  }
  logicalNot(this: Tensor): Tensor {
    return ew.logicalNot(this);
  }
  neg(this: Tensor): Tensor {
    return ew.neg(this);
  }
  abs(this: Tensor): Tensor {
    return ew.abs(this);
  }
  sign(this: Tensor): Tensor {
    return ew.sign(this);
  }
  square(this: Tensor): Tensor {
    return ew.square(this);
  }
  sqrt(this: Tensor): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(this: Tensor): Tensor {
    return ew.rsqrt(this);
  }
  reciprocal(this: Tensor): Tensor {
    return ew.reciprocal(this);
  }
  exp(this: Tensor): Tensor {
    return ew.exp(this);
  }
  expm1(this: Tensor): Tensor {
    return ew.expm1(this);
  }
  log(this: Tensor): Tensor {
    return ew.log(this);
  }
  log1p(this: Tensor): Tensor {
    return ew.log1p(this);
  }
  sin(this: Tensor): Tensor {
    return ew.sin(this);
  }
  cos(this: Tensor): Tensor {
    return ew.cos(this);
  }
  floor(this: Tensor): Tensor {
    return ew.floor(this);
  }
  ceil(this: Tensor): Tensor {
    return ew.ceil(this);
  }
  round(this: Tensor): Tensor {
    return ew.round(this);
  }
  erf(this: Tensor): Tensor {
    return ew.erf(this);
  }
  isNaN(this: Tensor): Tensor {
    return ew.isNaN(this);
  }
  isFinite(this: Tensor): Tensor {
    return ew.isFinite(this);
  }
  clip(this: Tensor, lo: number, hi: number): Tensor {
    return ew.clip(this, lo, hi);
  }
  cast(this: Tensor, dtype: DType): Tensor {
    return ew.cast(this, dtype);
  }
  // --- activations ---
  relu(this: Tensor): Tensor {
    return act.relu(this);
  }
  relu6(this: Tensor): Tensor {
    return act.relu6(this);
  }
  leakyRelu(this: Tensor, alpha?: number): Tensor {
    return act.leakyRelu(this, alpha);
  }
  elu(this: Tensor, alpha?: number): Tensor {
    return act.elu(this, alpha);
  }
  selu(this: Tensor): Tensor {
    return act.selu(this);
  }
  sigmoid(this: Tensor): Tensor {
    return act.sigmoid(this);
  }
  tanh(this: Tensor): Tensor {
    return act.tanh(this);
  }
  softplus(this: Tensor): Tensor {
    return act.softplus(this);
  }
  softsign(this: Tensor): Tensor {
    return act.softsign(this);
  }
  gelu(this: Tensor, approximate?: boolean): Tensor {
    return act.gelu(this, approximate);
  }
  silu(this: Tensor): Tensor {
    return act.silu(this);
  }
  softmax(this: Tensor, axis?: number): Tensor {
    return act.softmax(this, axis);
  }
  logSoftmax(this: Tensor, axis?: number): Tensor {
    return act.logSoftmax(this, axis);
  }
  // --- reductions ---
  sum(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.sum(this, axis, keepDims);
  }
  mean(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.mean(this, axis, keepDims);
  }
  max(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.max(this, axis, keepDims);
  }
  min(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.min(this, axis, keepDims);
  }
  prod(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.prod(this, axis, keepDims);
  }
  any(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.any(this, axis, keepDims);
  }
  all(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.all(this, axis, keepDims);
  }
  logSumExp(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.logSumExp(this, axis, keepDims);
  }
  variance(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.variance(this, axis, keepDims);
  }
  std(this: Tensor, axis?: number | number[], keepDims?: boolean): Tensor {
    return red.std(this, axis, keepDims);
  }
  argmax(this: Tensor, axis?: number): Tensor {
    return red.argmax(this, axis);
  }
  argmin(this: Tensor, axis?: number): Tensor {
    return red.argmin(this, axis);
  }
  // --- linear algebra ---
  matmul(this: Tensor, b: TensorLike, transposeA = false, transposeB = false): Tensor {
    return matmul(this, b, transposeA, transposeB);
  }
  // --- movement ---
  reshape(this: Tensor, shape: readonly number[]): Tensor {
    return mv.reshape(this, shape);
  }
  flatten(this: Tensor): Tensor {
    return mv.reshape(this, [-1]);
  }
  transpose(this: Tensor, perm?: readonly number[]): Tensor {
    return mv.transpose(this, perm);
  }
  expandDims(this: Tensor, axis = 0): Tensor {
    return mv.expandDims(this, axis);
  }
  squeeze(this: Tensor, axis?: number | number[]): Tensor {
    return mv.squeeze(this, axis);
  }
  slice(this: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
    return mv.slice(this, begin, size);
  }
  stridedSlice(
    this: Tensor,
    begin: readonly number[],
    end: readonly number[],
    strides?: readonly number[],
  ): Tensor {
    return mv.stridedSlice(this, begin, end, strides);
  }
  tile(this: Tensor, reps: readonly number[]): Tensor {
    return mv.tile(this, reps);
  }
  pad(this: Tensor, paddings: readonly (readonly [number, number])[], value?: number): Tensor {
    return mv.pad(this, paddings, value);
  }
  gather(this: Tensor, indices: TensorLike, axis?: number): Tensor {
    return mv.gather(this, indices, axis);
  }
  broadcastTo(this: Tensor, shape: readonly number[]): Tensor {
    return mv.broadcastTo(this, shape);
  }
  split(this: Tensor, numOrSizes: number | readonly number[], axis?: number): Tensor[] {
    return mv.split(this, numOrSizes, axis);
  }
}

for (const name of Object.getOwnPropertyNames(TensorMethods.prototype)) {
  if (name === 'constructor') continue;
  const d = Object.getOwnPropertyDescriptor(TensorMethods.prototype, name)!;
  Object.defineProperty(Tensor.prototype, name, { ...d, enumerable: false });
}
