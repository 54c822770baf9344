# The optional NVML addon (node-addon-api): opens libnvidia-ml at run time with dlopen / LoadLibrary,
# so it builds on machines without CUDA or a GPU. scripts/buildNative.mjs builds it; a failure is not fatal.
{
  "targets": [
    {
      "target_name": "wattlens_nvml",
      "sources": ["src/nvml.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }],
        ["OS=='mac'", { "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17" } }]
      ]
    }
  ]
}
