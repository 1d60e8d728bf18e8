using System.Globalization;
using FairKd.Core.Pipeline;
using FairKd.Data.Imaging;

namespace FairKd.Data.Ingest;

/// <summary>
/// Options of the ingest stage (<see cref="IngestStage"/>: enumerate -> read bytes -> decode+align (N workers) -> sample
/// index, rejects, summary). The inputs are given as `fairkd ingest` takes them (NAME=PATH entries), so the command, a
/// pipeline step and a library caller build the same record. <see cref="IngestPipeline"/> (also used by embed) reads only
/// the processing settings (<see cref="Workers"/>, <see cref="ChannelCapacity"/>, <see cref="Imaging"/>, <see cref="MaxFileBytes"/>).
/// </summary>
public sealed record IngestOptions : IStageOptions
{
    /// <summary>Output folder: samples.parquet (the sample index), rejects.csv, summary.txt. Required by <see cref="IngestStage"/>.</summary>
    public string? OutDir { get; init; }

    /// <summary>Image folders, NAME=PATH[:layout] (layout group/identity/image, identity/image (default) or flat).</summary>
    public IReadOnlyList<string> Datasets { get; init; } = [];

    /// <summary>MXNet RecordIO packs, NAME=PATH (train.rec with train.idx beside it, or their folder).</summary>
    public IReadOnlyList<string> Recs { get; init; } = [];

    /// <summary>Path lists, NAME=LIST (one image path per line, absolute or relative to the list's folder).</summary>
    public IReadOnlyList<string> PathLists { get; init; } = [];

    /// <summary>5-point landmark files, NAME=FILE, NAME a dataset above.</summary>
    public IReadOnlyList<string> LandmarkFiles { get; init; } = [];

    /// <summary>Images without landmarks that are not 112x112: reject (default) or center-crop. <see cref="IngestStage"/> sets
    /// <see cref="Imaging"/>'s policy from it.</summary>
    public UnalignedPolicy Unaligned { get; init; } = UnalignedPolicy.Reject;

    /// <summary>Also write every aligned face as a PNG under this folder (null: none).</summary>
    public string? WriteAligned { get; init; }

    /// <summary>Parallel decode+align workers. Default: the number of cores.</summary>
    public int Workers { get; init; } = Core.MachineDefaults.Workers;

    /// <summary>Capacity of each bounded channel between stages (back-pressure). Default 64.</summary>
    public int ChannelCapacity { get; init; } = 64;

    /// <summary>Decoding limits, output size and the policy for unaligned images without landmarks.</summary>
    public ImagingOptions Imaging { get; init; } = ImagingOptions.Default;

    /// <summary>Refuse (reject) files larger than this many bytes before decoding. Default 32 MiB.</summary>
    public long MaxFileBytes { get; init; } = 32L << 20;

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string> { "ingest" };
        foreach (var d in Datasets) a.AddRange(["--dataset", d]);
        foreach (var r in Recs) a.AddRange(["--rec", r]);
        foreach (var p in PathLists) a.AddRange(["--paths", p]);
        foreach (var l in LandmarkFiles) a.AddRange(["--landmarks", l]);
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (Workers != Core.MachineDefaults.Workers) a.AddRange(["--workers", Workers.ToString(CultureInfo.InvariantCulture)]);
        if (Unaligned != UnalignedPolicy.Reject) a.AddRange(["--unaligned", PreprocessingRecord.UnalignedName(Unaligned)]);
        if (WriteAligned is not null) a.AddRange(["--write-aligned", WriteAligned]);
        return a;
    }
}
