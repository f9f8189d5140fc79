/**
 * Keras's "Text classification with Transformer" recipe on IMDB: reviews as word ids
 * (`imdb.loadData({ numWords: 20000 })`, padded to `maxlen`), token + position embeddings, one
 * transformer encoder block (MultiHeadAttention with 2 heads, a 32-unit feed-forward network,
 * residuals, LayerNormalization, dropout), average pooling, Dense(20, relu), softmax over the
 * two classes; Adam, batch 32.
 *
 * Run: `npx tsx examples/imdb_transformer.ts [imdb.npz] [epochs]`. Offline, build the npz from
 * shared's raw reviews with `npx tsx examples/data/keras_npz.ts`.
 */
import {
  Add,
  Dataset,
  Dense,
  Dropout,
  Embedding,
  GlobalAveragePooling1D,
  Layer,
  LayerNormalization,
  type LayerVariable,
  type Model,
  MultiHeadAttention,
  type Tensor,
  datasets,
  model as functionalModel,
  input,
  padSequences,
  setSeed,
} from '../src/index.js';

type SymbolicShape = readonly (number | null)[];

/** Adds a learned embedding of each position (Keras's recipe: an Embedding of the positions). */
class PositionEmbedding extends Layer {
  static override readonly className = 'ImdbPositionEmbedding';
  private table: LayerVariable | null = null;
  override build(shape: SymbolicShape | SymbolicShape[]): void {
    const s = shape as SymbolicShape;
    this.table = this.addWeight({
      name: 'embeddings',
      shape: [s[1]!, s[2]!],
      initializer: 'randomUniform',
    });
  }
  override call(x: Tensor | Tensor[]): Tensor {
    return (x as Tensor).add(this.table!);
  }
  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return s as SymbolicShape;
  }
}

/** The recipe's classifier for sequences of `maxlen` word ids below `vocab`. */
export function imdbTransformer(vocab: number, maxlen: number, embed = 32): Model {
  const x = input({ shape: [maxlen], dtype: 'int32' });
  const e = new PositionEmbedding().apply(
    new Embedding({ inputDim: vocab, outputDim: embed }).apply(x),
  );
  const a = new MultiHeadAttention({ numHeads: 2, keyDim: embed }).apply([e, e]);
  const h1 = new LayerNormalization({ epsilon: 1e-6 }).apply(
    new Add().apply([e, new Dropout({ rate: 0.1 }).apply(a)]),
  );
  const f = new Dense({ units: embed }).apply(
    new Dense({ units: 32, activation: 'relu' }).apply(h1),
  );
  const h2 = new LayerNormalization({ epsilon: 1e-6 }).apply(
    new Add().apply([h1, new Dropout({ rate: 0.1 }).apply(f)]),
  );
  let y = new Dropout({ rate: 0.1 }).apply(new GlobalAveragePooling1D().apply(h2));
  y = new Dropout({ rate: 0.1 }).apply(new Dense({ units: 20, activation: 'relu' }).apply(y));
  return functionalModel({
    inputs: x,
    outputs: new Dense({ units: 2, activation: 'softmax' }).apply(y),
    name: 'imdb_transformer',
  });
}

/** Options of {@link trainImdbTransformer}. */
export interface ImdbTransformerOptions {
  epochs?: number;
  maxlen?: number;
  /** Train on the first n training reviews (default all 25,000). */
  trainSamples?: number;
  /** Test on the first n test reviews (default all 25,000). */
  testSamples?: number;
  verbose?: 0 | 1 | 2;
}

/** Trains the recipe's model; returns the test accuracy. */
export async function trainImdbTransformer(
  path?: string,
  o: ImdbTransformerOptions = {},
): Promise<number> {
  setSeed(1337);
  const vocab = 20000;
  const maxlen = o.maxlen ?? 200;
  const [[xTrain, yTrain], [xTest, yTest]] = await datasets.imdb.loadData({
    path,
    numWords: vocab,
  });
  const n = Math.min(o.trainSamples ?? xTrain.length, xTrain.length);
  const nt = Math.min(o.testSamples ?? xTest.length, xTest.length);
  const x = padSequences(xTrain.slice(0, n), { maxlen }).cast('int32');
  const xt = padSequences(xTest.slice(0, nt), { maxlen }).cast('int32');
  const model = imdbTransformer(vocab, maxlen);
  model.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  await model.fit(x, yTrain.slice([0], [n]), {
    epochs: o.epochs ?? 2,
    batchSize: 32,
    verbose: o.verbose ?? 1,
  });
  // The dataset form of evaluate is a promise that lets timers and I/O run between batches;
  // evaluate(x, y) on tensors would hold the thread for the whole test set.
  const test = Dataset.fromTensorSlices([xt, yTest.slice([0], [nt])]).batch(256);
  return (await model.evaluate(test, { verbose: 0 })).accuracy!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const acc = await trainImdbTransformer(process.argv[2], { epochs: Number(process.argv[3] ?? 2) });
  console.log(`test accuracy: ${(acc * 100).toFixed(2)}%`);
}
