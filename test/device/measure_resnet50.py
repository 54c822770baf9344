# Measures the README's ResNet-50 (examples/resnet50.py) on a real GPU: latency and board energy per
# inference from NVML's total-energy counter, per precision and batch, to compare with the estimates.
# Run on the GPU machine:  python3 test/device/measure_resnet50.py OUT_DIR   (needs torch with CUDA).
import ctypes
import json
import os
import sys
import time

import torch

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


class Nvml:
    """The few NVML calls we need, through ctypes (no pynvml needed)."""

    def __init__(self):
        self.lib = ctypes.CDLL('libnvidia-ml.so.1')
        self.lib.nvmlInit_v2()
        self.handle = ctypes.c_void_p()
        self.lib.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(self.handle))

    def energy_mj(self):
        value = ctypes.c_ulonglong()
        self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(value))
        return value.value

    def power_limit_w(self):
        value = ctypes.c_uint()
        self.lib.nvmlDeviceGetEnforcedPowerLimit(self.handle, ctypes.byref(value))
        return value.value / 1000.0


def load_model():
    scope = {'__name__': 'wattlens_measure'}
    with open(os.path.join(REPO, 'examples', 'resnet50.py')) as f:
        exec(compile(f.read(), 'resnet50.py', 'exec'), scope)
    return scope['model']


def measure(model, nvml, batch, dtype, min_seconds=2.0):
    x = torch.randn(batch, 3, 224, 224, device='cuda', dtype=dtype)
    with torch.inference_mode():
        for _ in range(10):
            model(x)
        torch.cuda.synchronize()
        iters = 0
        e0, t0 = nvml.energy_mj(), time.perf_counter()
        while time.perf_counter() - t0 < min_seconds:
            for _ in range(10):
                model(x)
            iters += 10
            torch.cuda.synchronize()
        t1, e1 = time.perf_counter(), nvml.energy_mj()
    seconds, joules = t1 - t0, (e1 - e0) / 1000.0
    return {'batch': batch, 'iters': iters, 'msPerPass': 1000 * seconds / iters, 'joulesPerPass': joules / iters,
            'joulesPerSample': joules / iters / batch, 'averageW': joules / seconds}


def main(out_dir):
    nvml = Nvml()
    torch.backends.cudnn.benchmark = True
    idle_e0, idle_t0 = nvml.energy_mj(), time.perf_counter()
    time.sleep(2.0)
    idle_w = (nvml.energy_mj() - idle_e0) / 1000.0 / (time.perf_counter() - idle_t0)
    base = load_model().eval()
    results = []
    for name, dtype, tf32 in [('fp32', torch.float32, False), ('tf32', torch.float32, True), ('bf16', torch.bfloat16, True), ('fp16', torch.float16, True)]:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        model = base.to(device='cuda', dtype=dtype)
        for batch in (1, 32, 256):
            r = measure(model, nvml, batch, dtype)
            r['precision'] = name
            results.append(r)
            print(json.dumps(r), flush=True)
    report = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'powerLimitW': nvml.power_limit_w(),
              'idleW': idle_w, 'meter': 'NVML nvmlDeviceGetTotalEnergyConsumption (board energy, mJ)', 'mode': 'eager PyTorch, inference_mode, cudnn.benchmark',
              'results': results}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'resnet50_measured.json'), 'w') as f:
        json.dump(report, f, indent=2)
    print(json.dumps({k: v for k, v in report.items() if k != 'results'}))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '.')
