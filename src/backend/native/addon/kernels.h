// Elementwise, reduction, softmax, im2col and pooling kernels of the native backend (float32).
// The op codes mirror src/backend/native/ops.ts; every function trusts sizes that addon.cc has
// already checked against the typed arrays.
#pragma once

#include <cstdint>

namespace tessera {

enum UnaryCode {
  U_NEG, U_ABS, U_SQUARE, U_SQRT, U_RSQRT, U_RECIPROCAL, U_EXP, U_LOG, U_RELU, U_RELU6,
  U_LEAKY_RELU, U_ELU, U_SIGMOID, U_TANH, U_SOFTPLUS, U_STEP, U_EXPM1, U_LOG1P, U_SILU,
  U_SOFTSIGN, U_COUNT
};

enum BinaryCode { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_SQDIFF, B_RELU_GRAD, B_COUNT };

enum CompareCode { C_EQUAL, C_NOT_EQUAL, C_LESS, C_LESS_EQUAL, C_GREATER, C_GREATER_EQUAL, C_COUNT };

// How an operand is indexed over an (outer × inner) iteration: strides in elements.
struct Operand {
  const void* data;
  long outerStride;  // inner for a full operand, 1 for a column, 0 for a row or scalar
  long innerStride;  // 1 for a full operand or a row, 0 for a column or scalar
};

void unaryF32(int op, const float* x, float* y, long n, float param);
void binaryF32(int op, Operand a, Operand b, float* y, long outer, long inner);
// y = (a op b) as 0/1 bytes.
// y[r, j] = act(x[r, j] + bias[j]) (bias may be null; act relu when `relu`), one pass.
void biasActF32(const float* x, const float* bias, float* y, long rows, long cols, bool relu);
void compareF32(int op, Operand a, Operand b, uint8_t* y, long outer, long inner);
// y = cond ? a : b, cond stored one byte per element.
void whereF32(Operand cond, Operand a, Operand b, float* y, long outer, long inner);
// y[o, i] = Σ_m x[o, m, i].
void reduceSumF32(const float* x, float* y, long outer, long mid, long inner);
// Softmax (or log-softmax) over the last axis of a rows × cols matrix.
void softmaxF32(const float* x, float* y, long rows, long cols, bool log);

struct ConvGeo {
  int n, h, w, c;      // input, NHWC
  int kh, kw;          // window
  int sh, sw, dh, dw;  // strides, dilations
  int pt, pl;          // top and left padding
  int oh, ow;          // output size
};
// cols[(b·oh + oy)·ow + ox, (ky·kw + kx)·c + ch] = x[b, oy·sh + ky·dh − pt, ox·sw + kx·dw − pl, ch]
// (0 outside the image).
void im2colF32(const ConvGeo& g, const float* x, float* cols);
// The adjoint of im2col: dx (zeroed by the caller) += the scatter of dcols.
void col2imF32(const ConvGeo& g, const float* dcols, float* dx);
// Convolutions (groups = 1) as im2col + GEMM over chunks of images, so that the column matrix
// stays cache-sized and lives in a reused native buffer instead of a JS allocation.
// y [n, oh, ow, cout] = conv(x, w [kh, kw, c, cout]).
// y = conv(x, w); with `epilogue`, then act(y + bias) chunk by chunk while it is in cache.
void conv2dF32(const ConvGeo& g, const float* x, const float* w, float* y, int cout,
               const float* bias = nullptr, bool relu = false, bool epilogue = false);
// dx (zeroed by the caller) = the input gradient given dy.
void conv2dBackpropInputF32(const ConvGeo& g, const float* dy, const float* w, float* dx, int cout);
// dw [kh, kw, c, cout] = the filter gradient given x and dy.
void conv2dBackpropFilterF32(const ConvGeo& g, const float* x, const float* dy, float* dw, int cout);
// Max over each window's valid positions (NaN wins); kh/kw/sh/sw/pt/pl of g, no dilation.
void maxPoolF32(const ConvGeo& g, const float* x, float* y);
// Routes dy to the first maximum of each window; dx zeroed by the caller.
void maxPoolBackwardF32(const ConvGeo& g, const float* dy, const float* x, float* dx);
// maxPoolF32 that also writes, per output, the flat index into x of its window's first max
// (NaN wins; −1 for a window without valid positions). Indices must fit int32 (caller checks).
void maxPoolArgmaxF32(const ConvGeo& g, const float* x, float* y, int32_t* arg);
// dx = dy scattered to the argmax of maxPoolArgmaxF32, in output order (written whole: each
// image is zeroed first); indices outside their own image are skipped.
void maxPoolBackwardArgmaxF32(const ConvGeo& g, const float* dy, const int32_t* arg, float* dx);
void maxPoolBackwardArgmaxReluF32(const ConvGeo& g, const float* dy, const int32_t* arg,
                                  const float* y, float* dx);
// y[o, i, :] = x[o, idx[i], :] for x [outer, n, inner] (indices already checked to be in range).
void gatherF32(const float* x, const int32_t* idx, float* y, long outer, long n, long numIdx,
               long inner);
// y = 0, then y[o, idx[i], :] += u[o, i, :] in index order: y need not be initialised (the
// kernel writes all of it); indices already checked.
void scatterAddF32(const float* u, const int32_t* idx, float* y, long outer, long n, long numIdx,
                   long inner);
// GRU gates (reset after; z, r, h): y = ĥ + z·(h − ĥ), z = σ(x_z + r_z), ρ = σ(x_r + r_r),
// ĥ = tanh(x_h + ρ·r_h).
void gruCellF32(const float* x, const float* r, const float* h, float* y, long batch, long units);
// Its gradient given dy: dx, dr [batch, 3·units] and dh [batch, units].
void gruCellGradF32(const float* x, const float* r, const float* h, const float* dy, float* dx,
                    float* dr, float* dh, long batch, long units);
// LSTM gates (i, f, c, o; sigmoid gates, tanh cell): hc[b] = [o·tanh(c'), c'] with
// c' = f·c + i·tanh(z_c).
void lstmCellF32(const float* z, const float* c, float* hc, long batch, long units);
// Its gradient given dhc = [dh', dc']: dz [batch, 4·units] and dc [batch, units].
void lstmCellGradF32(const float* z, const float* c, const float* hc, const float* dhc, float* dz,
                     float* dc, long batch, long units);
// One RMSprop step into fresh arrays: v' = v·rho + g²·(1 − rho); p' = p − g·lr / √(v' + eps).
void rmspropF32(const float* p, const float* g, const float* v, float* po, float* vo, long n,
                float lr, float rho, float oneMinusRho, float eps);
// One Adam step into fresh arrays (the inputs may be shared with other tensors):
// m' = b1·m + (1−b1)·g; v' = b2·v + (1−b2)·g²; p' = p − lr·m' / (√v' + eps), with lr already
// bias-corrected by the caller.
void adamF32(const float* p, const float* g, const float* m, const float* v, float* po, float* mo,
             float* vo, long n, float lr, float b1, float b2, float eps);

}  // namespace tessera
