/**
 * Audio preprocessing: `MelSpectrogram`, Keras's layer of the same name (STFT magnitudes,
 * HTK mel filterbank, decibels), built on the `stft` op.
 */
import { ValueError } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { add, log, maximum, mul, pow, sqrt, square, sub } from '../../ops/elementwise.js';
import { stft } from '../../ops/fft.js';
import { matmul } from '../../ops/matmul.js';
import { max } from '../../ops/reduce.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';

/** The mel scale's constants (HTK): mel = 1127 · ln(1 + f / 700). */
const MEL_Q = 1127.0;
const MEL_BREAK_HZ = 700.0;

/** Options of {@link MelSpectrogram} (Keras's names, camelCase). */
export interface MelSpectrogramArgs extends LayerArgs {
  /** FFT size of each frame (default 2048). */
  fftLength?: number;
  /** Samples between successive frames (default 512). */
  sequenceStride?: number;
  /** Samples per frame before zero-padding to fftLength (default fftLength). */
  sequenceLength?: number | null;
  /** 'hann' (default), 'hamming', or null (rectangular). */
  window?: 'hann' | 'hamming' | null;
  /** Samples per second of the signal (default 16000). */
  samplingRate?: number;
  /** Mel bands (default 128). */
  numMelBins?: number;
  /** Lowest band edge in Hz (default 20). */
  minFreq?: number;
  /** Highest band edge in Hz (default samplingRate / 2). */
  maxFreq?: number | null;
  /** Output decibels (default true). */
  powerToDb?: boolean;
  /** Decibels below the maximum that are kept (default 80). */
  topDb?: number;
  /** The magnitude's exponent: 2 for power, 1 for amplitude (default 2). */
  magExp?: number;
  /** Floor of the power before the log (default 1e-10). */
  minPower?: number;
  /** The power that reads 0 dB (default 1). */
  refPower?: number;
}

/**
 * The `[bins, mels]` HTK filterbank Keras's `linear_to_mel_weight_matrix` builds: triangles
 * linear in mel between `numMelBins + 2` edges from minFreq to maxFreq; the DC bin is zero.
 */
export function melWeightMatrix(
  numMelBins: number,
  numSpectrogramBins: number,
  samplingRate: number,
  lowerEdgeHertz: number,
  upperEdgeHertz: number,
): Float64Array {
  const toMel = (f: number) => MEL_Q * Math.log(1 + f / MEL_BREAK_HZ);
  const nyquist = samplingRate / 2;
  const lo = toMel(lowerEdgeHertz);
  const hi = toMel(upperEdgeHertz);
  const edges = Float64Array.from(
    { length: numMelBins + 2 },
    (_, i) => lo + ((hi - lo) * i) / (numMelBins + 1),
  );
  const m = new Float64Array(numSpectrogramBins * numMelBins);
  for (let b = 1; b < numSpectrogramBins; b++) {
    const mel = toMel((nyquist * b) / (numSpectrogramBins - 1));
    for (let j = 0; j < numMelBins; j++) {
      const lower = (mel - edges[j]!) / (edges[j + 1]! - edges[j]!);
      const upper = (edges[j + 2]! - mel) / (edges[j + 2]! - edges[j + 1]!);
      m[b * numMelBins + j] = Math.max(0, Math.min(lower, upper));
    }
  }
  return m;
}

/**
 * A mel spectrogram of audio signals (Keras's `layers.MelSpectrogram`): centred STFT frames,
 * their magnitudes to the power `magExp`, mel bands, and with `powerToDb` decibels clipped at
 * `topDb` below the largest value of the batch.
 *
 * Formula: `S = |stft(x)|^magExp · M` (M the mel filterbank); with powerToDb,
 * `10·log10(max(S, minPower)) − 10·log10(max(|refPower|, minPower))`, floored at its max − topDb.
 *
 * Shape: `[T]` or `[batch, T]` → `[numMelBins, frames]` or `[batch, numMelBins, frames]`,
 * frames = `1 + ⌊T / sequenceStride⌋`.
 * @example new MelSpectrogram({ fftLength: 512, sequenceStride: 128, numMelBins: 64 }).apply(audio)
 */
export class MelSpectrogram extends Layer {
  static override readonly className = 'MelSpectrogram';
  readonly fftLength: number;
  readonly sequenceStride: number;
  readonly sequenceLength: number;
  readonly window: 'hann' | 'hamming' | null;
  readonly samplingRate: number;
  readonly numMelBins: number;
  readonly minFreq: number;
  readonly maxFreq: number;
  readonly powerToDb: boolean;
  readonly topDb: number;
  readonly magExp: number;
  readonly minPower: number;
  readonly refPower: number;

  constructor(args: MelSpectrogramArgs = {}) {
    super(args);
    const positiveInt = (name: string, v: number): number => {
      if (!Number.isInteger(v) || v < 1)
        throw new ValueError(`${this.where()}: ${name} must be a positive integer, got ${v}`);
      return v;
    };
    const finite = (name: string, v: number): number => {
      if (!Number.isFinite(v))
        throw new ValueError(`${this.where()}: ${name} must be a finite number, got ${v}`);
      return v;
    };
    this.fftLength = positiveInt('fftLength', args.fftLength ?? 2048);
    this.sequenceStride = positiveInt('sequenceStride', args.sequenceStride ?? 512);
    this.sequenceLength = positiveInt('sequenceLength', args.sequenceLength ?? this.fftLength);
    if (this.sequenceLength > this.fftLength)
      throw new ValueError(
        `${this.where()}: sequenceLength (${this.sequenceLength}) must not exceed fftLength (${this.fftLength})`,
      );
    const w = args.window === undefined ? 'hann' : args.window;
    if (w !== null && w !== 'hann' && w !== 'hamming')
      throw new ValueError(`${this.where()}: window must be 'hann', 'hamming' or null, got ${w}`);
    this.window = w;
    this.samplingRate = finite('samplingRate', args.samplingRate ?? 16000);
    this.numMelBins = positiveInt('numMelBins', args.numMelBins ?? 128);
    this.minFreq = finite('minFreq', args.minFreq ?? 20);
    // Keras's default: int(sampling_rate / 2).
    this.maxFreq = finite('maxFreq', args.maxFreq ?? Math.trunc(this.samplingRate / 2));
    if (!(this.samplingRate > 0) || !(this.maxFreq > this.minFreq) || this.minFreq < 0)
      throw new ValueError(
        `${this.where()}: need samplingRate > 0 and 0 ≤ minFreq < maxFreq, got ${this.samplingRate}, ${this.minFreq} and ${this.maxFreq}`,
      );
    this.powerToDb = args.powerToDb ?? true;
    this.topDb = finite('topDb', args.topDb ?? 80);
    this.magExp = finite('magExp', args.magExp ?? 2);
    this.minPower = finite('minPower', args.minPower ?? 1e-10);
    this.refPower = finite('refPower', args.refPower ?? 1);
    if (!(this.minPower > 0))
      throw new ValueError(`${this.where()}: minPower must be positive, got ${this.minPower}`);
  }

  private where(): string {
    return `${this.name} (MelSpectrogram)`;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.rank !== 1 && x.rank !== 2)
      throw new ValueError(
        `${this.where()}: expected audio of shape [samples] or [batch, samples], got rank ${x.rank}`,
      );
    const dt = this.dtype === 'float64' ? 'float64' : 'float32';
    if (x.dtype !== dt) x = x.cast(dt);
    const [re, im] = stft(x, this.sequenceLength, this.sequenceStride, this.fftLength, {
      window: this.window,
      center: true,
    });
    const power = add(square(re), square(im));
    // |z|^2 without the square root (equal values, and a gradient at zero).
    let spec = this.magExp === 2 ? power : pow(sqrt(power), this.magExp);
    const bins = spec.shape[spec.rank - 1]!;
    const m = melWeightMatrix(this.numMelBins, bins, this.samplingRate, this.minFreq, this.maxFreq);
    spec = matmul(
      spec,
      tensor(dt === 'float64' ? m : Float32Array.from(m), [bins, this.numMelBins], dt),
    );
    if (this.powerToDb) {
      const toDb = 10 / Math.LN10;
      const ref = toDb * Math.log(Math.max(Math.abs(this.refPower), this.minPower));
      spec = sub(mul(log(maximum(spec, this.minPower)), toDb), ref);
      spec = maximum(spec, sub(max(spec), this.topDb));
    }
    const perm = spec.rank === 2 ? [1, 0] : [0, 2, 1];
    return spec.transpose(perm);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const t = s[s.length - 1];
    const frames = t == null ? null : 1 + Math.floor(t / this.sequenceStride);
    return s.length === 1 ? [this.numMelBins, frames] : [s[0]!, this.numMelBins, frames];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      fftLength: this.fftLength,
      sequenceStride: this.sequenceStride,
      sequenceLength: this.sequenceLength,
      window: this.window,
      samplingRate: this.samplingRate,
      numMelBins: this.numMelBins,
      minFreq: this.minFreq,
      maxFreq: this.maxFreq,
      powerToDb: this.powerToDb,
      topDb: this.topDb,
      magExp: this.magExp,
      minPower: this.minPower,
      refPower: this.refPower,
    };
  }
}

registerSerializable('layer', MelSpectrogram);
