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
import { tensor } from '../ops/creation.js';
import { JsBackend } from './cpu/index.js';
import {
  backendInfo,
  findBackend,
  getBackend,
  loadBackend,
  ready,
  registerBackend,
  registerBackendLoader,
  setBackend,
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
  it('only the entries reach the native and wasm modules, and only the Node entry the native one', () => {
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
    // The browser entry (the package's `browser` condition) registers wasm and never reaches
    // the native addon's loader.
    const browser = heavy(staticGraph('index.browser.ts'));
    expect(browser).toContain('/backend/wasm/index.ts');
    expect(browser.filter((f) => f.includes('/native/'))).toEqual([]);
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

  // Under `npm run test:backends` the backend is TESSERA_BACKEND's, which ready() keeps.
  const chosenByEnv = !!process.env.TESSERA_BACKEND;

  it.skipIf(!chosenByEnv)('ready() keeps the backend TESSERA_BACKEND chose', async () => {
    const first = getBackend();
    registerBackend('env-test', () => Object.assign(new JsBackend(), { name: 'env-test' }), 2000);
    expect(await ready()).toBe(first);
    expect(backendInfo().reason).toBe('chosen by TESSERA_BACKEND');
  });

  it.skipIf(chosenByEnv)(
    'ready() makes the automatic choice again when a backend that needed its set-up now starts',
    async () => {
      const first = getBackend();
      expect(backendInfo().reason).toMatch(/^automatic/);
      let prepared = false;
      // Like wasm where synchronous compilation is refused: the factory fails until prepare ran.
      registerBackend(
        'upgrade-test',
        () => {
          if (!prepared) throw new Error('needs its asynchronous set-up');
          return Object.assign(new JsBackend(), { name: 'upgrade-test' });
        },
        1000,
        {
          prepare: async () => {
            prepared = true;
          },
        },
      );
      const x = tensor([1, 2, 3]);
      expect(getBackend()).toBe(first);
      expect((await ready()).name).toBe('upgrade-test');
      expect(backendInfo().name).toBe('upgrade-test');
      expect(backendInfo().reason).toMatch(
        new RegExp(`chosen again by ready\\(\\): the first ops ran on ${first.name}`),
      );
      // Tensors made before move with the choice.
      expect(Array.from(await x.add(1).data())).toEqual([2, 3, 4]);
      // A choice the user made is kept.
      setBackend(first.name);
      expect((await ready()).name).toBe(first.name);
      expect(backendInfo().reason).toBe('chosen with setBackend');
    },
  );
});
