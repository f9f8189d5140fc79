import { loadAddon } from '../src/backend/native/addon.ts';
const r = loadAddon() as { addon: any };
const addon = r.addon;
// geometry layout from native/index packGeo: use the backend's provider instead for geo
import { NativeProvider } from '../src/backend/native/index.ts';
const p = new (NativeProvider as any)(addon);
const n = 64, h = 28, w = 28, c = 1, cout = 32;
const x = Float32Array.from({ length: n * h * w * c }, () => Math.random());
const f = Float32Array.from({ length: 9 * c * cout }, () => Math.random() - 0.5);
const bias = Float32Array.from({ length: cout }, () => 0.1);
const args = { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 };
for (const name of ['conv2d', 'conv2dBiasActivation']) {
  for (let i = 0; i < 5; i++) name === 'conv2d' ? p.conv2d(x, [n, h, w, c], f, [3, 3, c, cout], args) : p.conv2dBiasActivation(x, [n, h, w, c], f, [3, 3, c, cout], args, bias, true);
  const t0 = performance.now();
  const reps = 50;
  for (let i = 0; i < reps; i++) name === 'conv2d' ? p.conv2d(x, [n, h, w, c], f, [3, 3, c, cout], args) : p.conv2dBiasActivation(x, [n, h, w, c], f, [3, 3, c, cout], args, bias, true);
  console.log(name, ((performance.now() - t0) / reps).toFixed(3), 'ms');
}
{
  const geo = (p as any).constructor.name && null;
}
import * as nat from '../src/backend/native/index.ts';
