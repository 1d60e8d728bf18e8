namespace FairKd.Data.Readers;

/// <summary>How an image folder dataset is organised below its root.</summary>
public enum DatasetLayout
{
    /// <summary><c>&lt;root&gt;/&lt;identity&gt;/&lt;image&gt;</c> (DCFace, IDiff-Face, generic). The default.</summary>
    IdentityImage,

    /// <summary><c>&lt;root&gt;/&lt;Group&gt;/&lt;identity&gt;/&lt;image&gt;</c> (BUPT-BalancedFace, RFW test/data).</summary>
    GroupIdentityImage,

    /// <summary>
    /// Any folder of faces without identity labels: every image below the root, at any depth (unlabelled; identity
    /// empty, no group). Such images can be embedded and distilled from (KD only), never used for a margin loss or a manifest.
    /// </summary>
    Flat,
}

/// <summary>The command-line spellings of <see cref="DatasetLayout"/>.</summary>
public static class DatasetLayouts
{
    /// <summary>Spelling of <see cref="DatasetLayout.IdentityImage"/>.</summary>
    public const string IdentityImageName = "identity/image";

    /// <summary>Spelling of <see cref="DatasetLayout.GroupIdentityImage"/>.</summary>
    public const string GroupIdentityImageName = "group/identity/image";

    /// <summary>Spelling of <see cref="DatasetLayout.Flat"/>.</summary>
    public const string FlatName = "flat";

    /// <summary>Every valid spelling, for error messages.</summary>
    public static string ValidNames => $"{IdentityImageName}, {GroupIdentityImageName}, {FlatName}";

    /// <summary>Parses a layout spelling (exact, lower case); false when unknown.</summary>
    public static bool TryParse(string text, out DatasetLayout layout)
    {
        switch (text)
        {
            case IdentityImageName:
                layout = DatasetLayout.IdentityImage;
                return true;
            case GroupIdentityImageName:
                layout = DatasetLayout.GroupIdentityImage;
                return true;
            case FlatName:
                layout = DatasetLayout.Flat;
                return true;
            default:
                layout = default;
                return false;
        }
    }

    /// <summary>The spelling of a layout.</summary>
    public static string Name(this DatasetLayout layout) => layout switch
    {
        DatasetLayout.IdentityImage => IdentityImageName,
        DatasetLayout.GroupIdentityImage => GroupIdentityImageName,
        DatasetLayout.Flat => FlatName,
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown layout"),
    };
}
