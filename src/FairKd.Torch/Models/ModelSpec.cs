namespace FairKd.Torch.Models;

/// <summary>
/// What to build from the <see cref="ModelRegistry"/>.
/// </summary>
/// <param name="Name">Registry name: iresnet18, iresnet34, iresnet50, iresnet100, iresnet200 or mobilefacenet.</param>
/// <param name="WidthMultiplier">Scales every channel count (1 = the published network). The base unit is
/// <c>round(64 * WidthMultiplier)</c> channels (at least 1); every width is a multiple of it, so the key structure
/// never changes. Tests and the demo use 1/16.</param>
/// <param name="InputSize">Square input side in pixels (112). The spatial size after the four stride-2 stages,
/// <c>ceil(InputSize / 16)</c>, sets the IResNet flatten size and the MobileFaceNet GDC kernel (7 at 112).</param>
/// <param name="EmbeddingSize">Output dimension (512).</param>
/// <param name="Dropout">IResNet dropout probability before the fc layer (0; the study used 0.4 for r50 students).
/// MobileFaceNet has no dropout and rejects a non-zero value.</param>
public sealed record ModelSpec(string Name, double WidthMultiplier = 1, int InputSize = 112, int EmbeddingSize = 512, double Dropout = 0)
{
    /// <summary>Channels of the first stage (64 at width 1).</summary>
    public int BaseWidth => Math.Max(1, (int)Math.Round(64 * WidthMultiplier, MidpointRounding.AwayFromZero));

    /// <summary>Spatial side after four stride-2 stages (7 at 112).</summary>
    public int FinalSpatial
    {
        get
        {
            var s = InputSize;
            for (var i = 0; i < 4; i++) s = (s + 1) / 2;
            return s;
        }
    }

    /// <summary>Throws <see cref="FairKd.Core.UsageException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (!(WidthMultiplier > 0) || WidthMultiplier > 16)
            throw new Core.UsageException($"model {Name}: width multiplier {WidthMultiplier} must be in (0, 16]");
        if (InputSize < 16 || InputSize > 1024)
            throw new Core.UsageException($"model {Name}: input size {InputSize} must be in [16, 1024]");
        if (EmbeddingSize < 1 || EmbeddingSize > 65536)
            throw new Core.UsageException($"model {Name}: embedding size {EmbeddingSize} must be in [1, 65536]");
        if (Dropout < 0 || Dropout >= 1)
            throw new Core.UsageException($"model {Name}: dropout {Dropout} must be in [0, 1)");
    }
}
