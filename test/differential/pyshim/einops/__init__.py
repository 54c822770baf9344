# A reference implementation of einops' pattern language (rearrange, repeat, reduce, einsum, pack
# semantics not included) in plain torch operations, used only by count_torch.py when the real einops
# is not importable (Debian bookworm has no python3-einops and the test machines reach no PyPI).
# It follows the semantics documented by einops 0.6 (https://einops.rocks/api/rearrange/ ...):
# written from the documentation for the reference runs, not copied from einops.
import functools
import math

import torch

__all__ = ['rearrange', 'repeat', 'reduce', 'einsum', 'parse_shape', 'EinopsError']


class EinopsError(ValueError):
    pass


def _parse_side(side, anonymous):
    """A side of a pattern as a list of groups; each group is a list of axis names ('1' for unit,
    '...' for the ellipsis); a bare axis is a group of one. Also says whether the group was bracketed.
    Numbered axes other than 1 get a name of their own, their size recorded in `anonymous`."""
    groups, current, depth = [], None, 0
    for token in side.replace('(', ' ( ').replace(')', ' ) ').split():
        if token.isdigit() and token != '1':
            name = f'_{len(anonymous)}'
            anonymous[name] = int(token)
            token = name
        if token == '(':
            if depth:
                raise EinopsError('nested brackets')
            depth, current = 1, []
        elif token == ')':
            if not depth:
                raise EinopsError('unbalanced brackets')
            groups.append((current, True))
            depth, current = 0, None
        elif depth:
            current.append(token)
        else:
            groups.append(([token], False))
    if depth:
        raise EinopsError('unbalanced brackets')
    return groups


def _expand_ellipsis(groups, ellipsis_dims):
    out = []
    for names, bracketed in groups:
        if names == ['...'] and not bracketed:
            out.extend(([f'...{i}'], False) for i in range(ellipsis_dims))
        else:
            expanded = []
            for n in names:
                expanded.extend([f'...{i}' for i in range(ellipsis_dims)] if n == '...' else [n])
            out.append((expanded, bracketed))
    return out


def _solve(left, shape, sizes):
    """Sizes of every elementary axis of the left side given the tensor's shape and known sizes."""
    if len(left) != len(shape):
        raise EinopsError(f'pattern has {len(left)} dimensions, tensor has {len(shape)}')
    sizes = dict(sizes)
    for (names, _), length in zip(left, shape):
        unknown = [n for n in names if n not in sizes and n != '1']
        known = math.prod(sizes.get(n, 1) for n in names if n not in unknown)
        if len(unknown) > 1:
            raise EinopsError(f'cannot infer sizes of {unknown}')
        if unknown:
            if length % known:
                raise EinopsError(f'{length} is not divisible by {known}')
            sizes[unknown[0]] = length // known
        elif known != length:
            raise EinopsError(f'shape mismatch: {length} != {known}')
    return sizes


def _prepare(pattern, tensor, sizes):
    left_text, right_text = pattern.split('->')
    anonymous = {}
    left, right = _parse_side(left_text, anonymous), _parse_side(right_text, anonymous)
    sizes = {**sizes, **anonymous}
    left_has = any('...' in names for names, _ in left)
    ellipsis_dims = tensor.dim() - (len(left) - 1) if left_has else 0
    left, right = _expand_ellipsis(left, ellipsis_dims), _expand_ellipsis(right, ellipsis_dims)
    solved = _solve(left, tensor.shape, sizes)
    flat_left = [n for names, _ in left for n in names if n != '1']
    elementary = tensor.reshape([solved[n] for n in flat_left]) if flat_left else tensor.reshape([])
    return elementary, flat_left, right, solved


def _finish(elementary, order, right, sizes):
    """Permutes elementary axes into `order`, inserts new axes (repeat) and groups them as `right` says."""
    flat_right = [n for names, _ in right for n in names if n != '1']
    present = [n for n in flat_right if n in order]
    permuted = elementary.permute([order.index(n) for n in present]) if present else elementary
    if len(present) != len(flat_right):
        shape = []
        for n in flat_right:
            shape.append(sizes[n] if n not in present else permuted.shape[present.index(n)])
        view = []
        for n in flat_right:
            view.append(permuted.shape[present.index(n)] if n in present else 1)
        permuted = permuted.reshape(view).expand(shape)
    final = [math.prod(sizes.get(n, 1) for n in names) for names, _ in right]
    return permuted.reshape(final)


def rearrange(tensor, pattern, **sizes):
    if isinstance(tensor, (list, tuple)):
        tensor = torch.stack(list(tensor))
    elementary, order, right, solved = _prepare(pattern, tensor, sizes)
    missing = {n for names, _ in right for n in names if n not in order and n != '1'}
    if missing:
        raise EinopsError(f'axes {missing} appear only on the right; use repeat')
    return _finish(elementary, order, right, solved)


def repeat(tensor, pattern, **sizes):
    elementary, order, right, solved = _prepare(pattern, tensor, sizes)
    return _finish(elementary, order, right, {**solved, **sizes})


_REDUCTIONS = {
    'mean': lambda t, dims: t.mean(dim=dims),
    'sum': lambda t, dims: t.sum(dim=dims),
    'max': lambda t, dims: functools.reduce(lambda acc, d: acc.amax(dim=d), sorted(dims, reverse=True), t),
    'min': lambda t, dims: functools.reduce(lambda acc, d: acc.amin(dim=d), sorted(dims, reverse=True), t),
    'prod': lambda t, dims: functools.reduce(lambda acc, d: acc.prod(dim=d), sorted(dims, reverse=True), t),
}


def reduce(tensor, pattern, reduction, **sizes):
    elementary, order, right, solved = _prepare(pattern, tensor, sizes)
    kept = {n for names, _ in right for n in names}
    dims = [i for i, n in enumerate(order) if n not in kept]
    if dims:
        elementary = reduction(elementary, dims) if callable(reduction) else _REDUCTIONS[reduction](elementary, dims)
        order = [n for n in order if n in kept]
    return _finish(elementary, order, right, solved)


def einsum(*args):
    """einops.einsum(tensor..., pattern) with multi-letter axis names."""
    *tensors, pattern = args
    inputs, output = pattern.split('->')
    names = {}

    def letters(side):
        out = ''
        for name in side.split():
            if name == '...':
                out += '...'
                continue
            names.setdefault(name, chr(ord('a') + len(names)))
            out += names[name]
        return out

    spec = ','.join(letters(s) for s in inputs.split(',')) + '->' + letters(output)
    return torch.einsum(spec, *tensors)


def parse_shape(tensor, pattern):
    return {n: s for n, s in zip(pattern.split(), tensor.shape) if n != '_'}
