// A synthetic Python file of many small models (convnets, MLPs, residual blocks) for speed tests.

/** Builds a file of about `targetLines` lines; returns its text, line count and model count. */
export function syntheticModelsFile(targetLines: number): { text: string; lines: number; models: number } {
  const parts = ['import torch', 'import torch.nn as nn', 'import torch.nn.functional as F', ''];
  let models = 0;
  while (parts.join('\n').split('\n').length < targetLines) parts.push(modelSource(models++));
  const text = parts.join('\n');
  return { text, lines: text.split('\n').length, models };
}

function modelSource(i: number): string {
  const w = 8 + (i % 8) * 8;
  return `
class Block${i}(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class Net${i}(nn.Module):
    def __init__(self, width=${w}, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1)
        self.blocks = nn.Sequential(*[Block${i}(width) for _ in range(2)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


model${i} = Net${i}()
out${i} = model${i}(torch.randn(1, 3, 32, 32))
`;
}
