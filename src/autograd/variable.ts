import type { DataHandle } from '../backend/backend.js';
/** Mutable, named tensors that hold a model's weights and receive gradients. */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { noGrad } from './tape.js';

let varCount = 0;

/** Options of {@link variable}. */
export interface VariableOptions {
  /** Whether optimizers update it and gradients flow to it (default true). */
  trainable?: boolean;
  /** A name, unique or not (default `variable_N`). */
  name?: string;
}

/**
 * A tensor whose value can be replaced in place (`assign`), as layer weights are. A trainable
 * variable is a gradient leaf: `loss.backward()` fills its `.grad`.
 *
 * Shape: fixed at creation; `assign` must keep it.
 * @example
 * const w = variable(zeros([2, 2]));
 * w.assign(w.sub(0.1));
 */
export class Variable extends Tensor {
  readonly name: string;
  private trainable_: boolean;
  /** @internal The storage (`handle` is an accessor over it, see below). */
  store!: DataHandle;
  /**
   * @internal False only while the storage is one a compiled step bound and nothing has read
   * since: then no tensor but this variable can reference it, and the step may recycle it.
   */
  shared = true;

  constructor(initial: Tensor, opts: VariableOptions = {}) {
    super(initial.handle, initial.shape, initial.dtype, initial.backend);
    // Tensor's field made `handle` an own data property; an accessor replaces it, so every
    // read (ops, detach, value) marks the storage as shared.
    this.store = this.handle;
    Object.defineProperty(this, 'handle', HANDLE_ACCESSOR);
    this.name = opts.name ?? `variable_${varCount++}`;
    this.trainable_ = opts.trainable ?? true;
    if (this.trainable_ && !isFloat(this.dtype)) {
      throw new DTypeError(
        `variable '${this.name}': a trainable variable must be float, got ${this.dtype}`,
      );
    }
    this.requiresGrad = this.trainable_;
  }

  /** Whether gradients flow here and optimizers update it. */
  get trainable(): boolean {
    return this.trainable_;
  }
  set trainable(v: boolean) {
    this.trainable_ = v;
    this.requiresGrad = v && isFloat(this.dtype);
  }

  /** Replaces the value (same shape; cast to this dtype). Not recorded for gradients. */
  assign(value: TensorLike): this {
    const v = noGrad(() => {
      const t = convertToTensor(value, `assign (${this.name})`, 'value', this.dtype);
      return t.dtype === this.dtype ? t : t.cast(this.dtype);
    });
    if (!shapesEqual(v.shape, this.shape)) {
      throw new ShapeError(
        `assign (${this.name}): shape ${fmtShape(v.shape)} differs from the variable's ${fmtShape(this.shape)}`,
      );
    }
    this.handle = v.handleOn(this.backend);
    return this;
  }

  /** this ← this + delta. */
  assignAdd(delta: TensorLike): this {
    return this.assign(noGrad(() => this.detach().add(delta)));
  }

  /** this ← this − delta. */
  assignSub(delta: TensorLike): this {
    return this.assign(noGrad(() => this.detach().sub(delta)));
  }

  /** The current value as a plain tensor (no gradient link). */
  value(): Tensor {
    return this.detach();
  }
}

const HANDLE_ACCESSOR: PropertyDescriptor = {
  get(this: Variable): DataHandle {
    this.shared = true;
    return this.store;
  },
  set(this: Variable, h: DataHandle) {
    this.store = h;
    this.shared = true;
  },
  configurable: true,
  enumerable: true,
};

/**
 * @internal A variable's storage read by a compiled step, without marking it as shared.
 * @example const h = peekHandle(v);
 */
export function peekHandle(v: Variable): DataHandle {
  return v.store;
}

/**
 * @internal Binds storage a compiled step computed and nothing else references; returns
 * whether the previous storage was unshared (then the step may recycle it).
 * @example if (bindStepHandle(v, h)) arena.give(old);
 */
export function bindStepHandle(v: Variable, h: DataHandle): boolean {
  const free = !v.shared;
  v.store = h;
  v.shared = false;
  return free;
}

/**
 * Creates a {@link Variable} from an initial value.
 * @example const b = variable(zeros([10]), { name: 'bias' });
 */
export function variable(initial: TensorLike, opts?: VariableOptions): Variable {
  return new Variable(convertToTensor(initial, 'variable', 'initial'), opts);
}
