using FairKd.Core;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Data.Readers.RecordIO;

namespace FairKd.Cli.Commands;

/// <summary>
/// The input options shared by every command that reads training images (`ingest`, `embed`): --dataset, --rec,
/// --paths, plus the imaging options --landmarks and --unaligned (<see cref="ImagingInputs"/>, which `train` shares).
/// Validates them (exit 2 on mistakes) and builds readers and landmark tables.
/// </summary>
internal sealed class IngestInputs
{
    private IngestInputs(string[] datasets, string[] recs, string[] pathLists)
    {
        Datasets = datasets;
        Recs = recs;
        PathLists = pathLists;
    }

    public string[] Datasets { get; }

    public string[] Recs { get; }

    public string[] PathLists { get; }

    /// <summary>--landmarks and --unaligned.</summary>
    public ImagingInputs ImagingInputs { get; private set; } = null!;

    public UnalignedPolicy Unaligned => ImagingInputs.Unaligned;

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

    /// <summary>New readers over the inputs (each enumeration re-lists the sources).</summary>
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
