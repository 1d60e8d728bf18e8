using FairKd.Core;
using FairKd.Core.Eval;
using FairKd.Core.IO;
using FairKd.Core.Records;
using FairKd.Data.Eval;
using FairKd.Data.Readers;

namespace FairKd.Stages.Eval;

/// <summary>One image to embed: a file (with optional landmarks) or encoded bytes from a pack; <see cref="CacheKey"/> is its
/// key in an embedding cache made by `fairkd embed` over the same folder (null for packs).</summary>
internal sealed record EvalImage(string Id, string? Path, byte[]? Bytes, FaceLandmarks? Landmarks, string? CacheKey, string? Problem = null);

/// <summary>One pair of a set: its 0-based index in the list (pack), its images as indexes into the shared image list, the
/// label, and the identities of both images (<see cref="PairIdentity"/>; null for .bin packs, which name none).</summary>
internal sealed record EvalPair(int Id, int A, int B, bool Same, string? IdentityA, string? IdentityB);

/// <summary>One target set: its pairs in list order.</summary>
internal sealed record EvalSet(string Name, TargetSetKind Kind, string? Group, string Fingerprint, IReadOnlyList<EvalPair> Pairs);

/// <summary>
/// Turns `fairkd eval` options into target sets over one de-duplicated image list (an image in many pairs, or in
/// several sets, is embedded once). Cache keys: RFW images are <c>rfw/&lt;Race&gt;/&lt;path&gt;</c> (cache made with
/// <c>--dataset rfw=ROOT/test/data:group/identity/image</c>), pair-list images <c>NAME/&lt;path&gt;</c> (cache made with
/// <c>--dataset NAME=IMAGE_ROOT</c>).
/// Every list, landmark file and pack is read completely here, before the command loads a model; a malformed line, a
/// list without pairs or a file of another kind is a usage error (exit 2) naming the option that reads such a file.
/// </summary>
internal sealed class EvalSets(ProvenanceRecorder provenance)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    /// <summary>Records every list, landmark file, pack and image root read, with the images matched to a landmark row.</summary>
    public ProvenanceRecorder Provenance { get; } = provenance;

    public List<EvalImage> Images { get; } = [];

    public List<EvalSet> Sets { get; } = [];

    public ReaderReport Report { get; } = new();

    /// <summary>Every landmark file read (RFW's per group, --landmarks per set), by set name, for the preprocessing record.</summary>
    public List<Data.Imaging.LandmarkSource> LandmarkSources { get; } = [];

    public void AddRfw(string root)
    {
        foreach (var layout in RfwLayout.Discover(root))
        {
            var pairs = NamedPairsReader.ReadRfw(layout.PairsFile, Report);
            InputFileCheck.Ensure($"--rfw {root}: {layout.PairsFile}", layout.PairsFile, InputFormat.RfwPairs, pairs.Count, "pairs", Report);
            LandmarkTable? lmk = null;
            if (File.Exists(layout.LandmarkFile))
            {
                lmk = LandmarkFileReader.Read(layout.LandmarkFile, Report);
                InputFileCheck.Ensure($"--rfw {root}: {layout.LandmarkFile}", layout.LandmarkFile, InputFormat.Landmarks, lmk.Count, "landmark rows", Report);
                Provenance.AddFile($"landmarks:RFW-{layout.Race}", layout.LandmarkFile);
                LandmarkSources.Add(Data.Imaging.LandmarkSource.Of($"RFW-{layout.Race}", layout.LandmarkFile));
            }

            AddPairs($"RFW-{layout.Race}", TargetSetKind.RfwGroup, layout.Race, layout.PairsFile, pairs, layout.ImageRoot, lmk, $"rfw/{layout.Race}");
        }
    }

    public void AddPairList(string spec, string option, bool lfw, IReadOnlyDictionary<string, LandmarkTable> landmarks)
    {
        var eq = spec.IndexOf('=', StringComparison.Ordinal);
        var colon = spec.LastIndexOf(':');
        if (eq <= 0 || colon <= eq + 1 || colon == spec.Length - 1)
            throw new UsageException($"{option} {spec}: use NAME=PAIRS_FILE:IMAGE_ROOT");
        var name = spec[..eq];
        var file = spec[(eq + 1)..colon];
        var root = spec[(colon + 1)..];
        if (!Directory.Exists(root)) throw new UsageException($"{option} {spec}: image root {root} does not exist");
        var pairs = lfw ? NamedPairsReader.ReadLfw(file, Report) : LabeledLinePairsReader.Read(file, Report);
        InputFileCheck.Ensure($"{option} {spec}", file, lfw ? InputFormat.LfwPairs : InputFormat.LabeledPairs, pairs.Count, "pairs", Report);
        AddPairs(name, lfw ? TargetSetKind.Lfw : TargetSetKind.Pairs, null, file, pairs, root, landmarks.GetValueOrDefault(name), name);
    }

    public void AddBin(string spec)
    {
        var p = NamedPath.Parse(spec, "--bin", NamedPathKind.File);
        BinPack pack;
        try
        {
            pack = BinPackReader.Read(p.Path);
        }
        catch (PackFormatException e)
        {
            throw new UsageException($"--bin {spec}: {e.Message}{InputFormats.Suggestion(p.Path, InputFormat.BinPack)}");
        }

        if (pack.Pairs == 0) throw new UsageException($"--bin {spec}: the pack holds no pairs");

        var pairs = new List<EvalPair>(pack.Pairs);
        for (var k = 0; k < pack.Pairs; k++)
        {
            var a = Add(new EvalImage($"bin:{p.Name}:{2 * k}", null, pack.Images[2 * k], null, null));
            var b = Add(new EvalImage($"bin:{p.Name}:{(2 * k) + 1}", null, pack.Images[(2 * k) + 1], null, null));
            pairs.Add(new EvalPair(k, a, b, pack.IsSame[k], null, null));
        }

        var sha = FileHash.Sha256(p.Path);
        Provenance.AddFile($"bin:{p.Name}", p.Path, sha);
        Sets.Add(new EvalSet(p.Name, TargetSetKind.Bin, null, sha, pairs));
    }

    private void AddPairs(string name, TargetSetKind kind, string? group, string file, IReadOnlyList<VerificationPair> pairs, string root, LandmarkTable? lmk, string keyPrefix)
    {
        if (Sets.Any(s => s.Name == name)) throw new UsageException($"two evaluation sets are named '{name}'");
        var list = new List<EvalPair>(pairs.Count);
        foreach (var pair in pairs)
        {
            list.Add(new EvalPair(list.Count, Image(root, pair.PathA, lmk, keyPrefix), Image(root, pair.PathB, lmk, keyPrefix), pair.Same,
                PairIdentity.Of(pair.PathA), PairIdentity.Of(pair.PathB)));
        }

        var sha = FileHash.Sha256(file);
        Provenance.AddFile($"pairs:{name}", file, sha).AddFolder($"images:{name}", root);
        Sets.Add(new EvalSet(name, kind, group, sha, list));
    }

    private int Image(string root, string relative, LandmarkTable? lmk, string keyPrefix)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relative));
        if (_index.TryGetValue(path, out var i)) return i;
        FaceLandmarks? landmarks = null;
        string? problem = null;
        if (lmk is not null)
        {
            var match = lmk.Find(relative.Replace('\\', '/'), out landmarks);
            if (match == LandmarkMatch.Ambiguous) problem = "landmarks: several rows match this path";
            else if (landmarks is not null) Provenance.Count("imagesMatchedToLandmarks");
        }

        return Add(new EvalImage(path, path, null, landmarks, SampleId.Key(keyPrefix, relative.Replace('\\', '/')), problem));
    }

    private int Add(EvalImage image)
    {
        if (_index.TryGetValue(image.Id, out var i)) return i;
        Images.Add(image);
        _index[image.Id] = Images.Count - 1;
        return Images.Count - 1;
    }
}
