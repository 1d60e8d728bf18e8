using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Manifest;

/// <summary>Tiny on-disk labelled datasets for the manifest command tests: image files and a labels.csv cache describing them.</summary>
internal static class LabelledCaches
{
    /// <summary>Writes image files under TMP/data/NAME and a cache folder TMP/cache-NAME with labels.csv describing them
    /// (sha256 recorded); <paramref name="groups"/>: identities in group folders (African|Asian|Caucasian|Indian).</summary>
    public static string Make(TempDir tmp, string name, bool groups, int identities, int seed)
    {
        var rnd = new Random(seed);
        var root = tmp.Combine("data", name);
        var cache = tmp.Combine("cache-" + name);
        Directory.CreateDirectory(cache);
        var sb = new StringBuilder("key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256\n");
        string[] order = ["African", "Asian", "Caucasian", "Indian"];
        for (var i = 0; i < identities; i++)
        {
            var g = i % 4;
            var folder = groups ? $"{order[g]}/id{i:00}" : $"id{i:00}";
            for (var k = 0; k < 1 + rnd.Next(3); k++)
            {
                var rel = $"{folder}/{k}.jpg";
                var path = Path.Combine(root, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var bytes = Encoding.ASCII.GetBytes($"{name}-{rel}");
                File.WriteAllBytes(path, bytes);
                var p = new double[4];
                var main = groups ? g : rnd.Next(4);
                for (var c = 0; c < 4; c++) p[c] = c == main ? 0 : Math.Round(rnd.NextDouble() * 0.1, 3);
                p[main] = 1 - p.Sum();
                var ps = string.Join(",", p.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
                sb.Append($"{name}/{rel},{name},{name}/{folder},{(groups ? order[g] : "")},{rel},{ps},{Convert.ToHexStringLower(SHA256.HashData(bytes))}\n");
            }
        }

        File.WriteAllText(Path.Combine(cache, "labels.csv"), sb.ToString());
        return cache;
    }
}
