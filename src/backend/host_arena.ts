/**
 * Host memory for the CPU backends' outputs, and the arenas compiled steps recycle it through.
 *
 * Every output array of the js, wasm and native backends comes from {@link hostArray} /
 * {@link hostF32}. Outside a compiled step that is a fresh typed array, collected by the GC
 * like any other. While a compiled graph runs, its {@link HostArena} is active: the graph gives
 * back the buffers of the values its plan says are dead (intermediates after their last read,
 * a variable's previous value once the step rebound it), and the next allocation of the same
 * byte size takes one of them instead of asking the runtime. From the second replay on, a step
 * finds every buffer it needs in its arena: no new ArrayBuffers, no page faults on fresh
 * memory and no external-memory pressure driving V8's collections (which cost 11 % of
 * mlp_train and made the kernels fault their outputs in page by page).
 */
import {
  BYTES_PER_ELEMENT,
  type DType,
  type TypedArray,
  allocArray,
  checkAllocation,
} from '../tensor/dtype.js';

/** Node's Buffer where it exists: `allocUnsafeSlow` gives unzeroed memory of its own. */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;

/** A fresh ArrayBuffer of exactly `bytes` bytes, unzeroed where the platform allows. */
function freshBuffer(bytes: number): ArrayBuffer {
  if (NodeBuffer) {
    const b = NodeBuffer.allocUnsafeSlow(bytes);
    // allocUnsafeSlow never takes the shared pool: the view covers its whole buffer.
    if (b.byteOffset === 0 && b.buffer.byteLength === bytes) return b.buffer as ArrayBuffer;
  }
  return new ArrayBuffer(bytes);
}

/**
 * Buffers a compiled graph owns and recycles between its steps, by byte size.
 * @example
 * const arena = new HostArena();
 * const out = withArena(arena, () => hostF32(1024, false));
 * arena.give(out.buffer);
 */
export class HostArena {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly inFree = new Set<ArrayBuffer>();
  private held = 0;
  /** Bytes of every buffer this arena handed out fresh since the last {@link resetCounters}. */
  freshBytes = 0;
  /** Buffers handed out fresh since the last {@link resetCounters}. */
  freshCount = 0;
  /** Bytes handed out from recycled buffers since the last {@link resetCounters}. */
  reusedBytes = 0;
  /** Buffers given back and dropped because the arena was at its limit. */
  dropped = 0;
  /** Set while a step's counts run from before its replay (its batch was gathered here). */
  counting = false;

  /**
   * @param limitBytes The most the arena holds: past it, given-back buffers are left to the
   *   GC. A compiled graph sets it from its plan (twice what one step's values take), so an
   *   arena fed buffers it never hands out again cannot grow without bound.
   */
  constructor(public limitBytes = Number.POSITIVE_INFINITY) {}

  /** A recycled buffer of exactly `bytes` bytes, or a fresh one (counted). */
  take(bytes: number): ArrayBuffer {
    const list = this.free.get(bytes);
    const b = list?.pop();
    if (b) {
      this.inFree.delete(b);
      this.held -= bytes;
      this.reusedBytes += bytes;
      return b;
    }
    this.freshBytes += bytes;
    this.freshCount++;
    return freshBuffer(bytes);
  }

  /** Takes back a buffer nothing reads any more (given twice, it is kept once). */
  give(buffer: ArrayBufferLike): void {
    // SharedArrayBuffers are never arena-made; only plain buffers come back.
    if (!(buffer instanceof ArrayBuffer)) return;
    const b = buffer;
    if (b.byteLength === 0 || this.inFree.has(b)) return;
    if (this.held + b.byteLength > this.limitBytes) {
      this.dropped++;
      return;
    }
    this.inFree.add(b);
    this.held += b.byteLength;
    let list = this.free.get(b.byteLength);
    if (!list) {
      list = [];
      this.free.set(b.byteLength, list);
    }
    list.push(b);
  }

  /** Bytes waiting in the arena for the next step. */
  get heldBytes(): number {
    return this.held;
  }

  /** Zeroes the per-run counters. */
  resetCounters(): void {
    this.freshBytes = 0;
    this.freshCount = 0;
    this.reusedBytes = 0;
  }
}

let active: HostArena | null = null;

/**
 * Runs `fn` with `arena` serving the CPU backends' output allocations.
 * @example withArena(graph.arena, () => replay());
 */
export function withArena<T>(arena: HostArena, fn: () => T): T {
  const prev = active;
  active = arena;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

function view(dtype: DType, buf: ArrayBuffer, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, 0, size);
    case 'int32':
      return new Int32Array(buf, 0, size);
    case 'bool':
      return new Uint8Array(buf, 0, size);
    case 'float64':
      return new Float64Array(buf, 0, size);
  }
}

/**
 * An output array of `size` elements for a backend kernel: zero-filled unless `zero` is false
 * (for kernels that write every element). Each array owns its whole buffer at offset 0, which
 * is what lets an arena take the buffer back.
 * @example const out = hostArray('float32', n); // zeros
 */
export function hostArray(dtype: DType, size: number, zero = true, op = 'allocate'): TypedArray {
  const bytes = size * BYTES_PER_ELEMENT[dtype];
  if (active === null || bytes === 0) {
    if (zero || bytes === 0) return allocArray(dtype, size, op);
    checkAllocation(op, size, dtype);
    return view(dtype, freshBuffer(bytes), size);
  }
  checkAllocation(op, size, dtype);
  const out = view(dtype, active.take(bytes), size);
  if (zero) out.fill(0);
  return out;
}

/**
 * A float32 output of `n` elements; `zero: false` leaves it unzeroed for kernels that write
 * every element (`new Float32Array(n)` zero-fills only for the kernel to overwrite it: at
 * n = 512 that cost a quarter of the GEMM).
 * @example const out = hostF32(m * n, false); // then addon.gemm(…, out)
 */
export function hostF32(n: number, zero = true): Float32Array {
  return hostArray('float32', n, zero) as Float32Array;
}

/**
 * A byte (bool) output of `n` elements; see {@link hostF32}.
 * @example const mask = hostU8(size, false); // then addon.compare(…, mask)
 */
export function hostU8(n: number, zero = true): Uint8Array {
  return hostArray('bool', n, zero) as Uint8Array;
}

/**
 * An int32 output of `n` elements; see {@link hostF32}.
 * @example const argmax = hostI32(size, false);
 */
export function hostI32(n: number, zero = true): Int32Array {
  return hostArray('int32', n, zero) as Int32Array;
}
