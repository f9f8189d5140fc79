/**
 * The worker-training test's page script: the same model trains once on the page's own thread
 * and once in a module worker through `trainInWorker`, with live curves drawn on the page, while
 * a 10 ms timer measures how long the page's thread was kept from running.
 */
import { fitCallbacks } from '../../src/callbacks/live_chart.js';
import {
  Dense,
  Sequential,
  backendInfo,
  randomNormal,
  setSeed,
  trainInWorker,
} from '../../src/index.browser.js';

function build(): Sequential {
  setSeed(1);
  const m = new Sequential({
    layers: [
      new Dense({ units: 256, activation: 'relu', inputShape: [256] }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Runs `work` while a 10 ms interval records the longest wait between its ticks. */
async function longestStall(work: () => Promise<unknown>): Promise<{ maxGap: number; ms: number }> {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  clearInterval(timer);
  maxGap = Math.max(maxGap, performance.now() - last);
  return { maxGap, ms };
}

async function run(): Promise<Record<string, unknown>> {
  setSeed(2);
  const x = randomNormal([2048, 256]);
  const y = x.slice([0, 0], [2048, 10]).argmax(-1);
  const args = { epochs: 2, batchSize: 256, shuffle: false } as const;
  const onPage = build();
  const page = await longestStall(() => onPage.fit(x, y, { ...args, verbose: 0 }));
  const inWorker = build();
  const worker = new Worker('/worker.js', { type: 'module' });
  const trainer = await trainInWorker(worker, inWorker);
  const div = document.createElement('div');
  document.body.appendChild(div);
  let history: Record<string, number[]> = {};
  const off = await longestStall(async () => {
    history = (await trainer.fit(x, y, { ...args, callbacks: [fitCallbacks(div)] })).history;
  });
  const acc = inWorker.evaluate(x, y, { batchSize: 512 }).accuracy;
  worker.terminate();
  return {
    pageBackend: backendInfo().name,
    workerBackend: trainer.backend,
    page,
    off,
    history,
    pageHistoryLoss: onPage.evaluate(x, y, { batchSize: 512 }).loss,
    accAfter: acc,
    svgLines: div.querySelectorAll('svg polyline, svg path').length,
  };
}

run().then(
  (r) => Object.assign(globalThis, { workerResult: r }),
  (e: unknown) => Object.assign(globalThis, { workerResult: { error: String(e) } }),
);
