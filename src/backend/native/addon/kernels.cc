#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "vmath.h"

namespace tessera {

namespace {

// Elementwise work is split into chunks this large (about 64 KiB of floats) once it is big
// enough to pay for waking a worker.
constexpr long kChunk = 16384;
constexpr long kParallelElems = 65536;

template <typename F>
void chunked(long n, F&& f) {
  if (n < kParallelElems) {
    f(0L, n);
    return;
  }
  const int parts = static_cast<int>((n + kChunk - 1) / kChunk);
  parallelFor(parts, [&](int t) {
    const long lo = t * kChunk;
    f(lo, std::min(n, lo + kChunk));
  });
}

inline float sigmoidf(float x) {
  if (x >= 0) return 1.f / (1.f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.f + e);
}

inline v8f ld(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void st(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }

template <typename F>
void mapRange(const float* __restrict x, float* __restrict y, long lo, long hi, F f) {
  for (long i = lo; i < hi; i++) y[i] = f(x[i]);
}

}  // namespace

void unaryF32(int op, const float* x, float* y, long n, float param) {
  chunked(n, [&](long lo, long hi) {
    switch (op) {
      case U_NEG: mapRange(x, y, lo, hi, [](float v) { return -v; }); break;
      case U_ABS: mapRange(x, y, lo, hi, [](float v) { return std::fabs(v); }); break;
      case U_SQUARE: mapRange(x, y, lo, hi, [](float v) { return v * v; }); break;
      case U_SQRT: mapRange(x, y, lo, hi, [](float v) { return std::sqrt(v); }); break;
      case U_RSQRT: mapRange(x, y, lo, hi, [](float v) { return 1.f / std::sqrt(v); }); break;
      case U_RECIPROCAL: mapRange(x, y, lo, hi, [](float v) { return 1.f / v; }); break;
      case U_EXP: map8(x, y, lo, hi, vexp); break;
      case U_LOG: mapRange(x, y, lo, hi, [](float v) { return std::log(v); }); break;
      case U_RELU:
        mapRange(x, y, lo, hi, [](float v) { return v > 0 ? v : (v == v ? 0.f : v); });
        break;
      case U_RELU6:
        mapRange(x, y, lo, hi,
                 [](float v) { return v > 6 ? 6.f : v > 0 ? v : (v == v ? 0.f : v); });
        break;
      case U_LEAKY_RELU:
        mapRange(x, y, lo, hi, [param](float v) { return v > 0 ? v : param * v; });
        break;
      case U_ELU:
        mapRange(x, y, lo, hi, [param](float v) { return v > 0 ? v : param * std::expm1(v); });
        break;
      case U_SIGMOID: map8(x, y, lo, hi, vsigmoid); break;
      case U_TANH: map8(x, y, lo, hi, vtanh); break;
      case U_SOFTPLUS:
        mapRange(x, y, lo, hi, [](float v) {
          return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
        });
        break;
      case U_STEP:
        mapRange(x, y, lo, hi, [](float v) { return v > 0 ? 1.f : (v == v ? 0.f : v); });
        break;
      case U_EXPM1: mapRange(x, y, lo, hi, [](float v) { return std::expm1(v); }); break;
      case U_LOG1P: mapRange(x, y, lo, hi, [](float v) { return std::log1p(v); }); break;
      case U_SILU: mapRange(x, y, lo, hi, [](float v) { return v * sigmoidf(v); }); break;
      case U_SOFTSIGN:
        mapRange(x, y, lo, hi, [](float v) { return v / (1.f + std::fabs(v)); });
        break;
      default: break;
    }
  });
}

namespace {

template <typename T, typename F>
void zip(const Operand& a, const Operand& b, T* y, long outer, long inner, F f) {
  const auto* pa = static_cast<const float*>(a.data);
  const auto* pb = static_cast<const float*>(b.data);
  // Row o, elements [i0, i1): separate loops per stride pattern so each one vectorises.
  auto span = [&](long o, long i0, long i1) {
    const float* ra = pa + o * a.outerStride;
    const float* rb = pb + o * b.outerStride;
    T* __restrict ry = y + o * inner;
    if (a.innerStride && b.innerStride) {
      for (long i = i0; i < i1; i++) ry[i] = f(ra[i], rb[i]);
    } else if (a.innerStride) {
      const float s = rb[0];
      for (long i = i0; i < i1; i++) ry[i] = f(ra[i], s);
    } else if (b.innerStride) {
      const float s = ra[0];
      for (long i = i0; i < i1; i++) ry[i] = f(s, rb[i]);
    } else {
      const T s = f(ra[0], rb[0]);
      for (long i = i0; i < i1; i++) ry[i] = s;
    }
  };
  auto rows = [&](long o0, long o1) {
    for (long o = o0; o < o1; o++) span(o, 0, inner);
  };
  if (outer == 1) {
    // One long row (a scalar operand, or two whole arrays): split it instead of the single
    // outer index; each piece keeps the vectorised loop of its stride pattern.
    if (inner < kParallelElems) span(0, 0, inner);
    else chunked(inner, [&](long lo, long hi) { span(0, lo, hi); });
    return;
  }
  const long total = outer * inner;
  if (total < kParallelElems) {
    rows(0, outer);
    return;
  }
  const long perPart = std::max(1L, kChunk / std::max(1L, inner));
  const int parts = static_cast<int>((outer + perPart - 1) / perPart);
  parallelFor(parts, [&](int t) {
    const long o0 = t * perPart;
    rows(o0, std::min(outer, o0 + perPart));
  });
}

}  // namespace

void binaryF32(int op, Operand a, Operand b, float* y, long outer, long inner) {
  switch (op) {
    case B_ADD: zip(a, b, y, outer, inner, [](float u, float v) { return u + v; }); break;
    case B_SUB: zip(a, b, y, outer, inner, [](float u, float v) { return u - v; }); break;
    case B_MUL: zip(a, b, y, outer, inner, [](float u, float v) { return u * v; }); break;
    case B_DIV: zip(a, b, y, outer, inner, [](float u, float v) { return u / v; }); break;
    case B_MAX:
      zip(a, b, y, outer, inner, [](float u, float v) { return (u > v || u != u) ? u : v; });
      break;
    case B_MIN:
      zip(a, b, y, outer, inner, [](float u, float v) { return (u < v || u != u) ? u : v; });
      break;
    case B_SQDIFF:
      zip(a, b, y, outer, inner, [](float u, float v) { return (u - v) * (u - v); });
      break;
    case B_RELU_GRAD:
      zip(a, b, y, outer, inner, [](float u, float v) { return u > 0.f ? v : 0.f; });
      break;
    default: break;
  }
}

void biasActF32(const float* x, const float* bias, float* y, long rows, long cols, bool relu) {
  auto run = [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* __restrict xr = x + r * cols;
      float* __restrict yr = y + r * cols;
      // Two loops per case so each vectorises; relu keeps NaN, as the unary relu does.
      if (bias && relu) {
        for (long j = 0; j < cols; j++) {
          const float v = xr[j] + bias[j];
          yr[j] = v > 0 ? v : (v == v ? 0.f : v);
        }
      } else if (bias) {
        for (long j = 0; j < cols; j++) yr[j] = xr[j] + bias[j];
      } else if (relu) {
        for (long j = 0; j < cols; j++) {
          const float v = xr[j];
          yr[j] = v > 0 ? v : (v == v ? 0.f : v);
        }
      } else {
        for (long j = 0; j < cols; j++) yr[j] = xr[j];
      }
    }
  };
  if (rows * cols < kParallelElems) {
    run(0, rows);
    return;
  }
  const long per = std::max(1L, kChunk / std::max(1L, cols));
  const int parts = static_cast<int>((rows + per - 1) / per);
  parallelFor(parts, [&](int t) { run(t * per, std::min(rows, t * per + per)); });
}

void compareF32(int op, Operand a, Operand b, uint8_t* y, long outer, long inner) {
  switch (op) {
    case C_EQUAL: zip(a, b, y, outer, inner, [](float u, float v) -> uint8_t { return u == v; }); break;
    case C_NOT_EQUAL: zip(a, b, y, outer, inner, [](float u, float v) -> uint8_t { return u != v; }); break;
    case C_LESS: zip(a, b, y, outer, inner, [](float u, float v) -> uint8_t { return u < v; }); break;
    case C_LESS_EQUAL: zip(a, b, y, outer, inner, [](float u, float v) -> uint8_t { return u <= v; }); break;
    case C_GREATER: zip(a, b, y, outer, inner, [](float u, float v) -> uint8_t { return u > v; }); break;
    case C_GREATER_EQUAL: zip(a, b, y, outer, inner, [](float u, float v) -> uint8_t { return u >= v; }); break;
    default: break;
  }
}

void whereF32(Operand cond, Operand a, Operand b, float* y, long outer, long inner) {
  const auto* pc = static_cast<const uint8_t*>(cond.data);
  const auto* pa = static_cast<const float*>(a.data);
  const auto* pb = static_cast<const float*>(b.data);
  auto rows = [&](long o0, long o1, long i0, long i1) {
    for (long o = o0; o < o1; o++) {
      const uint8_t* rc = pc + o * cond.outerStride;
      const float* ra = pa + o * a.outerStride;
      const float* rb = pb + o * b.outerStride;
      float* __restrict ry = y + o * inner;
      if (cond.innerStride && a.innerStride && b.innerStride) {
        for (long i = i0; i < i1; i++) ry[i] = rc[i] ? ra[i] : rb[i];
      } else if (cond.innerStride && a.innerStride) {
        const float s = rb[0];
        for (long i = i0; i < i1; i++) ry[i] = rc[i] ? ra[i] : s;
      } else if (cond.innerStride && b.innerStride) {
        const float s = ra[0];
        for (long i = i0; i < i1; i++) ry[i] = rc[i] ? s : rb[i];
      } else {
        for (long i = i0; i < i1; i++) {
          ry[i] = rc[i * cond.innerStride] ? ra[i * a.innerStride] : rb[i * b.innerStride];
        }
      }
    }
  };
  if (outer == 1) {
    chunked(inner, [&](long lo, long hi) { rows(0, 1, lo, hi); });
  } else if (outer * inner >= kParallelElems) {
    const long per = std::max(1L, kChunk / std::max(1L, inner));
    const int parts = static_cast<int>((outer + per - 1) / per);
    parallelFor(parts, [&](int t) { rows(t * per, std::min(outer, t * per + per), 0, inner); });
  } else {
    rows(0, outer, 0, inner);
  }
}

void reduceSumF32(const float* x, float* y, long outer, long mid, long inner) {
  if (inner == 1) {
    // Sum of contiguous runs: accumulate in double, as the js backend does, for long runs.
    for (long o = 0; o < outer; o++) {
      const float* r = x + o * mid;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      long m = 0;
      for (; m + 4 <= mid; m += 4) {
        s0 += r[m];
        s1 += r[m + 1];
        s2 += r[m + 2];
        s3 += r[m + 3];
      }
      for (; m < mid; m++) s0 += r[m];
      y[o] = static_cast<float>((s0 + s1) + (s2 + s3));
    }
    return;
  }
  // Column sums: walk rows in order (unit stride) and accumulate per column.
  auto part = [&](long o) {
    float* ry = y + o * inner;
    std::memset(ry, 0, sizeof(float) * inner);
    const float* base = x + o * mid * inner;
    for (long m = 0; m < mid; m++) {
      const float* r = base + m * inner;
      for (long i = 0; i < inner; i++) ry[i] += r[i];
    }
  };
  if (outer * mid * inner >= kParallelElems && outer > 1) {
    parallelFor(static_cast<int>(outer), [&](int o) { part(o); });
  } else if (outer == 1 && mid * inner >= kParallelElems && inner >= 64) {
    // Split the columns between threads.
    const long cols = 512;
    const int parts = static_cast<int>((inner + cols - 1) / cols);
    parallelFor(parts, [&](int t) {
      const long i0 = t * cols;
      const long i1 = std::min(inner, i0 + cols);
      for (long i = i0; i < i1; i++) y[i] = 0;
      for (long m = 0; m < mid; m++) {
        const float* r = x + m * inner;
        for (long i = i0; i < i1; i++) y[i] += r[i];
      }
    });
  } else {
    for (long o = 0; o < outer; o++) part(o);
  }
}

void softmaxF32(const float* x, float* y, long rows, long cols, bool log) {
  auto body = [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float mx = -std::numeric_limits<float>::infinity();
      bool nan = false;
      for (long i = 0; i < cols; i++) {
        if (xr[i] != xr[i]) nan = true;
        mx = std::max(mx, xr[i]);
      }
      if (nan) {
        for (long i = 0; i < cols; i++) yr[i] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      // A row of -inf has no finite max; shift by 0 so the result is NaN like exp(-inf)/0.
      if (!std::isfinite(mx)) mx = mx > 0 ? mx : 0;
      double sum = 0;
      for (long i = 0; i < cols; i++) {
        const float e = std::exp(xr[i] - mx);
        if (!log) yr[i] = e;
        sum += e;
      }
      if (log) {
        const float lse = static_cast<float>(std::log(sum));
        for (long i = 0; i < cols; i++) yr[i] = xr[i] - mx - lse;
      } else {
        const float inv = static_cast<float>(1.0 / sum);
        for (long i = 0; i < cols; i++) yr[i] *= inv;
      }
    }
  };
  if (rows * cols >= kParallelElems && rows > 1) {
    const long per = std::max(1L, kChunk / std::max(1L, cols));
    const int parts = static_cast<int>((rows + per - 1) / per);
    parallelFor(parts, [&](int t) { body(t * per, std::min(rows, t * per + per)); });
  } else {
    body(0, rows);
  }
}

void im2colF32(const ConvGeo& g, const float* x, float* cols) {
  const long kcols = static_cast<long>(g.kh) * g.kw * g.c;
  const long rowsTotal = static_cast<long>(g.n) * g.oh * g.ow;
  auto rowsRange = [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const int ox = static_cast<int>(r % g.ow);
      const int oy = static_cast<int>((r / g.ow) % g.oh);
      const int b = static_cast<int>(r / (static_cast<long>(g.ow) * g.oh));
      float* dst = cols + r * kcols;
      for (int ky = 0; ky < g.kh; ky++) {
        const int iy = oy * g.sh + ky * g.dh - g.pt;
        for (int kx = 0; kx < g.kw; kx++) {
          const int ix = ox * g.sw + kx * g.dw - g.pl;
          float* d = dst + (static_cast<long>(ky) * g.kw + kx) * g.c;
          const bool outside = iy < 0 || iy >= g.h || ix < 0 || ix >= g.w;
          const float* s = outside ? nullptr : x + ((static_cast<long>(b) * g.h + iy) * g.w + ix) * g.c;
          if (g.c < 16) {
            // A library call per pixel costs more than the copy for a few channels.
            for (int ch = 0; ch < g.c; ch++) d[ch] = outside ? 0.f : s[ch];
          } else if (outside) {
            std::memset(d, 0, sizeof(float) * g.c);
          } else {
            std::memcpy(d, s, sizeof(float) * g.c);
          }
        }
      }
    }
  };
  if (rowsTotal * kcols >= kParallelElems) {
    const long per = std::max(1L, kChunk / std::max(1L, kcols));
    const int parts = static_cast<int>((rowsTotal + per - 1) / per);
    parallelFor(parts, [&](int t) { rowsRange(t * per, std::min(rowsTotal, t * per + per)); });
  } else {
    rowsRange(0, rowsTotal);
  }
}

void col2imF32(const ConvGeo& g, const float* dcols, float* dx) {
  const long kcols = static_cast<long>(g.kh) * g.kw * g.c;
  // Images are independent, so threads split the batch and never write the same element.
  auto image = [&](int b) {
    for (int oy = 0; oy < g.oh; oy++) {
      for (int ox = 0; ox < g.ow; ox++) {
        const float* src = dcols + ((static_cast<long>(b) * g.oh + oy) * g.ow + ox) * kcols;
        for (int ky = 0; ky < g.kh; ky++) {
          const int iy = oy * g.sh + ky * g.dh - g.pt;
          if (iy < 0 || iy >= g.h) continue;
          for (int kx = 0; kx < g.kw; kx++) {
            const int ix = ox * g.sw + kx * g.dw - g.pl;
            if (ix < 0 || ix >= g.w) continue;
            const float* s = src + (static_cast<long>(ky) * g.kw + kx) * g.c;
            float* d = dx + ((static_cast<long>(b) * g.h + iy) * g.w + ix) * g.c;
            for (int ch = 0; ch < g.c; ch++) d[ch] += s[ch];
          }
        }
      }
    }
  };
  if (static_cast<long>(g.n) * g.oh * g.ow * kcols >= kParallelElems) {
    parallelFor(g.n, image);
  } else {
    for (int b = 0; b < g.n; b++) image(b);
  }
}

namespace {

// Images per chunk: about 4 MiB of columns, at least one image.
int chunkImages(const ConvGeo& g) {
  const long perImage = static_cast<long>(g.oh) * g.ow * g.kh * g.kw * g.c;
  return static_cast<int>(std::max(1L, std::min<long>(g.n, (1L << 20) / std::max(1L, perImage))));
}

// A 1×1, stride-1, unpadded convolution reads x itself as the column matrix.
bool pointwise(const ConvGeo& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
         g.oh == g.h && g.ow == g.w;
}

float* scratch(long n) {
  // Only Node's main thread calls the conv entry points, so one buffer serves them all.
  static std::vector<float> buf;
  if (static_cast<long>(buf.size()) < n) buf.resize(n);
  return buf.data();
}

GemmArgs plain(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
               int ldc) {
  GemmArgs ga;
  ga.transA = false;
  ga.transB = false;
  ga.M = m;
  ga.N = n;
  ga.K = k;
  ga.A = a;
  ga.lda = lda;
  ga.B = b;
  ga.ldb = ldb;
  ga.C = c;
  ga.ldc = ldc;
  return ga;
}

}  // namespace

namespace {

// A convolution whose window holds few values (kh·kw·c ≤ kDirectK: a first layer on 1–3
// channels) is a GEMM with a depth of 9–27, where packing and the micro-kernel's C loads and
// stores cost more than the FMAs. The direct kernels below walk output pixels and keep each
// pixel's cout outputs (or, for the filter gradient, a private K × cout accumulator) in L1,
// vectorised over cout (in registers where cout is 8, 16, 32 or 64). MNIST's first
// Conv2D(32, 3) on 64 images: forward 1.45 -> 0.9 ms, filter gradient 2.1 -> 1.2 ms.
constexpr int kDirectK = 32;
constexpr int kDirectCout = 512;

bool directConv(const ConvGeo& g, int cout) {
  return g.kh * g.kw * g.c <= kDirectK && cout <= kDirectCout && cout > 0;
}

// Calls fn(b, oy, ox, p) for output pixels [p0, p1) of the flattened n·oh·ow grid (one
// division at the start, then an odometer).
template <typename F>
void pixels(const ConvGeo& g, long p0, long p1, F&& fn) {
  if (p0 >= p1) return;
  const long per = static_cast<long>(g.oh) * g.ow;
  int b = static_cast<int>(p0 / per);
  const long r = p0 - b * per;
  int oy = static_cast<int>(r / g.ow);
  int ox = static_cast<int>(r % g.ow);
  for (long p = p0; p < p1; p++) {
    fn(b, oy, ox, p);
    if (++ox == g.ow) {
      ox = 0;
      if (++oy == g.oh) {
        oy = 0;
        b++;
      }
    }
  }
}

// Window taps of output pixel (b, oy, ox) inside the image: fn(xs, tap) with xs the input's
// channels at that tap and tap = ky·kw + kx.
template <typename F>
inline void taps(const ConvGeo& g, const float* x, int b, int oy, int ox, F&& fn) {
  for (int ky = 0; ky < g.kh; ky++) {
    const int iy = oy * g.sh + ky * g.dh - g.pt;
    if (iy < 0 || iy >= g.h) continue;
    for (int kx = 0; kx < g.kw; kx++) {
      const int ix = ox * g.sw + kx * g.dw - g.pl;
      if (ix < 0 || ix >= g.w) continue;
      fn(x + ((static_cast<long>(b) * g.h + iy) * g.w + ix) * g.c, ky * g.kw + kx);
    }
  }
}

// Splits the n·oh·ow output pixels into parts of about kChunk outputs over the pool.
template <typename F>
void overPixels(const ConvGeo& g, int cout, F&& range) {
  const long total = static_cast<long>(g.n) * g.oh * g.ow;
  const long per = std::max(1L, kChunk / cout);
  const int parts = static_cast<int>((total + per - 1) / per);
  if (total * cout < kParallelElems) range(0L, total);
  else parallelFor(parts, [&](int t) { range(t * per, std::min(total, t * per + per)); });
}

// cout = 8·NV: one pixel's outputs live in NV vector registers across all its taps. Plain
// loops over a run of pixels along one output row (no lambdas around the accumulators, which
// kept them in memory); the sums run tap by tap, channel by channel, as before.
template <int NV>
void conv2dDirectV(const ConvGeo& g, const float* x, const float* w, float* y, int cout,
                   const float* bias, bool relu, bool epilogue) {
  overPixels(g, cout, [&](long p0, long p1) {
    const long per = static_cast<long>(g.oh) * g.ow;
    for (long p = p0; p < p1;) {
      const int b = static_cast<int>(p / per);
      const long r = p - b * per;
      const int oy = static_cast<int>(r / g.ow);
      const int ox0 = static_cast<int>(r % g.ow);
      const int oxEnd = static_cast<int>(std::min<long>(g.ow, ox0 + (p1 - p)));
      for (int ox = ox0; ox < oxEnd; ox++) {
        v8f acc[NV];
        for (int j = 0; j < NV; j++) acc[j] = v8f{};
        for (int ky = 0; ky < g.kh; ky++) {
          const int iy = oy * g.sh + ky * g.dh - g.pt;
          if (iy < 0 || iy >= g.h) continue;
          const float* xrow = x + (static_cast<long>(b) * g.h + iy) * g.w * g.c;
          for (int kx = 0; kx < g.kw; kx++) {
            const int ix = ox * g.sw + kx * g.dw - g.pl;
            if (ix < 0 || ix >= g.w) continue;
            const float* xs = xrow + static_cast<long>(ix) * g.c;
            const float* wr = w + static_cast<long>((ky * g.kw + kx) * g.c) * cout;
            for (int ch = 0; ch < g.c; ch++) {
              const v8f v = vsplat(xs[ch]);
              for (int j = 0; j < NV; j++) acc[j] += v * ld(wr + ch * cout + 8 * j);
            }
          }
        }
        float* o = y + (p + (ox - ox0)) * cout;
        for (int j = 0; j < NV; j++) st(o + 8 * j, acc[j]);
        // The layer epilogue on the pixel just written (in L1), with epilogueInPlace's
        // arithmetic: the output is never read back from memory for it.
        if (epilogue) {
          for (int k = 0; k < 8 * NV; k++) {
            const float v = bias ? o[k] + bias[k] : o[k];
            o[k] = relu ? (v > 0 ? v : (v == v ? 0.f : v)) : v;
          }
        }
      }
      p += oxEnd - ox0;
    }
  });
}

// Any cout: the outputs accumulate in y's row (L1-resident) instead of registers.
void conv2dDirectAny(const ConvGeo& g, const float* x, const float* w, float* y, int cout) {
  overPixels(g, cout, [&](long p0, long p1) {
    pixels(g, p0, p1, [&](int b, int oy, int ox, long p) {
      float* __restrict o = y + p * cout;
      for (int co = 0; co < cout; co++) o[co] = 0.f;
      taps(g, x, b, oy, ox, [&](const float* xs, int tap) {
        const float* wr = w + static_cast<long>(tap * g.c) * cout;
        for (int ch = 0; ch < g.c; ch++) {
          const float v = xs[ch];
          const float* __restrict wc = wr + static_cast<long>(ch) * cout;
          for (int co = 0; co < cout; co++) o[co] += v * wc[co];
        }
      });
    });
  });
}

// Returns whether it applied the epilogue too (the vector kernels do, per pixel).
bool conv2dDirect(const ConvGeo& g, const float* x, const float* w, float* y, int cout,
                  const float* bias, bool relu, bool epilogue) {
  switch (cout) {
    case 8: conv2dDirectV<1>(g, x, w, y, cout, bias, relu, epilogue); return true;
    case 16: conv2dDirectV<2>(g, x, w, y, cout, bias, relu, epilogue); return true;
    case 32: conv2dDirectV<4>(g, x, w, y, cout, bias, relu, epilogue); return true;
    case 64: conv2dDirectV<8>(g, x, w, y, cout, bias, relu, epilogue); return true;
    default: conv2dDirectAny(g, x, w, y, cout); return false;
  }
}

// dW = Σ over pixels of (window values) ⊗ dy: each of a fixed number of parts sums its pixels
// into a private K × cout block, then the blocks are added in order, so the result does not
// depend on the thread count.
template <typename F>
void filterParts(const ConvGeo& g, int cout, float* dw, F&& part) {
  const long block = static_cast<long>(g.kh) * g.kw * g.c * cout;
  const long total = static_cast<long>(g.n) * g.oh * g.ow;
  constexpr int kParts = 8;
  const int parts = total * cout < kParallelElems ? 1 : kParts;
  static std::vector<float> acc;
  if (static_cast<long>(acc.size()) < parts * block) acc.resize(parts * block);
  const long per = (total + parts - 1) / parts;
  auto run = [&](int t) {
    float* a = acc.data() + t * block;
    std::fill(a, a + block, 0.f);
    part(a, t * per, std::min(total, t * per + per));
  };
  if (parts == 1) run(0);
  else parallelFor(parts, run);
  std::copy(acc.data(), acc.data() + block, dw);
  for (int t = 1; t < parts; t++) {
    const float* a = acc.data() + t * block;
    for (long i = 0; i < block; i++) dw[i] += a[i];
  }
}

template <int NV>
void filterDirectV(const ConvGeo& g, const float* x, const float* dy, float* dw, int cout) {
  filterParts(g, cout, dw, [&](float* a, long p0, long p1) {
    // A run of pixels along one output row at a time: for each tap and channel the run's
    // products sum in NV vector registers and reach the accumulator block once per run, not
    // once per pixel (a load and a store for every FMA, chained through memory, before).
    const long per = static_cast<long>(g.oh) * g.ow;
    for (long p = p0; p < p1;) {
      const int b = static_cast<int>(p / per);
      const long r = p - b * per;
      const int oy = static_cast<int>(r / g.ow);
      const int ox0 = static_cast<int>(r % g.ow);
      const int oxEnd = static_cast<int>(std::min<long>(g.ow, ox0 + (p1 - p)));
      for (int ky = 0; ky < g.kh; ky++) {
        const int iy = oy * g.sh + ky * g.dh - g.pt;
        if (iy < 0 || iy >= g.h) continue;
        const float* xrow = x + (static_cast<long>(b) * g.h + iy) * g.w * g.c;
        for (int kx = 0; kx < g.kw; kx++) {
          // The outputs of the run whose tap falls inside the row: ix = ox·sw + kx·dw − pl.
          const int off = kx * g.dw - g.pl;
          int lo = ox0, hi = oxEnd;
          while (lo < hi && lo * g.sw + off < 0) lo++;
          while (hi > lo && (hi - 1) * g.sw + off >= g.w) hi--;
          if (lo >= hi) continue;
          const int tap = ky * g.kw + kx;
          for (int ch = 0; ch < g.c; ch++) {
            v8f acc[NV];
            for (int j = 0; j < NV; j++) acc[j] = v8f{};
            const float* xs = xrow + static_cast<long>(lo * g.sw + off) * g.c + ch;
            const float* d = dy + (p + (lo - ox0)) * cout;
            const long xstep = static_cast<long>(g.sw) * g.c;
            for (int ox = lo; ox < hi; ox++, xs += xstep, d += cout) {
              const v8f v = vsplat(*xs);
              for (int j = 0; j < NV; j++) acc[j] += v * ld(d + 8 * j);
            }
            float* ac = a + static_cast<long>(tap * g.c + ch) * cout;
            for (int j = 0; j < NV; j++) st(ac + 8 * j, ld(ac + 8 * j) + acc[j]);
          }
        }
      }
      p += oxEnd - ox0;
    }
  });
}

void filterDirectAny(const ConvGeo& g, const float* x, const float* dy, float* dw, int cout) {
  filterParts(g, cout, dw, [&](float* a, long p0, long p1) {
    pixels(g, p0, p1, [&](int b, int oy, int ox, long p) {
      const float* __restrict d = dy + p * cout;
      taps(g, x, b, oy, ox, [&](const float* xs, int tap) {
        float* ar = a + static_cast<long>(tap * g.c) * cout;
        for (int ch = 0; ch < g.c; ch++) {
          const float v = xs[ch];
          float* __restrict ac = ar + static_cast<long>(ch) * cout;
          for (int co = 0; co < cout; co++) ac[co] += v * d[co];
        }
      });
    });
  });
}

void conv2dBackpropFilterDirect(const ConvGeo& g, const float* x, const float* dy, float* dw,
                                int cout) {
  switch (cout) {
    case 8: filterDirectV<1>(g, x, dy, dw, cout); return;
    case 16: filterDirectV<2>(g, x, dy, dw, cout); return;
    case 32: filterDirectV<4>(g, x, dy, dw, cout); return;
    case 64: filterDirectV<8>(g, x, dy, dw, cout); return;
    default: filterDirectAny(g, x, dy, dw, cout); return;
  }
}

}  // namespace

// The layer epilogue act(y + bias) applied in place (biasActF32's arithmetic, so the fused and
// the separate passes give the same bits), rows split over the pool like biasActF32.
static void epilogueInPlace(float* y, const float* bias, long rows, long cols, bool relu) {
  auto run = [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      float* yr = y + r * cols;
      if (bias && relu) {
        for (long j = 0; j < cols; j++) {
          const float v = yr[j] + bias[j];
          yr[j] = v > 0 ? v : (v == v ? 0.f : v);
        }
      } else if (bias) {
        for (long j = 0; j < cols; j++) yr[j] = yr[j] + bias[j];
      } else if (relu) {
        for (long j = 0; j < cols; j++) {
          const float v = yr[j];
          yr[j] = v > 0 ? v : (v == v ? 0.f : v);
        }
      }
    }
  };
  if (rows * cols < kParallelElems) {
    run(0, rows);
    return;
  }
  const long per = std::max(1L, kChunk / std::max(1L, cols));
  const int parts = static_cast<int>((rows + per - 1) / per);
  parallelFor(parts, [&](int t) { run(t * per, std::min(rows, t * per + per)); });
}

void conv2dF32(const ConvGeo& g, const float* x, const float* w, float* y, int cout,
               const float* bias, bool relu, bool epilogue) {
  const int K = g.kh * g.kw * g.c;
  const long rowsImg = static_cast<long>(g.oh) * g.ow;
  if (directConv(g, cout) && !pointwise(g)) {
    const bool fused = conv2dDirect(g, x, w, y, cout, bias, relu, epilogue);
    if (epilogue && !fused) epilogueInPlace(y, bias, g.n * rowsImg, cout, relu);
    return;
  }
  if (pointwise(g)) {
    gemm(plain(static_cast<int>(g.n * rowsImg), cout, K, x, K, w, cout, y, cout));
    if (epilogue) epilogueInPlace(y, bias, g.n * rowsImg, cout, relu);
    return;
  }
  const int per = chunkImages(g);
  float* cols = scratch(per * rowsImg * K);
  for (int b0 = 0; b0 < g.n; b0 += per) {
    ConvGeo sub = g;
    sub.n = std::min(per, g.n - b0);
    im2colF32(sub, x + static_cast<long>(b0) * g.h * g.w * g.c, cols);
    const int rows = static_cast<int>(sub.n * rowsImg);
    float* yc = y + b0 * rowsImg * cout;
    gemm(plain(rows, cout, K, cols, K, w, cout, yc, cout));
    // The chunk's output is still in cache: the epilogue costs no separate pass over memory.
    if (epilogue) epilogueInPlace(yc, bias, rows, cout, relu);
  }
}

void conv2dBackpropInputF32(const ConvGeo& g, const float* dy, const float* w, float* dx, int cout) {
  const int K = g.kh * g.kw * g.c;
  const long rowsImg = static_cast<long>(g.oh) * g.ow;
  if (pointwise(g)) {
    GemmArgs ga = plain(static_cast<int>(g.n * rowsImg), K, cout, dy, cout, w, cout, dx, K);
    ga.transB = true;
    gemm(ga);
    return;
  }
  const int per = chunkImages(g);
  float* dcols = scratch(per * rowsImg * K);
  for (int b0 = 0; b0 < g.n; b0 += per) {
    ConvGeo sub = g;
    sub.n = std::min(per, g.n - b0);
    const int rows = static_cast<int>(sub.n * rowsImg);
    // dcols = dy · Wᵀ (W read transposed through packing), then scattered back onto the image.
    GemmArgs ga = plain(rows, K, cout, dy + b0 * rowsImg * cout, cout, w, cout, dcols, K);
    ga.transB = true;
    gemm(ga);
    col2imF32(sub, dcols, dx + static_cast<long>(b0) * g.h * g.w * g.c);
  }
}

void conv2dBackpropFilterF32(const ConvGeo& g, const float* x, const float* dy, float* dw, int cout) {
  const int K = g.kh * g.kw * g.c;
  const long rowsImg = static_cast<long>(g.oh) * g.ow;
  if (directConv(g, cout) && !pointwise(g) && g.n > 0) {
    conv2dBackpropFilterDirect(g, x, dy, dw, cout);
    return;
  }
  if (pointwise(g)) {
    GemmArgs ga = plain(K, cout, static_cast<int>(g.n * rowsImg), x, K, dy, cout, dw, cout);
    ga.transA = true;
    gemm(ga);
    return;
  }
  const int per = chunkImages(g);
  float* cols = scratch(per * rowsImg * K);
  for (int b0 = 0; b0 < g.n; b0 += per) {
    ConvGeo sub = g;
    sub.n = std::min(per, g.n - b0);
    im2colF32(sub, x + static_cast<long>(b0) * g.h * g.w * g.c, cols);
    const int rows = static_cast<int>(sub.n * rowsImg);
    // dW (+)= colsᵀ · dy over the chunks.
    GemmArgs ga = plain(K, cout, rows, cols, K, dy + b0 * rowsImg * cout, cout, dw, cout);
    ga.transA = true;
    ga.accumulate = b0 > 0;
    gemm(ga);
  }
}

void maxPoolF32(const ConvGeo& g, const float* x, float* y) {
  const float ninf = -std::numeric_limits<float>::infinity();
  auto image = [&](int b) {
    for (int oy = 0; oy < g.oh; oy++) {
      const int y0 = oy * g.sh - g.pt;
      const int ylo = std::max(y0, 0), yhi = std::min(y0 + g.kh, g.h);
      for (int ox = 0; ox < g.ow; ox++) {
        const int x0 = ox * g.sw - g.pl;
        const int xlo = std::max(x0, 0), xhi = std::min(x0 + g.kw, g.w);
        float* o = y + ((static_cast<long>(b) * g.oh + oy) * g.ow + ox) * g.c;
        for (int ch = 0; ch < g.c; ch++) o[ch] = ninf;
        for (int yy = ylo; yy < yhi; yy++) {
          for (int xx = xlo; xx < xhi; xx++) {
            const float* s = x + ((static_cast<long>(b) * g.h + yy) * g.w + xx) * g.c;
            for (int ch = 0; ch < g.c; ch++) {
              const float v = s[ch], cur = o[ch];
              o[ch] = (v > cur || (v != v && cur == cur)) ? v : cur;
            }
          }
        }
      }
    }
  };
  if (static_cast<long>(g.n) * g.h * g.w * g.c >= kParallelElems) parallelFor(g.n, image);
  else for (int b = 0; b < g.n; b++) image(b);
}

void maxPoolBackwardF32(const ConvGeo& g, const float* dy, const float* x, float* dx) {
  auto image = [&](int b) {
    float best[256];
    long arg[256];
    for (int oy = 0; oy < g.oh; oy++) {
      const int y0 = oy * g.sh - g.pt;
      const int ylo = std::max(y0, 0), yhi = std::min(y0 + g.kh, g.h);
      for (int ox = 0; ox < g.ow; ox++) {
        const int x0 = ox * g.sw - g.pl;
        const int xlo = std::max(x0, 0), xhi = std::min(x0 + g.kw, g.w);
        if (ylo >= yhi || xlo >= xhi) continue;
        const float* d = dy + ((static_cast<long>(b) * g.oh + oy) * g.ow + ox) * g.c;
        // Channels in blocks of 256 so the running max stays on the stack.
        for (int c0 = 0; c0 < g.c; c0 += 256) {
          const int cn = std::min(256, g.c - c0);
          const long s0 = ((static_cast<long>(b) * g.h + ylo) * g.w + xlo) * g.c + c0;
          for (int ch = 0; ch < cn; ch++) {
            best[ch] = x[s0 + ch];
            arg[ch] = s0;
          }
          for (int yy = ylo; yy < yhi; yy++) {
            for (int xx = (yy == ylo ? xlo + 1 : xlo); xx < xhi; xx++) {
              const long s = ((static_cast<long>(b) * g.h + yy) * g.w + xx) * g.c + c0;
              for (int ch = 0; ch < cn; ch++) {
                const float v = x[s + ch], cur = best[ch];
                if (v > cur || (v != v && cur == cur)) {
                  best[ch] = v;
                  arg[ch] = s;
                }
              }
            }
          }
          for (int ch = 0; ch < cn; ch++) dx[arg[ch] + ch] += d[c0 + ch];
        }
      }
    }
  };
  if (static_cast<long>(g.n) * g.h * g.w * g.c >= kParallelElems) parallelFor(g.n, image);
  else for (int b = 0; b < g.n; b++) image(b);
}

namespace {

// Channels per work item of the argmax pool: the running max and argmax of a block stay in
// registers/stack, and batch × channel-block items keep both threads busy even for small n.
constexpr int kPoolChannels = 64;

}  // namespace

void maxPoolArgmaxF32(const ConvGeo& g, const float* x, float* y, int32_t* arg) {
  const float ninf = -std::numeric_limits<float>::infinity();
  const int blocks = (g.c + kPoolChannels - 1) / kPoolChannels;
  auto item = [&](int t) {
    const int b = t / blocks;
    const int c0 = (t % blocks) * kPoolChannels;
    const int cn = std::min(kPoolChannels, g.c - c0);
    float best[kPoolChannels];
    int32_t at[kPoolChannels];
    for (int oy = 0; oy < g.oh; oy++) {
      const int y0 = oy * g.sh - g.pt;
      const int ylo = std::max(y0, 0), yhi = std::min(y0 + g.kh, g.h);
      for (int ox = 0; ox < g.ow; ox++) {
        const int x0 = ox * g.sw - g.pl;
        const int xlo = std::max(x0, 0), xhi = std::min(x0 + g.kw, g.w);
        const long o = ((static_cast<long>(b) * g.oh + oy) * g.ow + ox) * g.c + c0;
        if (ylo >= yhi || xlo >= xhi) {
          for (int ch = 0; ch < cn; ch++) {
            y[o + ch] = ninf;
            arg[o + ch] = -1;
          }
          continue;
        }
        // −∞ with the first position as argmax, replaced on "greater, or NaN over a number":
        // the same pick as maxPoolBackwardF32 (ties keep the first, the first NaN wins).
        const int32_t s0 = static_cast<int32_t>(((static_cast<long>(b) * g.h + ylo) * g.w + xlo) * g.c + c0);
        int ch8 = 0;
        // Eight channels at a time in vector registers (the scalar loop below, which the
        // compiler leaves as selects on memory, ran 4× slower than the plain max pool).
        for (; ch8 + 8 <= cn; ch8 += 8) {
          const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
          v8f vb = vsplat(ninf);
          v8i va = lane + (s0 + ch8);
          for (int yy = ylo; yy < yhi; yy++) {
            for (int xx = xlo; xx < xhi; xx++) {
              const int32_t s =
                  static_cast<int32_t>(((static_cast<long>(b) * g.h + yy) * g.w + xx) * g.c + c0 + ch8);
              const v8f v = ld(x + s);
              const v8i take = (v > vb) | ((v != v) & (vb == vb));
              vb = take ? v : vb;
              va = take ? lane + s : va;
            }
          }
          st(y + o + ch8, vb);
          std::memcpy(arg + o + ch8, &va, sizeof va);
        }
        if (ch8 == cn) continue;
        for (int ch = ch8; ch < cn; ch++) {
          best[ch] = ninf;
          at[ch] = s0 + ch;
        }
        for (int yy = ylo; yy < yhi; yy++) {
          for (int xx = xlo; xx < xhi; xx++) {
            const int32_t s = static_cast<int32_t>(((static_cast<long>(b) * g.h + yy) * g.w + xx) * g.c + c0);
            const float* src = x + s;
            for (int ch = ch8; ch < cn; ch++) {
              const float v = src[ch], cur = best[ch];
              const bool take = v > cur || (v != v && cur == cur);
              best[ch] = take ? v : cur;
              at[ch] = take ? s + ch : at[ch];
            }
          }
        }
        for (int ch = ch8; ch < cn; ch++) {
          y[o + ch] = best[ch];
          arg[o + ch] = at[ch];
        }
      }
    }
  };
  const int items = g.n * blocks;
  if (static_cast<long>(g.n) * g.h * g.w * g.c >= kParallelElems && items > 1) {
    parallelFor(items, item);
  } else {
    for (int t = 0; t < items; t++) item(t);
  }
}

void maxPoolBackwardArgmaxF32(const ConvGeo& g, const float* dy, const int32_t* arg, float* dx) {
  maxPoolBackwardArgmaxReluF32(g, dy, arg, nullptr, dx);
}

// With y null: the max-pool gradient. With y: relu's gradient folded in, an output's gradient
// landing only where the pooled relu output is positive (NaN compares false, as reluGrad's
// select), so the separate pass over dx that reluGrad would make is gone.
void maxPoolBackwardArgmaxReluF32(const ConvGeo& g, const float* dy, const int32_t* arg,
                                  const float* y, float* dx) {
  const long outImg = static_cast<long>(g.oh) * g.ow * g.c;
  const long inImg = static_cast<long>(g.h) * g.w * g.c;
  // An image's outputs point into that image only, so threads split the batch and never write
  // the same element; within an image the sums run in output order, as the js backend's. An
  // index outside its image (never produced by maxPoolArgmaxF32) is skipped, not trusted.
  // Each image's dx is zeroed here, by the thread that scatters into it right after (cache-hot,
  // and split over the pool), instead of in one pass over the whole output beforehand.
  auto image = [&](int b) {
    const long lo = b * inImg, hi = lo + inImg;
    std::fill(dx + lo, dx + hi, 0.f);
    const float* d = dy + b * outImg;
    const int32_t* a = arg + b * outImg;
    for (long i = 0; i < outImg; i++) {
      const long k = a[i];
      if (k >= lo && k < hi && (!y || y[k] > 0.f)) dx[k] += d[i];
    }
  };
  if (static_cast<long>(g.n) * inImg >= kParallelElems) parallelFor(g.n, image);
  else for (int b = 0; b < g.n; b++) image(b);
}

void gatherF32(const float* x, const int32_t* idx, float* y, long outer, long n, long numIdx,
               long inner) {
  const long rows = outer * numIdx;
  auto body = [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const long o = r / numIdx, i = r % numIdx;
      std::memcpy(y + r * inner, x + (o * n + idx[i]) * inner, sizeof(float) * inner);
    }
  };
  if (rows * inner >= kParallelElems && rows > 1) {
    const long per = std::max(1L, kChunk / std::max(1L, inner));
    const int parts = static_cast<int>((rows + per - 1) / per);
    parallelFor(parts, [&](int t) { body(t * per, std::min(rows, t * per + per)); });
  } else {
    body(0, rows);
  }
}

void scatterAddF32(const float* u, const int32_t* idx, float* y, long outer, long n, long numIdx,
                   long inner) {
  // y arrives uninitialised (the Embedding gradient is 10000×32 per step: zeroing it in JS and
  // again here would be two passes). Each part owns a range of destination rows: it zeroes
  // them, then scans every index and adds the updates that land in its range. Several indices
  // may name the same row, so a row's sum runs in index order, as the js backend's, whatever
  // the thread count; the index scan is repeated per part, which is cheap beside the rows.
  auto part = [&](long r0, long r1) {
    for (long o = 0; o < outer; o++) {
      std::memset(y + (o * n + r0) * inner, 0, sizeof(float) * (r1 - r0) * inner);
      for (long i = 0; i < numIdx; i++) {
        const long k = idx[i];
        if (k < r0 || k >= r1) continue;
        float* __restrict d = y + (o * n + k) * inner;
        const float* s = u + (o * numIdx + i) * inner;
        for (long j = 0; j < inner; j++) d[j] += s[j];
      }
    }
  };
  const long work = outer * (n + numIdx) * inner;
  if (work < kParallelElems || n < 2) {
    part(0, n);
    return;
  }
  const int parts = static_cast<int>(std::min<long>(n, 4L * poolSize()));
  parallelFor(parts, [&](int t) { part(n * t / parts, n * (t + 1) / parts); });
}

void gruCellF32(const float* x, const float* r, const float* h, float* y, long batch,
                long units) {
  const long u = units;
  for (long b = 0; b < batch; b++) {
    const float* xr = x + b * 3 * u;
    const float* rr = r + b * 3 * u;
    const float* hr = h + b * u;
    float* yr = y + b * u;
    long j = 0;
    for (; j + 8 <= u; j += 8) {
      const v8f z = vsigmoid(ld(xr + j) + ld(rr + j));
      const v8f rho = vsigmoid(ld(xr + u + j) + ld(rr + u + j));
      const v8f hh = vtanh(ld(xr + 2 * u + j) + rho * ld(rr + 2 * u + j));
      st(yr + j, hh + z * (ld(hr + j) - hh));
    }
    for (; j < u; j++) {
      const float z = sigmoidf(xr[j] + rr[j]);
      const float rho = sigmoidf(xr[u + j] + rr[u + j]);
      const float hh = std::tanh(xr[2 * u + j] + rho * rr[2 * u + j]);
      yr[j] = hh + z * (hr[j] - hh);
    }
  }
}

void gruCellGradF32(const float* x, const float* r, const float* h, const float* dy, float* dx,
                    float* dr, float* dh, long batch, long units) {
  const long u = units;
  for (long b = 0; b < batch; b++) {
    const float* xr = x + b * 3 * u;
    const float* rr = r + b * 3 * u;
    const float* hr = h + b * u;
    const float* g = dy + b * u;
    float* dxr = dx + b * 3 * u;
    float* drr = dr + b * 3 * u;
    float* dhr = dh + b * u;
    long j = 0;
    for (; j + 8 <= u; j += 8) {
      const v8f z = vsigmoid(ld(xr + j) + ld(rr + j));
      const v8f rho = vsigmoid(ld(xr + u + j) + ld(rr + u + j));
      const v8f rh = ld(rr + 2 * u + j);
      const v8f hh = vtanh(ld(xr + 2 * u + j) + rho * rh);
      const v8f gj = ld(g + j);
      const v8f dz = gj * (ld(hr + j) - hh) * z * (1.f - z);
      const v8f dhhPre = gj * (1.f - z) * (1.f - hh * hh);
      const v8f drho = dhhPre * rh * rho * (1.f - rho);
      st(dxr + j, dz);
      st(dxr + u + j, drho);
      st(dxr + 2 * u + j, dhhPre);
      st(drr + j, dz);
      st(drr + u + j, drho);
      st(drr + 2 * u + j, dhhPre * rho);
      st(dhr + j, gj * z);
    }
    for (; j < u; j++) {
      const float z = sigmoidf(xr[j] + rr[j]);
      const float rho = sigmoidf(xr[u + j] + rr[u + j]);
      const float rh = rr[2 * u + j];
      const float hh = std::tanh(xr[2 * u + j] + rho * rh);
      const float gj = g[j];
      const float dz = gj * (hr[j] - hh) * z * (1.f - z);
      const float dhhPre = gj * (1.f - z) * (1.f - hh * hh);
      const float drho = dhhPre * rh * rho * (1.f - rho);
      dxr[j] = dz;
      dxr[u + j] = drho;
      dxr[2 * u + j] = dhhPre;
      drr[j] = dz;
      drr[u + j] = drho;
      drr[2 * u + j] = dhhPre * rho;
      dhr[j] = gj * z;
    }
  }
}

void lstmCellF32(const float* z, const float* c, float* hc, long batch, long units) {
  const long u = units;
  auto rows = [&](long b0, long b1) {
    for (long b = b0; b < b1; b++) {
      const float* zr = z + b * 4 * u;
      const float* cr = c + b * u;
      float* h = hc + b * 2 * u;
      long j = 0;
      for (; j + 8 <= u; j += 8) {
        const v8f i = vsigmoid(ld(zr + j));
        const v8f f = vsigmoid(ld(zr + u + j));
        const v8f g = vtanh(ld(zr + 2 * u + j));
        const v8f o = vsigmoid(ld(zr + 3 * u + j));
        const v8f c2 = f * ld(cr + j) + i * g;
        st(h + j, o * vtanh(c2));
        st(h + u + j, c2);
      }
      for (; j < u; j++) {
        const float i = sigmoidf(zr[j]);
        const float f = sigmoidf(zr[u + j]);
        const float g = std::tanh(zr[2 * u + j]);
        const float o = sigmoidf(zr[3 * u + j]);
        const float c2 = f * cr[j] + i * g;
        h[j] = o * std::tanh(c2);
        h[u + j] = c2;
      }
    }
  };
  if (batch * u * 4 >= kParallelElems) {
    const long per = std::max(1L, kChunk / std::max(1L, 4 * u));
    const int parts = static_cast<int>((batch + per - 1) / per);
    parallelFor(parts, [&](int t) { rows(t * per, std::min(batch, t * per + per)); });
  } else {
    rows(0, batch);
  }
}

void lstmCellGradF32(const float* z, const float* c, const float* hc, const float* dhc, float* dz,
                     float* dc, long batch, long units) {
  const long u = units;
  auto rows = [&](long b0, long b1) {
    for (long b = b0; b < b1; b++) {
      const float* zr = z + b * 4 * u;
      const float* cr = c + b * u;
      const float* h = hc + b * 2 * u;
      const float* d = dhc + b * 2 * u;
      float* dzr = dz + b * 4 * u;
      float* dcr = dc + b * u;
      long j = 0;
      for (; j + 8 <= u; j += 8) {
        const v8f i = vsigmoid(ld(zr + j));
        const v8f f = vsigmoid(ld(zr + u + j));
        const v8f g = vtanh(ld(zr + 2 * u + j));
        const v8f o = vsigmoid(ld(zr + 3 * u + j));
        const v8f tc = vtanh(ld(h + u + j));
        const v8f dh = ld(d + j);
        const v8f dc2 = ld(d + u + j) + dh * o * (1.f - tc * tc);
        st(dzr + j, dc2 * g * i * (1.f - i));
        st(dzr + u + j, dc2 * ld(cr + j) * f * (1.f - f));
        st(dzr + 2 * u + j, dc2 * i * (1.f - g * g));
        st(dzr + 3 * u + j, dh * tc * o * (1.f - o));
        st(dcr + j, dc2 * f);
      }
      for (; j < u; j++) {
        const float i = sigmoidf(zr[j]);
        const float f = sigmoidf(zr[u + j]);
        const float g = std::tanh(zr[2 * u + j]);
        const float o = sigmoidf(zr[3 * u + j]);
        const float tc = std::tanh(h[u + j]);
        const float dh = d[j];
        const float dc2 = d[u + j] + dh * o * (1.f - tc * tc);
        dzr[j] = dc2 * g * i * (1.f - i);
        dzr[u + j] = dc2 * cr[j] * f * (1.f - f);
        dzr[2 * u + j] = dc2 * i * (1.f - g * g);
        dzr[3 * u + j] = dh * tc * o * (1.f - o);
        dcr[j] = dc2 * f;
      }
    }
  };
  if (batch * u * 4 >= kParallelElems) {
    const long per = std::max(1L, kChunk / std::max(1L, 4 * u));
    const int parts = static_cast<int>((batch + per - 1) / per);
    parallelFor(parts, [&](int t) { rows(t * per, std::min(batch, t * per + per)); });
  } else {
    rows(0, batch);
  }
}

void rmspropF32(const float* p, const float* g, const float* v, float* po, float* vo, long n,
                float lr, float rho, float oneMinusRho, float eps) {
  chunked(n, [&](long lo, long hi) {
    for (long i = lo; i < hi; i++) {
      const float gi = g[i];
      // The tensor formula's order: v·ρ + (g²)·(1 − ρ); (g·lr) / √(v' + ε).
      const float vi = v[i] * rho + (gi * gi) * oneMinusRho;
      vo[i] = vi;
      po[i] = p[i] - (gi * lr) / std::sqrt(vi + eps);
    }
  });
}

void adamF32(const float* p, const float* g, const float* m, const float* v, float* po, float* mo,
             float* vo, long n, float lr, float b1, float b2, float eps) {
  chunked(n, [&](long lo, long hi) {
    for (long i = lo; i < hi; i++) {
      const float gi = g[i];
      // The same association as the tensor formula m + (g − m)(1 − b1), so both paths agree.
      const float mi = m[i] + (gi - m[i]) * (1.f - b1);
      const float vi = v[i] + (gi * gi - v[i]) * (1.f - b2);
      mo[i] = mi;
      vo[i] = vi;
      po[i] = p[i] - (mi * lr) / (std::sqrt(vi) + eps);
    }
  });
}

}  // namespace tessera
