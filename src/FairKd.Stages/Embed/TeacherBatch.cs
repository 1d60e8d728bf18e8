using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Data.Ingest;

namespace FairKd.Stages.Embed;

/// <summary>One ingest item after the teacher: a target to cache, or a reject (from ingest or from labelling).</summary>
internal sealed record EmbedOutcome(IngestItem Item, TeacherTarget? Target, Reject? Reject);

/// <summary>
/// Runs the teacher on a batch of ingest items: the aligned faces and their mirrors (<see cref="FaceLoader.Mirror"/>, the
/// flip training applies) are embedded (raw outputs), each
/// embedding's L2 norm is kept and the embedding normalised, and the ethnicity source labels the batch. Buffers are
/// reused between batches (one instance per pipeline; not thread-safe).
/// </summary>
internal sealed class TeacherBatch(IFaceEmbedder teacher, IEthnicitySource ethnicity)
{
    private float[] _input = [];
    private float[] _flipped = [];
    private float[] _raw = [];
    private float[] _rawFlipped = [];
    private float[] _probs = [];

    /// <summary>Images embedded so far.</summary>
    public long Images { get; private set; }

    public IReadOnlyList<EmbedOutcome> Run(IReadOnlyList<IngestItem> items)
    {
        var faces = items.Where(i => i.Face is not null).Select(i => i.Face!).ToList();
        var outcomes = new EmbedOutcome[items.Count];
        var byFace = new Dictionary<AlignedFace, (float[] E, float[] F, float N, float NF, float[] P, string? Problem)>(ReferenceEqualityComparer.Instance);
        if (faces.Count > 0)
        {
            var size = faces[0].Size;
            if (size != teacher.InputSize)
                throw new Core.UsageException($"the teacher takes {teacher.InputSize}x{teacher.InputSize} inputs, the aligned faces are {size}x{size}");
            var per = 3 * size * size;
            var dim = teacher.EmbeddingSize;
            Ensure(ref _input, faces.Count * per);
            Ensure(ref _flipped, faces.Count * per);
            Ensure(ref _raw, faces.Count * dim);
            Ensure(ref _rawFlipped, faces.Count * dim);
            Ensure(ref _probs, faces.Count * 4);
            for (var i = 0; i < faces.Count; i++)
            {
                faces[i].Chw.CopyTo(_input.AsSpan(i * per, per));
                FaceLoader.Mirror(faces[i].Chw, _flipped.AsSpan(i * per, per), size);
            }

            teacher.Embed(_input.AsSpan(0, faces.Count * per), faces.Count, _raw.AsSpan(0, faces.Count * dim));
            teacher.Embed(_flipped.AsSpan(0, faces.Count * per), faces.Count, _rawFlipped.AsSpan(0, faces.Count * dim));
            var problems = new string?[faces.Count];
            ethnicity.Label(faces, _input.AsSpan(0, faces.Count * per), _probs.AsSpan(0, faces.Count * 4), problems);
            for (var i = 0; i < faces.Count; i++)
            {
                var e = new float[dim];
                var f = new float[dim];
                var n = Chw.L2Normalise(_raw.AsSpan(i * dim, dim), e);
                var nf = Chw.L2Normalise(_rawFlipped.AsSpan(i * dim, dim), f);
                byFace[faces[i]] = (e, f, n, nf, _probs.AsSpan(i * 4, 4).ToArray(), problems[i]);
            }

            Images += faces.Count;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Face is not { } face)
            {
                outcomes[i] = new EmbedOutcome(item, null, item.Reject);
                continue;
            }

            var r = byFace[face];
            var s = face.Sample;
            outcomes[i] = r.Problem is not null
                ? new EmbedOutcome(item, null, new Reject(s.Key, "ethnicity", r.Problem))
                : new EmbedOutcome(item, new TeacherTarget(s.Key, s.Dataset, s.Identity, s.Group, r.E, r.F, r.N, r.NF, r.P), null);
        }

        return outcomes;
    }

    private static void Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}
