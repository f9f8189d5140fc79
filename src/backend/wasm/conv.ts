/**
 * Convolutions and pooling of the wasm backend: the same algorithms as the js backend
 * (`../js/conv.ts`: im2col + GEMM per chunk of images and per group, with the 1×1 shortcut),
 * with im2col, col2im, the GEMMs and the pools all running in wasm over operands copied into
 * its memory once per op.
 */
import type { ConvArgs, PoolArgs } from '../backend.js';
import { type Geo, geometry } from '../js/conv.js';
import type { WasmRuntime } from './runtime.js';

/** Elements of the im2col buffer per chunk of images (8 MiB), as in the js backend. */
const CHUNK = 1 << 21;

function convGeo(xShape: readonly number[], filterShape: readonly number[], a: ConvArgs): Geo {
  const [kh, kw, cg, cout] = filterShape as [number, number, number, number];
  return geometry(xShape, kh, kw, a.strides, a.dilations, a.padding, a.groups, cg, cout);
}

/** The trailing geometry arguments of the im2col/col2im kernels. */
function colArgs(g: Geo): number[] {
  return [g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow];
}

/**
 * Whether the wasm path handles this convolution. Depthwise convolutions (one input channel
 * per group) would run one 1-column GEMM per channel; the js backend's direct loops are
 * better there.
 *
 * @example
 * convSupported([1, 8, 8, 4], [3, 3, 1, 4], { strides: [1, 1], dilations: [1, 1], padding: [1, 1, 1, 1], groups: 4 }); // false
 */
export function convSupported(
  xShape: readonly number[],
  filterShape: readonly number[],
  a: ConvArgs,
): boolean {
  const g = convGeo(xShape, filterShape, a);
  return !(g.groups > 1 && g.cg === 1) && g.oh > 0 && g.ow > 0;
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

/** Images per chunk so that the im2col buffer holds about {@link CHUNK} elements. */
function chunkImages(g: Geo, cols: number): number {
  return Math.max(1, Math.min(g.n, Math.floor(CHUNK / Math.max(1, g.oh * g.ow * cols))));
}

/**
 * y = conv2d(x, f) as tf.nn.conv2d (NHWC, filter `[kh, kw, c / groups, cout]`): `[n, oh, ow,
 * cout]`, computed as im2col + GEMM in wasm.
 *
 * @example
 * const y = conv2dForward(sharedRuntime(), x, [1, 5, 5, 3], f, [3, 3, 3, 8], args); // [1, oh, ow, 8]
 */
export function conv2dForward(
  rt: WasmRuntime,
  x: Float32Array,
  xShape: readonly number[],
  f: Float32Array,
  filterShape: readonly number[],
  args: ConvArgs,
): Float32Array {
  const g = convGeo(xShape, filterShape, args);
  const p = g.oh * g.ow;
  const size = g.n * p * g.cout;
  if (size === 0) return new Float32Array(0);
  const { k } = rt;
  rt.reset();
  const px = rt.put(x);
  const pf = rt.put(f);
  const pout = rt.alloc(size);
  if (isPointwise(g)) {
    rt.gemm(0, 0, g.n * p, g.cout, g.c, px, g.c, pf, g.cout, pout, g.cout, 0);
    return rt.get(pout, size);
  }
  const K = g.kh * g.kw * g.cg;
  const imgs = chunkImages(g, K);
  const pcols = rt.alloc(imgs * p * K);
  const geo = colArgs(g);
  for (let n0 = 0; n0 < g.n; n0 += imgs) {
    const n1 = Math.min(g.n, n0 + imgs);
    const rows = (n1 - n0) * p;
    for (let gi = 0; gi < g.groups; gi++) {
      k.im2col(px, n0, n1, gi * g.cg, g.cg, pcols, ...geo);
      const c = pout + (n0 * p * g.cout + gi * g.coutG) * 4;
      rt.gemm(0, 0, rows, g.coutG, K, pcols, K, pf + gi * g.coutG * 4, g.cout, c, g.cout, 0);
    }
  }
  return rt.get(pout, size);
}

/**
 * dx = ∂(Σ y·dy)/∂x for y = conv2d(x, f): `xShape` (also the transposed convolution), as GEMM
 * then col2im in wasm.
 *
 * @example
 * const dx = conv2dBackpropInput(sharedRuntime(), dy, f, [3, 3, 3, 8], [1, 5, 5, 3], args);
 */
export function conv2dBackpropInput(
  rt: WasmRuntime,
  dy: Float32Array,
  f: Float32Array,
  filterShape: readonly number[],
  xShape: readonly number[],
  args: ConvArgs,
): Float32Array {
  const g = convGeo(xShape, filterShape, args);
  const p = g.oh * g.ow;
  const size = g.n * g.h * g.w * g.c;
  if (size === 0 || p === 0) return new Float32Array(size);
  const { k } = rt;
  rt.reset();
  const pdy = rt.put(dy);
  const pf = rt.put(f);
  if (isPointwise(g)) {
    // dx = dy · fᵀ, f stored [c, cout].
    const pdx = rt.alloc(size);
    rt.gemm(0, 1, g.n * p, g.c, g.cout, pdy, g.cout, pf, g.cout, pdx, g.c, 0);
    return rt.get(pdx, size);
  }
  const pdx = rt.zeros(size);
  const K = g.kh * g.kw * g.cg;
  const imgs = chunkImages(g, K);
  const pcols = rt.alloc(imgs * p * K);
  const geo = colArgs(g);
  for (let n0 = 0; n0 < g.n; n0 += imgs) {
    const n1 = Math.min(g.n, n0 + imgs);
    const rows = (n1 - n0) * p;
    for (let gi = 0; gi < g.groups; gi++) {
      // cols = dy[rows, group's cout] · f[K, group's cout]ᵀ, then added back into dx.
      const a = pdy + (n0 * p * g.cout + gi * g.coutG) * 4;
      rt.gemm(0, 1, rows, K, g.coutG, a, g.cout, pf + gi * g.coutG * 4, g.cout, pcols, K, 0);
      k.col2im(pcols, n0, n1, gi * g.cg, g.cg, pdx, ...geo);
    }
  }
  return rt.get(pdx, size);
}

/**
 * df = ∂(Σ y·dy)/∂f for y = conv2d(x, f): `filterShape`, as im2col then colsᵀ·dy in wasm.
 *
 * @example
 * const df = conv2dBackpropFilter(sharedRuntime(), x, [1, 5, 5, 3], dy, [3, 3, 3, 8], args);
 */
export function conv2dBackpropFilter(
  rt: WasmRuntime,
  x: Float32Array,
  xShape: readonly number[],
  dy: Float32Array,
  filterShape: readonly number[],
  args: ConvArgs,
): Float32Array {
  const g = convGeo(xShape, filterShape, args);
  const p = g.oh * g.ow;
  const K = g.kh * g.kw * g.cg;
  const size = K * g.cout;
  if (size === 0 || g.n * p === 0) return new Float32Array(size);
  const { k } = rt;
  rt.reset();
  const px = rt.put(x);
  const pdy = rt.put(dy);
  const pdf = rt.alloc(size);
  if (isPointwise(g)) {
    // df = xᵀ · dy over all positions.
    rt.gemm(1, 0, g.c, g.cout, g.n * p, px, g.c, pdy, g.cout, pdf, g.cout, 0);
    return rt.get(pdf, size);
  }
  const imgs = chunkImages(g, K);
  const pcols = rt.alloc(imgs * p * K);
  const geo = colArgs(g);
  for (let n0 = 0; n0 < g.n; n0 += imgs) {
    const n1 = Math.min(g.n, n0 + imgs);
    const rows = (n1 - n0) * p;
    for (let gi = 0; gi < g.groups; gi++) {
      k.im2col(px, n0, n1, gi * g.cg, g.cg, pcols, ...geo);
      // The group's column block of df: overwritten by the first chunk, accumulated after.
      const b = pdy + (n0 * p * g.cout + gi * g.coutG) * 4;
      const c = pdf + gi * g.coutG * 4;
      rt.gemm(1, 0, K, g.coutG, rows, pcols, K, b, g.cout, c, g.cout, n0 > 0 ? 1 : 0);
    }
  }
  return rt.get(pdf, size);
}

/** The pooling kernels' trailing geometry arguments, and the output size. */
function poolGeo(
  xShape: readonly number[],
  a: PoolArgs,
): { geo: number[]; oh: number; ow: number } {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [kh, kw] = a.poolSize;
  const [sh, sw] = a.strides;
  const [pt, pb, pl, pr] = a.padding;
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((w + pl + pr - kw) / sw) + 1;
  return { geo: [n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow], oh, ow };
}

/**
 * Max pooling over NHWC data: the max over each window's valid positions (NaN wins, padding
 * never does).
 *
 * @example
 * const y = maxPool2dForward(sharedRuntime(), x, [1, 4, 4, 2], { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] });
 */
export function maxPool2dForward(
  rt: WasmRuntime,
  x: Float32Array,
  xShape: readonly number[],
  args: PoolArgs,
): Float32Array {
  const { geo, oh, ow } = poolGeo(xShape, args);
  const size = xShape[0]! * oh * ow * xShape[3]!;
  if (size <= 0) return new Float32Array(Math.max(size, 0));
  rt.reset();
  const px = rt.put(x);
  const py = rt.alloc(size);
  rt.k.maxPool(px, py, ...geo);
  return rt.get(py, size);
}

/**
 * Gradient of max pooling: each dy goes to the first position of its window's max in x.
 *
 * @example
 * const dx = maxPool2dBackward(sharedRuntime(), dy, x, [1, 4, 4, 2], args); // [1, 4, 4, 2]
 */
export function maxPool2dBackward(
  rt: WasmRuntime,
  dy: Float32Array,
  x: Float32Array,
  xShape: readonly number[],
  args: PoolArgs,
): Float32Array {
  const { geo } = poolGeo(xShape, args);
  const size = x.length;
  if (size === 0 || dy.length === 0) return new Float32Array(size);
  rt.reset();
  const pdy = rt.put(dy);
  const px = rt.put(x);
  const pdx = rt.zeros(size);
  rt.k.maxPoolBackward(pdy, px, pdx, ...geo);
  return rt.get(pdx, size);
}

/**
 * Average pooling over NHWC data: the mean over each window's valid (non-padded) positions.
 *
 * @example
 * const y = avgPool2dForward(sharedRuntime(), x, [1, 4, 4, 2], { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] });
 */
export function avgPool2dForward(
  rt: WasmRuntime,
  x: Float32Array,
  xShape: readonly number[],
  args: PoolArgs,
): Float32Array {
  const { geo, oh, ow } = poolGeo(xShape, args);
  const size = xShape[0]! * oh * ow * xShape[3]!;
  if (size <= 0) return new Float32Array(Math.max(size, 0));
  rt.reset();
  const px = rt.put(x);
  const py = rt.alloc(size);
  rt.k.avgPool(px, py, ...geo);
  return rt.get(py, size);
}

/**
 * Gradient of average pooling: dy / count spread over each window's valid positions.
 *
 * @example
 * const dx = avgPool2dBackward(sharedRuntime(), dy, [1, 4, 4, 2], args); // [1, 4, 4, 2]
 */
export function avgPool2dBackward(
  rt: WasmRuntime,
  dy: Float32Array,
  xShape: readonly number[],
  args: PoolArgs,
): Float32Array {
  const { geo } = poolGeo(xShape, args);
  const size = xShape[0]! * xShape[1]! * xShape[2]! * xShape[3]!;
  if (size === 0 || dy.length === 0) return new Float32Array(size);
  rt.reset();
  const pdy = rt.put(dy);
  const pdx = rt.zeros(size);
  rt.k.avgPoolBackward(pdy, pdx, ...geo);
  return rt.get(pdx, size);
}
