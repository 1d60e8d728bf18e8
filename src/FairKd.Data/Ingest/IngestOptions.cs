using FairKd.Data.Imaging;

namespace FairKd.Data.Ingest;

/// <summary>Options of the ingest stage (enumerate -> read bytes -> decode+align (N workers) -> sinks).</summary>
public sealed record IngestOptions
{
    /// <summary>Parallel decode+align workers. Default: the number of cores.</summary>
    public int Workers { get; init; } = Core.MachineDefaults.Workers;

    /// <summary>Capacity of each bounded channel between stages (back-pressure). Default 64.</summary>
    public int ChannelCapacity { get; init; } = 64;

    /// <summary>Decoding limits, output size and the policy for unaligned images without landmarks.</summary>
    public ImagingOptions Imaging { get; init; } = ImagingOptions.Default;

    /// <summary>Refuse (reject) files larger than this many bytes before decoding. Default 32 MiB.</summary>
    public long MaxFileBytes { get; init; } = 32L << 20;
}
