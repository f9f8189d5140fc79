/**
 * The ready() test's page script. With `?refuse`, the page first makes synchronous WebAssembly
 * compilation throw as older Chromium did on a page's main thread for modules over 4 KB; then
 * it loads the package entry, runs a first op without `ready()`, awaits `ready()`, and reports
 * which backend ran at each point and why.
 */
const refuse = new URL(location.href).searchParams.has('refuse');
if (refuse) {
  (WebAssembly as { Module: unknown }).Module = function Module() {
    throw new RangeError(
      'WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 4KB. Use WebAssembly.compile, or compile on a worker thread.',
    );
  };
}

async function run(): Promise<Record<string, unknown>> {
  const t = await import('../../src/index.browser.js');
  const t0 = performance.now();
  const x = t.tensor([1, 2, 3]);
  const first = Array.from(x.add(1).dataSync());
  const firstMs = performance.now() - t0;
  const before = t.backendInfo();
  const backend = await t.ready();
  const after = t.backendInfo();
  // The tensor made before ready() still works on the backend chosen after it.
  const later = Array.from(await x.mul(t.tensor([2, 2, 2])).data());
  return { first, firstMs, before, readyName: backend.name, after, later };
}

run().then(
  (r) => Object.assign(globalThis, { readyResult: r }),
  (e: unknown) => Object.assign(globalThis, { readyResult: { error: String(e) } }),
);
