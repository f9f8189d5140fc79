/**
 * Cast and int32 creation semantics. Golden values are NumPy 1.24's output on x86 (see each
 * comment for the expression), the behaviour `cast` documents; every backend must agree.
 */
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { ValueError } from '../errors.js';
import { fitsInt32 } from '../tensor/dtype.js';
import { convertToTensor } from '../tensor/tensor.js';
import { arange, eye, full, tensor } from './creation.js';
import { cast } from './elementwise.js';

const MIN = -2147483648;

// Inputs to the float → int32 casts, in the order of the golden lists below.
const EDGE = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  3e9,
  -3e9,
  2147483647.0,
  2147483647.9,
  2147483648.0,
  -2147483648.0,
  -2147483648.9,
  -2147483649.0,
  1.7,
  -1.7,
  2.5,
  -0.5,
  -0.0,
  0.9999,
  1e40,
  16777217.0,
];

describeBackends('cast', () => {
  it('float64 → int32 truncates toward zero and gives INT32_MIN for NaN, ±Inf, out of range (NumPy x86)', () => {
    // np.array(EDGE, np.float64).astype(np.int32).tolist()
    const golden = [
      MIN,
      MIN,
      MIN,
      MIN,
      MIN,
      2147483647,
      2147483647,
      MIN,
      MIN,
      MIN,
      MIN,
      1,
      -1,
      2,
      0,
      0,
      0,
      MIN,
      16777217,
    ];
    const x = tensor(new Float64Array(EDGE), undefined, 'float64');
    const y = cast(x, 'int32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual(golden);
  });

  it('float32 → int32: float32 rounds 2147483647 up to 2³¹, which is out of range (NumPy x86)', () => {
    // np.array(EDGE, np.float32).astype(np.int32).tolist()
    const golden = [MIN, MIN, MIN, MIN, MIN, MIN, MIN, MIN, MIN, MIN, MIN, 1, -1, 2, 0, 0, 0, MIN];
    golden.push(16777216);
    const y = cast(tensor(new Float64Array(EDGE)), 'int32');
    expect(Array.from(y.dataSync())).toEqual(golden);
  });

  it('a large float32 tensor (past the fast backends’ small-op cutoffs) casts the same', () => {
    const n = 4096;
    const src = new Float32Array(n);
    for (let i = 0; i < n; i++) src[i] = i % 3 === 0 ? Number.NaN : (i - 2048) * 1.5e6 + 0.75;
    const out = cast(tensor(src), 'int32').dataSync();
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      const want = Number.isNaN(v) || Math.abs(v) >= 2 ** 31 ? MIN : Math.trunc(v);
      if (out[i] !== want) expect([i, out[i]]).toEqual([i, want]);
    }
  });

  it('→ bool: nonzero (NaN and ±Inf included) is true, ±0 false; int32 → bool likewise', () => {
    // np.array(EDGE, np.float32).astype(bool): all True except -0.0
    const got = cast(tensor(new Float64Array(EDGE)), 'bool').arraySync() as boolean[];
    expect(got).toEqual(EDGE.map((v) => !Object.is(v, -0)));
    // np.array([0, 1, -5, 16777217, 2147483647], np.int32).astype(bool)
    expect(
      cast(tensor([0, 1, -5, 16777217, 2147483647], undefined, 'int32'), 'bool').arraySync(),
    ).toEqual([false, true, true, true, true]);
  });

  it('int32 → float32 rounds above 2²⁴; float64 → float32 rounds to nearest; bool → 0/1', () => {
    // np.array([0, 1, -5, 16777217, 2147483647], np.int32).astype(np.float32)
    expect(
      Array.from(
        cast(tensor([0, 1, -5, 16777217, 2147483647], undefined, 'int32'), 'float32').dataSync(),
      ),
    ).toEqual([0, 1, -5, 16777216, 2147483648]);
    // np.array([0.1, 1e-45, 3.4e38, 1e39]).astype(np.float32)
    const f = cast(
      tensor(new Float64Array([0.1, 1e-45, 3.4e38, 1e39]), undefined, 'float64'),
      'float32',
    );
    expect(Array.from(f.dataSync())).toEqual([
      0.10000000149011612,
      1.401298464324817e-45,
      3.3999999521443642e38,
      Number.POSITIVE_INFINITY,
    ]);
    expect(Array.from(cast(tensor([true, false, true]), 'int32').dataSync())).toEqual([1, 0, 1]);
  });
});

describe('int32 creation refuses what int32 cannot hold', () => {
  it('tensor([2**40, 3e9], int32) throws naming tensor, the value and its index (it wrapped to [0, -1294967296])', () => {
    expect(() => tensor([2 ** 40, 3e9], undefined, 'int32')).toThrowError(ValueError);
    expect(() => tensor([2 ** 40, 3e9], undefined, 'int32')).toThrowError(
      /^tensor: value 1099511627776 at index 0 does not fit int32/,
    );
    expect(() => tensor([1, 3e9], undefined, 'int32')).toThrowError(/value 3000000000 at index 1 /);
    expect(() => tensor([-2147483649], undefined, 'int32')).toThrowError(/-2147483649/);
  });

  it('NaN and ±Infinity throw; the multi-dimensional index is named', () => {
    expect(() =>
      tensor(
        [
          [1, 2],
          [3, Number.NaN],
        ],
        undefined,
        'int32',
      ),
    ).toThrowError(/^tensor: value NaN at index \[1, 1\] \(flat 3\) does not fit int32/);
    expect(() => tensor([Number.POSITIVE_INFINITY], undefined, 'int32')).toThrowError(
      /value Infinity at index 0/,
    );
    // Typed arrays: the index follows the requested shape
    expect(() =>
      tensor(new Float32Array([0, 0, 0, Number.NEGATIVE_INFINITY, 0, 0]), [2, 3], 'int32'),
    ).toThrowError(/value -Infinity at index \[1, 0\] \(flat 3\)/);
    expect(() => tensor(new Float64Array([5e9]), undefined, 'int32')).toThrowError(ValueError);
  });

  it('conversions of user data, full, arange and eye check too', () => {
    expect(() => convertToTensor([1, Number.NaN], 'gather', 'indices', 'int32')).toThrowError(
      /^gather \(indices\): value NaN at index 1/,
    );
    expect(() => full([2], Number.NaN, 'int32')).toThrowError(
      /^full: value NaN does not fit int32/,
    );
    expect(() => full([2], 2 ** 31, 'int32')).toThrowError(ValueError);
    expect(() => arange(2 ** 31, 2 ** 31 + 2)).toThrowError(/^tensor: value 2147483648 at index 0/);
    expect(Array.from(eye(2, 2, 'int32').dataSync())).toEqual([1, 0, 0, 1]);
  });

  it('the extremes fit and fractions truncate toward zero, as np.array([1.7, -1.7], np.int32) does', () => {
    expect(Array.from(tensor([2147483647, -2147483648], undefined, 'int32').dataSync())).toEqual([
      2147483647, -2147483648,
    ]);
    expect(Array.from(tensor([1.7, -1.7, 2147483647.9], undefined, 'int32').dataSync())).toEqual([
      1, -1, 2147483647,
    ]);
    expect(Array.from(tensor(new Int32Array([MIN]), undefined, 'int32').dataSync())).toEqual([MIN]);
    expect(Array.from(full([2], -2147483648, 'int32').dataSync())).toEqual([MIN, MIN]);
    // Other dtypes are unaffected: float32 keeps NaN, bool maps NaN to true
    expect(Number.isNaN(tensor([Number.NaN]).dataSync()[0]!)).toBe(true);
    expect(tensor([Number.NaN, 0], undefined, 'bool').arraySync()).toEqual([true, false]);
  });

  it('fitsInt32 marks the boundaries', () => {
    expect([2147483647.9, -2147483648.9, 0, -0.5].every(fitsInt32)).toBe(true);
    expect([2 ** 31, -2147483649, Number.NaN, Number.POSITIVE_INFINITY].some(fitsInt32)).toBe(
      false,
    );
  });
});
