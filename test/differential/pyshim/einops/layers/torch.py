# einops.layers.torch of the reference shim (see ../__init__.py): Rearrange, Reduce and EinMix as
# nn.Modules, following einops' documented semantics; used only for the differential reference runs.
import torch
from torch import nn

from .. import einsum as _einsum, rearrange, reduce

__all__ = ['Rearrange', 'Reduce', 'EinMix']


class Rearrange(nn.Module):
    def __init__(self, pattern, **sizes):
        super().__init__()
        self.pattern, self.sizes = pattern, sizes

    def forward(self, x):
        return rearrange(x, self.pattern, **self.sizes)


class Reduce(nn.Module):
    def __init__(self, pattern, reduction, **sizes):
        super().__init__()
        self.pattern, self.reduction, self.sizes = pattern, reduction, sizes

    def forward(self, x):
        return reduce(x, self.pattern, self.reduction, **self.sizes)


class EinMix(nn.Module):
    """A linear map written as an einsum pattern: `weight_shape` names the weight's axes and
    `bias_shape` (optional) the bias's, each sized by the keyword arguments."""

    def __init__(self, pattern, weight_shape, bias_shape=None, **sizes):
        super().__init__()
        self.pattern, self.sizes = pattern, sizes
        left, right = pattern.split('->')
        self.left, self.right = left.split(), right.split()
        self.weight_axes = weight_shape.split()
        fan_in = 1
        for axis in self.weight_axes:
            if axis not in self.right:
                fan_in *= sizes[axis]
        bound = 1 / fan_in ** 0.5
        self.weight = nn.Parameter(torch.empty([sizes[a] for a in self.weight_axes]).uniform_(-bound, bound))
        self.bias_axes = bias_shape.split() if bias_shape else None
        if self.bias_axes is not None:
            shape = [sizes[a] if a in self.bias_axes else 1 for a in self.right]
            self.bias = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
        else:
            self.bias = None

    def forward(self, x):
        out = _einsum(x, self.weight, f'{" ".join(self.left)}, {" ".join(self.weight_axes)} -> {" ".join(self.right)}')
        return out + self.bias if self.bias is not None else out
