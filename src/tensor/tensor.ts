/**
 * The `Tensor` class: an immutable n-dimensional array of one dtype, stored by a backend. The
 * class holds the data and its reads; the chained ops (`x.add(y).relu()`) are declared on it
 * below and attached by `ops/tensor_methods.ts`, so this module imports no op and autograd
 * imports only its type: tensor/ sits under ops/ and autograd/ with no cycle. Tensors are
 * plain garbage-collected objects: no `dispose`, no `tidy`.
 */
import type { Backend, DataHandle } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { BackendCapabilityError, DTypeError, ValueError, fmtShape } from '../errors.js';
import { type NestedArray, type TensorValues, toFlat, toNested } from './convert.js';
import { type DType, type TypedArray, isDType, isFloat } from './dtype.js';
import { type Shape, sizeOf } from './shape.js';

/** The gradient of an op's output, mapped back to each input (`null` where none flows). */
export type BackwardFn = (dy: Tensor) => readonly (Tensor | null)[];

/** A recorded op application: the edge from an output back to its inputs. */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

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
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below declares the chained ops that ops/tensor_methods.ts attaches to the prototype
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
      const values = syncRead(this, `moving a tensor to the '${b.name}' backend`);
      this.handle = b.fromArray(values, this.dtype);
      this.backend = b;
    }
    return this.handle;
  }

  /**
   * The values as a flat typed array (a copy), synchronously, on backends that can read back
   * synchronously (the CPU ones); elsewhere a `BackendCapabilityError` (use {@link data}).
   */
  dataSync(): TypedArray {
    return syncRead(this, 'dataSync');
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

  /** The same values with no gradient history. */
  detach(): Tensor {
    return new Tensor(this.handle, this.shape, this.dtype, this.backend);
  }

  /** A readable rendering: values (summarised past 6 per axis), shape and dtype. */
  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype})\n${formatValues(this)}`;
  }
}

/**
 * The chained ops of every tensor, attached by `ops/tensor_methods.ts` (each is the op of the
 * same name with this tensor first), and `backward`.
 */
export interface Tensor {
  /**
   * Accumulates into `.grad` of every leaf that requires a gradient the gradient of
   * `Σ this · dy` (`dy` defaults to ones, so a scalar loss needs no argument).
   */
  backward(dy?: TensorLike): void;
  // --- elementwise ---
  add(b: TensorLike): Tensor;
  sub(b: TensorLike): Tensor;
  mul(b: TensorLike): Tensor;
  div(b: TensorLike): Tensor;
  pow(b: TensorLike): Tensor;
  maximum(b: TensorLike): Tensor;
  minimum(b: TensorLike): Tensor;
  mod(b: TensorLike): Tensor;
  floorDiv(b: TensorLike): Tensor;
  squaredDifference(b: TensorLike): Tensor;
  equal(b: TensorLike): Tensor;
  notEqual(b: TensorLike): Tensor;
  less(b: TensorLike): Tensor;
  lessEqual(b: TensorLike): Tensor;
  greater(b: TensorLike): Tensor;
  greaterEqual(b: TensorLike): Tensor;
  logicalAnd(b: TensorLike): Tensor;
  logicalOr(b: TensorLike): Tensor;
  logicalNot(): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  sign(): Tensor;
  square(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  reciprocal(): Tensor;
  exp(): Tensor;
  expm1(): Tensor;
  log(): Tensor;
  log1p(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  floor(): Tensor;
  ceil(): Tensor;
  round(): Tensor;
  erf(): Tensor;
  isNaN(): Tensor;
  isFinite(): Tensor;
  clip(lo: number, hi: number): Tensor;
  cast(dtype: DType): Tensor;
  // --- activations ---
  relu(): Tensor;
  relu6(): Tensor;
  leakyRelu(alpha?: number): Tensor;
  elu(alpha?: number): Tensor;
  selu(): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  softplus(): Tensor;
  softsign(): Tensor;
  gelu(approximate?: boolean): Tensor;
  silu(): Tensor;
  softmax(axis?: number): Tensor;
  logSoftmax(axis?: number): Tensor;
  // --- reductions ---
  sum(axis?: number | number[], keepDims?: boolean): Tensor;
  mean(axis?: number | number[], keepDims?: boolean): Tensor;
  max(axis?: number | number[], keepDims?: boolean): Tensor;
  min(axis?: number | number[], keepDims?: boolean): Tensor;
  prod(axis?: number | number[], keepDims?: boolean): Tensor;
  any(axis?: number | number[], keepDims?: boolean): Tensor;
  all(axis?: number | number[], keepDims?: boolean): Tensor;
  logSumExp(axis?: number | number[], keepDims?: boolean): Tensor;
  variance(axis?: number | number[], keepDims?: boolean): Tensor;
  std(axis?: number | number[], keepDims?: boolean): Tensor;
  argmax(axis?: number): Tensor;
  argmin(axis?: number): Tensor;
  // --- linear algebra ---
  matmul(b: TensorLike, transposeA?: boolean, transposeB?: boolean): Tensor;
  // --- movement ---
  reshape(shape: readonly number[]): Tensor;
  flatten(): Tensor;
  transpose(perm?: readonly number[]): Tensor;
  expandDims(axis?: number): Tensor;
  squeeze(axis?: number | number[]): Tensor;
  slice(begin: readonly number[], size?: readonly number[]): Tensor;
  stridedSlice(
    begin: readonly number[],
    end: readonly number[],
    strides?: readonly number[],
  ): Tensor;
  tile(reps: readonly number[]): Tensor;
  pad(paddings: readonly (readonly [number, number])[], value?: number): Tensor;
  gather(indices: TensorLike, axis?: number): Tensor;
  broadcastTo(shape: readonly number[]): Tensor;
  split(numOrSizes: number | readonly number[], axis?: number): Tensor[];
}

/** A synchronous read of `t`, or a BackendCapabilityError naming `op` and the way out. */
function syncRead(t: Tensor, op: string): TypedArray {
  const b = t.backend;
  if (!b.readSync) {
    throw new BackendCapabilityError(
      `${op}: the '${b.name}' backend reads data back only asynchronously; use await tensor.data() (or array())`,
    );
  }
  return b.readSync(t.handle, t.dtype, t.size);
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
