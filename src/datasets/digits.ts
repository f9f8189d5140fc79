/**
 * scikit-learn's 8×8 handwritten digits, embedded in the package (no download, no file access):
 * 1,797 grey images with pixels 0..16 and labels 0..9. BSD-3-Clause; see DIGITS_LICENSE.txt.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Generator } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { DIGITS_BASE64 } from './digits_data.js';

const N = 1797;
const ROW = 65;

let cache: Uint8Array | null = null;

function bytes(): Uint8Array {
  if (!cache) {
    const s = atob(DIGITS_BASE64);
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    if (b.length !== N * ROW)
      throw new ValueError(`loadDigits: embedded data has ${b.length} bytes, expected ${N * ROW}`);
    cache = b;
  }
  return cache;
}

/** Options of {@link loadDigits}. */
export interface DigitsOptions {
  /** Fraction of samples held out as the test split (default 0.2). */
  testFraction?: number;
  /** Seed of the shuffle before splitting (default 0); the split is the same on every run. */
  seed?: number;
  /** Divide pixels by 16 so they lie in [0, 1] (default true). */
  normalize?: boolean;
}

/** Train and test splits of the digits. */
export interface DigitsSplits {
  /** `[samples, 64]` float32 pixels. */
  xTrain: Tensor;
  /** `[samples]` int32 labels 0..9. */
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/**
 * Loads the embedded digits, shuffled with a fixed seed and split into train and test.
 *
 * Shape: x `[samples, 64]` (reshape to `[samples, 8, 8, 1]` for convolutions), y `[samples]`.
 * @example
 * const { xTrain, yTrain, xTest, yTest } = loadDigits();
 * xTrain.shape; // [1438, 64]
 */
export function loadDigits(opts: DigitsOptions = {}): DigitsSplits {
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1))
    throw new ValueError(`loadDigits: testFraction must be in [0, 1), got ${testFraction}`);
  const b = bytes();
  const order = Array.from({ length: N }, (_, i) => i);
  const g = new Generator(opts.seed ?? 0);
  for (let i = N - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nTest = Math.round(N * testFraction);
  const scale = (opts.normalize ?? true) ? 1 / 16 : 1;
  const take = (idx: number[]) => {
    const x = new Float32Array(idx.length * 64);
    const y = new Int32Array(idx.length);
    idx.forEach((r, k) => {
      for (let p = 0; p < 64; p++) x[k * 64 + p] = b[r * ROW + p]! * scale;
      y[k] = b[r * ROW + 64]!;
    });
    return [tensor(x, [idx.length, 64]), tensor(y, [idx.length], 'int32')] as const;
  };
  const [xTest, yTest] = take(order.slice(0, nTest));
  const [xTrain, yTrain] = take(order.slice(nTest));
  return { xTrain, yTrain, xTest, yTest };
}
