/**
 * Keras's Fourier ops on (real, imaginary) pairs, as Keras passes complex values: `fft`,
 * `fft2`, `ifft2`, `rfft`, `irfft`, `stft`, `istft`. Each transform is a product with a
 * constant cosine/sine (DFT) matrix, so it runs on the backends' GEMM and its gradient is
 * matmul's; lengths are capped at {@link MAX_FFT_LENGTH} (the matrices grow as n²).
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { add, div, mul, neg, sub } from './elementwise.js';
import { matmul } from './matmul.js';
import { gather, pad, reshape, scatterAdd, slice, transpose } from './movement.js';

/** The longest transform: its two n×n matrices take 2·n²·4 bytes (128 MiB at 4096). */
export const MAX_FFT_LENGTH = 4096;

/** A complex tensor as Keras passes one: `[real, imag]`, same shape and float dtype. */
export type ComplexPair = readonly [TensorLike, TensorLike];

function pair(x: ComplexPair, op: string): [Tensor, Tensor] {
  if (!Array.isArray(x) || x.length !== 2)
    throw new ValueError(`${op}: x must be a pair [real, imag] of tensors`);
  const re = convertToTensor(x[0], op, 'real');
  const im = convertToTensor(x[1], op, 'imag');
  if (!isFloat(re.dtype) || re.dtype !== im.dtype)
    throw new ValueError(
      `${op}: real and imag must share a float dtype, got ${re.dtype} and ${im.dtype}`,
    );
  if (re.rank === 0 || re.shape.some((d, i) => d !== im.shape[i]) || re.rank !== im.rank)
    throw new ShapeError(
      `${op}: real and imag must have the same shape of rank ≥ 1, got ${fmtShape(re.shape)} and ${fmtShape(im.shape)}`,
    );
  return [re, im];
}

function realInput(x: TensorLike, op: string): Tensor {
  const t = convertToTensor(x, op, 'x');
  if (!isFloat(t.dtype)) throw new ValueError(`${op}: x must be float, got ${t.dtype}`);
  if (t.rank === 0) throw new ShapeError(`${op}: x needs at least one axis, got a scalar`);
  return t;
}

function checkLength(n: number, op: string, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_FFT_LENGTH)
    throw new ValueError(`${op}: ${what} must be an integer in [1, ${MAX_FFT_LENGTH}], got ${n}`);
}

/**
 * `cos(2π·j·k/n)` and `sin(2π·j·k/n)` for rows j < rows, columns k < cols, times the row
 * weights `w` (default 1), as constant tensors of `dtype`. Angles reduced mod n first, so
 * large products keep full precision.
 */
function trig(
  n: number,
  rows: number,
  cols: number,
  dtype: Tensor['dtype'],
  w?: (j: number) => number,
): [Tensor, Tensor] {
  const c = new Float64Array(rows * cols);
  const s = new Float64Array(rows * cols);
  for (let j = 0; j < rows; j++) {
    const wj = w ? w(j) : 1;
    for (let k = 0; k < cols; k++) {
      const a = (2 * Math.PI * ((j * k) % n)) / n;
      c[j * cols + k] = wj * Math.cos(a);
      s[j * cols + k] = wj * Math.sin(a);
    }
  }
  const as = (v: Float64Array) =>
    tensor(dtype === 'float64' ? v : Float32Array.from(v), [rows, cols], dtype);
  return [as(c), as(s)];
}

/** A complex DFT (inverse with 1/n) along the last axis. */
function dftLast(re: Tensor, im: Tensor, inverse: boolean, op: string): [Tensor, Tensor] {
  const n = re.shape[re.rank - 1]!;
  checkLength(n, op, 'the transformed length');
  const [c, s] = trig(n, n, n, re.dtype);
  // e^{∓iθ}: (a + ib)(cos θ ∓ i sin θ).
  let r = inverse ? sub(matmul(re, c), matmul(im, s)) : add(matmul(re, c), matmul(im, s));
  let i = inverse ? add(matmul(im, c), matmul(re, s)) : sub(matmul(im, c), matmul(re, s));
  if (inverse) {
    r = div(r, n);
    i = div(i, n);
  }
  return [r, i];
}

/** The last two axes swapped. */
function swapLast(t: Tensor): Tensor {
  const perm = [...Array(t.rank).keys()];
  [perm[t.rank - 1], perm[t.rank - 2]] = [perm[t.rank - 2]!, perm[t.rank - 1]!];
  return transpose(t, perm);
}

/**
 * The discrete Fourier transform along the last axis (Keras's `ops.fft`).
 *
 * Formula: `X_k = Σ_j x_j · e^(−2πi·jk/n)`.
 *
 * Shape: real and imag `[..., n]` → the same.
 * @example const [re, im] = fft([tensor([1, 0, 0, 0]), tensor([0, 0, 0, 0])]); // all ones, zeros
 */
export function fft(x: ComplexPair): [Tensor, Tensor] {
  const [re, im] = pair(x, 'fft');
  return dftLast(re, im, false, 'fft');
}

/**
 * The inverse DFT along the last axis.
 *
 * Formula: `x_j = (1/n) Σ_k X_k · e^(2πi·jk/n)`.
 *
 * Shape: real and imag `[..., n]` → the same.
 * @example const [re] = ifft(fft([x, zerosLike(x)])); // x again
 */
export function ifft(x: ComplexPair): [Tensor, Tensor] {
  const [re, im] = pair(x, 'ifft');
  return dftLast(re, im, true, 'ifft');
}

function dft2(x: ComplexPair, inverse: boolean, op: string): [Tensor, Tensor] {
  const [re, im] = pair(x, op);
  if (re.rank < 2) throw new ShapeError(`${op}: x needs two axes, got ${fmtShape(re.shape)}`);
  const [r1, i1] = dftLast(re, im, inverse, op);
  const [r2, i2] = dftLast(swapLast(r1), swapLast(i1), inverse, op);
  return [swapLast(r2), swapLast(i2)];
}

/**
 * The 2-D DFT over the last two axes (Keras's `ops.fft2`).
 *
 * Formula: `X_{k,l} = Σ_{j,m} x_{j,m} · e^(−2πi·(jk/n₁ + ml/n₂))`.
 *
 * Shape: real and imag `[..., n₁, n₂]` → the same.
 * @example fft2([re, im])
 */
export function fft2(x: ComplexPair): [Tensor, Tensor] {
  return dft2(x, false, 'fft2');
}

/**
 * The inverse 2-D DFT over the last two axes (Keras's `ops.ifft2`).
 *
 * Formula: `x_{j,m} = (1/(n₁n₂)) Σ_{k,l} X_{k,l} · e^(2πi·(jk/n₁ + ml/n₂))`.
 *
 * Shape: real and imag `[..., n₁, n₂]` → the same.
 * @example ifft2(fft2([re, im])) // [re, im]
 */
export function ifft2(x: ComplexPair): [Tensor, Tensor] {
  return dft2(x, true, 'ifft2');
}

/** The last axis cut or zero-padded to `n`. */
function fitLast(t: Tensor, n: number): Tensor {
  const len = t.shape[t.rank - 1]!;
  if (len === n) return t;
  if (len > n)
    return slice(
      t,
      t.shape.map(() => 0),
      [...t.shape.slice(0, -1), n],
    );
  return pad(
    t,
    t.shape.map((_, i) => (i === t.rank - 1 ? ([0, n - len] as const) : ([0, 0] as const))),
  );
}

/**
 * The DFT of a real signal along the last axis, non-negative frequencies only (Keras's
 * `ops.rfft`); the signal is cut or zero-padded to `fftLength` first.
 *
 * Formula: `X_k = Σ_j x_j · e^(−2πi·jk/n)`, k ≤ n/2.
 *
 * Shape: `[..., len]` → real and imag `[..., ⌊fftLength/2⌋ + 1]`.
 * @example rfft(tensor([1, 2, 3, 4])) // [[10, −2, −2], [0, 2, 0]]
 */
export function rfft(x: TensorLike, fftLength?: number | null): [Tensor, Tensor] {
  const t = realInput(x, 'rfft');
  const n = fftLength ?? t.shape[t.rank - 1]!;
  checkLength(n, 'rfft', 'fftLength');
  const [c, s] = trig(n, n, Math.floor(n / 2) + 1, t.dtype);
  const f = fitLast(t, n);
  return [matmul(f, c), neg(matmul(f, s))];
}

/**
 * The real signal of a one-sided spectrum (Keras's `ops.irfft`, numpy's `irfft`): the
 * spectrum is cut or zero-padded to `fftLength/2 + 1` bins and taken as Hermitian (the
 * imaginary parts of the zero and Nyquist bins are ignored).
 *
 * Formula: `x_j = (1/n) Σ_k w_k (Re X_k cos θ − Im X_k sin θ)`, θ = 2π·jk/n, w = 1 for the
 * zero and Nyquist bins, else 2.
 *
 * Shape: real and imag `[..., bins]` → `[..., fftLength]` (default `2·(bins − 1)`).
 * @example irfft(rfft(x)) // x, for an even length
 */
export function irfft(x: ComplexPair, fftLength?: number | null): Tensor {
  const [re, im] = pair(x, 'irfft');
  const bins = re.shape[re.rank - 1]!;
  const n = fftLength ?? 2 * (bins - 1);
  checkLength(n, 'irfft', 'fftLength');
  const m = Math.floor(n / 2) + 1;
  const weight = (k: number) => (k === 0 || (n % 2 === 0 && k === n / 2) ? 1 : 2) / n;
  const [a, b] = trig(n, m, n, re.dtype, weight);
  return sub(matmul(fitLast(re, m), a), matmul(fitLast(im, m), b));
}

/** Options of {@link stft} and {@link istft}. */
export interface StftOptions {
  /** 'hann' (default), 'hamming', a `[sequenceLength]` tensor, or null (rectangular). */
  window?: 'hann' | 'hamming' | TensorLike | null;
  /** Pad the signal by fftLength/2 on both sides (reflected), so frames are centred (default true). */
  center?: boolean;
}

/** The window, zero-padded to fftLength (centred), as values. */
function windowValues(
  op: string,
  window: StftOptions['window'],
  sequenceLength: number,
  fftLength: number,
): Float64Array {
  let w: Float64Array;
  if (window === null) w = new Float64Array(sequenceLength).fill(1);
  else if (window === undefined || window === 'hann' || window === 'hamming') {
    // scipy's get_window: periodic ("fftbins") windows.
    const a0 = window === 'hamming' ? 0.54 : 0.5;
    w = Float64Array.from(
      { length: sequenceLength },
      (_, j) => a0 - (1 - a0) * Math.cos((2 * Math.PI * j) / sequenceLength),
    );
  } else if (typeof window === 'string') {
    throw new ValueError(
      `${op}: window must be 'hann', 'hamming', a tensor or null, got '${window}'`,
    );
  } else {
    const t = convertToTensor(window, op, 'window');
    if (t.rank !== 1 || t.shape[0] !== sequenceLength)
      throw new ShapeError(
        `${op}: window must have shape [${sequenceLength}] (sequenceLength), got ${fmtShape(t.shape)}`,
      );
    w = Float64Array.from(t.dataSync());
  }
  const lPad = Math.floor((fftLength - sequenceLength) / 2);
  const out = new Float64Array(fftLength);
  out.set(w, lPad);
  return out;
}

function checkFrames(
  op: string,
  sequenceLength: number,
  sequenceStride: number,
  fftLength: number,
) {
  for (const [name, v] of [
    ['sequenceLength', sequenceLength],
    ['sequenceStride', sequenceStride],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new ValueError(`${op}: ${name} must be a positive integer, got ${v}`);
  checkLength(fftLength, op, 'fftLength');
  if (fftLength < sequenceLength)
    throw new ValueError(
      `${op}: fftLength (${fftLength}) must be at least sequenceLength (${sequenceLength})`,
    );
}

/** numpy's 'reflect' index for position i of a length-n axis (any distance outside). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const r = ((i % period) + period) % period;
  return r < n ? r : period - r;
}

/**
 * The short-time Fourier transform (Keras's `ops.stft`): windowed frames of the last axis,
 * each through {@link rfft}.
 *
 * Formula: `X[f, k] = Σ_j x[f·stride + j] · w[j] · e^(−2πi·jk/fftLength)`.
 *
 * Shape: `[..., len]` → real and imag `[..., frames, ⌊fftLength/2⌋ + 1]`, frames =
 * `1 + ⌊(len' − fftLength)/stride⌋` (len' = len + fftLength with `center`).
 * @example stft(signal, 256, 128, 256)
 */
export function stft(
  x: TensorLike,
  sequenceLength: number,
  sequenceStride: number,
  fftLength: number,
  opts: StftOptions = {},
): [Tensor, Tensor] {
  const op = 'stft';
  let t = realInput(x, op);
  checkFrames(op, sequenceLength, sequenceStride, fftLength);
  const win = windowValues(op, opts.window, sequenceLength, fftLength);
  const len = t.shape[t.rank - 1]!;
  const half = Math.floor(fftLength / 2);
  if (opts.center !== false) {
    const idx = Int32Array.from({ length: len + 2 * half }, (_, i) => reflect(i - half, len));
    t = gather(t, idx, t.rank - 1);
  }
  const total = t.shape[t.rank - 1]!;
  if (total < fftLength)
    throw new ValueError(
      `${op}: the signal (${total} samples${opts.center !== false ? ' after centring' : ''}) is shorter than fftLength ${fftLength}`,
    );
  const frames = 1 + Math.floor((total - fftLength) / sequenceStride);
  const idx = new Int32Array(frames * fftLength);
  for (let f = 0; f < frames; f++)
    for (let j = 0; j < fftLength; j++) idx[f * fftLength + j] = f * sequenceStride + j;
  const lead = t.shape.slice(0, -1);
  const framed = reshape(gather(t, idx, t.rank - 1), [...lead, frames, fftLength]);
  const w = tensor(t.dtype === 'float64' ? win : Float32Array.from(win), [fftLength], t.dtype);
  return rfft(mul(framed, w), fftLength);
}

/**
 * The inverse of {@link stft} (Keras's `ops.istft`): each frame through {@link irfft},
 * windowed, overlap-added and divided by the overlap-added squared window.
 *
 * Formula: `x[n] = Σ_f w[n − f·stride]·y_f[n − f·stride] / Σ_f w²[n − f·stride]`, y_f the
 * inverse DFT of frame f.
 *
 * Shape: real and imag `[..., frames, bins]` → `[..., length]` (by default the signal `stft`
 * was given, with `center`).
 * @example istft(stft(signal, 256, 128, 256), 256, 128, 256)
 */
export function istft(
  x: ComplexPair,
  sequenceLength: number,
  sequenceStride: number,
  fftLength: number,
  opts: StftOptions & { length?: number | null } = {},
): Tensor {
  const op = 'istft';
  const [re, im] = pair(x, op);
  if (re.rank < 2)
    throw new ShapeError(`${op}: x must be [..., frames, bins], got ${fmtShape(re.shape)}`);
  checkFrames(op, sequenceLength, sequenceStride, fftLength);
  const win = windowValues(op, opts.window, sequenceLength, fftLength);
  const frames = re.shape[re.rank - 2]!;
  const y = irfft([re, im], fftLength);
  const w = tensor(re.dtype === 'float64' ? win : Float32Array.from(win), [fftLength], re.dtype);
  const lead = re.shape.slice(0, -2);
  const outLen = fftLength + sequenceStride * (frames - 1);
  const idx = new Int32Array(frames * fftLength);
  const norm = new Float64Array(outLen);
  for (let f = 0; f < frames; f++)
    for (let j = 0; j < fftLength; j++) {
      idx[f * fftLength + j] = f * sequenceStride + j;
      norm[f * sequenceStride + j]! += win[j]! * win[j]!;
    }
  // scipy's rule: positions the windows do not cover are left as they are.
  for (let i = 0; i < outLen; i++) if (!(norm[i]! > 1e-10)) norm[i] = 1;
  const flat = reshape(mul(y, w), [...lead, frames * fftLength]);
  const summed = scatterAdd(flat, idx, [...lead, outLen], lead.length);
  // Keras divides by the window's sum, which cancels scipy's 'spectrum' scaling; without a
  // window it divides by the stride instead, leaving a factor fftLength/stride (kept, so that
  // results equal Keras's).
  if (opts.window === null)
    for (let i = 0; i < outLen; i++) norm[i] = (norm[i]! * sequenceStride) / fftLength;
  const out = div(
    summed,
    tensor(re.dtype === 'float64' ? norm : Float32Array.from(norm), [outLen], re.dtype),
  );
  const center = opts.center !== false;
  const start = center ? Math.floor(fftLength / 2) : 0;
  let end: number;
  if (opts.length !== undefined && opts.length !== null) {
    if (!Number.isInteger(opts.length) || opts.length < 0)
      throw new ValueError(`${op}: length must be a non-negative integer, got ${opts.length}`);
    end = Math.min(outLen, start + opts.length);
  } else end = center ? outLen - Math.floor(fftLength / 2) : outLen;
  return slice(out, [...lead.map(() => 0), start], [...lead, Math.max(0, end - start)]);
}
