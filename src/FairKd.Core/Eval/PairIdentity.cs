namespace FairKd.Core.Eval;

/// <summary>
/// The identity of an evaluation image, from its path relative to the set's image root ('/' or '\' separators):
/// the folder part when there is one (RFW and LFW <c>name/name_0001.jpg</c> give <c>name</c>; <c>a/b/x.jpg</c> gives
/// <c>a/b</c>); for a file directly in the root, its name without extension and without a trailing <c>_digits</c>
/// (CPLFW <c>Aaron_Eckhart_1.jpg</c> and CALFW <c>Aaron_Eckhart_0001.jpg</c> give <c>Aaron_Eckhart</c>; a name that
/// would become empty is kept whole). The identity bootstrap resamples these.
/// </summary>
public static class PairIdentity
{
    /// <summary>The identity of the image at <paramref name="relativePath"/>.</summary>
    public static string Of(string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        var path = relativePath.Replace('\\', '/').Trim('/');
        var slash = path.LastIndexOf('/');
        if (slash > 0) return path[..slash];
        var dot = path.LastIndexOf('.');
        var stem = dot > 0 ? path[..dot] : path;
        var end = stem.Length;
        while (end > 0 && char.IsAsciiDigit(stem[end - 1])) end--;
        return end < stem.Length && end > 1 && stem[end - 1] == '_' ? stem[..(end - 1)] : stem;
    }
}
