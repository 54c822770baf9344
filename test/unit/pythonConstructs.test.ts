// Python as real model code writes it: decorators (built-in, stacked, with arguments, functools.wraps),
// typing and collections.abc in isinstance, @dataclass configs (defaults, factories, replace, frozen),
// Enum members, typing.NamedTuple, inspect.signature, self.__dict__.update and functools.partial classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../helpers/analyzer';

async function totals(source: string, name: string) {
  const report = await analyze(source);
  const model = report.models.find((m) => m.root && m.name === name);
  assert.ok(model, `no root ${name}: ${JSON.stringify(report.diagnostics.map((d) => d.message))}`);
  return { ...model.totals, why: model.unresolved.map((u) => u.reason) };
}

const head = 'import torch\nimport torch.nn as nn\n';

test('decorators run as Python runs them', async () => {
  const t = await totals(
    `${head}import functools
def twice(times):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs) * times
        return wrapper
    return decorate

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(self.width(), Net.classes())
        self._scale = 1

    @staticmethod
    def width():
        return 16

    @classmethod
    @twice(2)
    def classes(cls):
        return 5

    @property
    def scale(self):
        return self._scale

    @scale.setter
    def scale(self, v):
        self._scale = v

    @torch.no_grad()
    @torch.jit.unused
    def generate(self, x):
        return x

    def forward(self, x):
        return self.fc(x) * self.scale

print(Net.classes.__name__)
y = Net()(torch.randn(2, 16))
`,
    'Net',
  );
  assert.equal(t.params, 16 * 10 + 10);
  assert.equal(t.macs, 2 * 16 * 10);
});

test('typing and collections.abc in isinstance; cast and annotations at run time', async () => {
  const t = await totals(
    `${head}import typing
import collections.abc
from typing import List, Optional, Sequence, cast

def check(widths: Optional[List[int]]) -> List[int]:
    if not isinstance(widths, Sequence) or not isinstance(widths, collections.abc.Iterable):
        raise TypeError("widths must be a sequence")
    return cast(List[int], widths)

class Net(nn.Module):
    def __init__(self, widths: typing.Sequence[int] = (8, 16)):
        super().__init__()
        widths = check(list(widths))
        self.layers = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
    def forward(self, x):
        return self.layers(x)

y = Net()(torch.randn(1, 8))
`,
    'Net',
  );
  assert.equal(t.params, 8 * 16 + 16);
});

test('@dataclass configs: defaults, keyword overrides, factories, replace, frozen, __post_init__', async () => {
  const t = await totals(
    `${head}import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar, List

@dataclass
class Base:
    width: int = 8

@dataclass(frozen=True)
class Config(Base):
    depth: int = 2
    widths: List[int] = field(default_factory=lambda: [4, 4])
    registry: ClassVar[int] = 0
    hidden: int = field(default=0, init=False)

    def __post_init__(self):
        object.__setattr__(self, 'hidden', self.width * 2) if False else None

config = dataclasses.replace(Config(depth=3), width=32)

class Net(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.blocks = nn.Sequential(*[nn.Linear(c.width, c.width) for _ in range(c.depth)])
        self.head = nn.Linear(c.width, len(c.widths))
    def forward(self, x):
        return self.head(self.blocks(x))

y = Net(config)(torch.randn(1, 32))
`,
    'Net',
  );
  assert.equal(t.params, 3 * (32 * 32 + 32) + 32 * 2 + 2);
});

test('Enum members, NamedTuple, inspect.signature, __dict__.update and functools.partial as a class', async () => {
  const t = await totals(
    `${head}import enum, functools, inspect
from typing import NamedTuple

class Size(enum.Enum):
    SMALL = 8
    LARGE = 32
    DEFAULT = SMALL

class Stage(NamedTuple):
    width: int
    depth: int = 1

class Options:
    def __init__(self, **kwargs):
        self.extra = 0
        self.__dict__.update(kwargs)

def builder(*, width, norm=nn.LayerNorm):
    return nn.Sequential(nn.Linear(width, width), norm(width))

kinds = [p.kind == p.KEYWORD_ONLY for p in inspect.signature(builder).parameters.values()]
assert all(kinds)
norm = functools.partial(nn.LayerNorm, eps=1e-6)
assert type(norm) == functools.partial and norm.func == nn.LayerNorm
stage = Stage(Size.DEFAULT.value * Options(extra=2).extra)
width, depth = stage
model = builder(width=width * depth, norm=norm)
y = model(torch.randn(1, 16))
`,
    'model',
  );
  assert.equal(t.params, 16 * 16 + 16 + 2 * 16);
});

test('nn.MultiheadAttention called with query=, key=, value= keywords (torch: 353,280 MACs)', async () => {
  const t = await totals(
    `${head}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(64, 4, batch_first=True)
    def forward(self, x):
        y, _ = self.attn(query=x, key=x, value=x, need_weights=False)
        return y
y = M()(torch.randn(2, 10, 64))
`,
    'M',
  );
  assert.equal(t.params, 16640);
  assert.equal(t.macs, 353280);
});
