#!/usr/bin/python3
# Ground truth for the differential tests: runs PyTorch model files for real and reports, per root
# module call, the params and the MACs that torch executed (counted at the aten dispatch level).
#
# Usage:  count_torch.py FILE...            (files on the command line)
#         count_torch.py < items.json       (a JSON list of paths or {"file", "source"} objects)
# Prints: [{file, roots: [{name, className, variable, params, macs, inputShapes, ops, lines}], error?}]
#
# `lines` says on which source lines of the file the root's MACs and parameters land, keyed by the
# 1-based line, as the editor's hints place a layer: a torch.nn layer's work on the last line of the
# expression that built it and on the last line of the call in the file that ran it (once when they
# are the same line); an op called outside any torch.nn layer (`x @ w`, `torch.bmm`) on its own line.
# A layer's own parameters land on the line that built it; `calls` counts the calls of torch layers
# that call no other module (Conv2d, ReLU, MultiheadAttention; not nn.Sequential or a Transformer
# layer, whose parts count), on the same two lines. Layers built inside torch's own code (the
# Linear layers of an nn.TransformerEncoderLayer, a torchvision model's convolutions) count as built
# on the line of the file whose call built them.
#
# A root is a module called at top level (not inside another module's call) that is not part of
# another root; only its first call counts. `name` is the class name for a class the file
# defines (or a module of its folder, the user's workspace, defines), else (nn.Sequential, a
# library's class such as torchvision's ResNet) the variable bound to it. A file on disk runs with
# its folder first on sys.path, as `python FILE` runs it.
# A file that calls nothing but marks a class with `# wattlens: input=(...)` gets that class
# called (its instance from the file's globals, else a fresh one) on torch.randn(shape).
import contextlib
import io
import json
import os
import re
import sys
import traceback

import torch
from torch.utils._python_dispatch import TorchDispatchMode

try:
    import einops  # noqa: F401
except ImportError:  # Debian bookworm packages no einops: the reference runs use pyshim/einops
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pyshim'))

aten = torch.ops.aten


def _conv_macs(args, out):
    x, w, transposed = args[0], args[1], args[6]
    if transposed:  # weight (Cin, Cout/g, *k): every input element meets Cout/g * prod(k) weights
        return x.numel() * w.numel() // w.shape[0]
    return out.numel() * w.numel() // w.shape[0]  # weight (Cout, Cin/g, *k)


def _mm_macs(a, b):  # (.., M, K) x (.., K, N): batch * M * N * K
    return a.numel() * b.shape[-1]


def _trilinear_macs(args, out):  # nn.Bilinear: i1 (N, in1), w (out, in1, in2), i2 (N, in2)
    return args[0].shape[0] * args[1].numel()


# The MAC-carrying aten ops: convolution (also transposed), linear algebra, bilinear. Everything
# recurrent (lstm/gru/rnn), attention (MultiheadAttention, einsum, matmul) and linear lowers to
# these on CPU in torch 1.13 once a dispatch mode is active; the fused ops are still handled in
# case a build dispatches them whole.
MAC_RULES = {
    aten.convolution.default: _conv_macs,
    aten.mm.default: lambda a, o: _mm_macs(a[0], a[1]),
    aten.addmm.default: lambda a, o: _mm_macs(a[1], a[2]),
    aten.bmm.default: lambda a, o: _mm_macs(a[0], a[1]),
    aten.baddbmm.default: lambda a, o: _mm_macs(a[1], a[2]),
    aten.addbmm.default: lambda a, o: _mm_macs(a[1], a[2]),
    aten.mv.default: lambda a, o: a[0].numel(),
    aten.addmv.default: lambda a, o: a[1].numel(),
    aten.dot.default: lambda a, o: a[0].numel(),
    aten._trilinear.default: _trilinear_macs,
}


def _fused_rnn_macs(args):
    """Gate matmuls of a fused aten.lstm/gru/rnn_* (input, hx, params, ...): every 2-D weight
    (w_ih, w_hh, w_hr of each layer and direction) meets each of the seq * batch rows once."""
    x, params = args[0], args[2]
    return x.shape[0] * x.shape[1] * sum(w.numel() for w in params if w.dim() == 2)


FUSED_RNN = {'lstm', 'gru', 'rnn_tanh', 'rnn_relu'}


class MacCounter(TorchDispatchMode):
    def __init__(self, lines=None):
        super().__init__()
        self.macs = 0
        self.ops = {}
        self.lines = lines  # LineTally, or None when lines are not attributed

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        rule = MAC_RULES.get(func)
        name = func.overloadpacket.__name__
        if rule:
            macs = rule(args, out)
        elif name in FUSED_RNN and isinstance(args[0], torch.Tensor) and args[0].dim() == 3:
            macs = _fused_rnn_macs(args)
        else:
            macs = 0
        if macs:
            self.macs += macs
            self.ops[name] = self.ops.get(name, 0) + macs
            if self.lines is not None:
                self.lines.add_macs(macs)
        return out


def _shapes(value):
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, (list, tuple)):
        return [_shapes(v) for v in value]
    return None


# Containers only hold layers built elsewhere; their calls run the layers, which count on their own lines.
CONTAINERS = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)


def _is_torch_layer(module):
    """A layer torch defines (nn.Conv2d, nn.MultiheadAttention, a torchvision block), not a container."""
    return type(module).__module__.startswith(('torch.', 'torchvision.')) and not isinstance(module, CONTAINERS)


def _expression_end_line(filename):
    """The last line of the expression the innermost frame of `filename` is evaluating, or None."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != filename:
        frame = frame.f_back
    if frame is None:
        return None
    positions = list(frame.f_code.co_positions())
    at = frame.f_lasti // 2
    end = positions[at][1] if 0 <= at < len(positions) else None
    return end if end is not None else frame.f_lineno


# Where a module records the line that built it: in its __dict__, so copy.deepcopy (nn.TransformerEncoder's
# clones) hands the line on to the copies, as the analyser's copies keep their original's range.
BUILT_LINE = '_wattlens_built_line'


def _built_line(module):
    return module.__dict__.get(BUILT_LINE)


class LineTally:
    """Which line of the file each built layer came from, and each root's MACs and params per line."""

    def __init__(self, filename):
        self.filename = filename
        self.running = []  # modules whose forward is running, innermost last
        self.nested_calls = []  # per running module, how many module calls its forward made so far
        self.macs = {}  # line -> MACs
        self.calls = {}  # line -> calls of torch layers that call no other module

    def start_root(self):
        self.macs = {}
        self.calls = {}

    def called(self, module, call_line, made_calls):
        """A module's forward returned: a torch layer that called no other module counts as one layer call."""
        if made_calls or not _is_torch_layer(module):
            return
        for line in {_built_line(module), call_line} - {None}:
            self.calls[line] = self.calls.get(line, 0) + 1

    def note_built(self, module):
        if BUILT_LINE not in module.__dict__:
            module.__dict__[BUILT_LINE] = _expression_end_line(self.filename)

    def add_macs(self, macs):
        call_line = _expression_end_line(self.filename)
        inner = self.running[-1] if self.running else None
        def_line = _built_line(inner) if inner is not None and _is_torch_layer(inner) else call_line
        for line in {def_line, call_line} - {None}:
            self.macs[line] = self.macs.get(line, 0) + macs

    def root_lines(self, root):
        """{line: {macs, params, calls}} of one root: its MACs and layer calls so far, and its torch layers' parameters."""
        lines = {}

        def at(line):
            return lines.setdefault(line, {'macs': 0, 'params': 0, 'calls': 0})

        for line, macs in self.macs.items():
            at(line)['macs'] += macs
        for line, calls in self.calls.items():
            at(line)['calls'] += calls
        for module in {id(m): m for m in root.modules()}.values():
            line = _built_line(module)
            if line is None or not _is_torch_layer(module):
                continue
            own = sum(p.numel() for p in module.parameters(recurse=False))
            if own:
                at(line)['params'] += own
        return {str(line): figures for line, figures in sorted(lines.items())}


class Recorder:
    """Wraps nn.Module.__call__ while one file runs, recording its root invocations."""

    def __init__(self, filename):
        self.filename = filename
        self.roots = []  # (module, record)
        self.depth = 0
        self.tally = LineTally(filename)

    def _variable(self, module, frame):
        while frame is not None and frame.f_code.co_filename != self.filename:
            frame = frame.f_back
        scopes = [frame.f_locals, frame.f_globals] if frame is not None else []
        for scope in scopes:
            for key, value in list(scope.items()):
                if value is module and not key.startswith('_'):
                    return key
        return None

    def _is_new_root(self, module):
        return not any(module is m for root, _ in self.roots for m in root.modules())

    def call(self, original, module, args, kwargs):
        if self.depth > 0 or not self._is_new_root(module):
            return self._nested(original, module, args, kwargs)
        cls = type(module)
        record = {
            'name': None,
            'className': cls.__name__,
            'variable': self._variable(module, sys._getframe(2)),
            'params': sum(p.numel() for p in module.parameters()),
            'macs': None,
            'inputShapes': [_shapes(a) for a in args] + [_shapes(v) for v in kwargs.values()],
        }
        # A class of the user's own workspace (the script's folder) is named like one the file defines.
        module_file = getattr(sys.modules.get(cls.__module__), '__file__', None) or ''
        workspace = os.path.dirname(os.path.abspath(self.filename)) + os.sep
        defined_here = cls.__module__ == '__main__' or (os.path.isfile(self.filename) and module_file.startswith(workspace))
        record['name'] = cls.__name__ if defined_here or record['variable'] is None else record['variable']
        self.roots.append((module, record))
        module.eval()
        self.tally.start_root()
        counter = MacCounter(self.tally)
        with torch.enable_grad(), counter:
            out = self._nested(original, module, args, kwargs)
        record['macs'] = counter.macs
        record['ops'] = counter.ops
        record['lines'] = self.tally.root_lines(module)
        return out

    def _nested(self, original, module, args, kwargs):
        tally = self.tally
        call_line = _expression_end_line(self.filename)
        self.depth += 1
        tally.running.append(module)
        tally.nested_calls.append(0)
        try:
            return original(module, *args, **kwargs)
        finally:
            made_calls = tally.nested_calls.pop()
            tally.running.pop()
            if tally.nested_calls:
                tally.nested_calls[-1] += 1
            tally.called(module, call_line, made_calls)
            self.depth -= 1

    def records(self):
        """Roots that are not part of another root (a file may call a model's layers one by one)."""
        def inside_other(module):
            return any(other is not module and any(m is module for m in other.modules())
                       for other, _ in self.roots)
        return [r for module, r in self.roots if not inside_other(module)]


INPUT_COMMENT = re.compile(r'^\s*#\s*wattlens:\s*input\s*=\s*\(([^)]*)\)')
CLASS_LINE = re.compile(r'^class\s+(\w+)')


def _declared_inputs(source):
    """(class name, shape) for each `# wattlens: input=(...)` comment followed by a class."""
    found, pending = [], None
    for line in source.splitlines():
        m = INPUT_COMMENT.match(line)
        if m:
            pending = [int(v) for v in m.group(1).split(',') if v.strip()]
            continue
        c = CLASS_LINE.match(line)
        if c and pending is not None:
            found.append((c.group(1), pending))
        if line.strip() and not line.lstrip().startswith(('#', '@')):
            pending = None
    return found


def run_file(path, source=None):
    result = {'file': path, 'roots': []}
    if source is None:
        with open(path, encoding='utf-8') as f:
            source = f.read()
    recorder = Recorder(path)
    original = torch.nn.Module.__call__
    original_init = torch.nn.Module.__init__

    def wrapped(module, *args, **kwargs):
        return recorder.call(original, module, args, kwargs)

    def wrapped_init(module, *args, **kwargs):
        original_init(module, *args, **kwargs)
        recorder.tally.note_built(module)

    scope = {'__name__': '__main__', '__file__': path, '__builtins__': __builtins__}
    torch.manual_seed(0)
    torch.nn.Module.__call__ = wrapped
    torch.nn.Module.__init__ = wrapped_init
    # As `python path` does, the script's folder comes first on sys.path, so a script in a workspace
    # imports its own packages; the modules it imported from there are forgotten afterwards.
    folder = os.path.dirname(os.path.abspath(path)) if os.path.isfile(path) else None
    known = set(sys.modules)
    if folder:
        sys.path.insert(0, folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, path, 'exec'), scope)
            if not recorder.roots:
                for cls_name, shape in _declared_inputs(source):
                    cls = scope[cls_name]
                    instance = next((v for v in scope.values() if type(v) is cls), None) or cls()
                    instance(torch.randn(*shape))
    except BaseException as e:  # noqa: BLE001 - any failure of the analysed file is recorded
        tb = traceback.extract_tb(e.__traceback__)
        where = next((f'{path}:{fr.lineno}' for fr in reversed(tb) if fr.filename == path), path)
        result['error'] = f'{type(e).__name__}: {e} ({where})'
    finally:
        torch.nn.Module.__call__ = original
        torch.nn.Module.__init__ = original_init
        if folder:
            sys.path.remove(folder)
            for name in set(sys.modules) - known:
                if (getattr(sys.modules[name], '__file__', None) or '').startswith(folder + os.sep):
                    del sys.modules[name]
    result['roots'] = recorder.records()
    return result


def run_items(items):
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(run_file(item))
        else:
            out.append(run_file(item['file'], item.get('source')))
    return out


def main(argv):
    items = argv[1:] if len(argv) > 1 else json.load(sys.stdin)
    json.dump(run_items(items), sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv)
