/**
 * Backend-owned storage lifecycle: memory behind a handle is freed by the backend's
 * FinalizationRegistry once no tensor, view or variable holds the handle, and never while one
 * does; adopted handles (a compiled graph's arena) are never freed by the collector.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { getBackend } from './registry.js';
import { StorageLifecycle } from './storage.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until `done()` holds (finalizers run in later turns), or gives up after 50 rounds. */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A pretend device: numbered buffers in a map, freed by the lifecycle. */
function device() {
  const memory = new Map<number, Float32Array>();
  let next = 0;
  const life = new StorageLifecycle<number>((id) => memory.delete(id));
  const alloc = (n: number): { backend: string; id: number } => {
    const id = next++;
    memory.set(id, new Float32Array(n));
    const handle = { backend: 'device', id };
    life.track(handle, id, n * 4);
    return handle;
  };
  return { memory, life, alloc };
}

describe('StorageLifecycle', () => {
  it('frees the memory of handles nobody holds, and only those', async () => {
    const d = device();
    let kept: { id: number }[] = [];
    (() => {
      for (let i = 0; i < 100; i++) {
        const h = d.alloc(256);
        if (i % 10 === 0) kept.push(h);
      }
    })();
    expect(d.life.stats()).toMatchObject({ live: 100, liveBytes: 100 * 1024, released: 0 });
    await collectUntil(() => d.memory.size === 10);
    expect(d.memory.size).toBe(10);
    expect([...d.memory.keys()].sort((a, b) => a - b)).toEqual(kept.map((h) => h.id));
    expect(d.life.stats()).toMatchObject({ live: 10, liveBytes: 10 * 1024, released: 90 });
    kept = [];
    await collectUntil(() => d.memory.size === 0);
    expect(d.life.stats()).toMatchObject({ live: 0, liveBytes: 0, released: 100 });
  });

  it('a handle shared by tensors (detach, views) lives until the last one is gone', async () => {
    const d = device();
    const b = getBackend();
    let view: Tensor | null = null;
    (() => {
      const t = new Tensor(d.alloc(4), [4], 'float32', b);
      view = t.detach(); // same storage, no copy
    })();
    await collectUntil(() => d.memory.size === 0);
    expect(d.memory.size).toBe(1); // the detached tensor still holds the handle
    view = null;
    await collectUntil(() => d.memory.size === 0);
    expect(view).toBe(null);
    expect(d.memory.size).toBe(0);
  });

  it('adopted handles are left to their new owner', async () => {
    const d = device();
    (() => {
      const h = d.alloc(8);
      expect(d.life.adopt(h, 32)).toBe(true);
      expect(d.life.adopt(h, 32)).toBe(false);
    })();
    await collectUntil(() => false);
    expect(d.memory.size).toBe(1);
    expect(d.life.stats()).toMatchObject({ live: 0, released: 0, adopted: 1 });
  });
});
