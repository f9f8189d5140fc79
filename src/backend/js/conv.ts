/**
 * Convolution and pooling kernels of the js backend, over NHWC data.
 *
 * Convolutions are im2col + {@link gemm}: the windows of a chunk of images are copied into the
 * rows of a matrix (one row per output position, `kh·kw·c` columns in the filter's own order)
 * that multiplies the filter viewed as a `[kh·kw·c, cout]` matrix; one gemm per group. The
 * backward passes are the same products transposed (`dy · filterᵀ` then col2im, which adds the
 * rows back into the input; `colsᵀ · dy` for the filter). The im2col buffer is module-level
 * and reused (one per element type, grown on demand), and images are processed in chunks so
 * it stays a few MiB. Two shortcuts skip im2col: 1×1 convolutions with unit stride and no
 * padding (x already is the matrix), and depthwise convolutions (one input channel per group),
 * which run as direct loops with the channel axis innermost.
 *
 * Pooling is plain loops with the channel axis innermost.
 */
import type { ConvArgs, PoolArgs } from '../backend.js';
import { hostArray, hostI32 } from '../host_arena.js';
import { gemm } from './gemm.js';

type FloatArray = Float32Array | Float64Array;

/** Elements of the im2col buffer per chunk of images (8 MiB as float32). */
const CHUNK = 1 << 21;

let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

/** A reusable buffer of at least `size` elements of the same type as `like`. */
function scratch(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float64Array) {
    if (scratch64.length < size) scratch64 = new Float64Array(size);
    return scratch64;
  }
  if (scratch32.length < size) scratch32 = new Float32Array(size);
  return scratch32;
}

/** A new zero array of the same type as `like`. */
function zerosLike(like: FloatArray, size: number): FloatArray {
  return hostArray(like instanceof Float64Array ? 'float64' : 'float32', size) as FloatArray;
}

/** Everything the kernels need to know about one convolution (shared with the wasm backend). */
export interface Geo {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  oh: number;
  ow: number;
  groups: number;
  /** Input channels per group. */
  cg: number;
  cout: number;
  /** Output channels per group. */
  coutG: number;
}

/** The geometry of a convolution or pooling window over an NHWC input. */
export function geometry(
  xShape: readonly number[],
  kh: number,
  kw: number,
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: readonly [number, number, number, number],
  groups: number,
  cg: number,
  cout: number,
): Geo {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [sh, sw] = strides;
  const [dh, dw] = dilations;
  const [pt, pb, pl, pr] = padding;
  const oh = Math.floor((h + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((w + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  return {
    n,
    h,
    w,
    c,
    kh,
    kw,
    sh,
    sw,
    dh,
    dw,
    pt,
    pl,
    oh,
    ow,
    groups,
    cg,
    cout,
    coutG: cout / groups,
  };
}

function convGeo(xShape: readonly number[], filterShape: readonly number[], a: ConvArgs): Geo {
  const [kh, kw, cg, cout] = filterShape as [number, number, number, number];
  return geometry(xShape, kh, kw, a.strides, a.dilations, a.padding, a.groups, cg, cout);
}

/** 1×1, unit stride, no padding, one group: the input itself is the im2col matrix. */
function isPointwise(g: Geo): boolean {
  return (
    g.kh === 1 &&
    g.kw === 1 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.pt === 0 &&
    g.pl === 0 &&
    g.oh === g.h &&
    g.ow === g.w &&
    g.groups === 1
  );
}

/** One input channel per group (depthwise): direct loops beat a gemm per channel. */
function isDepthwise(g: Geo): boolean {
  return g.groups > 1 && g.cg === 1;
}

/** Images per chunk so that the im2col buffer holds about {@link CHUNK} elements. */
function chunkImages(g: Geo, cols: number): number {
  return Math.max(1, Math.min(g.n, Math.floor(CHUNK / Math.max(1, g.oh * g.ow * cols))));
}

/**
 * Copies the windows of images [n0, n1), channels [c0, c0 + cc), into `dst` as rows of
 * `kh·kw·cc` values in (tap row, tap column, channel) order; padding reads as 0.
 */
function im2col(
  x: FloatArray,
  g: Geo,
  n0: number,
  n1: number,
  c0: number,
  cc: number,
  dst: FloatArray,
): void {
  const { h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = g;
  const rowLen = kw * cc;
  // A whole tap row is one contiguous run of x when taps are adjacent and all channels are used.
  const contiguous = dw === 1 && cc === c;
  let r = 0;
  for (let b = n0; b < n1; b++) {
    const xb = b * h * w * c + c0;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const inside = x0 >= 0 && x0 + (kw - 1) * dw < w;
        for (let i = 0; i < kh; i++) {
          const y = y0 + i * dh;
          if (y < 0 || y >= h) {
            dst.fill(0, r, r + rowLen);
            r += rowLen;
            continue;
          }
          const xrow = xb + y * w * c;
          if (contiguous && inside) {
            let s = xrow + x0 * c;
            const end = r + rowLen;
            while (r < end) dst[r++] = x[s++]!;
            continue;
          }
          for (let j = 0; j < kw; j++) {
            const xx = x0 + j * dw;
            if (xx < 0 || xx >= w) {
              for (let k = 0; k < cc; k++) dst[r++] = 0;
              continue;
            }
            let s = xrow + xx * c;
            for (let k = 0; k < cc; k++) dst[r++] = x[s++]!;
          }
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: adds the rows in `src` back into `dx` (padding is dropped). */
function col2im(
  src: FloatArray,
  g: Geo,
  n0: number,
  n1: number,
  c0: number,
  cc: number,
  dx: FloatArray,
): void {
  const { h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = g;
  const rowLen = kw * cc;
  const contiguous = dw === 1 && cc === c;
  let r = 0;
  for (let b = n0; b < n1; b++) {
    const xb = b * h * w * c + c0;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const inside = x0 >= 0 && x0 + (kw - 1) * dw < w;
        for (let i = 0; i < kh; i++) {
          const y = y0 + i * dh;
          if (y < 0 || y >= h) {
            r += rowLen;
            continue;
          }
          const xrow = xb + y * w * c;
          if (contiguous && inside) {
            let s = xrow + x0 * c;
            const end = r + rowLen;
            while (r < end) dx[s++] += src[r++]!;
            continue;
          }
          for (let j = 0; j < kw; j++) {
            const xx = x0 + j * dw;
            if (xx < 0 || xx >= w) {
              r += cc;
              continue;
            }
            let s = xrow + xx * c;
            for (let k = 0; k < cc; k++) dx[s++] += src[r++]!;
          }
        }
      }
    }
  }
}

/** y = conv2d(x, f): `[n, oh, ow, cout]`. */
export function conv2dForward(
  x: FloatArray,
  xShape: readonly number[],
  f: FloatArray,
  filterShape: readonly number[],
  args: ConvArgs,
): FloatArray {
  const g = convGeo(xShape, filterShape, args);
  const p = g.oh * g.ow;
  const out = zerosLike(x, g.n * p * g.cout);
  if (out.length === 0) return out;
  if (isPointwise(g)) {
    gemm(false, false, g.n * p, g.cout, g.c, x, 0, g.c, f, 0, g.cout, out, 0, g.cout);
    return out;
  }
  if (isDepthwise(g)) {
    depthwiseForward(x, f, g, out);
    return out;
  }
  const K = g.kh * g.kw * g.cg;
  const imgs = chunkImages(g, K);
  const cols = scratch(x, imgs * p * K);
  for (let n0 = 0; n0 < g.n; n0 += imgs) {
    const n1 = Math.min(g.n, n0 + imgs);
    const rows = (n1 - n0) * p;
    for (let gi = 0; gi < g.groups; gi++) {
      im2col(x, g, n0, n1, gi * g.cg, g.cg, cols);
      const cOff = n0 * p * g.cout + gi * g.coutG;
      gemm(false, false, rows, g.coutG, K, cols, 0, K, f, gi * g.coutG, g.cout, out, cOff, g.cout);
    }
  }
  return out;
}

/** dx = ∂(Σ y·dy)/∂x for y = conv2d(x, f): `xShape`. Also the transposed convolution. */
export function conv2dBackpropInput(
  dy: FloatArray,
  f: FloatArray,
  filterShape: readonly number[],
  xShape: readonly number[],
  args: ConvArgs,
): FloatArray {
  const g = convGeo(xShape, filterShape, args);
  const p = g.oh * g.ow;
  const dx = zerosLike(dy, g.n * g.h * g.w * g.c);
  if (dx.length === 0 || p === 0) return dx;
  if (isPointwise(g)) {
    // dx = dy · fᵀ, f stored [c, cout].
    gemm(false, true, g.n * p, g.c, g.cout, dy, 0, g.cout, f, 0, g.cout, dx, 0, g.c);
    return dx;
  }
  if (isDepthwise(g)) {
    depthwiseBackpropInput(dy, f, g, dx);
    return dx;
  }
  const K = g.kh * g.kw * g.cg;
  const imgs = chunkImages(g, K);
  const cols = scratch(dy, imgs * p * K);
  for (let n0 = 0; n0 < g.n; n0 += imgs) {
    const n1 = Math.min(g.n, n0 + imgs);
    const rows = (n1 - n0) * p;
    for (let gi = 0; gi < g.groups; gi++) {
      // cols = dy[rows, group's cout] · f[K, group's cout]ᵀ.
      const dyOff = n0 * p * g.cout + gi * g.coutG;
      gemm(false, true, rows, K, g.coutG, dy, dyOff, g.cout, f, gi * g.coutG, g.cout, cols, 0, K);
      col2im(cols, g, n0, n1, gi * g.cg, g.cg, dx);
    }
  }
  return dx;
}

/** df = ∂(Σ y·dy)/∂f for y = conv2d(x, f): `filterShape`. */
export function conv2dBackpropFilter(
  x: FloatArray,
  xShape: readonly number[],
  dy: FloatArray,
  filterShape: readonly number[],
  args: ConvArgs,
): FloatArray {
  const g = convGeo(xShape, filterShape, args);
  const p = g.oh * g.ow;
  const K = g.kh * g.kw * g.cg;
  const df = zerosLike(x, K * g.cout);
  if (df.length === 0 || g.n * p === 0) return df;
  if (isPointwise(g)) {
    // df = xᵀ · dy over all positions.
    gemm(true, false, g.c, g.cout, g.n * p, x, 0, g.c, dy, 0, g.cout, df, 0, g.cout);
    return df;
  }
  if (isDepthwise(g)) {
    depthwiseBackpropFilter(x, dy, g, df);
    return df;
  }
  const imgs = chunkImages(g, K);
  const cols = scratch(x, imgs * p * K);
  const part = zerosLike(x, K * g.coutG);
  for (let n0 = 0; n0 < g.n; n0 += imgs) {
    const n1 = Math.min(g.n, n0 + imgs);
    const rows = (n1 - n0) * p;
    for (let gi = 0; gi < g.groups; gi++) {
      im2col(x, g, n0, n1, gi * g.cg, g.cg, cols);
      const dyOff = n0 * p * g.cout + gi * g.coutG;
      gemm(true, false, K, g.coutG, rows, cols, 0, K, dy, dyOff, g.cout, part, 0, g.coutG);
      for (let k = 0; k < K; k++) {
        const d = k * g.cout + gi * g.coutG;
        const s = k * g.coutG;
        for (let o = 0; o < g.coutG; o++) df[d + o] += part[s + o]!;
      }
    }
  }
  return df;
}

// ------------------------------------------------------------------ depthwise (cg = 1)
// Output channel ch·m + j reads input channel ch only; the filter is [kh, kw, 1, c·m].

function depthwiseForward(x: FloatArray, f: FloatArray, g: Geo, out: FloatArray): void {
  const { n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cout } = g;
  const m = g.coutG;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = ((b * oh + oy) * ow + ox) * cout;
        for (let i = 0; i < kh; i++) {
          const y = oy * sh - pt + i * dh;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xx = ox * sw - pl + j * dw;
            if (xx < 0 || xx >= w) continue;
            const xs = ((b * h + y) * w + xx) * c;
            const fs = (i * kw + j) * cout;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) out[o + ch] += x[xs + ch]! * f[fs + ch]!;
            } else {
              for (let ch = 0; ch < c; ch++) {
                const v = x[xs + ch]!;
                const base = ch * m;
                for (let k = 0; k < m; k++) out[o + base + k] += v * f[fs + base + k]!;
              }
            }
          }
        }
      }
    }
  }
}

function depthwiseBackpropInput(dy: FloatArray, f: FloatArray, g: Geo, dx: FloatArray): void {
  const { n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cout } = g;
  const m = g.coutG;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = ((b * oh + oy) * ow + ox) * cout;
        for (let i = 0; i < kh; i++) {
          const y = oy * sh - pt + i * dh;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xx = ox * sw - pl + j * dw;
            if (xx < 0 || xx >= w) continue;
            const xs = ((b * h + y) * w + xx) * c;
            const fs = (i * kw + j) * cout;
            for (let ch = 0; ch < c; ch++) {
              const base = ch * m;
              let s = 0;
              for (let k = 0; k < m; k++) s += dy[o + base + k]! * f[fs + base + k]!;
              dx[xs + ch] += s;
            }
          }
        }
      }
    }
  }
}

function depthwiseBackpropFilter(x: FloatArray, dy: FloatArray, g: Geo, df: FloatArray): void {
  const { n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cout } = g;
  const m = g.coutG;
  // Sums over every position: accumulate in doubles whatever the storage type.
  const acc = new Float64Array(df.length);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = ((b * oh + oy) * ow + ox) * cout;
        for (let i = 0; i < kh; i++) {
          const y = oy * sh - pt + i * dh;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xx = ox * sw - pl + j * dw;
            if (xx < 0 || xx >= w) continue;
            const xs = ((b * h + y) * w + xx) * c;
            const fs = (i * kw + j) * cout;
            for (let ch = 0; ch < c; ch++) {
              const v = x[xs + ch]!;
              const base = ch * m;
              for (let k = 0; k < m; k++) acc[fs + base + k] += v * dy[o + base + k]!;
            }
          }
        }
      }
    }
  }
  df.set(acc);
}

// ------------------------------------------------------------------ pooling

interface PoolGeo {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  oh: number;
  ow: number;
}

function poolGeo(xShape: readonly number[], a: PoolArgs): PoolGeo {
  const g = geometry(xShape, a.poolSize[0], a.poolSize[1], a.strides, [1, 1], a.padding, 1, 1, 1);
  return {
    n: g.n,
    h: g.h,
    w: g.w,
    c: g.c,
    kh: g.kh,
    kw: g.kw,
    sh: g.sh,
    sw: g.sw,
    pt: g.pt,
    pl: g.pl,
    oh: g.oh,
    ow: g.ow,
  };
}

let accRow = new Float64Array(0);

function rows(c: number): { acc: Float64Array } {
  if (accRow.length < c) accRow = new Float64Array(c);
  return { acc: accRow };
}

/** Max over each window's valid positions; NaN wins. */
export function maxPool2dForward(
  x: FloatArray,
  xShape: readonly number[],
  args: PoolArgs,
): FloatArray {
  return maxPool2dForwardArgmax(x, xShape, args).y;
}

/**
 * Routes each dy to the first position of its window's max (NaN counts as the max): the
 * argmax search of {@link maxPool2dForwardArgmax}, then {@link maxPool2dBackwardArgmax}'s
 * scatter, so both gradient paths share one rule.
 */
export function maxPool2dBackward(
  dy: FloatArray,
  x: FloatArray,
  xShape: readonly number[],
  args: PoolArgs,
): FloatArray {
  const { argmax } = maxPool2dForwardArgmax(x, xShape, args);
  return maxPool2dBackwardArgmax(dy, argmax, argmax.length, x.length);
}

/**
 * Max pooling that also records, per output, the flat index into x its gradient goes to (−1
 * for a window without valid positions). Every channel starts at −∞ with the window's first
 * position as its argmax and is replaced only on "greater, or NaN over a number": ties keep
 * the first, the first NaN wins, an all −∞ window points at its first position.
 */
export function maxPool2dForwardArgmax(
  x: FloatArray,
  xShape: readonly number[],
  args: PoolArgs,
): { y: FloatArray; argmax: Int32Array } {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = poolGeo(xShape, args);
  const out = zerosLike(x, n * oh * ow * c);
  const argmax = hostI32(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = Math.max(y0, 0);
      const yhi = Math.min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = Math.max(x0, 0);
        const xhi = Math.min(x0 + kw, w);
        const o = ((b * oh + oy) * ow + ox) * c;
        out.fill(Number.NEGATIVE_INFINITY, o, o + c);
        if (ylo >= yhi || xlo >= xhi) {
          argmax.fill(-1, o, o + c);
          continue;
        }
        const s0 = ((b * h + ylo) * w + xlo) * c;
        for (let ch = 0; ch < c; ch++) argmax[o + ch] = s0 + ch;
        for (let y = ylo; y < yhi; y++) {
          for (let xx = xlo; xx < xhi; xx++) {
            const s = ((b * h + y) * w + xx) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[s + ch]!;
              const cur = out[o + ch]!;
              if (v > cur || (v !== v && cur === cur)) {
                out[o + ch] = v;
                argmax[o + ch] = s + ch;
              }
            }
          }
        }
      }
    }
  }
  return { y: out, argmax };
}

/**
 * The max-pool gradient from a recorded argmax: `dx[argmax[i]] += dy[i]` in output order;
 * −1 entries are skipped.
 */
export function maxPool2dBackwardArgmax(
  dy: FloatArray,
  argmax: Int32Array,
  numOut: number,
  xSize: number,
): FloatArray {
  return maxPool2dBackwardArgmaxRelu(dy, argmax, numOut, xSize, null);
}

/**
 * {@link maxPool2dBackwardArgmax} through the relu whose output `y` was pooled (null: no
 * relu): `dx[argmax[i]] += dy[i]` only where `y[argmax[i]] > 0` (NaN in y gives 0, as
 * reluGrad).
 */
export function maxPool2dBackwardArgmaxRelu(
  dy: FloatArray,
  argmax: Int32Array,
  numOut: number,
  xSize: number,
  y: FloatArray | null,
): FloatArray {
  const dx = zerosLike(dy, xSize);
  for (let i = 0; i < numOut; i++) {
    const a = argmax[i]!;
    if (a >= 0 && (y === null || y[a]! > 0)) dx[a] += dy[i]!;
  }
  return dx;
}

/** Mean over each window's valid (non-padded) positions. */
export function avgPool2dForward(
  x: FloatArray,
  xShape: readonly number[],
  args: PoolArgs,
): FloatArray {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = poolGeo(xShape, args);
  const out = zerosLike(x, n * oh * ow * c);
  const { acc } = rows(c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = Math.max(y0, 0);
      const yhi = Math.min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = Math.max(x0, 0);
        const xhi = Math.min(x0 + kw, w);
        acc.fill(0, 0, c);
        for (let y = ylo; y < yhi; y++) {
          for (let xx = xlo; xx < xhi; xx++) {
            const s = ((b * h + y) * w + xx) * c;
            for (let ch = 0; ch < c; ch++) acc[ch] += x[s + ch]!;
          }
        }
        const count = Math.max(yhi - ylo, 0) * Math.max(xhi - xlo, 0);
        const o = ((b * oh + oy) * ow + ox) * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] = acc[ch]! / count;
      }
    }
  }
  return out;
}

/** Spreads dy / count over each window's valid positions. */
export function avgPool2dBackward(
  dy: FloatArray,
  xShape: readonly number[],
  args: PoolArgs,
): FloatArray {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = poolGeo(xShape, args);
  const dx = zerosLike(dy, n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = Math.max(y0, 0);
      const yhi = Math.min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = Math.max(x0, 0);
        const xhi = Math.min(x0 + kw, w);
        const count = Math.max(yhi - ylo, 0) * Math.max(xhi - xlo, 0);
        if (count === 0) continue;
        const o = ((b * oh + oy) * ow + ox) * c;
        for (let y = ylo; y < yhi; y++) {
          for (let xx = xlo; xx < xhi; xx++) {
            const s = ((b * h + y) * w + xx) * c;
            for (let ch = 0; ch < c; ch++) dx[s + ch] += dy[o + ch]! / count;
          }
        }
      }
    }
  }
  return dx;
}
