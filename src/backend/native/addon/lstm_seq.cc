// A whole LSTM sequence in one call (forward and backpropagation through time), Keras's default
// activations (sigmoid gates, tanh cell), gate order i, f, c, o. Per timestep the composite
// path costs ~6 forward and ~12 backward ops, each a JS → C++ crossing, a fresh allocation and a
// tape entry around a 64×32×128 GEMM; here the recurrence runs in C++ with a register-tiled
// small GEMM against U, and the samples of the batch (independent recurrences) are split over
// the thread pool. The input projection x·W + b comes precomputed for all steps (one big GEMM
// in JS) and dU is one big GEMM over all steps at the end.
//
// Layouts: xProj and dxProj [batch, T, 4u] (time order); hseq [batch, T, u] in processing order
// (reversed time with goBackwards, as Keras's outputs); the saved activated gates [T, batch, 4u]
// and cell states [T, batch, u] are step-major, private to this file and its JS caller.
#include "lstm_seq.h"

#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
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
using seq::smallGemmAcc;
using seq::st8;
using seq::sigm;

// Rows [b0, b1) of the forward: the whole recurrence of those samples.
void forwardRows(const LstmSeqDims& d, const float* xProj, const float* U, const float* h0,
                 const float* c0, float* hseq, float* gates, float* cs, long b0, long b1) {
  const long B = d.batch, T = d.steps, u = d.units, g4 = 4 * u;
  const long rows = b1 - b0;
  // With a mask, the states (hs) and the outputs (hseq) differ; without, they are one buffer.
  float* hs = d.hstate ? d.hstate : hseq;
  const float* hPrev = h0 + b0 * u;
  long hLd = u;
  const float* cPrev = c0 + b0 * u;
  for (long k = 0; k < T; k++) {
    const long t = d.back ? T - 1 - k : k;
    float* z = gates + (k * B + b0) * g4;
    for (long b = 0; b < rows; b++) {
      std::memcpy(z + b * g4, xProj + ((b0 + b) * T + t) * g4, sizeof(float) * g4);
    }
    smallGemmAcc(hPrev, hLd, U, z, g4, rows, g4, u);
    float* cNew = cs + (k * B + b0) * u;
    for (long b = 0; b < rows; b++) {
      float* zr = z + b * g4;
      const float* cp = cPrev + b * u;
      float* cr = cNew + b * u;
      float* hr = hs + ((b0 + b) * T + k) * u;
      long j = 0;
      for (; j + 8 <= u; j += 8) {
        const v8f i = vsigmoid(ld8(zr + j));
        const v8f f = vsigmoid(ld8(zr + u + j));
        const v8f gg = vtanh(ld8(zr + 2 * u + j));
        const v8f o = vsigmoid(ld8(zr + 3 * u + j));
        const v8f c2 = f * ld8(cp + j) + i * gg;
        st8(zr + j, i);
        st8(zr + u + j, f);
        st8(zr + 2 * u + j, gg);
        st8(zr + 3 * u + j, o);
        st8(cr + j, c2);
        st8(hr + j, o * vtanh(c2));
      }
      for (; j < u; j++) {
        const float i = sigm(zr[j]);
        const float f = sigm(zr[u + j]);
        const float gg = std::tanh(zr[2 * u + j]);
        const float o = sigm(zr[3 * u + j]);
        const float c2 = f * cp[j] + i * gg;
        zr[j] = i;
        zr[u + j] = f;
        zr[2 * u + j] = gg;
        zr[3 * u + j] = o;
        cr[j] = c2;
        hr[j] = o * std::tanh(c2);
      }
    }
    if (d.mask) seq::applyMask(d, hs, hseq, cNew, hPrev, hLd, cPrev, b0, b1, k, t);
    hPrev = hs + (b0 * T + k) * u;
    hLd = T * u;
    cPrev = cNew;
  }
}

// Rows [b0, b1) of the backward; fills dxProj, dh0, dc0 and hPrevAll (the h each step saw, in
// dxProj's time layout, for the dU product that follows).
void backwardRows(const LstmSeqDims& d, const float* UT, const float* h0, const float* c0,
                  const float* hseq, const float* gates, const float* cs, const float* dhseq,
                  const float* dhLast, const float* dcLast, float* dx, float* dh0, float* dc0,
                  float* hPrevAll, long b0, long b1) {
  const long B = d.batch, T = d.steps, u = d.units, g4 = 4 * u;
  const long rows = b1 - b0;
  const float* hs = d.hstate ? d.hstate : hseq;
  std::vector<float> dhCarry(static_cast<size_t>(rows * u), 0.f);
  std::vector<float> dcCarry(static_cast<size_t>(rows * u), 0.f);
  // With a mask: the gradient of each row's previous output (a masked step repeats it).
  std::vector<float> doCarry(d.mask ? static_cast<size_t>(rows * u) : 0, 0.f);
  std::vector<float> dOut(static_cast<size_t>(u));
  if (dcLast) std::memcpy(dcCarry.data(), dcLast + b0 * u, sizeof(float) * rows * u);
  if (dhLast) std::memcpy(dhCarry.data(), dhLast + b0 * u, sizeof(float) * rows * u);
  for (long k = T - 1; k >= 0; k--) {
    const long t = d.back ? T - 1 - k : k;
    const float* gk = gates + (k * B + b0) * g4;
    const float* ck = cs + (k * B + b0) * u;
    const float* cp = k > 0 ? cs + ((k - 1) * B + b0) * u : c0 + b0 * u;
    for (long b = 0; b < rows; b++) {
      const float* gr = gk + b * g4;
      float* dhr = dhCarry.data() + b * u;
      float* dcr = dcCarry.data() + b * u;
      const float* dys = dhseq ? dhseq + ((b0 + b) * T + k) * u : nullptr;
      float* dz = dx + ((b0 + b) * T + t) * g4;
      const float* cr = ck + b * u;
      const float* cpr = cp + b * u;
      float* hp = hPrevAll + ((b0 + b) * T + t) * u;
      std::memcpy(hp, k > 0 ? hs + ((b0 + b) * T + k - 1) * u : h0 + (b0 + b) * u,
                  sizeof(float) * u);
      if (d.mask) {
        if (!seq::maskedOutputGrad(d, b0 + b, t, dys, doCarry.data() + b * u, dOut.data())) {
          // Masked: no gate gradient; the states' gradients pass through unchanged.
          std::fill(dz, dz + g4, 0.f);
          continue;
        }
        dys = dOut.data();
      }
      long j = 0;
      for (; j + 8 <= u; j += 8) {
        const v8f i = ld8(gr + j), f = ld8(gr + u + j), gg = ld8(gr + 2 * u + j),
                  o = ld8(gr + 3 * u + j);
        const v8f tc = vtanh(ld8(cr + j));
        const v8f dh = dys ? ld8(dhr + j) + ld8(dys + j) : ld8(dhr + j);
        const v8f dc = ld8(dcr + j) + dh * o * (1.f - tc * tc);
        st8(dz + j, dc * gg * i * (1.f - i));
        st8(dz + u + j, dc * ld8(cpr + j) * f * (1.f - f));
        st8(dz + 2 * u + j, dc * i * (1.f - gg * gg));
        st8(dz + 3 * u + j, dh * tc * o * (1.f - o));
        st8(dcr + j, dc * f);
      }
      for (; j < u; j++) {
        const float i = gr[j], f = gr[u + j], gg = gr[2 * u + j], o = gr[3 * u + j];
        const float tc = std::tanh(cr[j]);
        const float dh = dys ? dhr[j] + dys[j] : dhr[j];
        const float dc = dcr[j] + dh * o * (1.f - tc * tc);
        dz[j] = dc * gg * i * (1.f - i);
        dz[u + j] = dc * cpr[j] * f * (1.f - f);
        dz[2 * u + j] = dc * i * (1.f - gg * gg);
        dz[3 * u + j] = dh * tc * o * (1.f - o);
        dcr[j] = dc * f;
      }
    }
    // dh_{k−1} = dz_k · Uᵀ (a masked row keeps its carried gradient: its dz is zero)
    for (long b = 0; b < rows; b++) {
      if (!d.mask || d.mask[(b0 + b) * T + t]) std::fill_n(dhCarry.data() + b * u, u, 0.f);
    }
    smallGemmAcc(dx + (b0 * T + t) * g4, T * g4, UT, dhCarry.data(), u, rows, u, g4);
  }
  std::memcpy(dh0 + b0 * u, dhCarry.data(), sizeof(float) * rows * u);
  std::memcpy(dc0 + b0 * u, dcCarry.data(), sizeof(float) * rows * u);
}

}  // namespace

void lstmSeqForwardF32(const LstmSeqDims& d, const float* xProj, const float* U, const float* h0,
                       const float* c0, float* hseq, float* hLast, float* cLast, float* gates,
                       float* cs) {
  const long B = d.batch, T = d.steps, u = d.units;
  overBatch(B, [&](long b0, long b1) { forwardRows(d, xProj, U, h0, c0, hseq, gates, cs, b0, b1); });
  const float* hs = d.hstate ? d.hstate : hseq;
  for (long b = 0; b < B; b++) {
    std::memcpy(hLast + b * u, hs + (b * T + T - 1) * u, sizeof(float) * u);
    std::memcpy(cLast + b * u, cs + ((T - 1) * B + b) * u, sizeof(float) * u);
  }
}

void lstmSeqBackwardF32(const LstmSeqDims& d, const float* U, const float* h0, const float* c0,
                        const float* hseq, const float* gates, const float* cs, const float* dhseq,
                        const float* dhLast, const float* dcLast, float* dx, float* dU, float* dh0,
                        float* dc0) {
  const long B = d.batch, T = d.steps, u = d.units, g4 = 4 * u;
  // Uᵀ [4u, u] once, so dh = dz·Uᵀ streams rows like the forward product.
  std::vector<float> UT(static_cast<size_t>(g4 * u));
  for (long r = 0; r < u; r++)
    for (long c = 0; c < g4; c++) UT[c * u + r] = U[r * g4 + c];
  std::vector<float> hPrev(static_cast<size_t>(B * T * u));
  overBatch(B, [&](long b0, long b1) {
    backwardRows(d, UT.data(), h0, c0, hseq, gates, cs, dhseq, dhLast, dcLast, dx, dh0, dc0,
                 hPrev.data(), b0, b1);
  });
  // dU = Σ_steps h_{k−1}ᵀ·dz_k: one product over all B·T rows.
  GemmArgs g;
  g.transA = true;
  g.transB = false;
  g.M = static_cast<int>(u);
  g.N = static_cast<int>(g4);
  g.K = static_cast<int>(B * T);
  g.A = hPrev.data();
  g.lda = static_cast<int>(u);
  g.B = dx;
  g.ldb = static_cast<int>(g4);
  g.C = dU;
  g.ldc = static_cast<int>(g4);
  gemm(g);
}

// ---------------------------------------------------------------------------------------------
// Node-API bindings (kept here so addon.cc only registers them).

namespace {


// lstmSeq(xProj, U, h0, c0, hseq, hLast, cLast, gates, cs, batch, steps, units, back,
//         mask?, zeroOut, hstate?)
Napi::Value LstmSeq(const Napi::CallbackInfo& info) {
  const char* fn = "lstmSeq";
  const LstmSeqDims d = seq::dims<LstmSeqDims>(info, 9, fn);
  const long B = d.batch, T = d.steps, u = d.units;
  const float* x = arr(info, 0, B * T * 4 * u, fn);
  const float* U = arr(info, 1, u * 4 * u, fn);
  const float* h0 = arr(info, 2, B * u, fn);
  const float* c0 = arr(info, 3, B * u, fn);
  float* hseq = arr(info, 4, B * T * u, fn);
  float* hLast = arr(info, 5, B * u, fn);
  float* cLast = arr(info, 6, B * u, fn);
  float* gates = arr(info, 7, T * B * 4 * u, fn);
  float* cs = arr(info, 8, T * B * u, fn);
  LstmSeqDims dm = d;
  seq::maskArgs(info, 13, dm, fn);
  lstmSeqForwardF32(dm, x, U, h0, c0, hseq, hLast, cLast, gates, cs);
  return info.Env().Undefined();
}

// lstmSeqGrad(U, h0, c0, hseq, gates, cs, dhseq?, dhLast?, dcLast?, dx, dU, dh0, dc0,
//             batch, steps, units, back, mask?, zeroOut, hstate?)
Napi::Value LstmSeqGrad(const Napi::CallbackInfo& info) {
  const char* fn = "lstmSeqGrad";
  const LstmSeqDims d = seq::dims<LstmSeqDims>(info, 13, fn);
  const long B = d.batch, T = d.steps, u = d.units;
  const float* U = arr(info, 0, u * 4 * u, fn);
  const float* h0 = arr(info, 1, B * u, fn);
  const float* c0 = arr(info, 2, B * u, fn);
  const float* hseq = arr(info, 3, B * T * u, fn);
  const float* gates = arr(info, 4, T * B * 4 * u, fn);
  const float* cs = arr(info, 5, T * B * u, fn);
  const float* dhseq = arr(info, 6, B * T * u, fn, true);
  const float* dhLast = arr(info, 7, B * u, fn, true);
  const float* dcLast = arr(info, 8, B * u, fn, true);
  float* dx = arr(info, 9, B * T * 4 * u, fn);
  float* dU = arr(info, 10, u * 4 * u, fn);
  float* dh0 = arr(info, 11, B * u, fn);
  float* dc0 = arr(info, 12, B * u, fn);
  LstmSeqDims dm = d;
  seq::maskArgs(info, 17, dm, fn);
  lstmSeqBackwardF32(dm, U, h0, c0, hseq, gates, cs, dhseq, dhLast, dcLast, dx, dU, dh0, dc0);
  return info.Env().Undefined();
}

}  // namespace

void registerLstmSeq(Napi::Env env, Napi::Object exports) {
  exports.Set("lstmSeq", Napi::Function::New(env, LstmSeq));
  exports.Set("lstmSeqGrad", Napi::Function::New(env, LstmSeqGrad));
}

}  // namespace tessera
