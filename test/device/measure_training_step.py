# Checks the training-run rule "a step costs about 3 x forward" on a real GPU: the README's ResNet-50,
# forward-only vs forward + backward + SGD step, time and NVML board energy per pass.
# Run on the GPU machine:  python3 test/device/measure_training_step.py OUT_DIR   (needs torch with CUDA).
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure_resnet50 import Nvml, load_model  # noqa: E402


def timed(nvml, step, seconds=2.0):
    for _ in range(5):
        step()
    torch.cuda.synchronize()
    iters, e0, t0 = 0, nvml.energy_mj(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(5):
            step()
        iters += 5
        torch.cuda.synchronize()
    t1, e1 = time.perf_counter(), nvml.energy_mj()
    return 1000 * (t1 - t0) / iters, (e1 - e0) / 1000.0 / iters


def main(out_dir):
    nvml = Nvml()
    torch.backends.cudnn.benchmark = True
    model = load_model().cuda().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    results = []
    for name, dtype in [('fp32', None), ('bf16', torch.bfloat16)]:
        for batch in (32, 128):
            x = torch.randn(batch, 3, 224, 224, device='cuda')
            y = torch.randint(0, 1000, (batch,), device='cuda')

            def forward():
                with torch.no_grad(), torch.autocast('cuda', dtype=dtype or torch.float32, enabled=dtype is not None):
                    model(x)

            def train_step():
                opt.zero_grad(set_to_none=True)
                with torch.autocast('cuda', dtype=dtype or torch.float32, enabled=dtype is not None):
                    loss = torch.nn.functional.cross_entropy(model(x), y)
                loss.backward()
                opt.step()

            f_ms, f_j = timed(nvml, forward)
            t_ms, t_j = timed(nvml, train_step)
            r = {'precision': name, 'batch': batch, 'forwardMs': f_ms, 'forwardJ': f_j, 'stepMs': t_ms, 'stepJ': t_j,
                 'timeRatio': t_ms / f_ms, 'energyRatio': t_j / f_j}
            results.append(r)
            print(json.dumps(r), flush=True)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'training_step_measured.json'), 'w') as f:
        json.dump({'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'meter': 'NVML total energy (board)',
                   'mode': 'eager PyTorch, SGD, cross-entropy, torch.autocast for bf16', 'results': results}, f, indent=2)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '.')
