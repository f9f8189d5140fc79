/**
 * NumPy's `.npy` and `.npz` formats, on bytes (browser-safe): {@link parseNpy} and
 * {@link readNpz} read what `np.save`, `np.savez` and `np.savez_compressed` write;
 * {@link writeNpy} and {@link writeNpz} write numeric arrays that numpy reads.
 *
 * A `.npy` file is the magic `\x93NUMPY`, a version (1.0, 2.0 or 3.0), the header length
 * (2 bytes in 1.0, 4 in 2.0/3.0), a header that is a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces to a multiple
 * of 64 bytes and ended by `\n`, then the raw data. The header is read with a small literal
 * parser (strings, ints, True/False/None, tuples, lists, dicts; never evaluated), and the data
 * size is checked against prod(shape)·itemsize before anything is allocated, so a header that
 * declares a huge shape is refused at once.
 *
 * Numeric data comes back as native typed arrays in C order, little-endian normalised:
 * big-endian descrs are byte-swapped, `fortran_order: True` arrays are transposed to C order,
 * 64-bit ints are `BigInt64Array`/`BigUint64Array` (see {@link int64ToInt32}), float16 is
 * decoded to a `Float32Array`. Object arrays (`|O`, how Keras's `imdb.npz` stores ragged
 * sequences) are read by the restricted unpickler in `pickle.ts`: items are ints or lists of
 * ints; nothing is ever executed. Structured and string dtypes are refused.
 *
 * Every malformed file is a {@link FormatError} whose message names the array (or npz member)
 * and what was wrong; bad arguments to the writers are a {@link ValueError}.
 */
import { ValueError } from '../errors.js';
import { FormatError } from './errors.js';
import { unpickleObjectArray } from './pickle.js';
import { type ReadZipOptions, readZip, writeZip } from './zip.js';

/** The dtypes {@link parseNpy} reads. */
export type NpyDType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'object';

/** The numeric dtypes, which {@link writeNpy} writes. */
export type NpyNumericDType = Exclude<NpyDType, 'object'>;

/** The typed arrays numeric data comes in (float16 is decoded to `Float32Array`). */
export type NpyTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** An array read from a `.npy` file. */
export interface NpyArray {
  /** The descr as the file spells it (`'<f4'`, `'>i8'`, `'|b1'`, `'|O'`). */
  descr: string;
  dtype: NpyDType;
  /** The shape; `[]` for a 0-d array (one element). */
  shape: number[];
  /**
   * The elements in C order: a typed array for numeric dtypes (`Uint8Array` of 0/1 for bool),
   * or for `object` the items, each a number or a (nested) array of numbers.
   */
  data: NpyTypedArray | unknown[];
}

/** A numeric array for {@link writeNpy}: `data` is the typed array {@link parseNpy} gives for `dtype`. */
export interface NpyWritable {
  dtype: NpyNumericDType;
  shape: readonly number[];
  data: NpyTypedArray;
}

/** Options of {@link readNpz}: the zip limits, and the file's name for error messages. */
export interface ReadNpzOptions extends ReadZipOptions {
  /** The archive's name in error messages (default `'npz'`). */
  name?: string;
}

/** Options of {@link writeNpz}. */
export interface WriteNpzOptions {
  /** Deflate the members, as `np.savez_compressed` does (`true` or a level 1–9). */
  compress?: boolean | number;
}

interface DTypeInfo {
  dtype: NpyNumericDType;
  size: number;
  make: (n: number) => NpyTypedArray;
}

// kind + itemsize in a descr → dtype, the byte size, and the typed array that holds it.
const NUMERIC: Record<string, DTypeInfo> = {
  b1: { dtype: 'bool', size: 1, make: (n) => new Uint8Array(n) },
  i1: { dtype: 'int8', size: 1, make: (n) => new Int8Array(n) },
  u1: { dtype: 'uint8', size: 1, make: (n) => new Uint8Array(n) },
  i2: { dtype: 'int16', size: 2, make: (n) => new Int16Array(n) },
  u2: { dtype: 'uint16', size: 2, make: (n) => new Uint16Array(n) },
  i4: { dtype: 'int32', size: 4, make: (n) => new Int32Array(n) },
  u4: { dtype: 'uint32', size: 4, make: (n) => new Uint32Array(n) },
  i8: { dtype: 'int64', size: 8, make: (n) => new BigInt64Array(n) },
  u8: { dtype: 'uint64', size: 8, make: (n) => new BigUint64Array(n) },
  // float16 is decoded into float32; `make` gives the raw 16-bit words first.
  f2: { dtype: 'float16', size: 2, make: (n) => new Uint16Array(n) },
  f4: { dtype: 'float32', size: 4, make: (n) => new Float32Array(n) },
  f8: { dtype: 'float64', size: 8, make: (n) => new Float64Array(n) },
};

// What the writer puts in the header for each dtype (little-endian, as numpy on x86 writes).
const WRITE_DESCR: Record<NpyNumericDType, string> = {
  bool: '|b1',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
};

// The typed array each dtype's data must be in when written.
const WRITE_ARRAY: Record<NpyNumericDType, abstract new (n: number) => NpyTypedArray> = {
  bool: Uint8Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float16: Float32Array,
  float32: Float32Array,
  float64: Float64Array,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
// numpy refuses headers over 10 000 bytes unless told otherwise; a little room above that.
const MAX_HEADER_BYTES = 100_000;
// numpy ≥ 1.23 pads the header so the first dimension can grow to this many digits in place.
const GROWTH_AXIS_MAX_DIGITS = 21;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads a `.npy` file (format 1.0, 2.0 or 3.0) into a typed array in C order, or for object
 * arrays into their items (ints or lists of ints, through the restricted unpickler).
 *
 * Fortran-ordered numeric arrays are transposed to C order; big-endian data is byte-swapped.
 *
 * @param name The array's name in error messages.
 * @throws FormatError when the magic, version, header or descr is malformed or unsupported,
 *   the data size is not exactly prod(shape)·itemsize, or an object array's pickle uses
 *   anything beyond what numpy writes for ints and lists of ints.
 * @example
 * const { dtype, shape, data } = parseNpy(readFileSync('y_train.npy'), 'y_train');
 * // 'int64', [25000], BigInt64Array
 */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  const fail = (what: string): never => {
    throw new FormatError(`npy '${name}': ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    fail('not a .npy file (the magic \\x93NUMPY is missing)');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    fail(`unsupported format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12) fail('truncated header length');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (headerLen > MAX_HEADER_BYTES) {
    fail(`header of ${headerLen} bytes is longer than the limit of ${MAX_HEADER_BYTES}`);
  }
  if (start + headerLen > bytes.length) {
    fail(`header of ${headerLen} bytes runs past the end of the ${bytes.length}-byte file`);
  }
  const raw = bytes.subarray(start, start + headerLen);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fail('header is not valid UTF-8');
    }
  } else {
    // Latin-1, byte for byte (TextDecoder's 'latin1' is windows-1252).
    text = '';
    for (const c of raw) text += String.fromCharCode(c);
  }
  const header = parseHeader(text, fail);
  const offset = start + headerLen;
  const body = bytes.subarray(offset);

  if (isObjectDescr(header.descr)) {
    const { shape, items } = unpickleObjectArray(body, { name });
    if (!sameShape(shape, header.shape)) {
      fail(
        `the pickle's shape (${shape.join(', ')}) differs from the header's (${header.shape.join(', ')})`,
      );
    }
    return { descr: header.descr, dtype: 'object', shape, data: items };
  }

  const m = /^([<>|=])([a-z])(\d+)$/.exec(header.descr);
  const info = m ? NUMERIC[`${m[2]}${m[3]}`] : undefined;
  if (!m || !info) {
    return fail(
      `unsupported descr ${JSON.stringify(header.descr)} (b1, i1, u1, i2, u2, i4, u4, i8, u8, f2, f4, f8 and |O are read)`,
    );
  }
  const order = m[1]!;
  if (order === '|' && info.size > 1) {
    fail(`descr ${JSON.stringify(header.descr)} needs a byte order`);
  }
  const count = elementCount(header.shape, fail);
  // Checked before anything is allocated: a huge declared shape fails here, not in `make`.
  const expected = count * info.size;
  if (body.length !== expected) {
    fail(
      `shape (${header.shape.join(', ')}) of ${header.descr} needs ${expected} data bytes but the file holds ${body.length}`,
    );
  }
  let data = info.make(count);
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(body);
  const fileLittle = order !== '>';
  if (info.size > 1 && fileLittle !== HOST_LITTLE_ENDIAN) swapBytes(out, info.size);
  if (info.dtype === 'bool') {
    // numpy reads any nonzero byte as True; 0/1 is what consumers expect.
    for (let i = 0; i < out.length; i++) out[i] = out[i] ? 1 : 0;
  }
  if (info.dtype === 'float16') data = halfToFloat32(data as Uint16Array);
  if (header.fortranOrder && header.shape.length > 1 && count > 0) {
    data = fortranToC(data, header.shape);
  }
  return { descr: header.descr, dtype: info.dtype, shape: header.shape, data };
}

/**
 * Reads a `.npz` archive (`np.savez`, `np.savez_compressed`) into a map from array name (the
 * member name without `.npy`) to array. Members not ending in `.npy` are skipped. Uses the
 * checked zip reader, so entry names, counts and sizes are limited as in `readZip`.
 *
 * @throws FormatError when the archive or any member is malformed (see {@link parseNpy}).
 * @example
 * const npz = readNpz(readFileSync('imdb.npz'), { name: 'imdb.npz' });
 * const xTrain = npz.get('x_train')!; // dtype 'object', data: number[][]
 */
export function readNpz(bytes: Uint8Array, opts: ReadNpzOptions = {}): Map<string, NpyArray> {
  const fileName = opts.name ?? 'npz';
  let members: Map<string, Uint8Array>;
  try {
    members = readZip(bytes, opts);
  } catch (e) {
    if (e instanceof FormatError) {
      throw new FormatError(`npz '${fileName}': ${e.message}`, { cause: e });
    }
    throw e;
  }
  const out = new Map<string, NpyArray>();
  for (const [member, data] of members) {
    if (!member.endsWith('.npy')) continue;
    const key = member.slice(0, -4);
    out.set(key, parseNpy(data, `${fileName}/${key}`));
  }
  return out;
}

/**
 * Writes a numeric array as a `.npy` file exactly as numpy 1.24 writes it: format 1.0
 * (2.0 when the header needs it), little-endian descr, `fortran_order: False`, the header
 * padded with spaces to a multiple of 64 bytes.
 *
 * @throws ValueError for an unknown dtype, data that is not the dtype's typed array (see
 *   {@link NpyWritable}), or a shape whose size differs from the data's length.
 * @example
 * const bytes = writeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
 */
export function writeNpy(arr: NpyWritable): Uint8Array {
  const { dtype, shape, data } = arr;
  const descr = WRITE_DESCR[dtype];
  if (descr === undefined || !Object.hasOwn(WRITE_DESCR, dtype)) {
    throw new ValueError(`writeNpy: unsupported dtype ${JSON.stringify(dtype)}`);
  }
  const want = WRITE_ARRAY[dtype];
  // Int8Array is not a Uint8Array, but Node's Buffer is: instanceof accepts exactly the right kind.
  if (!(data instanceof want)) {
    throw new ValueError(
      `writeNpy: ${dtype} data must be a ${want.name}, got ${(data as object | null)?.constructor?.name ?? typeof data}`,
    );
  }
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ValueError(`writeNpy: shape [${shape.join(', ')}] has an invalid dimension ${d}`);
    }
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new ValueError(
      `writeNpy: shape [${shape.join(', ')}] holds ${count} elements but the data has ${data.length}`,
    );
  }
  const header = npyHeader(descr, shape);
  let payload: Uint8Array;
  if (dtype === 'float16') {
    const src = data as Float32Array;
    const half = new Uint16Array(src.length);
    for (let i = 0; i < src.length; i++) half[i] = float32ToHalf(src[i]!);
    payload = new Uint8Array(half.buffer);
  } else {
    payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  const body = out.subarray(header.length);
  const size = dtype === 'float16' ? 2 : data.BYTES_PER_ELEMENT;
  if (size > 1 && !HOST_LITTLE_ENDIAN) swapBytes(body, size);
  if (dtype === 'bool') for (let i = 0; i < body.length; i++) body[i] = body[i] ? 1 : 0;
  return out;
}

/**
 * Writes a `.npz` archive as `np.savez` (or `np.savez_compressed` with `compress`) does: one
 * `<name>.npy` member per entry. An entry is a numeric array, or the bytes of a `.npy` file
 * already written (such as an object array, which {@link writeNpy} does not write).
 *
 * @throws ValueError for an invalid entry; FormatError for an unsafe member name.
 * @example
 * const npz = writeNpz({ x: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } }, { compress: true });
 */
export function writeNpz(
  entries: Record<string, NpyWritable | Uint8Array>,
  opts: WriteNpzOptions = {},
): Uint8Array {
  const members: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (key.length === 0) throw new ValueError('writeNpz: an entry has an empty name');
    if (value instanceof Uint8Array) {
      if (value.length < 10 || MAGIC.some((m, i) => value[i] !== m)) {
        throw new ValueError(`writeNpz: entry '${key}' is bytes but not a .npy file`);
      }
      members[`${key}.npy`] = value;
    } else {
      members[`${key}.npy`] = writeNpy(value);
    }
  }
  return writeZip(members, { compress: opts.compress ?? false });
}

/**
 * Narrows an integer array (typically the `BigInt64Array` numpy's int64 becomes) to an
 * `Int32Array`, checking every value fits. An `Int32Array` is returned as is.
 *
 * @param what The array's name in the error message.
 * @throws ValueError naming `what`, the index and the value when a value is outside int32.
 * @example
 * const labels = int64ToInt32(npz.get('y_train')!.data as BigInt64Array, 'y_train');
 */
export function int64ToInt32(
  a:
    | BigInt64Array
    | BigUint64Array
    | Int32Array
    | Uint32Array
    | Int16Array
    | Uint16Array
    | Int8Array
    | Uint8Array,
  what: string,
): Int32Array {
  if (a instanceof Int32Array) return a;
  const out = new Int32Array(a.length);
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v > 2147483647n || v < -2147483648n) {
        throw new ValueError(`${what}: value ${v} at index ${i} does not fit in int32`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v > 2147483647) {
      throw new ValueError(`${what}: value ${v} at index ${i} does not fit in int32`);
    }
    out[i] = v;
  }
  return out;
}

// ---- the header ----

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type Literal = string | number | boolean | null | Literal[] | { tuple: Literal[] } | LiteralDict;
interface LiteralDict {
  dict: Map<string, Literal>;
}

function parseHeader(text: string, fail: (what: string) => never): Header {
  const lit = parseLiteral(text, fail);
  if (lit === null || typeof lit !== 'object' || !('dict' in lit)) {
    return fail('header is not a dict');
  }
  const d = lit.dict;
  const keys = [...d.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    fail(`header keys are {${keys}}; expected descr, fortran_order and shape`);
  }
  const descr = d.get('descr');
  if (typeof descr !== 'string') {
    return fail('descr is not a string (structured dtypes are not supported)');
  }
  const fortranOrder = d.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') fail('fortran_order is not True or False');
  const shape = d.get('shape');
  if (shape === null || typeof shape !== 'object' || !('tuple' in shape)) {
    return fail('shape is not a tuple');
  }
  for (const dim of shape.tuple) {
    if (typeof dim !== 'number' || dim < 0) fail(`shape has a dimension ${JSON.stringify(dim)}`);
  }
  return { descr, fortranOrder: fortranOrder as boolean, shape: shape.tuple as number[] };
}

/** A Python literal: dict, tuple, list, str, int, True/False/None. Never evaluated. */
function parseLiteral(text: string, fail: (what: string) => never): Literal {
  let pos = 0;
  const MAX_DEPTH = 8;
  const err = (what: string): never => fail(`header: ${what} at character ${pos}`);
  const ws = () => {
    while (pos < text.length && ' \t\r\n'.includes(text[pos]!)) pos++;
  };
  const value = (depth: number): Literal => {
    if (depth > MAX_DEPTH) err(`nested deeper than ${MAX_DEPTH}`);
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const dict = new Map<string, Literal>();
      for (;;) {
        ws();
        if (text[pos] === '}') {
          pos++;
          return { dict };
        }
        const k = value(depth + 1);
        if (typeof k !== 'string') err('a dict key is not a string');
        ws();
        if (text[pos] !== ':') err("expected ':'");
        pos++;
        if (dict.has(k as string)) err(`key '${k}' appears twice`);
        dict.set(k as string, value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') err("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      pos++;
      const items: Literal[] = [];
      let comma = false;
      for (;;) {
        ws();
        if (text[pos] === close) {
          pos++;
          break;
        }
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ',') {
          pos++;
          comma = true;
        } else if (text[pos] !== close) err(`expected ',' or '${close}'`);
      }
      if (close === ']') return items;
      // `(3)` is the int 3 in Python; `(3,)` and `()` are tuples.
      return items.length === 1 && !comma ? items[0]! : { tuple: items };
    }
    if (c === "'" || c === '"') {
      pos++;
      let s = '';
      for (;;) {
        if (pos >= text.length) err('unterminated string');
        const ch = text[pos++]!;
        if (ch === c) return s;
        if (ch === '\\') {
          const e = text[pos++];
          if (e === '\\' || e === "'" || e === '"') s += e;
          else err('unsupported escape in a string');
        } else s += ch;
      }
    }
    const m = /^-?\d+[Ll]?/.exec(text.slice(pos, pos + 32));
    if (m) {
      pos += m[0].length;
      const v = Number(m[0].replace(/[Ll]$/, ''));
      if (!Number.isSafeInteger(v)) err(`integer ${m[0]} is too large`);
      return v;
    }
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    return err('unexpected input');
  };
  const v = value(0);
  ws();
  if (pos !== text.length) err('unexpected input after the dict');
  return v;
}

function isObjectDescr(descr: string): boolean {
  return descr === '|O' || descr === '|O8' || descr === '|O4';
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** prod(shape), refused once it passes 2^53 (no file holds that many elements). */
function elementCount(shape: readonly number[], fail: (what: string) => never): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) fail(`shape (${shape.join(', ')}) has too many elements`);
  }
  return n;
}

/** numpy 1.24's header: sorted keys, growth room for the first axis, padded to 64 bytes. */
function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeRepr =
    shape.length === 0 ? '()' : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  // The header plus its final newline, after the 10-byte prefix (12 in version 2.0).
  let prefix = 10;
  let padded = dict.length + 1 + (64 - ((prefix + dict.length + 1) % 64));
  if (padded > 0xffff) {
    prefix = 12;
    padded = dict.length + 1 + (64 - ((prefix + dict.length + 1) % 64));
  }
  const out = new Uint8Array(prefix + padded);
  out.set(MAGIC);
  out[6] = prefix === 10 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out.fill(0x20, prefix + dict.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

/** Reorders Fortran-ordered (first axis fastest) elements into C order. */
function fortranToC<T extends NpyTypedArray>(src: T, shape: readonly number[]): T {
  const n = shape.length;
  const dst = new (src.constructor as new (len: number) => T)(src.length);
  // Fortran strides: axis 0 is contiguous.
  const stride: number[] = [];
  let s = 1;
  for (let k = 0; k < n; k++) {
    stride.push(s);
    s *= shape[k]!;
  }
  const idx = new Array<number>(n).fill(0);
  let off = 0;
  const d = dst as unknown as { [i: number]: number | bigint };
  const r = src as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < src.length; i++) {
    d[i] = r[off]!;
    // Increment the C-order index (last axis fastest), keeping the Fortran offset in step.
    for (let k = n - 1; k >= 0; k--) {
      idx[k]!++;
      off += stride[k]!;
      if (idx[k]! < shape[k]!) break;
      off -= stride[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return dst;
}

/**
 * IEEE half (its 16 bits) → number, exactly (every half is a float32).
 * @example halfToFloat(0x3c00) // 1
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1024 + m) * 2 ** (e - 25);
}

function halfToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i]!);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * float32 → IEEE half, rounding to nearest even as numpy does (`np.float16(x)`): overflow
 * gives ±inf, NaN stays NaN (quiet), tiny values become half subnormals or ±0.
 * @example float32ToHalf(1) // 0x3c00
 */
export function float32ToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // A half subnormal: value / 2^-24, rounded; below half the smallest one it is ±0.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, and out of the largest finite gives inf.
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}
