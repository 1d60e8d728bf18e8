namespace FairKd.Core.IO;

/// <summary>
/// How FairKd names a sample and an identity everywhere (sample index, caches, manifests, training, eval): a sample's key is
/// <c>dataset/relative/path</c> (the path below the dataset's root, '/'-separated as the reader found it), unique across
/// datasets; an identity is dataset-qualified (<c>bupt/African/m.0x</c>), so two datasets never share one. Every reader,
/// the release formats and the evaluation sets build their names here.
/// </summary>
public static class SampleId
{
    /// <summary>The key of the image at <paramref name="relativePath"/> below dataset <paramref name="dataset"/>'s root.</summary>
    public static string Key(string dataset, string relativePath) => Qualify(dataset, relativePath);

    /// <summary>The identity <paramref name="identity"/> (a folder path or a class label) of dataset <paramref name="dataset"/>.</summary>
    public static string Identity(string dataset, string identity) => Qualify(dataset, identity);

    private static string Qualify(string dataset, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataset);
        ArgumentNullException.ThrowIfNull(path);
        return string.Concat(dataset, "/", path);
    }
}
