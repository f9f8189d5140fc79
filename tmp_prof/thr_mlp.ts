import { CpuBackend } from '../src/backend/cpu/index.ts';
import { registerBackend, setBackend } from '../src/backend/registry.ts';
import { WasmProvider } from '../src/backend/wasm/index.ts';
import { WasmRuntime } from '../src/backend/wasm/runtime.ts';
import { Dense, Sequential, randomNormal, setSeed, Conv2D, MaxPooling2D, Flatten } from '../src/index.ts';
const one = WasmRuntime.load();
const two = await WasmRuntime.loadThreadedAsync(2);
registerBackend('w1', () => new CpuBackend(new WasmProvider(one)), -100);
registerBackend('w2', () => new CpuBackend(new WasmProvider(two)), -100);
for (const round of [0, 1]) for (const name of ['w1', 'w2']) {
  setBackend(name);
  setSeed(1);
  const x = randomNormal([8192, 784]); const y = randomNormal([8192, 10]).softmax();
  const m = new Sequential({ layers: [new Dense({ units: 512, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  const xc = randomNormal([1024, 28, 28, 1]); const yc = randomNormal([1024, 10]).softmax();
  const c = new Sequential({ layers: [new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), new MaxPooling2D({ poolSize: 2 }), new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }), new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 10, activation: 'softmax' })] });
  c.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const t1 = performance.now();
  await c.fit(xc, yc, { epochs: 1, batchSize: 64, verbose: 0 });
  const s2 = (performance.now() - t1) / 1000;
  if (round) console.log(name, 'mlp_train', (8192 / s).toFixed(0), 'samples/s; cnn_train', (1024 / s2).toFixed(0), 'samples/s');
}
two.stopThreads();
