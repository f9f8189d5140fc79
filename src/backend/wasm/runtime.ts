import { hostF32, hostU8 } from '../host_arena.js';
/**
 * Loading of the wasm kernels and the scratch arena in their linear memory.
 *
 * Tensors of the wasm backend stay plain typed arrays (so every primitive it does not override
 * runs the js code unchanged); an accelerated op copies its operands into the arena, runs a
 * kernel and copies the result out. The arena is a bump allocator reset at the start of every
 * op: ops are synchronous and never nest, so nothing outlives one.
 */
import { KERNELS_RELAXED, KERNELS_SIMD } from './kernels_wasm.js';
import { CONTROL_INTS, type HelperPool, startHelpers, threadSupport } from './threads.js';

/**
 * The functions exported by the AssemblyScript module (`assembly/index.ts`); pointers are byte
 * addresses in its memory, sizes and strides are in elements.
 *
 * @example
 * const { k } = sharedRuntime();
 * k.unary(0, p, q, n, 0); // q[i] = -p[i]
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmWorkBytes(): number;
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    beta: number,
    work: number,
  ): void;
  unary(op: number, x: number, y: number, n: number, alpha: number): void;
  binary(
    op: number,
    a: number,
    aRow: number,
    aEl: number,
    b: number,
    bRow: number,
    bEl: number,
    y: number,
    rows: number,
    cols: number,
  ): void;
  compare(
    op: number,
    a: number,
    aRow: number,
    aEl: number,
    b: number,
    bRow: number,
    bEl: number,
    y: number,
    rows: number,
    cols: number,
  ): void;
  select(
    c: number,
    cRow: number,
    cEl: number,
    a: number,
    aRow: number,
    aEl: number,
    b: number,
    bRow: number,
    bEl: number,
    y: number,
    rows: number,
    cols: number,
  ): void;
  sumRows(x: number, rows: number, n: number, y: number): void;
  sumCols(x: number, rows: number, n: number, y: number, acc: number): void;
  softmaxRows(x: number, rows: number, n: number, y: number, log: number): void;
  rmsprop(
    p: number,
    g: number,
    v: number,
    po: number,
    vo: number,
    n: number,
    lr: number,
    rho: number,
    c: number,
    eps: number,
  ): void;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    po: number,
    mo: number,
    vo: number,
    n: number,
    lr: number,
    c1: number,
    c2: number,
    eps: number,
  ): void;
  lstmCell(z: number, c: number, hc: number, batch: number, units: number): void;
  lstmCellGrad(
    z: number,
    c: number,
    hc: number,
    dhc: number,
    dz: number,
    dc: number,
    batch: number,
    units: number,
  ): void;
  /** Scratch floats the attention kernels need for key length S and head sizes H, Hv. */
  attentionWorkFloats(S: number, H: number, Hv: number): number;
  attention(
    q: number,
    k: number,
    v: number,
    mask: number,
    bias: number,
    out: number,
    probs: number,
    ...dims: number[]
  ): void;
  attentionGrad(
    q: number,
    k: number,
    v: number,
    probs: number,
    mask: number,
    dOut: number,
    dq: number,
    dk: number,
    dv: number,
    dLogits: number,
    ...dims: number[]
  ): void;
  im2col(
    src: number,
    n0: number,
    n1: number,
    c0: number,
    cc: number,
    dst: number,
    ...geo: number[]
  ): void;
  col2im(
    src: number,
    n0: number,
    n1: number,
    c0: number,
    cc: number,
    dst: number,
    ...geo: number[]
  ): void;
  maxPool(x: number, y: number, ...geo: number[]): void;
  maxPoolBackward(dy: number, x: number, dx: number, ...geo: number[]): void;
  avgPool(x: number, y: number, ...geo: number[]): void;
  avgPoolBackward(dy: number, dx: number, ...geo: number[]): void;
}

const PAGE = 65536;
/** Every allocation starts on a cache line and leaves one spare vector after its end. */
const ALIGN = 64;
const SLACK = 16;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } };
  if (g.Buffer) return new Uint8Array(g.Buffer.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Which build of the kernels runs: `relaxed-simd` (fused multiply-add in GEMM) where the
 * runtime validates it, else plain `simd128`.
 *
 * @example
 * const v: KernelVariant = sharedRuntime().variant;
 */
export type KernelVariant = 'simd128' | 'relaxed-simd' | 'simd128-threads' | 'relaxed-simd-threads';

/** GEMMs smaller than this many multiply-adds run on the calling thread alone. */
const PARALLEL_MIN_MACS = 1 << 18;
/** Rows of C per thread at least (the micro-kernel's row blocks). */
const PARALLEL_MIN_ROWS = 16;

/**
 * The instantiated kernels plus a bump allocator over their memory.
 *
 * @example
 * const rt = WasmRuntime.load();
 * rt.reset();
 * const p = rt.put(new Float32Array([1, 2, 3]));
 * rt.k.unary(0, p, p, 3, 0); // neg, in place
 * rt.get(p, 3); // Float32Array [-1, -2, -3]
 */
export class WasmRuntime {
  /** The kernel functions and memory. */
  readonly k: KernelExports;
  /** Which build was instantiated. */
  readonly variant: KernelVariant;
  /** The GEMM packing workspace (fixed, just above the module's static data). */
  readonly work: number;
  /** Each helper thread's control block and packing workspace (threaded build only). */
  private readonly helperControls: number[] = [];
  private readonly helperWorks: number[] = [];
  /** The helper threads, once started (threaded build only). */
  private pool: HelperPool | null = null;
  private readonly base: number;
  private top: number;
  private view: Float32Array;

  private constructor(k: KernelExports, variant: KernelVariant, helpers = 0) {
    this.k = k;
    this.variant = variant;
    this.work = alignUp(k.heapBase(), ALIGN);
    let end = this.work + k.gemmWorkBytes();
    for (let h = 0; h < helpers; h++) {
      const ctrl = alignUp(end, ALIGN);
      const work = alignUp(ctrl + CONTROL_INTS * 4, ALIGN);
      this.helperControls.push(ctrl);
      this.helperWorks.push(work);
      end = work + k.gemmWorkBytes();
    }
    this.base = alignUp(end, ALIGN);
    this.top = this.base;
    this.ensure(this.base);
    this.view = new Float32Array(k.memory.buffer);
    // Control blocks start at generation 0, done 0.
    if (helpers)
      new Int32Array(k.memory.buffer).fill(0, this.helperControls[0]! >> 2, this.base >> 2);
  }

  /** Threads GEMM runs on: the calling one plus its helpers. */
  get threads(): number {
    return 1 + (this.pool?.size ?? 0);
  }

  /**
   * C = op(A)·op(B) (+ C when `beta`), split by rows of C over the helper threads when there are
   * any and the product is large enough; each thread packs into its own workspace.
   *
   * Formula: C[i, j] = Σ_k op(A)[i, k]·op(B)[k, j] (+ C[i, j]).
   *
   * Shape: op(A) [m, k], op(B) [k, n], C [m, n] with leading dimension ldc; addresses in bytes.
   *
   * @example rt.gemm(0, 0, m, n, k, pa, k, pb, n, pc, n, 0);
   */
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    beta: number,
  ): void {
    const pool = this.pool;
    const parts = pool ? Math.min(pool.size + 1, Math.floor(m / PARALLEL_MIN_ROWS)) : 1;
    if (!pool || parts < 2 || m * n * k < PARALLEL_MIN_MACS) {
      this.k.gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, beta, this.work);
      return;
    }
    // Row blocks in multiples of 4 (the micro-kernel's rows); the caller takes the first.
    const rows = Math.ceil(m / parts / 4) * 4;
    const jobs: number[][] = [];
    for (let p = 1; p < parts; p++) {
      const r0 = p * rows;
      const mr = Math.min(rows, m - r0);
      if (mr <= 0) break;
      const ap = transA ? a + r0 * 4 : a + r0 * lda * 4;
      jobs.push([transA, transB, mr, n, k, ap, lda, b, ldb, c + r0 * ldc * 4, ldc, beta]);
    }
    pool.dispatch(jobs);
    this.k.gemm(transA, transB, Math.min(rows, m), n, k, a, lda, b, ldb, c, ldc, beta, this.work);
    pool.wait();
  }

  /**
   * Compiles and instantiates the kernels synchronously (relaxed SIMD if available); throws
   * when WebAssembly or SIMD128 is missing.
   */
  static load(): WasmRuntime {
    const { bytes, variant } = WasmRuntime.pick();
    let mod: WebAssembly.Module;
    try {
      mod = new WebAssembly.Module(bytes);
    } catch (e) {
      // Some runtimes refuse to compile a module of this size synchronously on a page's main
      // thread; the asynchronous path is always allowed.
      throw new Error(
        `wasm backend: this runtime refused to compile the kernels synchronously (${e instanceof Error ? e.message : String(e)}); call \`await ready()\` before the first op to compile them asynchronously`,
      );
    }
    const inst = new WebAssembly.Instance(mod, {});
    return new WasmRuntime(inst.exports as unknown as KernelExports, variant);
  }

  /**
   * The same, compiling with `WebAssembly.compile` (off the main thread, and allowed wherever
   * synchronous compilation is refused): `ready()` calls it through `preloadWasm`.
   */
  static async loadAsync(): Promise<WasmRuntime> {
    const { bytes, variant } = WasmRuntime.pick();
    const mod = await WebAssembly.compile(bytes);
    const inst = await WebAssembly.instantiate(mod, {});
    return new WasmRuntime(inst.exports as unknown as KernelExports, variant);
  }

  /**
   * The threaded build on a new shared memory, with `threads − 1` helper threads started on it
   * (compiled and instantiated asynchronously). Rejects where threads cannot run here.
   */
  static async loadThreadedAsync(threads: number): Promise<WasmRuntime> {
    const support = threadSupport();
    if (!support.ok) throw new Error(`wasm threads: ${support.why}`);
    const { KERNELS_THREADS, KERNELS_THREADS_RELAXED } = await import('./kernels_wasm_threads.js');
    const relaxed = decodeBase64(KERNELS_THREADS_RELAXED);
    const useRelaxed = WebAssembly.validate(relaxed);
    const module = await WebAssembly.compile(useRelaxed ? relaxed : decodeBase64(KERNELS_THREADS));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
    const inst = await WebAssembly.instantiate(module, { env: { memory } });
    const rt = new WasmRuntime(
      inst.exports as unknown as KernelExports,
      useRelaxed ? 'relaxed-simd-threads' : 'simd128-threads',
      threads - 1,
    );
    rt.pool = await startHelpers(module, memory, rt.helperControls, rt.helperWorks);
    return rt;
  }

  /** Ends the helper threads (the runtime then runs on the calling thread alone). */
  stopThreads(): void {
    this.pool?.stop();
    this.pool = null;
  }

  /** The module bytes to run: relaxed SIMD where the runtime validates it, else SIMD128. */
  private static pick(): { bytes: Uint8Array<ArrayBuffer>; variant: KernelVariant } {
    if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') {
      throw new Error('wasm backend: WebAssembly is not available in this runtime');
    }
    const simd = decodeBase64(KERNELS_SIMD);
    if (!WebAssembly.validate(simd)) {
      throw new Error('wasm backend: WebAssembly SIMD128 is not supported by this runtime');
    }
    const relaxed = decodeBase64(KERNELS_RELAXED);
    return WebAssembly.validate(relaxed)
      ? { bytes: relaxed, variant: 'relaxed-simd' }
      : { bytes: simd, variant: 'simd128' };
  }

  /** Frees every allocation (start of an op). */
  reset(): void {
    this.top = this.base;
  }

  /** Bytes of linear memory now (it only grows). */
  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /**
   * A 64-byte-aligned block of `floats` float32 values (contents undefined, at least one spare
   * vector after it), growing memory as needed. Returns its byte address.
   */
  alloc(floats: number): number {
    const p = this.top;
    this.top = alignUp(p + floats * 4 + SLACK, ALIGN);
    this.ensure(this.top);
    return p;
  }

  /** Like {@link alloc}, zero-filled. */
  zeros(floats: number): number {
    const p = this.alloc(floats);
    this.f32().fill(0, p >>> 2, (p >>> 2) + floats);
    return p;
  }

  /** Copies `src` into a new block; returns its byte address. */
  put(src: Float32Array): number {
    const p = this.alloc(src.length);
    this.f32().set(src, p >>> 2);
    return p;
  }

  /** Copies bytes (bool storage) into a new block; returns its byte address. */
  putU8(src: Uint8Array): number {
    const p = this.alloc(Math.ceil(src.length / 4));
    new Uint8Array(this.k.memory.buffer, p, src.length).set(src);
    return p;
  }

  /** A fresh copy of `n` bytes at byte address `p` (from the active arena, if any). */
  getU8(p: number, n: number): Uint8Array {
    const out = hostU8(n, false);
    out.set(new Uint8Array(this.k.memory.buffer, p, n));
    return out;
  }

  /** A fresh copy of `n` floats at byte address `p` (from the active arena, if any). */
  get(p: number, n: number): Float32Array {
    const out = hostF32(n, false);
    out.set(this.f32().subarray(p >>> 2, (p >>> 2) + n));
    return out;
  }

  /** The float32 view of memory, re-created when growth has detached the old one. */
  f32(): Float32Array {
    if (this.view.buffer !== this.k.memory.buffer)
      this.view = new Float32Array(this.k.memory.buffer);
    return this.view;
  }

  private ensure(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

let shared: WasmRuntime | undefined;

/**
 * The process-wide kernels, compiled and instantiated on first use; throws where WebAssembly
 * or SIMD128 is missing.
 *
 * @example
 * const rt = sharedRuntime();
 * rt.variant; // 'simd128' on Node 20 without flags
 */
export function sharedRuntime(): WasmRuntime {
  shared ??= WasmRuntime.load();
  return shared;
}

/**
 * Compiles the kernels asynchronously so that {@link sharedRuntime} never compiles on the
 * caller's thread (needed on a browser's main thread). Rejects where WebAssembly or SIMD128 is
 * missing.
 *
 * @example
 * await preloadWasm();
 */
export async function preloadWasm(): Promise<void> {
  if (shared) return;
  const want = wasmThreadCount();
  if (want > 1) {
    try {
      shared = await WasmRuntime.loadThreadedAsync(want);
      return;
    } catch (e) {
      threadsRefused = e instanceof Error ? e.message : String(e);
    }
  }
  shared ??= await WasmRuntime.loadAsync();
}

let threadSetting: number | null = null;
let threadsRefused = '';

/**
 * Sets how many threads the wasm backend's GEMM (dense, convolution, attention projections)
 * runs on, counting the calling one; takes effect at the next `ready()` before the wasm
 * kernels have been loaded. The default is `navigator.hardwareConcurrency` (at most 4) in a
 * cross-origin isolated page, `TESSERA_WASM_THREADS` in Node (else 1: Node has the native
 * backend), and 1 wherever `SharedArrayBuffer` is missing.
 *
 * Formula: threads = max(1, ⌊n⌋). Shape: none.
 *
 * @example
 * setWasmThreads(2);
 * await ready();
 */
export function setWasmThreads(n: number): void {
  if (!Number.isFinite(n) || n < 1)
    throw new RangeError(`setWasmThreads: expected a thread count ≥ 1, got ${n}`);
  threadSetting = Math.floor(n);
}

/** The thread count `preloadWasm` asks for (see {@link setWasmThreads}). */
export function wasmThreadCount(): number {
  if (threadSetting !== null) return threadSetting;
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined>; versions?: { node?: string } };
    navigator?: { hardwareConcurrency?: number };
  };
  if (g.process?.versions?.node) {
    const env = Number(g.process.env?.TESSERA_WASM_THREADS ?? '1');
    return Number.isFinite(env) && env >= 1 ? Math.floor(env) : 1;
  }
  if (!threadSupport().ok) return 1;
  return Math.max(1, Math.min(4, g.navigator?.hardwareConcurrency ?? 1));
}

/** Why the threads asked for did not start (empty when they did, or none were asked for). */
export function wasmThreadsRefused(): string {
  return threadsRefused;
}
