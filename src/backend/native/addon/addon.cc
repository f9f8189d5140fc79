// Node-API bindings of the native backend. Every function works in place on the memory of JS
// typed arrays (outputs are allocated by the caller in JS, so they are garbage-collected like
// any tensor), and checks each array's type and length against the sizes it is given before
// touching memory: a wrong call throws a TypeError/RangeError instead of corrupting the heap.
#include <napi.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "attention.h"
#include "gemm.h"
#include "kernels.h"
#include "gru_seq.h"
#include "lstm_seq.h"
#include "pool.h"

namespace tessera {
namespace {

[[noreturn]] void fail(Napi::Env env, const std::string& fn, const std::string& msg) {
  throw Napi::RangeError::New(env, "tessera native " + fn + ": " + msg);
}

long num(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<long>(info[i].As<Napi::Number>().Int64Value());
}

// A typed array argument of the expected element type, with at least `need` elements.
template <typename T, napi_typedarray_type Type>
T* arrayArg(const Napi::CallbackInfo& info, size_t i, long need, const char* fn) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Type) {
    fail(info.Env(), fn, "argument " + std::to_string(i) + " must be a " +
                             (Type == napi_float32_array ? "Float32Array"
                              : Type == napi_int32_array ? "Int32Array"
                                                         : "Uint8Array"));
  }
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  if (need < 0 || static_cast<long>(arr.ElementLength()) < need) {
    fail(info.Env(), fn, "argument " + std::to_string(i) + " has " +
                             std::to_string(arr.ElementLength()) + " elements, needs " +
                             std::to_string(need));
  }
  return arr.Data();
}

float* f32(const Napi::CallbackInfo& info, size_t i, long need, const char* fn) {
  return arrayArg<float, napi_float32_array>(info, i, need, fn);
}

// Elements an (outer × inner) walk with these strides touches.
long span(long outer, long inner, long os, long is) {
  if (outer <= 0 || inner <= 0) return 0;
  return (outer - 1) * os + (inner - 1) * is + 1;
}

void checkDims(Napi::Env env, const char* fn, std::initializer_list<long> dims) {
  for (long d : dims) {
    if (d < 0 || d > (1L << 31) - 1) fail(env, fn, "size out of range: " + std::to_string(d));
  }
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("isa", gemmIsa());
  o.Set("threads", poolSize());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const long t = num(info, 0);
  if (t < 1 || t > 256) fail(info.Env(), "setThreads", "threads must be in [1, 256], got " + std::to_string(t));
  setPoolSize(static_cast<int>(t));
  return info.Env().Undefined();
}

// gemm(batch, m, n, k, transA, transB, A, strideA, B, strideB, C)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* fn = "gemm";
  const long batch = num(info, 0), m = num(info, 1), n = num(info, 2), k = num(info, 3);
  const bool ta = info[4].As<Napi::Boolean>(), tb = info[5].As<Napi::Boolean>();
  const long sa = num(info, 7), sb = num(info, 9);
  checkDims(info.Env(), fn, {batch, m, n, k, sa, sb});
  const long lastA = batch > 0 ? (batch - 1) * sa + m * k : 0;
  const long lastB = batch > 0 ? (batch - 1) * sb + k * n : 0;
  GemmArgs g;
  g.transA = ta;
  g.transB = tb;
  g.M = static_cast<int>(m);
  g.N = static_cast<int>(n);
  g.K = static_cast<int>(k);
  g.A = f32(info, 6, lastA, fn);
  g.B = f32(info, 8, lastB, fn);
  g.C = f32(info, 10, batch * m * n, fn);
  g.lda = static_cast<int>(ta ? m : k);
  g.ldb = static_cast<int>(tb ? k : n);
  g.ldc = static_cast<int>(n);
  gemmBatched(g, static_cast<int>(batch), sa, sb);
  return info.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  const long op = num(info, 0);
  if (op < 0 || op >= U_COUNT) fail(info.Env(), fn, "unknown op code " + std::to_string(op));
  const long n = num(info, 3);
  checkDims(info.Env(), fn, {n});
  const float* x = f32(info, 1, n, fn);
  float* y = f32(info, 2, n, fn);
  unaryF32(static_cast<int>(op), x, y, n, info[4].As<Napi::Number>().FloatValue());
  return info.Env().Undefined();
}

// operand(info, i): array at i, outer stride at i+1, inner stride at i+2
template <typename T, napi_typedarray_type Type>
Operand operand(const Napi::CallbackInfo& info, size_t i, long outer, long inner, const char* fn) {
  const long os = num(info, i + 1), is = num(info, i + 2);
  if (os < 0 || is < 0 || is > 1) fail(info.Env(), fn, "bad operand strides");
  Operand o;
  o.data = arrayArg<T, Type>(info, i, span(outer, inner, os, is), fn);
  o.outerStride = os;
  o.innerStride = is;
  return o;
}

// binary(op, a, aos, ais, b, bos, bis, y, outer, inner)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  const long op = num(info, 0);
  if (op < 0 || op >= B_COUNT) fail(info.Env(), fn, "unknown op code " + std::to_string(op));
  const long outer = num(info, 8), inner = num(info, 9);
  checkDims(info.Env(), fn, {outer, inner, outer * inner});
  const Operand a = operand<float, napi_float32_array>(info, 1, outer, inner, fn);
  const Operand b = operand<float, napi_float32_array>(info, 4, outer, inner, fn);
  float* y = f32(info, 7, outer * inner, fn);
  binaryF32(static_cast<int>(op), a, b, y, outer, inner);
  return info.Env().Undefined();
}

// compare(op, a, aos, ais, b, bos, bis, y(Uint8Array), outer, inner)
Napi::Value Compare(const Napi::CallbackInfo& info) {
  const char* fn = "compare";
  const long op = num(info, 0);
  if (op < 0 || op >= C_COUNT) fail(info.Env(), fn, "unknown op code " + std::to_string(op));
  const long outer = num(info, 8), inner = num(info, 9);
  checkDims(info.Env(), fn, {outer, inner, outer * inner});
  const Operand a = operand<float, napi_float32_array>(info, 1, outer, inner, fn);
  const Operand b = operand<float, napi_float32_array>(info, 4, outer, inner, fn);
  uint8_t* y = arrayArg<uint8_t, napi_uint8_array>(info, 7, outer * inner, fn);
  compareF32(static_cast<int>(op), a, b, y, outer, inner);
  return info.Env().Undefined();
}

// where(cond, cos, cis, a, aos, ais, b, bos, bis, y, outer, inner)
Napi::Value Where(const Napi::CallbackInfo& info) {
  const char* fn = "where";
  const long outer = num(info, 10), inner = num(info, 11);
  checkDims(info.Env(), fn, {outer, inner, outer * inner});
  const Operand c = operand<uint8_t, napi_uint8_array>(info, 0, outer, inner, fn);
  const Operand a = operand<float, napi_float32_array>(info, 3, outer, inner, fn);
  const Operand b = operand<float, napi_float32_array>(info, 6, outer, inner, fn);
  float* y = f32(info, 9, outer * inner, fn);
  whereF32(c, a, b, y, outer, inner);
  return info.Env().Undefined();
}

// reduceSum(x, y, outer, mid, inner)
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  const char* fn = "reduceSum";
  const long outer = num(info, 2), mid = num(info, 3), inner = num(info, 4);
  checkDims(info.Env(), fn, {outer, mid, inner, outer * mid * inner});
  const float* x = f32(info, 0, outer * mid * inner, fn);
  float* y = f32(info, 1, outer * inner, fn);
  reduceSumF32(x, y, outer, mid, inner);
  return info.Env().Undefined();
}

// softmax(x, y, rows, cols, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const char* fn = "softmax";
  const long rows = num(info, 2), cols = num(info, 3);
  checkDims(info.Env(), fn, {rows, cols, rows * cols});
  const float* x = f32(info, 0, rows * cols, fn);
  float* y = f32(info, 1, rows * cols, fn);
  softmaxF32(x, y, rows, cols, info[4].As<Napi::Boolean>());
  return info.Env().Undefined();
}

// Geometry as an Int32Array: n h w c kh kw sh sw dh dw pt pl oh ow
ConvGeo geoArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      v.As<Napi::Int32Array>().ElementLength() != 14) {
    fail(info.Env(), fn, "geometry must be an Int32Array of 14 values");
  }
  const int32_t* p = v.As<Napi::Int32Array>().Data();
  for (int j = 0; j < 14; j++) {
    if (p[j] < 0 && j != 10 && j != 11) fail(info.Env(), fn, "negative geometry value");
  }
  for (int j : {4, 5, 6, 7, 8, 9}) {
    if (p[j] < 1) fail(info.Env(), fn, "window, stride and dilation must be ≥ 1");
  }
  return ConvGeo{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]};
}

long imageSize(const ConvGeo& g) { return static_cast<long>(g.n) * g.h * g.w * g.c; }
long outSize(const ConvGeo& g) { return static_cast<long>(g.n) * g.oh * g.ow * g.c; }

// conv2d(geo, x, w, y, cout)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const char* fn = "conv2d";
  const ConvGeo g = geoArg(info, 0, fn);
  const long cout = num(info, 4);
  checkDims(info.Env(), fn, {cout});
  const long kernel = static_cast<long>(g.kh) * g.kw * g.c * cout;
  const float* x = f32(info, 1, imageSize(g), fn);
  const float* w = f32(info, 2, kernel, fn);
  float* y = f32(info, 3, static_cast<long>(g.n) * g.oh * g.ow * cout, fn);
  conv2dF32(g, x, w, y, static_cast<int>(cout));
  return info.Env().Undefined();
}

// conv2dBiasAct(geo, x, w, y, cout, bias | null, relu): conv2d with the layer epilogue fused.
Napi::Value Conv2dBiasAct(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBiasAct";
  const ConvGeo g = geoArg(info, 0, fn);
  const long cout = num(info, 4);
  checkDims(info.Env(), fn, {cout});
  const long kernel = static_cast<long>(g.kh) * g.kw * g.c * cout;
  const float* x = f32(info, 1, imageSize(g), fn);
  const float* w = f32(info, 2, kernel, fn);
  float* y = f32(info, 3, static_cast<long>(g.n) * g.oh * g.ow * cout, fn);
  const float* bias = info[5].IsNull() ? nullptr : f32(info, 5, cout, fn);
  conv2dF32(g, x, w, y, static_cast<int>(cout), bias, info[6].As<Napi::Boolean>(), true);
  return info.Env().Undefined();
}

// conv2dBackpropInput(geo, dy, w, dx, cout)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackpropInput";
  const ConvGeo g = geoArg(info, 0, fn);
  const long cout = num(info, 4);
  checkDims(info.Env(), fn, {cout});
  const float* dy = f32(info, 1, static_cast<long>(g.n) * g.oh * g.ow * cout, fn);
  const float* w = f32(info, 2, static_cast<long>(g.kh) * g.kw * g.c * cout, fn);
  float* dx = f32(info, 3, imageSize(g), fn);
  conv2dBackpropInputF32(g, dy, w, dx, static_cast<int>(cout));
  return info.Env().Undefined();
}

// conv2dBackpropFilter(geo, x, dy, dw, cout)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackpropFilter";
  const ConvGeo g = geoArg(info, 0, fn);
  const long cout = num(info, 4);
  checkDims(info.Env(), fn, {cout});
  const float* x = f32(info, 1, imageSize(g), fn);
  const float* dy = f32(info, 2, static_cast<long>(g.n) * g.oh * g.ow * cout, fn);
  float* dw = f32(info, 3, static_cast<long>(g.kh) * g.kw * g.c * cout, fn);
  conv2dBackpropFilterF32(g, x, dy, dw, static_cast<int>(cout));
  return info.Env().Undefined();
}

Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool";
  const ConvGeo g = geoArg(info, 0, fn);
  const float* x = f32(info, 1, imageSize(g), fn);
  float* y = f32(info, 2, outSize(g), fn);
  maxPoolF32(g, x, y);
  return info.Env().Undefined();
}

Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolBackward";
  const ConvGeo g = geoArg(info, 0, fn);
  const float* dy = f32(info, 1, outSize(g), fn);
  const float* x = f32(info, 2, imageSize(g), fn);
  float* dx = f32(info, 3, imageSize(g), fn);
  maxPoolBackwardF32(g, dy, x, dx);
  return info.Env().Undefined();
}

// maxPoolArgmax(geo, x, y, arg): arg is an Int32Array of flat indices into x.
Napi::Value MaxPoolArgmax(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolArgmax";
  const ConvGeo g = geoArg(info, 0, fn);
  if (imageSize(g) > (1L << 31) - 1) fail(info.Env(), fn, "x too large for int32 indices");
  const float* x = f32(info, 1, imageSize(g), fn);
  float* y = f32(info, 2, outSize(g), fn);
  int32_t* arg = arrayArg<int32_t, napi_int32_array>(info, 3, outSize(g), fn);
  maxPoolArgmaxF32(g, x, y, arg);
  return info.Env().Undefined();
}

// maxPoolBackwardArgmax(geo, dy, arg, dx); the kernel skips indices outside their image.
Napi::Value MaxPoolBackwardArgmax(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolBackwardArgmax";
  const ConvGeo g = geoArg(info, 0, fn);
  const float* dy = f32(info, 1, outSize(g), fn);
  const int32_t* arg = arrayArg<int32_t, napi_int32_array>(info, 2, outSize(g), fn);
  float* dx = f32(info, 3, imageSize(g), fn);
  maxPoolBackwardArgmaxF32(g, dy, arg, dx);
  return info.Env().Undefined();
}

// maxPoolBackwardArgmaxRelu(geo, dy, arg, y, dx): the same, kept where y at the index is > 0.
Napi::Value MaxPoolBackwardArgmaxRelu(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolBackwardArgmaxRelu";
  const ConvGeo g = geoArg(info, 0, fn);
  const float* dy = f32(info, 1, outSize(g), fn);
  const int32_t* arg = arrayArg<int32_t, napi_int32_array>(info, 2, outSize(g), fn);
  const float* y = f32(info, 3, imageSize(g), fn);
  float* dx = f32(info, 4, imageSize(g), fn);
  maxPoolBackwardArgmaxReluF32(g, dy, arg, y, dx);
  return info.Env().Undefined();
}

const int32_t* indexArg(const Napi::CallbackInfo& info, size_t i, long numIdx, long n,
                        const char* fn) {
  const int32_t* idx = arrayArg<int32_t, napi_int32_array>(info, i, numIdx, fn);
  for (long k = 0; k < numIdx; k++) {
    if (idx[k] < 0 || idx[k] >= n) {
      fail(info.Env(), fn, "index " + std::to_string(idx[k]) + " at position " +
                               std::to_string(k) + " is outside [0, " + std::to_string(n) + ")");
    }
  }
  return idx;
}

// gather(x, idx, y, outer, n, numIdx, inner)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const char* fn = "gather";
  const long outer = num(info, 3), n = num(info, 4), numIdx = num(info, 5), inner = num(info, 6);
  checkDims(info.Env(), fn, {outer, n, numIdx, inner, outer * n * inner, outer * numIdx * inner});
  const float* x = f32(info, 0, outer * n * inner, fn);
  const int32_t* idx = indexArg(info, 1, numIdx, n, fn);
  float* y = f32(info, 2, outer * numIdx * inner, fn);
  gatherF32(x, idx, y, outer, n, numIdx, inner);
  return info.Env().Undefined();
}

// scatterAdd(u, idx, y, outer, n, numIdx, inner)
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  const char* fn = "scatterAdd";
  const long outer = num(info, 3), n = num(info, 4), numIdx = num(info, 5), inner = num(info, 6);
  checkDims(info.Env(), fn, {outer, n, numIdx, inner, outer * n * inner, outer * numIdx * inner});
  const float* u = f32(info, 0, outer * numIdx * inner, fn);
  const int32_t* idx = indexArg(info, 1, numIdx, n, fn);
  float* y = f32(info, 2, outer * n * inner, fn);
  scatterAddF32(u, idx, y, outer, n, numIdx, inner);
  return info.Env().Undefined();
}

// gruCell(x, r, h, y, batch, units)
Napi::Value GruCell(const Napi::CallbackInfo& info) {
  const char* fn = "gruCell";
  const long batch = num(info, 4), units = num(info, 5);
  checkDims(info.Env(), fn, {batch, units, batch * units * 3});
  const float* x = f32(info, 0, batch * 3 * units, fn);
  const float* r = f32(info, 1, batch * 3 * units, fn);
  const float* h = f32(info, 2, batch * units, fn);
  float* y = f32(info, 3, batch * units, fn);
  gruCellF32(x, r, h, y, batch, units);
  return info.Env().Undefined();
}

// gruCellGrad(x, r, h, dy, dx, dr, dh, batch, units)
Napi::Value GruCellGrad(const Napi::CallbackInfo& info) {
  const char* fn = "gruCellGrad";
  const long batch = num(info, 7), units = num(info, 8);
  checkDims(info.Env(), fn, {batch, units, batch * units * 3});
  const float* x = f32(info, 0, batch * 3 * units, fn);
  const float* r = f32(info, 1, batch * 3 * units, fn);
  const float* h = f32(info, 2, batch * units, fn);
  const float* dy = f32(info, 3, batch * units, fn);
  float* dx = f32(info, 4, batch * 3 * units, fn);
  float* dr = f32(info, 5, batch * 3 * units, fn);
  float* dh = f32(info, 6, batch * units, fn);
  gruCellGradF32(x, r, h, dy, dx, dr, dh, batch, units);
  return info.Env().Undefined();
}

// lstmCell(z, c, hc, batch, units)
Napi::Value LstmCell(const Napi::CallbackInfo& info) {
  const char* fn = "lstmCell";
  const long batch = num(info, 3), units = num(info, 4);
  checkDims(info.Env(), fn, {batch, units, batch * units * 4});
  const float* z = f32(info, 0, batch * 4 * units, fn);
  const float* c = f32(info, 1, batch * units, fn);
  float* hc = f32(info, 2, batch * 2 * units, fn);
  lstmCellF32(z, c, hc, batch, units);
  return info.Env().Undefined();
}

// lstmCellGrad(z, c, hc, dhc, dz, dc, batch, units)
Napi::Value LstmCellGrad(const Napi::CallbackInfo& info) {
  const char* fn = "lstmCellGrad";
  const long batch = num(info, 6), units = num(info, 7);
  checkDims(info.Env(), fn, {batch, units, batch * units * 4});
  const float* z = f32(info, 0, batch * 4 * units, fn);
  const float* c = f32(info, 1, batch * units, fn);
  const float* hc = f32(info, 2, batch * 2 * units, fn);
  const float* dhc = f32(info, 3, batch * 2 * units, fn);
  float* dz = f32(info, 4, batch * 4 * units, fn);
  float* dc = f32(info, 5, batch * units, fn);
  lstmCellGradF32(z, c, hc, dhc, dz, dc, batch, units);
  return info.Env().Undefined();
}

// biasAct(x, bias | null, y, rows, cols, relu)
Napi::Value BiasAct(const Napi::CallbackInfo& info) {
  const char* fn = "biasAct";
  const long rows = num(info, 3), cols = num(info, 4);
  checkDims(info.Env(), fn, {rows, cols});
  const float* x = f32(info, 0, rows * cols, fn);
  const float* bias = info[1].IsNull() ? nullptr : f32(info, 1, cols, fn);
  float* y = f32(info, 2, rows * cols, fn);
  biasActF32(x, bias, y, rows, cols, info[5].As<Napi::Boolean>());
  return info.Env().Undefined();
}

// rmsprop(p, g, v, pOut, vOut, lr, rho, oneMinusRho, eps)
Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  const char* fn = "rmsprop";
  const Napi::Value pv = info[0];
  if (!pv.IsTypedArray()) fail(info.Env(), fn, "argument 0 must be a Float32Array");
  const long n = static_cast<long>(pv.As<Napi::TypedArray>().ElementLength());
  const float* p = f32(info, 0, n, fn);
  const float* g = f32(info, 1, n, fn);
  const float* v = f32(info, 2, n, fn);
  float* po = f32(info, 3, n, fn);
  float* vo = f32(info, 4, n, fn);
  auto arg = [&](size_t i) { return info[i].As<Napi::Number>().FloatValue(); };
  rmspropF32(p, g, v, po, vo, n, arg(5), arg(6), arg(7), arg(8));
  return info.Env().Undefined();
}

// adam(p, g, m, v, pOut, mOut, vOut, lr, b1, b2, eps)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const char* fn = "adam";
  const Napi::Value pv = info[0];
  if (!pv.IsTypedArray()) fail(info.Env(), fn, "argument 0 must be a Float32Array");
  const long n = static_cast<long>(pv.As<Napi::TypedArray>().ElementLength());
  const float* p = f32(info, 0, n, fn);
  const float* g = f32(info, 1, n, fn);
  const float* m = f32(info, 2, n, fn);
  const float* v = f32(info, 3, n, fn);
  float* po = f32(info, 4, n, fn);
  float* mo = f32(info, 5, n, fn);
  float* vo = f32(info, 6, n, fn);
  auto arg = [&](size_t i) { return info[i].As<Napi::Number>().FloatValue(); };
  adamF32(p, g, m, v, po, mo, vo, n, arg(7), arg(8), arg(9), arg(10));
  return info.Env().Undefined();
}

// poolTest(n): runs n work items on the pool; returns how often each ran and how many distinct
// threads took part (for the thread-pool tests).
Napi::Value PoolTest(const Napi::CallbackInfo& info) {
  const long n = num(info, 0);
  if (n < 0 || n > 1000000) fail(info.Env(), "poolTest", "n out of range");
  std::vector<std::atomic<int>> counts(static_cast<size_t>(n));
  for (auto& c : counts) c.store(0);
  std::vector<std::thread::id> ids(static_cast<size_t>(n));
  parallelFor(static_cast<int>(n), [&](int i) {
    counts[i].fetch_add(1);
    ids[i] = std::this_thread::get_id();
    // A little work so that more than one thread gets to claim items.
    volatile double s = 0;
    for (int j = 0; j < 2000; j++) s = s + j;
  });
  auto out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(n));
  for (size_t i = 0; i < static_cast<size_t>(n); i++) out[i] = counts[i].load();
  std::vector<std::thread::id> distinct;
  for (auto& id : ids) {
    bool seen = false;
    for (auto& d : distinct) seen = seen || d == id;
    if (!seen) distinct.push_back(id);
  }
  auto o = Napi::Object::New(info.Env());
  o.Set("counts", out);
  o.Set("threads", static_cast<double>(distinct.size()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    throw Napi::Error::New(env, "tessera native: this CPU lacks AVX2/FMA, which the addon needs");
  }
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("compare", Napi::Function::New(env, Compare));
  exports.Set("where", Napi::Function::New(env, Where));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolBackward", Napi::Function::New(env, MaxPoolBackward));
  exports.Set("maxPoolArgmax", Napi::Function::New(env, MaxPoolArgmax));
  exports.Set("maxPoolBackwardArgmax", Napi::Function::New(env, MaxPoolBackwardArgmax));
  exports.Set("maxPoolBackwardArgmaxRelu", Napi::Function::New(env, MaxPoolBackwardArgmaxRelu));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd));
  exports.Set("gruCell", Napi::Function::New(env, GruCell));
  exports.Set("gruCellGrad", Napi::Function::New(env, GruCellGrad));
  exports.Set("lstmCell", Napi::Function::New(env, LstmCell));
  exports.Set("lstmCellGrad", Napi::Function::New(env, LstmCellGrad));
  registerLstmSeq(env, exports);
  registerAttention(env, exports);
  registerGruSeq(env, exports);
  exports.Set("rmsprop", Napi::Function::New(env, Rmsprop));
  exports.Set("biasAct", Napi::Function::New(env, BiasAct));
  exports.Set("conv2dBiasAct", Napi::Function::New(env, Conv2dBiasAct));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("poolTest", Napi::Function::New(env, PoolTest));
  return exports;
}

}  // namespace
}  // namespace tessera

static Napi::Object InitTessera(Napi::Env env, Napi::Object exports) {
  return tessera::Init(env, exports);
}

NODE_API_MODULE(tessera_native, InitTessera)
