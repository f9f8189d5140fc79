import { loadAddon } from '../src/backend/native/addon.ts';
import { NativeProvider } from '../src/backend/native/index.ts';
const addon = (loadAddon() as { addon: any }).addon;
let geo: Int32Array | null = null;
const orig = addon.conv2d.bind(addon);
const spy = Object.create(addon);
spy.conv2d = (g: Int32Array, ...rest: unknown[]) => { geo = g; return orig(g, ...rest); };
spy.info = () => addon.info();
const p = new (NativeProvider as any)(spy, 'x');
const cases = [[64, 28, 28, 1, 32], [64, 13, 13, 32, 64], [64, 5, 5, 64, 128]];
for (const [n, h, w, c, cout] of cases) {
  const x = Float32Array.from({ length: n * h * w * c }, () => Math.random());
  const f = Float32Array.from({ length: 9 * c * cout }, () => Math.random() - 0.5);
  const args = { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 };
  const y0 = p.conv2d(x, [n, h, w, c], f, [3, 3, c, cout], args);
  const out = new Float32Array(y0.length);
  for (let i = 0; i < 5; i++) addon.conv2d(geo, x, f, out, cout);
  const reps = 50;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) addon.conv2d(geo, x, f, out, cout);
  const ms = (performance.now() - t0) / reps;
  const macs = (y0.length) * 9 * c;
  console.log(`[${n},${h},${w},${c}]→${cout}: ${ms.toFixed(3)} ms, ${(macs * 2 / ms / 1e6).toFixed(1)} GFLOP/s`);
}
