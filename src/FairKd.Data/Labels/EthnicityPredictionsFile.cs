using System.Globalization;
using FairKd.Core;
using FairKd.Core.Records;

namespace FairKd.Data.Labels;

/// <summary>
/// The study's per-image ethnicity predictions (<c>predictions.txt</c> of its SkinToneClassifier): one line per image,
/// comma-separated <c>p_Caucasian,p_Asian,p_Indian,p_African,&lt;unused&gt;,path</c> (a header line, if any, is skipped).
/// A sample matches the line whose path ends with its relative path at a folder boundary (the study's paths are
/// absolute on its machines). Lookups return probabilities in <see cref="EthnicGroups.Order"/>.
/// </summary>
public sealed class EthnicityPredictionsFile
{
    private readonly Dictionary<string, float[]?> _bySuffix = new(StringComparer.Ordinal);
    private readonly HashSet<int> _suffixLengths = [];

    private EthnicityPredictionsFile()
    {
    }

    /// <summary>Lines read.</summary>
    public int Lines { get; private set; }

    /// <summary>Malformed lines (line number and reason), skipped.</summary>
    public List<(int Line, string Reason)> Malformed { get; } = [];

    /// <summary>Reads <paramref name="path"/>; a missing file throws <see cref="UsageException"/>.</summary>
    public static EthnicityPredictionsFile Read(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--ethnicity-file {path}: file not found");
        var f = new EthnicityPredictionsFile();
        var n = 0;
        foreach (var raw in File.ReadLines(path))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var parts = line.Split(',');
            if (parts.Length < 6)
            {
                f.Malformed.Add((n, $"{parts.Length} fields, expected 6 (p_Caucasian,p_Asian,p_Indian,p_African,_,path)"));
                continue;
            }

            var p = new float[4];
            var ok = true;
            for (var i = 0; i < 4; i++)
                ok &= float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out p[i]) && float.IsFinite(p[i]) && p[i] >= 0 && p[i] <= 1;
            if (!ok)
            {
                if (n == 1) continue; // header
                f.Malformed.Add((n, "a probability is not a number in [0, 1]"));
                continue;
            }

            f.Lines++;
            // file order Caucasian, Asian, Indian, African -> EthnicGroups.Order African, Asian, Caucasian, Indian
            f.Add(string.Join(',', parts.Skip(5)).Trim().Replace('\\', '/'), [p[3], p[1], p[0], p[2]]);
        }

        return f;
    }

    private void Add(string path, float[] probabilities)
    {
        // Index every suffix of 1..4 components; a suffix seen twice becomes ambiguous (null).
        var comps = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var k = 1; k <= Math.Min(4, comps.Length); k++)
        {
            var suffix = string.Join('/', comps[^k..]);
            _suffixLengths.Add(k);
            _bySuffix[suffix] = _bySuffix.ContainsKey(suffix) ? null : probabilities;
        }
    }

    /// <summary>Probabilities of the sample with <paramref name="relativePath"/>, or a reason why there are none.</summary>
    public bool TryFind(string relativePath, out float[]? probabilities, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var comps = relativePath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var suffix = string.Join('/', comps[^Math.Min(4, comps.Length)..]);
        problem = null;
        if (_bySuffix.TryGetValue(suffix, out probabilities))
        {
            if (probabilities is not null) return true;
            problem = "ethnicity: several prediction lines match this path";
            return false;
        }

        problem = "ethnicity: no line of the predictions file matches this path";
        return false;
    }
}
