/**
 * fingerprint64 against Debian's libfarmhash (golden JSON from scripts/farmhash_golden.cc):
 * every input length 0–200 (each code path and every tail of the 64-byte loop), and words,
 * UTF-8 included; and the bins of Keras's Hashing docstring (num_bins 3: A→1, B→0, C→1,
 * D→1, E→2).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprint64 } from './farmhash.js';

const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/farmhash_golden.json', import.meta.url), 'utf8'),
) as {
  pattern: number[];
  prefixes: string[];
  words: Record<string, string>;
};

describe('fingerprint64', () => {
  it('equals libfarmhash for every length 0–200', () => {
    const bytes = Uint8Array.from(golden.pattern);
    golden.prefixes.forEach((h, n) =>
      expect(fingerprint64(bytes.subarray(0, n)).toString()).toBe(h),
    );
  });

  it('equals libfarmhash on words (UTF-8 bytes)', () => {
    for (const [w, h] of Object.entries(golden.words)) expect(fingerprint64(w).toString()).toBe(h);
  });

  it('puts Keras’s Hashing docstring inputs in Keras’s bins', () => {
    expect(['A', 'B', 'C', 'D', 'E'].map((s) => Number(fingerprint64(s) % 3n))).toEqual([
      1, 0, 1, 1, 2,
    ]);
  });
});
