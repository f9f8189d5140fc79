import { WasmRuntime } from '../src/backend/wasm/runtime.ts';
const one = WasmRuntime.load();
const two = await WasmRuntime.loadThreadedAsync(2);
for (const n of [256, 512, 1024]) {
  for (const [name, rt] of [['one', one], ['two', two]] as const) {
    rt.reset();
    const a = rt.put(Float32Array.from({ length: n * n }, () => Math.random()));
    const b = rt.put(Float32Array.from({ length: n * n }, () => Math.random()));
    const c = rt.alloc(n * n);
    rt.gemm(0, 0, n, n, n, a, n, b, n, c, n, 0);
    const reps = n <= 256 ? 50 : n <= 512 ? 10 : 3;
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) rt.gemm(0, 0, n, n, n, a, n, b, n, c, n, 0);
    const s = (performance.now() - t0) / 1000 / reps;
    console.log(n, name, rt.variant, (2 * n ** 3 / s / 1e9).toFixed(1), 'GFLOP/s');
  }
}
two.stopThreads();
