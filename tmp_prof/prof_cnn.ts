import { getBackend } from '../src/backend/registry.ts';
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential, randomNormal, setSeed, tensor } from '../src/index.ts';
const which = process.argv[2] ?? 'cnn';
const quiet = process.argv.includes('--quiet');
const be = getBackend() as unknown as Record<string, unknown>;
const times = new Map<string, [number, number]>();
let on = false;
const seen = new Set<string>();
for (let p = Object.getPrototypeOf(be); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
  for (const k of Object.getOwnPropertyNames(p)) {
    if (k === 'constructor' || seen.has(k)) continue;
    const d = Object.getOwnPropertyDescriptor(p, k);
    if (!d || typeof d.value !== 'function') continue;
    seen.add(k);
    const f = d.value as (...a: unknown[]) => unknown;
    (p as Record<string, unknown>)[k] = function (this: unknown, ...a: unknown[]) {
      if (!on) return f.apply(this, a);
      const t0 = performance.now();
      try { return f.apply(this, a); } finally {
        const key = k === 'binary' ? `binary ${a[0]} ${JSON.stringify(a[2])}x${JSON.stringify(a[4])}` : k.startsWith('conv') ? `${k} ${JSON.stringify(a[1]).slice(0, 40)} ${JSON.stringify(a[3]).slice(0, 40)}` : k;
        const e = times.get(key) ?? [0, 0]; e[0] += performance.now() - t0; e[1]++; times.set(key, e);
      }
    };
  }
}
setSeed(1);
let m: Sequential, x, y, batch: number, n: number;
if (which === 'cnn') {
  n = 1024; batch = 64;
  x = randomNormal([n, 28, 28, 1]); y = randomNormal([n, 10]).softmax();
  m = new Sequential({ layers: [new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), new MaxPooling2D({ poolSize: 2 }), new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }), new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
} else if (which === 'convnet') {
  n = 1024; batch = 64;
  x = randomNormal([n, 28, 28, 1]); y = randomNormal([n, 10]).softmax();
  m = new Sequential({ layers: [new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), new MaxPooling2D({ poolSize: 2 }), new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }), new MaxPooling2D({ poolSize: 2 }), new Conv2D({ filters: 128, kernelSize: 3, activation: 'relu' }), new Flatten(), new Dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy' });
} else {
  n = 8192; batch = 128;
  x = randomNormal([n, 784]); y = randomNormal([n, 10]).softmax();
  m = new Sequential({ layers: [new Dense({ units: 512, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
}
await m.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0 });
on = true;
const t0 = performance.now();
await m.fit(x, y, { epochs: Number(process.env.EPOCHS ?? 2), batchSize: batch, verbose: 0 });
const total = performance.now() - t0;
on = false;
console.log(which, getBackend().name, 'samples/s', ((Number(process.env.EPOCHS ?? 2) * n) / total * 1000).toFixed(0), 'total ms', total.toFixed(0));
let sum = 0;
if (!quiet) for (const [k, [t, c]] of [...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25)) { sum += t; console.log(k.padEnd(28), t.toFixed(1).padStart(8), 'ms', String(c).padStart(6)); }
if (!quiet) console.log('sum top', sum.toFixed(0));
import { compiledStepInfo } from '../src/models/trainer.ts';
const st = compiledStepInfo(m).train.compiled[0]?.stats;
if (st) console.log('stats', JSON.stringify({ fused: st.fused, replayed: st.replayed, lastStepAllocatedBytes: st.lastStepAllocatedBytes, lastStepAllocations: st.lastStepAllocations, arenaHeldBytes: st.arenaHeldBytes, recycled: st.recycled }));
