// Vectorised exp, sigmoid and tanh on 8 floats (AVX2 through GCC vector extensions), after
// Cephes's single-precision polynomials: about 1–2 ulp, NaN propagating, ±∞ handled. glibc's
// scalar expf/tanhf cost 10–20 ns an element, which made LSTM gates transcendental-bound.
#pragma once

#include <cstring>
#include <limits>

namespace tessera {

typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

static inline v8f vsplat(float v) { return v8f{} + v; }

static inline v8f vexp(v8f x) {
  const v8f hi = vsplat(88.3762626647949f);
  v8f xc = x > hi ? hi : x;
  xc = xc < -hi ? -hi : xc;
  const v8f fx = xc * 1.44269504088896341f + 0.5f;
  v8f nf = __builtin_convertvector(__builtin_convertvector(fx, v8i), v8f);
  nf = nf > fx ? nf - 1.f : nf;  // floor
  v8f r = xc - nf * 0.693359375f;
  r = r - nf * -2.12194440e-4f;
  const v8f z = r * r;
  v8f y = 1.9875691500E-4f * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * z + r + 1.f;
  const v8i e = (__builtin_convertvector(nf, v8i) + 127) << 23;
  v8f scale;
  std::memcpy(&scale, &e, sizeof scale);
  v8f res = y * scale;
  res = x > 88.72283935546875f ? vsplat(std::numeric_limits<float>::infinity()) : res;
  res = x < -103.972084f ? v8f{} : res;
  return res;
}

static inline v8f vsigmoid(v8f x) { return 1.f / (1.f + vexp(-x)); }

static inline v8f vtanh(v8f x) {
  const v8f ax = x < 0.f ? -x : x;
  const v8f s = x * x;
  v8f p = -5.70498872745E-3f * s + 2.06390887954E-2f;
  p = p * s - 5.37397155531E-2f;
  p = p * s + 1.33314422036E-1f;
  p = p * s - 3.33332819422E-1f;
  const v8f small = p * s * x + x;
  v8f big = 1.f - 2.f / (vexp(ax + ax) + 1.f);
  big = x < 0.f ? -big : big;
  return ax < 0.625f ? small : big;
}

// y[i] = f(x[i]) eight at a time; the tail goes through a zero-padded vector.
template <typename F>
static inline void map8(const float* x, float* y, long lo, long hi, F f) {
  long i = lo;
  for (; i + 8 <= hi; i += 8) {
    v8f v;
    std::memcpy(&v, x + i, sizeof v);
    const v8f r = f(v);
    std::memcpy(y + i, &r, sizeof r);
  }
  if (i < hi) {
    float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(buf, x + i, sizeof(float) * (hi - i));
    v8f v;
    std::memcpy(&v, buf, sizeof v);
    const v8f r = f(v);
    std::memcpy(buf, &r, sizeof r);
    std::memcpy(y + i, buf, sizeof(float) * (hi - i));
  }
}

}  // namespace tessera
