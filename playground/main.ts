/**
 * The playground page: train a network on the embedded digits with live curves, draw a digit
 * and see the prediction, open a dropped `.keras` / `model.json` (summary, graph, a run on
 * random input), and keep the model in IndexedDB. Built from the library's sources by
 * scripts/playground.mjs and served on 127.0.0.1.
 */
import {
  Dense,
  Dropout,
  type Model,
  Sequential,
  backendInfo,
  fitCallbacks,
  histogramChart,
  loadDigits,
  loadModel,
  pageProgbar,
  plotModel,
  randomNormal,
  ready,
  saveModel,
  setSeed,
  tensor,
} from '../src/index.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const digits = loadDigits();
let model: Model | null = null;

function showAccuracy(m: Model): void {
  const r = m.evaluate(digits.xTest, digits.yTest);
  $('accuracy').textContent = (r.accuracy ?? Number.NaN).toFixed(4);
}

async function train(): Promise<void> {
  setSeed(7);
  const m = new Sequential({
    name: 'digits_mlp',
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [64] }),
      new Dropout({ rate: 0.1 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  $('status').textContent = 'training…';
  await m.fit(digits.xTrain, digits.yTrain, {
    epochs: Number(($('epochs') as HTMLInputElement).value) || 30,
    batchSize: 32,
    validationSplit: 0.1,
    verbose: 0,
    callbacks: [fitCallbacks($('chart'), { batchIntervalMs: 250 }), pageProgbar($('progress'))],
  });
  model = m;
  $('status').textContent = 'trained';
  showAccuracy(m);
  // The first layer's kernel, as a histogram of its values.
  const kernel = m.layers[0]!.getWeights()[0]!;
  $('weights').innerHTML = histogramChart(kernel.dataSync(), {
    bins: 30,
    title: 'first Dense kernel',
    width: 360,
    height: 200,
  }).svg;
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

function padPixels(): number[] {
  const img = ctx.getImageData(0, 0, pad.width, pad.height).data;
  const cell = pad.width / 8;
  const out: number[] = [];
  for (let r = 0; r < 8; r++)
    for (let c = 0; c < 8; c++) {
      let s = 0;
      for (let y = r * cell; y < (r + 1) * cell; y++)
        for (let x = c * cell; x < (c + 1) * cell; x++) s += img[(y * pad.width + x) * 4]!;
      out.push(s / (cell * cell * 255));
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
  const y = model.predict(tensor([padPixels()]));
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
