using System.Globalization;
using System.Text.Json;
using FairKd.Tests.Shared;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Train;

/// <summary>JSONL and TensorBoard logs; the exported backbone loads in PyTorch with strict=True.</summary>
[Collection(SerialTorchCollection.Name)]
public class LoggingAndExportTests
{
    [Fact]
    public async Task Every_n_steps_a_jsonl_line_and_tensorboard_scalars_are_written()
    {
        using var h = new TrainerHarness(); // LogEvery 5
        await h.Trainer.RunAsync(TrainerHarness.Data(12).Epochs(0, 1)).WaitAsync(TimeSpan.FromMinutes(1));
        var lines = File.ReadAllLines(Path.Combine(h.Dir.Path, "train.jsonl"));
        Assert.Equal(3, lines.Length); // steps 5, 10 and the final partial window (12)
        var records = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([5L, 10L, 12L], records.Select(r => r.GetProperty("global_step").GetInt64()));
        foreach (var r in records)
        {
            foreach (var key in new[] { "epoch", "step", "loss", "margin_loss", "kd_loss", "learning_rate", "images_per_second", "data_wait_share" })
                Assert.True(r.TryGetProperty(key, out _), key);
            Assert.InRange(r.GetProperty("data_wait_share").GetDouble(), 0, 1);
            Assert.True(r.GetProperty("images_per_second").GetDouble() > 0);
        }

        var events = Directory.GetFiles(Path.Combine(h.Dir.Path, "tensorboard"), "events.out.tfevents*", SearchOption.AllDirectories);
        var scalars = events.SelectMany(TensorBoardReader.Scalars).ToList();
        var loss = scalars.Where(s => s.Tag == "train/loss").OrderBy(s => s.Step).ToList();
        Assert.Equal([5L, 10L, 12L], loss.Select(s => s.Step));
        Assert.Equal(records[0].GetProperty("loss").GetDouble(), loss[0].Value, 1e-4);
        Assert.Contains(scalars, s => s.Tag == "train/data_wait_share");
    }

    [PyTorchPeerFact]
    public void Exported_backbone_loads_in_pytorch_with_strict_true_and_gives_the_same_output()
    {
        using var h = new TrainerHarness();
        h.Trainer.Step(TrainerHarness.Data(1).Batch(0, 0)); // trained weights and BN statistics
        var path = h.Dir.Combine("backbone.pth");
        h.Trainer.ExportBackbone(path);
        Assert.False(File.Exists(path + ".tmp"));
        const int n = 2, s = TrainerHarness.Size;
        h.Backbone.eval();
        float[] ours;
        using (no_grad())
        using (var x = linspace(-1, 1, n * 3 * s * s).reshape(n, 3, s, s))
        using (var y = h.Backbone.call(x))
            ours = y.data<float>().ToArray();
        var script = TinyNet.PythonDefinition + $"""

import sys
m = TinyNet({s}, {TrainerHarness.Embedding})
m.load_state_dict(torch.load(sys.argv[1]), strict=True)
m.eval()
with torch.no_grad():
    y = m(torch.linspace(-1, 1, {n * 3 * s * s}).reshape({n}, 3, {s}, {s}))
print(" ".join("%.7g" % v for v in y.reshape(-1).tolist()))
""";
        var scriptPath = h.Dir.Combine("load.py");
        File.WriteAllText(scriptPath, script);
        var run = ProcessRunner.Run(RepoPaths.Python, [scriptPath, path], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        var theirs = run.StdOut.Trim().Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(ours.Length, theirs.Length);
        for (var i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - theirs[i]) < 1e-4, $"{i}: {ours[i]} vs {theirs[i]}");
    }
}
