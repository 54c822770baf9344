# A small image classifier for the WattLens end-to-end tests: a conv whose bias BatchNorm cancels
# (a quick fix), an inference loop without torch.no_grad() (another), and an input the file builds.
import torch
import torch.nn as nn


class SmallNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.pool(x).flatten(1)
        return self.fc(x)


model = SmallNet()
images = torch.randn(8, 3, 64, 64)
for step in range(10):
    logits = model(images)
