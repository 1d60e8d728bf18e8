using FairKd.Torch.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Train;

/// <summary>
/// A tiny IResNet-like backbone for tests: conv(3->8, s2) BN PReLU, conv(8->16, s2) BN PReLU, dropout, Linear, BatchNorm1d
/// "features". Attribute names equal the PyTorch module names of <see cref="PythonDefinition"/>.
/// </summary>
internal sealed class TinyNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names
    private readonly Conv2d conv1, conv2;
    private readonly GcSafeBatchNorm bn1, bn2;
    private readonly GcSafePReLU prelu1, prelu2;
    private readonly Dropout dropout;
    private readonly Linear fc;
    private readonly GcSafeBatchNorm features;
#pragma warning restore IDE1006

    public TinyNet(int size, int embedding, long seed, double dropoutP = 0.1) : base("TinyNet")
    {
        conv1 = nn.Conv2d(3, 8, 3, stride: 2, padding: 1, bias: false);
        bn1 = GcSafeBatchNorm.For2d(8);
        prelu1 = new GcSafePReLU(8);
        conv2 = nn.Conv2d(8, 16, 3, stride: 2, padding: 1, bias: false);
        bn2 = GcSafeBatchNorm.For2d(16);
        prelu2 = new GcSafePReLU(16);
        dropout = nn.Dropout(dropoutP);
        fc = nn.Linear(16 * (size / 4) * (size / 4), embedding);
        features = GcSafeBatchNorm.For1d(embedding);
        RegisterComponents();
        using var g = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
            if (name.EndsWith("weight", StringComparison.Ordinal) && p.ndim > 1) nn.init.normal_(p, 0, 0.1, g);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = prelu1.call(bn1.call(conv1.call(x)));
        h = prelu2.call(bn2.call(conv2.call(h)));
        h = dropout.call(h.flatten(1));
        return features.call(fc.call(h)).MoveToOuterDisposeScope();
    }

    public const string PythonDefinition = """
import torch, torch.nn as nn
class TinyNet(nn.Module):
    def __init__(self, size, embedding):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 2, 1, bias=False); self.bn1 = nn.BatchNorm2d(8); self.prelu1 = nn.PReLU(8)
        self.conv2 = nn.Conv2d(8, 16, 3, 2, 1, bias=False); self.bn2 = nn.BatchNorm2d(16); self.prelu2 = nn.PReLU(16)
        self.dropout = nn.Dropout(0.1); self.fc = nn.Linear(16 * (size // 4) ** 2, embedding); self.features = nn.BatchNorm1d(embedding)
    def forward(self, x):
        h = self.prelu2(self.bn2(self.conv2(self.prelu1(self.bn1(self.conv1(x))))))
        return self.features(self.fc(self.dropout(h.flatten(1))))
""";
}
