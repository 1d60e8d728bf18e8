namespace FairKd.Core.Records;

/// <summary>
/// A face-recognition network seen by the pipelines: batches of aligned CHW faces in, raw (unnormalised)
/// embeddings out. Implemented in FairKd.Torch (TorchSharp and ONNX Runtime backends) and wired in the CLI.
/// </summary>
public interface IFaceEmbedder : IDisposable
{
    /// <summary>Descriptive name (registry name or model file), recorded in output metadata.</summary>
    string Name { get; }

    /// <summary>Embedding dimension (512 for the study's networks).</summary>
    int EmbeddingSize { get; }

    /// <summary>Square input side in pixels (112).</summary>
    int InputSize { get; }

    /// <summary>Embeds <paramref name="count"/> images packed as [count, 3, InputSize, InputSize] into
    /// <paramref name="embeddings"/> packed as [count, EmbeddingSize].</summary>
    void Embed(ReadOnlySpan<float> chwBatch, int count, Span<float> embeddings);
}

/// <summary>A 4-way ethnicity classifier: probabilities in <see cref="EthnicGroups.Order"/> unless mapped.</summary>
public interface IEthnicityClassifier : IDisposable
{
    /// <summary>Square input side in pixels the classifier expects (batches are [count, 3, InputSize, InputSize]).</summary>
    int InputSize { get; }

    /// <summary>Writes [count, 4] probabilities (each row sums to 1) in <see cref="EthnicGroups.Order"/>.</summary>
    void Predict(ReadOnlySpan<float> chwBatch, int count, Span<float> probabilities);
}
