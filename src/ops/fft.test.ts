/**
 * The Fourier ops against numpy.fft and Keras 3's ops.stft/istft (test/fixtures/fft_golden.json
 * from scripts/fft_golden.py), round trips, float64 gradient checks, and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { fft, fft2, ifft, ifft2, irfft, istft, rfft, stft } from './fft.js';
import { randomNormal } from './random.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  inputs: Arr[];
  outs: Arr[];
  args: {
    fft_length?: number | null;
    sequence_length?: number;
    sequence_stride?: number;
    window?: string | null;
    center?: boolean;
    length?: number;
  };
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/fft_golden.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const t64 = (a: Arr) => tensor(Float64Array.from(a.data), a.shape, 'float64');

function run(c: Case, xs: Tensor[]): Tensor[] {
  const a = c.args;
  const st = () => [a.sequence_length!, a.sequence_stride!, a.fft_length!] as const;
  const opts = {
    window: a.window === undefined ? 'hann' : (a.window as 'hann' | 'hamming' | null),
    center: a.center ?? true,
  };
  const kind = c.name.replace(/_.*$/, '');
  switch (kind) {
    case 'fft':
      return fft([xs[0]!, xs[1]!]);
    case 'ifft':
      return ifft([xs[0]!, xs[1]!]);
    case 'fft2':
      return fft2([xs[0]!, xs[1]!]);
    case 'ifft2':
      return ifft2([xs[0]!, xs[1]!]);
    case 'rfft':
      return rfft(xs[0]!, a.fft_length);
    case 'irfft':
      return [irfft([xs[0]!, xs[1]!], a.fft_length)];
    case 'stft':
      return stft(xs[0]!, ...st(), opts);
    case 'istft':
      return [istft([xs[0]!, xs[1]!], ...st(), { ...opts, length: a.length })];
    default:
      throw new Error(`no runner for ${c.name}`);
  }
}

describe('Fourier ops', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s matches numpy / Keras', (_n, c) => {
    const outs = run(c, c.inputs.map(t64));
    expect(outs).toHaveLength(c.outs.length);
    outs.forEach((o, i) => {
      expect(o.shape).toEqual(c.outs[i]!.shape);
      // Keras's stft/istft hand back float32; numpy's transforms float64.
      const tol = c.name.includes('stft') ? 1e-6 : 1e-9;
      expectClose(o, t64(c.outs[i]!), { rtol: tol, atol: tol });
    });
  });

  it('float32 agrees with float64, and transforms invert each other', () => {
    const x = randomNormal([2, 16], 0, 1, { seed: 1 });
    const [r, i] = rfft(x);
    expectClose(irfft([r, i], 16), x, { rtol: 1e-5, atol: 1e-5 });
    const [a, b] = ifft(fft([x, x.mul(0.5)]));
    expectClose(a, x, { rtol: 1e-5, atol: 1e-5 });
    expectClose(b, x.mul(0.5), { rtol: 1e-5, atol: 1e-5 });
    const sig = randomNormal([3, 50], 0, 1, { seed: 2 });
    const s = stft(sig, 16, 4, 16);
    expectClose(istft(s, 16, 4, 16, { length: 50 }), sig, { rtol: 1e-4, atol: 1e-4 });
  });

  it('passes float64 gradient checks', () => {
    gradCheck(
      (a, b) => fft([a, b])[0]!.add(fft([a, b])[1]!.mul(0.7)),
      [randomValues([2, 5], 1), randomValues([2, 5], 2)],
    );
    gradCheck((a, b) => ifft2([a, b])[1]!, [randomValues([3, 4], 3), randomValues([3, 4], 4)]);
    gradCheck((x) => rfft(x, 6)[1]!, [randomValues([2, 5], 5)]);
    gradCheck((a, b) => irfft([a, b], 7), [randomValues([2, 4], 6), randomValues([2, 4], 7)]);
    gradCheck((x) => stft(x, 4, 2, 6, { window: 'hamming' })[0]!, [randomValues([2, 12], 8)]);
    gradCheck(
      (a, b) => istft([a, b], 4, 2, 4),
      [randomValues([5, 3], 9), randomValues([5, 3], 10)],
    );
  });

  it('names what is wrong', () => {
    const x = tensor([1, 2, 3]);
    expect(() => fft([x, tensor([1, 2])])).toThrow(ShapeError);
    expect(() => fft(x as never)).toThrow(/fft: x must be a pair \[real, imag\]/);
    expect(() => rfft(tensor([1, 2], undefined, 'int32'))).toThrow(/rfft: x must be float/);
    expect(() => rfft(x, 5000)).toThrow(/fftLength must be an integer in \[1, 4096\]/);
    expect(() => stft(x, 4, 2, 3)).toThrow(/fftLength \(3\) must be at least sequenceLength \(4\)/);
    expect(() => stft(x, 2, 1, 8, { center: false })).toThrow(/shorter than fftLength 8/);
    expect(() => stft(x, 2, 1, 2, { window: 'kaiser' as never })).toThrow(ValueError);
    expect(() => stft(x, 2, 1, 2, { window: tensor([1, 2, 3]) })).toThrow(
      /window must have shape \[2\]/,
    );
    expect(() => fft2([x, x])).toThrow(/fft2: x needs two axes/);
  });
});
