using static FairKd.Data.Eval.PickleValues;

namespace FairKd.Data.Eval;

/// <summary>Limits of <see cref="BinPackReader"/>.</summary>
public sealed record BinPackOptions
{
    /// <summary>Largest single item (an encoded image, a string) accepted. Default 64 MiB.</summary>
    public long MaxItemBytes { get; init; } = 64L << 20;

    /// <summary>Largest pack file accepted. Default 2 GiB - 1 (a .NET array's limit).</summary>
    public long MaxFileBytes { get; init; } = Array.MaxLength;
}

/// <summary>An InsightFace verification pack: 2N encoded images, pair k = (Images[2k], Images[2k+1]), and N same/different flags.</summary>
public sealed record BinPack(IReadOnlyList<byte[]> Images, IReadOnlyList<bool> IsSame)
{
    /// <summary>Number of pairs.</summary>
    public int Pairs => IsSame.Count;
}

/// <summary>
/// Reads InsightFace <c>.bin</c> verification packs (lfw.bin, cfp_fp.bin, agedb_30.bin, calfw.bin, cplfw.bin,
/// African_test.bin, ...): a pickle of <c>(bins, issame_list)</c> read with <see cref="RestrictedPickleReader"/>, which
/// never executes anything. bins items may be bytes, bytearrays, Python-2 str or 1-D numpy uint8 arrays; issame items
/// bools (also numpy bool scalars). Every problem is a <see cref="PackFormatException"/>.
/// </summary>
public static class BinPackReader
{
    /// <summary>Reads a pack file.</summary>
    public static BinPack Read(string path, BinPackOptions? options = null)
    {
        options ??= new BinPackOptions();
        var length = new FileInfo(path).Length;
        if (length > options.MaxFileBytes) throw new PackFormatException(0, $"{path} is {length} bytes, over the {options.MaxFileBytes}-byte cap");
        return Parse(File.ReadAllBytes(path), options);
    }

    /// <summary>Parses pack bytes.</summary>
    public static BinPack Parse(byte[] bytes, BinPackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        options ??= new BinPackOptions();
        var top = RestrictedPickleReader.Load(bytes, options.MaxItemBytes);
        var parts = top switch
        {
            PickleValues.Tuple { Items: { Length: 2 } t } => t,
            List<object?> { Count: 2 } l => l.ToArray(),
            _ => throw new PackFormatException(bytes.Length, "top value is not a (bins, issame_list) pair"),
        };
        if (parts[0] is not List<object?> bins) throw new PackFormatException(bytes.Length, "bins is not a list");
        if (parts[1] is not List<object?> flags) throw new PackFormatException(bytes.Length, "issame_list is not a list");

        var images = new byte[bins.Count][];
        for (var i = 0; i < bins.Count; i++)
        {
            images[i] = bins[i] switch
            {
                byte[] b => b,
                NdArray { Data: { } data, Shape.Length: 1 } => data,
                NdArray { Data: { }, Shape: var shape } => throw new PackFormatException(bytes.Length,
                    $"bins[{i}] is a {shape.Length}-d uint8 array ({string.Join('x', shape)}): raw pixels, not an encoded image"),
                NdArray => throw new PackFormatException(bytes.Length, $"bins[{i}] is a numpy array without state"),
                var other => throw new PackFormatException(bytes.Length, $"bins[{i}] is {Describe(other)}, not bytes"),
            };
        }

        var issame = new bool[flags.Count];
        for (var i = 0; i < flags.Count; i++)
            issame[i] = flags[i] as bool? ?? throw new PackFormatException(bytes.Length, $"issame_list[{i}] is {Describe(flags[i])}, not a bool");

        if (images.Length != 2 * issame.Length)
            throw new PackFormatException(bytes.Length, $"{images.Length} images for {issame.Length} pairs (expected {2 * issame.Length})");
        return new BinPack(images, issame);
    }

    private static string Describe(object? v) => v switch
    {
        null => "None",
        long => "an integer",
        string => "a string",
        List<object?> => "a list",
        PickleValues.Tuple => "a tuple",
        _ => v.GetType().Name,
    };
}
