// Whole-sequence LSTM forward and backward (see lstm_seq.cc for the layouts).
#pragma once

#include <napi.h>

namespace tessera {

struct LstmSeqDims {
  long batch, steps, units;
  bool back;  // goBackwards: step k reads time T − 1 − k
  // Keras masking (null: none): mask [B, T] in time order; a masked step keeps the states and
  // outputs the previous output (zeros with zeroOut). The states then live in hstate
  // [B, T, u] (processing order) and hseq holds the outputs.
  const unsigned char* mask = nullptr;
  bool zeroOut = false;
  float* hstate = nullptr;
};

// hseq [B, T, u] (processing order), hLast/cLast [B, u], gates [T, B, 4u] (activated i, f, g, o)
// and cs [T, B, u] (cell state after each step), from xProj [B, T, 4u] (x·W + b), U [u, 4u].
void lstmSeqForwardF32(const LstmSeqDims& d, const float* xProj, const float* U, const float* h0,
                       const float* c0, float* hseq, float* hLast, float* cLast, float* gates,
                       float* cs);
// BPTT from the gradients of hseq, hLast and cLast (each may be null = zero): dx [B, T, 4u],
// dU [u, 4u] (overwritten), dh0, dc0 [B, u].
void lstmSeqBackwardF32(const LstmSeqDims& d, const float* U, const float* h0, const float* c0,
                        const float* hseq, const float* gates, const float* cs, const float* dhseq,
                        const float* dhLast, const float* dcLast, float* dx, float* dU, float* dh0,
                        float* dc0);
// Adds lstmSeq and lstmSeqGrad to the addon's exports.
void registerLstmSeq(Napi::Env env, Napi::Object exports);

}  // namespace tessera
