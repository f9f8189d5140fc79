/**
 * The playground page: train a network on the embedded digits (or on MNIST from a dropped
 * Keras `mnist.npz`) with live curves and per-epoch histograms, draw a digit and see the
 * prediction, open a dropped `.keras` / `model.json` (summary, graph, a run on
 * random input), and keep the model in IndexedDB. Built from the library's sources by
 * scripts/playground.mjs and served on 127.0.0.1.
 */
import {
  Dense,
  Dropout,
  type Model,
  Sequential,
  type Tensor,
  backendInfo,
  fitCallbacks,
  histogramCallbacks,
  loadDigits,
  loadModel,
  pageProgbar,
  plotModel,
  randomNormal,
  readNpz,
  ready,
  saveModel,
  setSeed,
  tensor,
} from '../src/index.browser.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const digits = loadDigits();
let model: Model | null = null;
/** The test set of the data the model was trained on (the digits, or a dropped MNIST). */
let testSet: { x: Tensor; y: Tensor } = { x: digits.xTest, y: digits.yTest };

function showAccuracy(m: Model): void {
  const r = m.evaluate(testSet.x, testSet.y);
  $('accuracy').textContent = (r.accuracy ?? Number.NaN).toFixed(4);
}

/** Trains an MLP on `x`, `y` with live curves, the page progress bar and per-epoch histograms. */
async function trainOn(
  name: string,
  x: Tensor,
  y: Tensor,
  test: { x: Tensor; y: Tensor },
  batchSize: number,
): Promise<void> {
  setSeed(7);
  const features = x.shape[1]!;
  const m = new Sequential({
    name,
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [features] }),
      new Dropout({ rate: 0.1 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  $('status').textContent = `training on ${x.shape[0]} samples…`;
  await m.fit(x, y, {
    epochs: Number(($('epochs') as HTMLInputElement).value) || 30,
    batchSize,
    validationSplit: 0.1,
    verbose: 0,
    callbacks: [
      fitCallbacks($('chart'), { batchIntervalMs: 250 }),
      pageProgbar($('progress')),
      // Each layer's kernel and its outputs on a few test samples, redrawn every epoch.
      histogramCallbacks($('weights'), {
        sample: test.x.slice([0, 0], [64, features]),
        width: 260,
        height: 150,
      }),
    ],
  });
  model = m;
  testSet = test;
  $('status').textContent = `trained (${name})`;
  showAccuracy(m);
}

function train(): Promise<void> {
  return trainOn(
    'digits_mlp',
    digits.xTrain,
    digits.yTrain,
    { x: digits.xTest, y: digits.yTest },
    32,
  );
}

/**
 * Trains on MNIST from a Keras `mnist.npz` the user dropped (the file `keras.datasets.mnist`
 * downloads to ~/.keras/datasets): its first `samples` training images, scaled to [0, 1].
 */
async function trainOnMnist(file: File): Promise<void> {
  try {
    const arrays = readNpz(new Uint8Array(await file.arrayBuffer()), { name: file.name });
    for (const k of ['x_train', 'y_train', 'x_test', 'y_test'])
      if (!arrays.has(k)) throw new Error(`${file.name} has no '${k}': drop Keras's mnist.npz`);
    const samples = Number(($('mnist-samples') as HTMLInputElement).value) || 10000;
    const images = (key: string, n: number): Tensor => {
      const a = arrays.get(key)!;
      const count = Math.min(n, a.shape[0]!);
      const size = a.shape.slice(1).reduce((p, d) => p * d, 1);
      const px = new Float32Array(count * size);
      for (let i = 0; i < px.length; i++) px[i] = Number(a.data[i]) / 255;
      return tensor(px, [count, size]);
    };
    const labels = (key: string, n: number): Tensor => {
      const a = arrays.get(key)!;
      const count = Math.min(n, a.shape[0]!);
      return tensor(
        Array.from({ length: count }, (_, k) => Number(a.data[k])),
        [count],
        'int32',
      );
    };
    await trainOn(
      'mnist_mlp',
      images('x_train', samples),
      labels('y_train', samples),
      { x: images('x_test', 2000), y: labels('y_test', 2000) },
      128,
    );
  } catch (e) {
    $('status').textContent =
      `could not train on ${file.name}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

// The drawing pad: white ink on black, read back as 8×8 cells in [0, 1] like the digits.
const pad = $<HTMLCanvasElement>('pad');
const ctx = pad.getContext('2d')!;
function clearPad(): void {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
}
clearPad();
let drawing = false;
const at = (e: PointerEvent) => {
  const r = pad.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top] as const;
};
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  ctx.beginPath();
  ctx.moveTo(...at(e));
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 16;
  ctx.lineCap = 'round';
  ctx.lineTo(...at(e));
  ctx.stroke();
});
window.addEventListener('pointerup', () => {
  drawing = false;
});

/** The pad read as side×side cells in [0, 1] (8 for the digits, 28 for MNIST). */
function padPixels(side: number): number[] {
  const img = ctx.getImageData(0, 0, pad.width, pad.height).data;
  const cell = pad.width / side;
  const out: number[] = [];
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++) {
      let s = 0;
      let n = 0;
      for (let y = Math.floor(r * cell); y < Math.floor((r + 1) * cell); y++)
        for (let x = Math.floor(c * cell); x < Math.floor((c + 1) * cell); x++, n++)
          s += img[(y * pad.width + x) * 4]!;
      out.push(s / (n * 255));
    }
  return out;
}

function drawSample(): void {
  const i = Math.floor(Math.random() * digits.xTest.shape[0]!);
  const px = digits.xTest.slice([i, 0], [1, 64]).dataSync();
  const cell = pad.width / 8;
  for (let k = 0; k < 64; k++) {
    const v = Math.round(Math.min(1, px[k]!) * 255);
    ctx.fillStyle = `rgb(${v},${v},${v})`;
    ctx.fillRect((k % 8) * cell, Math.floor(k / 8) * cell, cell, cell);
  }
  $('sample-label').textContent = String(digits.yTest.dataSync()[i]);
}

function predictPad(): void {
  if (!model) {
    $('prediction').textContent = 'train or load a model first';
    return;
  }
  const side = Math.round(Math.sqrt(model.inputs[0]!.shape[1] ?? 64));
  const y = model.predict(tensor([padPixels(side)]));
  const p = (Array.isArray(y) ? y[0]! : y).dataSync();
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  $('prediction').textContent = String(best);
}

async function openModel(files: File[]): Promise<void> {
  const m = await loadModel(files.length === 1 ? files[0]! : files);
  const lines: string[] = [];
  m.summary((l) => lines.push(l));
  $('summary').textContent = lines.join('\n');
  $('graph').innerHTML = plotModel(m, { showShapes: true });
  // A run on random input of the model's own input shape.
  const shape = m.inputs[0]!.shape.map((d) => d ?? 2);
  const y = m.predict(randomNormal(shape));
  $('run').textContent =
    `ran on random input ${JSON.stringify(shape)} → output ${JSON.stringify((Array.isArray(y) ? y[0]! : y).shape)}`;
}

$('train').addEventListener('click', () => void train());
$('predict').addEventListener('click', predictPad);
$('clear').addEventListener('click', clearPad);
$('sample').addEventListener('click', drawSample);
$<HTMLInputElement>('files').addEventListener('change', (e) => {
  void openModel(Array.from((e.target as HTMLInputElement).files ?? []));
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  void openModel(Array.from(e.dataTransfer?.files ?? []));
});
$<HTMLInputElement>('mnist').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void trainOnMnist(f);
});
const mnistDrop = $('mnist-drop');
mnistDrop.addEventListener('dragover', (e) => {
  e.preventDefault();
  mnistDrop.classList.add('over');
});
mnistDrop.addEventListener('drop', (e) => {
  e.preventDefault();
  mnistDrop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void trainOnMnist(f);
});
$('save').addEventListener('click', async () => {
  if (!model) return;
  await saveModel(model, 'indexeddb://playground');
  $('storage').textContent = 'saved to indexeddb://playground';
});
$('load').addEventListener('click', async () => {
  model = await loadModel('indexeddb://playground');
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  $('summary').textContent = lines.join('\n');
  $('storage').textContent = 'loaded from indexeddb://playground';
  showAccuracy(model);
});

await ready();
const info = backendInfo();
$('backend').textContent = `backend: ${info.name}${info.detail ? ` (${info.detail})` : ''}`;
document.body.dataset.ready = '1';
