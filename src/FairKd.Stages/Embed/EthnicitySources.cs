using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Labels;
using FairKd.Data.Readers;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Stages.Embed;

/// <summary>Where `fairkd embed` takes the 4 ethnicity probabilities of each image from.</summary>
internal interface IEthnicitySource : IDisposable
{
    /// <summary>Description recorded in the cache fingerprint (model + weights hash, file hash, or folders).</summary>
    string Fingerprint { get; }

    /// <summary>Fills <paramref name="probabilities"/> ([count, 4], EthnicGroups.Order) for the batch; a sample without
    /// labels gets a reason in <paramref name="problems"/> and is rejected.</summary>
    void Label(IReadOnlyList<AlignedFace> faces, ReadOnlySpan<float> chwBatch, Span<float> probabilities, string?[] problems);
}

/// <summary>Builds the ethnicity source from the command's options (exactly one).</summary>
internal static class EthnicitySources
{
    /// <param name="model">--ethnicity-model SPEC of a TorchSharp classifier (with <paramref name="weights"/>).</param>
    /// <param name="weights">--ethnicity-weights FILE of that classifier.</param>
    /// <param name="onnx">--ethnicity-onnx FILE: an ONNX classifier instead.</param>
    /// <param name="file">--ethnicity-file: the study's predictions file (probabilities per image path).</param>
    /// <param name="fromFolders">--ethnicity-from-folders: one-hot from each sample's group folder.</param>
    /// <param name="none">--no-ethnicity: no soft labels (the cache's probabilities stay empty).</param>
    /// <param name="order">--ethnicity-order: the classifier's output order of the four groups (default EthnicGroups.Order).</param>
    /// <param name="device">cpu, cuda or cuda:N for a TorchSharp classifier.</param>
    /// <param name="onnxRun">How an ONNX classifier runs (its runs at once are always its own default: the teacher's
    /// --onnx-runs does not apply).</param>
    public static IEthnicitySource Create(string? model, string? weights, string? onnx, string? file, bool fromFolders, bool none, string? order, string device,
        OnnxRunOptions? onnxRun = null)
    {
        var count = new[] { model is not null || weights is not null, onnx is not null, file is not null, fromFolders, none }.Count(x => x);
        if (count != 1)
            throw new UsageException("give exactly one ethnicity source: --ethnicity-model SPEC --ethnicity-weights FILE, --ethnicity-onnx FILE, " +
                "--ethnicity-file FILE (the study's predictions), --ethnicity-from-folders (one-hot from group folders) or --no-ethnicity (evaluation caches)");
        if (none) return new NoneSource();
        var classOrder = order?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (file is not null)
        {
            if (order is not null) throw new UsageException("--ethnicity-order applies to a classifier, not to --ethnicity-file (its column order is fixed)");
            var f = EthnicityPredictionsFile.Read(file);
            InputFileCheck.Ensure($"--ethnicity-file {file}", file, InputFormat.EthnicityPredictions, f.Lines, "prediction lines",
                f.Malformed.Count, [.. f.Malformed.Select(m => ((long)m.Line, m.Reason))]);
            return new FileSource(f, "file:" + ModelWeights.Sha256(file));
        }

        if (fromFolders) return new FolderSource();
        if (onnx is not null)
        {
            if (!File.Exists(onnx)) throw new UsageException($"--ethnicity-onnx {onnx}: file not found");
            return new ClassifierSource(new OnnxEthnicityClassifier(onnx, classOrder, run: (onnxRun ?? new OnnxRunOptions()) with { Runs = null }), $"onnx:{ModelWeights.Sha256(onnx)}:{order}");
        }

        if (model is null || weights is null) throw new UsageException("--ethnicity-model SPEC and --ethnicity-weights FILE go together");
        if (!File.Exists(weights)) throw new UsageException($"--ethnicity-weights {weights}: file not found");
        var spec = ModelSpecText.Parse(model, "--ethnicity-model");
        return new ClassifierSource(TorchEthnicityClassifier.Create(spec, weights, classOrder, new TorchInferenceOptions(device)),
            $"model:{ModelSpecText.Format(spec)}:{ModelWeights.Sha256(weights)}:{order}");
    }

    private sealed class ClassifierSource(IEthnicityClassifier classifier, string fingerprint) : IEthnicitySource
    {
        public string Fingerprint => fingerprint;

        public void Label(IReadOnlyList<AlignedFace> faces, ReadOnlySpan<float> chwBatch, Span<float> probabilities, string?[] problems)
        {
            if (faces.Count > 0 && faces[0].Size != classifier.InputSize)
                throw new UsageException($"the ethnicity classifier takes {classifier.InputSize}x{classifier.InputSize} inputs, the aligned faces are {faces[0].Size}x{faces[0].Size}");
            classifier.Predict(chwBatch, faces.Count, probabilities);
        }

        public void Dispose() => classifier.Dispose();
    }

    private sealed class FileSource(EthnicityPredictionsFile file, string fingerprint) : IEthnicitySource
    {
        public string Fingerprint => fingerprint;

        public void Label(IReadOnlyList<AlignedFace> faces, ReadOnlySpan<float> chwBatch, Span<float> probabilities, string?[] problems)
        {
            for (var i = 0; i < faces.Count; i++)
            {
                if (file.TryFind(faces[i].Sample.RelativePath, out var p, out var problem)) p!.CopyTo(probabilities.Slice(i * 4, 4));
                else problems[i] = problem;
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>All-zero probabilities: a cache of evaluation images needs embeddings only. `fairkd manifest build`
    /// refuses such labels (they do not sum to 1), so it cannot be mistaken for a labelled cache.</summary>
    private sealed class NoneSource : IEthnicitySource
    {
        public string Fingerprint => "none";

        public void Label(IReadOnlyList<AlignedFace> faces, ReadOnlySpan<float> chwBatch, Span<float> probabilities, string?[] problems) =>
            probabilities[..(faces.Count * 4)].Clear();

        public void Dispose()
        {
        }
    }

    private sealed class FolderSource : IEthnicitySource
    {
        public string Fingerprint => "folders";

        public void Label(IReadOnlyList<AlignedFace> faces, ReadOnlySpan<float> chwBatch, Span<float> probabilities, string?[] problems)
        {
            for (var i = 0; i < faces.Count; i++)
            {
                var g = faces[i].Sample.Group;
                var index = EthnicGroups.IndexOf(g);
                if (index < 0)
                {
                    problems[i] = g is null ? "ethnicity: the sample has no group folder (use a group/identity/image layout)" : $"ethnicity: unknown group folder '{g}'";
                    continue;
                }

                probabilities.Slice(i * 4, 4).Clear();
                probabilities[(i * 4) + index] = 1;
            }
        }

        public void Dispose()
        {
        }
    }
}
