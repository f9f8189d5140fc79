import type { GradNode } from '../autograd/tape.js';
import { computeGradients, noGrad } from '../autograd/tape.js';
/**
 * The `Tensor` class: an immutable n-dimensional array of one dtype, stored by a backend, with
 * the ops as methods (`x.add(y).relu()`). Tensors are plain garbage-collected objects: no
 * `dispose`, no `tidy`.
 */
import type { Backend, DataHandle } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, ValueError, fmtShape } from '../errors.js';
import * as act from '../ops/activation.js';
import { onesLike } from '../ops/creation.js';
import * as ew from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import * as mv from '../ops/movement.js';
import * as red from '../ops/reduce.js';
import { type NestedArray, type TensorValues, toFlat, toNested } from './convert.js';
import { type DType, type TypedArray, isDType, isFloat } from './dtype.js';
import { type Shape, sizeOf } from './shape.js';

/** Anything an op accepts where a tensor goes: a tensor, a number, or nested arrays. */
export type TensorLike = Tensor | TensorValues;

let nextId = 0;

/**
 * An n-dimensional array. Create one with {@link tensor}, {@link zeros}, {@link randomNormal}…
 *
 * Shape: any rank from 0 (a scalar) up; `shape` lists the size of each axis.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * x.add(1).relu().sum().dataSync(); // Float32Array [14]
 */
export class Tensor {
  /** Unique id, for debugging and graph bookkeeping. */
  readonly id = nextId++;
  /** Size of each axis. */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to this tensor (set on trainable variables and op outputs). */
  requiresGrad = false;
  /** After `backward()`, the gradient accumulated into this leaf tensor. */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, when gradients are recorded. */
  node: GradNode | null = null;
  /** @internal Storage owned by `backend`. */
  handle: DataHandle;
  /** @internal */
  backend: Backend;

  /** @internal Use {@link tensor} and the other creation functions. */
  constructor(handle: DataHandle, shape: Shape, dtype: DType, backend: Backend) {
    this.handle = handle;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.backend = backend;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** @internal Storage on `b`, moving the data there if it lives on another backend. */
  handleOn(b: Backend): DataHandle {
    if (this.backend !== b) {
      const values = this.backend.readSync(this.handle, this.dtype, this.size);
      this.handle = b.fromArray(values, this.dtype);
      this.backend = b;
    }
    return this.handle;
  }

  /** The values as a flat typed array (a copy), synchronously. */
  dataSync(): TypedArray {
    return this.backend.readSync(this.handle, this.dtype, this.size);
  }

  /** The values as a flat typed array (a copy). */
  data(): Promise<TypedArray> {
    return this.backend.read(this.handle, this.dtype, this.size);
  }

  /** The values as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** The values as nested arrays, synchronously. */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ValueError(
        `item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`,
      );
    return this.dataSync()[0]!;
  }

  /**
   * Accumulates into `.grad` of every leaf that requires a gradient the gradient of
   * `Σ this · dy` (`dy` defaults to ones, so a scalar loss needs no argument).
   */
  backward(dy?: TensorLike): void {
    noGrad(() => {
      const g =
        dy === undefined ? onesLike(this) : convertToTensor(dy, 'backward', 'dy', this.dtype);
      const grads = computeGradients([this], [g]);
      for (const [t, gt] of grads) {
        if (t.node === null && t.requiresGrad) t.grad = t.grad ? t.grad.add(gt) : gt;
      }
    });
  }

  /** The same values with no gradient history. */
  detach(): Tensor {
    return new Tensor(this.handle, this.shape, this.dtype, this.backend);
  }

  /** A readable rendering: values (summarised past 6 per axis), shape and dtype. */
  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype})\n${formatValues(this)}`;
  }

  // --- elementwise ---
  add(b: TensorLike): Tensor {
    return ew.add(this, b);
  }
  sub(b: TensorLike): Tensor {
    return ew.sub(this, b);
  }
  mul(b: TensorLike): Tensor {
    return ew.mul(this, b);
  }
  div(b: TensorLike): Tensor {
    return ew.div(this, b);
  }
  pow(b: TensorLike): Tensor {
    return ew.pow(this, b);
  }
  maximum(b: TensorLike): Tensor {
    return ew.maximum(this, b);
  }
  minimum(b: TensorLike): Tensor {
    return ew.minimum(this, b);
  }
  mod(b: TensorLike): Tensor {
    return ew.mod(this, b);
  }
  floorDiv(b: TensorLike): Tensor {
    return ew.floorDiv(this, b);
  }
  squaredDifference(b: TensorLike): Tensor {
    return ew.squaredDifference(this, b);
  }
  equal(b: TensorLike): Tensor {
    return ew.equal(this, b);
  }
  notEqual(b: TensorLike): Tensor {
    return ew.notEqual(this, b);
  }
  less(b: TensorLike): Tensor {
    return ew.less(this, b);
  }
  lessEqual(b: TensorLike): Tensor {
    return ew.lessEqual(this, b);
  }
  greater(b: TensorLike): Tensor {
    return ew.greater(this, b);
  }
  greaterEqual(b: TensorLike): Tensor {
    return ew.greaterEqual(this, b);
  }
  logicalAnd(b: TensorLike): Tensor {
    return ew.logicalAnd(this, b);
  }
  logicalOr(b: TensorLike): Tensor {
    return ew.logicalOr(this, b);
  }
  logicalNot(): Tensor {
    return ew.logicalNot(this);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  expm1(): Tensor {
    return ew.expm1(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  log1p(): Tensor {
    return ew.log1p(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  floor(): Tensor {
    return ew.floor(this);
  }
  ceil(): Tensor {
    return ew.ceil(this);
  }
  round(): Tensor {
    return ew.round(this);
  }
  erf(): Tensor {
    return ew.erf(this);
  }
  isNaN(): Tensor {
    return ew.isNaN(this);
  }
  isFinite(): Tensor {
    return ew.isFinite(this);
  }
  clip(lo: number, hi: number): Tensor {
    return ew.clip(this, lo, hi);
  }
  cast(dtype: DType): Tensor {
    return ew.cast(this, dtype);
  }

  // --- activations ---
  relu(): Tensor {
    return act.relu(this);
  }
  relu6(): Tensor {
    return act.relu6(this);
  }
  leakyRelu(alpha?: number): Tensor {
    return act.leakyRelu(this, alpha);
  }
  elu(alpha?: number): Tensor {
    return act.elu(this, alpha);
  }
  selu(): Tensor {
    return act.selu(this);
  }
  sigmoid(): Tensor {
    return act.sigmoid(this);
  }
  tanh(): Tensor {
    return act.tanh(this);
  }
  softplus(): Tensor {
    return act.softplus(this);
  }
  softsign(): Tensor {
    return act.softsign(this);
  }
  gelu(approximate?: boolean): Tensor {
    return act.gelu(this, approximate);
  }
  silu(): Tensor {
    return act.silu(this);
  }
  softmax(axis?: number): Tensor {
    return act.softmax(this, axis);
  }
  logSoftmax(axis?: number): Tensor {
    return act.logSoftmax(this, axis);
  }

  // --- reductions ---
  sum(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.sum(this, axis, keepDims);
  }
  mean(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.mean(this, axis, keepDims);
  }
  max(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.max(this, axis, keepDims);
  }
  min(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.min(this, axis, keepDims);
  }
  prod(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.prod(this, axis, keepDims);
  }
  any(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.any(this, axis, keepDims);
  }
  all(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.all(this, axis, keepDims);
  }
  logSumExp(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.logSumExp(this, axis, keepDims);
  }
  variance(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.variance(this, axis, keepDims);
  }
  std(axis?: number | number[], keepDims?: boolean): Tensor {
    return red.std(this, axis, keepDims);
  }
  argmax(axis?: number): Tensor {
    return red.argmax(this, axis);
  }
  argmin(axis?: number): Tensor {
    return red.argmin(this, axis);
  }

  // --- linear algebra ---
  matmul(b: TensorLike, transposeA = false, transposeB = false): Tensor {
    return matmul(this, b, transposeA, transposeB);
  }

  // --- movement ---
  reshape(shape: readonly number[]): Tensor {
    return mv.reshape(this, shape);
  }
  flatten(): Tensor {
    return mv.reshape(this, [-1]);
  }
  transpose(perm?: readonly number[]): Tensor {
    return mv.transpose(this, perm);
  }
  expandDims(axis = 0): Tensor {
    return mv.expandDims(this, axis);
  }
  squeeze(axis?: number | number[]): Tensor {
    return mv.squeeze(this, axis);
  }
  slice(begin: readonly number[], size?: readonly number[]): Tensor {
    return mv.slice(this, begin, size);
  }
  stridedSlice(
    begin: readonly number[],
    end: readonly number[],
    strides?: readonly number[],
  ): Tensor {
    return mv.stridedSlice(this, begin, end, strides);
  }
  tile(reps: readonly number[]): Tensor {
    return mv.tile(this, reps);
  }
  pad(paddings: readonly (readonly [number, number])[], value?: number): Tensor {
    return mv.pad(this, paddings, value);
  }
  gather(indices: TensorLike, axis?: number): Tensor {
    return mv.gather(this, indices, axis);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return mv.broadcastTo(this, shape);
  }
  split(numOrSizes: number | readonly number[], axis?: number): Tensor[] {
    return mv.split(this, numOrSizes, axis);
  }
}

/** Wraps a fresh handle as a tensor on the current backend. @internal */
export function makeTensor(
  handle: DataHandle,
  shape: Shape,
  dtype: DType,
  backend?: Backend,
): Tensor {
  return new Tensor(handle, shape, dtype, backend ?? getBackend());
}

/**
 * Converts user input to a tensor. A tensor passes through (cast when `dtype` differs and
 * `cast` allows); numbers and arrays become new tensors of `dtype` (default: float32, or bool
 * for booleans). `op` and `arg` name the caller in errors.
 */
export function convertToTensor(x: TensorLike, op: string, arg: string, dtype?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (x === null || x === undefined) {
    throw new DTypeError(`${op}: argument '${arg}' is ${x}, expected a tensor, number or array`);
  }
  if (dtype !== undefined && !isDType(dtype))
    throw new DTypeError(`${op}: unknown dtype '${dtype}'`);
  const { data, shape, dtype: dt } = toFlat(x, undefined, dtype, `${op} (${arg})`);
  const b = getBackend();
  return new Tensor(b.fromArray(data, dt), shape, dt, b);
}

/**
 * Converts the two operands of a binary op: a plain number takes the dtype of the tensor
 * operand (a fractional number promotes an int tensor to float32).
 */
export function convertPair(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  const scalarDType = (other: Tensor, v: TensorLike): DType | undefined => {
    if (typeof v === 'number') {
      if (isFloat(other.dtype)) return other.dtype;
      return Number.isInteger(v) ? (other.dtype === 'bool' ? 'int32' : other.dtype) : 'float32';
    }
    if (typeof v === 'boolean') return 'bool';
    return undefined;
  };
  if (a instanceof Tensor && !(b instanceof Tensor))
    return [a, convertToTensor(b, op, 'b', scalarDType(a, b))];
  if (b instanceof Tensor && !(a instanceof Tensor))
    return [convertToTensor(a, op, 'a', scalarDType(b, a)), b];
  return [convertToTensor(a, op, 'a'), convertToTensor(b, op, 'b')];
}

function formatValues(t: Tensor): string {
  const data = t.dataSync();
  const fmt = (v: number) => {
    if (t.dtype === 'bool') return v ? 'true' : 'false';
    if (t.dtype === 'int32') return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.`;
    const p = v.toPrecision(6);
    // Trailing zeros are noise only after a decimal point and outside an exponent.
    return p.includes('.') && !p.includes('e') ? p.replace(/0+$/, '') : p;
  };
  if (t.rank === 0) return `  ${fmt(data[0]!)}`;
  const edge = 3;
  const strides = t.shape.map((_, i) => sizeOf(t.shape.slice(i + 1)));
  const render = (depth: number, offset: number, indent: string): string => {
    const n = t.shape[depth]!;
    const idx =
      n > 2 * edge
        ? [...Array(edge).keys(), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)]
        : [...Array(n).keys()];
    if (depth === t.rank - 1) {
      return `[${idx.map((i) => (i < 0 ? '...' : fmt(data[offset + i]!))).join(', ')}]`;
    }
    const parts = idx.map((i) =>
      i < 0 ? '...' : render(depth + 1, offset + i * strides[depth]!, `${indent} `),
    );
    return `[${parts.join(`,\n${indent} `)}]`;
  };
  return `  ${render(0, 0, '  ')}`;
}
