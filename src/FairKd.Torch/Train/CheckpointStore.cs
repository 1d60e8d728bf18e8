using System.Globalization;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Torch.Weights;
using MessagePack;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FairKd.Torch.Train;

/// <summary>
/// Checkpoint folders <c>epoch-EEE-step-GGGGGGGGG</c> (E = epoch of the last trained batch, G = global step) holding
/// <c>backbone.pth</c> and <c>header.pth</c> (PyTorch state_dicts via PyBridge), <c>optimizer.pth</c> (PyTorch optimizer
/// state_dict via PyBridge) and <c>trainer.msgpack</c> (<see cref="CheckpointState"/>). Each is written into a temporary
/// folder that is renamed into place when complete, so a folder with that name is always whole.
/// </summary>
public static class CheckpointStore
{
    /// <summary>File names inside a checkpoint folder.</summary>
    public const string Backbone = "backbone.pth", Header = "header.pth", Optimizer = "optimizer.pth", State = "trainer.msgpack";

    private const string Prefix = "epoch-";

    /// <summary>Writes a checkpoint atomically under <paramref name="root"/> and returns its folder.</summary>
    public static string Save(string root, nn.Module backbone, nn.Module header, optim.Optimizer optimizer, CheckpointState state)
    {
        Directory.CreateDirectory(root);
        var tmp = Path.Combine(root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            ModelWeights.SavePyTorch(backbone, Path.Combine(tmp, Backbone));
            ModelWeights.SavePyTorch(header, Path.Combine(tmp, Header));
            AtomicFile.WriteAllBytes(Path.Combine(tmp, Optimizer),
                ZipTimestamps.Capture(s => ((TorchSharp.Modules.OptimizerHelper)optimizer).save_py(s, leaveOpen: true)));
            state.SavedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            File.WriteAllBytes(Path.Combine(tmp, State), MessagePackSerializer.Serialize(state));
            var final = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{state.NextEpoch:D3}-step-{state.GlobalStep:D9}"));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(tmp, final);
            return final;
        }
        catch
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Reads the trainer state of a checkpoint folder; malformed or newer files throw <see cref="UsageException"/>.</summary>
    public static CheckpointState ReadState(string folder)
    {
        var path = Path.Combine(folder, State);
        if (!File.Exists(path)) throw new UsageException($"{folder} is not a checkpoint (no {State})");
        CheckpointState state;
        try { state = MessagePackSerializer.Deserialize<CheckpointState>(File.ReadAllBytes(path)); }
        catch (MessagePackSerializationException e) { throw new UsageException($"{path}: unreadable checkpoint state ({e.Message})"); }
        if (state.SchemaVersion != CheckpointState.CurrentSchema)
            throw new UsageException($"{path}: checkpoint schema {state.SchemaVersion}, this build reads {CheckpointState.CurrentSchema}");
        return state;
    }

    /// <summary>Complete checkpoint folders under <paramref name="root"/>, oldest first (by global step).</summary>
    public static IReadOnlyList<string> List(string root) =>
        !Directory.Exists(root)
            ? []
            : Directory.GetDirectories(root, Prefix + "*")
                .Where(d => File.Exists(Path.Combine(d, State)))
                .OrderBy(d => ReadState(d).GlobalStep).ThenBy(d => d, StringComparer.Ordinal)
                .ToList();

    /// <summary>The newest complete checkpoint under <paramref name="root"/>, or null.</summary>
    public static string? FindLatest(string root)
    {
        var all = List(root);
        return all.Count == 0 ? null : all[^1];
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void Prune(string root, int keep)
    {
        var all = List(root);
        foreach (var old in all.Take(Math.Max(0, all.Count - keep))) Directory.Delete(old, recursive: true);
    }
}
