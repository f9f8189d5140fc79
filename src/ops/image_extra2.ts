/**
 * Keras 3's resampling ops of `keras.ops.image`: `mapCoordinates`, `affineTransform`,
 * `perspectiveTransform` and `scaleAndTranslate`. Sampling is written in tensor ops (floor,
 * the fill mode's index map, gathers, weights), so it traces into compiled steps and its
 * gradient reaches the images (and, for order 1, the coordinates). Keras's numpy backend is
 * the reference: SciPy's `map_coordinates` after Keras's padding, which extends the input by
 * the fill mode.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import type { DataFormatArg } from './conv.js';
import { arange, ones, tensor, zeros } from './creation.js';
import {
  abs,
  add,
  cast,
  clip,
  div,
  floor,
  greaterEqual,
  lessEqual,
  logicalAnd,
  maximum,
  minimum,
  mod,
  mul,
  neg,
  round,
  sub,
  where,
} from './elementwise.js';
import { imageBatch } from './image_extra.js';
import { solve } from './linalg.js';
import { matmul } from './matmul.js';
import { broadcastTo, gather, stack } from './movement.js';
import { moveaxis } from './numpy_extra2.js';
import { max, min } from './reduce.js';

/** How points outside the input read (SciPy's names). */
export type ImageFillMode = 'constant' | 'nearest' | 'wrap' | 'mirror' | 'reflect';
/** Interpolation of the affine and perspective warps. */
export type WarpInterpolation = 'nearest' | 'bilinear';

const FILL_MODES: readonly ImageFillMode[] = ['constant', 'nearest', 'wrap', 'mirror', 'reflect'];
const INTERPOLATIONS: readonly WarpInterpolation[] = ['nearest', 'bilinear'];

function oneOf<T extends string>(v: unknown, allowed: readonly T[], name: string, op: string): T {
  if (!allowed.includes(v as T))
    throw new ValueError(
      `${op}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  return v as T;
}

function fillValueOf(v: unknown, op: string): number {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new ValueError(`${op}: fillValue must be a number, got ${JSON.stringify(v)}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// The sampler

/** One tap along one axis: a source index, whether it lies inside (constant mode), a weight. */
interface Tap {
  idx: Tensor;
  valid: Tensor | null;
  w: Tensor | null;
}

/**
 * The source index of the (integer-valued, float) position `i` on an axis of `n` under a fill
 * mode; for 'constant', whether `i` is inside. wrap: period n; mirror (`c d c b | a b c d |
 * c b a b`): period 2n − 2; reflect (`d c b a | a b c d | d c b a`): period 2n.
 */
function fillIndex(
  i: Tensor,
  n: number,
  mode: ImageFillMode,
): { idx: Tensor; valid: Tensor | null } {
  switch (mode) {
    case 'constant':
      return {
        idx: clip(i, 0, n - 1),
        valid: logicalAnd(greaterEqual(i, 0), lessEqual(i, n - 1)),
      };
    case 'nearest':
      return { idx: clip(i, 0, n - 1), valid: null };
    case 'wrap':
      return { idx: mod(i, n), valid: null };
    case 'mirror': {
      if (n === 1) return { idx: mul(i, 0), valid: null };
      const m = mod(i, 2 * n - 2);
      return { idx: sub(n - 1, abs(sub(m, n - 1))), valid: null };
    }
    case 'reflect': {
      const m = mod(i, 2 * n);
      return { idx: minimum(m, sub(2 * n - 1, m)), valid: null };
    }
  }
}

/**
 * The taps of coordinate `c` on an axis of `n`: order 0 the nearest sample `⌊c + ½⌋` (SciPy
 * rounds halves up), order 1 the two neighbours `⌊c⌋`, `⌊c⌋ + 1` with weights `1 − f`, `f`.
 */
function axisTaps(c: Tensor, n: number, order: 0 | 1, mode: ImageFillMode): Tap[] {
  const corners: { i: Tensor; w: Tensor | null }[] = [];
  if (order === 0) corners.push({ i: floor(add(c, 0.5)), w: null });
  else {
    const f = floor(c);
    const frac = sub(c, f);
    corners.push({ i: f, w: sub(1, frac) }, { i: add(f, 1), w: frac });
  }
  return corners.map(({ i, w }) => {
    const { idx, valid } = fillIndex(i, n, mode);
    return { idx: cast(idx, 'int32'), valid, w };
  });
}

/**
 * Samples `flat` (`[Π sizes · batch, ...rest]`, row-major over `sizes` inside each batch item)
 * at the coordinates (one tensor per axis of `sizes`, all of shape Q), `base` (int32,
 * broadcast to Q) the flat offset of each point's batch item.
 *
 * Formula: `y = Σ_taps (Π_k w_k) · (inside ? x[idx] : fillValue)`.
 *
 * Shape: → `[...Q, ...rest]`.
 */
function sample(
  flat: Tensor,
  sizes: readonly number[],
  coords: readonly Tensor[],
  base: Tensor | null,
  order: 0 | 1,
  mode: ImageFillMode,
  fillValue: number,
): Tensor {
  const rest = flat.shape.slice(1);
  const taps = coords.map((c, k) => axisTaps(c, sizes[k]!, order, mode));
  const strides = sizes.map((_, k) => sizes.slice(k + 1).reduce((a, v) => a * v, 1));
  const expand = (t: Tensor) => t.reshape([...t.shape, ...rest.map(() => 1)]);
  let out: Tensor | null = null;
  const combos = taps.reduce<Tap[][]>(
    (acc, ts) => acc.flatMap((p) => ts.map((t) => [...p, t])),
    [[]],
  );
  for (const combo of combos) {
    let idx: Tensor = base ?? combo[0]!.idx.mul(0);
    let valid: Tensor | null = null;
    let w: Tensor | null = null;
    for (let k = 0; k < combo.length; k++) {
      const t = combo[k]!;
      idx = add(idx, mul(t.idx, strides[k]!));
      if (t.valid) valid = valid ? logicalAnd(valid, t.valid) : t.valid;
      if (t.w) w = w ? mul(w, t.w) : t.w;
    }
    let v = gather(flat, idx, 0);
    if (valid) v = where(expand(valid), v, fillValue);
    if (w) v = mul(v, expand(w));
    out = out ? add(out, v) : v;
  }
  return out!;
}

// ---------------------------------------------------------------------------------------------
// mapCoordinates

/** Options of {@link mapCoordinates}. */
export interface MapCoordinatesOptions {
  /**
   * Points outside the input read: 'constant' (default; `k k | a b c d | k k`), 'nearest'
   * (`a a | a b c d | d d`), 'wrap' (`a b c d | a b c d`), 'mirror' (`c b | a b c d | c b`)
   * or 'reflect' (`b a | a b c d | d c`).
   */
  fillMode?: ImageFillMode;
  /** The value of 'constant' (default 0). */
  fillValue?: number;
}

/**
 * Samples an array at fractional coordinates (Keras's `ops.image.map_coordinates`): order 0
 * takes the nearest sample, order 1 interpolates linearly; outside points follow `fillMode`.
 *
 * Formula: `y[q] = Σ_{corners} Π_k w_k · x̃[i_0, …, i_{r−1}]` over `i_k ∈ {⌊c_k[q]⌋,
 * ⌊c_k[q]⌋ + 1}` with `w_k = 1 − |c_k[q] − i_k|` (order 1), or `x̃[⌊c[q] + ½⌋]` (order 0);
 * x̃ is x extended by the fill mode (as Keras pads before SciPy's `map_coordinates`).
 *
 * Shape: inputs `[d_0, …, d_{r−1}]`, coordinates `[r, ...Q]` → `[...Q]`.
 * @example mapCoordinates(tensor([[0, 1], [2, 3]]), [[0.5], [0.5]], 1) // [1.5]
 */
export function mapCoordinates(
  inputs: TensorLike,
  coordinates: TensorLike,
  order: 0 | 1,
  opts: MapCoordinatesOptions = {},
): Tensor {
  const op = 'image.mapCoordinates';
  const x = convertToTensor(inputs, op, 'inputs');
  let c = convertToTensor(coordinates, op, 'coordinates');
  if (order !== 0 && order !== 1)
    throw new ValueError(`${op}: order must be 0 or 1, got ${JSON.stringify(order)}`);
  const mode = oneOf(opts.fillMode ?? 'constant', FILL_MODES, 'fillMode', op);
  const fillValue = fillValueOf(opts.fillValue ?? 0, op);
  if (x.rank < 1) throw new ShapeError(`${op}: inputs must have rank >= 1, got a scalar`);
  if (c.rank < 2 || c.shape[0] !== x.rank)
    throw new ShapeError(
      `${op}: coordinates must be [${x.rank}, ...points] (one row per axis of inputs ${fmtShape(x.shape)}), got ${fmtShape(c.shape)}`,
    );
  if (x.dtype === 'bool') throw new ValueError(`${op}: inputs must be numeric, got bool`);
  const dt = isFloat(x.dtype) ? x.dtype : 'float32';
  if (c.dtype !== dt) c = cast(c, dt);
  const q = c.shape.slice(1);
  const rows = Array.from({ length: x.rank }, (_, k) =>
    c.slice([k, ...q.map(() => 0)], [1, ...q]).reshape(q),
  );
  const flat = (x.dtype === dt ? x : cast(x, dt)).reshape([x.size]);
  const y = sample(flat, x.shape, rows, null, order, mode, fillValue);
  return y.dtype === x.dtype ? y : cast(y, x.dtype);
}

// ---------------------------------------------------------------------------------------------
// affineTransform, perspectiveTransform

/** Options of {@link affineTransform}. */
export interface AffineTransformOptions {
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: WarpInterpolation;
  /** Points mapped outside the image read as in {@link MapCoordinatesOptions.fillMode} (default 'constant'). */
  fillMode?: ImageFillMode;
  /** The value of 'constant' (default 0). */
  fillValue?: number;
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/** Column k of a `[N, m]` tensor as `[N, 1, 1]`. */
function col(t: Tensor, k: number): Tensor {
  const n = t.shape[0]!;
  return t.slice([0, k], [n, 1]).reshape([n, 1, 1]);
}

/** Samples a channels-last batch at per-item output → input maps `rows`, `cols` (`[N, H, W]`). */
function warp(
  img: Tensor,
  rows: Tensor,
  cols: Tensor,
  interpolation: WarpInterpolation,
  mode: ImageFillMode,
  fillValue: number,
): Tensor {
  const [b, h, w, c] = img.shape as [number, number, number, number];
  const [ho, wo] = [rows.shape[1]!, rows.shape[2]!];
  const r = broadcastTo(rows, [b, ho, wo]);
  const cl = broadcastTo(cols, [b, ho, wo]);
  const base = mul(arange(0, b, 1, 'int32'), h * w).reshape([b, 1, 1]);
  const flat = img.reshape([b * h * w, c]);
  return sample(flat, [h, w], [r, cl], base, interpolation === 'nearest' ? 0 : 1, mode, fillValue);
}

/** Output pixel grids `x` `[1, 1, W]` and `y` `[1, H, 1]` in `dtype`. */
function grids(h: number, w: number, dtype: 'float32' | 'float64'): { x: Tensor; y: Tensor } {
  return {
    x: arange(0, w, 1, dtype).reshape([1, 1, w]),
    y: arange(0, h, 1, dtype).reshape([1, h, 1]),
  };
}

/** A transform batch of `n` rows for `b` images: 1 row broadcasts; otherwise it must be b. */
function checkBatch(
  n: number,
  b: number,
  op: string,
  what: string,
  shape: readonly number[],
): void {
  if (n !== 1 && n !== b)
    throw new ShapeError(
      `${op}: ${what} must hold 1 or ${b} (the batch size) transforms, got ${fmtShape(shape)}`,
    );
}

/**
 * Warps images by affine transforms (Keras's `ops.image.affine_transform`). Each row
 * `[a0, a1, a2, b0, b1, b2, c0, c1]` maps an output pixel (x, y) to the input point it reads.
 * As on Keras's non-TensorFlow backends, c0 and c1 are taken as 0 (no projective division).
 * A single transform (`[8]` or `[1, 8]`) applies to every image of a batch.
 *
 * Formula: `y[i, j] = x̃(b0·j + b1·i + b2, a0·j + a1·i + a2)`, x̃ sampled as by
 * {@link mapCoordinates} (order 0 for 'nearest', 1 for 'bilinear').
 *
 * Shape: images `[B, H, W, C]`, transform `[B, 8]` or `[8]` → `[B, H, W, C]` (or without the
 * batch axis; channelsFirst likewise).
 * @example affineTransform(img, [1, 0, -20, 0, 1, -16, 0, 0]) // shifted by (20, 16)
 */
export function affineTransform(
  images: TensorLike,
  transform: TensorLike,
  opts: AffineTransformOptions = {},
): Tensor {
  const op = 'image.affineTransform';
  const interpolation = oneOf(
    opts.interpolation ?? 'bilinear',
    INTERPOLATIONS,
    'interpolation',
    op,
  );
  const mode = oneOf(opts.fillMode ?? 'constant', FILL_MODES, 'fillMode', op);
  const fillValue = fillValueOf(opts.fillValue ?? 0, op);
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'float');
  let tr = convertToTensor(transform, op, 'transform');
  if ((tr.rank !== 1 && tr.rank !== 2) || tr.shape[tr.rank - 1] !== 8)
    throw new ShapeError(`${op}: transform must be [8] or [batch, 8], got ${fmtShape(tr.shape)}`);
  const dt = t.dtype as 'float32' | 'float64';
  if (tr.dtype !== dt) tr = cast(tr, dt);
  if (tr.rank === 1) tr = tr.expandDims(0);
  const [b, h, w] = t.shape as [number, number, number, number];
  checkBatch(tr.shape[0]!, b, op, 'transform', tr.shape);
  const { x, y } = grids(h, w, dt);
  const rows = add(add(mul(col(tr, 3), x), mul(col(tr, 4), y)), col(tr, 5));
  const cols = add(add(mul(col(tr, 0), x), mul(col(tr, 1), y)), col(tr, 2));
  return restore(warp(t, rows, cols, interpolation, mode, fillValue));
}

/** Options of {@link perspectiveTransform}. */
export interface PerspectiveTransformOptions {
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: WarpInterpolation;
  /** The value of points mapped outside the image (default 0). */
  fillValue?: number;
  /** Axis order of the images (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * The 8 homography coefficients `[N, 8]` mapping `end` points to `start` points (`[N, 4, 2]`,
 * (x, y) pairs): the solution of Keras's 8 × 8 system.
 */
function homography(start: Tensor, end: Tensor): Tensor {
  const n = start.shape[0]!;
  const at = (p: Tensor, i: number, k: number) => p.slice([0, i, k], [n, 1, 1]).reshape([n]);
  const zero = zeros([n], start.dtype);
  const one = ones([n], start.dtype);
  const rows: Tensor[] = [];
  const target: Tensor[] = [];
  for (let i = 0; i < 4; i++) {
    const [sx, sy, ex, ey] = [at(start, i, 0), at(start, i, 1), at(end, i, 0), at(end, i, 1)];
    rows.push(stack([ex, ey, one, zero, zero, zero, neg(mul(sx, ex)), neg(mul(sx, ey))], -1));
    rows.push(stack([zero, zero, zero, ex, ey, one, neg(mul(sy, ex)), neg(mul(sy, ey))], -1));
    target.push(sx, sy);
  }
  return solve(stack(rows, 1), stack(target, -1));
}

/**
 * Warps images by the perspective transform that takes `startPoints` to `endPoints` (Keras's
 * `ops.image.perspective_transform`); points from outside read `fillValue`.
 *
 * Formula: with `a` solving the homography from the 4 end points to the 4 start points,
 * `y[i, j] = x̃((a3·j + a4·i + a5) / k, (a0·j + a1·i + a2) / k)`, `k = a6·j + a7·i + 1`, x̃
 * sampled as by {@link mapCoordinates} with the constant fill.
 *
 * Shape: images `[B, H, W, C]`, points `[B, 4, 2]` or `[4, 2]` ((x, y) pairs; one set applies to
 * every image) → `[B, H, W, C]` (or without the batch axis; channelsFirst likewise).
 * @example perspectiveTransform(img, [[0, 0], [0, 64], [80, 0], [80, 64]], [[3, 5], [7, 64], [76, -10], [84, 61]])
 */
export function perspectiveTransform(
  images: TensorLike,
  startPoints: TensorLike,
  endPoints: TensorLike,
  opts: PerspectiveTransformOptions = {},
): Tensor {
  const op = 'image.perspectiveTransform';
  const interpolation = oneOf(
    opts.interpolation ?? 'bilinear',
    INTERPOLATIONS,
    'interpolation',
    op,
  );
  const fillValue = fillValueOf(opts.fillValue ?? 0, op);
  const { t, restore } = imageBatch(images, op, opts.dataFormat, 'float');
  const dt = t.dtype as 'float32' | 'float64';
  const points = (p: TensorLike, name: string) => {
    let pt = convertToTensor(p, op, name);
    if (
      (pt.rank !== 2 && pt.rank !== 3) ||
      pt.shape[pt.rank - 2] !== 4 ||
      pt.shape[pt.rank - 1] !== 2
    )
      throw new ShapeError(
        `${op}: ${name} must be [4, 2] or [batch, 4, 2], got ${fmtShape(pt.shape)}`,
      );
    if (pt.dtype !== dt) pt = cast(pt, dt);
    return pt;
  };
  let s = points(startPoints, 'startPoints');
  let e = points(endPoints, 'endPoints');
  if (s.shape.join() !== e.shape.join())
    throw new ShapeError(
      `${op}: startPoints and endPoints must have the same shape, got ${fmtShape(s.shape)} and ${fmtShape(e.shape)}`,
    );
  if (s.rank === 2) [s, e] = [s.expandDims(0), e.expandDims(0)];
  const [b, h, w] = t.shape as [number, number, number, number];
  checkBatch(s.shape[0]!, b, op, 'startPoints', s.shape);
  const a = homography(s, e);
  const { x, y } = grids(h, w, dt);
  const k = add(add(mul(col(a, 6), x), mul(col(a, 7), y)), 1);
  const cols = div(add(add(mul(col(a, 0), x), mul(col(a, 1), y)), col(a, 2)), k);
  const rows = div(add(add(mul(col(a, 3), x), mul(col(a, 4), y)), col(a, 5)), k);
  return restore(warp(t, rows, cols, interpolation, 'constant', fillValue));
}

// ---------------------------------------------------------------------------------------------
// scaleAndTranslate

/** Resampling kernels of {@link scaleAndTranslate} (JAX's names). */
export type ScaleAndTranslateMethod =
  | 'linear'
  | 'bilinear'
  | 'trilinear'
  | 'cubic'
  | 'bicubic'
  | 'tricubic'
  | 'lanczos3'
  | 'lanczos5';

const METHODS: readonly ScaleAndTranslateMethod[] = [
  'linear',
  'bilinear',
  'trilinear',
  'cubic',
  'bicubic',
  'tricubic',
  'lanczos3',
  'lanczos5',
];

function lanczos(r: number): (x: number) => number {
  return (x) => {
    if (x > r) return 0;
    if (x <= 1e-3) return 1;
    return (r * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / r)) / (Math.PI ** 2 * x * x);
  };
}

function kernelOf(method: ScaleAndTranslateMethod): (x: number) => number {
  if (method.endsWith('linear')) return (x) => Math.max(0, 1 - x);
  if (method.endsWith('cubic'))
    return (x) => {
      if (x >= 2) return 0;
      if (x >= 1) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
      return (1.5 * x - 2.5) * x * x + 1;
    };
  return lanczos(method === 'lanczos3' ? 3 : 5);
}

/**
 * The `[m, n]` resampling matrix of one axis: column j holds the kernel at the distances from
 * the sample point `s_j = (j + ½ − t)/scale − ½` to the inputs, divided by its sum, zero where
 * the sum vanishes or `s_j` is outside `[−½, m − ½]`.
 */
function weightMatrix(
  m: number,
  n: number,
  scale: number,
  translation: number,
  kernel: (x: number) => number,
  antialias: boolean,
): Float64Array {
  const inv = 1 / scale;
  const ks = antialias ? Math.max(inv, 1) : 1;
  const out = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const s = (j + 0.5) * inv - translation * inv - 0.5;
    let total = 0;
    for (let i = 0; i < m; i++) total += kernel(Math.abs(s - i) / ks);
    if (!(s >= -0.5 && s <= m - 0.5) || !(Math.abs(total) > 1000 * 2 ** -23)) continue;
    for (let i = 0; i < m; i++) out[i * n + j] = kernel(Math.abs(s - i) / ks) / total;
  }
  return out;
}

/**
 * Scales and translates images along some axes by separable resampling (Keras's
 * `ops.image.scale_and_translate`, JAX's): output position `o` (pixel centres at `o + ½`) reads
 * input position `(o + ½ − translation) / scale − ½`. `scale` and `translation` are read on the
 * host (numbers, one per spatial axis).
 *
 * Formula: per spatial axis d, `y = x ×_d W_d` with
 * `W_d[i, j] = k(|s_j − i| / κ) / Σ_i k(|s_j − i| / κ)`, `s_j = (j + ½ − t_d)/scale_d − ½`,
 * κ = max(1/scale_d, 1) when antialiasing (else 1), and `W_d[:, j] = 0` when s_j is outside
 * `[−½, m − ½]`. Int images are rounded and clipped to their range, as Keras does.
 *
 * Shape: `images.shape` → `outputShape` (which differs only on `spatialDims`).
 * @example scaleAndTranslate(img, [5, 5], [2, 2], [-0.5, -0.5], [0, 1], 'linear')
 */
export function scaleAndTranslate(
  images: TensorLike,
  outputShape: readonly number[],
  scale: readonly number[],
  translation: readonly number[],
  spatialDims: readonly number[],
  method: ScaleAndTranslateMethod,
  antialias = true,
): Tensor {
  const op = 'image.scaleAndTranslate';
  const kind = oneOf(method, METHODS, 'method', op);
  const x = convertToTensor(images, op, 'images');
  if (x.dtype === 'bool') throw new ValueError(`${op}: images must be numeric, got bool`);
  const r = x.rank;
  if (
    !Array.isArray(outputShape) ||
    outputShape.length !== r ||
    outputShape.some((d) => !Number.isInteger(d) || d < 1)
  )
    throw new ValueError(
      `${op}: outputShape must be ${r} positive integers (one per axis of images ${fmtShape(x.shape)}), got ${JSON.stringify(outputShape)}`,
    );
  const dims = spatialDims.map((d) => {
    if (!Number.isInteger(d) || d < -r || d >= r)
      throw new ValueError(`${op}: spatialDims entry ${d} is out of range for rank ${r}`);
    return d < 0 ? d + r : d;
  });
  if (new Set(dims).size !== dims.length)
    throw new ValueError(`${op}: spatialDims repeats an axis: ${JSON.stringify(spatialDims)}`);
  for (const [name, v] of [
    ['scale', scale],
    ['translation', translation],
  ] as const)
    if (v.length !== dims.length || v.some((s) => typeof s !== 'number' || !Number.isFinite(s)))
      throw new ValueError(
        `${op}: ${name} must be ${dims.length} finite numbers (one per spatial dim), got ${JSON.stringify(v)}`,
      );
  if (scale.some((s) => s === 0))
    throw new ValueError(`${op}: scale must be nonzero, got ${JSON.stringify(scale)}`);
  const bad = outputShape.findIndex((d, i) => !dims.includes(i) && d !== x.shape[i]);
  if (bad >= 0)
    throw new ShapeError(
      `${op}: outputShape ${JSON.stringify(outputShape)} may differ from images ${fmtShape(x.shape)} only on spatialDims ${JSON.stringify(spatialDims)}, not on axis ${bad}`,
    );
  const kernel = kernelOf(kind);
  let y = isFloat(x.dtype) ? x : cast(x, 'float32');
  dims.forEach((d, i) => {
    const m = x.shape[d]!;
    const n = outputShape[d]!;
    const wm = tensor(
      weightMatrix(m, n, scale[i]!, translation[i]!, kernel, antialias),
      [m, n],
      'float64',
    );
    const moved = moveaxis(y, d, -1);
    const lead = moved.shape.slice(0, -1);
    const z = matmul(moved.reshape([-1, m]), wm.cast(y.dtype)).reshape([...lead, n]);
    y = moveaxis(z, -1, d);
  });
  if (isFloat(x.dtype)) return y;
  const lo = min(x).cast('float32');
  const hi = max(x).cast('float32');
  return cast(maximum(minimum(round(y), hi), lo), x.dtype);
}
