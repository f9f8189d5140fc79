// Helpers shared by the whole-sequence RNN kernels (lstm_seq.cc, gru_seq.cc): 8-lane loads and
// stores, a register-tiled small GEMM for the recurrent products, the split of a batch over the
// thread pool, and the argument checks of their Node-API bindings.
#pragma once

#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "pool.h"
#include "vmath.h"

namespace tessera {
namespace seq {

inline v8f ld8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void st8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }

inline float sigm(float x) {
  if (x >= 0) return 1.f / (1.f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.f + e);
}

// C[M×N] += A[M×K] · B[K×N] (row-major, B contiguous with ldb = N). Sized for the recurrent
// products (K, N ≤ a few hundred), where the library GEMM's packing costs more than the math:
// 4 rows × 32 columns of C stay in 16 registers while K streams, B rows come from L1.
inline void smallGemmAcc(const float* A, long lda, const float* B, float* C, long ldc, long M, long N,
                  long K) {
  long i = 0;
  for (; i + 4 <= M; i += 4) {
    const float* a0 = A + i * lda;
    long j = 0;
    for (; j + 32 <= N; j += 32) {
      v8f acc[4][4];
      for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = ld8(C + (i + r) * ldc + j + 8 * q);
      for (long k = 0; k < K; k++) {
        const float* b = B + k * N + j;
        const v8f b0 = ld8(b), b1 = ld8(b + 8), b2 = ld8(b + 16), b3 = ld8(b + 24);
        for (int r = 0; r < 4; r++) {
          const v8f av = vsplat(a0[r * lda + k]);
          acc[r][0] += av * b0;
          acc[r][1] += av * b1;
          acc[r][2] += av * b2;
          acc[r][3] += av * b3;
        }
      }
      for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) st8(C + (i + r) * ldc + j + 8 * q, acc[r][q]);
    }
    for (; j + 8 <= N; j += 8) {
      v8f acc[4];
      for (int r = 0; r < 4; r++) acc[r] = ld8(C + (i + r) * ldc + j);
      for (long k = 0; k < K; k++) {
        const v8f bv = ld8(B + k * N + j);
        for (int r = 0; r < 4; r++) acc[r] += vsplat(a0[r * lda + k]) * bv;
      }
      for (int r = 0; r < 4; r++) st8(C + (i + r) * ldc + j, acc[r]);
    }
    for (; j < N; j++) {
      for (int r = 0; r < 4; r++) {
        float s = C[(i + r) * ldc + j];
        for (long k = 0; k < K; k++) s += a0[r * lda + k] * B[k * N + j];
        C[(i + r) * ldc + j] = s;
      }
    }
  }
  for (; i < M; i++) {
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    long j = 0;
    for (; j + 8 <= N; j += 8) {
      v8f acc = ld8(c + j);
      for (long k = 0; k < K; k++) acc += vsplat(a[k]) * ld8(B + k * N + j);
      st8(c + j, acc);
    }
    for (; j < N; j++) {
      float s = c[j];
      for (long k = 0; k < K; k++) s += a[k] * B[k * N + j];
      c[j] = s;
    }
  }
}

// Splits the batch over the pool: each part runs its samples' whole recurrence.
template <typename F>
void overBatch(long batch, F&& f) {
  const long minRows = 8;
  const long parts = std::max(1L, std::min<long>(poolSize(), batch / minRows));
  const long per = (batch + parts - 1) / parts;
  if (parts <= 1) {
    f(0L, batch);
    return;
  }
  parallelFor(static_cast<int>(parts), [&](int p) {
    const long lo = p * per;
    const long hi = std::min(batch, lo + per);
    if (lo < hi) f(lo, hi);
  });
}

[[noreturn]] inline void fail(Napi::Env env, const char* fn, const std::string& msg) {
  throw Napi::RangeError::New(env, std::string("tessera native ") + fn + ": " + msg);
}

inline long num(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<long>(info[i].As<Napi::Number>().Int64Value());
}

// A Float32Array argument with at least `need` elements; null/undefined allowed when optional.
inline float* arr(const Napi::CallbackInfo& info, size_t i, long need, const char* fn,
           bool optional = false) {
  const Napi::Value v = info[i];
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    fail(info.Env(), fn, "argument " + std::to_string(i) + " must be a Float32Array");
  }
  auto a = v.As<Napi::Float32Array>();
  if (static_cast<long>(a.ElementLength()) < need) {
    fail(info.Env(), fn, "argument " + std::to_string(i) + " has " +
                             std::to_string(a.ElementLength()) + " elements, needs " +
                             std::to_string(need));
  }
  return a.Data();
}

// The (batch, steps, units, goBackwards) arguments of a sequence binding starting at `i`,
// refused when out of range. `D` is the kernel's dims struct (same four fields).
template <typename D>
D dims(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  D d;
  d.batch = num(info, i);
  d.steps = num(info, i + 1);
  d.units = num(info, i + 2);
  d.back = info[i + 3].As<Napi::Boolean>();
  // In double: the product of three unchecked longs could overflow.
  const double total = 4.0 * static_cast<double>(d.batch) * d.steps * d.units;
  if (d.batch < 1 || d.steps < 1 || d.units < 1 || total > 2147483647.0) {
    fail(info.Env(), fn, "sizes out of range");
  }
  return d;
}

// The optional masking arguments of a sequence binding starting at `i`: mask (a Uint8Array
// [B, T] or null), zeroOut (boolean), hstate (a Float32Array [B, T, u], required with a mask).
template <typename D>
void maskArgs(const Napi::CallbackInfo& info, size_t i, D& d, const char* fn) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return;
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    fail(info.Env(), fn, "argument " + std::to_string(i) + " (mask) must be a Uint8Array");
  }
  auto m = v.As<Napi::Uint8Array>();
  if (static_cast<long>(m.ElementLength()) < d.batch * d.steps) {
    fail(info.Env(), fn, "mask has " + std::to_string(m.ElementLength()) + " elements, needs " +
                             std::to_string(d.batch * d.steps));
  }
  d.mask = m.Data();
  d.zeroOut = info[i + 1].ToBoolean().Value();
  d.hstate = arr(info, i + 2, d.batch * d.steps * d.units, fn);
}

// After a step's rows [b0, b1) were computed into the states (hs, and cNew when there is a
// cell state): rows whose mask is off take back the previous states, and every row writes its
// output (the new h, or for a masked row the previous output, zeros before the first step or
// with zeroOut).
template <typename D>
void applyMask(const D& d, float* hs, float* hseq, float* cNew, const float* hPrev, long hLd,
               const float* cPrev, long b0, long b1, long k, long t) {
  const long T = d.steps, u = d.units;
  const size_t bytes = sizeof(float) * u;
  for (long b = 0; b < b1 - b0; b++) {
    const long row = b0 + b;
    float* hsr = hs + (row * T + k) * u;
    float* out = hseq + (row * T + k) * u;
    if (d.mask[row * T + t]) {
      std::memcpy(out, hsr, bytes);
      continue;
    }
    std::memcpy(hsr, hPrev + b * hLd, bytes);
    if (cNew) std::memcpy(cNew + b * u, cPrev + b * u, bytes);
    if (d.zeroOut || k == 0) std::fill(out, out + u, 0.f);
    else std::memcpy(out, hseq + (row * T + k - 1) * u, bytes);
  }
}

// With a mask, the backward of one row at step k (time t): dOut = the output's gradient (its
// own, dys, plus doCarry, what a later masked step passed back). Returns whether the step was
// kept. A kept step clears doCarry (its output is its new h); a masked one hands dOut back to
// the previous output through doCarry (zeros with zeroOut), and the caller zeroes its gate
// gradients and passes the states' gradients through.
template <typename D>
bool maskedOutputGrad(const D& d, long row, long t, const float* dys, float* doCarry,
                      float* dOut) {
  const long u = d.units;
  for (long j = 0; j < u; j++) dOut[j] = (dys ? dys[j] : 0.f) + doCarry[j];
  const bool keep = d.mask[row * d.steps + t] != 0;
  if (keep || d.zeroOut) std::fill(doCarry, doCarry + u, 0.f);
  else std::memcpy(doCarry, dOut, sizeof(float) * u);
  return keep;
}

}  // namespace seq
}  // namespace tessera
