// Fused scaled dot-product attention (the native backend's attention.cc, in wasm SIMD): one
// (batch, head) at a time, its keys packed transposed and its values packed contiguous in the
// scratch block `work`, each query row's logits, mask, softmax and weighted values in one pass.
// Layout: q [B, T, N, H], k [B, S, N, H], v [B, S, N, Hv], out [B, T, N, Hv], probs [B, N, T, S];
// mask (0 = none) bool bytes [maskB, maskN, T, S].
import { vexp } from './vmath';

/** Floats of scratch that {@link attention} and {@link attentionGrad} need. */
export function attentionWorkFloats(S: i32, H: i32, Hv: i32): i32 {
  const sp = (S + 3) & ~3;
  const c = H > Hv ? H : Hv;
  // Forward: keys [H, sp], values [S, Hv], a row [sp]; backward: values [Hv, sp], keys, dk and
  // dv [S, ·], a row [sp].
  return c * sp + 3 * S * c + sp + 16;
}

// y[s] = Σ_h x[h]·Mt[h·ld + s] for s in [0, n), n a multiple of 4.
// @ts-ignore: decorator
@inline function rowTimesPacked(x: usize, mt: usize, h: i32, ld: i32, n: i32, y: usize): void {
  const ldb = <usize>ld << 2;
  let s = 0;
  for (; s + 16 <= n; s += 16) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let m = mt + (<usize>s << 2);
    for (let j = 0; j < h; j++) {
      const xv = f32x4.splat(load<f32>(x + (<usize>j << 2)));
      a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(m)));
      a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(m + 16)));
      a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(m + 32)));
      a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(m + 48)));
      m += ldb;
    }
    const o = y + (<usize>s << 2);
    v128.store(o, a0);
    v128.store(o + 16, a1);
    v128.store(o + 32, a2);
    v128.store(o + 48, a3);
  }
  for (; s < n; s += 4) {
    let a = f32x4.splat(0);
    let m = mt + (<usize>s << 2);
    for (let j = 0; j < h; j++) {
      a = f32x4.add(a, f32x4.mul(f32x4.splat(load<f32>(x + (<usize>j << 2))), v128.load(m)));
      m += ldb;
    }
    v128.store(y + (<usize>s << 2), a);
  }
}

// y[0, cols) = Σ_{i<n} w[i]·M[i·cols + ·] (M row-major [n, cols]).
// @ts-ignore: decorator
@inline function weightedRows(w: usize, n: i32, m: usize, cols: i32, y: usize): void {
  const rb = <usize>cols << 2;
  let c = 0;
  for (; c + 8 <= cols; c += 8) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let p = m + (<usize>c << 2);
    for (let i = 0; i < n; i++) {
      const wv = f32x4.splat(load<f32>(w + (<usize>i << 2)));
      a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(p)));
      a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(p + 16)));
      p += rb;
    }
    v128.store(y + (<usize>c << 2), a0);
    v128.store(y + (<usize>c << 2) + 16, a1);
  }
  for (; c < cols; c++) {
    let a: f32 = 0;
    for (let i = 0; i < n; i++)
      a += load<f32>(w + (<usize>i << 2)) * load<f32>(m + <usize>i * rb + (<usize>c << 2));
    store<f32>(y + (<usize>c << 2), a);
  }
}

// M[i·cols + ·] += w[i]·x[·] for i in [0, n).
// @ts-ignore: decorator
@inline function addOuter(w: usize, n: i32, x: usize, cols: i32, m: usize): void {
  const rb = <usize>cols << 2;
  const c4 = cols & ~3;
  for (let i = 0; i < n; i++) {
    const wi = load<f32>(w + (<usize>i << 2));
    const wv = f32x4.splat(wi);
    const row = m + <usize>i * rb;
    let c = 0;
    for (; c < c4; c += 4) {
      const o = row + (<usize>c << 2);
      v128.store(o, f32x4.add(v128.load(o), f32x4.mul(wv, v128.load(x + (<usize>c << 2)))));
    }
    for (; c < cols; c++) {
      const o = row + (<usize>c << 2);
      store<f32>(o, load<f32>(o) + wi * load<f32>(x + (<usize>c << 2)));
    }
  }
}

// Packs the S rows of a strided [B, S, N, C] tensor for (b, n): transposed into [C, ld]
// (zero-padded) when `tr`, else contiguous [S, C].
function pack(x: usize, b: i32, n: i32, S: i32, N: i32, C: i32, tr: bool, ld: i32, out: usize): void {
  for (let s = 0; s < S; s++) {
    const row = x + (((<usize>b * S + s) * N + n) * C << 2);
    for (let c = 0; c < C; c++) {
      const at = tr ? <usize>c * ld + s : <usize>s * C + c;
      store<f32>(out + (at << 2), load<f32>(row + (<usize>c << 2)));
    }
  }
  if (tr)
    for (let c = 0; c < C; c++)
      for (let s = S; s < ld; s++) store<f32>(out + ((<usize>c * ld + s) << 2), 0);
}

// @ts-ignore: decorator
@inline function maskRow(mask: usize, b: i32, n: i32, t: i32, T: i32, S: i32, mB: i32, mN: i32): usize {
  if (mask == 0) return 0;
  const mb = mB == 1 ? 0 : b;
  const mn = mN == 1 ? 0 : n;
  return mask + ((<usize>mb * mN + mn) * T + t) * S;
}

// @ts-ignore: decorator
@inline function biasRow(bias: usize, b: i32, n: i32, t: i32, T: i32, S: i32, bB: i32, bN: i32): usize {
  if (bias == 0) return 0;
  const bb = bB == 1 ? 0 : b;
  const bn = bN == 1 ? 0 : n;
  return bias + (((<usize>bb * bN + bn) * T + t) * S << 2);
}

// @ts-ignore: decorator
@inline function isMasked(mrow: usize, causal: i32, t: i32, s: i32): bool {
  return (causal != 0 && s > t) || (mrow != 0 && load<u8>(mrow + s) == 0);
}

/** Forward: out and probs written whole. */
export function attention(
  q: usize, k: usize, v: usize, mask: usize, bias: usize, out: usize, probs: usize,
  B: i32, N: i32, T: i32, S: i32, H: i32, Hv: i32,
  scale: f32, maskedValue: f32, causal: i32, mB: i32, mN: i32, bB: i32, bN: i32, work: usize,
): void {
  const sp = (S + 3) & ~3;
  const kt = work;
  const vp = kt + (<usize>H * sp << 2);
  const l = vp + (<usize>S * Hv << 2);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      pack(k, b, n, S, N, H, true, sp, kt);
      pack(v, b, n, S, N, Hv, false, 0, vp);
      for (let t = 0; t < T; t++) {
        const qrow = q + (((<usize>b * T + t) * N + n) * H << 2);
        const prow = probs + (((<usize>b * N + n) * T + t) * S << 2);
        // With a causal band and no mask, keys after t carry no weight (row t keeps s = 0).
        const end = causal != 0 && mask == 0 ? min(t + 1, S) : S;
        const endP = (end + 3) & ~3;
        rowTimesPacked(qrow, kt, H, sp, endP, l);
        const mrow = maskRow(mask, b, n, t, T, S, mB, mN);
        const brow = biasRow(bias, b, n, t, T, S, bB, bN);
        let mx: f32 = -Infinity;
        let nan = false;
        for (let s = 0; s < end; s++) {
          let x = load<f32>(l + (<usize>s << 2)) * scale;
          if (brow != 0) x += load<f32>(brow + (<usize>s << 2));
          if (isMasked(mrow, causal, t, s)) x = maskedValue;
          store<f32>(l + (<usize>s << 2), x);
          if (x != x) nan = true;
          else if (x > mx) mx = x;
        }
        if (nan) mx = NaN;
        for (let s = end; s < endP; s++) store<f32>(l + (<usize>s << 2), -Infinity);
        let sum = f32x4.splat(0);
        const vmx = f32x4.splat(mx);
        for (let s = 0; s < endP; s += 4) {
          const o = l + (<usize>s << 2);
          const e = vexp(f32x4.sub(v128.load(o), vmx));
          v128.store(o, e);
          sum = f32x4.add(sum, e);
        }
        const tot =
          f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) +
          f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
        const inv: f32 = 1 / tot;
        for (let s = 0; s < end; s++)
          store<f32>(prow + (<usize>s << 2), load<f32>(l + (<usize>s << 2)) * inv);
        for (let s = end; s < S; s++) store<f32>(prow + (<usize>s << 2), 0);
        weightedRows(prow, end, vp, Hv, out + (((<usize>b * T + t) * N + n) * Hv << 2));
      }
    }
  }
}

/** Backward: dq, dk, dv written whole from probs and dOut. */
export function attentionGrad(
  q: usize, k: usize, v: usize, probs: usize, mask: usize, dOut: usize,
  dq: usize, dk: usize, dv: usize, dLogits: usize,
  B: i32, N: i32, T: i32, S: i32, H: i32, Hv: i32,
  scale: f32, causal: i32, mB: i32, mN: i32, work: usize,
): void {
  const sp = (S + 3) & ~3;
  const vt = work;
  const kp = vt + (<usize>Hv * sp << 2);
  const dkAcc = kp + (<usize>S * H << 2);
  const dvAcc = dkAcc + (<usize>S * H << 2);
  const g = dvAcc + (<usize>S * Hv << 2);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      pack(v, b, n, S, N, Hv, true, sp, vt);
      pack(k, b, n, S, N, H, false, 0, kp);
      memory.fill(dkAcc, 0, <usize>S * H << 2);
      memory.fill(dvAcc, 0, <usize>S * Hv << 2);
      for (let t = 0; t < T; t++) {
        const qrow = q + (((<usize>b * T + t) * N + n) * H << 2);
        const prow = probs + (((<usize>b * N + n) * T + t) * S << 2);
        const drow = dOut + (((<usize>b * T + t) * N + n) * Hv << 2);
        const end = causal != 0 && mask == 0 ? min(t + 1, S) : S;
        rowTimesPacked(drow, vt, Hv, sp, (end + 3) & ~3, g);
        let dot: f32 = 0;
        for (let s = 0; s < end; s++)
          dot += load<f32>(prow + (<usize>s << 2)) * load<f32>(g + (<usize>s << 2));
        const mrow = maskRow(mask, b, n, t, T, S, mB, mN);
        const lrow: usize = dLogits == 0 ? 0 : dLogits + (((<usize>b * N + n) * T + t) * S << 2);
        for (let s = 0; s < end; s++) {
          const o = <usize>s << 2;
          let d = load<f32>(prow + o) * (load<f32>(g + o) - dot);
          // A replaced logit passes no gradient back (it matters in a row masked whole).
          if (isMasked(mrow, causal, t, s)) d = 0;
          if (lrow != 0) store<f32>(lrow + o, d);
          store<f32>(g + o, d * scale);
        }
        if (lrow != 0) for (let s = end; s < S; s++) store<f32>(lrow + (<usize>s << 2), 0);
        weightedRows(g, end, kp, H, dq + (((<usize>b * T + t) * N + n) * H << 2));
        addOuter(g, end, qrow, H, dkAcc);
        addOuter(prow, end, drow, Hv, dvAcc);
      }
      for (let s = 0; s < S; s++) {
        memory.copy(dk + (((<usize>b * S + s) * N + n) * H << 2), dkAcc + (<usize>s * H << 2), <usize>H << 2);
        memory.copy(dv + (((<usize>b * S + s) * N + n) * Hv << 2), dvAcc + (<usize>s * Hv << 2), <usize>Hv << 2);
      }
    }
  }
}
