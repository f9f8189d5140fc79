// Elementwise kernels, sums and softmax over float32 buffers.
//
// Buffers handed to the elementwise kernels are padded by the host to a multiple of 16 bytes,
// so loops run whole vectors and may read and write up to 3 lanes past `n`; those lanes are
// never copied back. Reductions never do this (stale lanes would be summed).
import { K_ONE, K_SIX, kv, vexp, vexpm1, vlog, vsigmoid, vsoftplus, vtanh } from './vmath';

// Unary op codes (kept in sync with UNARY_CODES in ../index.ts).
// @ts-ignore: decorator
@inline const U_NEG = 0;
// @ts-ignore: decorator
@inline const U_ABS = 1;
// @ts-ignore: decorator
@inline const U_SQUARE = 2;
// @ts-ignore: decorator
@inline const U_SQRT = 3;
// @ts-ignore: decorator
@inline const U_RSQRT = 4;
// @ts-ignore: decorator
@inline const U_RECIPROCAL = 5;
// @ts-ignore: decorator
@inline const U_EXP = 6;
// @ts-ignore: decorator
@inline const U_LOG = 7;
// @ts-ignore: decorator
@inline const U_RELU = 8;
// @ts-ignore: decorator
@inline const U_RELU6 = 9;
// @ts-ignore: decorator
@inline const U_LEAKY = 10;
// @ts-ignore: decorator
@inline const U_ELU = 11;
// @ts-ignore: decorator
@inline const U_SIGMOID = 12;
// @ts-ignore: decorator
@inline const U_TANH = 13;
// @ts-ignore: decorator
@inline const U_SOFTPLUS = 14;
// @ts-ignore: decorator
@inline const U_STEP = 15;

// The NaN rules mirror the js backend's unaryFn: relu, relu6 and step keep a NaN, and
// relu(−0) is +0 (`x > 0 ? x : x === x ? 0 : x`).
// @ts-ignore: decorator
@inline function un(op: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case U_NEG:
      return f32x4.neg(x);
    case U_ABS:
      return f32x4.abs(x);
    case U_SQUARE:
      return f32x4.mul(x, x);
    case U_SQRT:
      return f32x4.sqrt(x);
    case U_RSQRT:
      return f32x4.div(kv(K_ONE), f32x4.sqrt(x));
    case U_RECIPROCAL:
      return f32x4.div(kv(K_ONE), x);
    case U_EXP:
      return vexp(x);
    case U_LOG:
      return vlog(x);
    case U_RELU:
      return v128.bitselect(x, zero, v128.or(f32x4.gt(x, zero), f32x4.ne(x, x)));
    case U_RELU6: {
      const r = v128.bitselect(x, zero, v128.or(f32x4.gt(x, zero), f32x4.ne(x, x)));
      return v128.bitselect(kv(K_SIX), r, f32x4.gt(x, kv(K_SIX)));
    }
    case U_LEAKY:
      return v128.bitselect(x, f32x4.mul(alpha, x), f32x4.gt(x, zero));
    case U_ELU:
      return v128.bitselect(x, f32x4.mul(alpha, vexpm1(x)), f32x4.gt(x, zero));
    case U_SIGMOID:
      return vsigmoid(x);
    case U_TANH:
      return vtanh(x);
    case U_SOFTPLUS:
      return vsoftplus(x);
    default: {
      // U_STEP
      const r = v128.bitselect(x, zero, f32x4.ne(x, x));
      return v128.bitselect(kv(K_ONE), r, f32x4.gt(x, zero));
    }
  }
}

// @ts-ignore: decorator
@inline function unLoop(op: i32, x: usize, y: usize, n: i32, alpha: v128): void {
  const end = x + (<usize>n << 2);
  while (x < end) {
    v128.store(y, un(op, v128.load(x), alpha));
    x += 16;
    y += 16;
  }
}

/** y[i] = f(x[i]) for i < n (rounded up to whole vectors); `alpha` feeds leakyRelu and elu. */
export function unary(op: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  // One loop per op (the switch in `un` folds away), so no dispatch runs per element.
  switch (op) {
    case U_NEG: unLoop(U_NEG, x, y, n, a); break;
    case U_ABS: unLoop(U_ABS, x, y, n, a); break;
    case U_SQUARE: unLoop(U_SQUARE, x, y, n, a); break;
    case U_SQRT: unLoop(U_SQRT, x, y, n, a); break;
    case U_RSQRT: unLoop(U_RSQRT, x, y, n, a); break;
    case U_RECIPROCAL: unLoop(U_RECIPROCAL, x, y, n, a); break;
    case U_EXP: unLoop(U_EXP, x, y, n, a); break;
    case U_LOG: unLoop(U_LOG, x, y, n, a); break;
    case U_RELU: unLoop(U_RELU, x, y, n, a); break;
    case U_RELU6: unLoop(U_RELU6, x, y, n, a); break;
    case U_LEAKY: unLoop(U_LEAKY, x, y, n, a); break;
    case U_ELU: unLoop(U_ELU, x, y, n, a); break;
    case U_SIGMOID: unLoop(U_SIGMOID, x, y, n, a); break;
    case U_TANH: unLoop(U_TANH, x, y, n, a); break;
    case U_SOFTPLUS: unLoop(U_SOFTPLUS, x, y, n, a); break;
    default: unLoop(U_STEP, x, y, n, a); break;
  }
}

// Binary op codes (kept in sync with BINARY_CODES in ../index.ts).
// @ts-ignore: decorator
@inline const B_ADD = 0;
// @ts-ignore: decorator
@inline const B_SUB = 1;
// @ts-ignore: decorator
@inline const B_MUL = 2;
// @ts-ignore: decorator
@inline const B_DIV = 3;
// @ts-ignore: decorator
@inline const B_MAX = 4;
// @ts-ignore: decorator
@inline const B_MIN = 5;
// @ts-ignore: decorator
@inline const B_SQDIFF = 6;
// @ts-ignore: decorator
@inline const B_RELU_GRAD = 7;

// @ts-ignore: decorator
@inline function hiHalf(v: v128): v128 {
  return i32x4.shuffle(v, v, 2, 3, 2, 3);
}

// maximum/minimum follow the js backend (`a > b || a !== a ? a : b`) rather than f32x4.max,
// which differs on signed zeros.
// @ts-ignore: decorator
@inline function bin(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD:
      return f32x4.add(a, b);
    case B_SUB:
      return f32x4.sub(a, b);
    case B_MUL:
      return f32x4.mul(a, b);
    case B_DIV:
      return f32x4.div(a, b);
    case B_MAX:
      return v128.bitselect(a, b, v128.or(f32x4.gt(a, b), f32x4.ne(a, a)));
    case B_MIN:
      return v128.bitselect(a, b, v128.or(f32x4.lt(a, b), f32x4.ne(a, a)));
    case B_RELU_GRAD:
      // b where a > 0, else 0 (NaN in a gives 0, as where(a > 0, b, 0) does).
      return v128.and(b, f32x4.gt(a, f32x4.splat(0)));
    default: {
      // In f64 and rounded once, as the js backend computes (a − b)·(a − b) in doubles.
      const dl = f64x2.sub(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b));
      const dh = f64x2.sub(f64x2.promote_low_f32x4(hiHalf(a)), f64x2.promote_low_f32x4(hiHalf(b)));
      const l = f32x4.demote_f64x2_zero(f64x2.mul(dl, dl));
      const h = f32x4.demote_f64x2_zero(f64x2.mul(dh, dh));
      return i32x4.shuffle(l, h, 0, 1, 4, 5);
    }
  }
}

// mode bit 1: a varies along the row; bit 0: b varies along the row (else one value per row).
// @ts-ignore: decorator
@inline function binRows(
  op: i32,
  mode: i32,
  a: usize,
  aRow: usize,
  b: usize,
  bRow: usize,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    let pa = a;
    let pb = b;
    let py = y;
    const end = y + rowBytes;
    // Rows are written in order, so a row's overhanging lanes land in the next row's slots
    // before that row overwrites them.
    if (mode == 3) {
      while (py < end) {
        v128.store(py, bin(op, v128.load(pa), v128.load(pb)));
        pa += 16;
        pb += 16;
        py += 16;
      }
    } else if (mode == 2) {
      const vb = v128.load32_splat(pb);
      while (py < end) {
        v128.store(py, bin(op, v128.load(pa), vb));
        pa += 16;
        py += 16;
      }
    } else if (mode == 1) {
      const va = v128.load32_splat(pa);
      while (py < end) {
        v128.store(py, bin(op, va, v128.load(pb)));
        pb += 16;
        py += 16;
      }
    } else {
      const v = bin(op, v128.load32_splat(pa), v128.load32_splat(pb));
      while (py < end) {
        v128.store(py, v);
        py += 16;
      }
    }
    a += aRow;
    b += bRow;
    y += rowBytes;
  }
}

// @ts-ignore: decorator
@inline function binOp(
  op: i32,
  mode: i32,
  a: usize,
  aRow: usize,
  b: usize,
  bRow: usize,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  switch (mode) {
    case 3: binRows(op, 3, a, aRow, b, bRow, y, rows, cols); break;
    case 2: binRows(op, 2, a, aRow, b, bRow, y, rows, cols); break;
    case 1: binRows(op, 1, a, aRow, b, bRow, y, rows, cols); break;
    default: binRows(op, 0, a, aRow, b, bRow, y, rows, cols); break;
  }
}

/**
 * y[r, j] = f(a[r·aRow + j·aEl], b[r·bRow + j·bEl]) for r < rows, j < cols (strides in
 * elements; aEl and bEl are 0 or 1). Equal shapes, scalars, row vectors and per-row scalars
 * are all this one pattern.
 */
export function binary(
  op: i32,
  a: usize,
  aRow: i32,
  aEl: i32,
  b: usize,
  bRow: i32,
  bEl: i32,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  const mode = (aEl ? 2 : 0) | (bEl ? 1 : 0);
  const ar = <usize>aRow << 2;
  const br = <usize>bRow << 2;
  switch (op) {
    case B_ADD: binOp(B_ADD, mode, a, ar, b, br, y, rows, cols); break;
    case B_SUB: binOp(B_SUB, mode, a, ar, b, br, y, rows, cols); break;
    case B_MUL: binOp(B_MUL, mode, a, ar, b, br, y, rows, cols); break;
    case B_DIV: binOp(B_DIV, mode, a, ar, b, br, y, rows, cols); break;
    case B_MAX: binOp(B_MAX, mode, a, ar, b, br, y, rows, cols); break;
    case B_MIN: binOp(B_MIN, mode, a, ar, b, br, y, rows, cols); break;
    case B_RELU_GRAD: binOp(B_RELU_GRAD, mode, a, ar, b, br, y, rows, cols); break;
    default: binOp(B_SQDIFF, mode, a, ar, b, br, y, rows, cols); break;
  }
}

/** Σ of n floats at x, accumulated in f64 like the js backend. */
function rowSum(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(hiHalf(v)));
  }
  const s = f64x2.add(s0, s1);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) t += <f64>load<f32>(x + (<usize>i << 2));
  return t;
}

/** y[r] = Σⱼ x[r, j] over `rows` contiguous rows of n. */
export function sumRows(x: usize, rows: i32, n: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    store<f32>(y + (<usize>r << 2), <f32>rowSum(x + <usize>r * (<usize>n << 2), n));
  }
}

/** y[j] = Σᵣ x[r, j] over `rows` rows of n; `acc` is n f64 of 16-byte-aligned scratch. */
export function sumCols(x: usize, rows: i32, n: i32, y: usize, acc: usize): void {
  memory.fill(acc, 0, <usize>n << 3);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * (<usize>n << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      const pa = acc + (<usize>j << 3);
      v128.store(pa, f64x2.add(v128.load(pa), f64x2.promote_low_f32x4(v)));
      v128.store(pa, f64x2.add(v128.load(pa, 16), f64x2.promote_low_f32x4(hiHalf(v))), 16);
    }
    for (; j < n; j++) {
      const pa = acc + (<usize>j << 3);
      store<f64>(pa, load<f64>(pa) + <f64>load<f32>(row + (<usize>j << 2)));
    }
  }
  for (let j = 0; j < n; j++) store<f32>(y + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
}

/** Max of n floats at x; NaN wins (as the js reduce). */
function rowMax(x: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) m = f32x4.max(m, v128.load(x + (<usize>i << 2)));
  let t = max(
    max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)),
    max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)),
  );
  for (; i < n; i++) t = max(t, load<f32>(x + (<usize>i << 2)));
  return t;
}

/**
 * Softmax (log = 0) or log-softmax (log ≠ 0) of each of `rows` rows of n, in the same steps
 * as the js composite: shifted = x − max, e = exp(shifted), s = Σ e, then e / s or
 * shifted − log s. y may not alias x.
 */
export function softmaxRows(x: usize, rows: i32, n: i32, y: usize, log: i32): void {
  const rowBytes = <usize>n << 2;
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    const m = f32x4.splat(rowMax(xr, n));
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const sh = f32x4.sub(v128.load(xr + o), m);
      const e = vexp(sh);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(hiHalf(e)));
      v128.store(yr + o, log ? sh : e);
    }
    const ss = f64x2.add(s0, s1);
    let s = f64x2.extract_lane(ss, 0) + f64x2.extract_lane(ss, 1);
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const sh = load<f32>(xr + o) - f32x4.extract_lane(m, 0);
      const e = f32x4.extract_lane(vexp(f32x4.splat(sh)), 0);
      s += <f64>e;
      store<f32>(yr + o, log ? sh : e);
    }
    const sum = <f32>s;
    if (log) {
      const ls = f32x4.extract_lane(vlog(f32x4.splat(sum)), 0);
      const vls = f32x4.splat(ls);
      j = 0;
      for (; j < n4; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, f32x4.sub(v128.load(yr + o), vls));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(yr + o, load<f32>(yr + o) - ls);
      }
    } else {
      const vs = f32x4.splat(sum);
      j = 0;
      for (; j < n4; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, f32x4.div(v128.load(yr + o), vs));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(yr + o, load<f32>(yr + o) / sum);
      }
    }
  }
}

/**
 * One RMSprop step into new buffers: v' = v·rho + g²·c, p' = p − (g·lr)/√(v' + eps), with
 * c = 1 − rho given by the host, rounding in the order of the optimizer's tensor formula.
 */
export function rmsprop(
  p: usize,
  g: usize,
  v: usize,
  po: usize,
  vo: usize,
  n: i32,
  lr: f32,
  rho: f32,
  c: f32,
  eps: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(rho);
  const vc = f32x4.splat(c);
  const veps = f32x4.splat(eps);
  const end = <usize>n << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const gi = v128.load(g + o);
    const v2 = f32x4.add(f32x4.mul(v128.load(v + o), vrho), f32x4.mul(f32x4.mul(gi, gi), vc));
    const step = f32x4.div(f32x4.mul(gi, vlr), f32x4.sqrt(f32x4.add(v2, veps)));
    v128.store(vo + o, v2);
    v128.store(po + o, f32x4.sub(v128.load(p + o), step));
  }
}

/**
 * One Adam step into new buffers: m' = m + (g − m)·c1, v' = v + (g² − v)·c2,
 * p' = p − (m'·lr)/(√v' + eps), with c1 = 1 − β₁ and c2 = 1 − β₂ given by the host. Every
 * operation rounds to f32 in the order of the optimizer's tensor formula, so both paths agree.
 */
export function adam(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  po: usize,
  mo: usize,
  vo: usize,
  n: i32,
  lr: f32,
  c1: f32,
  c2: f32,
  eps: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps);
  const end = <usize>n << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const gi = v128.load(g + o);
    const mi = v128.load(m + o);
    const vi = v128.load(v + o);
    const m2 = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), vc1));
    const v2 = f32x4.add(vi, f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), vi), vc2));
    const step = f32x4.div(f32x4.mul(m2, vlr), f32x4.add(f32x4.sqrt(v2), veps));
    v128.store(mo + o, m2);
    v128.store(vo + o, v2);
    v128.store(po + o, f32x4.sub(v128.load(p + o), step));
  }
}

// Comparison op codes (kept in sync with COMPARE_CODES in ../index.ts). NaN compares false
// except for notEqual, as in JS.
// @ts-ignore: decorator
@inline const C_EQ = 0;
// @ts-ignore: decorator
@inline const C_NE = 1;
// @ts-ignore: decorator
@inline const C_LT = 2;
// @ts-ignore: decorator
@inline const C_LE = 3;
// @ts-ignore: decorator
@inline const C_GT = 4;

// @ts-ignore: decorator
@inline function cmp(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case C_EQ:
      return f32x4.eq(a, b);
    case C_NE:
      return f32x4.ne(a, b);
    case C_LT:
      return f32x4.lt(a, b);
    case C_LE:
      return f32x4.le(a, b);
    case C_GT:
      return f32x4.gt(a, b);
    default:
      return f32x4.ge(a, b);
  }
}

/** Four all-ones/zero i32 lanes as four 0/1 bytes, stored at y. */
// @ts-ignore: decorator
@inline function storeMask(y: usize, m: v128): void {
  const w = i16x8.narrow_i32x4_u(i32x4.shr_u(m, 31), m);
  v128.store32_lane(y, i8x16.narrow_i16x8_u(w, w), 0);
}

// @ts-ignore: decorator
@inline function cmpRows(
  op: i32,
  mode: i32,
  a: usize,
  aRow: usize,
  b: usize,
  bRow: usize,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  for (let r = 0; r < rows; r++) {
    let pa = a;
    let pb = b;
    let py = y;
    const end = y + <usize>cols;
    if (mode == 3) {
      while (py < end) {
        storeMask(py, cmp(op, v128.load(pa), v128.load(pb)));
        pa += 16;
        pb += 16;
        py += 4;
      }
    } else if (mode == 2) {
      const vb = v128.load32_splat(pb);
      while (py < end) {
        storeMask(py, cmp(op, v128.load(pa), vb));
        pa += 16;
        py += 4;
      }
    } else if (mode == 1) {
      const va = v128.load32_splat(pa);
      while (py < end) {
        storeMask(py, cmp(op, va, v128.load(pb)));
        pb += 16;
        py += 4;
      }
    } else {
      const m = cmp(op, v128.load32_splat(pa), v128.load32_splat(pb));
      while (py < end) {
        storeMask(py, m);
        py += 4;
      }
    }
    a += aRow;
    b += bRow;
    y += <usize>cols;
  }
}

// @ts-ignore: decorator
@inline function cmpOp(
  op: i32,
  mode: i32,
  a: usize,
  aRow: usize,
  b: usize,
  bRow: usize,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  switch (mode) {
    case 3: cmpRows(op, 3, a, aRow, b, bRow, y, rows, cols); break;
    case 2: cmpRows(op, 2, a, aRow, b, bRow, y, rows, cols); break;
    case 1: cmpRows(op, 1, a, aRow, b, bRow, y, rows, cols); break;
    default: cmpRows(op, 0, a, aRow, b, bRow, y, rows, cols); break;
  }
}

/**
 * y[r, j] = a[…] ⊙ b[…] ? 1 : 0 as bytes, over the same row pattern as {@link binary} (y is
 * rows × cols bytes; overhang up to 3 bytes past the end).
 */
export function compare(
  op: i32,
  a: usize,
  aRow: i32,
  aEl: i32,
  b: usize,
  bRow: i32,
  bEl: i32,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  const mode = (aEl ? 2 : 0) | (bEl ? 1 : 0);
  const ar = <usize>aRow << 2;
  const br = <usize>bRow << 2;
  switch (op) {
    case C_EQ: cmpOp(C_EQ, mode, a, ar, b, br, y, rows, cols); break;
    case C_NE: cmpOp(C_NE, mode, a, ar, b, br, y, rows, cols); break;
    case C_LT: cmpOp(C_LT, mode, a, ar, b, br, y, rows, cols); break;
    case C_LE: cmpOp(C_LE, mode, a, ar, b, br, y, rows, cols); break;
    case C_GT: cmpOp(C_GT, mode, a, ar, b, br, y, rows, cols); break;
    default: cmpOp(5, mode, a, ar, b, br, y, rows, cols); break;
  }
}

/** Four condition bytes at p as all-ones/zero i32 lanes (nonzero is true). */
// @ts-ignore: decorator
@inline function loadMask(p: usize): v128 {
  const v = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
  return v128.not(i32x4.eq(v, i32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function selRows(
  mode: i32,
  c: usize,
  cRow: usize,
  a: usize,
  aRow: usize,
  b: usize,
  bRow: usize,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  // mode bit 2: the condition varies along the row; bit 1: a does; bit 0: b does.
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    let pc = c;
    let pa = a;
    let pb = b;
    let py = y;
    const end = y + rowBytes;
    const mc = load<u8>(c) ? i32x4.splat(-1) : i32x4.splat(0);
    const va = v128.load32_splat(a);
    const vb = v128.load32_splat(b);
    while (py < end) {
      const m = mode & 4 ? loadMask(pc) : mc;
      const x = mode & 2 ? v128.load(pa) : va;
      const z = mode & 1 ? v128.load(pb) : vb;
      v128.store(py, v128.bitselect(x, z, m));
      pc += 4;
      pa += 16;
      pb += 16;
      py += 16;
    }
    c += cRow;
    a += aRow;
    b += bRow;
    y += rowBytes;
  }
}

/**
 * y[r, j] = c[…] ? a[…] : b[…] for a byte condition and float operands, each read with the
 * row pattern of {@link binary} (cRow counts bytes, aRow and bRow floats).
 */
export function select(
  c: usize,
  cRow: i32,
  cEl: i32,
  a: usize,
  aRow: i32,
  aEl: i32,
  b: usize,
  bRow: i32,
  bEl: i32,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  const mode = (cEl ? 4 : 0) | (aEl ? 2 : 0) | (bEl ? 1 : 0);
  const cr = <usize>cRow;
  const ar = <usize>aRow << 2;
  const br = <usize>bRow << 2;
  switch (mode) {
    case 7: selRows(7, c, cr, a, ar, b, br, y, rows, cols); break;
    case 6: selRows(6, c, cr, a, ar, b, br, y, rows, cols); break;
    case 5: selRows(5, c, cr, a, ar, b, br, y, rows, cols); break;
    case 4: selRows(4, c, cr, a, ar, b, br, y, rows, cols); break;
    case 3: selRows(3, c, cr, a, ar, b, br, y, rows, cols); break;
    case 2: selRows(2, c, cr, a, ar, b, br, y, rows, cols); break;
    case 1: selRows(1, c, cr, a, ar, b, br, y, rows, cols); break;
    default: selRows(0, c, cr, a, ar, b, br, y, rows, cols); break;
  }
}
