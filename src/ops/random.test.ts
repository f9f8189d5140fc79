import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { Generator, globalGenerator, randomNormal, setSeed } from './random.js';

describe('Generator state', () => {
  it('setState(getState()) repeats every following draw, uniform, int and normal', () => {
    const g = new Generator(7);
    for (let i = 0; i < 13; i++) g.nextUint32();
    g.normal(); // leaves a spare normal cached: it must be part of the state
    const s = g.getState();
    expect(s.spare).not.toBeNull();
    const a = [g.normal(), g.uniform(), g.int(1000), g.nextUint32(), g.normal()];
    const h = new Generator(999);
    h.setState(JSON.parse(JSON.stringify(s)));
    expect([h.normal(), h.uniform(), h.int(1000), h.nextUint32(), h.normal()]).toEqual(a);
  });

  it('stores the words as uint32 (the update makes some of them negative int32)', () => {
    const g = new Generator(1);
    for (let i = 0; i < 50; i++) g.nextUint32();
    for (const w of g.getState().s) {
      expect(Number.isInteger(w)).toBe(true);
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThan(2 ** 32);
    }
  });

  it('the global generator restores too (what fit resumes from)', () => {
    setSeed(3);
    randomNormal([5]);
    const s = globalGenerator().getState();
    const a = randomNormal([7]).dataSync().slice();
    randomNormal([100]);
    globalGenerator().setState(s);
    expect(randomNormal([7]).dataSync().slice()).toEqual(a);
  });

  it('refuses malformed states with a ValueError naming Generator.setState', () => {
    const g = new Generator(1);
    const bad: unknown[] = [
      null,
      { s: [1, 2, 3], spare: null },
      { s: [1, 2, 3, -1], spare: null },
      { s: [1, 2, 3, 2 ** 32], spare: null },
      { s: [1, 2, 3, 0.5], spare: null },
      { s: [0, 0, 0, 0], spare: null },
      { s: [1, 2, 3, 4], spare: Number.NaN },
      { s: [1, 2, 3, 4], spare: '1' },
    ];
    for (const b of bad) {
      expect(() => g.setState(b as never)).toThrow(ValueError);
      expect(() => g.setState(b as never)).toThrow(/Generator\.setState/);
    }
  });
});
