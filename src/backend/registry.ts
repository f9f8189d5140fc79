/**
 * Which backend runs. Backends register with a priority; the first call to {@link getBackend}
 * picks the highest-priority one that starts, unless `setBackend` or the `TESSERA_BACKEND`
 * environment variable names one.
 *
 * Registration is lazy: this module imports only the js backend (the fallback every runtime
 * has). A backend registers either a factory (its module already imported) or a loader (an
 * `import()` that runs only when {@link ready} or {@link loadBackend} asks), so a bundle that
 * never uses a backend never loads its module. The Node entry registers native and wasm
 * (`node_backends.ts`); a browser entry registers wasm through a loader.
 */
import { ValueError } from '../errors.js';
import type { Backend } from './backend.js';
import { JsBackend } from './cpu/index.js';

/** Options of {@link registerBackend}. */
export interface BackendRegistration {
  /** Asynchronous set-up to run in {@link ready} before the factory (e.g. compiling wasm). */
  prepare?: () => Promise<void>;
}

interface Entry {
  factory?: () => Backend;
  loader?: () => Promise<() => Backend>;
  prepare?: () => Promise<void>;
  priority: number;
  instance?: Backend;
  error?: string;
}

const registry = new Map<string, Entry>();
let current: Backend | null = null;
let reason = '';
/** Whether `current` is the automatic choice (not setBackend's or TESSERA_BACKEND's). */
let automatic = false;

/**
 * Registers a backend under `name` with a factory. Higher `priority` wins automatic selection.
 *
 * @example
 * registerBackend('mine', () => new MyBackend(), 10);
 */
export function registerBackend(
  name: string,
  factory: () => Backend,
  priority = 0,
  opts: BackendRegistration = {},
): void {
  registry.set(name, { factory, priority, prepare: opts.prepare });
}

/**
 * Registers a backend whose module is imported only when needed: `load` (typically
 * `() => import('./mine.js').then((m) => m.createMine)`) runs in {@link ready} or
 * {@link loadBackend}; until then automatic selection skips the backend and says so.
 *
 * @example
 * registerBackendLoader('wasm', () => import('./wasm/index.js').then((m) => m.createWasmBackend), 10);
 * await ready(); // imports the module, then chooses
 */
export function registerBackendLoader(
  name: string,
  load: () => Promise<() => Backend>,
  priority = 0,
  opts: BackendRegistration = {},
): void {
  registry.set(name, { loader: load, priority, prepare: opts.prepare });
}

/**
 * Imports a lazily registered backend's module (and runs its set-up) so that it can be chosen;
 * resolves to the started backend. A backend registered with a factory just starts.
 *
 * @example
 * setBackend((await loadBackend('wasm')).name);
 */
export async function loadBackend(name: string): Promise<Backend> {
  await prepareEntry(name, true);
  return instantiate(name);
}

/** Imports a lazy entry's module and runs its set-up, once; `strict` rethrows a failed import. */
async function prepareEntry(name: string, strict: boolean): Promise<void> {
  const e = entryOf(name);
  if (e.loader && !e.factory) {
    try {
      e.factory = await e.loader();
    } catch (err) {
      e.error = `its module failed to load: ${err instanceof Error ? err.message : String(err)}`;
      if (strict) throw new ValueError(`loadBackend: backend '${name}' ${e.error}`);
      return;
    }
  }
  const prepare = e.prepare;
  e.prepare = undefined;
  if (prepare) {
    try {
      await prepare();
    } catch {
      // The factory reports what is missing (e.g. no WebAssembly SIMD here).
    }
  }
}

function entryOf(name: string): Entry {
  const e = registry.get(name);
  if (!e) {
    throw new ValueError(
      `setBackend: unknown backend '${name}'; registered: ${[...registry.keys()].join(', ')}`,
    );
  }
  return e;
}

function instantiate(name: string): Backend {
  const e = entryOf(name);
  if (!e.instance) {
    if (!e.factory) {
      e.error = `not loaded yet (registered lazily: await ready() or loadBackend('${name}') first)`;
      throw new ValueError(`setBackend: backend '${name}' is ${e.error}`);
    }
    try {
      e.instance = e.factory();
    } catch (err) {
      e.error = err instanceof Error ? err.message : String(err);
      throw new ValueError(`setBackend: backend '${name}' failed to start: ${e.error}`);
    }
  }
  return e.instance;
}

function envBackend(): string | undefined {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return g.process?.env?.TESSERA_BACKEND || undefined;
}

/** Makes `name` the backend for every op that follows. */
export function setBackend(name: string): Backend {
  current = instantiate(name);
  reason = 'chosen with setBackend';
  automatic = false;
  return current;
}

/** The backend ops run on; chosen on first use. */
export function getBackend(): Backend {
  if (current) return current;
  const fromEnv = envBackend();
  if (fromEnv) {
    current = instantiate(fromEnv);
    reason = 'chosen by TESSERA_BACKEND';
    automatic = false;
    return current;
  }
  const skipped: string[] = [];
  for (const [name, e] of [...registry.entries()].sort((a, b) => b[1].priority - a[1].priority)) {
    try {
      current = instantiate(name);
      reason = skipped.length ? `automatic; skipped ${skipped.join('; ')}` : 'automatic';
      automatic = true;
      return current;
    } catch {
      skipped.push(`${name}: ${e.error}`);
    }
  }
  throw new ValueError(`getBackend: no backend could start (${skipped.join('; ')})`);
}

/**
 * Loads the lazily registered backends and runs the set-up that is better done asynchronously
 * (the wasm kernels are compiled with `WebAssembly.compile`, off the main thread), then makes
 * the automatic choice — or makes it again, when the first op already made it without them.
 *
 * Optional everywhere: without it, the first op starts the best backend it can synchronously.
 * Node and Chromium compile the wasm module synchronously on first use (the old 4 KB limit on
 * synchronous compilation in a page's main thread is gone), which blocks the page for the
 * compile; `await ready()` first keeps the page responsive, loads backends registered with a
 * loader, and settles the choice before any op. Where a runtime does refuse synchronous
 * compilation, the first op runs on `js` (its `backendInfo().reason` says why), and a later
 * `await ready()` moves on to the backend that needed it: tensors made before move with it.
 *
 * Formula: chosen = argmax over priority of the backends that start, after every set-up ran.
 *
 * Shape: none.
 *
 * @example
 * const backend = await ready(); // backend.name: 'native', 'wasm' or 'js'
 */
export async function ready(): Promise<Backend> {
  // A failed import is recorded on its entry; the automatic choice then skips it and says why.
  for (const name of registry.keys()) await prepareEntry(name, false);
  if (current && automatic) {
    // The choice made before the set-up ran may have skipped a backend that now starts.
    const before = current;
    current = null;
    if (getBackend() !== before)
      reason += ` (chosen again by ready(): the first ops ran on ${before.name})`;
  }
  return getBackend();
}

/**
 * Which backend runs and why, every registered backend, and what the running one is made of
 * (`detail`: for native, whether its addon was prebuilt in the package or compiled at install).
 */
export function backendInfo(): {
  name: string;
  reason: string;
  registered: string[];
  detail?: string;
} {
  const b = getBackend();
  const info = { name: b.name, reason, registered: [...registry.keys()] };
  return b.detail === undefined ? info : { ...info, detail: b.detail };
}

/** A registered backend by name (started if needed), without making it current. */
export function findBackend(name: string): Backend {
  return instantiate(name);
}

registerBackend('js', () => new JsBackend(), 0);
