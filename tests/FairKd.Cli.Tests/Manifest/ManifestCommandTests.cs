using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Manifest;

/// <summary>`fairkd manifest ...` end to end on a tiny on-disk dataset pair (real with group folders, synthetic without).</summary>
public sealed class ManifestCommandTests : IDisposable
{
    private readonly TempDir _tmp = new("mc");

    public void Dispose() => _tmp.Dispose();

    /// <summary>Writes image files under root/NAME and a cache folder with labels.csv describing them (sha256 recorded).</summary>
    private string MakeCache(string name, bool groups, int identities, int seed) => LabelledCaches.Make(_tmp, name, groups, identities, seed);

    private string Recipe(string json)
    {
        var path = _tmp.Combine($"recipe-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, TestRecipes.WithReleaseFields(json));
        return path;
    }

    private static ProcessRunner.Result Ok(params string[] args)
    {
        var r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private const string MixJson = """{"name":"mix","kind":"mix","real":["bupt"],"synthetic":["syn"],"target":{"keepIdentities":KEEP},"realFraction":0.5,"fractionBy":"identities"}""";

    [Fact]
    public void Build_then_stats_agree_and_a_tampered_release_fails_stats()
    {
        var bupt = MakeCache("bupt", true, 12, 1);
        var syn = MakeCache("syn", false, 12, 2);
        var recipe = Recipe(MixJson.Replace("KEEP", "10", StringComparison.Ordinal));
        var out1 = _tmp.Combine("rel1");
        var b = Ok("manifest", "build", recipe, "--cache", bupt, "--cache", syn, "--out", out1);
        Assert.Contains("kept: 10 identities", b.StdOut, StringComparison.Ordinal);
        var s = Ok("manifest", "stats", out1);
        Assert.Contains("real fraction: 0.5 of identities", s.StdOut, StringComparison.Ordinal);
        Assert.Contains("group African", s.StdOut, StringComparison.Ordinal);

        // cache order does not matter: byte-identical sample lists, and cards equal but for the build run's own provenance
        // fields (start, wall time, throughput); the inputs (caches sorted) and counts agree too.
        var out2 = _tmp.Combine("rel2");
        Ok("manifest", "build", recipe, "--cache", syn, "--cache", bupt, "--out", out2);
        foreach (var f in new[] { "samples.csv", "identities.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(out1, f)), File.ReadAllBytes(Path.Combine(out2, f)));
        Assert.Equal(RunFields.Without(Path.Combine(out1, "card.json")), RunFields.Without(Path.Combine(out2, "card.json")));
        Assert.Equal(CardMarkdownWithoutBuildLine(out1), CardMarkdownWithoutBuildLine(out2));
        using (var card = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(out1, "card.json"))))
        {
            var built = card.RootElement.GetProperty("provenance");
            Assert.Equal(["cache", "cache", "recipe"], built.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("role").GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(10, built.GetProperty("counts").GetProperty("identitiesKept").GetInt64());
        }

        // drop one sample row: stats recomputes and reports the disagreement
        var lines = File.ReadAllLines(Path.Combine(out2, "samples.csv"));
        File.WriteAllText(Path.Combine(out2, "samples.csv"), string.Join('\n', lines.Take(lines.Length - 1)) + "\n");
        var bad = ProcessRunner.Fairkd("manifest", "stats", out2);
        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("card mismatch: ", bad.StdErr, StringComparison.Ordinal);
        Assert.Contains("samples.csv: sha256", bad.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_counts_added_and_removed_per_group_and_source()
    {
        var bupt = MakeCache("bupt", true, 12, 3);
        var syn = MakeCache("syn", false, 12, 4);
        Ok("manifest", "build", Recipe(MixJson.Replace("KEEP", "12", StringComparison.Ordinal)), "--cache", bupt, "--cache", syn, "--out", _tmp.Combine("a"));
        Ok("manifest", "build", Recipe(MixJson.Replace("KEEP", "8", StringComparison.Ordinal)), "--cache", bupt, "--cache", syn, "--out", _tmp.Combine("b"));
        var d = Ok("manifest", "diff", _tmp.Combine("a"), _tmp.Combine("b"));
        var total = d.StdOut.Split('\n').Single(l => l.StartsWith("total", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["total", "0", "4"], total[..3]);
        var bySource = d.StdOut.Split('\n').Where(l => l.StartsWith("source", StringComparison.Ordinal))
            .ToDictionary(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.Equal("2", bySource["bupt"]); // 50 % real: 6 -> 4
        Assert.Equal("2", bySource["syn"]);
    }

    [Fact]
    public void Verify_checks_existence_hashes_and_refuses_escaping_paths()
    {
        var syn = MakeCache("syn", false, 6, 5);
        var recipe = Recipe("""{"name":"s","kind":"synthetic","synthetic":["syn"]}""");
        var rel = _tmp.Combine("rel");
        Ok("manifest", "build", recipe, "--cache", syn, "--out", rel);
        var root = "syn=" + _tmp.Combine("data", "syn");
        Assert.Contains(": 0 problems", Ok("manifest", "verify", rel, "--data-root", root).StdOut, StringComparison.Ordinal);

        var noRoot = ProcessRunner.Fairkd("manifest", "verify", rel);
        Assert.True(noRoot.ExitCode == 2, noRoot.ToString());
        Assert.Contains("--data-root NAME=PATH for 1 datasets: syn", noRoot.StdErr, StringComparison.Ordinal);

        // a changed file, a missing file, and a symlink leading out of the root
        File.WriteAllText(_tmp.Combine("data", "syn", "id00", "0.jpg"), "changed");
        File.Delete(_tmp.Combine("data", "syn", "id01", "0.jpg"));
        var outside = _tmp.Combine("outside.jpg");
        File.WriteAllText(outside, "syn-id02/0.jpg");
        File.Delete(_tmp.Combine("data", "syn", "id02", "0.jpg"));
        File.CreateSymbolicLink(_tmp.Combine("data", "syn", "id02", "0.jpg"), outside);
        var v = ProcessRunner.Fairkd("manifest", "verify", rel, "--data-root", root);
        Assert.True(v.ExitCode == 1, v.ToString());
        Assert.Contains("syn:id00/0.jpg: sha256", v.StdErr, StringComparison.Ordinal);
        Assert.Contains("syn:id01/0.jpg: missing", v.StdErr, StringComparison.Ordinal);
        Assert.Contains("syn:id02/0.jpg: resolves outside its root", v.StdErr, StringComparison.Ordinal);
        Assert.Contains(": 3 problems", v.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_refuses_dot_dot_and_absolute_paths()
    {
        var cache = _tmp.Combine("cache-x");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, "labels.csv"), "key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256\n" +
            "x/a,x,x/i1,,../secret.jpg,0.1,0.2,0.3,0.4,\n" +
            "x/b,x,x/i2,,/etc/passwd,0.1,0.2,0.3,0.4,\n");
        var rel = _tmp.Combine("rel");
        Ok("manifest", "build", Recipe("""{"name":"x","kind":"synthetic","synthetic":["x"]}"""), "--cache", cache, "--out", rel);
        Directory.CreateDirectory(_tmp.Combine("root"));
        var v = ProcessRunner.Fairkd("manifest", "verify", rel, "--data-root", "x=" + _tmp.Combine("root"));
        Assert.True(v.ExitCode == 1, v.ToString());
        Assert.Contains("x:../secret.jpg: path segment '..' refused", v.StdErr, StringComparison.Ordinal);
        Assert.Contains("x:/etc/passwd: absolute path refused", v.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_and_export_round_trip_the_authors_path_list()
    {
        MakeCache("bupt", true, 4, 6);
        MakeCache("syn", false, 3, 7);
        var files = Directory.GetFiles(_tmp.Combine("data"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var list = _tmp.Combine("list.txt");
        var shuffled = files.ToArray();
        new Random(1).Shuffle(shuffled);
        File.WriteAllText(list, string.Join('\n', shuffled) + "\n");
        var rel = _tmp.Combine("imported");
        string[] roots = ["--root", "bupt=" + _tmp.Combine("data", "bupt"), "--root", "syn=" + _tmp.Combine("data", "syn")];
        Ok(["manifest", "import", "--paths", list, .. roots, "--real", "bupt", "--out", rel]);
        Ok("manifest", "stats", rel);
        var ids = File.ReadAllLines(Path.Combine(rel, "identities.csv"));
        Assert.Equal(1 + 4 + 3, ids.Length);
        Assert.Contains("bupt/Asian/id01,bupt,Asian,,", ids[2], StringComparison.Ordinal);
        Assert.Contains("syn/id00,syn,,,", ids[5], StringComparison.Ordinal);
        Ok(["manifest", "verify", rel, "--data-root", "bupt=" + _tmp.Combine("data", "bupt"), "--data-root", "syn=" + _tmp.Combine("data", "syn")]);

        var back = _tmp.Combine("back.txt");
        Ok(["manifest", "export", rel, "--format", "paths", .. roots, "--out", back]);
        Assert.Equal(files, File.ReadAllLines(back));
        Ok("manifest", "export", rel, "--format", "paths", "--out", back);
        Assert.StartsWith("bupt/African/id00/", File.ReadAllLines(back)[0], StringComparison.Ordinal);

        File.AppendAllText(list, "/elsewhere/x/1.jpg\nrelative/1.jpg\n");
        var bad = ProcessRunner.Fairkd(["manifest", "import", "--paths", list, .. roots, "--out", _tmp.Combine("bad")]);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("2 bad lines", bad.StdErr, StringComparison.Ordinal);
        Assert.Contains("not under any --root", bad.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_recipes_and_targets_exit_two_with_the_reason()
    {
        var bupt = MakeCache("bupt", true, 4, 8);
        var r = ProcessRunner.Fairkd("manifest", "build", Recipe("""{"name":"r","kind":"real","real":["bupt"],"target":{"keepIdentities":50}}"""),
            "--cache", bupt, "--out", _tmp.Combine("o"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("cannot keep 50 identities; only 4 exist", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd("manifest", "build", Recipe("""{"name":"r","kind":"real","real":["nope"]}"""), "--cache", bupt, "--out", _tmp.Combine("o"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("not in the input: nope", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd("manifest", "export", _tmp.Combine("o"), "--format", "tsv", "--out", _tmp.Combine("x"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.False(Directory.Exists(_tmp.Combine("o")));
    }

    private static string CardMarkdownWithoutBuildLine(string release) =>
        string.Join('\n', File.ReadAllLines(Path.Combine(release, "card.md")).Where(l => !l.StartsWith("- built by FairKd ", StringComparison.Ordinal)));
}
