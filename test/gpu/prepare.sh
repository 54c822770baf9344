#!/usr/bin/env bash
# Prepares test/gpu/payload/ (ignored by git) for test/gpu/run.sh on an NVIDIA machine that has no
# Node.js: an xz-compressed Node binary, onnxruntime-node's linux-x64 files, and the built WattLens
# (dist/*.js, the grammars' .wasm, the NVML addon). Run it here after `npm ci`; carry the payload
# folder to the GPU machine with the working tree (about 40 MB) and run test/gpu/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=test/gpu/payload
rm -rf "$out"
mkdir -p "$out"
npm run build >/dev/null
[ -f native/nvml/build/Release/wattlens_nvml.node ] || echo "warning: the NVML addon is not built: the GPU run will use nvidia-smi" >&2
# Compressing Node takes a minute: the copy in /tmp is reused while it is newer than the binary.
[ -f /tmp/wattlens-node.xz ] && [ /tmp/wattlens-node.xz -nt "$(command -v node)" ] || xz -T0 -6 -c "$(command -v node)" > /tmp/wattlens-node.xz
cp /tmp/wattlens-node.xz "$out/node.xz"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
ort=node_modules/onnxruntime-node
mkdir -p "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp -r "$ort/package.json" "$ort/dist" "$stage/node_modules/onnxruntime-node/"
cp -r "$ort/bin/napi-v6/linux/x64" "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common "$stage/node_modules/"
tar -C "$stage" -cJf "$out/node_modules.tar.xz" node_modules
files=(dist/*.js grammars/*.wasm)
[ -f native/nvml/build/Release/wattlens_nvml.node ] && files+=(native/nvml/build/Release/wattlens_nvml.node)
tar -cJf "$out/build.tar.xz" "${files[@]}"
du -sh "$out"/*
