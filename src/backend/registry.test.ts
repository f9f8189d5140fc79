/**
 * Lazy backend registration: a backend registered with a loader is not imported until
 * `ready()`/`loadBackend` asks, and nothing but the Node entry imports the native and wasm
 * backends' modules, so a bundle of the rest never reaches them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { JsBackend } from './cpu/index.js';
import {
  findBackend,
  getBackend,
  loadBackend,
  ready,
  registerBackend,
  registerBackendLoader,
} from './registry.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every source file `entry` reaches through value imports and re-exports (not `import type`). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [resolve(SRC, entry)];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const re = /^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm;
    for (const m of text.matchAll(re)) {
      todo.push(join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    }
  }
  return seen;
}

describe('lazy backend registration', () => {
  it('only the Node entry reaches the native and wasm modules', () => {
    const heavy = (files: Set<string>) =>
      [...files]
        .filter((f) => /backend[\\/](native|wasm)[\\/]/.test(f))
        .map((f) => f.slice(SRC.length));
    for (const entry of [
      'backend/registry.ts',
      'ops/tensor_methods.ts',
      'layers/index.ts',
      'models/model.ts',
      'io/save_load.ts',
    ]) {
      expect({ entry, heavy: heavy(staticGraph(entry)) }).toEqual({ entry, heavy: [] });
    }
    const node = heavy(staticGraph('index.ts'));
    expect(node).toContain('/backend/native/index.ts');
    expect(node).toContain('/backend/wasm/index.ts');
  });

  it('imports a loader-registered backend only when asked, once', async () => {
    let loads = 0;
    let prepared = 0;
    registerBackendLoader(
      'lazy-test',
      async () => {
        loads++;
        return () => Object.assign(new JsBackend(), { name: 'lazy-test' });
      },
      -10,
      {
        prepare: async () => {
          prepared++;
        },
      },
    );
    expect(loads).toBe(0);
    expect(() => findBackend('lazy-test')).toThrow(ValueError);
    expect(() => findBackend('lazy-test')).toThrow(
      /backend 'lazy-test' is not loaded yet \(registered lazily: await ready\(\) or loadBackend\('lazy-test'\) first\)/,
    );
    const b = await loadBackend('lazy-test');
    expect(b.name).toBe('lazy-test');
    expect(findBackend('lazy-test')).toBe(b);
    await ready();
    await loadBackend('lazy-test');
    expect([loads, prepared]).toEqual([1, 1]);
    // The automatic choice is unchanged: the lazy backend has the lowest priority.
    expect(getBackend().name).not.toBe('lazy-test');
  });

  it('a loader that fails is reported, and ready() still resolves', async () => {
    registerBackendLoader('broken-test', () => Promise.reject(new Error('no such module')), -20);
    await expect(loadBackend('broken-test')).rejects.toThrow(
      "loadBackend: backend 'broken-test' its module failed to load: no such module",
    );
    await expect(ready()).resolves.toBeDefined();
    expect(() => findBackend('broken-test')).toThrow(/not loaded yet/);
  });

  it('a factory registration starts synchronously', () => {
    registerBackend('sync-test', () => Object.assign(new JsBackend(), { name: 'sync-test' }), -30);
    expect(findBackend('sync-test').name).toBe('sync-test');
    expect(() => findBackend('nope')).toThrow(/unknown backend 'nope'; registered: .*sync-test/);
  });
});
