/**
 * Huge tensors are refused with a typed error naming the op, the element count and the bytes,
 * never V8's bare `RangeError: Invalid typed array length` (issue 10).
 */
import { describe, expect, it } from 'vitest';
import { AllocationError, TesseraError, ValueError } from '../errors.js';
import { MAX_TENSOR_ELEMENTS, allocArray, checkAllocation } from '../tensor/dtype.js';
import { arange, eye, full, linspace, ones, tensor, zeros } from './creation.js';
import { randomNormal, randomUniform } from './random.js';

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('allocation of huge tensors', () => {
  it('zeros([1e6, 1e6]) names the op, the shape, the elements and the bytes', () => {
    const e = thrown(() => zeros([1e6, 1e6]));
    expect(e).toBeInstanceOf(AllocationError);
    expect(e).toBeInstanceOf(ValueError);
    expect(e).toBeInstanceOf(TesseraError);
    expect(e.name).toBe('AllocationError');
    expect(e.message).toBe(
      'zeros: cannot allocate a float32 tensor of shape [1000000, 1000000]: 1000000000000 elements (4000000000000 bytes, 3.64 TiB); a tensor holds at most 4294967296 elements',
    );
  });

  it('every creation op names itself', () => {
    const cases: [string, () => unknown][] = [
      ['ones', () => ones([1e5, 1e5], 'int32')],
      ['full', () => full([1e5, 1e5], 2, 'float64')],
      ['eye', () => eye(1e5)],
      ['arange', () => arange(1e10)],
      ['linspace', () => linspace(0, 1, 1e10)],
      ['randomNormal', () => randomNormal([1e5, 1e5])],
      ['randomUniform', () => randomUniform([1e5, 1e5])],
      ['tensor', () => tensor(1, [1e5, 1e5])],
    ];
    for (const [op, f] of cases) {
      const e = thrown(f);
      expect(e, op).toBeInstanceOf(AllocationError);
      expect(e.message.startsWith(`${op}: cannot allocate`), e.message).toBe(true);
      expect(e.message).toContain('10000000000 elements');
    }
  });

  it('reports bytes by dtype and accepts sizes up to the limit', () => {
    expect(thrown(() => checkAllocation('op', 2 ** 33, 'float64')).message).toBe(
      'op: cannot allocate a float64 tensor: 8589934592 elements (68719476736 bytes, 64.0 GiB); a tensor holds at most 4294967296 elements',
    );
    expect(() => checkAllocation('op', MAX_TENSOR_ELEMENTS, 'bool')).not.toThrow();
    expect(() => checkAllocation('op', Number.NaN, 'bool')).toThrow(AllocationError);
    expect(() => checkAllocation('op', -1, 'bool')).toThrow(AllocationError);
    expect(allocArray('int32', 3, 'x')).toEqual(new Int32Array(3));
  });

  it('ordinary shapes still work', () => {
    expect(Array.from(zeros([2, 3]).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(eye(2).dataSync())).toEqual([1, 0, 0, 1]);
    expect(Array.from(arange(3).dataSync())).toEqual([0, 1, 2]);
  });
});
