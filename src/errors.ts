/**
 * Error types thrown by Tessera. Every message starts with the op, layer or function that
 * raised it, then says what was expected and what came, so that a failure deep in a model
 * names its source.
 */

/** Base class of every error Tessera throws on purpose; `instanceof TesseraError` catches them all. */
export class TesseraError extends Error {
  /**
   * The error's `name`, as a string of its own class: minifiers rename classes, not string
   * literals, so `ShapeError: …` survives a bundle. A subclass without one (a user's) is
   * named after its class.
   */
  static readonly errorName: string = 'TesseraError';
  /** `options.cause`: the error this one wraps (a user function's, a source's). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const cls = new.target as typeof TesseraError;
    this.name = Object.hasOwn(cls, 'errorName') ? cls.errorName : cls.name;
  }
}

/** A shape, rank or size does not fit the op. */
export class ShapeError extends TesseraError {
  static override readonly errorName: string = 'ShapeError';
}

/** A dtype does not fit the op (e.g. float indices to `gather`). */
export class DTypeError extends TesseraError {
  static override readonly errorName: string = 'DTypeError';
}

/** A value is out of range or malformed (axis, seed, option). */
export class ValueError extends TesseraError {
  static override readonly errorName: string = 'ValueError';
}

/**
 * A tensor too large to allocate: more elements than a typed array can hold, or more memory
 * than the runtime gives. The message names the op, the element count and the bytes.
 * @example try { zeros([1e6, 1e6]); } catch (e) { e instanceof AllocationError; } // true
 */
export class AllocationError extends ValueError {
  static override readonly errorName: string = 'AllocationError';
}

/**
 * The backend cannot do what was asked synchronously: a device backend (a GPU) reads data back
 * only asynchronously, so `dataSync()`, `arraySync()` and `item()` on its tensors give this
 * error; `await t.data()` / `await t.array()` work on every backend.
 * @example try { t.dataSync(); } catch (e) { e instanceof BackendCapabilityError; }
 */
export class BackendCapabilityError extends TesseraError {
  static override readonly errorName: string = 'BackendCapabilityError';
}

/** Formats a shape the way error messages print it: `[10, 2]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
