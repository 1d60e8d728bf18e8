using FairKd.Core.Records;

namespace FairKd.Data.Ingest;

/// <summary>What the ingest pipeline yields per sample, in enumeration order: an aligned face or a reject.</summary>
public sealed record IngestItem(AlignedFace? Face, Reject? Reject, SampleRef Sample);
