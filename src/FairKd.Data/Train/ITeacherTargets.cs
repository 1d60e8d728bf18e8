namespace FairKd.Data.Train;

/// <summary>Cached teacher embeddings looked up by sample key (an embedding cache, or several).</summary>
public interface ITeacherTargets
{
    /// <summary>Embedding width.</summary>
    int Width { get; }

    /// <summary>True when <paramref name="key"/> is cached.</summary>
    bool Contains(string key);

    /// <summary>Copies the target of <paramref name="key"/> (of the mirrored image when <paramref name="flipped"/>) into <paramref name="destination"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Get is a keyword only in Visual Basic; FairKd's libraries are called from C#")]
    void Get(string key, bool flipped, Span<float> destination);
}
