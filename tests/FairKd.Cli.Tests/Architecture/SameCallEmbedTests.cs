using FairKd.Data.Imaging;
using FairKd.Stages.Embed;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>`fairkd embed` and <see cref="EmbedOptions"/> are the same call (see <see cref="SameCallTests"/>).</summary>
public sealed class SameCallEmbedTests
{
    [Fact]
    public async Task Minimal_embed_options_round_trip()
    {
        await SameCall.AssertRoundTripAsync(new EmbedOptions
        {
            OutDir = "/tmp/cache", Datasets = ["bupt=/data/bupt:group/identity/image"], Teacher = "iresnet100", Weights = "/w/r100.pth", EthnicityFromFolders = true,
        });
    }

    [Fact]
    public async Task Every_embed_option_round_trips()
    {
        await SameCall.AssertRoundTripAsync(new EmbedOptions
        {
            OutDir = "cache dir", Datasets = ["a=/x", "b=/y:flat"], Recs = ["ms1m=/r/train.rec"], PathLists = ["p=/l.txt"], LandmarkFiles = ["a=/a.txt", "p=/p.txt"],
            Unaligned = UnalignedPolicy.CenterCrop, Samples = "/runs/ingest out", Workers = 7, Teacher = "iresnet18:width=0.5,emb=64", Weights = "/w/t.pth", Onnx = "/w/t.onnx",
            EthnicityModel = "iresnet18:width=0.0625", EthnicityWeights = "/w/c.pth", EthnicityOnnx = "/w/c.onnx", EthnicityFile = "/p.txt",
            EthnicityFromFolders = true, NoEthnicity = true, EthnicityOrder = "Indian,Caucasian,Asian,African", BatchSize = 64, Threads = 3, OnnxRuns = 2,
            OnnxInterThreads = 2, Device = "cuda:1", Fp16 = true, ShardRows = 100, Fp16Storage = true, ShardIndex = 1, ShardCount = 4, Force = true,
        });
    }

    [Fact]
    public async Task A_hand_written_embed_command_line_is_the_record_a_library_caller_builds()
    {
        var parsed = await SameCall.ParseAsync(["embed", "--dataset", "bupt=/data/BUPT:group/identity/image", "--teacher", "iresnet100", "--weights", "r100.pth",
            "--ethnicity-from-folders", "--out", "caches/bupt", "--shard-rows", "20", "--fp16-storage", "--unaligned", "center-crop", "--shard-index", "0", "--shard-count", "2"]);
        var library = new EmbedOptions
        {
            Datasets = ["bupt=/data/BUPT:group/identity/image"], Teacher = "iresnet100", Weights = "r100.pth", EthnicityFromFolders = true, OutDir = "caches/bupt",
            ShardRows = 20, Fp16Storage = true, Unaligned = UnalignedPolicy.CenterCrop, ShardIndex = 0, ShardCount = 2,
        };
        Assert.Equal(SameCall.Json(library), SameCall.Json(parsed));
    }
}
