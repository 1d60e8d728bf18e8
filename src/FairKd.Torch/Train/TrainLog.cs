using System.Text.Json;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Train;

/// <summary>
/// Appends <see cref="LogRecord"/>s as JSON lines to <c>train.jsonl</c> (snake_case keys, flushed per line) and, when
/// enabled, as TensorBoard scalars (<c>train/loss</c>, <c>train/margin_loss</c>, <c>train/kd_loss</c>, <c>train/lr</c>,
/// <c>train/images_per_s</c>, <c>train/data_wait_share</c>, x = global step) via TorchSharp's SummaryWriter.
/// </summary>
public sealed class TrainLog : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly StreamWriter jsonl;
    private readonly SummaryWriter? tensorboard;

    /// <summary>Opens (appending) <paramref name="jsonlPath"/> and, if given, a TensorBoard writer in <paramref name="tensorboardDir"/>.</summary>
    public TrainLog(string jsonlPath, string? tensorboardDir)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonlPath))!);
        jsonl = new StreamWriter(jsonlPath, append: true) { AutoFlush = true };
        if (tensorboardDir is not null)
        {
            Directory.CreateDirectory(tensorboardDir);
            tensorboard = utils.tensorboard.SummaryWriter(tensorboardDir, createRunName: false);
        }
    }

    /// <summary>Writes one record.</summary>
    public void Write(LogRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        jsonl.WriteLine(JsonSerializer.Serialize(r, Json));
        if (tensorboard is null) return;
        var x = checked((int)r.GlobalStep);
        tensorboard.add_scalar("train/loss", (float)r.Loss, x);
        tensorboard.add_scalar("train/margin_loss", (float)r.MarginLoss, x);
        tensorboard.add_scalar("train/kd_loss", (float)r.KdLoss, x);
        tensorboard.add_scalar("train/lr", (float)r.LearningRate, x);
        tensorboard.add_scalar("train/images_per_s", (float)r.ImagesPerSecond, x);
        tensorboard.add_scalar("train/data_wait_share", (float)r.DataWaitShare, x);
    }

    /// <summary>Writes one validation record (TensorBoard: <c>val/accuracy</c> at its global step).</summary>
    public void Write(ValidationLogRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        jsonl.WriteLine(JsonSerializer.Serialize(r, Json));
        tensorboard?.add_scalar("val/accuracy", (float)r.Accuracy, checked((int)r.GlobalStep));
    }

    /// <inheritdoc />
    public void Dispose() => jsonl.Dispose();
}
