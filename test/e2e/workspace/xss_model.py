# Layer names that are markup: the profiling panel must show them as text and run no script.
from collections import OrderedDict

import torch
import torch.nn as nn

model = nn.Sequential(
    OrderedDict(
        [
            ("<img src=x onerror=alert(1)>", nn.Linear(16, 32)),
            ("</script><script>alert(2)</script>", nn.ReLU()),
            ("head", nn.Linear(32, 4)),
        ]
    )
)
x = torch.randn(2, 16)
y = model(x)
