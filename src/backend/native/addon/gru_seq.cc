// A whole GRU sequence in one call (forward and backpropagation through time), Keras 3's
// default GRU: reset gate after the recurrent product, sigmoid gates, tanh candidate, gate order
// z, r, h. Like lstm_seq.cc: the input projection x·W + b comes precomputed for all steps, the
// recurrence runs here with the register-tiled small GEMM against U, the batch's samples are
// split over the thread pool, and dU is one big GEMM over all steps at the end.
//
// Per step, with rp = h·U + b_rec:  z = σ(x_z + rp_z), ρ = σ(x_r + rp_r),
// ĥ = tanh(x_h + ρ ⊙ rp_h), h' = ĥ + z ⊙ (h − ĥ).
//
// Layouts: xProj and dxProj [batch, T, 3u] (time order); hseq [batch, T, u] in processing order
// (reversed time with goBackwards, as Keras's outputs); the saved values [T, batch, 4u] hold
// z, ρ, ĥ and rp_h per step, step-major, private to this file and its JS caller.
#include "gru_seq.h"

#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "seq_common.h"
#include "vmath.h"

namespace tessera {
namespace {

using seq::arr;
using seq::fail;
using seq::ld8;
using seq::num;
using seq::overBatch;
using seq::sigm;
using seq::smallGemmAcc;
using seq::st8;

// Rows [b0, b1) of the forward: the whole recurrence of those samples. `rp` is scratch for
// one step's recurrent projection of these rows, [rows, 3u].
void forwardRows(const GruSeqDims& d, const float* xProj, const float* U, const float* bRec,
                 const float* h0, float* hseq, float* saved, long b0, long b1) {
  const long B = d.batch, T = d.steps, u = d.units, g3 = 3 * u, g4 = 4 * u;
  const long rows = b1 - b0;
  std::vector<float> rp(static_cast<size_t>(rows * g3));
  // With a mask, the states (hs) and the outputs (hseq) differ; without, they are one buffer.
  float* hs = d.hstate ? d.hstate : hseq;
  const float* hPrev = h0 + b0 * u;
  long hLd = u;
  for (long k = 0; k < T; k++) {
    const long t = d.back ? T - 1 - k : k;
    for (long b = 0; b < rows; b++) {
      float* r = rp.data() + b * g3;
      if (bRec) std::memcpy(r, bRec, sizeof(float) * g3);
      else std::fill(r, r + g3, 0.f);
    }
    smallGemmAcc(hPrev, hLd, U, rp.data(), g3, rows, g3, u);
    float* sk = saved + (k * B + b0) * g4;
    for (long b = 0; b < rows; b++) {
      const float* x = xProj + ((b0 + b) * T + t) * g3;
      const float* r = rp.data() + b * g3;
      const float* hp = hPrev + b * hLd;
      float* s = sk + b * g4;
      float* hr = hs + ((b0 + b) * T + k) * u;
      long j = 0;
      for (; j + 8 <= u; j += 8) {
        const v8f z = vsigmoid(ld8(x + j) + ld8(r + j));
        const v8f rho = vsigmoid(ld8(x + u + j) + ld8(r + u + j));
        const v8f rh = ld8(r + 2 * u + j);
        const v8f hh = vtanh(ld8(x + 2 * u + j) + rho * rh);
        st8(s + j, z);
        st8(s + u + j, rho);
        st8(s + 2 * u + j, hh);
        st8(s + 3 * u + j, rh);
        st8(hr + j, hh + z * (ld8(hp + j) - hh));
      }
      for (; j < u; j++) {
        const float z = sigm(x[j] + r[j]);
        const float rho = sigm(x[u + j] + r[u + j]);
        const float rh = r[2 * u + j];
        const float hh = std::tanh(x[2 * u + j] + rho * rh);
        s[j] = z;
        s[u + j] = rho;
        s[2 * u + j] = hh;
        s[3 * u + j] = rh;
        hr[j] = hh + z * (hp[j] - hh);
      }
    }
    if (d.mask) seq::applyMask(d, hs, hseq, nullptr, hPrev, hLd, nullptr, b0, b1, k, t);
    hPrev = hs + (b0 * T + k) * u;
    hLd = T * u;
  }
}

// Rows [b0, b1) of the backward: fills dxProj, dr (the gradient of each step's recurrent
// projection, [B, T, 3u] in dxProj's time layout), hPrevAll (the h each step saw, same layout)
// and dh0.
void backwardRows(const GruSeqDims& d, const float* UT, const float* h0, const float* hseq,
                  const float* saved, const float* dhseq, const float* dhLast, float* dx,
                  float* dr, float* hPrevAll, float* dh0, long b0, long b1) {
  const long B = d.batch, T = d.steps, u = d.units, g3 = 3 * u, g4 = 4 * u;
  const long rows = b1 - b0;
  const float* hs = d.hstate ? d.hstate : hseq;
  std::vector<float> dhCarry(static_cast<size_t>(rows * u), 0.f);
  std::vector<float> dhNext(static_cast<size_t>(rows * u), 0.f);
  // With a mask: the gradient of each row's previous output (a masked step repeats it).
  std::vector<float> doCarry(d.mask ? static_cast<size_t>(rows * u) : 0, 0.f);
  std::vector<float> dOut(static_cast<size_t>(u));
  if (dhLast) std::memcpy(dhCarry.data(), dhLast + b0 * u, sizeof(float) * rows * u);
  for (long k = T - 1; k >= 0; k--) {
    const long t = d.back ? T - 1 - k : k;
    const float* sk = saved + (k * B + b0) * g4;
    for (long b = 0; b < rows; b++) {
      const float* s = sk + b * g4;
      const float* hp = k > 0 ? hs + ((b0 + b) * T + k - 1) * u : h0 + (b0 + b) * u;
      const float* dys = dhseq ? dhseq + ((b0 + b) * T + k) * u : nullptr;
      const float* dhc = dhCarry.data() + b * u;
      float* dhn = dhNext.data() + b * u;
      float* dxr = dx + ((b0 + b) * T + t) * g3;
      float* drr = dr + ((b0 + b) * T + t) * g3;
      std::memcpy(hPrevAll + ((b0 + b) * T + t) * u, hp, sizeof(float) * u);
      if (d.mask) {
        if (!seq::maskedOutputGrad(d, b0 + b, t, dys, doCarry.data() + b * u, dOut.data())) {
          // Masked: no gate gradient; the state's gradient passes through unchanged.
          std::fill(dxr, dxr + g3, 0.f);
          std::fill(drr, drr + g3, 0.f);
          std::memcpy(dhn, dhc, sizeof(float) * u);
          continue;
        }
        dys = dOut.data();
      }
      long j = 0;
      for (; j + 8 <= u; j += 8) {
        const v8f z = ld8(s + j), rho = ld8(s + u + j), hh = ld8(s + 2 * u + j),
                  rh = ld8(s + 3 * u + j);
        const v8f dh = dys ? ld8(dhc + j) + ld8(dys + j) : ld8(dhc + j);
        const v8f dz = dh * (ld8(hp + j) - hh) * z * (1.f - z);
        const v8f dhh = dh * (1.f - z) * (1.f - hh * hh);
        const v8f drho = dhh * rh * rho * (1.f - rho);
        st8(dxr + j, dz);
        st8(dxr + u + j, drho);
        st8(dxr + 2 * u + j, dhh);
        st8(drr + j, dz);
        st8(drr + u + j, drho);
        st8(drr + 2 * u + j, dhh * rho);
        st8(dhn + j, dh * z);
      }
      for (; j < u; j++) {
        const float z = s[j], rho = s[u + j], hh = s[2 * u + j], rh = s[3 * u + j];
        const float dh = dys ? dhc[j] + dys[j] : dhc[j];
        const float dz = dh * (hp[j] - hh) * z * (1.f - z);
        const float dhh = dh * (1.f - z) * (1.f - hh * hh);
        const float drho = dhh * rh * rho * (1.f - rho);
        dxr[j] = dz;
        dxr[u + j] = drho;
        dxr[2 * u + j] = dhh;
        drr[j] = dz;
        drr[u + j] = drho;
        drr[2 * u + j] = dhh * rho;
        dhn[j] = dh * z;
      }
    }
    // dh_{k−1} = dh ⊙ z + dr_k · Uᵀ
    smallGemmAcc(dr + (b0 * T + t) * g3, T * g3, UT, dhNext.data(), u, rows, u, g3);
    std::swap(dhCarry, dhNext);
  }
  std::memcpy(dh0 + b0 * u, dhCarry.data(), sizeof(float) * rows * u);
}

}  // namespace

void gruSeqForwardF32(const GruSeqDims& d, const float* xProj, const float* U, const float* bRec,
                      const float* h0, float* hseq, float* hLast, float* saved) {
  const long B = d.batch, T = d.steps, u = d.units;
  overBatch(B, [&](long b0, long b1) { forwardRows(d, xProj, U, bRec, h0, hseq, saved, b0, b1); });
  const float* hs = d.hstate ? d.hstate : hseq;
  for (long b = 0; b < B; b++) {
    std::memcpy(hLast + b * u, hs + (b * T + T - 1) * u, sizeof(float) * u);
  }
}

void gruSeqBackwardF32(const GruSeqDims& d, const float* U, const float* h0, const float* hseq,
                       const float* saved, const float* dhseq, const float* dhLast, float* dx,
                       float* dU, float* dbRec, float* dh0) {
  const long B = d.batch, T = d.steps, u = d.units, g3 = 3 * u;
  // Uᵀ [3u, u] once, so dh = dr·Uᵀ streams rows like the forward product.
  std::vector<float> UT(static_cast<size_t>(g3 * u));
  for (long r = 0; r < u; r++)
    for (long c = 0; c < g3; c++) UT[c * u + r] = U[r * g3 + c];
  std::vector<float> dr(static_cast<size_t>(B * T * g3));
  std::vector<float> hPrev(static_cast<size_t>(B * T * u));
  overBatch(B, [&](long b0, long b1) {
    backwardRows(d, UT.data(), h0, hseq, saved, dhseq, dhLast, dx, dr.data(), hPrev.data(), dh0,
                 b0, b1);
  });
  // dU = Σ_steps h_{k−1}ᵀ·dr_k: one product over all B·T rows.
  GemmArgs g;
  g.transA = true;
  g.transB = false;
  g.M = static_cast<int>(u);
  g.N = static_cast<int>(g3);
  g.K = static_cast<int>(B * T);
  g.A = hPrev.data();
  g.lda = static_cast<int>(u);
  g.B = dr.data();
  g.ldb = static_cast<int>(g3);
  g.C = dU;
  g.ldc = static_cast<int>(g3);
  gemm(g);
  // d b_rec = Σ over all rows of dr, accumulated in double (B·T rows can be thousands).
  std::vector<double> acc(static_cast<size_t>(g3), 0.0);
  for (long i = 0; i < B * T; i++) {
    const float* row = dr.data() + i * g3;
    for (long c = 0; c < g3; c++) acc[c] += row[c];
  }
  for (long c = 0; c < g3; c++) dbRec[c] = static_cast<float>(acc[c]);
}

// ---------------------------------------------------------------------------------------------
// Node-API bindings (kept here so addon.cc only registers them).

namespace {


// gruSeq(xProj, U, bRec?, h0, hseq, hLast, saved, batch, steps, units, back, mask?, zeroOut,
//        hstate?)
Napi::Value GruSeq(const Napi::CallbackInfo& info) {
  const char* fn = "gruSeq";
  const GruSeqDims d = seq::dims<GruSeqDims>(info, 7, fn);
  const long B = d.batch, T = d.steps, u = d.units;
  const float* x = arr(info, 0, B * T * 3 * u, fn);
  const float* U = arr(info, 1, u * 3 * u, fn);
  const float* bRec = arr(info, 2, 3 * u, fn, true);
  const float* h0 = arr(info, 3, B * u, fn);
  float* hseq = arr(info, 4, B * T * u, fn);
  float* hLast = arr(info, 5, B * u, fn);
  float* saved = arr(info, 6, T * B * 4 * u, fn);
  GruSeqDims dm = d;
  seq::maskArgs(info, 11, dm, fn);
  gruSeqForwardF32(dm, x, U, bRec, h0, hseq, hLast, saved);
  return info.Env().Undefined();
}

// gruSeqGrad(U, h0, hseq, saved, dhseq?, dhLast?, dx, dU, dbRec, dh0, batch, steps, units, back,
//            mask?, zeroOut, hstate?)
Napi::Value GruSeqGrad(const Napi::CallbackInfo& info) {
  const char* fn = "gruSeqGrad";
  const GruSeqDims d = seq::dims<GruSeqDims>(info, 10, fn);
  const long B = d.batch, T = d.steps, u = d.units;
  const float* U = arr(info, 0, u * 3 * u, fn);
  const float* h0 = arr(info, 1, B * u, fn);
  const float* hseq = arr(info, 2, B * T * u, fn);
  const float* saved = arr(info, 3, T * B * 4 * u, fn);
  const float* dhseq = arr(info, 4, B * T * u, fn, true);
  const float* dhLast = arr(info, 5, B * u, fn, true);
  float* dx = arr(info, 6, B * T * 3 * u, fn);
  float* dU = arr(info, 7, u * 3 * u, fn);
  float* dbRec = arr(info, 8, 3 * u, fn);
  float* dh0 = arr(info, 9, B * u, fn);
  GruSeqDims dm = d;
  seq::maskArgs(info, 14, dm, fn);
  gruSeqBackwardF32(dm, U, h0, hseq, saved, dhseq, dhLast, dx, dU, dbRec, dh0);
  return info.Env().Undefined();
}

}  // namespace

void registerGruSeq(Napi::Env env, Napi::Object exports) {
  exports.Set("gruSeq", Napi::Function::New(env, GruSeq));
  exports.Set("gruSeqGrad", Napi::Function::New(env, GruSeqGrad));
}

}  // namespace tessera
