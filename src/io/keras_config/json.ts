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

/** Parses a JSON string (or passes a value through) and checks it with {@link checkJson}. */
export function parseChecked(input: unknown, where: string): Json {
  let v = input;
  if (typeof input === 'string') {
    try {
      v = JSON.parse(input);
    } catch (e) {
      throw new FormatError(`${where}: not valid JSON (${(e as Error).message})`);
    }
  }
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
