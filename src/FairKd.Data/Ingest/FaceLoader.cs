using FairKd.Core.Records;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;

namespace FairKd.Data.Ingest;

/// <summary>What <see cref="FaceLoader.LoadAsync(SampleRef, CancellationToken)"/> made of one sample: the preprocessing
/// result (an aligned face or a reject with its stage), the landmarks it used, and the encoded bytes (null when they
/// could not be read).</summary>
public sealed record FaceLoad(SampleRef Sample, PreprocessResult Result, FaceLandmarks? Landmarks, byte[]? Bytes);

/// <summary>
/// The one path from a sample to network input, shared by ingest, embed (through <see cref="IngestPipeline"/>),
/// train (<see cref="Train.TrainDataPipeline"/>) and eval: read the bytes (<see cref="SampleBytesReader"/>) ->
/// find the sample's landmarks (its dataset's <see cref="LandmarkTable"/>, by the path relative to the dataset root)
/// -> decode, align and normalise (<see cref="FacePreprocessor"/>), and the horizontal mirror (<see cref="Mirror"/>)
/// that embed caches the flipped embedding of and train flips with. Thread-safe; dispose to close RecordIO handles.
/// </summary>
public sealed class FaceLoader : IDisposable
{
    /// <summary>Reject stage of samples whose bytes could not be read.</summary>
    public const string ReadStage = "read";

    /// <summary>Reject stage of landmark lookup problems (several rows match the path).</summary>
    public const string LandmarksStage = "landmarks";

    private static readonly Dictionary<string, LandmarkTable> NoLandmarks = [];
    private readonly IReadOnlyDictionary<string, LandmarkTable> _landmarks;
    private readonly SampleBytesReader _bytes;

    /// <summary>A loader with <paramref name="imaging"/> (default <see cref="ImagingOptions.Default"/>), landmark tables
    /// by dataset name, and a byte limit per file.</summary>
    public FaceLoader(ImagingOptions? imaging = null, IReadOnlyDictionary<string, LandmarkTable>? landmarksByDataset = null,
        long maxFileBytes = SampleBytesReader.DefaultMaxBytes)
    {
        Preprocessor = new FacePreprocessor(imaging);
        _landmarks = landmarksByDataset ?? NoLandmarks;
        _bytes = new SampleBytesReader(maxFileBytes);
    }

    /// <summary>The decode + align step (its options are <see cref="Imaging"/>).</summary>
    public FacePreprocessor Preprocessor { get; }

    /// <summary>Decode limits, output size, normalisation and unaligned policy in effect (the preprocessor's options).</summary>
    public ImagingOptions Imaging => Preprocessor.Options;

    /// <summary>Side of the produced faces.</summary>
    public int OutputSize => Preprocessor.OutputSize;

    /// <summary>Reads, finds the landmarks of, decodes and aligns one sample. Never throws for bad input.</summary>
    public async ValueTask<FaceLoad> LoadAsync(SampleRef sample, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var bytes = await _bytes.ReadAsync(sample.Source, ct).ConfigureAwait(false);
        if (!bytes.Ok) return new FaceLoad(sample, PreprocessResult.Rejected(ReadStage, bytes.RejectReason!), null, null);
        FaceLandmarks? landmarks = null;
        if (_landmarks.TryGetValue(sample.Dataset, out var table)
            && table.Find(sample.RelativePath, out landmarks) == LandmarkMatch.Ambiguous)
        {
            return new FaceLoad(sample, PreprocessResult.Rejected(LandmarksStage, "landmarks: ambiguous (several landmark rows match this path)"), null, bytes.Bytes);
        }

        return new FaceLoad(sample, Preprocessor.Process(bytes.Bytes!, landmarks), landmarks, bytes.Bytes);
    }

    /// <summary>Reads and aligns an image whose landmarks the caller already found (evaluation pair lists).</summary>
    public async ValueTask<PreprocessResult> LoadAsync(SampleSource source, FaceLandmarks? landmarks, CancellationToken ct = default)
    {
        var bytes = await _bytes.ReadAsync(source, ct).ConfigureAwait(false);
        return bytes.Ok ? Preprocessor.Process(bytes.Bytes!, landmarks) : PreprocessResult.Rejected(ReadStage, "read: " + bytes.RejectReason);
    }

    /// <summary>Decodes and aligns encoded bytes already in memory (images of evaluation packs).</summary>
    public PreprocessResult Process(ReadOnlyMemory<byte> bytes, FaceLandmarks? landmarks) => Preprocessor.Process(bytes, landmarks);

    /// <summary>The horizontal mirror of a 3 x <paramref name="size"/> x <paramref name="size"/> face (a row reversal per
    /// channel): the image whose embedding embed caches as <c>flipped_embedding</c>, train's random flip and eval's
    /// test-time flip.</summary>
    public static void Mirror(ReadOnlySpan<float> chw, Span<float> destination, int size) =>
        Core.Tensors.Chw.FlipHorizontal(chw, destination, 3, size, size);

    /// <summary>Closes the RecordIO files the byte reader keeps open.</summary>
    public void Dispose() => _bytes.Dispose();
}
