/**
 * Keras's lookup layers: `StringLookup` and `IntegerLookup` map tokens to indices (and back,
 * with `invert`) through a vocabulary that is given or learnt by `adapt()`: tokens sorted by
 * count, ties by the token itself in reverse, as Keras sorts them. Index 0 is the mask token
 * when there is one, then the out-of-vocabulary indices, then the vocabulary. Outputs are
 * indices or, as `CategoryEncoding` makes them, one-hot, multi-hot, counts or TF-IDF.
 */
import { Dataset } from '../../data/dataset.js';
import { flattenElement } from '../../data/structure.js';
import { ValueError } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { fingerprint64, sipHash64 } from '../../ops/farmhash.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { StringTensor, stringTensor } from '../../tensor/string_tensor.js';
import { Tensor, convertToTensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, singleShape } from '../layer.js';
import type { SymbolicDType, SymbolicShape } from '../symbolic.js';
import { CategoryEncoding } from './numeric.js';

/** Output modes of the lookup layers. */
export type LookupOutputMode = 'int' | 'one_hot' | 'multi_hot' | 'count' | 'tf_idf';

type Token = string | number;

/** Options shared by {@link StringLookup} and {@link IntegerLookup}. */
export interface LookupArgs<T extends Token> extends LayerArgs {
  /** Vocabulary size, mask and OOV indices included (default: no limit). */
  maxTokens?: number | null;
  /** How many indices unknown tokens hash into (default 1). */
  numOovIndices?: number;
  /** A token that maps to index 0 (and stays masked); default none. */
  maskToken?: T | null;
  /** The token returned for OOV indices with `invert` (default `'[UNK]'` / −1). */
  oovToken?: T;
  /** A vocabulary instead of `adapt()`. */
  vocabulary?: readonly T[] | null;
  /** With `outputMode: 'tf_idf'` and a vocabulary, one weight per term. */
  idfWeights?: readonly number[] | null;
  /** Map indices back to tokens (default false). */
  invert?: boolean;
  /** `'int'` (default), `'one_hot'`, `'multi_hot'`, `'count'` or `'tf_idf'`. */
  outputMode?: LookupOutputMode;
  /** In the encoded modes, output `maxTokens` columns even when the vocabulary is smaller. */
  padToMaxTokens?: boolean;
  /** Sparse outputs are not supported (default false). */
  sparse?: boolean;
  /**
   * How unknown integers pick among several OOV indices: `'floormod'` (default) or
   * `'farmhash'` (FarmHash64 of the decimal text). Strings always hash.
   */
  oovMethod?: 'floormod' | 'farmhash';
  /** Hash unknown tokens with SipHash-2-4 keyed by this salt (one integer or two) instead of FarmHash64. */
  salt?: number | readonly [number, number] | null;
  /**
   * The vocabulary size recorded when the layer was saved (Keras's `vocabulary_size`): a
   * vocabulary loaded from the archive's assets must have it.
   */
  vocabularySize?: number | null;
}

/** Python's `str.splitlines` separators: what Keras's vocabulary file reader splits on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python splits on the separators \x1c–\x1e too.
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const utf8Encoder = new TextEncoder();

/** Unicode code-point order (what NumPy's sort of UTF-8 bytes gives). */
function compareTokens(a: Token, b: Token): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  const ia = x[Symbol.iterator]();
  const ib = y[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return (ca.done ? 0 : 1) - (cb.done ? 0 : 1);
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * The lookup core of {@link StringLookup} and {@link IntegerLookup}.
 */
export abstract class IndexLookup<T extends Token> extends Layer {
  readonly maxTokens: number | null;
  readonly numOovIndices: number;
  readonly maskToken: T | null;
  readonly oovToken: T;
  readonly invert: boolean;
  readonly outputMode: LookupOutputMode;
  readonly padToMaxTokens: boolean;
  private vocab: T[] = [];
  private index = new Map<T, number>();
  private idf: Float32Array | null = null;
  private hasVocabulary = false;
  private readonly inputVocabulary: readonly T[] | null;
  private readonly inputIdf: readonly number[] | null;
  readonly oovMethod: 'floormod' | 'farmhash';
  /** SipHash key for unknown tokens, or null for FarmHash64 / floor-mod. */
  readonly salt: [number, number] | null;
  private readonly savedVocabularySize: number | null;

  protected abstract get kind(): string;
  protected abstract isToken(v: unknown): v is T;
  /** The OOV index offset of an unknown token (ints: floor-mod; strings: FarmHash64). */
  protected abstract oovBucket(token: T, buckets: number): number;

  constructor(args: LookupArgs<T>, defaultOov: T) {
    super(args);
    const where = () =>
      `${this.name} (${(this.constructor as unknown as { className: string }).className})`;
    this.maxTokens = args.maxTokens ?? null;
    this.numOovIndices = args.numOovIndices ?? 1;
    this.maskToken = args.maskToken ?? null;
    this.oovToken = args.oovToken ?? defaultOov;
    this.invert = args.invert ?? false;
    this.outputMode = args.outputMode ?? 'int';
    this.padToMaxTokens = args.padToMaxTokens ?? false;
    if (!['int', 'one_hot', 'multi_hot', 'count', 'tf_idf'].includes(this.outputMode))
      throw new ValueError(
        `${where()}: outputMode must be 'int', 'one_hot', 'multi_hot', 'count' or 'tf_idf', got '${this.outputMode}'`,
      );
    if (args.sparse) throw new ValueError(`${where()}: sparse outputs are not supported`);
    if (!Number.isInteger(this.numOovIndices) || this.numOovIndices < 0)
      throw new ValueError(
        `${where()}: numOovIndices must be a non-negative integer, got ${this.numOovIndices}`,
      );
    if (this.invert && this.outputMode !== 'int')
      throw new ValueError(
        `${where()}: invert works only with outputMode 'int', got '${this.outputMode}'`,
      );
    if (
      this.maxTokens !== null &&
      (!Number.isInteger(this.maxTokens) || this.maxTokens <= this.tokenStart())
    )
      throw new ValueError(
        `${where()}: maxTokens must be an integer larger than the ${this.tokenStart()} mask and OOV indices, got ${this.maxTokens}`,
      );
    if (this.padToMaxTokens && this.maxTokens === null)
      throw new ValueError(`${where()}: padToMaxTokens needs maxTokens`);
    this.oovMethod = args.oovMethod ?? 'floormod';
    if (this.oovMethod !== 'floormod' && this.oovMethod !== 'farmhash')
      throw new ValueError(
        `${where()}: oovMethod must be 'floormod' or 'farmhash', got '${this.oovMethod}'`,
      );
    const salt = args.salt ?? null;
    if (salt === null) this.salt = null;
    else if (typeof salt === 'number') this.salt = [salt, salt];
    else if (Array.isArray(salt) && salt.length === 2) this.salt = [salt[0]!, salt[1]!];
    else
      throw new ValueError(
        `${where()}: salt must be an integer or a pair of integers, got ${JSON.stringify(salt)}`,
      );
    if (this.salt && !this.salt.every((v) => Number.isSafeInteger(v) && v >= 0))
      throw new ValueError(
        `${where()}: salt values must be non-negative integers, got ${JSON.stringify(salt)}`,
      );
    this.savedVocabularySize = args.vocabularySize ?? null;
    this.inputVocabulary = args.vocabulary ?? null;
    this.inputIdf = args.idfWeights ?? null;
    if (this.inputVocabulary) this.setVocabulary(this.inputVocabulary, this.inputIdf ?? undefined);
    this.built = true;
  }

  protected where(): string {
    return `${this.name} (${(this.constructor as unknown as { className: string }).className})`;
  }

  /**
   * Whether the mask token holds index 0: only in `'int'` mode, as Keras (in the encoded
   * modes mask tokens count nowhere).
   */
  private get masks(): boolean {
    return this.maskToken !== null && this.outputMode === 'int';
  }

  /** Indices before the vocabulary: the mask (int mode) and the OOV indices. */
  private tokenStart(): number {
    return (this.masks ? 1 : 0) + this.numOovIndices;
  }

  /**
   * The whole vocabulary by index: the mask token, the OOV token (once per OOV index), then
   * the terms.
   * @example layer.getVocabulary() // ['[UNK]', 'd', 'z', 'c', 'b', 'a']
   */
  getVocabulary(includeSpecialTokens = true): T[] {
    if (!includeSpecialTokens) return [...this.vocab];
    return [
      ...(this.masks ? [this.maskToken as T] : []),
      ...new Array<T>(this.numOovIndices).fill(this.oovToken),
      ...this.vocab,
    ];
  }

  /** How many indices the layer outputs into (the vocabulary with its special tokens). */
  vocabularySize(): number {
    return this.tokenStart() + this.vocab.length;
  }

  /**
   * Sets the vocabulary (and, for `'tf_idf'`, the idf weights): the terms, with or without
   * the mask and OOV tokens in front as `getVocabulary` returns them.
   * @example layer.setVocabulary(['a', 'b', 'c'], [0.25, 0.75, 0.6]);
   */
  setVocabulary(vocabulary: readonly T[], idfWeights?: readonly number[]): void {
    const where = this.where();
    let terms = [...vocabulary];
    for (const t of terms)
      if (!this.isToken(t))
        throw new ValueError(
          `${where}: the vocabulary holds ${JSON.stringify(t)}, not a ${this.kind}`,
        );
    let idf = idfWeights ? [...idfWeights] : null;
    // The special tokens at the front are allowed (getVocabulary's output), and dropped here.
    let lead = 0;
    if (this.masks && terms[0] === this.maskToken) lead++;
    while (lead < terms.length && terms[lead] === this.oovToken && lead < this.tokenStart()) lead++;
    const leadIdf = idf ? idf.slice(0, lead) : [];
    terms = terms.slice(lead);
    if (idf) idf = idf.slice(lead);
    if (this.maskToken !== null && terms.includes(this.maskToken))
      throw new ValueError(
        `${where}: the mask token ${JSON.stringify(this.maskToken)} is in the vocabulary, not first`,
      );
    if (this.numOovIndices > 0 && terms.includes(this.oovToken))
      throw new ValueError(
        `${where}: the OOV token ${JSON.stringify(this.oovToken)} is in the vocabulary, not at its place`,
      );
    const seen = new Set<T>();
    for (const t of terms) {
      if (seen.has(t))
        throw new ValueError(`${where}: the vocabulary repeats ${JSON.stringify(t)}`);
      seen.add(t);
    }
    if (this.maxTokens !== null && terms.length + this.tokenStart() > this.maxTokens)
      throw new ValueError(
        `${where}: a vocabulary of ${terms.length} terms plus ${this.tokenStart()} special indices exceeds maxTokens ${this.maxTokens}`,
      );
    if (this.outputMode === 'tf_idf') {
      if (!idf)
        throw new ValueError(`${where}: outputMode 'tf_idf' needs idfWeights with the vocabulary`);
      if (idf.length !== terms.length)
        throw new ValueError(`${where}: ${idf.length} idf weights for ${terms.length} terms`);
      // OOV indices get the mean weight unless given (Keras's rule).
      const mean = idf.reduce((a, w) => a + w, 0) / Math.max(1, idf.length);
      const oovW = leadIdf.length > (this.masks ? 1 : 0) ? leadIdf[leadIdf.length - 1]! : mean;
      const w = new Float32Array(this.outputDepth(terms.length));
      for (let i = 0; i < this.tokenStart(); i++) w[i] = this.masks && i === 0 ? 0 : oovW;
      idf.forEach((v, i) => {
        w[this.tokenStart() + i] = v;
      });
      this.idf = w;
    } else if (idf) throw new ValueError(`${where}: idfWeights apply only to outputMode 'tf_idf'`);
    this.vocab = terms;
    this.index = new Map(terms.map((t, i) => [t, i + this.tokenStart()]));
    this.hasVocabulary = true;
  }

  private outputDepth(terms = this.vocab.length): number {
    return this.padToMaxTokens && this.maxTokens !== null
      ? this.maxTokens
      : this.tokenStart() + terms;
  }

  /** The tokens of the input, flat, with its shape. */
  protected abstract tokensOf(x: unknown): { tokens: T[]; shape: number[] };

  /**
   * Learns the vocabulary from data (tokens, or a dataset / iterable of batches): terms by
   * count, ties by the term in reverse order, as Keras; `maxTokens` keeps the most frequent.
   * @example const l = new StringLookup(); await l.adapt([['a', 'c'], ['d', 'z']]);
   */
  async adapt(data: unknown): Promise<void> {
    const where = `${this.where()}.adapt`;
    if (this.inputVocabulary) throw new ValueError(`${where}: the layer was given a vocabulary`);
    const rows: T[][] = [];
    const take = (x: unknown) => {
      const { tokens, shape } = this.tokensOf(x);
      // A document is a row of a 2-D batch; in a 1-D input each token is its own.
      const n = shape.length >= 2 ? shape[0]! : tokens.length;
      const per = n > 0 ? tokens.length / n : 0;
      for (let r = 0; r < n; r++) rows.push(tokens.slice(r * per, (r + 1) * per));
    };
    const iterable =
      data instanceof Dataset ||
      (typeof data === 'object' &&
        data !== null &&
        !(data instanceof Tensor) &&
        !(data instanceof StringTensor) &&
        !Array.isArray(data) &&
        (Symbol.asyncIterator in data || Symbol.iterator in data));
    if (iterable) {
      const ds = data instanceof Dataset ? data : Dataset.from(data as Iterable<unknown>);
      for await (const e of ds)
        take(Array.isArray(e) ? flattenElement(e[0] as never)[0] : flattenElement(e)[0]);
    } else take(data);
    this.learn(rows, where);
  }

  /**
   * Learns the vocabulary from documents given as token lists (terms by count, ties by the
   * term in reverse; idf weights from document counts).
   * @example lookup.learn([['a', 'b'], ['b']], 'adapt')
   */
  learn(rows: readonly (readonly T[])[], where = `${this.where()}.adapt`): void {
    if (this.inputVocabulary) throw new ValueError(`${where}: the layer was given a vocabulary`);
    const counts = new Map<T, number>();
    const docCounts = new Map<T, number>();
    for (const row of rows) {
      for (const t of row) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const t of new Set(row)) docCounts.set(t, (docCounts.get(t) ?? 0) + 1);
    }
    if (this.maskToken !== null) counts.delete(this.maskToken);
    if (this.numOovIndices > 0) counts.delete(this.oovToken);
    if (counts.size === 0)
      throw new ValueError(`${where}: the data has no tokens; adapt() needs at least one`);
    let terms = [...counts.keys()].sort(
      (a, b) => counts.get(b)! - counts.get(a)! || compareTokens(b, a),
    );
    if (this.maxTokens !== null) terms = terms.slice(0, this.maxTokens - this.tokenStart());
    let idf: number[] | undefined;
    if (this.outputMode === 'tf_idf')
      idf = terms.map((t) => Math.log(1 + rows.length / (1 + (docCounts.get(t) ?? 0))));
    this.hasVocabulary = false;
    this.setVocabulary(terms, idf);
  }

  /**
   * Indices of tokens (what `'int'` mode outputs; a mask token is −1 in the encoded modes).
   * @example lookup.lookupTokens(['a', 'z']) // Int32Array [1, 0]
   */
  lookupTokens(tokens: readonly T[]): Int32Array {
    if (!this.hasVocabulary)
      throw new ValueError(
        `${this.where()}: give a vocabulary or call adapt() before using the layer`,
      );
    return this.lookup(tokens);
  }

  /**
   * Rows of looked-up ids (of any lengths) encoded by the output mode: `[rows, depth]`.
   * @example lookup.encodeRows([lookup.lookupTokens(['a', 'b'])])
   */
  encodeRows(rows: readonly Int32Array[]): Tensor {
    if (this.outputMode === 'int' || this.outputMode === 'one_hot')
      throw new ValueError(
        `${this.where()}: encodeRows needs outputMode 'multi_hot', 'count' or 'tf_idf'`,
      );
    const depth = this.outputDepth();
    const out = new Float32Array(rows.length * depth);
    rows.forEach((ids, r) => {
      for (const id of ids) {
        if (id < 0) continue;
        if (this.outputMode === 'multi_hot') out[r * depth + id] = 1;
        else out[r * depth + id]! += 1;
      }
    });
    if (this.outputMode === 'tf_idf')
      for (let i = 0; i < out.length; i++) out[i]! *= this.idf![i % depth];
    return tensor(out, [rows.length, depth]);
  }

  /** Indices of tokens (mask → 0, unknown → an OOV index). */
  protected lookup(tokens: readonly T[]): Int32Array {
    const start = this.masks ? 1 : 0;
    return Int32Array.from(tokens, (t) => {
      // A mask token is index 0 in int mode; in the encoded modes it counts nowhere (−1).
      if (this.maskToken !== null && t === this.maskToken) return this.masks ? 0 : -1;
      const i = this.index.get(t);
      if (i !== undefined) return i;
      if (this.numOovIndices === 0)
        throw new ValueError(
          `${this.where()}: ${JSON.stringify(t)} is not in the vocabulary and numOovIndices is 0`,
        );
      return start + (this.numOovIndices === 1 ? 0 : this.oovBucket(t, this.numOovIndices));
    });
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as unknown;
    if (!this.hasVocabulary)
      throw new ValueError(
        `${this.where()}: give a vocabulary or call adapt() before using the layer`,
      );
    if (this.invert) return this.invertLookup(x) as unknown as Tensor;
    const { tokens, shape } = this.tokensOf(x);
    const ids = this.lookup(tokens);
    if (this.outputMode === 'int') return tensor(ids, shape, 'int32');
    return this.encode(ids, shape);
  }

  /**
   * Encodes looked-up ids (−1: a mask token, counted nowhere) by the output mode, as
   * {@link CategoryEncoding} does: rows along the last axis (a rank-1 input is one row).
   */
  protected encode(ids: Int32Array, shape: readonly number[]): Tensor {
    const depth = this.outputDepth();
    if (this.outputMode === 'one_hot') {
      const res = new Float32Array(ids.length * depth);
      ids.forEach((id, i) => {
        if (id >= 0) res[i * depth + id] = 1;
      });
      const s = shape.length > 1 && shape[shape.length - 1] === 1 ? shape.slice(0, -1) : shape;
      return tensor(res, [...s, depth]);
    }
    // Multi-hot, counts and TF-IDF: one row per position of the leading axes.
    const rows = shape.length >= 2 ? shape.slice(0, -1).reduce((a, d) => a * d, 1) : 1;
    const per = rows > 0 ? ids.length / rows : 0;
    const out = this.encodeRows(
      Array.from({ length: rows }, (_, r) => ids.subarray(r * per, (r + 1) * per)),
    );
    return out.reshape(shape.length >= 2 ? [...shape.slice(0, -1), depth] : [depth]);
  }

  private invertLookup(x: unknown): StringTensor | Tensor {
    const t =
      x instanceof Tensor ? x : convertToTensor(x as never, this.where(), 'inputs', 'int32');
    const ids = Array.from(t.dataSync(), Number);
    const vocab = this.getVocabulary();
    const out = ids.map((i) => {
      if (!Number.isInteger(i) || i < 0)
        throw new ValueError(`${this.where()}: index ${i} is not a valid index`);
      return i < vocab.length ? vocab[i]! : this.oovToken;
    });
    return this.kind === 'string'
      ? new StringTensor(out as string[], t.shape)
      : tensor(Int32Array.from(out as number[]), t.shape, 'int32');
  }

  protected override outputDType(): SymbolicDType {
    if (this.invert) return this.kind === 'string' ? 'string' : 'int32';
    return this.outputMode === 'int' ? 'int32' : 'float32';
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    if (this.outputMode === 'int') return s;
    const depth = this.outputDepth();
    return new CategoryEncoding({
      numTokens: depth,
      outputMode: this.outputMode === 'tf_idf' ? 'count' : this.outputMode,
    }).computeOutputShape(s);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      maxTokens: this.maxTokens,
      numOovIndices: this.numOovIndices,
      maskToken: this.maskToken as ConfigValue,
      oovToken: this.oovToken as ConfigValue,
      // As Keras: a given vocabulary stays in the config, a learnt one goes to the archive's
      // assets (saveAssets) — unless a term holds a line break, which the one-term-per-line
      // file cannot carry; then the config carries it (both libraries read it there).
      vocabulary: (this.inputVocabulary ??
        (this.hasVocabulary && !this.vocabularyFitsFile()
          ? this.getVocabulary()
          : null)) as ConfigValue | null,
      // Learnt TF-IDF weights ride in the config: Keras keeps them in no file of its own.
      idfWeights:
        (this.inputIdf ? [...this.inputIdf] : null) ??
        (this.idf && this.hasVocabulary
          ? Array.from(this.idf.subarray(0, this.vocabularySize()))
          : null),
      vocabularySize: this.hasVocabulary ? this.vocabularySize() : null,
      invert: this.invert,
      outputMode: this.outputMode,
      padToMaxTokens: this.padToMaxTokens,
      sparse: false,
      oovMethod: this.oovMethod,
      salt: this.salt ? [...this.salt] : null,
    };
  }

  /** Whether every term survives Keras's one-term-per-line vocabulary file. */
  private vocabularyFitsFile(): boolean {
    return this.vocab.every((t) => typeof t !== 'string' || !LINE_BREAKS.test(t));
  }

  /**
   * The learnt vocabulary as Keras's `vocabulary.txt` (special tokens first, one per line),
   * for `assets/<layer path>/` of a `.keras` archive. A given vocabulary stays in the config,
   * as Keras does; an unadapted layer writes only its special tokens, as Keras does.
   * @example layer.saveAssets() // { 'vocabulary.txt': bytes of '[UNK]\nd\nz\nc\nb\na' }
   */
  override saveAssets(): Record<string, Uint8Array> | null {
    if (this.inputVocabulary || !this.vocabularyFitsFile()) return null;
    const text = this.getVocabulary(true).map(String).join('\n');
    return { 'vocabulary.txt': utf8Encoder.encode(text) };
  }

  /**
   * Reads Keras's `vocabulary.txt` from the layer's assets: lines split as Python's
   * `splitlines` does, trailing empty lines dropped, integers parsed strictly. A file that
   * holds only the special tokens leaves the layer unadapted.
   * @example layer.loadAssets(new Map([['vocabulary.txt', bytes]]), 'assets/layers/string_lookup')
   */
  override loadAssets(files: ReadonlyMap<string, Uint8Array>, where: string): void {
    if (this.inputVocabulary) return;
    const what = `${this.where()}: ${where}/vocabulary.txt`;
    const bytes = files.get('vocabulary.txt');
    if (!bytes) {
      if ((this.savedVocabularySize ?? 0) > this.tokenStart())
        throw new ValueError(
          `${what} is missing, but the layer was saved with a vocabulary of ${this.savedVocabularySize}`,
        );
      return;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ValueError(`${what} is not valid UTF-8`);
    }
    const lines = text.split(LINE_BREAKS);
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    const values = lines.map((line, i) => {
      if (this.kind === 'string') return line as T;
      if (!/^[+-]?\d+$/.test(line.trim()) || !Number.isSafeInteger(Number(line)))
        throw new ValueError(`${what}: line ${i + 1} is ${JSON.stringify(line)}, not an integer`);
      return Number(line) as T;
    });
    if (this.savedVocabularySize !== null && values.length !== this.savedVocabularySize)
      throw new ValueError(
        `${what} holds ${values.length} entries, but the layer was saved with a vocabulary of ${this.savedVocabularySize}`,
      );
    const special = this.getVocabulary(true).slice(0, this.tokenStart());
    if (values.length <= special.length && values.every((v, i) => v === special[i])) return;
    let idf: readonly number[] | undefined;
    if (this.outputMode === 'tf_idf') {
      if (!this.inputIdf)
        throw new ValueError(
          `${what}: outputMode 'tf_idf' needs idf weights with the vocabulary, and the config has none (Keras does not save the weights it learns in this mode)`,
        );
      idf = this.inputIdf;
    }
    this.setVocabulary(values, idf);
    this.hasVocabulary = true;
  }
}

/** Options of {@link StringLookup}. */
export interface StringLookupArgs extends LookupArgs<string> {
  /** Text encoding of the tokens: only `'utf-8'` (Keras's default). */
  encoding?: string;
}

/** Options of {@link IntegerLookup}. */
export interface IntegerLookupArgs extends LookupArgs<number> {
  /** Dtype of the vocabulary: only `'int64'`, as Keras. */
  vocabularyDtype?: 'int64';
}

/**
 * Maps strings to integer indices through a vocabulary (Keras's `StringLookup`): given, or
 * learnt by `adapt()`; unknown strings hash into the OOV indices by FarmHash64, as Keras.
 *
 * Formula: `y = index(x)` (mask → 0, OOV → an OOV index), or encoded by `outputMode`.
 *
 * Shape: `'int'` keeps the shape; encoded modes as {@link CategoryEncoding}.
 * @example new StringLookup({ vocabulary: ['a', 'b', 'c', 'd'] }).apply(tensor([['a', 'c', 'd'], ['d', 'z', 'b']]) as never) // [[1, 3, 4], [4, 0, 2]]
 */
export class StringLookup extends IndexLookup<string> {
  static override readonly className = 'StringLookup';
  protected get kind(): string {
    return 'string';
  }

  protected override get acceptsStrings(): boolean {
    return true;
  }

  constructor(args: StringLookupArgs = {}) {
    super(args, '[UNK]');
    if ((args.encoding ?? 'utf-8').toLowerCase().replace('_', '-') !== 'utf-8')
      throw new ValueError(
        `${this.where()}: only the 'utf-8' encoding is supported, got '${args.encoding}'`,
      );
  }

  override getConfig(): Config {
    return { ...super.getConfig(), encoding: 'utf-8' };
  }

  protected isToken(v: unknown): v is string {
    return typeof v === 'string';
  }

  protected oovBucket(token: string, buckets: number): number {
    const h = this.salt
      ? sipHash64(token, [BigInt(this.salt[0]), BigInt(this.salt[1])])
      : fingerprint64(token);
    return Number(h % BigInt(buckets));
  }

  protected tokensOf(x: unknown): { tokens: string[]; shape: number[] } {
    const t =
      x instanceof StringTensor
        ? x
        : typeof x === 'string' || Array.isArray(x)
          ? stringTensor(x as string[])
          : null;
    if (!t)
      throw new ValueError(
        `${this.where()}: inputs must be strings (a string tensor or arrays of strings), got ${x instanceof Tensor ? `a ${x.dtype} tensor` : typeof x}`,
      );
    return { tokens: [...t.values], shape: [...t.shape] };
  }
}
registerSerializable('layer', StringLookup);

/**
 * Maps integers to indices through a vocabulary (Keras's `IntegerLookup`): given, or learnt
 * by `adapt()`; unknown integers fall into the OOV indices by floor-mod, as Keras.
 *
 * Formula: `y = index(x)` (mask → 0, OOV → an OOV index), or encoded by `outputMode`.
 *
 * Shape: `'int'` keeps the shape; encoded modes as {@link CategoryEncoding}.
 * @example new IntegerLookup({ vocabulary: [12, 36, 1138, 42] }).apply(tensor([[12, 1138, 42]], undefined, 'int32')) // [[1, 3, 4]]
 */
export class IntegerLookup extends IndexLookup<number> {
  static override readonly className = 'IntegerLookup';
  protected get kind(): string {
    return 'integer';
  }

  constructor(args: IntegerLookupArgs = {}) {
    super(args, -1);
    if (this.salt && this.oovMethod !== 'farmhash')
      throw new ValueError(`${this.where()}: salt can only be used with oovMethod 'farmhash'`);
    if ((args.vocabularyDtype ?? 'int64') !== 'int64')
      throw new ValueError(
        `${this.where()}: vocabularyDtype must be 'int64' (as in Keras), got '${args.vocabularyDtype}'`,
      );
  }

  override getConfig(): Config {
    return { ...super.getConfig(), vocabularyDtype: 'int64' };
  }

  protected isToken(v: unknown): v is number {
    return typeof v === 'number' && Number.isInteger(v);
  }

  protected oovBucket(token: number, buckets: number): number {
    if (this.oovMethod === 'farmhash') {
      // Keras hashes the integer's decimal text (tf.strings.as_string).
      const text = String(token);
      const h = this.salt
        ? sipHash64(text, [BigInt(this.salt[0]), BigInt(this.salt[1])])
        : fingerprint64(text);
      return Number(h % BigInt(buckets));
    }
    return ((token % buckets) + buckets) % buckets;
  }

  protected tokensOf(x: unknown): { tokens: number[]; shape: number[] } {
    if (x instanceof StringTensor)
      throw new ValueError(`${this.where()}: inputs must be integers, got strings`);
    const t =
      x instanceof Tensor ? x : convertToTensor(x as never, this.where(), 'inputs', 'int32');
    const tokens = Array.from(t.dataSync(), Number);
    tokens.forEach((v, i) => {
      if (!Number.isInteger(v))
        throw new ValueError(`${this.where()}: input ${i} is ${v}, not an integer`);
    });
    return { tokens, shape: [...t.shape] };
  }
}
registerSerializable('layer', IntegerLookup);
