/**
 * Which backend runs. Backends register a factory with a priority; the first call to
 * {@link getBackend} picks the highest-priority one that initialises, unless `setBackend` or the
 * `TESSERA_BACKEND` environment variable names one.
 */
import { ValueError } from '../errors.js';
import type { Backend } from './backend.js';
import { JsBackend } from './cpu/index.js';
import { createNativeBackend } from './native/index.js';
import { createWasmBackend } from './wasm/index.js';
import { preloadWasm } from './wasm/runtime.js';

interface Entry {
  factory: () => Backend;
  priority: number;
  instance?: Backend;
  error?: string;
}

const registry = new Map<string, Entry>();
let current: Backend | null = null;
let reason = '';

/**
 * Registers a backend under `name`. Higher `priority` wins automatic selection.
 *
 * @example
 * registerBackend('mine', () => new MyBackend(), 10);
 */
export function registerBackend(name: string, factory: () => Backend, priority = 0): void {
  registry.set(name, { factory, priority });
}

function instantiate(name: string): Backend {
  const e = registry.get(name);
  if (!e) {
    throw new ValueError(
      `setBackend: unknown backend '${name}'; registered: ${[...registry.keys()].join(', ')}`,
    );
  }
  if (!e.instance) {
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
  return current;
}

/** The backend ops run on; chosen on first use. */
export function getBackend(): Backend {
  if (current) return current;
  const fromEnv = envBackend();
  if (fromEnv) {
    current = instantiate(fromEnv);
    reason = 'chosen by TESSERA_BACKEND';
    return current;
  }
  const skipped: string[] = [];
  for (const [name, e] of [...registry.entries()].sort((a, b) => b[1].priority - a[1].priority)) {
    try {
      current = instantiate(name);
      reason = skipped.length ? `automatic; skipped ${skipped.join('; ')}` : 'automatic';
      return current;
    } catch {
      skipped.push(`${name}: ${e.error}`);
    }
  }
  throw new ValueError(`getBackend: no backend could start (${skipped.join('; ')})`);
}

/**
 * Prepares the backends that need asynchronous set-up (the wasm kernels are compiled off the
 * main thread, which browsers require for modules of this size), then makes the automatic
 * choice. Call it once before the first op in a browser; in Node it is optional.
 *
 * @example
 * const backend = await ready(); // backend.name: 'native', 'wasm' or 'js'
 */
export async function ready(): Promise<Backend> {
  try {
    await preloadWasm();
  } catch {
    // No WebAssembly SIMD here: the automatic choice skips wasm and says why.
  }
  return getBackend();
}

/** Which backend runs and why, plus every registered backend. */
export function backendInfo(): { name: string; reason: string; registered: string[] } {
  const b = getBackend();
  return { name: b.name, reason, registered: [...registry.keys()] };
}

/** A registered backend by name (started if needed), without making it current. */
export function findBackend(name: string): Backend {
  return instantiate(name);
}

registerBackend('js', () => new JsBackend(), 0);
registerBackend('native', () => createNativeBackend(), 20);
registerBackend('wasm', () => createWasmBackend(), 10);
