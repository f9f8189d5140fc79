/**
 * Writes a 1-D object-array `.npy` byte for byte as numpy 1.24 does
 * (`np.save(f, arr, allow_pickle=True)`: a format 1.0 header with descr `'|O'`, then
 * `pickle.dumps(arr, protocol=3)` from CPython's C pickler), for arrays whose items are lists of
 * ints or ints — what Keras's `imdb.npz` and `reuters.npz` hold. It builds such files in JS
 * (with `writeNpz`), so that NumPy and Keras read them; `src/io/npy.test.ts` checks its bytes
 * against files written by numpy itself.
 *
 * The opcode sequence (see `pickletools.dis`):
 * `PROTO 3`, `GLOBAL numpy.core.multiarray _reconstruct`, `GLOBAL numpy ndarray`,
 * `(0,)`, `b'b'`, `TUPLE3 REDUCE`, then the state `(1, (n,), dtype('O8') with its state,
 * False, [items])` and `BUILD STOP`; every memoizable value is followed by BINPUT (LONG_BINPUT
 * from memo index 256), a list seen before is fetched with BINGET/LONG_BINGET, and lists are
 * written in batches of 1000 (`MARK … APPENDS`, a lone item with `APPEND`).
 */

/** One item of the object array: a list of ints, or an int. */
export type ObjectItem = readonly number[] | number;

// The prefix of numpy 1.24's `.npy` header for descr '|O', before the shape.
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0];
const BATCHSIZE = 1000;

class PickleWriter {
  private readonly parts: number[] = [];
  private nextMemo = 0;
  private readonly memo = new Map<object, number>();

  byte(...b: number[]): void {
    for (const x of b) this.parts.push(x);
  }
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.parts.push(s.charCodeAt(i));
  }
  u32(v: number): void {
    this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  /** BINPUT i, or LONG_BINPUT i from 256 on, as pickle's `memoize`. */
  put(obj?: object): void {
    const i = this.nextMemo++;
    if (obj !== undefined) this.memo.set(obj, i);
    if (i < 256) this.byte(0x71, i);
    else {
      this.byte(0x72);
      this.u32(i);
    }
  }
  /** BINGET / LONG_BINGET of an object already memoized, or false. */
  get(obj: object): boolean {
    const i = this.memo.get(obj);
    if (i === undefined) return false;
    if (i < 256) this.byte(0x68, i);
    else {
      this.byte(0x6a);
      this.u32(i);
    }
    return true;
  }
  /** pickle's `save_long` for protocol ≥ 2. */
  int(v: number): void {
    if (!Number.isSafeInteger(v)) throw new Error(`npy_object: ${v} is not a safe integer`);
    if (v >= 0 && v <= 0xff) this.byte(0x4b, v);
    else if (v >= 0 && v <= 0xffff) this.byte(0x4d, v & 0xff, v >>> 8);
    else if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.byte(0x4a);
      this.u32(v);
    } else {
      // LONG1: the shortest little-endian two's complement, as pickle's encode_long.
      const big = BigInt(v);
      const bits = (v < 0 ? -big : big).toString(2).length; // Python's abs(v).bit_length()
      let n = (bits >> 3) + 1;
      const bytes: number[] = [];
      let x = big < 0n ? (1n << BigInt(8 * n)) + big : big;
      for (let i = 0; i < n; i++) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
      }
      if (v < 0 && n > 1 && bytes[n - 1] === 0xff && (bytes[n - 2]! & 0x80) !== 0) {
        bytes.pop();
        n--;
      }
      this.byte(0x8a, n, ...bytes);
    }
  }
  /** BINUNICODE of an ASCII string, then BINPUT. */
  str(s: string): void {
    this.byte(0x58);
    this.u32(s.length);
    this.ascii(s);
    this.put();
  }
  /** An int list as CPython's `batch_list_exact`: a lone item with APPEND, else MARK … APPENDS per 1000. */
  list(items: readonly number[]): void {
    if (this.get(items)) return;
    this.byte(0x5d);
    this.put(items);
    if (items.length === 1) {
      this.int(items[0]!);
      this.byte(0x61);
      return;
    }
    for (let start = 0; start < items.length; start += BATCHSIZE) {
      this.byte(0x28);
      for (const v of items.slice(start, start + BATCHSIZE)) this.int(v);
      this.byte(0x65);
    }
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/**
 * The bytes numpy 1.24 writes for `np.save(f, arr, allow_pickle=True)` where `arr` is a 1-D
 * object array holding `items` (each a list of ints, or an int). The same JS array used twice
 * is written once and fetched from the memo, as pickle does for the same Python list.
 * @example
 * const npz = writeNpz({ x_train: writeObjectNpy([[1, 14, 22], [1, 194]]),
 *   y_train: { dtype: 'int64', shape: [2], data: new BigInt64Array([1n, 0n]) } });
 */
export function writeObjectNpy(items: readonly ObjectItem[]): Uint8Array {
  const w = new PickleWriter();
  w.byte(0x80, 3);
  w.byte(0x63);
  w.ascii('numpy.core.multiarray\n_reconstruct\n');
  w.put();
  w.byte(0x63);
  w.ascii('numpy\nndarray\n');
  w.put();
  w.int(0);
  w.byte(0x85); // TUPLE1: (0,)
  w.put();
  w.byte(0x43, 1, 0x62); // SHORT_BINBYTES b'b'
  w.put();
  w.byte(0x87); // TUPLE3
  w.put();
  w.byte(0x52); // REDUCE
  w.put();
  w.byte(0x28); // MARK: the state tuple
  w.int(1);
  w.int(items.length);
  w.byte(0x85); // (n,)
  w.put();
  w.byte(0x63);
  w.ascii('numpy\ndtype\n');
  w.put();
  w.str('O8');
  w.byte(0x89, 0x88, 0x87); // False, True, TUPLE3
  w.put();
  w.byte(0x52); // REDUCE
  w.put();
  w.byte(0x28); // MARK: the dtype's state
  w.int(3);
  w.str('|');
  w.byte(0x4e, 0x4e, 0x4e); // None × 3
  w.int(-1);
  w.int(-1);
  w.int(63);
  w.byte(0x74); // TUPLE
  w.put();
  w.byte(0x62); // BUILD
  w.byte(0x89); // fortran: False
  // The items: a list of lists (or ints), batched as any list.
  w.byte(0x5d);
  w.put();
  const save = (it: ObjectItem) => (typeof it === 'number' ? w.int(it) : w.list(it));
  if (items.length === 1) {
    save(items[0]!);
    w.byte(0x61);
  } else {
    for (let start = 0; start < items.length; start += BATCHSIZE) {
      w.byte(0x28);
      for (const it of items.slice(start, start + BATCHSIZE)) save(it);
      w.byte(0x65);
    }
  }
  w.byte(0x74); // TUPLE: the state
  w.put();
  w.byte(0x62, 0x2e); // BUILD, STOP
  const pickle = w.bytes();

  let dict = `{'descr': '|O', 'fortran_order': False, 'shape': (${items.length},), }`;
  dict += ' '.repeat(21 - String(items.length).length);
  const padded = dict.length + 1 + (64 - ((10 + dict.length + 1) % 64));
  const out = new Uint8Array(10 + padded + pickle.length);
  out.set(MAGIC);
  out[8] = padded & 0xff;
  out[9] = padded >>> 8;
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  out.fill(0x20, 10 + dict.length, 10 + padded - 1);
  out[10 + padded - 1] = 0x0a;
  out.set(pickle, 10 + padded);
  return out;
}
