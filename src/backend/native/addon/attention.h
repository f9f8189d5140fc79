// Fused scaled dot-product attention of the native backend (float32), forward and backward,
// in Keras's MultiHeadAttention layout: q [B, T, N, H], k [B, S, N, H], v [B, S, N, Hv],
// out [B, T, N, Hv], probs [B, N, T, S].
#pragma once

#include <napi.h>

#include <cstdint>

namespace tessera {

struct AttnDims {
  long B, N, T, S, H, Hv;
  float scale;        // multiplies q·k
  float maskedValue;  // what a masked logit becomes
  bool causal;        // s > t is masked
  const uint8_t* mask;  // bool [maskB, maskN, T, S] or null
  long maskB, maskN;    // 1 (shared) or B / N
  const float* bias;    // added to the scaled logits: [biasB, biasN, T, S] or null
  long biasB, biasN;    // 1 (shared) or B / N
};

// out and probs written whole.
void attentionF32(const AttnDims& d, const float* q, const float* k, const float* v, float* out,
                  float* probs);
// dq, dk, dv written whole from probs (the forward's) and dOut; dLogits [B, N, T, S] too when
// not null (the bias's gradient before its broadcast is summed).
void attentionGradF32(const AttnDims& d, const float* q, const float* k, const float* v,
                      const float* probs, const float* dOut, float* dq, float* dk, float* dv,
                      float* dLogits);

void registerAttention(Napi::Env env, Napi::Object exports);

}  // namespace tessera
