import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { FormatError } from './errors.js';
import {
  type NpyArray,
  type NpyTypedArray,
  float32ToHalf,
  halfToFloat,
  int64ToInt32,
  parseNpy,
  readNpz,
  writeNpy,
  writeNpz,
} from './npy.js';
import { writeObjectNpy } from './npy_object.js';
import { readZip } from './zip.js';

// Made by test/fixtures/npy/make_npy_fixtures.py with numpy itself.
const DIR = new URL('../../test/fixtures/npy/', import.meta.url);
interface ExpectedArray {
  descr: string;
  dtype: string;
  shape: number[];
  values: unknown;
}
type ExpectedFile =
  | ({ kind: 'npy'; writer?: string } & ExpectedArray)
  | { kind: 'npz'; arrays: Record<string, ExpectedArray> }
  | { kind: 'hostile'; error: string };
const expected = JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8')) as {
  numpy: string;
  files: Record<string, ExpectedFile>;
};
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

/** The generator's compact lists ({arange: n}, {repeat: [v, n]}) expanded. */
function expand(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expand);
  if (v !== null && typeof v === 'object') {
    const o = v as { arange?: number; repeat?: [unknown, number] };
    if (o.arange !== undefined) return Array.from({ length: o.arange }, (_, i) => i);
    if (o.repeat !== undefined) return new Array(o.repeat[1]).fill(o.repeat[0]);
  }
  return v;
}

const SPECIAL: Record<string, number> = { nan: Number.NaN, inf: 1 / 0, '-inf': -1 / 0, '-0': -0 };

function expectArray(arr: NpyArray, exp: ExpectedArray): void {
  expect(arr.dtype).toBe(exp.dtype);
  expect(arr.descr).toBe(exp.descr);
  expect(arr.shape).toEqual(exp.shape);
  const values = expand(exp.values) as unknown[];
  expect(arr.data.length).toBe(values.length);
  if (arr.dtype === 'object') {
    expect(arr.data).toEqual(values);
  } else if (arr.dtype === 'int64' || arr.dtype === 'uint64') {
    expect(arr.data).toBeInstanceOf(arr.dtype === 'int64' ? BigInt64Array : BigUint64Array);
    expect(Array.from(arr.data as BigInt64Array, String)).toEqual(values.map(String));
  } else {
    const got = Array.from(arr.data as Float64Array);
    const want = values.map((v) => (typeof v === 'string' ? SPECIAL[v]! : (v as number)));
    // Object.is tells -0 from 0 and matches NaN.
    got.forEach((g, i) => {
      if (!Object.is(g, want[i])) expect.fail(`element ${i}: got ${g}, expected ${want[i]}`);
    });
  }
}

const TYPED: Record<string, new (n: number) => NpyTypedArray> = {
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

describe(`parseNpy / readNpz against numpy ${expected.numpy}`, () => {
  const files = Object.entries(expected.files);

  it('has fixtures for every dtype, both byte orders, fortran order, 0-d and empty', () => {
    const arrays = files.flatMap(([, f]) =>
      f.kind === 'npy' ? [f] : f.kind === 'npz' ? Object.values(f.arrays) : [],
    );
    const dtypes = new Set(arrays.map((a) => a.dtype));
    expect([...dtypes].sort()).toEqual([...Object.keys(TYPED), 'object'].sort());
    expect(arrays.filter((a) => a.descr.startsWith('>')).length).toBeGreaterThanOrEqual(9);
    expect(arrays.some((a) => a.shape.length === 0)).toBe(true);
    expect(arrays.some((a) => a.shape.includes(0))).toBe(true);
    expect(files.filter(([n]) => n.includes('fortran')).length).toBeGreaterThanOrEqual(3);
  });

  for (const [name, f] of files) {
    if (f.kind === 'npy') {
      it(`reads ${name}`, () => {
        const arr = parseNpy(fixture(name), name);
        expectArray(arr, f);
        if (arr.dtype !== 'object') expect(arr.data).toBeInstanceOf(TYPED[arr.dtype]);
      });
    } else if (f.kind === 'npz') {
      it(`reads ${name}`, () => {
        const npz = readNpz(fixture(name), { name });
        expect([...npz.keys()].sort()).toEqual(Object.keys(f.arrays).sort());
        for (const [key, exp] of Object.entries(f.arrays)) expectArray(npz.get(key)!, exp);
      });
    } else {
      it(`refuses ${name} (${f.error})`, () => {
        const err = catchError(() => parseNpy(fixture(name), name));
        expect(err).toBeInstanceOf(FormatError);
        expect(err.message).toContain(name);
        expect(err.message).toContain(f.error);
        expect(err.message).toMatch(/not allowed/);
      });
    }
  }

  it('reads savez_compressed members that are deflated', () => {
    const members = readZip(fixture('savez_compressed.npz'));
    expect(members.size).toBe(2);
    // The archive is smaller than the arrays it holds: the members really are deflated.
    expect(fixture('savez_compressed.npz').length).toBeLessThan(
      [...members.values()].reduce((s, m) => s + m.length, 0),
    );
  });
});

describe('writeNpy / writeNpz', () => {
  const numeric = Object.entries(expected.files).filter(
    (e): e is [string, ExpectedFile & { kind: 'npy' }] =>
      e[1].kind === 'npy' && e[1].dtype !== 'object',
  );

  it("writes numpy's exact bytes (header padding included) for every little-endian C-order fixture", () => {
    let compared = 0;
    for (const [name, f] of numeric) {
      if (f.descr.startsWith('>') || name.includes('fortran')) continue;
      const bytes = fixture(name);
      const arr = parseNpy(bytes, name);
      const out = writeNpy({
        dtype: arr.dtype as Exclude<NpyArray['dtype'], 'object'>,
        shape: arr.shape,
        data: arr.data as NpyTypedArray,
      });
      expect(Buffer.from(out).equals(Buffer.from(bytes)), name).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(14);
  });

  it('round-trips big-endian and fortran-ordered fixtures through C-order little-endian', () => {
    for (const [name, f] of numeric) {
      if (!f.descr.startsWith('>') && !name.includes('fortran')) continue;
      const arr = parseNpy(fixture(name), name);
      const back = parseNpy(
        writeNpy({ dtype: arr.dtype as 'int8', shape: arr.shape, data: arr.data as NpyTypedArray }),
      );
      expect(back.shape).toEqual(arr.shape);
      expect(back.data).toEqual(arr.data);
      expect(back.descr).toBe(f.descr.replace('>', '<'));
    }
  });

  it('round-trips every dtype at several shapes', () => {
    for (const [dtype, Ctor] of Object.entries(TYPED)) {
      for (const shape of [[], [0], [5], [2, 3], [2, 0, 3], [1, 2, 3, 2]]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = new Ctor(n);
        for (let i = 0; i < n; i++) {
          const v = dtype === 'bool' ? i % 2 : i * 37 - 20;
          (data as unknown as (number | bigint)[])[i] =
            data instanceof BigInt64Array || data instanceof BigUint64Array
              ? BigInt(Math.abs(v)) * 1_000_000_007n
              : v;
        }
        const bytes = writeNpy({ dtype: dtype as 'int8', shape, data });
        expect((10 + (bytes[8]! | (bytes[9]! << 8))) % 64).toBe(0);
        const back = parseNpy(bytes, dtype);
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(back.data).toEqual(data);
      }
    }
  });

  it('converts float32 to half exactly as numpy rounds (all 65 536 halves round-trip)', () => {
    const f = new Float32Array(1);
    for (let h = 0; h < 0x10000; h++) {
      f[0] = halfToFloat(h);
      const back = float32ToHalf(f[0]);
      if (Number.isNaN(f[0])) expect(back & 0x7c00).toBe(0x7c00);
      else if (back !== h)
        expect.fail(`half 0x${h.toString(16)} came back as 0x${back.toString(16)}`);
    }
    // Ties to even, overflow to inf, underflow to 0, and the fixture's rounded 0.1.
    expect(float32ToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(float32ToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToHalf(65520)).toBe(0x7c00);
    expect(float32ToHalf(65519)).toBe(0x7bff);
    expect(float32ToHalf(2 ** -26)).toBe(0);
    expect(float32ToHalf(-(2 ** -24) * 0.75)).toBe(0x8001);
    expect(halfToFloat(float32ToHalf(0.1))).toBe(0.0999755859375);
  });

  it('writes npz archives that readNpz reads back, stored and deflated, with object members', () => {
    const seqs = [[1, 14, 22], [], [1, 70000, 2 ** 40]];
    for (const compress of [false, true]) {
      const npz = writeNpz(
        {
          x_train: writeObjectNpy(seqs),
          y_train: { dtype: 'int64', shape: [3], data: new BigInt64Array([1n, 0n, 1n]) },
          w: { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        },
        { compress },
      );
      const back = readNpz(npz, { name: 'mine.npz' });
      expect([...back.keys()]).toEqual(['x_train', 'y_train', 'w']);
      expect(back.get('x_train')).toEqual({
        descr: '|O',
        dtype: 'object',
        shape: [3],
        data: seqs,
      });
      expect(int64ToInt32(back.get('y_train')!.data as BigInt64Array, 'y_train')).toEqual(
        new Int32Array([1, 0, 1]),
      );
      expect(back.get('w')!.shape).toEqual([2, 2]);
    }
  });

  it('refuses bad writer arguments with a ValueError', () => {
    const f32 = new Float32Array(4);
    expect(() => writeNpy({ dtype: 'float64', shape: [4], data: f32 })).toThrow(
      /float64 data must be a Float64Array, got Float32Array/,
    );
    expect(() => writeNpy({ dtype: 'float32', shape: [5], data: f32 })).toThrow(
      /shape \[5\] holds 5 elements but the data has 4/,
    );
    expect(() => writeNpy({ dtype: 'float32', shape: [-4], data: f32 })).toThrow(ValueError);
    expect(() => writeNpy({ dtype: 'complex64' as 'float32', shape: [4], data: f32 })).toThrow(
      /unsupported dtype/,
    );
    expect(() => writeNpz({ x: new Uint8Array([1, 2, 3]) })).toThrow(/not a .npy file/);
  });
});

describe('int64ToInt32', () => {
  it('narrows values that fit and names the array and index of one that does not', () => {
    expect(int64ToInt32(new BigInt64Array([-(2n ** 31n), 2n ** 31n - 1n]), 'y')).toEqual(
      new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
    );
    expect(int64ToInt32(new Uint8Array([255]), 'u')).toEqual(new Int32Array([255]));
    const err = catchError(() => int64ToInt32(new BigInt64Array([0n, 2n ** 31n]), 'y_train'));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toBe('y_train: value 2147483648 at index 1 does not fit in int32');
    expect(() => int64ToInt32(new BigUint64Array([2n ** 63n]), 'u64')).toThrow(/u64/);
    expect(() => int64ToInt32(new Uint32Array([2 ** 31]), 'u32')).toThrow(ValueError);
  });
});

// ---- hostile and malformed files ----

/** A .npy with the given header text (padded as numpy does) and body. */
function npy(header: string, body: Uint8Array | number = 0, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const padded = `${header}${' '.repeat(63 - ((prefix + header.length) % 64))}\n`;
  const b = typeof body === 'number' ? new Uint8Array(body) : body;
  const out = new Uint8Array(prefix + padded.length + b.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  out.set(b, prefix + padded.length);
  return out;
}
const dict = (descr: string, shape: string, fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

function refuses(bytes: Uint8Array, message: RegExp, name = 'bad.npy'): void {
  const err = catchError(() => parseNpy(bytes, name));
  expect(err).toBeInstanceOf(FormatError);
  expect(err.message).toContain(`'${name}'`);
  expect(err.message).toMatch(message);
}

describe('parseNpy refuses malformed and hostile files with a FormatError', () => {
  it('reads format 2.0 and 3.0 headers', () => {
    for (const v of [2, 3]) {
      const arr = parseNpy(npy(dict('<i2', '(2,)'), new Uint8Array([1, 0, 2, 0]), v));
      expect(arr.data).toEqual(new Int16Array([1, 2]));
    }
    // Python 2 wrote longs with an L suffix; keys in any order; a 1-d fortran array is C order.
    const arr = parseNpy(
      npy("{'shape': (2L,), 'fortran_order': True, 'descr': '<u2'}", new Uint8Array([1, 0, 2, 0])),
    );
    expect(arr.data).toEqual(new Uint16Array([1, 2]));
  });

  it('refuses truncated data, and data beyond the shape', () => {
    const f8 = fixture('f8.npy');
    refuses(f8.subarray(0, f8.length - 1), /needs 80 data bytes but the file holds 79/);
    refuses(npy(dict('<f4', '(2,)'), 9), /needs 8 data bytes but the file holds 9/);
    refuses(f8.subarray(0, 9), /not a .npy file/);
  });

  it('refuses a header length beyond the file', () => {
    const b = npy(dict('<f4', '(2,)'), 8);
    b[8] = 0xff;
    b[9] = 0xff;
    refuses(b, /header of 65535 bytes runs past the end of the 136-byte file/);
    const v2 = npy(dict('<f4', '(2,)'), 8, 2);
    new DataView(v2.buffer).setUint32(8, 0xffffffff, true);
    refuses(v2, /header of 4294967295 bytes is longer than the limit/);
  });

  it('refuses a huge shape before allocating anything', () => {
    const t0 = performance.now();
    refuses(npy(dict('<f8', '(1099511627776,)'), 72), /needs 8796093022208 data bytes/);
    refuses(npy(dict('<f8', '(1099511627776, 1099511627776)'), 72), /too many elements/);
    refuses(npy(dict('|O', '(1099511627776,)'), 72), /./);
    refuses(
      npy(dict('<i4', '(99999999999999999999,)'), 8),
      /integer 99999999999999999999 is too large/,
    );
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('refuses unknown descrs, structured dtypes and bad magic or version', () => {
    refuses(npy(dict('<c16', '(1,)'), 16), /unsupported descr "<c16"/);
    refuses(npy(dict('<U5', '(1,)'), 20), /unsupported descr "<U5"/);
    refuses(npy(dict('|i4', '(1,)'), 4), /needs a byte order/);
    refuses(
      npy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", 4),
      /structured/,
    );
    const b = npy(dict('<i4', '(1,)'), 4);
    b[6] = 4;
    refuses(b, /unsupported format version 4.0/);
    b[0] = 0x94;
    refuses(b, /magic/);
  });

  it('refuses malformed header literals', () => {
    refuses(npy("{'descr': '<i4', 'shape': (1,), }", 4), /header keys are \{descr, shape\}/);
    refuses(npy(`${dict('<i4', '(1,)').slice(0, -1)}'x': 1, }`, 4), /header keys/);
    refuses(
      npy("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (1,)}", 4),
      /appears twice/,
    );
    refuses(npy(dict('<i4', '(-1,)'), 4), /dimension -1/);
    refuses(npy(dict('<i4', '(1.5,)'), 4), /expected ',' or '\)'/);
    refuses(npy(dict('<i4', '(1,)', 'Maybe'), 4), /unexpected input/);
    refuses(npy(dict('<i4', '(1,)', '1'), 4), /fortran_order is not True or False/);
    refuses(npy(dict('<i4', `${'('.repeat(50)}1${',)'.repeat(50)}`), 4), /nested deeper than 8/);
    refuses(npy("__import__('os').system('x')", 4), /unexpected input/);
    refuses(npy("{'descr': '<i4\\x41'}", 4), /unsupported escape/);
    refuses(npy('[1, 2]', 4), /header is not a dict/);
  });

  it('refuses an object array whose pickle shape differs from the header', () => {
    const obj = writeObjectNpy([[1], [2]]);
    const body = obj.subarray(10 + (obj[8]! | (obj[9]! << 8)));
    refuses(npy(dict('|O', '(3,)'), body), /pickle's shape \(2\) differs from the header's \(3\)/);
  });

  it('names the npz archive and member in errors', () => {
    const bad = writeNpz({
      good: { dtype: 'uint8', shape: [1], data: new Uint8Array(1) },
      bad: npy(dict('<c8', '()'), 8),
    });
    expect(() => readNpz(bad, { name: 'data.npz' })).toThrow(
      /npy 'data.npz\/bad': unsupported descr/,
    );
    expect(() => readNpz(new Uint8Array(30), { name: 'data.npz' })).toThrow(
      /npz 'data.npz': readZip/,
    );
    expect(() => readNpz(bad, { name: 'data.npz', maxEntryBytes: 10 })).toThrow(FormatError);
  });
});
