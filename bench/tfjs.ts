/**
 * TensorFlow.js backends for `npm run bench`: `cpu` always, `wasm` when
 * `@tensorflow/tfjs-backend-wasm` loads from its own `dist/` folder in node_modules (nothing is
 * fetched at run time). The wasm backend is single-threaded in Node, like Tessera's `js` backend
 * and tfjs's `cpu` backend.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type TfjsBackendName = 'cpu' | 'wasm';

export interface TfjsBackends {
  /** The backends that initialised, `cpu` first. */
  available: TfjsBackendName[];
  /** Why `wasm` is missing from `available`, when it is. */
  wasmUnavailable?: string;
  /** Whether the wasm module found SIMD support. */
  wasmSimd?: boolean;
}

let loading: Promise<TfjsBackends> | undefined;

/** Initialises tfjs's backends once per process; later calls return the same answer. */
export function tfjsBackends(): Promise<TfjsBackends> {
  loading ??= load();
  return loading;
}

async function load(): Promise<TfjsBackends> {
  const out: TfjsBackends = { available: [] };
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: the cpu backend did not initialise');
  out.available.push('cpu');
  if (process.env.TESSERA_BENCH_NO_WASM) {
    out.wasmUnavailable = 'disabled by TESSERA_BENCH_NO_WASM';
    return out;
  }
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    // A plain directory path with a trailing separator: the Emscripten loader in Node reads
    // `${prefix}tfjs-backend-wasm[-simd].wasm` from disk.
    wasm.setWasmPaths(join(dirname(pkg), 'dist') + sep);
    const ok = await withQuietWarnings(() => tf.setBackend('wasm'));
    if (!ok)
      throw new Error('tf.setBackend("wasm") returned false (the .wasm binary did not load)');
    out.available.push('wasm');
    out.wasmSimd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  } catch (e) {
    out.wasmUnavailable = e instanceof Error ? e.message : String(e);
  }
  await tf.setBackend('cpu');
  return out;
}

/** Runs `f` with console.warn muted; when `f` answers false, throws the first warning. */
async function withQuietWarnings<T>(f: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  const reasons: unknown[] = [];
  console.warn = (...a: unknown[]) => reasons.push(a.join(' '));
  try {
    const r = await f();
    // Emscripten warns the root cause first (e.g. `Aborted(Error: ENOENT: … .wasm')`), then
    // tfjs 'Initialization of backend wasm failed' and a hint about serving the file.
    const first = reasons[0];
    if (!r && first !== undefined) throw new Error(String(first).split('\n')[0]);
    return r;
  } finally {
    console.warn = warn;
  }
}

/** A one-line description of the tfjs backends, for headers and notes. */
export function describeTfjs(b: TfjsBackends): string {
  const wasm = b.available.includes('wasm')
    ? `wasm (${b.wasmSimd ? 'SIMD' : 'no SIMD'}, 1 thread)`
    : `wasm unavailable: ${b.wasmUnavailable}`;
  return `tfjs ${tf.version.tfjs}: cpu, ${wasm}`;
}
