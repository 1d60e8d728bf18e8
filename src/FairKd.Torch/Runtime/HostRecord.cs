using System.Text.Json;
using FairKd.Core.IO;
using FairKd.Core.Runtime;

namespace FairKd.Torch.Runtime;

/// <summary>
/// <c>host.json</c> (schema 1) in every training run folder: the CPU, the Torch runtime and the oneDNN ISA decision the
/// run computed with, so two runs that disagree can be traced to their hosts (README "Numerics").
/// </summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="WrittenUtc">When the run (or this resume of it) started.</param>
/// <param name="Host">CPU, ISA flags, caches, cores, OS, .NET.</param>
/// <param name="Torch">TorchSharp, LibTorch, oneDNN versions, ATen CPU capability, threads.</param>
/// <param name="OneDnnIsa">What <see cref="Runtime.OneDnnIsa.Apply"/> decided.</param>
/// <param name="Convolutions">Whether oneDNN or ATen computed the model's convolutions, and why.</param>
/// <param name="OneDnnCaches">oneDNN's view of the CPU caches and whether FairKd corrected it (<see cref="Interop.OneDnnCpuCaches"/>); "" in records written before it was added.</param>
public sealed record HostRecord(int SchemaVersion, DateTime WrittenUtc, HostInfo Host, TorchRuntimeInfo Torch, string OneDnnIsa, string Convolutions,
    string OneDnnCaches = "")
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "host.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>This process's record.</summary>
    public static HostRecord Current(string convolutions) =>
        new(1, DateTime.UtcNow, HostInfo.Current(), TorchRuntimeInfo.Current(), Runtime.OneDnnIsa.Apply(), convolutions, Interop.OneDnnCpuCaches.Apply().Decision);

    /// <summary>Writes it atomically into <paramref name="folder"/>.</summary>
    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads a record written by <see cref="Write"/>.</summary>
    public static HostRecord Read(string path) =>
        JsonSerializer.Deserialize<HostRecord>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty host record");
}
