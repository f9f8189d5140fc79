/**
 * The character-level transformer on Tiny Shakespeare (examples/char_transformer.ts): causal
 * self-attention learns the text — the held-out loss falls well below the 3.3 nats of a
 * character's frequencies alone — and the sampled text is mostly words of the play.
 */
import { describe, expect, it } from 'vitest';
import { shakespeare, trainCharTransformer } from '../../examples/char_transformer.js';

const text = shakespeare();

describe.skipIf(!text)('character-level transformer on Tiny Shakespeare (slow)', () => {
  it('learns to write words: held-out loss < 2.1 nats/char, most sampled words are real', async () => {
    const r = await trainCharTransformer(text!, 800, { sampleChars: 400 });
    const words = r.sample.match(/[A-Za-z]{2,}/g) ?? [];
    const known = new Set(text!.match(/[A-Za-z]{2,}/g) ?? []);
    const real = words.filter((w) => known.has(w)).length / Math.max(1, words.length);
    console.log(
      `char transformer: loss ${r.losses[0]!.toFixed(2)} → ${r.losses.at(-1)!.toFixed(2)}, held-out ${r.validationLoss.toFixed(3)}; ${(100 * real).toFixed(0)}% real words\n${r.sample}`,
    );
    expect(r.validationLoss).toBeLessThan(2.1);
    expect(words.length).toBeGreaterThan(30);
    expect(real).toBeGreaterThan(0.5);
  }, 900_000);
});
