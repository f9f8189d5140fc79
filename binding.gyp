# Tessera's optional native backend (Node-API). Built at install by scripts/build-native.mjs;
# a failed build only means Tessera falls back to the wasm backend.
#
# The whole addon is compiled for the AVX2+FMA baseline (checked at load: the addon refuses to
# start on CPUs without it). The AVX-512 GEMM sits in its own static library compiled with
# AVX-512 flags and is only called after a run-time CPU check, so the shipped binary never
# executes an instruction the CPU lacks. Never -march=native.
{
  "targets": [
    {
      "target_name": "tessera_avx512",
      "type": "static_library",
      "sources": ["src/backend/native/addon/gemm_avx512.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fPIC", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mfma", "-mavx2"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mfma", "-mavx2"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512", "/O2"] } }
    },
    {
      "target_name": "tessera_native",
      "dependencies": ["tessera_avx512"],
      "sources": [
        "src/backend/native/addon/addon.cc",
        "src/backend/native/addon/attention.cc",
        "src/backend/native/addon/gemm_avx2.cc",
        "src/backend/native/addon/kernels.cc",
        "src/backend/native/addon/lstm_seq.cc",
        "src/backend/native/addon/gru_seq.cc",
        "src/backend/native/addon/pool.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-std=c++17", "-mavx2", "-mfma", "-fno-math-errno"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags!": ["-fno-exceptions"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-mavx2", "-mfma"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/arch:AVX2", "/O2"] } }
    }
  ]
}
