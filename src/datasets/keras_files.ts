/**
 * What the `keras.datasets`-style loaders share: finding the data file (a local copy given as
 * `path`, else the cache, else a download from Keras's URL with Keras's hash), reading `.npz`
 * members with checked dtypes and shapes, NumPy's seeded shuffle and split, and the word-index
 * sequence options of IMDB and Reuters.
 */
import { ShapeError, ValueError } from '../errors.js';
import { type GetFileOptions, getFile } from '../io/get_file.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { type NpyArray, readNpz } from '../io/npy.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { NumpyRandomState } from './numpy_random.js';

/** Where Keras keeps its dataset files. */
export const KERAS_DATASETS_URL = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

/** Options every loader takes. */
export interface LoadOptions {
  /**
   * A local copy of the file to read as it is (a path that exists), or the file's name in the
   * cache (default: Keras's name). A local copy is not hash-checked: it may be one you built.
   */
  path?: string;
  /** Download from this URL instead of Keras's (a mirror); the hash check still applies. */
  origin?: string;
  /** The cache directory (default `$TESSERA_HOME`, else `~/.tessera`). */
  cacheDir?: string;
  /** 1 (default): say what is downloaded and show a progress bar; 0: silent. */
  verbose?: 0 | 1;
}

/**
 * The local path of a dataset file: `opts.path` when it exists, else the cached download of
 * `origin` (fetched once, hash-checked).
 * @example await dataFile('mnist.npz', KERAS_DATASETS_URL + 'mnist.npz', '731c…', {})
 */
export async function dataFile(
  name: string,
  origin: string,
  fileHash: string | undefined,
  opts: LoadOptions,
  extra: GetFileOptions = {},
): Promise<string> {
  if (opts.path !== undefined) {
    const { stat } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
    const found = await stat(opts.path).then(
      () => true,
      () => false,
    );
    if (found) return opts.path;
    if (/[\\/]/.test(opts.path)) throw new ValueError(`loadData: no file at path '${opts.path}'`);
  }
  return getFile(opts.path ?? name, opts.origin ?? origin, {
    fileHash,
    cacheDir: opts.cacheDir,
    verbose: opts.verbose,
    ...extra,
  });
}

/**
 * The members of a `.npz` file, read whole and checked (object arrays through the restricted
 * unpickler, never a general one).
 * @example const f = await readNpzFile('/tmp/mnist.npz', 'mnist.loadData'); f.get('x_train')
 */
export async function readNpzFile(path: string, op: string): Promise<Map<string, NpyArray>> {
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const bytes = new Uint8Array(await readFile(path));
  try {
    return readNpz(bytes);
  } catch (err) {
    (err as Error).message = `${op}: ${path}: ${(err as Error).message}`;
    throw err;
  }
}

/** A member of an npz file, which must exist. */
export function member(f: Map<string, NpyArray>, key: string, op: string, path: string): NpyArray {
  const a = f.get(key);
  if (!a)
    throw new ValueError(
      `${op}: ${path} has no array '${key}' (it has ${[...f.keys()].join(', ') || 'none'}); is it the right file?`,
    );
  return a;
}

/** Numeric npy data as plain numbers (64-bit integers checked to be exact). */
export function numbersOf(a: NpyArray, what: string): ArrayLike<number> {
  const d = a.data;
  if (Array.isArray(d)) throw new ValueError(`${what} is an object array; expected numbers`);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
        throw new ValueError(`${what} holds ${v} at ${i}, beyond exact numbers`);
      out[i] = Number(v);
    }
    return out;
  }
  return d as ArrayLike<number>;
}

/**
 * An int32 tensor of integer npy data (uint8 pixels, int64 labels), its shape checked.
 * @example intTensor(f.get('y_train')!, 'mnist y_train', [60000])
 */
export function intTensor(a: NpyArray, what: string, shape?: readonly (number | null)[]): Tensor {
  checkShape(a.shape, what, shape);
  const src = numbersOf(a, what);
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)
      throw new ValueError(`${what} holds ${v} at ${i}; expected 32-bit integers`);
    out[i] = v;
  }
  return tensor(out, a.shape, 'int32');
}

/** A float32 tensor of numeric npy data. */
export function floatTensor(a: NpyArray, what: string, shape?: readonly (number | null)[]): Tensor {
  checkShape(a.shape, what, shape);
  return tensor(Float32Array.from(numbersOf(a, what)), a.shape, 'float32');
}

function checkShape(got: readonly number[], what: string, want?: readonly (number | null)[]): void {
  if (!want) return;
  if (got.length !== want.length || want.some((d, i) => d !== null && d !== got[i]))
    throw new ShapeError(
      `${what} has shape [${got.join(', ')}]; expected [${want.map((d) => d ?? '*').join(', ')}]`,
    );
}

/**
 * Rows of a flat row-major array in a new order.
 * @example takeRowsOf(new Float32Array([1, 2, 3, 4]), 2, [1, 0]) // [3, 4, 1, 2]
 */
export function takeRowsOf<T extends Float32Array | Int32Array | Float64Array>(
  data: T,
  rowSize: number,
  order: ArrayLike<number>,
): T {
  const out = new (data.constructor as new (n: number) => T)(order.length * rowSize);
  for (let i = 0; i < order.length; i++) {
    const r = order[i]!;
    out.set(data.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return out;
}

/**
 * NumPy's `RandomState(seed).shuffle(arange(n))`: the permutation Keras's loaders apply.
 * @example numpyPermutation(506, 113) // Keras's Boston housing order
 */
export function numpyPermutation(n: number, seed: number): Int32Array {
  return numpyPermutations([n], seed)[0]!;
}

/**
 * Permutations of `0 … n − 1` for each n, drawn one after another from one
 * `RandomState(seed)` (as Keras shuffles IMDB's train split, then its test split).
 * @example numpyPermutations([25000, 25000], 113)
 */
export function numpyPermutations(ns: readonly number[], seed: number): Int32Array[] {
  const rs = new NumpyRandomState(seed);
  return ns.map((n) => {
    const idx = new Int32Array(n).map((_, i) => i);
    rs.shuffle(idx);
    return idx;
  });
}

/**
 * Keras's split point for `testSplit`: `int(n * (1 - testSplit))`.
 * @example splitPoint(506, 0.2) // 404
 */
export function splitPoint(n: number, testSplit: number, op: string): number {
  if (!(typeof testSplit === 'number' && testSplit >= 0 && testSplit < 1))
    throw new ValueError(`${op}: testSplit must be in [0, 1), got ${testSplit}`);
  return Math.floor(n * (1 - testSplit));
}

/** The options of IMDB's and Reuters's word-index sequences (Keras's names, camelCase). */
export interface SequenceOptions {
  /** Keep only the `numWords` most frequent words (others become `oovChar`); default all. */
  numWords?: number | null;
  /** Skip the `skipTop` most frequent words (they become `oovChar`); default 0. */
  skipTop?: number;
  /** Drop sequences of `maxlen` words or more (Keras keeps `len < maxlen`); default none. */
  maxlen?: number | null;
  /** Seed of NumPy's shuffle (default 113). */
  seed?: number;
  /** Marks the start of each sequence (default 1; null for none). */
  startChar?: number | null;
  /** Replaces words cut by numWords/skipTop (default 2; null: drop them). */
  oovChar?: number | null;
  /** Word indices start here (default 3: 0 pad, 1 start, 2 out of vocabulary). */
  indexFrom?: number;
}

function checkOptionalInt(v: unknown, name: string, op: string, min: number): void {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || (v as number) < min)
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min} or null, got ${String(v)}`);
}

/** Sequences and their labels. */
export interface LabelledSequences {
  xs: number[][];
  labels: number[];
}

/**
 * Keras's processing of word-index sequences, in its order: each split gets the start
 * character and index offset and loses sequences of `maxlen` words or more; then the
 * `numWords`/`skipTop` cut applies to all splits (numWords defaults to their largest index).
 * @example prepareSequences([{ xs: [[1, 5]], labels: [0] }], { indexFrom: 3 }, 'imdb.loadData')
 */
export function prepareSequences(
  splits: readonly LabelledSequences[],
  opts: SequenceOptions,
  op: string,
): LabelledSequences[] {
  const startChar = opts.startChar === undefined ? 1 : opts.startChar;
  const oovChar = opts.oovChar === undefined ? 2 : opts.oovChar;
  const indexFrom = opts.indexFrom ?? 3;
  const skipTop = opts.skipTop ?? 0;
  checkOptionalInt(opts.numWords, 'numWords', op, 1);
  checkOptionalInt(opts.maxlen, 'maxlen', op, 1);
  checkOptionalInt(startChar, 'startChar', op, 0);
  checkOptionalInt(oovChar, 'oovChar', op, 0);
  checkOptionalInt(indexFrom, 'indexFrom', op, 0);
  checkOptionalInt(skipTop, 'skipTop', op, 0);
  const out = splits.map(({ xs, labels }) => {
    let seqs = xs.map((x) => {
      const shifted = x.map((w) => w + indexFrom);
      return startChar !== null ? [startChar, ...shifted] : shifted;
    });
    let labs = [...labels];
    if (opts.maxlen) {
      const maxlen = opts.maxlen;
      labs = labs.filter((_, i) => seqs[i]!.length < maxlen);
      seqs = seqs.filter((q) => q.length < maxlen);
      if (seqs.length === 0)
        throw new ValueError(
          `${op}: no sequence is shorter than maxlen=${maxlen}; increase maxlen`,
        );
    }
    return { xs: seqs, labels: labs };
  });
  let numWords = opts.numWords ?? 0;
  if (!numWords)
    for (const sp of out) for (const q of sp.xs) for (const w of q) if (w > numWords) numWords = w;
  for (const sp of out) {
    sp.xs = sp.xs.map((q) =>
      oovChar !== null
        ? q.map((w) => (skipTop <= w && w < numWords ? w : oovChar))
        : q.filter((w) => skipTop <= w && w < numWords),
    );
  }
  return out;
}

/** The sequences of an object array of int lists, checked. */
export function sequencesOf(a: NpyArray, what: string): number[][] {
  if (!Array.isArray(a.data))
    throw new ValueError(
      `${what} must be an object array of word-index lists, got dtype ${a.dtype}`,
    );
  return a.data.map((s, i) => {
    if (!Array.isArray(s) || !s.every((w) => Number.isInteger(w)))
      throw new ValueError(`${what}[${i}] is not a list of integers`);
    return s as number[];
  });
}

/**
 * A word index (JSON object of word → rank) read from a file, checked to hold only integers.
 * @example await readWordIndex(path, 'imdb.getWordIndex')
 */
export async function readWordIndex(path: string, op: string): Promise<Record<string, number>> {
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ValueError(`${op}: ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ValueError(`${op}: ${path} must hold a JSON object of word → index`);
  const out: Record<string, number> = Object.create(null);
  for (const [k, v] of Object.entries(parsed)) {
    if (!Number.isInteger(v))
      throw new ValueError(`${op}: ${path}: the index of '${k}' is not an integer`);
    out[k] = v as number;
  }
  return out;
}
