/**
 * Hashing on every example of Keras's docstring (FarmHash64; with a mask; SipHash64 with a
 * salt pair and a single salt), SipHash-2-4's reference vectors, integers hashed as text,
 * encoded outputs, config round trip and errors.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../ops/creation.js';
import { sipHash64 } from '../../ops/farmhash.js';
import { deserialize } from '../../serialization.js';
import type { Layer } from '../layer.js';
import { Hashing } from './hashing.js';

const inp = [['A'], ['B'], ['C'], ['D'], ['E']];

describe('Hashing (Keras docstring)', () => {
  it('FarmHash64 bins, with and without a mask value', () => {
    expect(new Hashing({ numBins: 3 }).apply(inp).arraySync()).toEqual([[1], [0], [1], [1], [2]]);
    expect(
      new Hashing({ numBins: 3, maskValue: '' })
        .apply([['A'], ['B'], [''], ['C'], ['D']])
        .arraySync(),
    ).toEqual([[1], [1], [0], [2], [2]]);
  });

  it('SipHash64 bins with a salt pair or one salt', () => {
    expect(new Hashing({ numBins: 3, salt: [133, 137] }).apply(inp).arraySync()).toEqual([
      [1],
      [2],
      [1],
      [0],
      [2],
    ]);
    expect(new Hashing({ numBins: 3, salt: 133 }).apply(inp).arraySync()).toEqual([
      [0],
      [0],
      [2],
      [1],
      [0],
    ]);
  });
});

describe('Hashing', () => {
  it('SipHash-2-4 gives the reference vectors (key 00…0f)', () => {
    const key: [bigint, bigint] = [0x0706050403020100n, 0x0f0e0d0c0b0a0908n];
    expect(sipHash64(new Uint8Array(0), key).toString(16)).toBe('726fdb47dd0e0e31');
    expect(
      sipHash64(
        Uint8Array.from({ length: 15 }, (_, i) => i),
        key,
      ).toString(16),
    ).toBe('a129ca6149be45e5');
  });

  it('hashes integers as their decimal text, and encodes', () => {
    const h = new Hashing({ numBins: 5 });
    expect(h.apply(tensor([[12], [7]], undefined, 'int32')).arraySync()).toEqual(
      h.apply([['12'], ['7']]).arraySync(),
    );
    const mh = new Hashing({ numBins: 3, outputMode: 'multi_hot' })
      .apply([
        ['A', 'B'],
        ['E', 'E'],
      ])
      .arraySync();
    expect(mh).toEqual([
      [1, 1, 0],
      [0, 0, 1],
    ]);
    const again = deserialize<Layer>('layer', {
      className: 'Hashing',
      config: new Hashing({ numBins: 3, salt: [133, 137] }).getConfig(),
    });
    expect(again.apply(inp).arraySync()).toEqual([[1], [2], [1], [0], [2]]);
  });

  it('refuses bad options, naming the layer', () => {
    expect(() => new Hashing({ numBins: 0 })).toThrow(
      /\(Hashing\): numBins must be a positive integer, got 0/,
    );
    expect(() => new Hashing({ numBins: 1, maskValue: '' })).toThrow(/numBins must be at least 2/);
    expect(() => new Hashing({ numBins: 3, salt: [1, 2, 3] as never })).toThrow(
      /salt must be an integer or a pair/,
    );
    expect(() => new Hashing({ numBins: 3 }).apply(tensor([1.5]))).toThrow(
      /strings or integers, got float32/,
    );
  });
});
