/**
 * Connectionist temporal classification (CTC), Keras 3 style: {@link ctcLoss} (the per-sample
 * negative log-likelihood of a label sequence under per-frame logits, by the forward–backward
 * algorithm in log space) and {@link ctcDecode} (greedy or prefix beam search decoding).
 *
 * Both run in plain JavaScript over Float64 (the recursions are sequential in time and small per
 * step, so a backend kernel would buy little). The loss's gradient with respect to the logits is
 * computed in closed form — softmax minus the posterior occupancy of each class — and attached
 * with {@link record}, so autograd flows from the loss into a model.
 */
import { record } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type DType, isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions {
  /**
   * The class index of the blank ("mask") symbol (default 0, as Keras). Negative values count
   * from the end (−1 is the last class).
   */
  maskIndex?: number;
}

/** How {@link ctcDecode} searches: `'greedy'` or `'beamSearch'` (Keras's `'beam_search'` is accepted). */
export type CtcDecodeStrategy = 'greedy' | 'beamSearch' | 'beam_search';

/** Options of {@link ctcDecode}. */
export interface CtcDecodeOptions {
  /** `'greedy'` (default) or `'beamSearch'`. */
  strategy?: CtcDecodeStrategy;
  /** Beam width of the beam search (default 100). */
  beamWidth?: number;
  /** Number of best label sequences the beam search returns (default 1, at most `beamWidth`). */
  topPaths?: number;
  /**
   * Greedy only: merge repeated classes of consecutive frames into one label (default true). A
   * blank between two equal classes keeps both. The beam search always merges, as CTC does.
   */
  mergeRepeated?: boolean;
  /** The class index of the blank (default 0); negative values count from the end. */
  maskIndex?: number;
}

/** What {@link ctcDecode} returns. */
export interface CtcDecodeResult {
  /**
   * One int32 tensor `[batch, maxTime]` per path (one for greedy, `topPaths` for the beam
   * search), best first: the decoded labels of each sample left-aligned, padded with −1.
   */
  decoded: Tensor[];
  /**
   * `[batch, paths]`. Beam search: the log-probability of each decoded label sequence (summed
   * over all its alignments, under softmax of the inputs); −∞ for a path that does not exist.
   * Greedy: Keras's score, the negative sum over frames of the largest input of each frame
   * (for log-probability inputs, the negative log-probability of the best alignment).
   */
  logProbabilities: Tensor;
}

/** log(eᵃ + eᵇ) without overflow; −∞ is the identity. */
function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Log-softmax of `n` values of `x` from `xOff` into `out` at `outOff`. */
function logSoftmaxRow(
  x: ArrayLike<number>,
  xOff: number,
  n: number,
  out: Float64Array,
  outOff: number,
): void {
  let m = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < n; c++) if (x[xOff + c]! > m) m = x[xOff + c]!;
  let s = 0;
  for (let c = 0; c < n; c++) s += Math.exp(x[xOff + c]! - m);
  const lse = m + Math.log(s);
  for (let c = 0; c < n; c++) out[outOff + c] = x[xOff + c]! - lse;
}

/** Rejects unknown option keys (a Keras snake_case name, a typo) instead of ignoring them. */
function checkOptions(op: string, options: object, known: readonly string[]): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) {
      throw new ValueError(`${op}: unknown option '${k}'. Known options: ${known.join(', ')}`);
    }
  }
}

function checkIntegerOption(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** The blank's class index in [0, numClasses), from a possibly negative `maskIndex`. */
function resolveMaskIndex(op: string, maskIndex: unknown, numClasses: number): number {
  if (
    typeof maskIndex !== 'number' ||
    !Number.isInteger(maskIndex) ||
    maskIndex < -numClasses ||
    maskIndex >= numClasses
  ) {
    throw new ValueError(
      `${op}: maskIndex must be an integer in [${-numClasses}, ${numClasses}) for ${numClasses} classes, got ${String(maskIndex)}`,
    );
  }
  return maskIndex < 0 ? maskIndex + numClasses : maskIndex;
}

/** Rank-3 float (or numeric) `[batch, time, classes]` input. */
function sequenceInput(x: TensorLike, op: string, arg: string): Tensor {
  const t = convertToTensor(x, op, arg);
  if (t.dtype === 'bool') throw new DTypeError(`${op}: ${arg} must be numeric, got bool`);
  if (t.rank !== 3) {
    throw new ShapeError(
      `${op}: ${arg} must have shape [batch, maxTime, numClasses], got ${fmtShape(t.shape)}`,
    );
  }
  if (t.shape[2]! < 1) throw new ShapeError(`${op}: ${arg} has no classes: ${fmtShape(t.shape)}`);
  return t;
}

/**
 * Reads per-sample lengths: shape `[batch]`, integers in [0, max]. `what` names the dimension
 * they index in errors.
 */
function readLengths(
  x: TensorLike,
  batch: number,
  max: number,
  op: string,
  arg: string,
  what: string,
): Int32Array {
  const t = convertToTensor(x, op, arg);
  if (t.rank !== 1 || t.shape[0] !== batch) {
    const hint =
      t.rank === 2 && t.shape[0] === batch && t.shape[1] === 1
        ? ' (squeeze the trailing axis of [batch, 1] lengths)'
        : '';
    throw new ShapeError(
      `${op}: ${arg} must have shape [${batch}] (one length per sample), got ${fmtShape(t.shape)}${hint}`,
    );
  }
  const v = t.dataSync();
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const n = v[b]!;
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new ValueError(
        `${op}: ${arg}[${b}] = ${n} must be an integer in [0, ${max}] (${what} is ${max})`,
      );
    }
    out[b] = n;
  }
  return out;
}

/** What the loss's backward needs of one sample. */
interface SampleFwd {
  /** Frames used (outputLength). */
  frames: number;
  /** Extended label sequence: blank, l₁, blank, l₂, …, blank. */
  ext: Int32Array;
  /** log α, `[frames, ext.length]`; null when the loss is +∞. */
  alpha: Float64Array | null;
  /** log P(label | input). */
  logP: number;
}

/**
 * CTC loss per sample: −log P(target | output), summed over every alignment of the target to
 * the frames (Graves et al., 2006). `output` holds logits (log-softmax is applied inside, as
 * Keras 3 does); `maskIndex` is the blank.
 *
 * Formula: with y = softmax(output) per frame and l′ the target with blanks around and between
 * its labels, α_t(s) = y_t(l′_s)·(α_{t−1}(s) + α_{t−1}(s−1) + [l′_s ≠ blank, l′_s ≠ l′_{s−2}]·
 * α_{t−1}(s−2)), loss = −log(α_{T−1}(|l′|−1) + α_{T−1}(|l′|−2)), all in log space over Float64,
 * so T in the thousands does not underflow. Gradient with respect to the logits:
 * `softmax − occupancy`, where occupancy_t(k) is the posterior probability that frame t emits
 * class k; zero at frames beyond `outputLength`.
 *
 * Only the first `targetLength[b]` labels of a row are read (the padding may hold anything).
 * A target that needs more frames than it has — its length plus one blank between each pair of
 * equal neighbours — has no alignment: its loss is `+Infinity` (as Keras 3 on TensorFlow
 * returns) and its gradient is zero (PyTorch without `zero_infinity`, and TensorFlow's dense
 * implementation that Keras 3 calls, give NaN there; zero keeps one impossible sample from
 * turning every weight into NaN). A target *longer than its input*
 * (`targetLength > outputLength`) is a data error and throws, naming the sample.
 *
 * Shape: `target` `[batch, maxLabelLength]` integer labels; `output` `[batch, maxTime,
 * numClasses]` logits; `targetLength` and `outputLength` `[batch]`; result `[batch]` in the
 * dtype of `output` (float32 for integer output).
 * @example ctcLoss([[1]], [[[0, 0]]], [1], [1]) // [log 2] ≈ [0.693]
 */
export function ctcLoss(
  target: TensorLike,
  output: TensorLike,
  targetLength: TensorLike,
  outputLength: TensorLike,
  options: CtcLossOptions = {},
): Tensor {
  const op = 'ctcLoss';
  checkOptions(op, options, ['maskIndex']);
  const out0 = sequenceInput(output, op, 'output');
  const out = isFloat(out0.dtype) ? out0 : out0.cast('float32');
  const [batch, maxTime, numClasses] = out.shape as [number, number, number];
  const blank = resolveMaskIndex(op, options.maskIndex ?? 0, numClasses);

  const tgt = convertToTensor(target, op, 'target');
  if (tgt.rank !== 2 || tgt.shape[0] !== batch) {
    throw new ShapeError(
      `${op}: target must have shape [batch, maxLabelLength] = [${batch}, …] for output of shape ${fmtShape(out.shape)}, got ${fmtShape(tgt.shape)}`,
    );
  }
  if (tgt.dtype === 'bool')
    throw new DTypeError(`${op}: target must hold integer labels, got bool`);
  const maxLabel = tgt.shape[1]!;
  const tLen = readLengths(targetLength, batch, maxLabel, op, 'targetLength', 'maxLabelLength');
  const oLen = readLengths(outputLength, batch, maxTime, op, 'outputLength', 'maxTime');
  const labels = tgt.dataSync();
  const logits = out.dataSync();

  // Validate every sample before any work, so that an error never follows a partial result.
  for (let b = 0; b < batch; b++) {
    const L = tLen[b]!;
    for (let i = 0; i < L; i++) {
      const k = labels[b * maxLabel + i]!;
      if (!Number.isInteger(k) || k < 0 || k >= numClasses || k === blank) {
        const why = !Number.isInteger(k)
          ? 'is not an integer'
          : k === blank
            ? `is the blank (maskIndex ${blank}); blanks cannot be labels, pad only after targetLength`
            : `is out of range [0, ${numClasses})`;
        throw new ValueError(
          `${op}: sample ${b}: label ${k} at position ${i} ${why} (output has ${numClasses} classes)`,
        );
      }
    }
    if (L > oLen[b]!) {
      throw new ValueError(
        `${op}: sample ${b}: the label (targetLength ${L}) is longer than the input (outputLength ${oLen[b]}); CTC needs at least one frame per label`,
      );
    }
  }

  const lp = new Float64Array(batch * maxTime * numClasses);
  const losses = new Float64Array(batch);
  const fwd: SampleFwd[] = [];
  for (let b = 0; b < batch; b++) {
    const L = tLen[b]!;
    const T = oLen[b]!;
    const S = 2 * L + 1;
    const ext = new Int32Array(S).fill(blank);
    let required = L;
    for (let i = 0; i < L; i++) {
      ext[2 * i + 1] = labels[b * maxLabel + i]!;
      if (i > 0 && ext[2 * i + 1] === ext[2 * i - 1]) required++;
    }
    if (required > T) {
      // Enough frames for the labels, not for the blanks between repeats: no alignment.
      losses[b] = Number.POSITIVE_INFINITY;
      fwd.push({ frames: T, ext, alpha: null, logP: Number.NEGATIVE_INFINITY });
      continue;
    }
    if (T === 0) {
      // An empty target over no frames: the empty alignment, probability 1.
      fwd.push({ frames: 0, ext, alpha: new Float64Array(0), logP: 0 });
      continue;
    }
    const base = b * maxTime * numClasses;
    for (let t = 0; t < T; t++) {
      logSoftmaxRow(logits, base + t * numClasses, numClasses, lp, base + t * numClasses);
    }
    const alpha = new Float64Array(T * S).fill(Number.NEGATIVE_INFINITY);
    alpha[0] = lp[base + blank]!;
    if (S > 1) alpha[1] = lp[base + ext[1]!]!;
    for (let t = 1; t < T; t++) {
      const prev = (t - 1) * S;
      const cur = t * S;
      const row = base + t * numClasses;
      // States that can still reach the end, and that can be reached from the start.
      const lo = Math.max(0, S - 2 * (T - t));
      const hi = Math.min(S - 1, 2 * t + 1);
      for (let s = lo; s <= hi; s++) {
        let a = alpha[prev + s]!;
        if (s >= 1) a = logAddExp(a, alpha[prev + s - 1]!);
        if (s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2]) {
          a = logAddExp(a, alpha[prev + s - 2]!);
        }
        alpha[cur + s] = a === Number.NEGATIVE_INFINITY ? a : a + lp[row + ext[s]!]!;
      }
    }
    const last = (T - 1) * S;
    const logP = S > 1 ? logAddExp(alpha[last + S - 1]!, alpha[last + S - 2]!) : alpha[last]!;
    losses[b] = -logP;
    fwd.push({ frames: T, ext, alpha, logP });
  }

  const value = tensor(losses, [batch], out.dtype);
  return record('ctcLoss', [out], value, (dy) => {
    const g = ctcGradient(fwd, lp, batch, maxTime, numClasses, blank, dy.dataSync());
    return [tensor(g, out.shape, out.dtype)];
  });
}

/**
 * d(Σ_b dy_b · loss_b)/d logits: dy_b · (softmax − occupancy) at frames before outputLength,
 * zero elsewhere and for samples whose loss is infinite.
 */
function ctcGradient(
  fwd: readonly SampleFwd[],
  lp: Float64Array,
  batch: number,
  maxTime: number,
  numClasses: number,
  blank: number,
  dy: ArrayLike<number>,
): Float64Array {
  const g = new Float64Array(batch * maxTime * numClasses);
  const occ = new Float64Array(numClasses);
  for (let b = 0; b < batch; b++) {
    const { frames: T, ext, alpha, logP } = fwd[b]!;
    if (alpha === null || T === 0 || !Number.isFinite(logP)) continue;
    const S = ext.length;
    const base = b * maxTime * numClasses;
    // log β_t(s): the probability of the frames after t given state s at t (emission at t
    // excluded), so that α_t(s)·β_t(s)/P is the posterior of state s at frame t.
    let beta = new Float64Array(S).fill(Number.NEGATIVE_INFINITY);
    let next = new Float64Array(S);
    beta[S - 1] = 0;
    if (S > 1) beta[S - 2] = 0;
    const scale = dy[b]!;
    for (let t = T - 1; t >= 0; t--) {
      if (t < T - 1) {
        // β_t(s) = Σ_{s′ reachable from s} y_{t+1}(l′_{s′}) β_{t+1}(s′)
        const row = base + (t + 1) * numClasses;
        next.fill(Number.NEGATIVE_INFINITY);
        for (let s = 0; s < S; s++) {
          let v = beta[s]! + lp[row + ext[s]!]!;
          if (s + 1 < S) v = logAddExp(v, beta[s + 1]! + lp[row + ext[s + 1]!]!);
          if (s + 2 < S && ext[s + 2] !== blank && ext[s + 2] !== ext[s]) {
            v = logAddExp(v, beta[s + 2]! + lp[row + ext[s + 2]!]!);
          }
          next[s] = v;
        }
        [beta, next] = [next, beta];
      }
      occ.fill(0);
      const a = t * S;
      for (let s = 0; s < S; s++) {
        const la = alpha[a + s]!;
        if (la === Number.NEGATIVE_INFINITY || beta[s] === Number.NEGATIVE_INFINITY) continue;
        occ[ext[s]!]! += Math.exp(la + beta[s]! - logP);
      }
      const row = base + t * numClasses;
      for (let c = 0; c < numClasses; c++) {
        g[row + c] = scale * (Math.exp(lp[row + c]!) - occ[c]!);
      }
    }
  }
  return g;
}

/**
 * Decodes per-frame class scores into label sequences, as Keras 3's `ops.ctc_decode`.
 *
 * Formula: greedy takes the arg-max class of each frame (the first on ties), merges runs of
 * equal classes when `mergeRepeated`, and drops blanks; its score is −Σ_t max_c inputs[t, c].
 * The beam search is a prefix beam search in log space over softmax(inputs): each prefix keeps
 * the probability of its alignments ending in a blank and in its last label, extensions by the
 * same label as the last one only continue the blank-ending mass, and the `beamWidth` most
 * probable prefixes survive each frame; its scores are the log-probabilities of the label
 * sequences. With a beam at least as wide as the number of prefixes it is exact.
 *
 * Frames at or beyond `sequenceLengths[b]` are ignored.
 *
 * Shape: `inputs` `[batch, maxTime, numClasses]`; `sequenceLengths` `[batch]`; each decoded
 * tensor `[batch, maxTime]` int32 padded with −1 (Keras's padding); `logProbabilities`
 * `[batch, 1]` (greedy) or `[batch, topPaths]`.
 * @example ctcDecode([[[0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]], [4]).decoded[0] // [[1, 2, -1, -1]]
 */
export function ctcDecode(
  inputs: TensorLike,
  sequenceLengths: TensorLike,
  options: CtcDecodeOptions = {},
): CtcDecodeResult {
  const op = 'ctcDecode';
  checkOptions(op, options, ['strategy', 'beamWidth', 'topPaths', 'mergeRepeated', 'maskIndex']);
  const x = sequenceInput(inputs, op, 'inputs');
  const [batch, maxTime, numClasses] = x.shape as [number, number, number];
  const strategy = options.strategy ?? 'greedy';
  if (strategy !== 'greedy' && strategy !== 'beamSearch' && strategy !== 'beam_search') {
    throw new ValueError(
      `${op}: strategy must be 'greedy' or 'beamSearch' ('beam_search' is accepted too), got ${JSON.stringify(strategy)}`,
    );
  }
  const beamWidth = checkIntegerOption(op, 'beamWidth', options.beamWidth ?? 100, 1);
  const topPaths = checkIntegerOption(op, 'topPaths', options.topPaths ?? 1, 1);
  const mergeRepeated = options.mergeRepeated ?? true;
  if (typeof mergeRepeated !== 'boolean') {
    throw new ValueError(`${op}: mergeRepeated must be a boolean, got ${String(mergeRepeated)}`);
  }
  const blankIdx = resolveMaskIndex(op, options.maskIndex ?? 0, numClasses);
  const lens = readLengths(sequenceLengths, batch, maxTime, op, 'sequenceLengths', 'maxTime');
  const values = x.dataSync();
  const scoreDType: DType = x.dtype === 'float64' ? 'float64' : 'float32';

  if (strategy === 'greedy') {
    const decoded = new Int32Array(batch * maxTime).fill(-1);
    const scores = new Float64Array(batch);
    for (let b = 0; b < batch; b++) {
      let prev = -1;
      let n = 0;
      let score = 0;
      for (let t = 0; t < lens[b]!; t++) {
        const row = (b * maxTime + t) * numClasses;
        let best = 0;
        for (let c = 1; c < numClasses; c++) if (values[row + c]! > values[row + best]!) best = c;
        score -= values[row + best]!;
        if (best !== blankIdx && !(mergeRepeated && best === prev)) {
          decoded[b * maxTime + n++] = best;
        }
        prev = best;
      }
      scores[b] = score;
    }
    return {
      decoded: [tensor(decoded, [batch, maxTime], 'int32')],
      logProbabilities: tensor(scores, [batch, 1], scoreDType),
    };
  }

  if (topPaths > beamWidth) {
    throw new ValueError(`${op}: topPaths (${topPaths}) must be <= beamWidth (${beamWidth})`);
  }
  const decoded = Array.from({ length: topPaths }, () => new Int32Array(batch * maxTime).fill(-1));
  const scores = new Float64Array(batch * topPaths).fill(Number.NEGATIVE_INFINITY);
  const lp = new Float64Array(numClasses);
  for (let b = 0; b < batch; b++) {
    const best = beamSearch(values, b, maxTime, numClasses, lens[b]!, blankIdx, beamWidth, lp);
    for (let p = 0; p < Math.min(topPaths, best.length); p++) {
      const beam = best[p]!;
      decoded[p]!.set(beam.prefix, b * maxTime);
      scores[b * topPaths + p] = logAddExp(beam.pb, beam.pnb);
    }
  }
  return {
    decoded: decoded.map((d) => tensor(d, [batch, maxTime], 'int32')),
    logProbabilities: tensor(scores, [batch, topPaths], scoreDType),
  };
}

/** A prefix of the beam search with the log-mass of its alignments by their last symbol. */
interface Beam {
  prefix: number[];
  key: string;
  /** log P(alignments of the prefix ending in a blank). */
  pb: number;
  /** log P(alignments of the prefix ending in its last label). */
  pnb: number;
}

function beamTotal(beam: Beam): number {
  return logAddExp(beam.pb, beam.pnb);
}

/** Most probable first; ties keep their order (the sort is stable). */
function byTotal(a: Beam, b: Beam): number {
  const x = beamTotal(a);
  const y = beamTotal(b);
  return y > x ? 1 : y < x ? -1 : 0;
}

/** The surviving prefixes of sample `b` after its `frames` frames, best first. */
function beamSearch(
  values: ArrayLike<number>,
  b: number,
  maxTime: number,
  numClasses: number,
  frames: number,
  blankIdx: number,
  beamWidth: number,
  lp: Float64Array,
): Beam[] {
  let beams: Beam[] = [{ prefix: [], key: '', pb: 0, pnb: Number.NEGATIVE_INFINITY }];
  for (let t = 0; t < frames; t++) {
    logSoftmaxRow(values, (b * maxTime + t) * numClasses, numClasses, lp, 0);
    const next = new Map<string, Beam>();
    const entry = (prefix: number[] | (() => number[]), key: string): Beam => {
      let e = next.get(key);
      if (!e) {
        const p = typeof prefix === 'function' ? prefix() : prefix;
        e = { prefix: p, key, pb: Number.NEGATIVE_INFINITY, pnb: Number.NEGATIVE_INFINITY };
        next.set(key, e);
      }
      return e;
    };
    for (const beam of beams) {
      const total = beamTotal(beam);
      const last = beam.prefix.length > 0 ? beam.prefix[beam.prefix.length - 1]! : -1;
      // A blank, or the last label again without a blank between: the prefix stays.
      const same = entry(beam.prefix, beam.key);
      same.pb = logAddExp(same.pb, total + lp[blankIdx]!);
      if (last >= 0) same.pnb = logAddExp(same.pnb, beam.pnb + lp[last]!);
      for (let c = 0; c < numClasses; c++) {
        if (c === blankIdx) continue;
        const key = beam.key === '' ? `${c}` : `${beam.key},${c}`;
        const child = entry(() => [...beam.prefix, c], key);
        // Repeating the last label starts a new label only after a blank.
        const from = c === last ? beam.pb : total;
        child.pnb = logAddExp(child.pnb, from + lp[c]!);
      }
    }
    beams = [...next.values()].sort(byTotal).slice(0, beamWidth);
  }
  return beams;
}
