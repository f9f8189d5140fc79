/**
 * wasm threads: helper threads that run GEMM row blocks on the same shared memory as the
 * calling thread. Each helper instantiates the threaded kernels on that memory and waits on its
 * control block (`Atomics.wait`); the caller writes a job's arguments there, bumps the block's
 * generation and wakes it, runs its own rows, and waits for every helper's `done` to reach the
 * generation. Helpers are Node `worker_threads` (unref'd, so they never keep a process alive) or
 * a page's Web Workers; both need `SharedArrayBuffer`, which a page has only when it is
 * cross-origin isolated.
 */
import { nodeBuiltin } from '../../io/node_builtin.js';

/** 16 int32 per helper: generation, done, then the 12 integer arguments of `gemm`. */
export const CONTROL_INTS = 16;

/** What can run helper threads here, or why nothing can. */
export function threadSupport(): { ok: true; kind: 'node' | 'web' } | { ok: false; why: string } {
  const g = globalThis as {
    SharedArrayBuffer?: unknown;
    Atomics?: unknown;
    crossOriginIsolated?: boolean;
    Worker?: unknown;
    process?: { versions?: { node?: string } };
  };
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object')
    return {
      ok: false,
      why: 'SharedArrayBuffer is not available (a page must be cross-origin isolated)',
    };
  if (g.process?.versions?.node) return { ok: true, kind: 'node' };
  if (g.crossOriginIsolated === false)
    return { ok: false, why: 'the page is not cross-origin isolated (COOP/COEP headers)' };
  if (typeof g.Worker !== 'function') return { ok: false, why: 'no Worker constructor here' };
  return { ok: true, kind: 'web' };
}

// The helper's whole program, the same text for Node (an eval'd CommonJS worker) and for a page
// (a Blob module worker). It owns nothing: the job's pointers all point into the shared memory.
const HELPER = `
const port = typeof require === 'function' ? require('node:worker_threads').parentPort : self;
const onMessage = (f) => port.on ? port.on('message', f) : port.addEventListener('message', (e) => f(e.data));
onMessage(({ module, memory, ctrl, work }) => {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = ctrl >> 2;
  port.postMessage('ready');
  let seen = 0;
  for (;;) {
    Atomics.wait(new Int32Array(memory.buffer), c, seen);
    const v = new Int32Array(memory.buffer);
    const gen = Atomics.load(v, c);
    if (gen < 0) return;
    seen = gen;
    const a = c + 2;
    k.gemm(v[a], v[a + 1], v[a + 2], v[a + 3], v[a + 4], v[a + 5], v[a + 6], v[a + 7], v[a + 8], v[a + 9], v[a + 10], v[a + 11], work);
    Atomics.store(v, c + 1, gen);
    Atomics.notify(v, c + 1);
  }
});
`;

interface Helper {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

/**
 * The helper threads of one shared memory, started by {@link startHelpers}.
 *
 * @example
 * const pool = await startHelpers(module, memory, [ctrl1], [work1]); // one helper
 */
export class HelperPool {
  private gen = 0;
  /** Whether `Atomics.wait` may block this thread (not a page's main thread). */
  private readonly canBlock: boolean;

  constructor(
    private readonly memory: WebAssembly.Memory,
    /** Byte address of each helper's control block. */
    readonly controls: readonly number[],
    /** Byte address of each helper's GEMM packing workspace. */
    readonly works: readonly number[],
    private readonly helpers: Helper[],
  ) {
    const g = globalThis as { document?: unknown };
    this.canBlock = !g.document;
  }

  /** Helper threads (the calling thread makes one more). */
  get size(): number {
    return this.helpers.length;
  }

  /**
   * Runs `jobs[i]` (the 12 integer arguments of `gemm` before its workspace) on helper i, while
   * the caller does its own share; `wait()` then returns once every helper has finished.
   */
  dispatch(jobs: readonly (readonly number[])[]): void {
    const v = new Int32Array(this.memory.buffer);
    this.gen = (this.gen + 1) & 0x3fffffff;
    for (let h = 0; h < jobs.length; h++) {
      const c = this.controls[h]! >> 2;
      v.set(jobs[h]!, c + 2);
      Atomics.store(v, c, this.gen);
      Atomics.notify(v, c);
    }
    this.pending = jobs.length;
  }

  private pending = 0;

  /** Waits for the helpers given work by the last {@link dispatch}. */
  wait(): void {
    const v = new Int32Array(this.memory.buffer);
    for (let h = 0; h < this.pending; h++) {
      const d = (this.controls[h]! >> 2) + 1;
      for (;;) {
        const seen = Atomics.load(v, d);
        if (seen === this.gen) break;
        // A page's main thread may not block: it spins (the helper is already running).
        if (this.canBlock) Atomics.wait(v, d, seen, 50);
      }
    }
    this.pending = 0;
  }

  /** Ends the helpers. */
  stop(): void {
    const v = new Int32Array(this.memory.buffer);
    for (const c of this.controls) {
      Atomics.store(v, c >> 2, -1);
      Atomics.notify(v, c >> 2);
    }
    for (const h of this.helpers) void h.terminate();
  }
}

/**
 * Starts one helper thread per control block, each instantiating `module` on `memory`, and
 * resolves when all are ready.
 *
 * Formula: none (threads). Shape: one helper per entry of `controls`.
 *
 * @example const pool = await startHelpers(module, memory, controls, works);
 */
export async function startHelpers(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  controls: readonly number[],
  works: readonly number[],
): Promise<HelperPool> {
  const support = threadSupport();
  if (!support.ok) throw new Error(`wasm threads: ${support.why}`);
  const helpers: Helper[] = [];
  const started: Promise<void>[] = [];
  for (let i = 0; i < controls.length; i++) {
    const msg = { module, memory, ctrl: controls[i], work: works[i] };
    if (support.kind === 'node') {
      const wt = nodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
      const w = new wt.Worker(HELPER, { eval: true, execArgv: [] });
      w.unref();
      helpers.push(w);
      started.push(
        new Promise((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
      );
      w.postMessage(msg);
    } else {
      const url = URL.createObjectURL(new Blob([HELPER], { type: 'text/javascript' }));
      const w = new Worker(url);
      helpers.push(w);
      started.push(
        new Promise((resolve, reject) => {
          w.addEventListener('message', () => resolve(), { once: true });
          w.addEventListener('error', (e) => reject(new Error(e.message)), { once: true });
        }),
      );
      w.postMessage(msg);
    }
  }
  try {
    await Promise.all(started);
  } catch (e) {
    for (const h of helpers) void h.terminate();
    throw e;
  }
  return new HelperPool(memory, controls, works, helpers);
}
