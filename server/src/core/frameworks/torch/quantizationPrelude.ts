// torch's eager-mode quantization helpers written as PyTorch 1.13 writes them (torch/ao/quantization/
// stubs.py and torch/ao/nn/quantized/modules/functional_modules.py), run by our interpreter: before
// a model is converted they are identities and plain tensor operations, so a quantizable model
// (torchvision's QuantizableResNet, QuantizableMobileNetV2, ...) costs what its float layers cost.

/** Python source defining QuantStub, DeQuantStub, QuantWrapper and FloatFunctional. */
export const QUANTIZATION_PRELUDE = `
class QuantStub(Module):
    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x

class DeQuantStub(Module):
    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x

class QuantWrapper(Module):
    def __init__(self, module):
        super().__init__()
        qconfig = getattr(module, "qconfig", None)
        self.add_module("quant", QuantStub(qconfig))
        self.add_module("dequant", DeQuantStub(qconfig))
        self.add_module("module", module)
        self.train(module.training)

    def forward(self, X):
        X = self.quant(X)
        X = self.module(X)
        return self.dequant(X)

class FloatFunctional(Module):
    def __init__(self):
        super().__init__()
        self.activation_post_process = Identity()

    def forward(self, x):
        raise RuntimeError("FloatFunctional is not intended to use the 'forward'. Please use the underlying operation")

    def add(self, x, y):
        r = torch.add(x, y)
        r = self.activation_post_process(r)
        return r

    def add_scalar(self, x, y):
        return torch.add(x, y)

    def mul(self, x, y):
        r = torch.mul(x, y)
        r = self.activation_post_process(r)
        return r

    def mul_scalar(self, x, y):
        return torch.mul(x, y)

    def cat(self, x, dim=0):
        r = torch.cat(x, dim=dim)
        r = self.activation_post_process(r)
        return r

    def add_relu(self, x, y):
        r = torch.add(x, y)
        r = F.relu(r)
        r = self.activation_post_process(r)
        return r
`;

/** The classes the quantization prelude defines, by the import path torch publishes them under. */
export const QUANTIZATION_CLASSES: Record<string, string[]> = {
  'torch.ao.quantization': ['QuantStub', 'DeQuantStub', 'QuantWrapper'],
  'torch.ao.nn.quantized': ['FloatFunctional'],
};
