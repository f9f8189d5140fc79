// Fused scaled dot-product attention (see attention.h). One work item per (batch, head): its
// keys and values are packed once into contiguous, 8-lane-friendly blocks that stay in L1 while
// every query row streams past them, so the [T, S] logits never make a round trip through
// memory between separate GEMM, mask and softmax passes, and no transposes are materialised.
#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "pool.h"
#include "seq_common.h"
#include "vmath.h"

namespace tessera {
namespace {

using seq::ld8;
using seq::st8;

inline long roundUp8(long n) { return (n + 7) & ~7L; }

// y[s] = Σ_h x[h]·Mt[h·ld + s] for s in [0, n) (n a multiple of 8; Mt is [H, ld], ld ≥ n).
// Blocks of 64 keys keep eight independent FMA chains in flight (H is short: 16 to 64).
void rowTimesPacked(const float* x, const float* Mt, long H, long ld, long n, float* y) {
  long s = 0;
  for (; s + 64 <= n; s += 64) {
    v8f a[8] = {};
    for (long h = 0; h < H; h++) {
      const v8f xv = vsplat(x[h]);
      const float* m = Mt + h * ld + s;
      for (int j = 0; j < 8; j++) a[j] += xv * ld8(m + 8 * j);
    }
    for (int j = 0; j < 8; j++) st8(y + s + 8 * j, a[j]);
  }
  for (; s + 32 <= n; s += 32) {
    v8f a0{}, a1{}, a2{}, a3{};
    for (long h = 0; h < H; h++) {
      const v8f xv = vsplat(x[h]);
      const float* m = Mt + h * ld + s;
      a0 += xv * ld8(m);
      a1 += xv * ld8(m + 8);
      a2 += xv * ld8(m + 16);
      a3 += xv * ld8(m + 24);
    }
    st8(y + s, a0);
    st8(y + s + 8, a1);
    st8(y + s + 16, a2);
    st8(y + s + 24, a3);
  }
  for (; s < n; s += 8) {
    v8f a{};
    for (long h = 0; h < H; h++) a += vsplat(x[h]) * ld8(Mt + h * ld + s);
    st8(y + s, a);
  }
}

// y[0, cols) = Σ_{i<n} w[i]·M[i·cols + ·] (M row-major [n, cols]). For narrow rows (≤ 16
// columns: attention heads) the sum over i is split four ways, so that the FMA chains overlap
// instead of each waiting on the previous one's latency.
void weightedRows(const float* w, long n, const float* M, long cols, float* y) {
  long c = 0;
  if (cols == 16 || cols == 8) {
    const int nv = static_cast<int>(cols / 8);
    v8f a[4][2] = {};
    long i = 0;
    for (; i + 4 <= n; i += 4)
      for (int p = 0; p < 4; p++) {
        const v8f wv = vsplat(w[i + p]);
        const float* m = M + (i + p) * cols;
        for (int q = 0; q < nv; q++) a[p][q] += wv * ld8(m + 8 * q);
      }
    for (; i < n; i++)
      for (int q = 0; q < nv; q++) a[0][q] += vsplat(w[i]) * ld8(M + i * cols + 8 * q);
    for (int q = 0; q < nv; q++) st8(y + 8 * q, (a[0][q] + a[1][q]) + (a[2][q] + a[3][q]));
    return;
  }
  for (; c + 32 <= cols; c += 32) {
    v8f a0{}, a1{}, a2{}, a3{};
    for (long i = 0; i < n; i++) {
      const v8f wv = vsplat(w[i]);
      const float* m = M + i * cols + c;
      a0 += wv * ld8(m);
      a1 += wv * ld8(m + 8);
      a2 += wv * ld8(m + 16);
      a3 += wv * ld8(m + 24);
    }
    st8(y + c, a0);
    st8(y + c + 8, a1);
    st8(y + c + 16, a2);
    st8(y + c + 24, a3);
  }
  for (; c + 8 <= cols; c += 8) {
    v8f a0{}, a1{};
    long i = 0;
    for (; i + 2 <= n; i += 2) {
      a0 += vsplat(w[i]) * ld8(M + i * cols + c);
      a1 += vsplat(w[i + 1]) * ld8(M + (i + 1) * cols + c);
    }
    if (i < n) a0 += vsplat(w[i]) * ld8(M + i * cols + c);
    st8(y + c, a0 + a1);
  }
  for (; c < cols; c++) {
    float a = 0;
    for (long i = 0; i < n; i++) a += w[i] * M[i * cols + c];
    y[c] = a;
  }
}

// M[i·cols + ·] += w0[i]·x0[·] + w1[i]·x1[·] for i in [0, n): two query rows' rank-one updates
// in one pass over M (w1/x1 null for one row), halving its loads and stores.
void addOuter2(const float* w0, const float* x0, const float* w1, const float* x1, long n,
               long cols, float* M) {
  long c = 0;
  for (; c + 8 <= cols; c += 8) {
    const v8f a = ld8(x0 + c);
    const v8f b = w1 ? ld8(x1 + c) : v8f{};
    for (long i = 0; i < n; i++) {
      float* m = M + i * cols + c;
      v8f r = ld8(m) + vsplat(w0[i]) * a;
      if (w1) r += vsplat(w1[i]) * b;
      st8(m, r);
    }
  }
  for (; c < cols; c++)
    for (long i = 0; i < n; i++) M[i * cols + c] += w0[i] * x0[c] + (w1 ? w1[i] * x1[c] : 0.f);
}

// The mask row of (b, n, t), or null without a mask.
inline const uint8_t* maskRow(const AttnDims& d, long b, long n, long t) {
  if (!d.mask) return nullptr;
  const long mb = d.maskB == 1 ? 0 : b, mn = d.maskN == 1 ? 0 : n;
  return d.mask + ((mb * d.maskN + mn) * d.T + t) * d.S;
}

// Key positions that can carry weight in row t: with a causal band and no other mask, none
// after t (row t always keeps s = 0, so its masked logits' probabilities are exactly 0).
inline long liveEnd(const AttnDims& d, long t) {
  return d.causal && !d.mask ? std::min(t + 1, d.S) : d.S;
}

// The bias row of (b, n, t), or null without a bias.
inline const float* biasRow(const AttnDims& d, long b, long n, long t) {
  if (!d.bias) return nullptr;
  const long bb = d.biasB == 1 ? 0 : b, bn = d.biasN == 1 ? 0 : n;
  return d.bias + ((bb * d.biasN + bn) * d.T + t) * d.S;
}

inline bool masked(const AttnDims& d, const uint8_t* mrow, long t, long s) {
  return (d.causal && s > t) || (mrow && !mrow[s]);
}

// Packs rows [S] of a strided [B, S, N, C] tensor for (b, n): transposed into Mt [C, ld]
// (zero-padded columns) when `transposed`, else contiguous [S, C].
void pack(const float* x, long b, long n, long S, long N, long C, bool transposed, long ld,
          float* out) {
  for (long s = 0; s < S; s++) {
    const float* row = x + ((b * S + s) * N + n) * C;
    if (transposed) {
      for (long c = 0; c < C; c++) out[c * ld + s] = row[c];
    } else {
      std::copy(row, row + C, out + s * C);
    }
  }
  if (transposed)
    for (long c = 0; c < C; c++) std::fill(out + c * ld + S, out + c * ld + ld, 0.f);
}

}  // namespace

void attentionF32(const AttnDims& d, const float* q, const float* k, const float* v, float* out,
                  float* probs) {
  const long B = d.B, N = d.N, T = d.T, S = d.S, H = d.H, Hv = d.Hv, Sp = roundUp8(S);
  parallelFor(static_cast<int>(B * N), [&](int item) {
    const long b = item / N, n = item % N;
    thread_local std::vector<float> kt, vp, lrow;
    kt.resize(H * Sp);
    vp.resize(S * Hv);
    lrow.resize(Sp);
    pack(k, b, n, S, N, H, true, Sp, kt.data());
    pack(v, b, n, S, N, Hv, false, 0, vp.data());
    float* l = lrow.data();
    for (long t = 0; t < T; t++) {
      const float* qrow = q + ((b * T + t) * N + n) * H;
      float* prow = probs + ((b * N + n) * T + t) * S;
      const long end = liveEnd(d, t), endP = roundUp8(end);
      rowTimesPacked(qrow, kt.data(), H, Sp, endP, l);
      const uint8_t* mrow = maskRow(d, b, n, t);
      const float* brow = biasRow(d, b, n, t);
      const float ninf = -std::numeric_limits<float>::infinity();
      // Scale (and mask) in 8-lane blocks; lanes past `end` become −∞ (exp gives 0). Keys
      // before `end` need no per-key test without a mask: the causal band is `end` itself.
      const v8f vscale = vsplat(d.scale);
      v8f vmx = vsplat(ninf);
      for (long s = 0; s < endP; s += 8) {
        v8f x = ld8(l + s) * vscale;
        if (mrow || s + 8 > end) {
          for (int j = 0; j < 8; j++) {
            const long sj = s + j;
            if (sj >= end) x[j] = ninf;
            else if (mrow && masked(d, mrow, t, sj)) x[j] = d.maskedValue;
            else if (brow) x[j] += brow[sj];
          }
        } else if (brow) {
          x += ld8(brow + s);
        }
        st8(l + s, x);
        // A NaN logit is never the max, but its exp is NaN and so is its row's sum: the row
        // comes out NaN, as the composite's softmax.
        vmx = x > vmx ? x : vmx;
      }
      float mx = vmx[0];
      for (int j = 1; j < 8; j++) mx = std::max(mx, vmx[j]);
      v8f sum{};
      const v8f vm = vsplat(mx);
      for (long s = 0; s < endP; s += 8) {
        const v8f e = vexp(ld8(l + s) - vm);
        st8(l + s, e);
        sum += e;
      }
      float tot = 0;
      for (int j = 0; j < 8; j++) tot += sum[j];
      const v8f inv = vsplat(1.f / tot);
      long s = 0;
      for (; s + 8 <= end; s += 8) st8(prow + s, ld8(l + s) * inv);
      for (; s < end; s++) prow[s] = l[s] * inv[0];
      std::fill(prow + end, prow + S, 0.f);
      weightedRows(prow, end, vp.data(), Hv, out + ((b * T + t) * N + n) * Hv);
    }
  });
}

void attentionGradF32(const AttnDims& d, const float* q, const float* k, const float* v,
                      const float* probs, const float* dOut, float* dq, float* dk, float* dv,
                      float* dLogits) {
  const long B = d.B, N = d.N, T = d.T, S = d.S, H = d.H, Hv = d.Hv, Sp = roundUp8(S);
  parallelFor(static_cast<int>(B * N), [&](int item) {
    const long b = item / N, n = item % N;
    thread_local std::vector<float> vt, kp, dkAcc, dvAcc, dp;
    vt.resize(Hv * Sp);
    kp.resize(S * H);
    dkAcc.assign(S * H, 0.f);
    dvAcc.assign(S * Hv, 0.f);
    pack(v, b, n, S, N, Hv, true, Sp, vt.data());
    pack(k, b, n, S, N, H, false, 0, kp.data());
    dp.resize(2 * Sp);
    float* gs[2] = {dp.data(), dp.data() + Sp};
    // Query rows go in pairs, so that dk and dv take both rows' updates in one pass.
    for (long t0 = 0; t0 < T; t0 += 2) {
      const int rows = t0 + 1 < T ? 2 : 1;
      const long endMax = liveEnd(d, t0 + rows - 1);
      const float* prows[2] = {nullptr, nullptr};
      const float* qrows[2] = {nullptr, nullptr};
      const float* drows[2] = {nullptr, nullptr};
      for (int r = 0; r < rows; r++) {
        const long t = t0 + r;
        float* g = gs[r];
        qrows[r] = q + ((b * T + t) * N + n) * H;
        prows[r] = probs + ((b * N + n) * T + t) * S;
        drows[r] = dOut + ((b * T + t) * N + n) * Hv;
        const float* prow = prows[r];
        const long end = liveEnd(d, t);
        // dP = dO·Vᵀ, then the softmax's backward dL = P ⊙ (dP − Σ P ⊙ dP), times the scale.
        rowTimesPacked(drows[r], vt.data(), Hv, Sp, roundUp8(end), g);
        float dot = 0;
        for (long s = 0; s < end; s++) dot += prow[s] * g[s];
        const uint8_t* mrow = maskRow(d, b, n, t);
        for (long s = 0; s < end; s++) g[s] = prow[s] * (g[s] - dot);
        // A replaced logit passes no gradient back (it matters in a row masked whole).
        if (mrow || d.causal)
          for (long s = 0; s < end; s++)
            if (masked(d, mrow, t, s)) g[s] = 0.f;
        if (dLogits) {
          float* lrow = dLogits + ((b * N + n) * T + t) * S;
          std::copy(g, g + end, lrow);
          std::fill(lrow + end, lrow + S, 0.f);
        }
        for (long s = 0; s < end; s++) g[s] *= d.scale;
        // The pair shares one update length: this row's keys past its own end add nothing.
        std::fill(g + end, g + endMax, 0.f);
        weightedRows(g, end, kp.data(), H, dq + ((b * T + t) * N + n) * H);
      }
      const bool two = rows == 2;
      addOuter2(gs[0], qrows[0], two ? gs[1] : nullptr, qrows[1], endMax, H, dkAcc.data());
      addOuter2(prows[0], drows[0], two ? prows[1] : nullptr, drows[1], endMax, Hv, dvAcc.data());
    }
    for (long s = 0; s < S; s++) {
      std::copy(dkAcc.data() + s * H, dkAcc.data() + (s + 1) * H, dk + ((b * S + s) * N + n) * H);
      std::copy(dvAcc.data() + s * Hv, dvAcc.data() + (s + 1) * Hv,
                dv + ((b * S + s) * N + n) * Hv);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Node-API bindings.

namespace {

// The dims starting at argument i: B, N, T, S, H, Hv, scale, maskedValue, causal, maskB, maskN,
// biasB, biasN; the mask (a Uint8Array or null) at argument m, the bias (a Float32Array or null)
// at argument bi (none when bi is 0).
AttnDims dimsArg(const Napi::CallbackInfo& info, size_t i, size_t m, size_t bi, const char* fn) {
  AttnDims d;
  d.B = seq::num(info, i);
  d.N = seq::num(info, i + 1);
  d.T = seq::num(info, i + 2);
  d.S = seq::num(info, i + 3);
  d.H = seq::num(info, i + 4);
  d.Hv = seq::num(info, i + 5);
  d.scale = static_cast<float>(info[i + 6].As<Napi::Number>().DoubleValue());
  d.maskedValue = static_cast<float>(info[i + 7].As<Napi::Number>().DoubleValue());
  d.causal = info[i + 8].ToBoolean().Value();
  d.maskB = seq::num(info, i + 9);
  d.maskN = seq::num(info, i + 10);
  d.biasB = seq::num(info, i + 11);
  d.biasN = seq::num(info, i + 12);
  const double lim = 2147483647.0;
  const double bn = static_cast<double>(d.B) * d.N;
  if (d.B < 1 || d.N < 1 || d.T < 1 || d.S < 1 || d.H < 1 || d.Hv < 1 || bn * d.T * d.S > lim ||
      bn * d.T * std::max(d.H, d.Hv) > lim || bn * d.S * std::max(d.H, d.Hv) > lim)
    seq::fail(info.Env(), fn, "sizes out of range");
  if ((d.maskB != 1 && d.maskB != d.B) || (d.maskN != 1 && d.maskN != d.N) ||
      (d.biasB != 1 && d.biasB != d.B) || (d.biasN != 1 && d.biasN != d.N))
    seq::fail(info.Env(), fn, "the mask's and bias's batch and head extents must be 1 or B and N");
  d.bias = bi ? seq::arr(info, bi, d.biasB * d.biasN * d.T * d.S, fn, true) : nullptr;
  d.mask = nullptr;
  const Napi::Value mv = info[m];
  if (!mv.IsNull() && !mv.IsUndefined()) {
    if (!mv.IsTypedArray() || mv.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      seq::fail(info.Env(), fn, "the mask must be a Uint8Array or null");
    auto a = mv.As<Napi::Uint8Array>();
    const long need = d.maskB * d.maskN * d.T * d.S;
    if (static_cast<long>(a.ElementLength()) < need)
      seq::fail(info.Env(), fn, "the mask has " + std::to_string(a.ElementLength()) +
                                    " elements, needs " + std::to_string(need));
    d.mask = a.Data();
  }
  return d;
}

// attention(q, k, v, mask, bias, out, probs, B, N, T, S, H, Hv, scale, maskedValue, causal,
//           maskB, maskN, biasB, biasN)
Napi::Value Attention(const Napi::CallbackInfo& info) {
  const char* fn = "attention";
  const AttnDims d = dimsArg(info, 7, 3, 4, fn);
  const float* q = seq::arr(info, 0, d.B * d.T * d.N * d.H, fn);
  const float* k = seq::arr(info, 1, d.B * d.S * d.N * d.H, fn);
  const float* v = seq::arr(info, 2, d.B * d.S * d.N * d.Hv, fn);
  float* out = seq::arr(info, 5, d.B * d.T * d.N * d.Hv, fn);
  float* probs = seq::arr(info, 6, d.B * d.N * d.T * d.S, fn);
  attentionF32(d, q, k, v, out, probs);
  return info.Env().Undefined();
}

// attentionGrad(q, k, v, probs, mask, dOut, dq, dk, dv, dLogits, B, N, T, S, H, Hv, scale,
//               maskedValue, causal, maskB, maskN, biasB, biasN)
Napi::Value AttentionGrad(const Napi::CallbackInfo& info) {
  const char* fn = "attentionGrad";
  const AttnDims d = dimsArg(info, 10, 4, 0, fn);
  const float* q = seq::arr(info, 0, d.B * d.T * d.N * d.H, fn);
  const float* k = seq::arr(info, 1, d.B * d.S * d.N * d.H, fn);
  const float* v = seq::arr(info, 2, d.B * d.S * d.N * d.Hv, fn);
  const float* probs = seq::arr(info, 3, d.B * d.N * d.T * d.S, fn);
  const float* dOut = seq::arr(info, 5, d.B * d.T * d.N * d.Hv, fn);
  float* dq = seq::arr(info, 6, d.B * d.T * d.N * d.H, fn);
  float* dk = seq::arr(info, 7, d.B * d.S * d.N * d.H, fn);
  float* dv = seq::arr(info, 8, d.B * d.S * d.N * d.Hv, fn);
  float* dLogits = seq::arr(info, 9, d.B * d.N * d.T * d.S, fn, true);
  attentionGradF32(d, q, k, v, probs, dOut, dq, dk, dv, dLogits);
  return info.Env().Undefined();
}

}  // namespace

void registerAttention(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, Attention));
  exports.Set("attentionGrad", Napi::Function::New(env, AttentionGrad));
}

}  // namespace tessera
