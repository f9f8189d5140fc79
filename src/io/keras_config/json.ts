/**
 * Plain-JSON checks for model configs read from files: every value is validated before it is
 * used, so a malformed or hostile config gives a {@link FormatError} naming the field, never a
 * crash, a prototype change or a runaway recursion.
 */
import { FormatError } from '../errors.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}
/** A Keras configuration object (`config.json`, `model_config`, a TF.js `modelTopology`). */
export type KerasJson = JsonObject;

/** Deepest nesting accepted in a config (Keras's own configs stay far below it). */
export const MAX_DEPTH = 64;
/** Keys that could reach an object's prototype if a later consumer assigned them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A short, bounded description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  return `${typeof v} ${String(v)}`;
}

/** A short JSON rendering of a value (for "option = value" messages). */
export function show(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  if (s === undefined) return describe(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** True for a plain JSON object (not an array, not null, not a class instance). */
export function isObject(v: unknown): v is JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The object's own value for `key`, or undefined (never an inherited one). */
export function own(o: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * Checks that `root` is plain JSON: objects, arrays, strings, finite numbers, booleans and
 * null only, nested at most {@link MAX_DEPTH} deep, with no `__proto__`, `constructor` or
 * `prototype` key. Iterative, so a hostile nesting depth cannot overflow the stack.
 */
export function checkJson(root: unknown, where: string): asserts root is Json {
  const stack: [unknown, string, number][] = [[root, '', 0]];
  let visited = 0;
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (++visited > 5_000_000) throw new FormatError(`${where}: the config is too large`);
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        throw new FormatError(`${where}: ${path || 'the config'} holds a non-finite number`);
      continue;
    }
    if (typeof v !== 'object') {
      throw new FormatError(
        `${where}: ${path || 'the config'} is ${describe(v)}, which is not a JSON value`,
      );
    }
    if (depth >= MAX_DEPTH) {
      throw new FormatError(
        `${where}: the config is nested deeper than ${MAX_DEPTH} levels (at ${path || 'the root'})`,
      );
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`, depth + 1]);
      continue;
    }
    if (!isObject(v)) {
      throw new FormatError(`${where}: ${path || 'the config'} is not a plain JSON object`);
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) {
        throw new FormatError(
          `${where}: ${path || 'the config'} has the forbidden key '${k}' (refused: it could alter object prototypes)`,
        );
      }
      stack.push([(v as JsonObject)[k], path ? `${path}.${k}` : k, depth + 1]);
    }
  }
}

/** Largest JSON text (config.json, model.json, model_config) a loader parses: 64 MiB. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/**
 * Most values (containers plus separators) a JSON text may hold before it is parsed: parsed
 * JSON takes tens of bytes per value, so this bounds the memory parsing can take (~100 MB);
 * Keras's largest configs hold far fewer.
 */
export const MAX_JSON_VALUES = 2_000_000;

/** Limits of {@link scanJson} and {@link parseJsonBounded}. */
export interface JsonLimits {
  /** Most bytes (UTF-8) or characters (default {@link MAX_JSON_BYTES}). */
  maxBytes?: number;
  /** Deepest nesting of arrays and objects (default {@link MAX_DEPTH}). */
  maxDepth?: number;
  /** Most values (default {@link MAX_JSON_VALUES}). */
  maxValues?: number;
}

/**
 * Checks JSON text (a string or UTF-8 bytes) against size, nesting-depth and value-count
 * limits with one linear scan, before any `JSON.parse`: parsing a hostile 50 MB of nested
 * brackets takes V8 seconds and gigabytes, this scan milliseconds and no memory. It does not
 * validate the syntax (`JSON.parse` does that afterwards). Strings are skipped, escapes
 * included, so brackets inside strings do not count.
 * @example scanJson('[[1]]', 'config.json', { maxDepth: 1 }); // throws FormatError: nested deeper than 1
 */
export function scanJson(text: string | Uint8Array, where: string, limits: JsonLimits = {}): void {
  const maxBytes = limits.maxBytes ?? MAX_JSON_BYTES;
  const maxDepth = limits.maxDepth ?? MAX_DEPTH;
  const maxValues = limits.maxValues ?? MAX_JSON_VALUES;
  const n = text.length;
  if (n > maxBytes)
    throw new FormatError(
      `${where}: the JSON text has ${n} ${typeof text === 'string' ? 'characters' : 'bytes'}, more than the limit of ${maxBytes}`,
    );
  // Both forms index to char codes; the ASCII structural characters are the same in UTF-8.
  const at: (i: number) => number =
    typeof text === 'string' ? (i) => text.charCodeAt(i) : (i) => text[i]!;
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = at(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth)
        throw new FormatError(
          `${where}: the JSON is nested deeper than ${maxDepth} levels (at byte ${i}); refused before parsing`,
        );
      if (++values > maxValues) break;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > maxValues) break;
  }
  if (values > maxValues)
    throw new FormatError(
      `${where}: the JSON holds more than ${maxValues} values; refused before parsing`,
    );
}

/**
 * Parses JSON text (a string or UTF-8 bytes) after {@link scanJson} accepted it, so a hostile
 * size or nesting is refused before `JSON.parse` spends time and memory on it.
 * @example const config = parseJsonBounded(bytes, '.keras config.json');
 */
export function parseJsonBounded(
  text: string | Uint8Array,
  where: string,
  limits: JsonLimits = {},
): unknown {
  scanJson(text, where, limits);
  let s: string;
  if (typeof text === 'string') s = text;
  else {
    try {
      s = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw new FormatError(`${where}: not valid UTF-8 text`);
    }
  }
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new FormatError(`${where}: not valid JSON (${(e as Error).message})`);
  }
}

/** Parses a JSON string (or passes a value through) and checks it with {@link checkJson}. */
export function parseChecked(input: unknown, where: string): Json {
  const v = typeof input === 'string' ? parseJsonBounded(input, where) : input;
  checkJson(v, where);
  return v;
}

/** A new object whose keys are set one by one (keys were checked, so assignment is safe). */
export function newObject(): JsonObject {
  return {};
}

/** Reads typed fields of a JSON object, naming the field on a type error. */
export class Fields {
  constructor(
    readonly o: JsonObject,
    readonly path: string,
  ) {}

  private fail(key: string, want: string, v: unknown): never {
    throw new FormatError(`${this.path}.${key} must be ${want}, got ${describe(v)}`);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.o, key);
  }

  get(key: string): Json | undefined {
    return own(this.o, key);
  }

  str(key: string): string {
    const v = own(this.o, key);
    if (typeof v !== 'string' || v.length === 0) this.fail(key, 'a non-empty string', v);
    return v;
  }

  optStr(key: string): string | null {
    const v = own(this.o, key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(key, 'a string or null', v);
    return v;
  }

  obj(key: string): JsonObject {
    const v = own(this.o, key);
    if (!isObject(v)) this.fail(key, 'an object', v);
    return v;
  }

  optObj(key: string): JsonObject | null {
    const v = own(this.o, key);
    if (v === undefined || v === null) return null;
    if (!isObject(v)) this.fail(key, 'an object or null', v);
    return v;
  }

  arr(key: string): Json[] {
    const v = own(this.o, key);
    if (!Array.isArray(v)) this.fail(key, 'an array', v);
    return v;
  }

  optArr(key: string): Json[] | null {
    const v = own(this.o, key);
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) this.fail(key, 'an array or null', v);
    return v;
  }

  optBool(key: string): boolean | null {
    const v = own(this.o, key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }
}

/** Checks a non-negative integer. */
export function asIndex(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new FormatError(`${where} must be a non-negative integer, got ${describe(v)}`);
  }
  return v;
}

/** Checks a shape: an array of non-negative integers or nulls. */
export function asShape(v: unknown, where: string): (number | null)[] {
  if (!Array.isArray(v))
    throw new FormatError(`${where} must be a shape array, got ${describe(v)}`);
  return v.map((d, i) => {
    if (d === null) return null;
    return asIndex(d, `${where}[${i}]`);
  });
}

/** Checks a non-empty string. */
export function asName(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0)
    throw new FormatError(`${where} must be a non-empty string, got ${describe(v)}`);
  return v;
}

/** A deep copy of checked JSON. */
export function copyJson<T extends Json>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => copyJson(x)) as T;
  const out = newObject();
  for (const k of Object.keys(v)) out[k] = copyJson((v as JsonObject)[k]!);
  return out as T;
}

/**
 * Keras config keys whose values Python reads as floats, some of which Keras type-checks
 * (SGD refuses `momentum: 0`, an int, but takes `0.0`).
 */
const KERAS_FLOAT_KEYS: ReadonlySet<string> = new Set([
  'learning_rate',
  'momentum',
  'rho',
  'epsilon',
  'beta_1',
  'beta_2',
  'weight_decay',
  'clipnorm',
  'clipvalue',
  'global_clipnorm',
  'ema_momentum',
  'initial_accumulator_value',
  'learning_rate_power',
  'l1_regularization_strength',
  'l2_regularization_strength',
]);

/**
 * JSON text as Python's `json.dumps` writes Keras configs, except that an integral number
 * under a float key keeps a decimal point (`0.0`), so Keras reads it as the float it is.
 * @example kerasJsonText({ momentum: 0 }) // '{"momentum": 0.0}'-like, without spaces
 */
export function kerasJsonText(value: unknown): string {
  const write = (v: unknown, floatKey: boolean): string => {
    if (typeof v === 'number' && floatKey && Number.isInteger(v)) {
      const s = JSON.stringify(v);
      return /^-?\d+$/.test(s) ? `${s}.0` : s;
    }
    if (Array.isArray(v)) return `[${v.map((x) => write(x, false)).join(',')}]`;
    if (
      v !== null &&
      typeof v === 'object' &&
      typeof (v as { toJSON?: unknown }).toJSON !== 'function'
    ) {
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === 'function') continue;
        parts.push(`${JSON.stringify(k)}:${write(x, KERAS_FLOAT_KEYS.has(k))}`);
      }
      return `{${parts.join(',')}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };
  return write(value, false);
}
