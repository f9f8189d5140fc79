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
export type KernelVariant = 'simd128' | 'relaxed-simd';

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
  private readonly base: number;
  private top: number;
  private view: Float32Array;

  private constructor(k: KernelExports, variant: KernelVariant) {
    this.k = k;
    this.variant = variant;
    this.work = alignUp(k.heapBase(), ALIGN);
    this.base = alignUp(this.work + k.gemmWorkBytes(), ALIGN);
    this.top = this.base;
    this.ensure(this.base);
    this.view = new Float32Array(k.memory.buffer);
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
  shared ??= await WasmRuntime.loadAsync();
}
