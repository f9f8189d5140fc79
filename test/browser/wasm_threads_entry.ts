/**
 * The wasm-threads test's page script: `ready()` starts the wasm backend (with helper threads
 * where the page is cross-origin isolated), then a matmul large enough to be split runs and is
 * checked against the same product computed in float64 here.
 */
import { backendInfo, ready, tensor } from '../../src/index.browser.js';

async function run(): Promise<Record<string, unknown>> {
  await ready();
  const n = 192;
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.5));
  const c = await tensor(a, [n, n])
    .matmul(tensor(b, [n, n]))
    .data();
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * b[k * n + j]!;
      worst = Math.max(worst, Math.abs(c[i * n + j]! - s));
    }
  return {
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
    info: backendInfo(),
    worst,
  };
}

run().then(
  (r) => Object.assign(globalThis, { threadsResult: r }),
  (e: unknown) => Object.assign(globalThis, { threadsResult: { error: String(e) } }),
);
