using FairKd.Core;

namespace FairKd.Torch.Weights;

/// <summary>
/// A weights file FairKd cannot read: legacy (non-zip) PyTorch pickles, TorchScript archives, whole pickled
/// models, unknown or corrupt files. Derives from <see cref="UsageException"/> (the CLI exits 2): the fix is to
/// give a different file or re-save it, and the message says how.
/// </summary>
public sealed class WeightsFormatException(string message) : UsageException(message);

/// <summary>
/// A strict load whose keys or shapes do not match the model. Derives from <see cref="UsageException"/> (the CLI
/// exits 2: the weights belong to another architecture, width or input size). The message lists the missing and
/// unexpected keys and the shape mismatches (the first 20 of each, then a count).
/// </summary>
public sealed class WeightsMismatchException : UsageException
{
    /// <summary>A mismatch found loading <paramref name="path"/>: model keys the file lacks, file keys the model lacks, and <c>key: file [..] vs model [..]</c> lines (see the properties); the message lists them.</summary>
    public WeightsMismatchException(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapeMismatches)
        : base(Describe(path, missing, unexpected, shapeMismatches))
    {
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatches = shapeMismatches;
    }

    /// <summary>Keys the model has and the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Keys the file has and the model lacks.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"key: file [a, b] vs model [c, d]" for keys present in both with different shapes.</summary>
    public IReadOnlyList<string> ShapeMismatches { get; }

    private static string Describe(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapes)
    {
        static string List(string title, IReadOnlyList<string> items) =>
            items.Count == 0 ? "" : $"; {title} ({items.Count}): {string.Join(", ", items.Take(20))}{(items.Count > 20 ? $", ... ({items.Count - 20} more)" : "")}";
        return $"weights {path} do not match the model (wrong architecture, width, embedding or input size?)"
            + List("missing keys", missing) + List("unexpected keys", unexpected) + List("shape mismatches", shapes);
    }
}
