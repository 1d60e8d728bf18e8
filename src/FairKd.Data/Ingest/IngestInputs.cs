using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Data.Readers.RecordIO;

namespace FairKd.Data.Ingest;

/// <summary>
/// The input options shared by every command that reads training images (`ingest`, `embed`): --dataset, --rec,
/// --paths, plus the imaging options --landmarks and --unaligned (<see cref="ImagingInputs"/>, which `train` shares).
/// Validates them (exit 2 on mistakes) and builds readers and landmark tables. Landmark files (in <see cref="ImagingInputs"/>)
/// and path lists (in <see cref="ListSamples"/>) are read completely before a command does anything else: a malformed
/// line, an empty list or a file of another kind is a usage error (exit 2) naming the option that reads such a file
/// (<see cref="InputFileCheck"/>).
/// </summary>
public sealed class IngestInputs
{
    private IngestInputs(string[] datasets, string[] recs, string[] pathLists)
    {
        Datasets = datasets;
        Recs = recs;
        PathLists = pathLists;
    }

    /// <summary>--dataset NAME=PATH[:layout] entries.</summary>
    public string[] Datasets { get; }

    /// <summary>--rec NAME=PATH entries (MXNet RecordIO packs).</summary>
    public string[] Recs { get; }

    /// <summary>--paths NAME=LIST entries (one image path per line).</summary>
    public string[] PathLists { get; }

    /// <summary>--landmarks and --unaligned.</summary>
    public ImagingInputs ImagingInputs { get; private set; } = null!;

    /// <summary>The --unaligned policy in force.</summary>
    public UnalignedPolicy Unaligned => ImagingInputs.Unaligned;

    /// <summary>Landmark tables by dataset name.</summary>
    public Dictionary<string, LandmarkTable> Landmarks => ImagingInputs.Landmarks;

    /// <summary>Paths of the landmark files given (fingerprinted by callers).</summary>
    public IEnumerable<string> LandmarkFiles => ImagingInputs.LandmarkFiles.Values;

    /// <summary>Imaging options with the chosen unaligned policy.</summary>
    public ImagingOptions Imaging => ImagingInputs.Imaging;

    /// <summary>Parses the options; <paramref name="report"/> collects malformed entries of landmark files.</summary>
    public static IngestInputs Parse(string[] datasets, string[] recs, string[] pathLists, string[] landmarkFiles, string unaligned, ReaderReport report)
    {
        if (datasets.Length + recs.Length + pathLists.Length == 0)
            throw new UsageException("give at least one input: --dataset NAME=PATH[:layout], --rec NAME=PATH or --paths NAME=LIST");
        var inputs = new IngestInputs(datasets, recs, pathLists);
        var names = inputs.BuildReaders(new ReaderReport()).Select(r => r.Dataset).ToList();
        DatasetName.EnsureUnique(names, "--dataset/--rec/--paths");
        inputs.ImagingInputs = ImagingInputs.Parse(landmarkFiles, unaligned, names, report);
        return inputs;
    }

    /// <summary>The `--unaligned` option (shared by ingest, embed, train and eval): <see cref="ImagingInputs.ParseUnaligned"/>.</summary>
    public static UnalignedPolicy ParseUnaligned(string value) => ImagingInputs.ParseUnaligned(value);

    /// <summary>
    /// Lists every sample of the inputs once, in reader order, into <paramref name="collect"/> when given, and returns the
    /// count. Path lists are checked completely (malformed lines, no paths, another file kind: exit 2); no input at all is
    /// a usage error too.
    /// </summary>
    public long ListSamples(ReaderReport report, CancellationToken ct, List<SampleRef>? collect = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var readers = BuildReaders(report);
        long total = 0;
        for (var i = 0; i < readers.Count; i++)
        {
            long n = 0;
            foreach (var sample in readers[i].Enumerate(ct))
            {
                n++;
                collect?.Add(sample);
            }

            var pathList = i - Datasets.Length - Recs.Length;
            if (pathList >= 0)
            {
                var p = NamedPath.Parse(PathLists[pathList], "--paths", NamedPathKind.File);
                InputFileCheck.Ensure($"--paths {PathLists[pathList]}", p.Path, InputFormat.PathList, n, "paths", report);
            }

            total += n;
        }

        if (total == 0) throw new UsageException("the inputs hold no images");
        return total;
    }

    /// <summary>Adds every input these options read to <paramref name="provenance"/>: dataset roots (folders), RecordIO packs
    /// (.idx hashed, .rec by size), path lists and landmark files (hashed).</summary>
    public void Record(ProvenanceRecorder provenance)
    {
        foreach (var d in Datasets)
        {
            var spec = DatasetSpec.Parse(d);
            provenance.AddFolder($"images:{spec.Name}", spec.Root);
        }

        foreach (var r in Recs)
        {
            var p = NamedPath.Parse(r, "--rec", NamedPathKind.FileOrDirectory);
            var rec = Directory.Exists(p.Path) ? Path.Combine(p.Path, "train.rec") : p.Path;
            var idx = Path.ChangeExtension(rec, ".idx");
            if (File.Exists(idx)) provenance.AddFile($"rec-index:{p.Name}", idx);
            if (File.Exists(rec)) provenance.AddUnhashedFile($"rec:{p.Name}", rec);
        }

        foreach (var l in PathLists)
        {
            var p = NamedPath.Parse(l, "--paths", NamedPathKind.File);
            provenance.AddFile($"paths:{p.Name}", p.Path);
        }

        foreach (var (name, file) in ImagingInputs.LandmarkFiles.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            provenance.AddFile($"landmarks:{name}", file);
    }

    /// <summary>The inputs as the sample index's samples.json lists them (<see cref="SampleIndexManifest.Datasets"/>), in
    /// reader order: where each dataset's images are found again from a row of samples.parquet.</summary>
    public IReadOnlyList<SampleIndexDataset> Describe()
    {
        var datasets = new List<SampleIndexDataset>();
        foreach (var d in Datasets)
        {
            var spec = DatasetSpec.Parse(d);
            datasets.Add(new SampleIndexDataset { Name = spec.Name, Kind = SampleIndexDataset.FolderKind, Root = spec.Root, Layout = spec.Layout.Name() });
        }

        foreach (var r in Recs)
        {
            var p = NamedPath.Parse(r, "--rec", NamedPathKind.FileOrDirectory);
            var rec = Path.GetFullPath(Directory.Exists(p.Path) ? Path.Combine(p.Path, "train.rec") : p.Path);
            datasets.Add(new SampleIndexDataset { Name = p.Name, Kind = SampleIndexDataset.RecordIOKind, Pack = rec });
        }

        foreach (var l in PathLists)
        {
            var p = NamedPath.Parse(l, "--paths", NamedPathKind.File);
            var list = Path.GetFullPath(p.Path);
            datasets.Add(new SampleIndexDataset { Name = p.Name, Kind = SampleIndexDataset.PathListKind, List = list, Root = Path.GetDirectoryName(list) });
        }

        return datasets;
    }

    /// <summary>New readers over the inputs (each enumeration re-lists the sources), datasets first, then RecordIO files,
    /// then path lists.</summary>
    public List<ISampleReader> BuildReaders(ReaderReport report)
    {
        var readers = new List<ISampleReader>();
        foreach (var d in Datasets) readers.Add(new ImageFolderReader(DatasetSpec.Parse(d), report));
        foreach (var r in Recs)
        {
            var p = NamedPath.Parse(r, "--rec", NamedPathKind.FileOrDirectory);
            readers.Add(new RecordIOSampleReader(p.Name, RecordIOReader.Open(p.Path, report)));
        }

        foreach (var l in PathLists)
        {
            var p = NamedPath.Parse(l, "--paths", NamedPathKind.File);
            readers.Add(new PathListReader(p.Name, p.Path, report, Path.GetDirectoryName(Path.GetFullPath(p.Path))));
        }

        return readers;
    }
}
