using System.Text.Json;
using FairKd.Data.Imaging;
using FairKd.Tests.Shared;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace FairKd.Data.Tests.Imaging;

/// <summary>Against tests/golden/alignment (skimage SimilarityTransform + cv2.warpAffine, insightface norm_crop style).</summary>
public sealed class AlignmentGoldenTests(ITestOutputHelper output)
{
    private sealed record GoldenCase(string Name, string Image, int Size, float[] Landmarks, double[] Matrix);

    private sealed record GoldenFile(string Generator, GoldenCase[] Cases);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Load().Cases) data.Add(c.Name);
        return data;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static GoldenFile Load() =>
        JsonSerializer.Deserialize<GoldenFile>(File.ReadAllText(RepoPaths.Golden("alignment/cases.json")), Json)!;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matrix_and_pixels_match_the_python_reference(string name)
    {
        var golden = Load().Cases.Single(c => c.Name == name);
        var fit = SimilarityTransform.ToTemplate(golden.Landmarks, ArcFaceTemplate.ForSize(golden.Size));
        Assert.True(fit.Succeeded, fit.Failure);
        var expectedMatrix = new Affine2x3(golden.Matrix[0], golden.Matrix[1], golden.Matrix[2], golden.Matrix[3], golden.Matrix[4], golden.Matrix[5]);
        var matrixError = fit.Matrix.MaxAbsDifference(expectedMatrix);
        Assert.True(matrixError < 1e-4, $"matrix differs by {matrixError}: {fit.Matrix} vs {expectedMatrix}");

        // The full entry point on the committed PNG bytes.
        var preprocessor = new FacePreprocessor(new ImagingOptions { OutputSize = golden.Size });
        var landmarks = FairKd.Core.Records.FaceLandmarks.FromPairs(golden.Landmarks);
        var result = preprocessor.Process(File.ReadAllBytes(RepoPaths.Golden("alignment/" + golden.Image)), landmarks);
        Assert.True(result.Succeeded, result.RejectReason);
        Assert.Equal(FairKd.Core.Records.AlignmentMode.Landmarks, result.Mode);

        using var reference = Image.Load<Rgb24>(RepoPaths.Golden($"alignment/aligned_{name}.png"));
        Assert.Equal((golden.Size, golden.Size), (reference.Width, reference.Height));
        var plane = golden.Size * golden.Size;
        double total = 0;
        var worst = 0.0;
        for (var y = 0; y < golden.Size; y++)
        {
            for (var x = 0; x < golden.Size; x++)
            {
                var p = reference[x, y];
                var i = (y * golden.Size) + x;
                foreach (var (value, expected) in new[] { (result.Chw![i], p.R), (result.Chw[i + plane], p.G), (result.Chw[i + (2 * plane)], p.B) })
                {
                    var diff = Math.Abs(((value * 127.5) + 127.5) - expected);
                    total += diff;
                    worst = Math.Max(worst, diff);
                }
            }
        }

        var mean = total / (3.0 * plane);
        output.WriteLine($"{name}: matrix error {matrixError:E2}, mean pixel difference {mean:F3}, worst {worst:F2} grey levels");
        Assert.True(mean < 1.0, $"mean pixel difference {mean:F3} grey levels");
        Assert.True(worst < 12, $"worst pixel difference {worst:F2} grey levels");
    }

    [Fact]
    public void Mirrored_case_is_the_reflection_corrected_skimage_result()
    {
        var golden = Load().Cases.Single(c => c.Name == "b_mirrored");
        var m = golden.Matrix;
        Assert.True((m[0] * m[4]) - (m[1] * m[3]) > 0, "skimage gives a proper rotation for mirrored points");
        var fit = SimilarityTransform.ToArcFace(golden.Landmarks);
        Assert.True(fit.Matrix.Determinant > 0);
        Assert.True(fit.Matrix.MaxAbsDifference(new Affine2x3(m[0], m[1], m[2], m[3], m[4], m[5])) < 1e-4);
    }
}
