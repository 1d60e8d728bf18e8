using System.Collections;
using System.Security.Cryptography;
using FairKd.Core.IO;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FairKd.Torch.Weights;

/// <summary>What a load did: entries copied, and (for non-strict loads) what did not match.</summary>
public sealed record WeightsLoadReport(
    string Path,
    WeightsFormat Format,
    int Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> ShapeMismatches,
    bool StrippedModulePrefix,
    string? UnwrappedFrom);

/// <summary>
/// Reads and writes model weights. Reading accepts PyTorch <c>torch.save</c> zip checkpoints of a state_dict
/// (.pth/.pt, with or without the <c>module.</c> prefix of DataParallel/DDP checkpoints, bare or wrapped in a dict
/// under <c>state_dict</c> or <c>model</c>), safetensors, and TorchSharp's own <c>module.save</c> format; the
/// format is recognised from the content. Legacy non-zip pickles, TorchScript archives, whole pickled models and
/// anything else throw <see cref="WeightsFormatException"/>. Writing uses PyTorch's format (loadable with
/// <c>torch.load</c> + <c>load_state_dict(strict=True)</c>).
/// </summary>
public static class ModelWeights
{
    /// <summary>Keys of a wrapping dict that hold the state_dict, tried in this order.</summary>
    public static readonly IReadOnlyList<string> WrapperKeys = ["state_dict", "model"];

    private const string ModulePrefix = "module.";

    /// <summary>
    /// Reads the state_dict in <paramref name="path"/> (CPU tensors the caller disposes), unwrapped and with a
    /// <c>module.</c> prefix on every key removed.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path) => ReadStateDict(path, out _, out _, out _);

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/> (copying into its existing parameters and
    /// buffers, so device and dtype stay the module's). With <paramref name="strict"/>, any missing or unexpected key
    /// or shape mismatch throws <see cref="WeightsMismatchException"/> before anything is copied; otherwise the
    /// matching entries are copied and the rest reported.</summary>
    public static WeightsLoadReport Load(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        var source = ReadStateDict(path, out var format, out var stripped, out var wrapper);
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var shapes = new List<string>();
        foreach (var (key, t) in target)
        {
            if (source.TryGetValue(key, out var s) && !s.shape.SequenceEqual(t.shape))
                shapes.Add($"{key}: file [{string.Join(", ", s.shape)}] vs model [{string.Join(", ", t.shape)}]");
        }

        if (strict && (missing.Count > 0 || unexpected.Count > 0 || shapes.Count > 0))
            throw new WeightsMismatchException(path, missing, unexpected, shapes);

        var loaded = 0;
        using (no_grad())
        {
            foreach (var (key, t) in target)
            {
                if (!source.TryGetValue(key, out var s) || !s.shape.SequenceEqual(t.shape)) continue;
                t.copy_(s);
                loaded++;
            }
        }

        return new WeightsLoadReport(path, format, loaded, missing, unexpected, shapes, stripped, wrapper);
    }

    /// <summary>
    /// Saves the module's state_dict in PyTorch's zip format (<see cref="AtomicFile"/>). The bytes depend on the weights
    /// only: entry timestamps are fixed (<see cref="ZipTimestamps"/>), so the same seeded run writes the same file.
    /// </summary>
    public static void SavePyTorch(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        AtomicFile.WriteAllBytes(path, ZipTimestamps.Capture(s => module.save_py(s, leaveOpen: true)));
    }

    /// <summary>Saves the module's state_dict as safetensors (temp file, then rename).</summary>
    public static void SaveSafetensors(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        AtomicFile.Write(path, s => module.save_safetensors(s, leaveOpen: true));
    }

    /// <summary>Saves in TorchSharp's own format (<c>module.save</c>; temp file, then rename).</summary>
    public static void SaveTorchSharp(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        AtomicFile.Write(path, s =>
        {
            using var writer = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            module.save(writer);
        });
    }

    /// <summary>Lower-case hex SHA-256 of a file (recorded in caches to tie outputs to exact weights).</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static Dictionary<string, Tensor> ReadStateDict(string path, out WeightsFormat format, out bool stripped, out string? wrapper)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        using var stream = File.OpenRead(path);
        format = WeightsFormatDetector.Detect(stream);
        wrapper = null;
        Dictionary<string, Tensor> dict;
        try
        {
            dict = format switch
            {
                WeightsFormat.PyTorchZip => FromPickle(PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true), path, out wrapper),
                WeightsFormat.Safetensors => Safetensors.LoadStateDict(stream, leaveOpen: true),
                WeightsFormat.TorchSharp => TorchSharpFormat.Read(stream),
                WeightsFormat.LegacyPickle => throw new WeightsFormatException(
                    $"{path}: legacy (non-zip) PyTorch pickle is not supported; re-save it in PyTorch >= 1.6 with torch.save(torch.load(f), f2) (zip format is the default)"),
                WeightsFormat.TorchScript => throw new WeightsFormatException(
                    $"{path}: a TorchScript archive (torch.jit.save) is not supported; save the state_dict with torch.save(model.state_dict(), f)"),
                _ => throw new WeightsFormatException(
                    $"{path}: unsupported weights format (expected a torch.save zip .pth/.pt state_dict, safetensors, or a TorchSharp .dat{(path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? "; ONNX models go to the ONNX backend" : "")})"),
            };
        }
        catch (NotImplementedException e)
        {
            // PyBridge's words for a whole pickled model or an unknown storage type.
            throw new WeightsFormatException($"{path}: unsupported PyTorch checkpoint content ({e.Message})");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or InvalidCastException or InvalidOperationException or KeyNotFoundException
                                      or Razorvine.Pickle.PickleException or System.Text.Json.JsonException or IOException and not FileNotFoundException)
        {
            throw new WeightsFormatException($"{path}: corrupt or unreadable {format} weights file ({e.GetType().Name}: {e.Message})");
        }

        stripped = dict.Count > 0 && dict.Keys.All(k => k.StartsWith(ModulePrefix, StringComparison.Ordinal));
        if (!stripped) return dict;
        return dict.ToDictionary(kv => kv.Key[ModulePrefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }

    private static Dictionary<string, Tensor> FromPickle(Hashtable table, string path, out string? wrapper)
    {
        wrapper = null;
        if (table.Count > 0 && table.Values.Cast<object?>().All(v => v is Tensor)) return ToDictionary(table);
        foreach (var key in WrapperKeys)
        {
            if (table.ContainsKey(key) && table[key] is Hashtable inner && inner.Count > 0 && inner.Values.Cast<object?>().All(v => v is Tensor))
            {
                wrapper = key;
                return ToDictionary(inner);
            }
        }

        var keys = table.Keys.Cast<object>().Select(k => k.ToString()).Order(StringComparer.Ordinal).Take(20);
        throw new WeightsFormatException(
            $"{path}: the checkpoint is neither a state_dict nor a dict holding one under {string.Join(" or ", WrapperKeys.Select(k => $"'{k}'"))}; its top-level keys: {string.Join(", ", keys)}");
    }

    private static Dictionary<string, Tensor> ToDictionary(Hashtable table)
    {
        var d = new Dictionary<string, Tensor>(table.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry e in table) d[(string)e.Key] = (Tensor)e.Value!;
        return d;
    }
}
