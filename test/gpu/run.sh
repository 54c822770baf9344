#!/usr/bin/env bash
# The GPU check (by hand, on an NVIDIA H100/H200 machine with a recent driver and the Vulkan loader,
# no Node.js needed): unpacks test/gpu/payload (made by prepare.sh), then profiles a CNN, a
# transformer encoder, an LSTM and a Keras U-Net (channels-last) with --ep auto and prints the provider (and why each other was not
# used), NVML energy, estimate ÷ measured, and the slowest layers. A few minutes. With $OUT set,
# the JSON reports are written there.
set -euo pipefail
cd "$(dirname "$0")/../.."
payload=test/gpu/payload
if [ ! -f "$payload/node.xz" ]; then
  echo "no $payload/node.xz: run test/gpu/prepare.sh where npm works, and bring $payload along" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
xz -dc "$payload/node.xz" > "$work/node"
chmod +x "$work/node"
tar -xJf "$payload/node_modules.tar.xz"
tar -xJf "$payload/build.tar.xz"
echo "== machine"
"$work/node" --version
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,power.draw,power.limit --format=csv || echo "no nvidia-smi"
ls /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /usr/lib64/libvulkan.so.1 2>/dev/null || echo "no Vulkan loader found in the usual places"
"$work/node" test/gpu/report.mjs \
  examples/resnet50.py \
  test/fixtures/pytorch/transformer_classifier.py \
  test/fixtures/pytorch/lstm_language_model.py \
  test/fixtures/keras-io/vision_oxford_pets_segmentation.py
