/**
 * CTC on a toy reading task: each input is a sequence of noisy frames in which every symbol of
 * a short label ("3 1 1 4") shows for 1–3 frames, with 1–2 silent frames between symbols and
 * silence before and after. A per-frame network (Dense layers work on the last axis of
 * [batch, time, features]) is trained with the CTC loss through `compile`/`fit` on the padded
 * labels alone — no alignment is given — then greedy-decoded on held-out sequences.
 *
 * Run: `npx tsx examples/ctc_toy.ts`
 */
import { Dense, Generator, Sequential, losses, optimizers, setSeed, tensor } from '../src/index.js';
import { ctcDecode } from '../src/index.js';
import type { Tensor } from '../src/tensor/tensor.js';

/** Settings of the toy task and its training. */
export interface CtcToyOptions {
  /** Distinct symbols; classes are 1…symbols, class 0 is the CTC blank (default 4). */
  symbols?: number;
  /** Frames per sequence (default 26). */
  frames?: number;
  /** Longest label (default 5; the shortest is 2). */
  maxLabelLength?: number;
  /** Standard deviation of the Gaussian noise on every feature (default 0.15). */
  noise?: number;
  /** Training sequences (default 512). */
  train?: number;
  /** Held-out sequences (default 200). */
  test?: number;
  /** Training epochs (default 30). */
  epochs?: number;
  /** Seed of the data and the weights (default 7). */
  seed?: number;
  /** Progress output of `fit` (default 0). */
  verbose?: 0 | 1 | 2;
}

/** What {@link trainCtcToy} reports. */
export interface CtcToyResult {
  /** Fraction of held-out sequences whose greedy decoding equals the label exactly. */
  exactMatch: number;
  /** Training loss of the first and last epoch. */
  firstLoss: number;
  lastLoss: number;
  /** A few held-out examples: the label and what the model read. */
  examples: { label: number[]; decoded: number[] }[];
}

/** Noisy frames for random labels: features are a one-hot of the symbol (none in silence) plus 3 noise-only features. */
function makeData(
  n: number,
  o: Required<CtcToyOptions>,
  gen: Generator,
): { x: Tensor; y: Tensor; labels: number[][] } {
  const features = o.symbols + 3;
  const x = new Float32Array(n * o.frames * features);
  const y = new Float32Array(n * o.maxLabelLength);
  const labels: number[][] = [];
  for (let i = 0; i < n; i++) {
    const length = 2 + gen.int(o.maxLabelLength - 1);
    const label = Array.from({ length }, () => 1 + gen.int(o.symbols));
    labels.push(label);
    y.set(label, i * o.maxLabelLength);
    let t = gen.int(3); // leading silence: 0–2 frames
    label.forEach((symbol, j) => {
      if (j > 0) t += 1 + gen.int(2); // 1–2 silent frames between symbols
      const repeat = 1 + gen.int(3); // each symbol shows for 1–3 frames
      for (let r = 0; r < repeat; r++, t++) x[(i * o.frames + t) * features + symbol - 1] = 1;
    });
    if (t > o.frames) throw new Error(`ctc_toy: ${t} frames needed, only ${o.frames}`);
  }
  for (let k = 0; k < x.length; k++) x[k]! += o.noise * gen.normal();
  return {
    x: tensor(x, [n, o.frames, features]),
    y: tensor(y, [n, o.maxLabelLength]),
    labels,
  };
}

/**
 * Trains the per-frame reader with the CTC loss and returns the exact-match rate of greedy
 * decoding on held-out sequences.
 */
export async function trainCtcToy(options: CtcToyOptions = {}): Promise<CtcToyResult> {
  const o: Required<CtcToyOptions> = {
    symbols: 4,
    frames: 26,
    maxLabelLength: 5,
    noise: 0.15,
    train: 512,
    test: 200,
    epochs: 30,
    seed: 7,
    verbose: 0,
    ...options,
  };
  setSeed(o.seed);
  const gen = new Generator(o.seed);
  const train = makeData(o.train, o, gen);
  const test = makeData(o.test, o, gen);

  const model = new Sequential({
    layers: [
      new Dense({ units: 24, activation: 'relu', inputShape: [o.frames, o.symbols + 3] }),
      // Logits: CTC applies the log-softmax itself.
      new Dense({ units: o.symbols + 1 }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: new losses.CTC() });
  const history = await model.fit(train.x, train.y, {
    epochs: o.epochs,
    batchSize: 32,
    verbose: o.verbose,
  });
  const lossCurve = history.history.loss as number[];

  const logits = model.predict(test.x, { batchSize: 100 }) as Tensor;
  const lengths = new Int32Array(o.test).fill(o.frames);
  const rows = ctcDecode(logits, lengths).decoded[0]!.arraySync() as number[][];
  let hits = 0;
  const examples: CtcToyResult['examples'] = [];
  rows.forEach((row, i) => {
    const decoded = row.filter((v) => v >= 0);
    const label = test.labels[i]!;
    if (decoded.length === label.length && decoded.every((v, j) => v === label[j])) hits++;
    if (i < 5) examples.push({ label, decoded });
  });
  return {
    exactMatch: hits / o.test,
    firstLoss: lossCurve[0]!,
    lastLoss: lossCurve[lossCurve.length - 1]!,
    examples,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await trainCtcToy({ verbose: 1 });
  console.log(`CTC loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`);
  for (const e of r.examples)
    console.log(`label ${e.label.join(' ')}  read ${e.decoded.join(' ')}`);
  console.log(`exact match on held-out sequences: ${(r.exactMatch * 100).toFixed(1)}%`);
}
