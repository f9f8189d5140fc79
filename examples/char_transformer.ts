/**
 * A small character-level, decoder-only transformer language model on Tiny Shakespeare
 * (`../shared/datasets/tinyshakespeare/input.txt`, public domain): token and position
 * embeddings, transformer blocks with causal MultiHeadAttention and a feed-forward network,
 * next-character prediction at every position, then sampling text one character at a time.
 *
 * Run: `npx tsx examples/char_transformer.ts [steps]`.
 */
import { existsSync, readFileSync } from 'node:fs';

type SymbolicShape = readonly (number | null)[];
import {
  Add,
  Dataset,
  Dense,
  Embedding,
  Layer,
  LayerNormalization,
  type LayerVariable,
  type Model,
  MultiHeadAttention,
  type Tensor,
  model as functionalModel,
  input,
  setSeed,
  tensor,
} from '../src/index.js';

/** Adds a learned embedding of each position to the token embeddings. */
class PositionEmbedding extends Layer {
  static override readonly className = 'PositionEmbedding';
  private table: LayerVariable | null = null;
  override build(shape: SymbolicShape | SymbolicShape[]): void {
    const s = shape as SymbolicShape;
    this.table = this.addWeight({
      name: 'embeddings',
      shape: [s[1]!, s[2]!],
      initializer: { className: 'RandomNormal', config: { stddev: 0.02 } } as never,
    });
  }
  override call(x: Tensor | Tensor[]): Tensor {
    return (x as Tensor).add(this.table!);
  }
  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return s as SymbolicShape;
  }
}

/** Options of the language model. */
export interface CharModelOptions {
  /** Context length (default 64). */
  length?: number;
  /** Model width (default 64). */
  width?: number;
  /** Attention heads (default 4). */
  heads?: number;
  /** Transformer blocks (default 2). */
  blocks?: number;
}

/** The decoder: [B, T] character ids → [B, T, vocab] next-character logits. */
export function charModel(vocab: number, o: CharModelOptions = {}): Model {
  const t = o.length ?? 64;
  const d = o.width ?? 64;
  const heads = o.heads ?? 4;
  const ids = input({ shape: [t], dtype: 'int32' });
  let h = new PositionEmbedding().apply(
    new Embedding({ inputDim: vocab, outputDim: d }).apply(ids),
  );
  for (let b = 0; b < (o.blocks ?? 2); b++) {
    const n1 = new LayerNormalization().apply(h);
    const a = new MultiHeadAttention({ numHeads: heads, keyDim: d / heads }).apply([n1, n1], {
      useCausalMask: true,
    } as never);
    h = new Add().apply([h, a]);
    const n2 = new LayerNormalization().apply(h);
    const f = new Dense({ units: d }).apply(
      new Dense({ units: 4 * d, activation: 'gelu' }).apply(n2),
    );
    h = new Add().apply([h, f]);
  }
  const logits = new Dense({ units: vocab }).apply(new LayerNormalization().apply(h));
  return functionalModel({ inputs: ids, outputs: logits, name: 'char_transformer' });
}

/** What training gives: the loss curve, the held-out loss, and sampled text. */
export interface CharResult {
  losses: number[];
  validationLoss: number;
  sample: string;
  vocab: string[];
  text: string;
}

/** The text, or null where shared's copy is absent. */
export function shakespeare(): string | null {
  const path = new URL('../../shared/datasets/tinyshakespeare/input.txt', import.meta.url).pathname;
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * Trains on random windows of the first 90 % of the text for `steps` batches of 32 (Adam,
 * sparse categorical crossentropy on logits at every position), measures the loss on windows
 * of the last 10 %, and samples `sampleChars` characters after a prompt.
 */
export async function trainCharTransformer(
  text: string,
  steps = 600,
  o: CharModelOptions & { sampleChars?: number; verbose?: boolean } = {},
): Promise<CharResult> {
  setSeed(3);
  const t = o.length ?? 64;
  const vocab = [...new Set(text)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c)!);
  const split = Math.floor(ids.length * 0.9);
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const windows = (n: number, lo: number, hi: number) => {
    const x = new Int32Array(n * t);
    const y = new Int32Array(n * t);
    for (let i = 0; i < n; i++) {
      const s = lo + rand(hi - lo - t - 1);
      x.set(ids.subarray(s, s + t), i * t);
      y.set(ids.subarray(s + 1, s + t + 1), i * t);
    }
    return [tensor(x, [n, t], 'int32'), tensor(y, [n, t], 'int32')] as const;
  };
  const m = charModel(vocab.length, o);
  m.compile({
    optimizer: { className: 'Adam', config: { learningRate: 3e-3 } } as never,
    loss: { className: 'SparseCategoricalCrossentropy', config: { fromLogits: true } } as never,
  });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const [x, y] = windows(32, 0, split);
    const logs = m.trainOnBatch(x, y) as Record<string, number>;
    losses.push(logs.loss!);
    if (o.verbose && s % 50 === 0) console.log(`step ${s}: loss ${logs.loss!.toFixed(3)}`);
    // A hand-written loop is synchronous JavaScript: let timers, I/O (and a page's UI) run now
    // and then, as fit does by itself.
    if (s % 10 === 9) await new Promise((r) => setTimeout(r, 0));
  }
  const [vx, vy] = windows(256, split, ids.length);
  const validationLoss = (await m.evaluate(Dataset.fromTensorSlices([vx, vy]).batch(64))).loss!;
  // Sampling: the last `t` characters in, a character drawn from the softmax at temperature 0.8.
  const prompt = 'ROMEO:\n';
  const out = [...prompt].map((c) => index.get(c) ?? 0);
  for (let i = 0; i < (o.sampleChars ?? 300); i++) {
    const ctx = out.slice(-t);
    const pad = new Int32Array(t).fill(index.get(' ') ?? 0);
    pad.set(ctx, t - ctx.length);
    const logits = (m.predict(tensor(pad, [1, t], 'int32')) as Tensor).dataSync();
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
    const row = Array.from(logits.subarray((t - 1) * vocab.length, t * vocab.length));
    const mx = Math.max(...row);
    const p = row.map((v) => Math.exp((v - mx) / 0.8));
    let r = (rand(1_000_000) / 1_000_000) * p.reduce((a, b) => a + b, 0);
    let k = 0;
    for (; k < p.length - 1; k++) {
      r -= p[k]!;
      if (r <= 0) break;
    }
    out.push(k);
  }
  return { losses, validationLoss, sample: out.map((i) => vocab[i]).join(''), vocab, text };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = shakespeare();
  if (!text) throw new Error('no ../shared/datasets/tinyshakespeare/input.txt');
  const r = await trainCharTransformer(text, Number(process.argv[2] ?? 600), { verbose: true });
  console.log(`validation loss ${r.validationLoss.toFixed(3)} nats/char`);
  console.log(r.sample);
}
