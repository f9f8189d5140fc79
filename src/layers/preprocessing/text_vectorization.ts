import { Dataset } from '../../data/dataset.js';
import { flattenElement } from '../../data/structure.js';
/**
 * `TextVectorization`, Keras's text layer: standardize (lowercase, strip punctuation), split
 * into tokens (whitespace or characters), optionally form n-grams, then look the tokens up in
 * a vocabulary (given, or learnt by `adapt()` on strings or a dataset of strings) and output
 * padded index sequences or multi-hot / count / TF-IDF vectors.
 */
import { ValueError } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { lower, ngrams, regexReplace, split } from '../../ops/strings.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { StringTensor, stringTensor } from '../../tensor/string_tensor.js';
import { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, singleShape } from '../layer.js';
import type { SymbolicDType, SymbolicShape } from '../symbolic.js';
import { type LookupOutputMode, StringLookup } from './lookup.js';

/** Keras's punctuation for `'strip_punctuation'` (the regex its TextVectorization uses). */
const PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/gu;

/** Options of {@link TextVectorization}, Keras's names. */
export interface TextVectorizationArgs extends LayerArgs {
  /** Vocabulary size, the mask '' and OOV '[UNK]' included (default: no limit). */
  maxTokens?: number | null;
  /** `'lower_and_strip_punctuation'` (default), `'lower'`, `'strip_punctuation'`, null, or a function. */
  standardize?:
    | 'lower_and_strip_punctuation'
    | 'lower'
    | 'strip_punctuation'
    | null
    | ((x: StringTensor) => StringTensor);
  /** `'whitespace'` (default), `'character'`, null (each string is one token), or a function. */
  split?: 'whitespace' | 'character' | null | ((x: StringTensor) => string[][]);
  /** n-grams to add: a number n (1 … n) or a list of widths (default none). */
  ngrams?: number | readonly number[] | null;
  /** `'int'` (default), `'multi_hot'`, `'count'` or `'tf_idf'`. */
  outputMode?: Exclude<LookupOutputMode, 'one_hot'>;
  /** In `'int'` mode, pad or truncate every sequence to this length (at the end). */
  outputSequenceLength?: number | null;
  /** In the encoded modes, output `maxTokens` columns even when the vocabulary is smaller. */
  padToMaxTokens?: boolean;
  /** A vocabulary instead of `adapt()`. */
  vocabulary?: readonly string[] | null;
  /** With `'tf_idf'` and a vocabulary, one weight per term. */
  idfWeights?: readonly number[] | null;
  /** Ragged and sparse outputs are not supported (default false). */
  ragged?: boolean;
  sparse?: boolean;
  /** Text encoding: only `'utf-8'` (Keras's default). */
  encoding?: string;
  /**
   * The vocabulary size recorded when the layer was saved (Keras's `vocabulary_size`): a
   * vocabulary loaded from the archive's assets must have it.
   */
  vocabularySize?: number | null;
}

/**
 * Turns strings into token index sequences or vectors, as Keras's `TextVectorization`.
 *
 * Formula: standardize → split → n-grams → lookup (0 = padding, 1 = OOV) → pad, or encode.
 *
 * Shape: `[batch]` or `[batch, 1]` strings → `[batch, outputSequenceLength]` int32 (`'int'`),
 * or `[batch, vocabularySize]` float32.
 * @example
 * const v = new TextVectorization({ outputSequenceLength: 4 });
 * await v.adapt(['foo bar', 'bar baz', 'baz bada boom']);
 * v.apply([['foo qux bar'], ['qux baz']]); // [[4, 1, 3, 0], [1, 2, 0, 0]]
 */
export class TextVectorization extends Layer {
  static override readonly className = 'TextVectorization';
  readonly standardize: TextVectorizationArgs['standardize'];
  readonly splitMode: TextVectorizationArgs['split'];
  readonly ngramWidths: number[] | null;
  readonly outputMode: Exclude<LookupOutputMode, 'one_hot'>;
  readonly outputSequenceLength: number | null;
  readonly lookup: StringLookup;
  private readonly ngramsArg: number | number[] | null;

  constructor(args: TextVectorizationArgs = {}) {
    super(args);
    const where = `${this.name} (TextVectorization)`;
    this.standardize =
      args.standardize === undefined ? 'lower_and_strip_punctuation' : args.standardize;
    this.splitMode = args.split === undefined ? 'whitespace' : args.split;
    if (
      typeof this.standardize === 'string' &&
      !['lower_and_strip_punctuation', 'lower', 'strip_punctuation'].includes(this.standardize)
    )
      throw new ValueError(
        `${where}: standardize must be 'lower_and_strip_punctuation', 'lower', 'strip_punctuation', null or a function, got '${this.standardize}'`,
      );
    if (typeof this.splitMode === 'string' && !['whitespace', 'character'].includes(this.splitMode))
      throw new ValueError(
        `${where}: split must be 'whitespace', 'character', null or a function, got '${this.splitMode}'`,
      );
    const ng = args.ngrams ?? null;
    if (
      ng !== null &&
      !(
        Number.isInteger(ng) ||
        (Array.isArray(ng) && ng.every((n) => Number.isInteger(n) && n > 0))
      )
    )
      throw new ValueError(
        `${where}: ngrams must be null, an integer or a list of integers, got ${JSON.stringify(ng)}`,
      );
    this.ngramsArg = ng === null ? null : typeof ng === 'number' ? ng : [...ng];
    this.ngramWidths =
      ng === null
        ? null
        : typeof ng === 'number'
          ? Array.from({ length: ng }, (_, i) => i + 1)
          : [...ng];
    this.outputMode = args.outputMode ?? 'int';
    if (!['int', 'multi_hot', 'count', 'tf_idf'].includes(this.outputMode))
      throw new ValueError(
        `${where}: outputMode must be 'int', 'multi_hot', 'count' or 'tf_idf', got '${this.outputMode}'`,
      );
    this.outputSequenceLength = args.outputSequenceLength ?? null;
    if (this.outputSequenceLength !== null) {
      if (this.outputMode !== 'int')
        throw new ValueError(`${where}: outputSequenceLength applies only to outputMode 'int'`);
      if (!Number.isInteger(this.outputSequenceLength) || this.outputSequenceLength < 1)
        throw new ValueError(
          `${where}: outputSequenceLength must be a positive integer, got ${this.outputSequenceLength}`,
        );
    }
    if (args.ragged || args.sparse)
      throw new ValueError(`${where}: ragged and sparse outputs are not supported`);
    this.lookup = new StringLookup({
      name: `${this.name}_lookup`,
      maxTokens: args.maxTokens ?? null,
      maskToken: '',
      oovToken: '[UNK]',
      vocabulary: args.vocabulary ?? null,
      idfWeights: args.idfWeights ?? null,
      outputMode: this.outputMode,
      padToMaxTokens: args.padToMaxTokens ?? false,
      encoding: args.encoding,
      vocabularySize: args.vocabularySize ?? null,
    });
    this.built = true;
  }

  /** Keras saves the lookup under `_lookup_layer` (its vocabulary file twice, as Keras does). */
  override savedChildren(): Record<string, Layer> {
    return { _lookup_layer: this.lookup };
  }

  /** The learnt vocabulary as Keras's `vocabulary.txt` (see {@link StringLookup.saveAssets}). */
  override saveAssets(): Record<string, Uint8Array> | null {
    return this.lookup.saveAssets();
  }

  /** Reads Keras's `vocabulary.txt` (see {@link StringLookup.loadAssets}). */
  override loadAssets(files: ReadonlyMap<string, Uint8Array>, where: string): void {
    this.lookup.loadAssets(files, where);
  }

  protected override outputDType(): SymbolicDType {
    return this.outputMode === 'int' ? 'int32' : 'float32';
  }

  protected override get acceptsStrings(): boolean {
    return true;
  }

  /** The vocabulary by index: '' (padding) and '[UNK]' first in `'int'` mode. */
  getVocabulary(includeSpecialTokens = true): string[] {
    return this.lookup.getVocabulary(includeSpecialTokens);
  }

  /** Sets the vocabulary (and idf weights for `'tf_idf'`). */
  setVocabulary(vocabulary: readonly string[], idfWeights?: readonly number[]): void {
    this.lookup.setVocabulary(vocabulary, idfWeights);
  }

  /** The size of the vocabulary, special tokens included. */
  vocabularySize(): number {
    return this.lookup.vocabularySize();
  }

  /** Standardized, split and n-grammed tokens of each input string (one row per string). */
  private tokenRows(x: unknown): { rows: string[][]; scalar: boolean } {
    const where = `${this.name} (TextVectorization)`;
    let t: StringTensor;
    if (x instanceof StringTensor) t = x;
    else if (typeof x === 'string' || Array.isArray(x)) t = stringTensor(x as string[]);
    else
      throw new ValueError(
        `${where}: inputs must be strings, got ${x instanceof Tensor ? `a ${x.dtype} tensor` : typeof x}`,
      );
    if (t.rank > 2 || (t.rank === 2 && t.shape[1] !== 1))
      throw new ValueError(
        `${where}: inputs must be strings of shape [batch] or [batch, 1], got [${t.shape.join(', ')}]`,
      );
    let s = t.reshape([t.size]);
    const std = this.standardize;
    if (std === 'lower' || std === 'lower_and_strip_punctuation') s = lower(s);
    if (std === 'strip_punctuation' || std === 'lower_and_strip_punctuation')
      s = regexReplace(s, PUNCTUATION, '');
    if (typeof std === 'function') s = std(s);
    let rows: string[][];
    if (this.splitMode === 'whitespace') rows = split(s);
    else if (this.splitMode === 'character') rows = s.values.map((v) => [...v]);
    else if (typeof this.splitMode === 'function') rows = this.splitMode(s);
    else rows = s.values.map((v) => [v]);
    if (this.ngramWidths) rows = rows.map((r) => ngrams(r, this.ngramWidths!, ' '));
    return { rows, scalar: t.rank === 0 };
  }

  /**
   * Learns the vocabulary from text: strings, a string tensor, or a dataset / iterable of
   * string batches (or `[text, label]` batches).
   * @example await v.adapt(Dataset.fromTensorSlices(texts).batch(64));
   */
  async adapt(data: unknown): Promise<void> {
    const rows: string[][] = [];
    const iterable =
      data instanceof Dataset ||
      (typeof data === 'object' &&
        data !== null &&
        !(data instanceof StringTensor) &&
        !Array.isArray(data) &&
        (Symbol.asyncIterator in data || Symbol.iterator in data));
    if (iterable) {
      const ds = data instanceof Dataset ? data : Dataset.from(data as Iterable<unknown>);
      for await (const e of ds)
        rows.push(
          ...this.tokenRows(
            Array.isArray(e) ? flattenElement(e[0] as never)[0] : flattenElement(e)[0],
          ).rows,
        );
    } else rows.push(...this.tokenRows(data).rows);
    this.lookup.learn(rows, `${this.name} (TextVectorization).adapt`);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const { rows, scalar } = this.tokenRows(Array.isArray(inputs) ? inputs[0] : inputs);
    const ids = rows.map((r) => this.lookup.lookupTokens(r));
    if (this.outputMode !== 'int') {
      const out = this.lookup.encodeRows(ids);
      return scalar ? out.reshape([out.shape[1]!]) : out;
    }
    const len = this.outputSequenceLength ?? ids.reduce((m, r) => Math.max(m, r.length), 0);
    const out = new Int32Array(ids.length * len);
    ids.forEach((r, i) => out.set(r.subarray(0, len), i * len));
    return scalar ? tensor(out, [len], 'int32') : tensor(out, [ids.length, len], 'int32');
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const batch = s.length === 0 ? [] : [s[0] ?? null];
    if (this.outputMode === 'int') return [...batch, this.outputSequenceLength];
    return [...batch, this.lookup.vocabularySize()];
  }

  override getConfig(): Config {
    if (typeof this.standardize === 'function' || typeof this.splitMode === 'function')
      throw new ValueError(
        `${this.name} (TextVectorization): a standardize or split function cannot be saved in a config (files never carry code); use the built-in options to save this layer`,
      );
    const cfg = this.lookup.getConfig();
    return {
      ...super.getConfig(),
      maxTokens: cfg.maxTokens!,
      standardize: (this.standardize as string | null) ?? null,
      split: (this.splitMode as string | null) ?? null,
      ngrams: this.ngramsArg as ConfigValue,
      outputMode: this.outputMode,
      outputSequenceLength: this.outputSequenceLength,
      padToMaxTokens: cfg.padToMaxTokens!,
      vocabulary: cfg.vocabulary!,
      idfWeights: cfg.idfWeights!,
      ragged: false,
      sparse: false,
      encoding: 'utf-8',
      vocabularySize: cfg.vocabularySize!,
    };
  }
}
registerSerializable('layer', TextVectorization);
