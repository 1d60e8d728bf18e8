using System.Security.Cryptography;
using System.Threading.Channels;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Readers;

namespace FairKd.Data.Ingest;

/// <summary>
/// The ingest stage as a library API: readers' samples are enumerated, their bytes read, decoded and aligned by
/// <see cref="IngestOptions.Workers"/> parallel workers, and yielded IN ENUMERATION ORDER as <see cref="IngestItem"/>s
/// (aligned CHW tensors or rejects with reasons). The embed stage consumes the same channel in process. The per-sample work is <see cref="FaceLoader"/>, which
/// training and evaluation use too.
/// </summary>
public sealed class IngestPipeline(
    IReadOnlyList<ISampleReader> readers,
    IReadOnlyDictionary<string, LandmarkTable> landmarksByDataset,
    IngestOptions options)
{
    /// <summary>Stage name used in rejects.csv for samples whose bytes could not be read.</summary>
    public const string ReadStage = FaceLoader.ReadStage;

    /// <summary>Stage name used in rejects.csv for landmark lookup problems.</summary>
    public const string LandmarksStage = FaceLoader.LandmarksStage;

    /// <summary>Starts the enumerate and decode+align stages on <paramref name="runner"/> and returns their output.</summary>
    public ChannelReader<IngestItem> Start(PipelineRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var loader = new FaceLoader(options.Imaging, landmarksByDataset, options.MaxFileBytes);
        var samples = runner.Source<SampleRef>("enumerate", async (writer, ct) =>
        {
            foreach (var reader in readers)
                foreach (var sample in reader.Enumerate(ct))
                    await writer.WriteAsync(sample, ct).ConfigureAwait(false);
        }, options.ChannelCapacity);

        return runner.Map<SampleRef, IngestItem>("decode+align", samples,
            async (sample, ct) => ToItem(await loader.LoadAsync(sample, ct).ConfigureAwait(false)),
            options.Workers, options.ChannelCapacity);
    }

    /// <summary>The ingest item of a loaded sample: the aligned face with what ingest records about it, or the reject.</summary>
    public static IngestItem ToItem(FaceLoad load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var (sample, result) = (load.Sample, load.Result);
        if (!result.Succeeded) return new IngestItem(null, result.ToReject(sample.Key), sample);
        var sha = Convert.ToHexStringLower(SHA256.HashData(load.Bytes!));
        var info = new SampleInfo(result.SourceWidth, result.SourceHeight, result.Mode == AlignmentMode.Landmarks ? load.Landmarks : null, result.Mode, sha);
        return new IngestItem(new AlignedFace(sample, info, result.Chw!, result.Size), null, sample);
    }
}
