using FairKd.Data.Demo;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Demo;

/// <summary>One tiny-scale demo tree (seed 7), generated once and shared by the layout tests.</summary>
public sealed class TinyDemoFixture : IDisposable
{
    private readonly TempDir _dir = new("demo");

    public TinyDemoFixture()
    {
        Options = DemoDataOptions.ForScale(DemoScale.Tiny, 7);
        Result = DemoDataGenerator.Generate(Root, Options);
    }

    public DemoDataOptions Options { get; }
    public DemoDataResult Result { get; }
    public string Root => _dir.Combine("out");

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Every file under the root (relative, '/'-separated) with its SHA-256.</summary>
    public static Dictionary<string, string> HashTree(string root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            result[System.IO.Path.GetRelativePath(root, file).Replace('\\', '/')] =
                Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        return result;
    }

    public void Dispose() => _dir.Dispose();
}
