using FairKd.Core;
using FairKd.Torch.Losses;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Losses;

/// <summary>Every margin loss against the independent PyTorch computation (logits and cross-entropy within 1e-4).</summary>
public class LossGoldenTests
{
    private const double Tol = 1e-4;

    [Theory]
    [InlineData("arcface")]
    [InlineData("cosface")]
    public void Fixed_margin_losses_match_golden(string name)
    {
        var g = LossGolden.Load();
        using var scope = NewDisposeScope();
        using var header = g.Header(name);
        var labels = g.LabelTensor();
        var logits = header.call(g.EmbeddingTensor(), ones(g.Batch, 1), labels);
        AssertCase(g.Case(name), logits, labels);
    }

    [Theory]
    [InlineData("elasticarcface", "elasticarcface", ElasticPlusOrder.Rank)]
    [InlineData("elasticarcface-plus", "elasticarcface-plus", ElasticPlusOrder.Rank)]
    [InlineData("elasticarcface-plus", "elasticarcface-plus-upstream", ElasticPlusOrder.UpstreamGather)]
    public void Elastic_losses_with_explicit_margins_match_golden(string name, string golden, ElasticPlusOrder order)
    {
        var g = LossGolden.Load();
        using var scope = NewDisposeScope();
        using var header = (ElasticArcFaceHeader)g.Header(name, new LossOptions(PlusOrder: order));
        var labels = g.LabelTensor();
        var logits = header.LogitsWithMargins(g.EmbeddingTensor(), labels, tensor(g.Margins));
        AssertCase(g.Case(golden), logits, labels);
    }

    [Fact]
    public void Plus_orderings_differ_on_the_golden_batch()
    {
        var g = LossGolden.Load();
        var rank = g.Case("elasticarcface-plus").GetProperty("loss").GetDouble();
        var upstream = g.Case("elasticarcface-plus-upstream").GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(rank - upstream) > 0.1, "the golden batch must separate the two orderings");
    }

    [Fact]
    public void AdaFace_published_matches_golden_over_two_calls_including_running_stats()
    {
        var g = LossGolden.Load();
        using var scope = NewDisposeScope();
        using var header = (AdaFaceHeader)g.Header("adaface");
        Assert.Equal(0.01, header.TAlpha);
        var labels = g.LabelTensor();
        var emb = g.EmbeddingTensor();
        var raw = tensor(g.Raw).reshape(g.Batch, g.Dim);
        var norms = header.InputNorms(raw, emb);
        for (var call = 0; call < 2; call++)
        {
            var c = g.Case("adaface", call);
            LossGolden.AssertClose(LossGolden.Floats(c.GetProperty("norms")), norms, 1e-3, "norms");
            Assert.Equal(c.GetProperty("mean_before").GetDouble(), header.RunningMean, 1e-4);
            Assert.Equal(c.GetProperty("std_before").GetDouble(), header.RunningStd, 1e-4);
            var logits = header.call(emb, tensor(LossGolden.Floats(c.GetProperty("norms"))).reshape(g.Batch, 1), labels);
            AssertCase(c, logits, labels);
            Assert.Equal(c.GetProperty("mean_after").GetDouble(), header.RunningMean, 1e-4);
            Assert.Equal(c.GetProperty("std_after").GetDouble(), header.RunningStd, 1e-4);
        }
    }

    [Fact]
    public void AdaFace_study_mode_matches_golden_and_reduces_to_clamped_cosface_04()
    {
        var g = LossGolden.Load();
        using var scope = NewDisposeScope();
        using var header = (AdaFaceHeader)g.Header("adaface-study");
        Assert.True(header.StudyMode);
        Assert.Equal(1.0, header.TAlpha);
        var c = g.Case("adaface-study");
        var emb = g.EmbeddingTensor();
        var studyNorms = header.InputNorms(tensor(g.Raw).reshape(g.Batch, g.Dim), emb);
        LossGolden.AssertClose(LossGolden.Floats(c.GetProperty("norms")), studyNorms, 1e-6, "study norms (normalised embedding)");
        var labels = g.LabelTensor();
        var logits = header.call(emb, tensor(LossGolden.Floats(c.GetProperty("norms"))).reshape(g.Batch, 1), labels);
        AssertCase(c, logits, labels);
        Assert.Equal(1.0, header.RunningMean, 1e-6);
        Assert.True(header.RunningStd < 1e-6);
        // CosFace m 0.4 with cos clamped: equal up to the float-rounding margin scaler (|ms| ~ 1e-4 => 64 * 0.4 * 2e-4).
        LossGolden.AssertClose(LossGolden.Floats(c.GetProperty("cosface_clamped")), logits, 1e-2, "cosface-0.4");
    }

    [Fact]
    public void Kd_terms_match_golden()
    {
        var g = LossGolden.Load();
        using var scope = NewDisposeScope();
        var teacher = tensor(LossGolden.Floats(g.Kd.GetProperty("teacher"))).reshape(g.Batch, g.Dim);
        var mse = DistillationLoss.Compute(teacher, g.EmbeddingTensor(), KdMode.Mse, 10000).item<float>();
        Assert.Equal(g.Kd.GetProperty("mse_lambda_10000").GetDouble(), mse, 1e-2); // value ~2e3: 1e-4 relative
        var cos = DistillationLoss.Compute(teacher, g.EmbeddingTensor(), KdMode.Cosine, 1).item<float>();
        Assert.Equal(g.Kd.GetProperty("cosine_lambda_1").GetDouble(), cos, 1e-5);
    }

    [Fact]
    public void Kd_cosine_default_lambda_equals_mse_for_unit_vectors_of_width_512()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var a = nn.functional.normalize(randn(4, 512, generator: gen), 2.0, 1, 1e-12);
        var b = nn.functional.normalize(randn(4, 512, generator: gen), 2.0, 1, 1e-12);
        var mse = DistillationLoss.Compute(a, b, KdMode.Mse, DistillationLoss.DefaultLambda(KdMode.Mse)).item<float>();
        var cos = DistillationLoss.Compute(a, b, KdMode.Cosine, DistillationLoss.DefaultLambda(KdMode.Cosine)).item<float>();
        Assert.Equal(mse, cos, 1e-2);
    }

    [Fact]
    public void Registry_rejects_unknown_names_and_bad_settings_with_usage_errors()
    {
        Assert.Contains("adaface-study", Assert.Throws<UsageException>(() => LossRegistry.Create("sphereface", 8, 5)).Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => LossRegistry.Create("arcface", 0, 5));
        Assert.Throws<UsageException>(() => LossRegistry.Create("adaface", 8, 5, new LossOptions(TAlpha: 0)));
        foreach (var name in LossRegistry.Names)
        {
            using var h = LossRegistry.Create(name, 8, 5);
            Assert.Equal([8L, 5L], h.kernel.shape);
            Assert.InRange(h.kernel.std().item<float>(), 0.005f, 0.02f);
        }
    }

    private static void AssertCase(System.Text.Json.JsonElement c, Tensor logits, Tensor labels)
    {
        var name = c.GetProperty("name").GetString()!;
        LossGolden.AssertClose(LossGolden.Floats(c.GetProperty("logits")), logits.reshape(-1), Tol, name + " logits");
        var loss = nn.functional.cross_entropy(logits, labels).item<float>();
        Assert.Equal(c.GetProperty("loss").GetDouble(), loss, Tol);
    }
}
