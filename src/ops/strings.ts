/**
 * String ops, as `tf.strings` offers the ones Keras's text layers need: case, stripping, regex
 * replace, splitting into tokens, n-grams, joining, lengths and equality. They work on
 * {@link StringTensor}s (or plain strings and arrays) on the host, UTF-8 correct: lengths in
 * bytes or in code points, case mapping by Unicode rules.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type NestedStrings, StringTensor, stringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';

/** A string tensor, or strings that convert to one. */
export type StringLike = StringTensor | NestedStrings | readonly string[];

/**
 * Converts strings to a {@link StringTensor}, naming `op` in errors.
 * @example toStringTensor(['a', 'b'], 'lower').shape // [2]
 */
export function toStringTensor(x: StringLike, op: string): StringTensor {
  if (x instanceof StringTensor) return x;
  if (typeof x === 'string' || Array.isArray(x)) return stringTensor(x as NestedStrings);
  throw new DTypeError(
    `${op}: expected a string tensor or strings, got ${x === null ? 'null' : typeof x}`,
  );
}

function mapStrings(x: StringLike, op: string, f: (s: string) => string): StringTensor {
  const t = toStringTensor(x, op);
  return new StringTensor(t.values.map(f), t.shape);
}

/** Lowercase by Unicode rules. @example lower(['Hello, World']).stringsSync() // ['hello, world'] */
export function lower(x: StringLike): StringTensor {
  return mapStrings(x, 'lower', (s) => s.toLowerCase());
}

/** Uppercase by Unicode rules. @example upper(['abc']).stringsSync() // ['ABC'] */
export function upper(x: StringLike): StringTensor {
  return mapStrings(x, 'upper', (s) => s.toUpperCase());
}

/** Leading and trailing whitespace removed. @example strip(['  a b ']).stringsSync() // ['a b'] */
export function strip(x: StringLike): StringTensor {
  return mapStrings(x, 'strip', (s) => s.trim());
}

/**
 * Replaces matches of a regular expression (JavaScript syntax, which covers the RE2 patterns
 * Keras uses) with `rewrite` (`$1`… for groups), every match or the first.
 * @example regexReplace(['a1b22'], '[0-9]+', '#').stringsSync() // ['a#b#']
 */
export function regexReplace(
  x: StringLike,
  pattern: string | RegExp,
  rewrite: string,
  opts: { replaceGlobal?: boolean } = {},
): StringTensor {
  const global = opts.replaceGlobal ?? true;
  let re: RegExp;
  try {
    re =
      typeof pattern === 'string'
        ? new RegExp(pattern, global ? 'gu' : 'u')
        : new RegExp(pattern.source, `${pattern.flags.replace('g', '')}${global ? 'g' : ''}`);
  } catch (err) {
    throw new ValueError(
      `regexReplace: invalid pattern ${JSON.stringify(String(pattern))}: ${(err as Error).message}`,
    );
  }
  return mapStrings(x, 'regexReplace', (s) => s.replace(re, rewrite));
}

/**
 * The length of each string: UTF-8 bytes (`'BYTE'`, TensorFlow's default) or code points
 * (`'UTF8_CHAR'`).
 *
 * Shape: the input's, int32.
 * @example stringLength(['héllo']).dataSync() // [6]
 */
export function stringLength(x: StringLike, unit: 'BYTE' | 'UTF8_CHAR' = 'BYTE'): Tensor {
  const t = toStringTensor(x, 'stringLength');
  if (unit !== 'BYTE' && unit !== 'UTF8_CHAR')
    throw new ValueError(`stringLength: unit must be 'BYTE' or 'UTF8_CHAR', got '${unit}'`);
  const enc = new TextEncoder();
  const out = Int32Array.from(t.values, (s) =>
    unit === 'BYTE' ? enc.encode(s).length : [...s].length,
  );
  return tensor(out, t.shape, 'int32');
}

/**
 * Whether strings are equal, elementwise (a string compares with every element).
 *
 * Shape: the input's, bool.
 * @example stringEqual(['a', 'b'], 'b').dataSync() // [0, 1]
 */
export function stringEqual(a: StringLike, b: StringLike | string): Tensor {
  const ta = toStringTensor(a, 'stringEqual');
  const v =
    typeof b === 'string' ? ta.equalValues(b) : ta.equalValues(toStringTensor(b, 'stringEqual'));
  return tensor(v, ta.shape, 'bool');
}

/**
 * Splits each string into tokens: on runs of whitespace (no separator, as TensorFlow's
 * default) or on every occurrence of `sep`. The result is ragged: one token list per string,
 * in row-major order.
 * @example split(['a b  c', 'd']) // [['a', 'b', 'c'], ['d']]
 */
export function split(x: StringLike, sep?: string, maxsplit = -1): string[][] {
  const t = toStringTensor(x, 'split');
  if (sep === '') throw new ValueError('split: the separator must not be empty');
  return t.values.map((s) => {
    let parts = sep === undefined ? s.split(/\s+/u).filter((p) => p !== '') : s.split(sep);
    if (maxsplit >= 0 && parts.length > maxsplit + 1) {
      // The rest after maxsplit splits stays one token, as Python's str.split.
      if (sep === undefined) {
        const tokens = parts.slice(0, maxsplit);
        let rest = s.trimStart();
        for (const tok of tokens) rest = rest.slice(rest.indexOf(tok) + tok.length).trimStart();
        parts = [...tokens, rest];
      } else parts = [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
    }
    return parts;
  });
}

/**
 * The n-grams of a token list, for each n in `ngramWidths` (a number, or a list, as Keras's
 * `ngrams` argument gives `(1, …, n)`), joined by `separator`, in order of n then position.
 * @example ngrams(['a', 'b', 'c'], [1, 2]) // ['a', 'b', 'c', 'a b', 'b c']
 */
export function ngrams(
  tokens: readonly string[],
  ngramWidths: number | readonly number[],
  separator = ' ',
): string[] {
  const widths = typeof ngramWidths === 'number' ? [ngramWidths] : [...ngramWidths];
  for (const n of widths)
    if (!Number.isInteger(n) || n < 1)
      throw new ValueError(`ngrams: widths must be positive integers, got ${n}`);
  const out: string[] = [];
  for (const n of widths)
    for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(separator));
  return out;
}

/**
 * Joins string tensors of the same shape elementwise with a separator.
 *
 * Shape: the inputs' shape.
 * @example join([['a', 'b'], ['x', 'y']], '-').stringsSync() // ['a-x', 'b-y']
 */
export function join(xs: readonly StringLike[], separator = ''): StringTensor {
  if (xs.length === 0) throw new ValueError('join: needs at least one string tensor');
  const ts = xs.map((x) => toStringTensor(x, 'join'));
  const s0 = ts[0]!.shape;
  ts.forEach((t, i) => {
    if (t.rank !== s0.length || t.shape.some((d, k) => d !== s0[k]))
      throw new ShapeError(
        `join: input ${i} has shape ${fmtShape(t.shape)}; expected ${fmtShape(s0)}`,
      );
  });
  return new StringTensor(
    ts[0]!.values.map((_, i) => ts.map((t) => t.values[i]).join(separator)),
    s0,
  );
}

/**
 * Joins the strings along an axis (all of them by default) with a separator.
 * @example reduceJoin([['a', 'b'], ['c', 'd']], 1, ' ').stringsSync() // ['a b', 'c d']
 */
export function reduceJoin(x: StringLike, axis?: number, separator = ''): StringTensor {
  const t = toStringTensor(x, 'reduceJoin');
  if (axis === undefined) return new StringTensor([t.values.join(separator)], []);
  const ax = axis < 0 ? axis + t.rank : axis;
  if (!Number.isInteger(axis) || ax < 0 || ax >= t.rank)
    throw new ValueError(`reduceJoin: axis ${axis} is out of range for rank ${t.rank}`);
  const outer = t.shape.slice(0, ax).reduce((a, d) => a * d, 1);
  const n = t.shape[ax]!;
  const inner = t.shape.slice(ax + 1).reduce((a, d) => a * d, 1);
  const out: string[] = [];
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++) {
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(t.values[(o * n + i) * inner + k]!);
      out.push(parts.join(separator));
    }
  return new StringTensor(out, [...t.shape.slice(0, ax), ...t.shape.slice(ax + 1)]);
}

/**
 * Numbers parsed from strings (float32 or int32); a string that is not a number is an error
 * naming it.
 * @example stringToNumber(['1.5', '2']).dataSync() // [1.5, 2]
 */
export function stringToNumber(x: StringLike, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const t = toStringTensor(x, 'stringToNumber');
  const out = dtype === 'int32' ? new Int32Array(t.size) : new Float32Array(t.size);
  t.values.forEach((s, i) => {
    const v = Number(s.trim());
    if (s.trim() === '' || Number.isNaN(v) || (dtype === 'int32' && !Number.isInteger(v)))
      throw new ValueError(
        `stringToNumber: element ${i} ('${s}') is not ${dtype === 'int32' ? 'an integer' : 'a number'}`,
      );
    out[i] = v;
  });
  return tensor(out, t.shape, dtype);
}

/**
 * Numbers written as strings (as `tf.strings.as_string`: integers without a decimal point).
 * @example asString(tensor([1, 2.5])).stringsSync() // ['1', '2.5']
 */
export function asString(x: Tensor): StringTensor {
  return new StringTensor(
    Array.from(x.dataSync(), (v) => String(v)),
    x.shape,
  );
}
