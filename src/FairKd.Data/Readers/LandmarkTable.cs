using FairKd.Core.Records;

namespace FairKd.Data.Readers;

/// <summary>Outcome of a landmark lookup.</summary>
public enum LandmarkMatch
{
    /// <summary>Exactly one entry matches.</summary>
    Found,

    /// <summary>No entry matches.</summary>
    Missing,

    /// <summary>Several entries end with the path (e.g. <c>a/x.jpg</c> and <c>b/a/x.jpg</c> for <c>a/x.jpg</c>): none is used.</summary>
    Ambiguous,
}

/// <summary>
/// Landmarks keyed by normalised path ('/' separators, no leading <c>./</c> or '/'). A lookup with a sample's
/// path relative to its dataset root matches an entry equal to it, or else the one entry that ends with it on a
/// folder boundary: RFW's <c>./test/data/African/m.0c/m.0c_0001.jpg</c> is found for <c>m.0c/m.0c_0001.jpg</c>
/// (root <c>test/data/African</c>) and for <c>African/m.0c/m.0c_0001.jpg</c> (root <c>test/data</c>), with no prefix to configure.
/// </summary>
public sealed class LandmarkTable
{
    private readonly Dictionary<string, FaceLandmarks> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byFileName = new(StringComparer.Ordinal);

    /// <summary>Number of entries.</summary>
    public int Count => _byPath.Count;

    /// <summary>The normalised form of a path: '\' to '/', no leading <c>./</c> or '/', no empty or '.' components.</summary>
    public static string Normalise(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('/', parts.Where(p => p != "."));
    }

    /// <summary>Finds the landmarks of a sample by its path relative to the dataset root.</summary>
    public LandmarkMatch Find(string relativePath, out FaceLandmarks? landmarks)
    {
        var key = Normalise(relativePath);
        if (_byPath.TryGetValue(key, out landmarks)) return LandmarkMatch.Found;
        landmarks = null;
        var name = key[(key.LastIndexOf('/') + 1)..];
        if (!_byFileName.TryGetValue(name, out var candidates)) return LandmarkMatch.Missing;
        string? hit = null;
        foreach (var c in candidates)
        {
            if (!c.EndsWith("/" + key, StringComparison.Ordinal)) continue;
            if (hit is not null) return LandmarkMatch.Ambiguous;
            hit = c;
        }

        if (hit is null) return LandmarkMatch.Missing;
        landmarks = _byPath[hit];
        return LandmarkMatch.Found;
    }

    /// <summary>Adds an entry under its normalised path; false when that path is already present.</summary>
    internal bool TryAdd(string path, FaceLandmarks landmarks)
    {
        var key = Normalise(path);
        if (!_byPath.TryAdd(key, landmarks)) return false;
        var name = key[(key.LastIndexOf('/') + 1)..];
        if (!_byFileName.TryGetValue(name, out var list)) _byFileName[name] = list = [];
        list.Add(key);
        return true;
    }
}
