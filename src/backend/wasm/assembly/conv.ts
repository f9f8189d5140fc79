// im2col / col2im for convolutions and pooling kernels, over NHWC float32 data.
// These mirror src/backend/js/conv.ts line for line; see there for the layout.

/** dst[0..len) += src[0..len) (floats). */
// @ts-ignore: decorator
@inline function addTo(dst: usize, src: usize, len: i32): void {
  const end = dst + (<usize>len << 2);
  const end4 = dst + (<usize>(len & ~3) << 2);
  while (dst < end4) {
    v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
    dst += 16;
    src += 16;
  }
  while (dst < end) {
    store<f32>(dst, load<f32>(dst) + load<f32>(src));
    dst += 4;
    src += 4;
  }
}

/**
 * Copies the windows of images [n0, n1), channels [c0, c0 + cc), into rows of `kh·kw·cc`
 * floats at dst in (tap row, tap column, channel) order; padding reads as 0.
 */
export function im2col(
  x: usize,
  n0: i32,
  n1: i32,
  c0: i32,
  cc: i32,
  dst: usize,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  const rowBytes = <usize>(kw * cc) << 2;
  const ccBytes = <usize>cc << 2;
  // A whole tap row is one contiguous run of x when taps are adjacent and all channels are used.
  const contiguous = dw == 1 && cc == c;
  let r = dst;
  for (let b = n0; b < n1; b++) {
    const xb = x + (<usize>(b * h * w * c + c0) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const inside = x0 >= 0 && x0 + (kw - 1) * dw < w;
        for (let i = 0; i < kh; i++) {
          const y = y0 + i * dh;
          if (y < 0 || y >= h) {
            memory.fill(r, 0, rowBytes);
            r += rowBytes;
            continue;
          }
          const xrow = xb + (<usize>(y * w * c) << 2);
          if (contiguous && inside) {
            memory.copy(r, xrow + (<usize>(x0 * c) << 2), rowBytes);
            r += rowBytes;
            continue;
          }
          for (let j = 0; j < kw; j++) {
            const xx = x0 + j * dw;
            if (xx < 0 || xx >= w) memory.fill(r, 0, ccBytes);
            else memory.copy(r, xrow + (<usize>(xx * c) << 2), ccBytes);
            r += ccBytes;
          }
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: adds the rows at src back into dx (padding is dropped). */
export function col2im(
  src: usize,
  n0: i32,
  n1: i32,
  c0: i32,
  cc: i32,
  dx: usize,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  const rowLen = kw * cc;
  const rowBytes = <usize>rowLen << 2;
  const ccBytes = <usize>cc << 2;
  const contiguous = dw == 1 && cc == c;
  let r = src;
  for (let b = n0; b < n1; b++) {
    const xb = dx + (<usize>(b * h * w * c + c0) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const inside = x0 >= 0 && x0 + (kw - 1) * dw < w;
        for (let i = 0; i < kh; i++) {
          const y = y0 + i * dh;
          if (y < 0 || y >= h) {
            r += rowBytes;
            continue;
          }
          const xrow = xb + (<usize>(y * w * c) << 2);
          if (contiguous && inside) {
            addTo(xrow + (<usize>(x0 * c) << 2), r, rowLen);
            r += rowBytes;
            continue;
          }
          for (let j = 0; j < kw; j++) {
            const xx = x0 + j * dw;
            if (xx >= 0 && xx < w) addTo(xrow + (<usize>(xx * c) << 2), r, cc);
            r += ccBytes;
          }
        }
      }
    }
  }
}

// ------------------------------------------------------------------ pooling
// Channels are the innermost axis, so each window position is a run of c floats: four
// channels per vector, then a scalar tail.

// "v wins over cur" exactly as the js kernels: greater, or a NaN over a number (ties keep the
// first position, so −0 then +0 keeps −0).
// @ts-ignore: decorator
@inline function wins(v: v128, cur: v128): v128 {
  return v128.or(f32x4.gt(v, cur), v128.andnot(f32x4.ne(v, v), f32x4.ne(cur, cur)));
}

// @ts-ignore: decorator
@inline function winsS(v: f32, cur: f32): bool {
  return v > cur || (v != v && cur == cur);
}

/** Max over each window's valid positions: x [n, h, w, c] → y [n, oh, ow, c]. */
export function maxPool(
  x: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  const c4 = c & ~3;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = max(y0, 0);
      const yhi = min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = max(x0, 0);
        const xhi = min(x0 + kw, w);
        const o = y + (<usize>(((b * oh + oy) * ow + ox) * c) << 2);
        let ch = 0;
        for (; ch < c4; ch += 4) {
          let m = f32x4.splat(-Infinity);
          for (let yy = ylo; yy < yhi; yy++) {
            let s = x + (<usize>(((b * h + yy) * w + xlo) * c + ch) << 2);
            for (let xx = xlo; xx < xhi; xx++) {
              const v = v128.load(s);
              m = v128.bitselect(v, m, wins(v, m));
              s += <usize>c << 2;
            }
          }
          v128.store(o + (<usize>ch << 2), m);
        }
        for (; ch < c; ch++) {
          let m: f32 = -Infinity;
          for (let yy = ylo; yy < yhi; yy++) {
            for (let xx = xlo; xx < xhi; xx++) {
              const v = load<f32>(x + (<usize>(((b * h + yy) * w + xx) * c + ch) << 2));
              if (winsS(v, m)) m = v;
            }
          }
          store<f32>(o + (<usize>ch << 2), m);
        }
      }
    }
  }
}

/**
 * Gradient of {@link maxPool}: dy [n, oh, ow, c] goes to the first position of each window's
 * max in x; dx [n, h, w, c] must be zeroed by the caller.
 */
export function maxPoolBackward(
  dy: usize,
  x: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  const c4 = c & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = max(y0, 0);
      const yhi = min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = max(x0, 0);
        const xhi = min(x0 + kw, w);
        if (ylo >= yhi || xlo >= xhi) continue;
        const o = ((b * oh + oy) * ow + ox) * c;
        const first = ((b * h + ylo) * w + xlo) * c;
        let ch = 0;
        for (; ch < c4; ch += 4) {
          // Element indices of the running argmax, per lane.
          let arg = i32x4.add(i32x4.splat(first + ch), lanes);
          let best = v128.load(x + (<usize>(first + ch) << 2));
          for (let yy = ylo; yy < yhi; yy++) {
            for (let xx = yy == ylo ? xlo + 1 : xlo; xx < xhi; xx++) {
              const e = ((b * h + yy) * w + xx) * c + ch;
              const v = v128.load(x + (<usize>e << 2));
              const k = wins(v, best);
              best = v128.bitselect(v, best, k);
              arg = v128.bitselect(i32x4.add(i32x4.splat(e), lanes), arg, k);
            }
          }
          const g = dy + (<usize>(o + ch) << 2);
          let p = dx + (<usize>i32x4.extract_lane(arg, 0) << 2);
          store<f32>(p, load<f32>(p) + load<f32>(g));
          p = dx + (<usize>i32x4.extract_lane(arg, 1) << 2);
          store<f32>(p, load<f32>(p) + load<f32>(g, 4));
          p = dx + (<usize>i32x4.extract_lane(arg, 2) << 2);
          store<f32>(p, load<f32>(p) + load<f32>(g, 8));
          p = dx + (<usize>i32x4.extract_lane(arg, 3) << 2);
          store<f32>(p, load<f32>(p) + load<f32>(g, 12));
        }
        for (; ch < c; ch++) {
          let arg = first + ch;
          let best = load<f32>(x + (<usize>arg << 2));
          for (let yy = ylo; yy < yhi; yy++) {
            for (let xx = yy == ylo ? xlo + 1 : xlo; xx < xhi; xx++) {
              const e = ((b * h + yy) * w + xx) * c + ch;
              const v = load<f32>(x + (<usize>e << 2));
              if (winsS(v, best)) {
                best = v;
                arg = e;
              }
            }
          }
          const p = dx + (<usize>arg << 2);
          store<f32>(p, load<f32>(p) + load<f32>(dy + (<usize>(o + ch) << 2)));
        }
      }
    }
  }
}

/** Mean over each window's valid positions: x [n, h, w, c] → y [n, oh, ow, c]. */
export function avgPool(
  x: usize,
  y: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  const c4 = c & ~3;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = max(y0, 0);
      const yhi = min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = max(x0, 0);
        const xhi = min(x0 + kw, w);
        const count = <f32>(max(yhi - ylo, 0) * max(xhi - xlo, 0));
        const o = y + (<usize>(((b * oh + oy) * ow + ox) * c) << 2);
        let ch = 0;
        for (; ch < c4; ch += 4) {
          let s = f32x4.splat(0);
          for (let yy = ylo; yy < yhi; yy++) {
            let p = x + (<usize>(((b * h + yy) * w + xlo) * c + ch) << 2);
            for (let xx = xlo; xx < xhi; xx++) {
              s = f32x4.add(s, v128.load(p));
              p += <usize>c << 2;
            }
          }
          v128.store(o + (<usize>ch << 2), f32x4.div(s, f32x4.splat(count)));
        }
        for (; ch < c; ch++) {
          let s: f32 = 0;
          for (let yy = ylo; yy < yhi; yy++) {
            for (let xx = xlo; xx < xhi; xx++) {
              s += load<f32>(x + (<usize>(((b * h + yy) * w + xx) * c + ch) << 2));
            }
          }
          store<f32>(o + (<usize>ch << 2), s / count);
        }
      }
    }
  }
}

/** Gradient of {@link avgPool}: dy / count spread over each window; dx must be zeroed. */
export function avgPoolBackward(
  dy: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  const c4 = c & ~3;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt;
      const ylo = max(y0, 0);
      const yhi = min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const xlo = max(x0, 0);
        const xhi = min(x0 + kw, w);
        const cnt = max(yhi - ylo, 0) * max(xhi - xlo, 0);
        if (cnt == 0) continue;
        const count = <f32>cnt;
        const o = dy + (<usize>(((b * oh + oy) * ow + ox) * c) << 2);
        let ch = 0;
        for (; ch < c4; ch += 4) {
          const g = f32x4.div(v128.load(o + (<usize>ch << 2)), f32x4.splat(count));
          for (let yy = ylo; yy < yhi; yy++) {
            let p = dx + (<usize>(((b * h + yy) * w + xlo) * c + ch) << 2);
            for (let xx = xlo; xx < xhi; xx++) {
              v128.store(p, f32x4.add(v128.load(p), g));
              p += <usize>c << 2;
            }
          }
        }
        for (; ch < c; ch++) {
          const g = load<f32>(o + (<usize>ch << 2)) / count;
          for (let yy = ylo; yy < yhi; yy++) {
            for (let xx = xlo; xx < xhi; xx++) {
              const p = dx + (<usize>(((b * h + yy) * w + xx) * c + ch) << 2);
              store<f32>(p, load<f32>(p) + g);
            }
          }
        }
      }
    }
  }
}
