using FairKd.Core;

namespace FairKd.Torch.Models;

/// <summary>Name -> factory for every face-recognition network FairKd builds.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, Func<ModelSpec, FaceBackbone>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["iresnet18"] = s => new IResNet(s, IResNet.Depths[18]),
        ["iresnet34"] = s => new IResNet(s, IResNet.Depths[34]),
        ["iresnet50"] = s => new IResNet(s, IResNet.Depths[50]),
        ["iresnet100"] = s => new IResNet(s, IResNet.Depths[100]),
        ["iresnet200"] = s => new IResNet(s, IResNet.Depths[200]),
        ["mobilefacenet"] = s => new MobileFaceNet(s),
    };

    /// <summary>Registered names, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["iresnet18", "iresnet34", "iresnet50", "iresnet100", "iresnet200", "mobilefacenet"];

    /// <summary>True when <paramref name="name"/> is registered (case-insensitive).</summary>
    public static bool Contains(string name) => Factories.ContainsKey(name);

    /// <summary>Builds the network (random init as arcface_torch; seed with <c>torch.manual_seed</c> first for
    /// reproducible weights). Unknown names and out-of-range options throw <see cref="UsageException"/>.</summary>
    public static FaceBackbone Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Factories.TryGetValue(spec.Name, out var factory))
            throw new UsageException($"unknown model '{spec.Name}'; known models: {string.Join(", ", Names)}");
        spec.Validate();
        return factory(spec with { Name = spec.Name.ToLowerInvariant() });
    }
}
