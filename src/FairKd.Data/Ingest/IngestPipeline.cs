using System.Security.Cryptography;
using System.Threading.Channels;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;

namespace FairKd.Data.Ingest;

/// <summary>
/// The ingest stage as a library API: readers' samples are enumerated, their bytes read, decoded and aligned by
/// <see cref="IngestOptions.Workers"/> parallel workers, and yielded IN ENUMERATION ORDER as <see cref="IngestItem"/>s
/// (aligned CHW tensors or rejects with reasons). The embed stage consumes the same channel in process.
/// </summary>
public sealed class IngestPipeline(
    IReadOnlyList<ISampleReader> readers,
    IReadOnlyDictionary<string, LandmarkTable> landmarksByDataset,
    IngestOptions options)
{
    /// <summary>Stage name used in rejects.csv for samples whose bytes could not be read.</summary>
    public const string ReadStage = "read";

    /// <summary>Stage name used in rejects.csv for landmark lookup problems.</summary>
    public const string LandmarksStage = "landmarks";

    /// <summary>Starts the enumerate and decode+align stages on <paramref name="runner"/> and returns their output.</summary>
    public ChannelReader<IngestItem> Start(PipelineRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var preprocessor = new FacePreprocessor(options.Imaging);
        var bytesReader = new SampleBytesReader(options.MaxFileBytes);
        var samples = runner.Source<SampleRef>("enumerate", async (writer, ct) =>
        {
            foreach (var reader in readers)
                foreach (var sample in reader.Enumerate(ct))
                    await writer.WriteAsync(sample, ct).ConfigureAwait(false);
        }, options.ChannelCapacity);

        return runner.Map<SampleRef, IngestItem>("decode+align", samples,
            async (sample, ct) => await ProcessAsync(sample, bytesReader, preprocessor, ct).ConfigureAwait(false),
            options.Workers, options.ChannelCapacity);
    }

    private async ValueTask<IngestItem> ProcessAsync(SampleRef sample, SampleBytesReader bytesReader, FacePreprocessor preprocessor, CancellationToken ct)
    {
        var bytes = await bytesReader.ReadAsync(sample.Source, ct).ConfigureAwait(false);
        if (!bytes.Ok) return new IngestItem(null, new Reject(sample.Key, ReadStage, bytes.RejectReason!), sample);

        FaceLandmarks? landmarks = null;
        if (landmarksByDataset.TryGetValue(sample.Dataset, out var table))
        {
            var match = table.Find(sample.RelativePath, out landmarks);
            if (match == LandmarkMatch.Ambiguous)
                return new IngestItem(null, new Reject(sample.Key, LandmarksStage, "landmarks: ambiguous (several landmark rows match this path)"), sample);
        }

        var result = preprocessor.Process(bytes.Bytes, landmarks);
        if (!result.Succeeded) return new IngestItem(null, result.ToReject(sample.Key), sample);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes.Bytes!));
        var info = new SampleInfo(result.SourceWidth, result.SourceHeight, result.Mode == AlignmentMode.Landmarks ? landmarks : null, result.Mode, sha);
        return new IngestItem(new AlignedFace(sample, info, result.Chw!, result.Size), null, sample);
    }
}
