using System.Globalization;
using FairKd.Core;
using FairKd.Core.Run;
using FairKd.Core.Report;
using FairKd.Data.Demo;
using FairKd.Data.Manifest;
using FairKd.Stages.Embed;
using FairKd.Stages.Eval;
using FairKd.Stages.Report;
using FairKd.Stages.Train;

namespace FairKd.Stages.Run;

/// <summary>
/// Expands a <see cref="PipelineDocument"/> into <c>fairkd</c> steps in dependency order: demo data, teachers, the
/// ethnicity classifier, caches, manifests, students, evaluations, report. Each step is its stage's options record
/// (<see cref="DemoDataRequest"/>, <see cref="TrainOptions"/>, <see cref="EmbedOptions"/>, <see cref="ManifestOptions"/>,
/// <see cref="EvalOptions"/>, <see cref="ReportOptions"/>), the record `fairkd` builds from the same values on a command
/// line; <see cref="PlannedStep.Args"/> is that record's own <c>ToArgs()</c>. Pure: no file is read except through
/// the <c>builtImages</c> argument of <see cref="Plan"/>. Output folders: <c>OUT/teachers/NAME</c>, <c>OUT/ethnicity</c>,
/// <c>OUT/caches/NAME</c>, <c>OUT/manifests/NAME</c>, <c>OUT/students/ID</c>, <c>OUT/eval/ID</c>, report in the report's out.
/// </summary>
public static class PipelinePlanner
{
    /// <summary>Default epochs for estimates when a training step does not set them (the study's 26).</summary>
    public const int DefaultEpochs = StudyDefaults.Epochs;

    /// <summary>File names the training command writes (backbone and classifier weights).</summary>
    public const string BackboneFile = "backbone.pth";

    /// <summary>Classifier weights written by <c>fairkd train --target group</c>.</summary>
    public const string ClassifierFile = "classifier.pth";

    /// <summary>Plans every step. <paramref name="builtImages"/> may return the image count of an already built manifest folder
    /// (for estimates); otherwise the manifest's declared <see cref="ManifestEntry.Images"/> is used.</summary>
    public static IReadOnlyList<PlannedStep> Plan(PipelineDocument doc, Func<string, long?>? builtImages = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var p = new Planner(doc, builtImages ?? (_ => null));
        return p.Run();
    }

    private sealed class Planner(PipelineDocument doc, Func<string, long?> builtImages)
    {
        private readonly List<PlannedStep> steps = [];
        private readonly string? dataStep = doc.DemoData is null ? null : "data";
        private readonly Dictionary<string, string> teacherWeights = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string?> teacherStep = new(StringComparer.Ordinal);
        private readonly List<string> evalDirs = [];

        public List<PlannedStep> Run()
        {
            if (doc.DemoData is { } d)
            {
                steps.Add(new PlannedStep("data", StepStage.Data, new DemoDataRequest { OutDir = d.Out, Scale = d.Scale, Seed = d.Seed }, d.Out,
                    [], [], [], doc.Datasets.Values.Sum(x => (double)x.Images), ["data"]));
            }

            foreach (var (name, t) in doc.Teachers.OrderBy(kv => kv.Key, StringComparer.Ordinal)) AddTeacher(name, t);
            var ethnicity = AddEthnicity(out var ethnicityStep, out var ethnicityFiles);
            foreach (var (name, c) in doc.Caches.OrderBy(kv => kv.Key, StringComparer.Ordinal)) AddCache(name, c, ethnicity, ethnicityStep, ethnicityFiles);
            foreach (var (name, m) in doc.Manifests.OrderBy(kv => kv.Key, StringComparer.Ordinal)) AddManifest(name, m);
            var students = ExpandStudents();
            foreach (var s in students) steps.Add(s);
            foreach (var (name, t) in doc.Teachers.OrderBy(kv => kv.Key, StringComparer.Ordinal).Where(kv => kv.Value.Eval))
            {
                var model = ResolveModel(t.Model, $"teachers.{name}.model");
                var loss = ResolveLoss(t.Loss, $"teachers.{name}.loss");
                AddEval("teacher-" + name, model.Spec, teacherWeights[name], teacherStep[name],
                    new RunLabel("teacher-" + name, loss.Display ?? loss.Name, model.Display ?? model.Spec, false, t.Data));
            }

            foreach (var s in students)
                AddEval(s.Id["student/".Length..], ModelOf(s), Path.Combine(s.OutDir, BackboneFile), s.Id, s.Label!);
            AddReport();
            EnsureUniqueIds();
            return steps;
        }

        private string Out(params string[] parts) => Path.Combine([doc.Out, .. parts]);

        private List<string> DataDeps(params string?[] more) => [.. new[] { dataStep }.Concat(more).OfType<string>()];

        private void AddTeacher(string name, TeacherEntry t)
        {
            var model = ResolveModel(t.Model, $"teachers.{name}.model");
            var loss = ResolveLoss(t.Loss, $"teachers.{name}.loss");
            if (t.Weights is not null == t.Datasets is { Count: > 0 })
                throw new UsageException($"teachers.{name}: give either \"weights\" (load a trained teacher) or \"datasets\" (train it here)");
            if (t.Weights is not null)
            {
                teacherWeights[name] = t.Weights;
                teacherStep[name] = null;
                return;
            }

            var settings = (t.Train ?? new TrainSettings()).Over(doc.Defaults.Train);
            var outDir = Out("teachers", name);
            var inputs = Inputs(t.Datasets!, $"teachers.{name}.datasets", out var dirs, out var files, out var images);
            if (inputs.Recs.Count > 0)
                throw new UsageException($"teachers.{name}.datasets: {inputs.Recs[0]} is a RecordIO pack; `fairkd train` reads image folders (ingest or unpack it first)");
            var options = Train(settings, $"teachers.{name}.train") with
            {
                Datasets = inputs.Datasets, LandmarkFiles = inputs.Landmarks, Model = model.Spec, Loss = loss.Name, OutDir = outDir,
            };
            var id = "teacher/" + name;
            steps.Add(new PlannedStep(id, StepStage.Teacher, options, outDir, DataDeps(), files, dirs, images * (settings.Epochs ?? DefaultEpochs),
                RateKeys("train", model.Spec), TrainedModel: $"teacher {name}: {model.Display ?? model.Spec}, {loss.Display ?? loss.Name}"));
            teacherWeights[name] = Path.Combine(outDir, BackboneFile);
            teacherStep[name] = id;
        }

        private EmbedOptions AddEthnicity(out string? stepId, out List<string> files)
        {
            stepId = null;
            files = [];
            var e = doc.Ethnicity;
            var none = new EmbedOptions();
            if (e is null) return none;
            var sources = new[] { e.Datasets is { Count: > 0 }, e.Weights is not null, e.File is not null, e.FromFolders }.Count(x => x);
            if (sources != 1)
                throw new UsageException("ethnicity: give exactly one of \"datasets\" (train a classifier), \"weights\" (a trained classifier), \"file\" (predictions) or \"fromFolders\": true");
            if (e.File is not null)
            {
                files.Add(e.File);
                return none with { EthnicityFile = e.File };
            }

            if (e.FromFolders) return none with { EthnicityFromFolders = true };
            var model = ResolveModel(e.Model ?? throw new UsageException("ethnicity: \"model\" is required with datasets or weights"), "ethnicity.model");
            if (e.Weights is not null)
            {
                files.Add(e.Weights);
                return none with { EthnicityModel = model.Spec, EthnicityWeights = e.Weights, EthnicityOrder = e.Order };
            }

            var settings = (e.Train ?? new TrainSettings()).Over(doc.Defaults.Train);
            var outDir = Out("ethnicity");
            var inputs = Inputs(e.Datasets!, "ethnicity.datasets", out var dirs, out var dataFiles, out var images);
            if (inputs.Recs.Count > 0)
                throw new UsageException($"ethnicity.datasets: {inputs.Recs[0]} is a RecordIO pack; `fairkd train` reads image folders (ingest or unpack it first)");
            var options = Train(settings, "ethnicity.train") with
            {
                Datasets = inputs.Datasets, LandmarkFiles = inputs.Landmarks, Model = model.Spec, Target = "group", OutDir = outDir,
            };
            stepId = "ethnicity";
            steps.Add(new PlannedStep(stepId, StepStage.Ethnicity, options, outDir, DataDeps(), dataFiles, dirs, images * (settings.Epochs ?? DefaultEpochs),
                RateKeys("train", model.Spec), TrainedModel: $"ethnicity classifier: {model.Display ?? model.Spec}, 4 groups"));
            return none with { EthnicityModel = model.Spec, EthnicityWeights = Path.Combine(outDir, ClassifierFile), EthnicityOrder = e.Order };
        }

        private void AddCache(string name, CacheEntry c, EmbedOptions ethnicity, string? ethnicityStep, List<string> ethnicityFiles)
        {
            if (!doc.Teachers.TryGetValue(c.Teacher, out var t)) throw new UsageException($"caches.{name}.teacher: no teacher named '{c.Teacher}'");
            var model = ResolveModel(t.Model, $"teachers.{c.Teacher}.model");
            var settings = (c.Embed ?? new Core.Run.EmbedSettings()).Over(doc.Defaults.Embed);
            NoArgs(settings.Args, $"caches.{name}.embed", "batchSize, shardRows, device, workers, threads");
            var outDir = Out("caches", name);
            var inputs = Inputs(c.Datasets, $"caches.{name}.datasets", out var dirs, out var files, out var images);
            var defaults = new EmbedOptions();
            var options = ethnicity with
            {
                Datasets = inputs.Datasets, Recs = inputs.Recs, LandmarkFiles = inputs.Landmarks,
                Teacher = model.Spec, Weights = teacherWeights[c.Teacher], OutDir = outDir,
                BatchSize = settings.BatchSize ?? defaults.BatchSize, ShardRows = settings.ShardRows ?? defaults.ShardRows,
                Device = settings.Device ?? defaults.Device, Workers = settings.Workers ?? defaults.Workers, Threads = settings.Threads,
            };
            if (teacherStep[c.Teacher] is null) files.Add(teacherWeights[c.Teacher]);
            files.AddRange(ethnicityFiles);
            steps.Add(new PlannedStep("cache/" + name, StepStage.Embed, options, outDir, DataDeps(teacherStep[c.Teacher], ethnicityStep), files, dirs,
                images, RateKeys("embed", model.Spec)));
        }

        private void AddManifest(string name, ManifestEntry m)
        {
            if (m.Caches.Count == 0) throw new UsageException($"manifests.{name}.caches: give at least one cache");
            foreach (var c in m.Caches)
                if (!doc.Caches.ContainsKey(c)) throw new UsageException($"manifests.{name}.caches: no cache named '{c}'");
            var outDir = Out("manifests", name);
            var options = new ManifestOptions { Recipe = m.Recipe, Caches = [.. m.Caches.Select(c => Out("caches", c))], OutDir = outDir };
            steps.Add(new PlannedStep("manifest/" + name, StepStage.Manifest, options, outDir, [.. m.Caches.Select(c => "cache/" + c)], [m.Recipe], [],
                ManifestImages(name, m), ["manifest"]));
        }

        private List<PlannedStep> ExpandStudents()
        {
            var list = new List<PlannedStep>();
            for (var gi = 0; gi < doc.Students.Count; gi++)
            {
                var g = doc.Students[gi];
                var where = $"students[{gi}]";
                if (g.Models.Count == 0 || g.Losses.Count == 0 || g.Data.Count == 0 || g.Kd.Count == 0)
                    throw new UsageException($"{where}: models, losses, data and kd must each have at least one value");
                foreach (var mk in g.Models)
                foreach (var lk in g.Losses)
                foreach (var dk in g.Data)
                foreach (var kd in g.Kd)
                    list.Add(Student(g, where, mk, lk, dk, kd));
            }

            return list;
        }

        private PlannedStep Student(StudentGrid g, string where, string mk, string lk, string dk, bool kd)
        {
            var model = ResolveModel(mk, $"{where}.models");
            var loss = ResolveLoss(lk, $"{where}.losses");
            if (!doc.Manifests.TryGetValue(dk, out var manifest)) throw new UsageException($"{where}.data: no manifest named '{dk}'");
            var id = g.Id.Replace("{model}", mk, StringComparison.Ordinal).Replace("{loss}", lk, StringComparison.Ordinal)
                .Replace("{data}", dk, StringComparison.Ordinal).Replace("{kd}", kd ? "kd" : "scratch", StringComparison.Ordinal);
            var settings = (g.Train ?? new TrainSettings()).Over(doc.Defaults.Train);
            var outDir = Out("students", id);
            var roots = new List<string>();
            var landmarks = new List<string>();
            var datasets = manifest.Caches.SelectMany(c => doc.Caches.TryGetValue(c, out var ce) ? ce.Datasets : []).Distinct(StringComparer.Ordinal).ToList();
            var dirs = new List<string>();
            var files = new List<string>();
            foreach (var ds in datasets)
            {
                var entry = Dataset(ds, $"manifests.{dk}");
                roots.Add($"{ds}={entry.Path}");
                dirs.Add(entry.Path);
                if (entry.Landmarks is not null)
                {
                    // the student sees each image aligned as the cache's teacher saw it (train refuses a mismatch)
                    landmarks.Add($"{ds}={entry.Landmarks}");
                    files.Add(entry.Landmarks);
                }
            }

            var deps = DataDeps("manifest/" + dk);
            var options = Train(settings, $"{where}.train") with
            {
                Manifest = Out("manifests", dk), DataRoots = roots, LandmarkFiles = landmarks, Model = model.Spec, Loss = loss.Name, OutDir = outDir,
            };
            if (kd)
            {
                if (g.Cache is null || !doc.Caches.ContainsKey(g.Cache)) throw new UsageException($"{where}: kd true needs \"cache\" naming one of the caches");
                options = options with { Caches = [Out("caches", g.Cache)] };
                deps.Add("cache/" + g.Cache);
            }
            else options = options with { KdLambda = null }; // a student without KD has no KD weight

            var label = new RunLabel(id, loss.Display ?? loss.Name, model.Display ?? model.Spec, kd, manifest.Display ?? dk);
            var what = $"student {id}: {model.Display ?? model.Spec}, {loss.Display ?? loss.Name}, {manifest.Display ?? dk}, {(kd ? "KD" : "no KD")}" +
                (g.Table is null ? "" : $" [{g.Table}]");
            return new PlannedStep("student/" + id, StepStage.Student, options, outDir, deps, files, dirs,
                ManifestImages(dk, manifest) * (settings.Epochs ?? DefaultEpochs), RateKeys("train", model.Spec), label, what);
        }

        private static string ModelOf(PlannedStep s) => ((TrainOptions)s.Options).Model!;

        private void AddEval(string id, string spec, string weights, string? trainStep, RunLabel label)
        {
            var e = doc.Eval;
            if (e is null) return;
            var outDir = Out("eval", id);
            var files = new List<string>();
            var dirs = new List<string>();
            var landmarks = new List<string>();
            var lfw = new List<string>();
            var pairs = new List<string>();
            double images = 0;
            if (e.Rfw is not null)
            {
                dirs.Add(e.Rfw);
                images += e.RfwImages;
            }

            foreach (var (list, sets) in new[] { (lfw, e.Lfw), (pairs, e.Pairs) })
            {
                foreach (var ps in sets)
                {
                    list.Add($"{ps.Name}={ps.Pairs}:{ps.Root}");
                    if (ps.Landmarks is not null)
                    {
                        landmarks.Add($"{ps.Name}={ps.Landmarks}");
                        files.Add(ps.Landmarks);
                    }

                    files.Add(ps.Pairs);
                    dirs.Add(ps.Root);
                    images += ps.Images;
                }
            }

            var bins = new List<string>();
            foreach (var (name, b) in e.Bin.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                bins.Add($"{name}={b.Path}");
                files.Add(b.Path);
                images += b.Images;
            }

            if (images == 0 && e.Rfw is null && e.Lfw.Count == 0 && e.Pairs.Count == 0 && e.Bin.Count == 0)
                throw new UsageException("eval: give at least one of rfw, lfw, pairs, bin");
            var settings = doc.Defaults.Eval;
            NoArgs(settings.Args, "defaults.eval", "batchSize, device, workers, threads, bootstrap");
            var defaults = new EvalOptions();
            var options = defaults with
            {
                Model = spec, Weights = weights, Rfw = e.Rfw, Lfw = lfw, Pairs = pairs, LandmarkFiles = landmarks, Bin = bins, OutDir = outDir,
                BatchSize = settings.BatchSize ?? defaults.BatchSize, Device = settings.Device ?? defaults.Device,
                Workers = settings.Workers ?? defaults.Workers, Threads = settings.Threads, Bootstrap = settings.Bootstrap ?? defaults.Bootstrap,
            };
            if (trainStep is null) files.Add(weights);
            steps.Add(new PlannedStep("eval/" + id, StepStage.Eval, options, outDir, DataDeps(trainStep), files, dirs, images, RateKeys("eval", spec), label));
            evalDirs.Add(outDir);
        }

        private void AddReport()
        {
            if (doc.Report is not { } r || evalDirs.Count == 0) return;
            var outDir = r.Out ?? doc.Out;
            var files = new List<string>();
            if (r.Reference is not null) files.Add(r.Reference);
            var options = new ReportOptions { EvalDirs = [.. evalDirs], OutDir = outDir, Reference = r.Reference };
            steps.Add(new PlannedStep("report", StepStage.Report, options, outDir, [.. steps.Where(s => s.Stage == StepStage.Eval).Select(s => s.Id)], files, [], 0, []));
        }

        /// <summary>A step's datasets as the commands take them: --dataset NAME=PATH[:layout] or --rec NAME=PATH, and --landmarks.</summary>
        private sealed record DatasetInputs(List<string> Datasets, List<string> Recs, List<string> Landmarks);

        private DatasetInputs Inputs(List<string> names, string where, out List<string> dirs, out List<string> files, out double images)
        {
            var inputs = new DatasetInputs([], [], []);
            dirs = [];
            files = [];
            images = 0;
            if (names.Count == 0) throw new UsageException($"{where}: give at least one dataset");
            foreach (var n in names)
            {
                var d = Dataset(n, where);
                if (d.Path.EndsWith(".rec", StringComparison.OrdinalIgnoreCase)) inputs.Recs.Add($"{n}={d.Path}");
                else inputs.Datasets.Add(d.Layout is null ? $"{n}={d.Path}" : $"{n}={d.Path}:{d.Layout}");
                if (d.Landmarks is not null)
                {
                    inputs.Landmarks.Add($"{n}={d.Landmarks}");
                    files.Add(d.Landmarks);
                }

                dirs.Add(d.Path);
                images += d.Images;
            }

            return inputs;
        }

        private DatasetEntry Dataset(string name, string where) =>
            doc.Datasets.TryGetValue(name, out var d) ? d : throw new UsageException($"{where}: no dataset named '{name}' (datasets: {string.Join(", ", doc.Datasets.Keys)})");

        private double ManifestImages(string name, ManifestEntry m) =>
            builtImages(Out("manifests", name)) ?? (m.Images > 0
                ? m.Images
                : m.Caches.SelectMany(c => doc.Caches.TryGetValue(c, out var ce) ? ce.Datasets : []).Distinct(StringComparer.Ordinal)
                    .Sum(ds => doc.Datasets.TryGetValue(ds, out var d) ? (double)d.Images : 0));

        private ModelEntry ResolveModel(string key, string where)
        {
            if (string.IsNullOrWhiteSpace(key)) throw new UsageException($"{where}: give a model");
            return doc.Models.TryGetValue(key, out var m) ? m : new ModelEntry(key);
        }

        private LossEntry ResolveLoss(string key, string where)
        {
            if (string.IsNullOrWhiteSpace(key)) throw new UsageException($"{where}: give a loss");
            return doc.Losses.TryGetValue(key, out var l) ? l : new LossEntry(key);
        }

        /// <summary>The training settings of a step as a <see cref="TrainOptions"/> (unset: the command's defaults).</summary>
        private static TrainOptions Train(TrainSettings s, string where)
        {
            NoArgs(s.Args, where, "epochs, batchSize, lr, milestones, seed, device, workers, kdLambda, valSplit, select, threads, logEvery, keepCheckpoints");
            var d = new TrainOptions();
            return d with
            {
                Epochs = s.Epochs ?? d.Epochs,
                BatchSize = s.BatchSize ?? d.BatchSize,
                Lr = s.Lr ?? d.Lr,
                Milestones = s.Milestones is { } ms ? string.Join(',', ms.Select(Num)) : d.Milestones,
                Seed = s.Seed ?? d.Seed,
                Device = s.Device ?? d.Device,
                Workers = s.Workers ?? d.Workers,
                KdLambda = s.KdLambda,
                ValSplit = s.ValSplit,
                Select = s.Select ?? d.Select,
                Threads = s.Threads,
                LogEvery = s.LogEvery ?? d.LogEvery,
                KeepCheckpoints = s.KeepCheckpoints ?? d.KeepCheckpoints,
            };
        }

        private static void NoArgs(List<string>? args, string where, string fields)
        {
            if (args is { Count: > 0 })
                throw new UsageException($"{where}.args ({string.Join(' ', args)}): extra arguments are no longer passed through; a step is its stage's options record, set with the fields {fields}");
        }

        private static List<string> RateKeys(string stage, string spec)
        {
            var name = spec.Split(':')[0];
            return spec == name ? new List<string> { $"{stage}:{spec}", stage } : new List<string> { $"{stage}:{spec}", $"{stage}:{name}", stage };
        }

        private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);

        private void EnsureUniqueIds()
        {
            var dup = steps.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new UsageException($"two steps are named '{dup.Key}': make the student id templates distinct");
        }
    }
}
