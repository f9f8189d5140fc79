/**
 * A restricted unpickler for exactly one thing: the pickle NumPy writes when it saves an object
 * array (`np.save(f, arr, allow_pickle=True)` with `arr.dtype == object`), whose items are
 * Python ints or lists of ints. Keras's `imdb.npz` and `reuters.npz` store their ragged
 * sequences this way.
 *
 * It is not a general unpickler and never runs anything: the only globals it accepts are
 * `numpy.core.multiarray._reconstruct` (`numpy._core.multiarray._reconstruct` in numpy ≥ 2),
 * `numpy.ndarray`, `numpy.dtype`, and `_codecs.encode` (which Python 3 writes for the bytes
 * `b'b'` under protocol 2, as numpy < 1.17 did); each is a marker that {@link unpickleObjectArray}
 * interprets itself, for just the arguments numpy passes. Every other opcode or global is a
 * {@link FormatError} naming the opcode (byte and name) and its offset.
 *
 * What numpy 1.24 writes (protocol 3; Python 2 wrote protocol 2 with SHORT_BINSTRING strings,
 * ints for the dtype flags and LONG1/INT for big ints; numpy ≥ 2 writes protocol 4 with
 * FRAME, SHORT_BINUNICODE + STACK_GLOBAL and MEMOIZE):
 *
 * ```text
 * PROTO 3
 * GLOBAL 'numpy.core.multiarray _reconstruct'   GLOBAL 'numpy ndarray'
 * BININT1 0 TUPLE1  SHORT_BINBYTES b'b'  TUPLE3  REDUCE          → an empty array stub
 * MARK BININT1 1  (shape) TUPLE1
 *      GLOBAL 'numpy dtype'  BINUNICODE 'O8' NEWFALSE NEWTRUE TUPLE3  REDUCE  → dtype stub
 *      MARK 3 '|' None None None -1 -1 63 TUPLE  BUILD               → dtype state
 *      NEWFALSE (fortran flag)  EMPTY_LIST MARK <items> APPENDS
 * TUPLE BUILD STOP                      → state (1, shape, dtype, fortran, items) set
 * ```
 *
 * (with BINPUT after most values). Resources are bounded by the input: every length is checked
 * against the bytes left before anything is read, the memo is a `Map`, each opcode adds at most
 * one value (so the stack, memo and lists hold at most one entry per input byte), MARK nesting
 * and item nesting are capped, and the final walk over the items visits each list once (shared
 * and cyclic lists cannot blow it up).
 */
import { FormatError } from './errors.js';

/** The object array a pickle describes: its shape and its items in C order. */
export interface ObjectArray {
  /** The array's shape; `[]` for a 0-d array. */
  shape: number[];
  /** The items in C order: numbers, or (nested) arrays of numbers. */
  items: unknown[];
}

/** Options of {@link unpickleObjectArray}. */
export interface UnpickleOptions {
  /** The array's name in error messages (default `'array'`). */
  name?: string;
  /** Most open MARKs at once (default 32; numpy's pickles need 3). */
  maxMarkDepth?: number;
  /** Most list nesting inside an item (default 32; imdb's items are flat lists). */
  maxItemDepth?: number;
}

// Names of every pickle opcode (protocols 0–5), so that a refused one is named in the error.
const OPCODE_NAMES: Record<number, string> = {
  40: 'MARK',
  46: 'STOP',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
  70: 'FLOAT',
  73: 'INT',
  74: 'BININT',
  75: 'BININT1',
  76: 'LONG',
  77: 'BININT2',
  78: 'NONE',
  80: 'PERSID',
  81: 'BINPERSID',
  82: 'REDUCE',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  88: 'BINUNICODE',
  97: 'APPEND',
  98: 'BUILD',
  99: 'GLOBAL',
  100: 'DICT',
  125: 'EMPTY_DICT',
  101: 'APPENDS',
  103: 'GET',
  104: 'BINGET',
  105: 'INST',
  106: 'LONG_BINGET',
  108: 'LIST',
  93: 'EMPTY_LIST',
  111: 'OBJ',
  112: 'PUT',
  113: 'BINPUT',
  114: 'LONG_BINPUT',
  115: 'SETITEM',
  116: 'TUPLE',
  41: 'EMPTY_TUPLE',
  117: 'SETITEMS',
  71: 'BINFLOAT',
  128: 'PROTO',
  129: 'NEWOBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  133: 'TUPLE1',
  134: 'TUPLE2',
  135: 'TUPLE3',
  136: 'NEWTRUE',
  137: 'NEWFALSE',
  138: 'LONG1',
  139: 'LONG4',
  66: 'BINBYTES',
  67: 'SHORT_BINBYTES',
  140: 'SHORT_BINUNICODE',
  141: 'BINUNICODE8',
  142: 'BINBYTES8',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  146: 'NEWOBJ_EX',
  147: 'STACK_GLOBAL',
  148: 'MEMOIZE',
  149: 'FRAME',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

/**
 * How errors name an opcode: its byte, its character where printable, and its name.
 * @example describeOpcode(0x63) // "0x63 'c' (GLOBAL)"
 */
export function describeOpcode(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  const ch = op >= 0x21 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
  return `${hex}${ch} (${OPCODE_NAMES[op] ?? 'unknown opcode'})`;
}

// The globals a numpy object-array pickle names, and nothing else. `_codecs.encode` is what
// Python 3 writes for bytes under protocol 2 (numpy < 1.17 saved with protocol 2).
const ALLOWED_GLOBALS = new Map<string, GlobalKind>([
  ['numpy.core.multiarray\n_reconstruct', 'reconstruct'],
  ['numpy._core.multiarray\n_reconstruct', 'reconstruct'],
  ['numpy\nndarray', 'ndarray'],
  ['numpy\ndtype', 'dtype'],
  ['_codecs\nencode', 'encode'],
]);
type GlobalKind = 'reconstruct' | 'ndarray' | 'dtype' | 'encode';

/** A Python tuple (lists are plain JS arrays). */
class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}
/** Python bytes (a view into the input). */
class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}
/** One of the allowed globals: a marker, never a callable. */
class PyGlobal {
  constructor(readonly kind: GlobalKind) {}
}
/** What `numpy.dtype('O8', False, True)` makes; BUILD gives it its state once. */
class DtypeStub {
  built = false;
  constructor(readonly code: string) {}
}
/** What `_reconstruct(ndarray, (0,), b'b')` makes; BUILD gives it shape and items once. */
class ArrayStub {
  shape: number[] | null = null;
  items: PyValue[] | null = null;
}
/** A value on the stack or in the memo (MARKs are kept apart, as stack heights). */
type PyValue =
  | number
  | boolean
  | null
  | string
  | PyValue[]
  | PyTuple
  | PyBytes
  | PyGlobal
  | DtypeStub
  | ArrayStub;

const DEFAULT_MAX_MARK_DEPTH = 32;
const DEFAULT_MAX_ITEM_DEPTH = 32;
// GLOBAL's module and name lines, and INT's text, are short; a longer line is refused rather
// than searched for.
const MAX_LINE = 256;
const MAX_PROTOCOL = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the pickle of a numpy object array (the bytes after the `.npy` header) without running
 * anything: only the opcodes and globals such a pickle uses are accepted (see the module
 * comment), and the array's items must be ints or (nested) lists of ints.
 *
 * @throws FormatError for any other opcode or global, a truncated or malformed pickle, an int
 *   beyond `Number.MAX_SAFE_INTEGER`, a shape that does not match the number of items, or
 *   items other than ints and lists of ints; the message names the array, and the opcode and
 *   offset where one is at fault.
 * @example
 * const { shape, items } = unpickleObjectArray(bytes.subarray(dataOffset), { name: 'x_train' });
 * // shape [25000], items[0] = [1, 14, 22, ...]
 */
export function unpickleObjectArray(bytes: Uint8Array, opts: UnpickleOptions = {}): ObjectArray {
  return new Unpickler(bytes, opts).run();
}

class Unpickler {
  private pos = 0;
  // Where the opcode being run starts, and its byte: every error names them.
  private opPos = 0;
  private op = 0;
  private readonly stack: PyValue[] = [];
  // Stack heights at each open MARK (Python keeps a metastack; heights are equivalent).
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly name: string;
  private readonly maxMarks: number;
  private readonly maxItemDepth: number;

  constructor(
    private readonly bytes: Uint8Array,
    opts: UnpickleOptions,
  ) {
    this.name = opts.name ?? 'array';
    this.maxMarks = opts.maxMarkDepth ?? DEFAULT_MAX_MARK_DEPTH;
    this.maxItemDepth = opts.maxItemDepth ?? DEFAULT_MAX_ITEM_DEPTH;
  }

  private fail(what: string): never {
    throw new FormatError(
      `npy '${this.name}': object-array pickle: ${what} (opcode ${describeOpcode(this.op)} at offset ${this.opPos})`,
    );
  }

  private failPlain(what: string): never {
    throw new FormatError(`npy '${this.name}': object-array pickle: ${what}`);
  }

  // ---- reading bytes, each length checked against what is left first ----

  private need(n: number): void {
    if (n > this.bytes.length - this.pos) {
      this.fail(
        `needs ${n} more bytes but only ${this.bytes.length - this.pos} remain (truncated or corrupt)`,
      );
    }
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const b = this.bytes;
    const v = b[this.pos]! | (b[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  private i32(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }
  private u32(): number {
    return this.i32() >>> 0;
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A `\n`-terminated line of at most MAX_LINE bytes (GLOBAL, INT), without the newline. */
  private line(): string {
    const end = Math.min(this.bytes.length, this.pos + MAX_LINE + 1);
    for (let i = this.pos; i < end; i++) {
      if (this.bytes[i] === 0x0a) {
        const s = latin1(this.bytes.subarray(this.pos, i));
        this.pos = i + 1;
        return s;
      }
    }
    this.fail(`no newline within ${MAX_LINE} bytes`);
  }

  // ---- the stack ----

  private base(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }
  private push(v: PyValue): void {
    this.stack.push(v);
  }
  private pop(): PyValue {
    if (this.stack.length <= this.base()) this.fail('stack underflow');
    return this.stack.pop()!;
  }
  private top(): PyValue {
    if (this.stack.length <= this.base()) this.fail('stack underflow');
    return this.stack[this.stack.length - 1]!;
  }
  private popMark(): PyValue[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('no MARK to pop to');
    return this.stack.splice(m);
  }
  private put(key: number): void {
    this.memo.set(key, this.top());
  }
  private get(key: number): void {
    if (!this.memo.has(key)) this.fail(`memo key ${key} was never set`);
    this.push(this.memo.get(key)!);
  }

  // ---- the loop ----

  run(): ObjectArray {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) {
        this.opPos = this.pos;
        this.failPlain(`ends at offset ${this.pos} without STOP (truncated)`);
      }
      this.opPos = this.pos;
      this.op = b[this.pos++]!;
      switch (this.op) {
        case 0x80: {
          // PROTO
          const v = this.u8();
          if (v > MAX_PROTOCOL) this.fail(`unsupported pickle protocol ${v}`);
          break;
        }
        case 0x95: {
          // FRAME: an 8-byte length that only has to fit the input; framing is not needed to
          // read from memory.
          const lo = this.u32();
          const hi = this.u32();
          if (hi !== 0 || lo > b.length - this.pos) this.fail('frame longer than the input');
          break;
        }
        case 0x2e: // STOP
          return this.finish();
        case 0x28: // MARK
          if (this.marks.length >= this.maxMarks) {
            this.fail(`more than ${this.maxMarks} nested MARKs`);
          }
          this.marks.push(this.stack.length);
          break;
        case 0x63: {
          // GLOBAL
          const module = this.line();
          const name = this.line();
          this.push(this.global(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            this.fail('STACK_GLOBAL needs two strings');
          }
          this.push(this.global(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.push(this.reduce(fn, args));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          this.build(this.top(), state);
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          const list = this.top();
          if (!Array.isArray(list)) this.fail('APPEND to something that is not a list');
          list.push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          const list = this.top();
          if (!Array.isArray(list)) this.fail('APPENDS to something that is not a list');
          for (const v of items) list.push(v);
          break;
        }
        case 0x29: // EMPTY_TUPLE
          this.push(new PyTuple([]));
          break;
        case 0x74: // TUPLE
          this.push(new PyTuple(this.popMark()));
          break;
        case 0x85: // TUPLE1
          this.push(new PyTuple([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b2 = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b2]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b2 = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b2, c]));
          break;
        }
        case 0x4a: // BININT
          this.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x8a: // LONG1
          this.push(this.long1());
          break;
        case 0x49: // INT (text; Python 2 wrote ints beyond 32 bits this way, and bools as 01/00)
          this.push(this.intLine());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.utf8(this.take(this.u8())));
          break;
        case 0x58: // BINUNICODE
          this.push(this.utf8(this.take(this.u32())));
          break;
        case 0x55: // SHORT_BINSTRING: Python 2 str, read as latin-1 (numpy's encoding='latin1')
          this.push(latin1(this.take(this.u8())));
          break;
        case 0x54: {
          // BINSTRING
          const n = this.i32();
          if (n < 0) this.fail(`negative BINSTRING length ${n}`);
          this.push(latin1(this.take(n)));
          break;
        }
        case 0x43: // SHORT_BINBYTES
          this.push(new PyBytes(this.take(this.u8())));
          break;
        case 0x42: // BINBYTES
          this.push(new PyBytes(this.take(this.u32())));
          break;
        case 0x71: // BINPUT
          this.put(this.u8());
          break;
        case 0x72: // LONG_BINPUT
          this.put(this.u32());
          break;
        case 0x94: // MEMOIZE
          this.put(this.memo.size);
          break;
        case 0x68: // BINGET
          this.get(this.u8());
          break;
        case 0x6a: // LONG_BINGET
          this.get(this.u32());
          break;
        default:
          this.fail('is not allowed in a numpy object-array pickle');
      }
    }
  }

  private utf8(raw: Uint8Array): string {
    try {
      return utf8.decode(raw);
    } catch {
      this.fail('string is not valid UTF-8');
    }
  }

  private global(module: string, name: string): PyGlobal {
    const kind = ALLOWED_GLOBALS.get(`${module}\n${name}`);
    if (kind === undefined) {
      this.fail(
        `global ${JSON.stringify(`${module}.${name}`)} is not allowed (only numpy's _reconstruct, ndarray and dtype)`,
      );
    }
    return new PyGlobal(kind);
  }

  /** LONG1: a little-endian two's-complement int of at most 8 bytes that fits a double exactly. */
  private long1(): number {
    const n = this.u8();
    if (n > 8) this.fail(`LONG1 of ${n} bytes is too large (at most 8)`);
    const raw = this.take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]!);
    if (raw[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`int ${v} is beyond Number.MAX_SAFE_INTEGER`);
    }
    return Number(v);
  }

  private intLine(): number | boolean {
    const s = this.line();
    if (s === '01') return true;
    if (s === '00') return false;
    if (!/^[-+]?\d{1,20}$/.test(s)) this.fail(`malformed INT ${JSON.stringify(s)}`);
    const v = Number(s);
    if (!Number.isSafeInteger(v)) this.fail(`int ${s} is beyond Number.MAX_SAFE_INTEGER`);
    return v;
  }

  /** REDUCE, for the three calls numpy's pickle makes, interpreted here. */
  private reduce(fn: PyValue, args: PyValue): PyValue {
    if (!(fn instanceof PyGlobal)) this.fail('REDUCE of something that is not an allowed global');
    if (!(args instanceof PyTuple)) this.fail('REDUCE arguments are not a tuple');
    const a = args.items;
    switch (fn.kind) {
      case 'reconstruct': {
        // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD fills.
        const [cls, shape, typecode] = a;
        const ok =
          a.length === 3 &&
          cls instanceof PyGlobal &&
          cls.kind === 'ndarray' &&
          shape instanceof PyTuple &&
          shape.items.every((d) => d === 0) &&
          isChar(typecode, 'b');
        if (!ok) this.fail("_reconstruct arguments are not (ndarray, (0,), b'b')");
        return new ArrayStub();
      }
      case 'dtype': {
        // dtype('O8', False, True) (Python 2: ints 0 and 1); only object dtypes.
        const [code, align, copy] = a;
        if (a.length !== 3 || (code !== 'O8' && code !== 'O4')) {
          this.fail(`dtype ${describe(code)} is not an object dtype ('O8' or 'O4')`);
        }
        if (!isFlag(align) || !isFlag(copy)) this.fail('dtype flags are not booleans');
        return new DtypeStub(code);
      }
      case 'encode': {
        // _codecs.encode('b', 'latin1'): Python 3's protocol-2 spelling of b'b'.
        const [text, encoding] = a;
        if (
          a.length !== 2 ||
          typeof text !== 'string' ||
          (encoding !== 'latin1' && encoding !== 'latin-1') ||
          text.length > 1
        ) {
          this.fail("_codecs.encode arguments are not (<one character>, 'latin1')");
        }
        const code = text.length === 1 ? text.charCodeAt(0) : 0;
        if (code > 0xff) this.fail('_codecs.encode of a character beyond latin-1');
        return new PyBytes(new Uint8Array(text.length === 1 ? [code] : []));
      }
      default:
        this.fail('REDUCE of numpy.ndarray is not allowed');
    }
  }

  /** BUILD on a dtype stub (its state tuple) or on an array stub (shape, dtype and items). */
  private build(target: PyValue, state: PyValue): void {
    if (target instanceof DtypeStub) {
      if (target.built) this.fail('dtype built twice');
      if (!(state instanceof PyTuple)) this.fail('dtype state is not a tuple');
      target.built = true;
      return;
    }
    if (!(target instanceof ArrayStub)) this.fail('BUILD on something that is not a numpy stub');
    if (target.items !== null) this.fail('array built twice');
    if (!(state instanceof PyTuple)) this.fail('array state is not a tuple');
    // (version, shape, dtype, fortran, items); numpy before 1.0 left the version out.
    const s = state.items.length === 5 ? state.items.slice(1) : state.items;
    if (s.length !== 4 || (state.items.length === 5 && state.items[0] !== 1)) {
      this.fail('array state is not (1, shape, dtype, fortran, items)');
    }
    const [shape, dtype, fortran, items] = s;
    if (!(shape instanceof PyTuple)) this.fail('array shape is not a tuple');
    if (!(dtype instanceof DtypeStub) || !dtype.built)
      this.fail('array dtype is not an object dtype');
    if (!isFlag(fortran)) this.fail('array fortran flag is not a boolean');
    if (!Array.isArray(items)) this.fail('array items are not a list');
    const dims: number[] = [];
    let count = 1;
    for (const d of shape.items) {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
        this.fail(`array shape has dimension ${describe(d)}`);
      }
      dims.push(d);
      // Clipped just above the item count: a product that would overflow cannot match anyway.
      count = Math.min(count * d, items.length + 1);
    }
    if (count !== items.length) {
      this.fail(`array shape (${dims.join(', ')}) does not match its ${items.length} items`);
    }
    target.shape = dims;
    // A copy: a later APPEND through the memo cannot change the array after the check.
    target.items = items.slice();
  }

  private finish(): ObjectArray {
    if (this.marks.length > 0) this.fail('STOP with a MARK still open');
    if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack`);
    if (this.pos !== this.bytes.length) {
      this.fail(`${this.bytes.length - this.pos} bytes follow STOP`);
    }
    const arr = this.stack[0];
    if (!(arr instanceof ArrayStub) || arr.items === null || arr.shape === null) {
      this.fail('the pickle is not a built numpy object array');
    }
    const done = new Set<PyValue[]>();
    const open = new Set<PyValue[]>();
    const check = (v: PyValue, depth: number, where: string): void => {
      if (typeof v === 'number') return;
      if (!Array.isArray(v)) {
        this.failPlain(
          `item ${where} is ${describe(v)}; only ints and lists of ints are supported`,
        );
      }
      if (done.has(v)) return;
      if (open.has(v)) this.failPlain(`item ${where} contains itself`);
      if (depth >= this.maxItemDepth) {
        this.failPlain(`item ${where} nests lists deeper than ${this.maxItemDepth}`);
      }
      open.add(v);
      for (let i = 0; i < v.length; i++) check(v[i]!, depth + 1, `${where}[${i}]`);
      open.delete(v);
      done.add(v);
    };
    arr.items.forEach((v, i) => check(v, 0, String(i)));
    return { shape: arr.shape, items: arr.items };
  }
}

function latin1(raw: Uint8Array): string {
  let s = '';
  // Chunks keep String.fromCharCode's argument count small.
  for (let i = 0; i < raw.length; i += 8192) {
    s += String.fromCharCode(...raw.subarray(i, i + 8192));
  }
  return s;
}

function isFlag(v: PyValue | undefined): boolean {
  return v === true || v === false || v === 0 || v === 1;
}

/** `b'b'` (Python 3), or `'b'` (a Python 2 str read as latin-1). */
function isChar(v: PyValue | undefined, ch: string): boolean {
  if (typeof v === 'string') return v === ch;
  return v instanceof PyBytes && v.bytes.length === 1 && v.bytes[0] === ch.charCodeAt(0);
}

function describe(v: PyValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'None';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyBytes) return 'bytes';
  if (v instanceof PyGlobal) return `the global ${v.kind}`;
  if (v instanceof DtypeStub) return 'a dtype';
  return 'an array';
}
