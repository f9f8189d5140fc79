import {
  Dense,
  Embedding,
  Generator,
  LSTM,
  Sequential,
  type Tensor,
  setSeed,
  tensor,
} from '../src/index.js';
/**
 * A sequence classifier: Embedding → LSTM → Dense(sigmoid), learning "does token 7 appear in
 * the sequence?" on synthetic sequences of 20 tokens from a vocabulary of 30. About half the
 * random sequences contain a 7, so the classes are balanced without resampling. The answer
 * depends on the whole sequence, so the LSTM has to carry a "seen it" bit through time.
 *
 * Run: `npx tsx examples/sequence_classifier.ts`
 */

/** Options of {@link trainSequenceClassifier}. */
export interface SequenceClassifierOptions {
  /** Training sequences (default 1200). */
  trainSize?: number;
  /** Test sequences (default 400). */
  testSize?: number;
  /** Sequence length (default 20). */
  length?: number;
  /** Vocabulary size: tokens 0…vocab−1 (default 30). */
  vocab?: number;
  /** The token to detect (default 7). */
  target?: number;
  /** Training epochs (default 8). */
  epochs?: number;
  /** Seed of the data, weights and shuffling (default 7). */
  seed?: number;
  /** Progress output of `fit` (default 0: silent). */
  verbose?: 0 | 1 | 2;
}

/** Random token sequences and their labels (1 when `target` occurs). */
export function makeSequences(
  n: number,
  length: number,
  vocab: number,
  target: number,
  seed: number,
): { x: Tensor; y: Tensor } {
  const g = new Generator(seed);
  const ids = new Int32Array(n * length);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let hit = 0;
    for (let t = 0; t < length; t++) {
      const tok = Math.min(vocab - 1, Math.floor(g.uniform() * vocab));
      ids[i * length + t] = tok;
      if (tok === target) hit = 1;
    }
    labels[i] = hit;
  }
  return { x: tensor(ids, [n, length], 'int32'), y: tensor(labels, [n, 1], 'float32') };
}

/** Trains the classifier; returns the test accuracy and the fraction of positive test labels. */
export async function trainSequenceClassifier(
  opts: SequenceClassifierOptions = {},
): Promise<{ accuracy: number; positives: number; loss: number }> {
  const length = opts.length ?? 20;
  const vocab = opts.vocab ?? 30;
  const target = opts.target ?? 7;
  const seed = opts.seed ?? 7;
  setSeed(seed);
  const train = makeSequences(opts.trainSize ?? 1200, length, vocab, target, seed + 1);
  const test = makeSequences(opts.testSize ?? 400, length, vocab, target, seed + 2);
  const model = new Sequential({
    layers: [
      new Embedding({ inputDim: vocab, outputDim: 8, inputShape: [length] }),
      new LSTM({ units: 16 }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, {
    epochs: opts.epochs ?? 8,
    batchSize: 32,
    verbose: opts.verbose ?? 0,
  });
  const r = model.evaluate(test.x, test.y, { batchSize: 200 });
  const positives = test.y.mean().item();
  return { accuracy: r.accuracy!, positives, loss: r.loss! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const { accuracy, positives } = await trainSequenceClassifier({ verbose: 1 });
  console.log(
    `test accuracy: ${(accuracy * 100).toFixed(2)}% (positives: ${(positives * 100).toFixed(1)}%), ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
