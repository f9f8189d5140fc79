/**
 * wasm threads in headless Chromium: a cross-origin isolated page (COOP/COEP) gets the wasm
 * backend on `navigator.hardwareConcurrency` threads (at most 4) after `ready()`, and the split
 * GEMM is right; a page that is not isolated has no SharedArrayBuffer and runs on one thread.
 * Skipped where no Chromium is installed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromiumPath, testPageResult } from '../helpers/browser_page.js';

const entry = fileURLToPath(new URL('./wasm_threads_entry.ts', import.meta.url));

function result(headers: Record<string, string>): Promise<Record<string, never>> {
  return testPageResult(entry, 'threadsResult', '', {}, headers);
}

describe.skipIf(!chromiumPath)('wasm threads in headless Chromium', () => {
  it('a cross-origin isolated page runs GEMM on helper threads', async () => {
    const r = await result({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(true);
    const info = r.info as { name: string; detail: string };
    expect(info.name).toBe('wasm');
    const threads = Math.min(4, r.cores as number);
    expect(info.detail).toBe(
      threads > 1
        ? `relaxed-simd-threads kernels, ${threads} threads`
        : 'relaxed-simd kernels, one thread',
    );
    expect(r.worst as number).toBeLessThan(1e-3);
  }, 60_000);

  it('a page that is not isolated runs on one thread', async () => {
    const r = await result({});
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(false);
    expect((r.info as { detail: string }).detail).toMatch(/kernels, one thread$/);
    expect(r.worst as number).toBeLessThan(1e-3);
  }, 60_000);
});
