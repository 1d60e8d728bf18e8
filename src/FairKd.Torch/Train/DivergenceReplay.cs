using System.Text.Json;
using FairKd.Core.IO;

namespace FairKd.Torch.Train;

/// <summary>
/// <c>divergence.json</c> (schema 1), written into the run folder when a step's loss or gradient norm is not finite:
/// the step, the value, the value of one exact replay of the same step, and whether the two agree bit for bit.
/// </summary>
public sealed record DivergenceReplay(int Epoch, int Step, long GlobalStep, string Quantity, double First, double Replayed, bool SameTwice)
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "divergence.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Schema version.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance property so System.Text.Json writes it into divergence.json.")]
    public int SchemaVersion => 1;

    /// <summary>Writes it atomically into <paramref name="folder"/>.</summary>
    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads a file written by <see cref="Write"/>.</summary>
    public static DivergenceReplay Read(string path) =>
        JsonSerializer.Deserialize<DivergenceReplay>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty");
}
