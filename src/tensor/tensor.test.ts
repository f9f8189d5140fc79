/**
 * The Tensor data class: synchronous reads are a backend capability, and the chained ops are
 * attached by ops/tensor_methods.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { JsBackend } from '../backend/cpu/index.js';
import { BackendCapabilityError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Tensor } from './tensor.js';

/** The js backend without its synchronous read, as a device backend would be. */
function asyncOnly(): Backend {
  const js = new JsBackend();
  const b = Object.create(js) as Backend & { name: string };
  Object.defineProperty(b, 'name', { value: 'async-only' });
  Object.defineProperty(b, 'readSync', { value: undefined });
  return b;
}

describe('synchronous reads are a backend capability', () => {
  const b = asyncOnly();
  const t = () => new Tensor(b.fromArray(Float32Array.of(1, 2, 3), 'float32'), [3], 'float32', b);

  it('data() and array() work on a backend without readSync', async () => {
    expect(Array.from(await t().data())).toEqual([1, 2, 3]);
    expect(await t().array()).toEqual([1, 2, 3]);
  });

  it('dataSync, arraySync and item give a BackendCapabilityError naming the way out', () => {
    expect(() => t().dataSync()).toThrow(BackendCapabilityError);
    expect(() => t().arraySync()).toThrow(
      /dataSync: the 'async-only' backend .* await tensor\.data\(\)/,
    );
    const one = new Tensor(b.fromArray(Float32Array.of(5), 'float32'), [], 'float32', b);
    expect(() => one.item()).toThrow(BackendCapabilityError);
    try {
      t().dataSync();
    } catch (e) {
      expect((e as Error).name).toBe('BackendCapabilityError');
    }
  });

  it('moving a tensor off such a backend by a synchronous op says why', () => {
    expect(() => t().add(1)).toThrow(/moving a tensor to the '\w+' backend/);
  });
});

describe('the chained ops', () => {
  it('are attached to the prototype, not enumerable, and run the op', () => {
    const x = tensor([1, -2, 3]);
    expect(Object.keys(x)).not.toContain('add');
    expect(Object.getOwnPropertyDescriptor(Tensor.prototype, 'relu')?.enumerable).toBe(false);
    expect(Array.from(x.add(1).relu().dataSync())).toEqual([2, 0, 4]);
    expect(Array.from(x.reshape([3, 1]).sum(0).dataSync())).toEqual([2]);
  });
});
