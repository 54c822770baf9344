#!/usr/bin/python3
# Writes test/differential/<package>.expected.json for the public-code differential test: for every
# model builder of the installed torchvision (torchvision.models.list_models()) and for torchaudio's
# model builders, a small user script that imports the builder, builds it as a user would and calls
# it on an input of the size its family takes, with the params and MACs that real PyTorch counts
# when it runs that script (count_torch.py). The analyser later reads the same packages' source.
#
# Usage:  library_expectations.py torchvision|torchaudio [NAME...]   (default: all; named ones are merged)
#         library_expectations.py torchvision|torchaudio --check     (write nothing; exit 1 on a difference)
import inspect
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from count_torch import run_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def torchvision_cases():
    """One case per builder torchvision registers, with the input its family takes."""
    import torchvision
    from torchvision.models import get_model_builder, list_models

    subpackages = ['quantization', 'detection', 'segmentation', 'video', 'optical_flow']

    def family(name):
        for sub in subpackages:
            if name in list_models(getattr(torchvision.models, sub)):
                return sub
        return None

    def arguments(name):
        # Builders whose backbone defaults to pretrained weights are built without them, as offline
        # code must (the weights change no figure; the download would fail here).
        default = inspect.signature(get_model_builder(name)).parameters.get('weights_backbone')
        return 'weights_backbone=None' if default is not None and default.default is not None else ''

    def call(name, sub):
        if sub == 'detection':
            return 'model([torch.rand(3, 224, 224)])'
        if sub == 'optical_flow':
            return 'model(torch.rand(1, 3, 128, 128), torch.rand(1, 3, 128, 128))'
        if sub == 'video':
            size = 224 if name in ('mvit_v1_b', 'mvit_v2_s', 's3d') else 112
            return f'model(torch.randn(1, 3, 16, {size}, {size}))'
        if 'inception_v3' in name:
            return 'model(torch.randn(1, 3, 299, 299))'
        return 'model(torch.randn(1, 3, 224, 224))'

    cases = {}
    for name in list_models():
        sub = family(name)
        module = 'torchvision.models' + (f'.{sub}' if sub else '')
        # Quantized builders are registered as quantized_<name> but defined as <name>.
        fn = name[len('quantized_'):] if sub == 'quantization' else name
        cases[name] = script(f'torchvision {name}', module, fn, f'{fn}({arguments(name)})', call(name, sub))
    return torchvision.__version__, cases


# torchaudio's builders and classes, built as its documentation shows and called on a second of audio
# (or the features the model takes). Builders that need arguments get the documented ones.
TORCHAUDIO = {
    'wav2vec2_base': ('wav2vec2_base()', 'model(torch.randn(1, 16000))'),
    'wav2vec2_large': ('wav2vec2_large()', 'model(torch.randn(1, 16000))'),
    'hubert_base': ('hubert_base()', 'model(torch.randn(1, 16000))'),
    'conv_tasnet_base': ('conv_tasnet_base()', 'model(torch.randn(1, 1, 16000))'),
    'Wav2Letter': ('Wav2Letter()', 'model(torch.randn(1, 1, 16000))'),
    'DeepSpeech': ('DeepSpeech(n_feature=161)', 'model(torch.randn(1, 1, 100, 161))'),
    'Conformer': (
        'Conformer(input_dim=80, num_heads=4, ffn_dim=256, num_layers=4, depthwise_conv_kernel_size=31)',
        'model(torch.randn(1, 100, 80), torch.tensor([100]))',
    ),
    'hdemucs_low': ("hdemucs_low(sources=['drums', 'bass', 'other', 'vocals'])", 'model(torch.randn(1, 2, 44100))'),
    'WaveRNN': (
        'WaveRNN(upsample_scales=[5, 5, 11], n_classes=256, hop_length=275)',
        'model(torch.randn(1, 1, (50 - 5 + 1) * 275), torch.randn(1, 1, 128, 50))',
    ),
    'Tacotron2': (
        'Tacotron2()',
        'model(torch.randint(0, 148, (1, 40)), torch.tensor([40]), torch.randn(1, 80, 100), torch.tensor([100]))',
    ),
    'emformer_rnnt_base': (
        'emformer_rnnt_base(num_symbols=4097)',
        'model(torch.randn(1, 164, 80), torch.tensor([164]), torch.randint(0, 4097, (1, 20)), torch.tensor([20]))',
    ),
}


def torchaudio_cases():
    import torchaudio

    cases = {
        name: script(f'torchaudio {name}', 'torchaudio.models', name.split('(')[0], build, call)
        for name, (build, call) in TORCHAUDIO.items()
    }
    return torchaudio.__version__, cases


def script(title, module, name, build, call):
    """The user script for one case, as text."""
    source = '\n'.join([
        f'# {title}: built from the installed package and called once.',
        'import torch',
        f'from {module} import {name}',
        '',
        f'model = {build}',
        'model.eval()',
        call,
        '',
    ])
    return {'module': module, 'function': name, 'source': source}


def measure(name, entry):
    started = time.time()
    result = run_file(f'{name}.py', entry['source'])
    figures = {'params': None, 'macs': None, 'ops': {}}
    if result['roots']:
        root = result['roots'][0]
        figures = {'params': root['params'], 'macs': root['macs'], 'ops': root.get('ops', {})}
    out = {'name': name, **entry, **figures, 'torchSeconds': round(time.time() - started, 1)}
    if result.get('error'):
        out['error'] = result['error']
    elif len(result['roots']) != 1:
        out['error'] = f'{len(result["roots"])} root calls'
    return out


def main(argv):
    package = argv[1] if len(argv) > 1 else ''
    if package not in ('torchvision', 'torchaudio'):
        print(__doc__ or 'usage: library_expectations.py torchvision|torchaudio [--check] [NAME...]', file=sys.stderr)
        return 2
    check = '--check' in argv
    named = [a for a in argv[2:] if not a.startswith('--')]
    torch.set_num_threads(1)
    version, cases = torchvision_cases() if package == 'torchvision' else torchaudio_cases()
    path = os.path.join(HERE, f'{package}.expected.json')
    stored = {}
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            stored = {c['name']: c for c in json.load(f)['cases']}
    drift = 0
    for name in named or list(cases):
        fresh = measure(name, cases[name])
        old = stored.get(name)
        same = old is not None and all(old.get(k) == fresh.get(k) for k in ('source', 'params', 'macs', 'error'))
        drift += 0 if same else 1
        print(f'{name}: params={fresh["params"]} macs={fresh["macs"]} {fresh.get("error", "")} '
              f'({fresh["torchSeconds"]} s){"" if same else " (changed)"}', file=sys.stderr, flush=True)
        stored[name] = fresh
    if check:
        print(f'{len(named or cases)} cases, {drift} differ from the stored figures', file=sys.stderr)
        return 1 if drift else 0
    document = {
        'comment': 'Written by test/differential/library_expectations.py from a real PyTorch run; do not edit.',
        'torch': torch.__version__,
        package: version,
        'cases': [stored[k] for k in sorted(stored)],
    }
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(document, f, indent=1)
        f.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
