using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Imaging;
using FairKd.Tests.Shared;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Tests.Imaging;

public sealed class FacePreprocessorTests
{
    private static byte[] Png(int w, int h, int seed = 1)
    {
        using var image = TestImages.Texture(w, h, seed);
        return TestImages.Encode(image, new PngEncoder());
    }

    private static FaceLandmarks Face(float dx = 60, float dy = 70, float scale = 1.2f)
    {
        var xy = new float[10];
        for (var i = 0; i < 10; i += 2)
        {
            xy[i] = (float)((ArcFaceTemplate.Points112[i] - 56) * scale) + dx;
            xy[i + 1] = (float)((ArcFaceTemplate.Points112[i + 1] - 56) * scale) + dy;
        }

        return FaceLandmarks.FromPairs(xy);
    }

    [Fact]
    public void Aligned_112_without_landmarks_passes_through()
    {
        var bytes = Png(112, 112);
        var result = new FacePreprocessor().Process(bytes, null);
        Assert.True(result.Succeeded, result.RejectReason);
        Assert.Equal((AlignmentMode.PassThrough, 112, 112, 112), (result.Mode, result.SourceWidth, result.SourceHeight, result.Size));
        using var image = Image.Load<Rgb24>(bytes);
        var expected = new float[3 * 112 * 112];
        FaceWarp.ToChw(TestImages.Rgb(image), 112, expected);
        Assert.Equal(expected, result.Chw);
    }

    [Fact]
    public void Landmarks_align_onto_the_template()
    {
        var result = new FacePreprocessor().Process(Png(150, 160), Face());
        Assert.True(result.Succeeded, result.RejectReason);
        Assert.Equal((AlignmentMode.Landmarks, 150, 160), (result.Mode, result.SourceWidth, result.SourceHeight));
        Assert.Equal(3 * 112 * 112, result.Chw!.Length);
        Assert.All(result.Chw, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void Landmarks_on_a_112_image_still_align()
    {
        var result = new FacePreprocessor().Process(Png(112, 112), Face(56, 56, 1f));
        Assert.Equal(AlignmentMode.Landmarks, result.Mode);
    }

    [Fact]
    public void Unaligned_without_landmarks_is_rejected_by_default()
    {
        var result = new FacePreprocessor().Process(Png(250, 200), null);
        Assert.False(result.Succeeded);
        Assert.Equal(PreprocessStages.Align, result.RejectStage);
        Assert.Equal("unaligned: no landmarks for 250x200 image (use --unaligned center-crop or give landmarks)", result.RejectReason);
        Assert.Equal((250, 200), (result.SourceWidth, result.SourceHeight));
        Assert.Equal(new Reject("k", "align", result.RejectReason!), result.ToReject("k"));
    }

    [Fact]
    public void Center_crop_policy_crops_the_middle_square()
    {
        var bytes = Png(250, 200);
        var result = new FacePreprocessor(new ImagingOptions { Unaligned = UnalignedPolicy.CenterCrop }).Process(bytes, null);
        Assert.True(result.Succeeded, result.RejectReason);
        Assert.Equal(AlignmentMode.CenterCrop, result.Mode);
        using var image = Image.Load<Rgb24>(bytes);
        var expected = new float[3 * 112 * 112];
        FaceWarp.WarpToChw(TestImages.Rgb(image), 250, 200, FaceWarp.CenterCropMap(250, 200, 112), 112, expected);
        Assert.Equal(expected, result.Chw);
    }

    [Fact]
    public void Bad_bytes_reject_at_decode_and_degenerate_landmarks_at_align()
    {
        var preprocessor = new FacePreprocessor();
        var empty = preprocessor.Process(ReadOnlyMemory<byte>.Empty, null);
        Assert.Equal(("decode", "empty file", 0), (empty.RejectStage, empty.RejectReason, empty.SourceWidth));
        var bomb = preprocessor.Process(SafeImageDecoderTests.PngWithDeclaredSize(20000, 20000), Face());
        Assert.Equal(("decode", "too-large: 20000x20000 exceeds 4096x4096"), (bomb.RejectStage, bomb.RejectReason));
        var collinear = preprocessor.Process(Png(100, 100), FaceLandmarks.FromPairs([10, 10, 20, 20, 30, 30, 40, 40, 50, 50]));
        Assert.Equal(("align", "landmarks: degenerate (points are collinear)"), (collinear.RejectStage, collinear.RejectReason));
        Assert.Throws<InvalidOperationException>(() => collinear.FlippedChw());
        var short4 = preprocessor.Process(Png(100, 100), new FaceLandmarks([1f, 2f, 3f, 4f]));
        Assert.Equal(("align", "landmarks: expected 10 coordinates (5 points), got 4"), (short4.RejectStage, short4.RejectReason));
    }

    [Fact]
    public void Flipped_view_mirrors_each_row()
    {
        var result = new FacePreprocessor().Process(Png(112, 112), null);
        var flipped = result.FlippedChw();
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < 112; y += 37)
                for (var x = 0; x < 112; x += 5)
                    Assert.Equal(result.Chw![(c * 112 * 112) + (y * 112) + x], flipped[(c * 112 * 112) + (y * 112) + 111 - x]);
    }

    [Fact]
    public void Larger_output_sizes_use_the_scaled_template()
    {
        var result = new FacePreprocessor(new ImagingOptions { OutputSize = 224 }).Process(Png(150, 160), Face());
        Assert.Equal((224, 3 * 224 * 224), (result.Size, result.Chw!.Length));
        Assert.Throws<UsageException>(() => new FacePreprocessor(new ImagingOptions { OutputSize = 100 }));
        Assert.Throws<UsageException>(() => new FacePreprocessor(new ImagingOptions { MaxBytes = 0 }));
    }

    [Fact]
    public void Parallel_use_gives_the_same_results_as_sequential()
    {
        var preprocessor = new FacePreprocessor();
        var inputs = Enumerable.Range(0, 24).Select(i =>
        {
            using var image = TestImages.Texture(120 + i, 130, i);
            return TestImages.Encode(image, new JpegEncoder { Quality = 90 });
        }).ToArray();
        var sequential = inputs.Select(b => preprocessor.Process(b, Face()).Chw!).ToArray();
        var parallel = new float[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = preprocessor.Process(inputs[i], Face()).Chw!);
        for (var i = 0; i < inputs.Length; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    [Fact]
    public void Caller_buffer_is_filled_and_returned()
    {
        var preprocessor = new FacePreprocessor();
        var bytes = Png(150, 160);
        var expected = preprocessor.Process(bytes, Face()).Chw!;
        var buffer = new float[(3 * 112 * 112) + 10];
        var result = preprocessor.Process(bytes, Face(), buffer);
        Assert.Same(buffer, result.Chw);
        Assert.Equal(expected, buffer.AsSpan(0, expected.Length).ToArray());
        Assert.Throws<ArgumentException>(() => preprocessor.Process(bytes, Face(), new float[100]));
    }

    [Fact]
    public void Aligned_png_round_trips_the_bytes()
    {
        var bytes = Png(112, 112);
        var result = new FacePreprocessor().Process(bytes, null);
        using var dir = new TempDir("aligned");
        var path = dir.Combine("sub", "face.png");
        AlignedImageWriter.SavePng(result.Chw!, 112, path);
        Assert.Equal([path], Directory.GetFiles(dir.Combine("sub")));
        using var original = Image.Load<Rgb24>(bytes);
        using var written = Image.Load<Rgb24>(path);
        Assert.Equal(TestImages.Rgb(original), TestImages.Rgb(written));
    }
}
