/**
 * What `ready()` means in a real browser (headless Chromium): the first op works without it
 * (Chromium compiles the wasm kernels synchronously on the main thread), and where a runtime
 * refuses that, the first op runs on js with the reason naming `ready()`, and `await ready()`
 * then moves on to wasm with the tensors made before. Skipped where no Chromium is installed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromiumPath, testPageResult } from '../helpers/browser_page.js';

const entry = fileURLToPath(new URL('./ready_entry.ts', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: the page's report, read field by field below
function pageResult(query: string): Promise<Record<string, any>> {
  return testPageResult(entry, 'readyResult', query);
}

describe.skipIf(!chromiumPath)('ready() in headless Chromium', () => {
  it('is optional: the first op compiles the wasm kernels synchronously', async () => {
    const r = await pageResult('');
    expect(r.error).toBeUndefined();
    expect(r.first).toEqual([2, 3, 4]);
    expect(r.before.name).toBe('wasm');
    // The browser entry registers wasm and js only: nothing is skipped.
    expect(r.before.reason).toBe('automatic');
    expect(r.readyName).toBe('wasm');
    expect(r.after).toEqual(r.before);
    expect(r.later).toEqual([2, 4, 6]);
    console.log(
      `first op without ready(), wasm compiled synchronously: ${r.firstMs.toFixed(1)} ms`,
    );
  }, 60_000);

  it('where synchronous compilation is refused, the first op runs on js and ready() moves on to wasm', async () => {
    const r = await pageResult('?refuse');
    expect(r.error).toBeUndefined();
    expect(r.first).toEqual([2, 3, 4]);
    expect(r.before.name).toBe('js');
    expect(r.before.reason).toMatch(
      /skipped .*wasm: wasm backend: this runtime refused to compile the kernels synchronously \(WebAssembly\.Compile is disallowed.*\); call `await ready\(\)` before the first op/,
    );
    expect(r.readyName).toBe('wasm');
    expect(r.after.name).toBe('wasm');
    expect(r.after.reason).toMatch(/chosen again by ready\(\): the first ops ran on js/);
    expect(r.later).toEqual([2, 4, 6]);
  }, 60_000);
});
