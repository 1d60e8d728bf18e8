namespace FairKd.Core.Sampling;

/// <summary>
/// The study's identity-removal protocols (utils/sampling_analysis.py; see docs in <see cref="IdentitySampler"/>).
/// </summary>
public enum SamplingProtocol
{
    /// <summary>Folder group; score = summed probability of that group; remove from the group with the strictly largest total score.</summary>
    ProtocolE,

    /// <summary>Folder group; score = mean probability; remove from the group whose mean identity score is strictly lowest.</summary>
    ProtocolA,

    /// <summary>Folder group; score = summed probability; remove from the group whose mean identity score is strictly lowest.</summary>
    ProtocolD,

    /// <summary>Group = argmax of the summed labels; score = that component; choice as <see cref="ProtocolE"/>.</summary>
    RelabelE,

    /// <summary>Group = argmax of the mean labels; score = that component; choice as <see cref="ProtocolA"/>.</summary>
    RelabelA,

    /// <summary>Group = argmax of the summed labels; score = that component; choice as <see cref="ProtocolD"/>.</summary>
    RelabelD,

    /// <summary>Group = argmax of the summed labels; remove from the group with the strictly largest global total G_c,
    /// G = sum of the remaining identities' full summed vectors.</summary>
    MultipleForces,
}

/// <summary>Names used in recipes and cards, and per-protocol properties.</summary>
public static class SamplingProtocols
{
    /// <summary>Canonical names, one per <see cref="SamplingProtocol"/> value.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["protocol_e", "protocol_a", "protocol_d", "relabel_e", "relabel_a", "relabel_d", "multiple_forces"];

    /// <summary>Canonical name (<c>protocol_e</c>, ..., <c>multiple_forces</c>).</summary>
    public static string Name(this SamplingProtocol p) => Names[(int)p];

    /// <summary>Parses a canonical name or the study's function names (<c>protocol_e_relabel</c>, <c>protocol_multiple_forces</c>).</summary>
    public static SamplingProtocol Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim().ToLowerInvariant().Replace('-', '_');
        n = n switch
        {
            "protocol_e_relabel" => "relabel_e",
            "protocol_a_relabel" => "relabel_a",
            "protocol_d_relabel" => "relabel_d",
            "protocol_multiple_forces" => "multiple_forces",
            _ => n,
        };
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == n) return (SamplingProtocol)i;
        throw new UsageException($"unknown sampling protocol '{name}'; use one of {string.Join(", ", Names)}");
    }

    /// <summary>True if the identity's group is its folder group (protocol_e/a/d), false if relabelled from soft labels.</summary>
    public static bool UsesFolderGroups(this SamplingProtocol p) => p is SamplingProtocol.ProtocolE or SamplingProtocol.ProtocolA or SamplingProtocol.ProtocolD;

    /// <summary>True if scores are mean probabilities (units 2^-32), false if sums (units 2^-24).</summary>
    public static bool UsesMeanScores(this SamplingProtocol p) => p is SamplingProtocol.ProtocolA or SamplingProtocol.RelabelA;

    /// <summary>Fixed-point units per 1.0 of this protocol's scores.</summary>
    public static long ScoreUnitsPerOne(this SamplingProtocol p) => p.UsesMeanScores() ? LabelSum.UnitsPerOne << MeanExtraBits : LabelSum.UnitsPerOne;

    /// <summary>Extra fractional bits of mean scores: mean = round(sum * 2^8 / images) in units 2^-32.</summary>
    public const int MeanExtraBits = 8;
}
