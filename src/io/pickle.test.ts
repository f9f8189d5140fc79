import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { parseNpy } from './npy.js';
import { writeObjectNpy } from './npy_object.js';
import { describeOpcode, unpickleObjectArray } from './pickle.js';

const DIR = new URL('../../test/fixtures/npy/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

/** Bytes from numbers (one byte each) and strings (latin-1). */
function pk(...parts: (number | string | ArrayLike<number>)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...Array.from(p));
  }
  return Uint8Array.from(out);
}
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/**
 * numpy's pickle of an object array of n items, with `items` the opcodes that fill the item
 * list, and `shape` those of the shape tuple (default `(n,)`).
 */
function objectPickle(
  n: number,
  items: (number | string)[],
  shape: number[] = [0x4a, ...u32(n), 0x85],
): Uint8Array {
  return pk(
    [0x80, 3],
    'cnumpy.core.multiarray\n_reconstruct\n',
    'cnumpy\nndarray\n',
    ['K'.charCodeAt(0), 0, 0x85, 0x43, 1, 0x62, 0x87, 0x52],
    ['('.charCodeAt(0), 0x4b, 1, ...shape],
    'cnumpy\ndtype\n',
    [0x58, ...u32(2)],
    'O8',
    [0x89, 0x88, 0x87, 0x52],
    ['('.charCodeAt(0), 0x4b, 3, 0x58, ...u32(1), '|'.charCodeAt(0), 0x4e, 0x4e, 0x4e],
    [0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 63, 0x74, 0x62, 0x89],
    [0x5d],
    Array.from(pk(...items)),
    [0x74, 0x62, 0x2e],
  );
}

/** The pickle part of a .npy file. */
const pickleOf = (npy: Uint8Array) => npy.subarray(10 + (npy[8]! | (npy[9]! << 8)));

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

function refuses(bytes: Uint8Array, message: RegExp | string): FormatError {
  const err = catchError(() => unpickleObjectArray(bytes, { name: 'x_train' }));
  expect(err).toBeInstanceOf(FormatError);
  expect(err.message).toContain("npy 'x_train': object-array pickle: ");
  if (typeof message === 'string') expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
  return err as FormatError;
}

describe('unpickleObjectArray reads what numpy writes', () => {
  it('reads the assembled pickle and the test helper’s', () => {
    // MARK, [7] by APPEND, [], APPENDS.
    expect(unpickleObjectArray(objectPickle(2, ['(', 0x5d, 'K', 7, 'a', 0x5d, 'e']))).toEqual({
      shape: [2],
      items: [[7], []],
    });
    const items = [[1, 2, 3], [], [-5, 2 ** 40, -(2 ** 52)], 9];
    expect(unpickleObjectArray(pickleOf(writeObjectNpy(items)))).toEqual({ shape: [4], items });
  });

  it('writes byte for byte what numpy 1.24 wrote (test/helpers/npy_object.ts)', () => {
    const cases: Record<string, (number[] | number)[]> = {
      'obj_mixed.npy': [
        [1, 2, 300],
        [70000, 65535, 65536, 255, 256],
        [],
        [-1, -70000, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, -(2 ** 40), 2 ** 53 - 1],
        [7],
      ],
      'obj_many.npy': Array.from({ length: 300 }, (_, i) => [i, i + 1]),
      'obj_long_list.npy': [Array.from({ length: 1001 }, (_, i) => i), [1, 2]],
      'obj_ints.npy': [5, 300, -2, 2 ** 33],
      'obj_long1.npy': [
        Array.from({ length: 22 }, (_, j) =>
          [1, -1].flatMap((s) => [-1, 0, 1].map((d) => s * 2 ** (31 + j) + d)),
        ).flat(),
      ],
      'obj_empty.npy': [],
      'obj_single.npy': [[4, 5, 6]],
    };
    for (const [name, items] of Object.entries(cases)) {
      const ours = writeObjectNpy(items);
      expect(Buffer.from(ours).equals(Buffer.from(fixture(name))), name).toBe(true);
      expect(parseNpy(ours).data).toEqual(items);
    }
    // The same JS list twice is written once and fetched from the memo, as pickle does.
    const shared = [1, 2];
    const bytes = writeObjectNpy([shared, shared]);
    expect(parseNpy(bytes).data).toEqual([shared, shared]);
    expect(bytes.length).toBeLessThan(
      writeObjectNpy([
        [1, 2],
        [1, 2],
      ]).length,
    );
  });

  it('accepts Python 2 spellings: str for bytes, int dtype flags, INT text, LONG1', () => {
    // The fixture obj_python2.npy covers BINSTRING, LONG_BINPUT and LONG_BINGET too.
    const p = pk(
      [0x80, 2],
      'cnumpy.core.multiarray\n_reconstruct\n',
      'cnumpy\nndarray\nK',
      [0, 0x85, 0x55, 1],
      'b',
      [0x87, 0x52, 0x28, 0x4b, 1, 0x4b, 2, 0x85],
      'cnumpy\ndtype\nU',
      [2],
      'O4I00\nI01\n',
      // dtype state (), fortran False, then [[-5e9, -32768], 0]
      [0x87, 0x52, 0x29, 0x62, 0x89, 0x5d, 0x28, 0x5d, 0x28],
      'I-5000000000\n',
      [0x8a, 2, 0x00, 0x80, 0x65, 0x8a, 0, 0x65, 0x74, 0x62, 0x2e],
    );
    expect(unpickleObjectArray(p)).toEqual({ shape: [2], items: [[-5000000000, -32768], 0] });
  });
});

describe('unpickleObjectArray refuses everything else with a FormatError', () => {
  const forbidden: [number, string][] = [
    [0x82, 'EXT1'],
    [0x83, 'EXT2'],
    [0x84, 'EXT4'],
    [0x69, 'INST'],
    [0x6f, 'OBJ'],
    [0x81, 'NEWOBJ'],
    [0x92, 'NEWOBJ_EX'],
    [0x50, 'PERSID'],
    [0x51, 'BINPERSID'],
    [0x64, 'DICT'],
    [0x7d, 'EMPTY_DICT'],
    [0x73, 'SETITEM'],
    [0x75, 'SETITEMS'],
    [0x8f, 'EMPTY_SET'],
    [0x90, 'ADDITEMS'],
    [0x91, 'FROZENSET'],
    [0x47, 'BINFLOAT'],
    [0x46, 'FLOAT'],
    [0x4c, 'LONG'],
    [0x8b, 'LONG4'],
    [0x53, 'STRING'],
    [0x56, 'UNICODE'],
    [0x8d, 'BINUNICODE8'],
    [0x8e, 'BINBYTES8'],
    [0x96, 'BYTEARRAY8'],
    [0x97, 'NEXT_BUFFER'],
    [0x98, 'READONLY_BUFFER'],
    [0x30, 'POP'],
    [0x31, 'POP_MARK'],
    [0x32, 'DUP'],
    [0x67, 'GET'],
    [0x70, 'PUT'],
    [0x00, 'unknown opcode'],
    [0xff, 'unknown opcode'],
  ];
  for (const [op, name] of forbidden) {
    it(`refuses ${name} (0x${op.toString(16)}), naming its byte, name and offset`, () => {
      const err = refuses(pk([0x80, 3, 0x4e, op, 0x2e]), describeOpcode(op));
      expect(err.message).toContain(`0x${op.toString(16).padStart(2, '0')}`);
      expect(err.message).toContain(`(${name})`);
      expect(err.message).toContain('at offset 3');
      expect(err.message).toContain('is not allowed');
    });
  }

  it('refuses every global but numpy’s four, through GLOBAL and STACK_GLOBAL', () => {
    for (const g of [
      'os\nsystem',
      'builtins\neval',
      '__builtin__\neval',
      'numpy\nload',
      'numpy.core.multiarray\nscalar',
      'numpy\n_reconstruct',
      '__builtin__\nxrange',
      'subprocess\nPopen',
    ]) {
      const [m, n] = g.split('\n');
      refuses(pk([0x80, 3], `c${m}\n${n}\n`, [0x2e]), `global "${m}.${n}" is not allowed`);
      refuses(
        pk([0x80, 4, 0x8c, m!.length], m!, [0x8c, n!.length], n!, [0x93, 0x2e]),
        /global .* is not allowed \(only numpy's _reconstruct, ndarray and dtype\) \(opcode 0x93 \(STACK_GLOBAL\)/,
      );
    }
    refuses(fixture('hostile_os_system.npy').subarray(128), 'global "os.system" is not allowed');
  });

  it('refuses the allowed globals called with other arguments', () => {
    const dtypeCall = (code: string, flags: number[]) =>
      pk(
        [0x80, 3],
        'cnumpy\ndtype\n',
        [0x58, ...u32(code.length)],
        code,
        flags,
        [0x87, 0x52, 0x2e],
      );
    refuses(dtypeCall('<f8', [0x89, 0x88]), `dtype the string "<f8" is not an object dtype`);
    refuses(dtypeCall('O8', [0x4b, 2, 0x88]), 'dtype flags are not booleans');
    refuses(pk([0x80, 3], 'cnumpy\nndarray\n', [0x29, 0x52, 0x2e]), 'REDUCE of numpy.ndarray');
    refuses(
      pk(
        [0x80, 3],
        'cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\n',
        [0x4b, 0, 0x85, 0x43, 1, 0x62, 0x87, 0x52, 0x2e],
      ),
      "_reconstruct arguments are not (ndarray, (0,), b'b')",
    );
    refuses(
      pk([0x80, 2], 'c_codecs\nencode\n', [0x8c, 1], 'b', [0x8c, 5], 'utf-8', [0x86, 0x52, 0x2e]),
      "_codecs.encode arguments are not (<one character>, 'latin1')",
    );
    refuses(
      pk([0x80, 3, 0x4e, 0x29, 0x52, 0x2e]),
      'REDUCE of something that is not an allowed global',
    );
    refuses(pk([0x80, 3, 0x5d, 0x29, 0x62, 0x2e]), 'BUILD on something that is not a numpy stub');
    refuses(pk([0x80, 6, 0x2e]), 'unsupported pickle protocol 6');
  });

  it('refuses deep MARK nesting at once', () => {
    const t0 = performance.now();
    const p = new Uint8Array(1_000_000).fill(0x28);
    p.set([0x80, 3]);
    refuses(p, /more than 32 nested MARKs \(opcode 0x28 '\(' \(MARK\) at offset 34\)/);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('refuses memo gets of keys never set, and puts with nothing to memoize', () => {
    refuses(pk([0x80, 3, 0x4e, 0x71, 4, 0x68, 5, 0x2e]), 'memo key 5 was never set (opcode 0x68');
    refuses(pk([0x80, 3, 0x6a, ...u32(70000), 0x2e]), 'memo key 70000 was never set');
    refuses(pk([0x80, 3, 0x71, 0, 0x2e]), 'stack underflow (opcode 0x71');
    refuses(pk([0x80, 4, 0x94, 0x2e]), 'stack underflow (opcode 0x94');
  });

  it('refuses huge ints: LONG1 over 8 bytes or beyond Number.MAX_SAFE_INTEGER', () => {
    refuses(
      pk([0x80, 3, 0x8a, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x2e]),
      'LONG1 of 9 bytes is too large',
    );
    refuses(pk([0x80, 3, 0x8a, 255, 0x2e]), 'LONG1 of 255 bytes is too large');
    refuses(
      pk([0x80, 3, 0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x2e]),
      'int 1152921504606846976 is beyond',
    );
    refuses(pk([0x80, 3, 0x8a, 7, 0, 0, 0, 0, 0, 0, 0x20, 0x2e]), 'int 9007199254740992 is beyond');
    refuses(
      pk([0x80, 3, 0x8a, 7, 0, 0, 0, 0, 0, 0, 0xe0, 0x2e]),
      'int -9007199254740992 is beyond',
    );
    refuses(pk([0x80, 2], 'I99999999999999999\n.'), 'int 99999999999999999 is beyond');
    refuses(pk([0x80, 2], 'I1e3\n.'), 'malformed INT "1e3"');
    refuses(pk([0x80, 2], `I${'1'.repeat(300)}\n.`), 'no newline within 256 bytes');
  });

  it('checks every length against the bytes left before reading', () => {
    refuses(
      pk([0x80, 3, 0x58, ...u32(0xffffffff), 0x2e]),
      'needs 4294967295 more bytes but only 1 remain',
    );
    refuses(pk([0x80, 3, 0x42, ...u32(0x7fffffff)]), 'needs 2147483647 more bytes');
    refuses(pk([0x80, 3, 0x54, ...u32(0x80000000), 0x2e]), 'negative BINSTRING length');
    refuses(pk([0x80, 4, 0x95, ...u32(1000), 0, 0, 0, 0, 0x2e]), 'frame longer than the input');
    refuses(pk([0x80, 4, 0x95, 0, 0, 0, 0, 1, 0, 0, 0, 0x2e]), 'frame longer than the input');
    refuses(pk([0x80, 3, 0x8c, 2, 0xc3, 0x28, 0x2e]), 'string is not valid UTF-8');
    refuses(pk([0x80, 3, 0x4a, 1, 2]), 'needs 4 more bytes but only 2 remain');
  });

  it('refuses a truncated pickle at every length', () => {
    const p = pickleOf(fixture('obj_mixed.npy'));
    for (let n = 0; n < p.length; n++) {
      expect(() => unpickleObjectArray(p.subarray(0, n))).toThrow(FormatError);
    }
    refuses(p.subarray(0, p.length - 1), 'without STOP (truncated)');
  });

  it('refuses a malformed end: bytes after STOP, values left, open MARKs, no array', () => {
    const ok = objectPickle(1, [0x5d, 'a']);
    expect(unpickleObjectArray(ok).items).toEqual([[]]);
    refuses(pk(ok, [0x4e]), '1 bytes follow STOP');
    refuses(pk(ok.subarray(0, -1), [0x4e, 0x2e]), 'STOP with 2 values on the stack');
    refuses(pk(ok.subarray(0, -1), [0x28, 0x2e]), 'STOP with a MARK still open');
    refuses(pk([0x80, 3, 0x4e, 0x2e]), 'the pickle is not a built numpy object array');
    refuses(pk([0x80, 3, 0x2e]), 'STOP with 0 values on the stack');
  });

  it('checks the array state: shape against items, items only ints and int lists', () => {
    refuses(objectPickle(3, ['(', 0x5d, 0x5d, 'e']), 'array shape (3) does not match its 2 items');
    refuses(objectPickle(1, ['X', ...u32(1), 'a', 'a']), 'item 0 is the string "a"');
    refuses(objectPickle(1, [0x5d, 0x88, 'a', 'a']), 'item 0[0] is True; only ints and lists');
    refuses(objectPickle(1, [0x29, 'a']), 'item 0 is a tuple');
    refuses(objectPickle(1, [0x4e, 'a']), 'item 0 is None');
    // A huge shape is refused without forming its product exactly.
    const big = [0x8a, 6, 0, 0, 0, 0, 0, 1];
    refuses(
      objectPickle(1, [0x5d, 'a'], [...big, ...big, 0x86]),
      'array shape (1099511627776, 1099511627776) does not match its 1 items',
    );
    expect(unpickleObjectArray(objectPickle(0, [], [...big, 0x4b, 0, 0x86])).shape).toEqual([
      2 ** 40,
      0,
    ]);
  });

  it('refuses a list that contains itself, and lists nested too deep', () => {
    refuses(objectPickle(1, ['(', 0x5d, 'q', 1, 'h', 1, 'a', 'e']), 'item 0[0] contains itself');
    // 40 lists, each inside the next.
    // 40 empty lists, then 39 APPENDs put each inside the one below it.
    const deep: (number | string)[] = [...new Array(40).fill(0x5d), ...new Array(39).fill('a')];
    refuses(objectPickle(1, [...deep, 'a']), 'nests lists deeper than 32');
  });

  it('visits lists shared many times once (no exponential walk)', () => {
    // L0 = [1]; Li = [L(i-1), L(i-1)]: 2^29 paths, 30 lists.
    const ops: (number | string)[] = ['(', 0x5d, 'q', 0, 'K', 1, 'a'];
    for (let i = 1; i < 30; i++) ops.push(0x5d, 'q', i, '(', 'h', i - 1, 'h', i - 1, 'e');
    ops.push('e');
    const t0 = performance.now();
    const { items } = unpickleObjectArray(objectPickle(30, ops));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(items).toHaveLength(30);
    expect((items[1] as unknown[])[0]).toBe(items[0]);
  });

  it('copies the item list at BUILD, so later appends through the memo cannot change it', () => {
    // After BUILD, BINGET the item list and APPEND to it; the extra value then stays on the
    // stack, so STOP refuses it either way.
    const ok = objectPickle(1, [0x71, 99, 0x5d, 'a']);
    refuses(
      pk(ok.subarray(0, -1), [0x68, 99, 0x4b, 5, 'a'.charCodeAt(0), 0x2e]),
      'STOP with 2 values',
    );
  });

  it('survives random corruption with a FormatError or a valid result, never another error', () => {
    const base = pickleOf(fixture('obj_mixed.npy'));
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    let refused = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const p = base.slice();
      for (let k = 1 + rand(3); k > 0; k--) p[rand(p.length)] = rand(256);
      try {
        const { shape, items } = unpickleObjectArray(p);
        expect(shape.reduce((a, b) => a * b, 1)).toBe(items.length);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(1000);
  });

  it('bounds memory and time by the input: a megabyte of NONE fails quickly', () => {
    const p = new Uint8Array(1_000_000).fill(0x4e);
    p.set([0x80, 3]);
    const t0 = performance.now();
    refuses(p, 'without STOP');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
