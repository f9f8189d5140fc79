/**
 * MelSpectrogram against Keras 3's layer (test/fixtures/mel_golden.json and
 * mel_spectrogram.keras from scripts/mel_golden.py): decibels, amplitude with a hamming
 * window and band limits, a rank-1 signal with topDb and refPower, and Keras's own .keras
 * file; the layer harness; typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { loadModelFromBytes } from '../../io/save_load.js';
import { tensor } from '../../ops/creation.js';
import { MelSpectrogram, type MelSpectrogramArgs } from './audio.js';

interface Arr {
  shape: number[];
  data: number[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/mel_golden.json', import.meta.url), 'utf8'),
) as { cases: { name: string; config: Record<string, unknown>; input: Arr; output: Arr }[] };
const t = (a: Arr) => tensor(Float32Array.from(a.data), a.shape);
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe('MelSpectrogram', () => {
  it.each(golden.cases.filter((c) => c.name !== 'model').map((c) => [c.name, c] as const))(
    "matches Keras's: %s",
    (_n, c) => {
      const args = Object.fromEntries(
        Object.entries(c.config).map(([k, v]) => [camel(k), v]),
      ) as MelSpectrogramArgs;
      const y = new MelSpectrogram(args).apply(t(c.input)) as never;
      // Decibels near the floor amplify float32 rounding: compare them absolutely.
      expectClose(y, t(c.output), {
        rtol: 1e-4,
        atol: c.config.power_to_db === false ? 1e-6 : 2e-3,
      });
    },
  );

  it("loads Keras's .keras file and predicts as Keras", async () => {
    const model = await loadModelFromBytes(
      new Uint8Array(
        readFileSync(new URL('../../../test/fixtures/mel_spectrogram.keras', import.meta.url)),
      ),
    );
    const c = golden.cases.find((g) => g.name === 'model')!;
    expectClose(model.predict(t(c.input)) as never, t(c.output), { rtol: 1e-5, atol: 1e-4 });
  });

  it('goes through the layer harness', () => {
    runLayerTest({
      cls: MelSpectrogram,
      args: {
        fftLength: 16,
        sequenceStride: 4,
        numMelBins: 5,
        samplingRate: 8000,
        powerToDb: false,
      },
      inputShape: [2, 40],
      expectedOutputShape: [2, 5, 11],
      expectedNumWeights: 0,
    });
  });

  it('names what is wrong', () => {
    expect(() => new MelSpectrogram({ fftLength: 0 })).toThrow(
      /fftLength must be a positive integer/,
    );
    expect(() => new MelSpectrogram({ fftLength: 16, sequenceLength: 32 })).toThrow(
      /sequenceLength \(32\) must not exceed fftLength \(16\)/,
    );
    expect(() => new MelSpectrogram({ window: 'kaiser' as never })).toThrow(/window must be/);
    expect(() => new MelSpectrogram({ minFreq: 9000, samplingRate: 16000 })).toThrow(
      /0 ≤ minFreq < maxFreq/,
    );
    const m = new MelSpectrogram({ fftLength: 16, sequenceStride: 4, name: 'mel' });
    expect(() => m.apply(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(
      /mel \(MelSpectrogram\): expected audio of shape \[samples\] or \[batch, samples\]/,
    );
  });
});
