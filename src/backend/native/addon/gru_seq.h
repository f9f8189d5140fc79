// Whole-sequence GRU forward and backward (see gru_seq.cc for the layouts).
#pragma once

#include <napi.h>

namespace tessera {

struct GruSeqDims {
  long batch, steps, units;
  bool back;  // goBackwards: step k reads time T − 1 − k
  // Keras masking (null: none): mask [B, T] in time order; a masked step keeps the states and
  // outputs the previous output (zeros with zeroOut). The states then live in hstate
  // [B, T, u] (processing order) and hseq holds the outputs.
  const unsigned char* mask = nullptr;
  bool zeroOut = false;
  float* hstate = nullptr;
};

// hseq [B, T, u] (processing order), hLast [B, u] and saved [T, B, 4u] (z, ρ, ĥ and the
// recurrent candidate part per step), from xProj [B, T, 3u] (x·W + b_in), U [u, 3u] and the
// recurrent bias bRec [3u] (null = none).
void gruSeqForwardF32(const GruSeqDims& d, const float* xProj, const float* U, const float* bRec,
                      const float* h0, float* hseq, float* hLast, float* saved);
// BPTT from the gradients of hseq and hLast (each may be null = zero): dx [B, T, 3u],
// dU [u, 3u] and dbRec [3u] (overwritten), dh0 [B, u].
void gruSeqBackwardF32(const GruSeqDims& d, const float* U, const float* h0, const float* hseq,
                       const float* saved, const float* dhseq, const float* dhLast, float* dx,
                       float* dU, float* dbRec, float* dh0);
// Adds gruSeq and gruSeqGrad to the addon's exports.
void registerGruSeq(Napi::Env env, Napi::Object exports);

}  // namespace tessera
