using FairKd.Torch.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Train;

/// <summary>
/// The study's optimiser: SGD (momentum 0.9, weight decay 5e-4, no dampening, no Nesterov) over two parameter groups,
/// group 0 the backbone and group 1 the header, both at <see cref="TrainerOptions.ScaledLr"/>. (The study uses two SGD
/// optimisers with identical settings; per-parameter SGD makes one optimiser with two groups equivalent.)
/// </summary>
public static class OptimizerSetup
{
    /// <summary>Creates the SGD optimiser with the backbone and header groups.</summary>
    public static GcSafeSgd Create(nn.Module backbone, nn.Module header, TrainerOptions options)
    {
        var lr = options.ScaledLr;
        SGD.ParamGroup Group(nn.Module m) => new(m.parameters(), lr, options.Momentum, 0.0, options.WeightDecay, false, false);
        return new GcSafeSgd([Group(backbone), Group(header)], lr, options.Momentum, 0.0, options.WeightDecay, false, false);
    }

    /// <summary>Sets every group's lr to its initial lr times <paramref name="factor"/>.</summary>
    public static void SetFactor(optim.Optimizer optimizer, double factor)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = g.InitialLearningRate * factor;
    }

    /// <summary>The current lr of group 0.</summary>
    public static double CurrentLr(optim.Optimizer optimizer) => optimizer.ParamGroups.First().LearningRate;
}
