/**
 * NumPy's legacy `np.random.RandomState`, bit-exact for the draws Keras's dataset loaders make.
 *
 * `keras.datasets.imdb`, `reuters`, `boston_housing` and `california_housing` split and order
 * their samples with `rng = np.random.RandomState(seed); rng.shuffle(indices)`. To give the same
 * training and test sets as Keras, Tessera must draw the very same permutation, so this module
 * reimplements, from the published algorithms:
 *
 * - MT19937 (Matsumoto & Nishimura 1998): `init_genrand` seeding from a 32-bit integer, which is
 *   what `RandomState(int)` does, the twist of 624 words at a time, and the tempered 32-bit
 *   output;
 * - the legacy bounded draw of `RandomState.shuffle`: j in [0, i] by masked rejection sampling
 *   (draw, AND with the smallest all-ones mask covering i, retry while above i), on 32-bit
 *   outputs for i < 2^32 and on 64-bit ones (two outputs, the first as the high word) above;
 * - `random_sample`: a 53-bit double from two outputs (27 + 26 bits).
 *
 * Golden values from numpy itself are in `test/fixtures/numpy_random/` (made by its
 * `make_numpy_random.py`).
 */
import { ValueError } from '../errors.js';

/**
 * Any JavaScript typed array: what {@link NumpyRandomState.shuffle} accepts besides plain arrays.
 * @example new NumpyRandomState(0).shuffle(new Float32Array([1, 2, 3]));
 */
export type AnyTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

// MT19937 parameters (Matsumoto & Nishimura, "Mersenne Twister: a 623-dimensionally
// equidistributed uniform pseudorandom number generator", 1998).
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 4294967296;
const MAX_SEED = 0xffffffff;

/**
 * NumPy's legacy `np.random.RandomState(seed)`: the MT19937 stream and the draws Keras's
 * dataset loaders use (`shuffle`, `permutation`, `random_sample`), bit-exact with numpy.
 *
 * @example
 * const rng = new NumpyRandomState(113);
 * const perm = rng.permutation(506); // as np.random.RandomState(113).permutation(506)
 * perm.subarray(0, 404);             // boston_housing's training rows, in Keras's order
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /**
   * Seeds as `np.random.RandomState(seed)` does for an integer seed (`init_genrand`).
   *
   * @throws ValueError when `seed` is not an integer in [0, 2**32 − 1] (numpy refuses those
   *   too; arrays of seeds, numpy's `init_by_array`, are not supported).
   * @example const rng = new NumpyRandomState(0);
   */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new ValueError(
        `NumpyRandomState: seed must be an integer between 0 and 2**32 - 1, got ${String(seed)}`,
      );
    }
    const mt = this.mt;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      // 1812433253 * (prev ^ (prev >> 30)) + i, mod 2^32: Math.imul keeps the low 32 bits exact.
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.pos = N;
  }

  /**
   * The next raw 32-bit output of MT19937 (tempered), as an unsigned integer; numpy's
   * `next_uint32`, e.g. `rs.randint(0, 2**32, dtype=np.uint32)`.
   *
   * @example new NumpyRandomState(0).randomUint32(); // 2357136044
   */
  randomUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A uniform integer in [0, max], drawn as numpy's legacy `random_interval` does (the draw
   * `shuffle` makes, and `rs.randint(0, max + 1)`): mask a 32-bit output (a 64-bit one, high
   * word first, when max ≥ 2^32) to the smallest all-ones mask covering max, and retry while
   * the result exceeds max. `max = 0` consumes nothing.
   *
   * @throws ValueError when `max` is not an integer in [0, 2**53 − 1].
   * @example new NumpyRandomState(0).randomInterval(9); // 5, as np.random.RandomState(0).randint(10)
   */
  randomInterval(max: number): number {
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) {
      throw new ValueError(
        `NumpyRandomState.randomInterval: max must be an integer between 0 and 2**53 - 1, got ${String(max)}`,
      );
    }
    if (max === 0) return 0;
    if (max <= MAX_SEED) {
      let mask = max;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      let value: number;
      do {
        value = (this.randomUint32() & mask) >>> 0;
      } while (value > max);
      return value;
    }
    // max ≥ 2^32: the mask keeps all 32 low bits and the high word's bits up to max's top bit.
    let hiMask = Math.floor(max / TWO_32);
    hiMask |= hiMask >>> 1;
    hiMask |= hiMask >>> 2;
    hiMask |= hiMask >>> 4;
    hiMask |= hiMask >>> 8;
    hiMask |= hiMask >>> 16;
    let value: number;
    do {
      const hi = (this.randomUint32() & hiMask) >>> 0;
      const lo = this.randomUint32();
      // hi < 2^21 here (max < 2^53), so the sum is an exact double.
      value = hi * TWO_32 + lo;
    } while (value > max);
    return value;
  }

  /**
   * Shuffles `a` in place as numpy's legacy `RandomState.shuffle` shuffles a 1-D array: for
   * i from n − 1 down to 1, swap element i with element `randomInterval(i)`.
   *
   * @example
   * const a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
   * new NumpyRandomState(0).shuffle(a); // as np.random.RandomState(0).shuffle(np.arange(10))
   */
  shuffle<T>(a: T[] | AnyTypedArray): void {
    // Typed arrays and plain arrays both index by number; the swap keeps each element's type.
    const arr = a as unknown as { [i: number]: unknown; length: number };
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
  }

  /**
   * `np.random.RandomState(seed).permutation(n)`: 0 … n − 1, shuffled by {@link shuffle}.
   *
   * @throws ValueError when `n` is not an integer in [0, 2**31 − 1].
   * @example new NumpyRandomState(113).permutation(506); // Int32Array of the 506 row indices
   */
  permutation(n: number): Int32Array {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new ValueError(
        `NumpyRandomState.permutation: n must be an integer between 0 and 2**31 - 1, got ${String(n)}`,
      );
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  /**
   * A uniform double in [0, 1) with 53 random bits, as numpy's `random_sample()`: the top 27
   * bits of one output and the top 26 of the next, `(a · 2^26 + b) / 2^53`.
   *
   * @example new NumpyRandomState(0).randomSample(); // 0.5488135039273248
   */
  randomSample(): number {
    const a = this.randomUint32() >>> 5;
    const b = this.randomUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A copy of the generator's state, as the `key` and `pos` of numpy's
   * `RandomState.get_state()` (`('MT19937', key, pos, …)`).
   *
   * @example new NumpyRandomState(0).getState().key[2]; // 1812433255
   */
  getState(): { key: Uint32Array; pos: number } {
    return { key: this.mt.slice(), pos: this.pos };
  }

  /** Regenerates the 624 words of state (the MT19937 twist). */
  private twist(): void {
    const mt = this.mt;
    let k = 0;
    for (; k < N - M; k++) {
      const y = (mt[k]! & UPPER_MASK) | (mt[k + 1]! & LOWER_MASK);
      mt[k] = mt[k + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; k < N - 1; k++) {
      const y = (mt[k]! & UPPER_MASK) | (mt[k + 1]! & LOWER_MASK);
      mt[k] = mt[k + M - N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }
}
