using System.Globalization;
using FairKd.Core.Reporting;

namespace FairKd.Core.Pipelines;

/// <summary>
/// Expands a <see cref="PipelineDocument"/> into <c>fairkd</c> steps in dependency order: demo data, teachers, the
/// ethnicity classifier, caches, manifests, students, evaluations, report. Pure: no file is read except through
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
                steps.Add(new PlannedStep("data", StepStage.Data, ["demo-data", "--out", d.Out, "--scale", d.Scale, "--seed", Num(d.Seed)], d.Out,
                    [], [], [], doc.Datasets.Values.Sum(x => (double)x.Images), ["data"]));
            }

            foreach (var (name, t) in doc.Teachers.OrderBy(kv => kv.Key, StringComparer.Ordinal)) AddTeacher(name, t);
            var ethnicityArgs = AddEthnicity(out var ethnicityStep, out var ethnicityFiles);
            foreach (var (name, c) in doc.Caches.OrderBy(kv => kv.Key, StringComparer.Ordinal)) AddCache(name, c, ethnicityArgs, ethnicityStep, ethnicityFiles);
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
            var args = new List<string> { "train" };
            args.AddRange(DatasetArgs(t.Datasets!, $"teachers.{name}.datasets", out var dirs, out var files, out var images));
            args.AddRange(["--model", model.Spec, "--loss", loss.Name, "--out", outDir]);
            args.AddRange(TrainArgs(settings));
            var id = "teacher/" + name;
            steps.Add(new PlannedStep(id, StepStage.Teacher, args, outDir, DataDeps(), files, dirs, images * (settings.Epochs ?? DefaultEpochs),
                RateKeys("train", model.Spec), TrainedModel: $"teacher {name}: {model.Display ?? model.Spec}, {loss.Display ?? loss.Name}"));
            teacherWeights[name] = Path.Combine(outDir, BackboneFile);
            teacherStep[name] = id;
        }

        private List<string> AddEthnicity(out string? stepId, out List<string> files)
        {
            stepId = null;
            files = [];
            var e = doc.Ethnicity;
            if (e is null) return [];
            var sources = new[] { e.Datasets is { Count: > 0 }, e.Weights is not null, e.File is not null, e.FromFolders }.Count(x => x);
            if (sources != 1)
                throw new UsageException("ethnicity: give exactly one of \"datasets\" (train a classifier), \"weights\" (a trained classifier), \"file\" (predictions) or \"fromFolders\": true");
            if (e.File is not null)
            {
                files.Add(e.File);
                return ["--ethnicity-file", e.File];
            }

            if (e.FromFolders) return ["--ethnicity-from-folders"];
            var model = ResolveModel(e.Model ?? throw new UsageException("ethnicity: \"model\" is required with datasets or weights"), "ethnicity.model");
            var order = e.Order is null ? [] : new List<string> { "--ethnicity-order", e.Order };
            if (e.Weights is not null)
            {
                files.Add(e.Weights);
                return ["--ethnicity-model", model.Spec, "--ethnicity-weights", e.Weights, .. order];
            }

            var settings = (e.Train ?? new TrainSettings()).Over(doc.Defaults.Train);
            var outDir = Out("ethnicity");
            var args = new List<string> { "train" };
            args.AddRange(DatasetArgs(e.Datasets!, "ethnicity.datasets", out var dirs, out var dataFiles, out var images));
            args.AddRange(["--model", model.Spec, "--target", "group", "--out", outDir]);
            args.AddRange(TrainArgs(settings));
            stepId = "ethnicity";
            steps.Add(new PlannedStep(stepId, StepStage.Ethnicity, args, outDir, DataDeps(), dataFiles, dirs, images * (settings.Epochs ?? DefaultEpochs),
                RateKeys("train", model.Spec), TrainedModel: $"ethnicity classifier: {model.Display ?? model.Spec}, 4 groups"));
            return ["--ethnicity-model", model.Spec, "--ethnicity-weights", Path.Combine(outDir, ClassifierFile), .. order];
        }

        private void AddCache(string name, CacheEntry c, List<string> ethnicityArgs, string? ethnicityStep, List<string> ethnicityFiles)
        {
            if (!doc.Teachers.TryGetValue(c.Teacher, out var t)) throw new UsageException($"caches.{name}.teacher: no teacher named '{c.Teacher}'");
            var model = ResolveModel(t.Model, $"teachers.{c.Teacher}.model");
            var settings = (c.Embed ?? new EmbedSettings()).Over(doc.Defaults.Embed);
            var outDir = Out("caches", name);
            var args = new List<string> { "embed" };
            args.AddRange(DatasetArgs(c.Datasets, $"caches.{name}.datasets", out var dirs, out var files, out var images));
            args.AddRange(["--teacher", model.Spec, "--weights", teacherWeights[c.Teacher]]);
            args.AddRange(ethnicityArgs);
            args.AddRange(["--out", outDir]);
            if (settings.BatchSize is { } b) args.AddRange(["--batch-size", Num(b)]);
            if (settings.ShardRows is { } r) args.AddRange(["--shard-rows", Num(r)]);
            if (settings.Device is { } dev) args.AddRange(["--device", dev]);
            args.AddRange(settings.Args ?? []);
            if (teacherStep[c.Teacher] is null) files.Add(teacherWeights[c.Teacher]);
            files.AddRange(ethnicityFiles);
            steps.Add(new PlannedStep("cache/" + name, StepStage.Embed, args, outDir, DataDeps(teacherStep[c.Teacher], ethnicityStep), files, dirs,
                images, RateKeys("embed", model.Spec)));
        }

        private void AddManifest(string name, ManifestEntry m)
        {
            if (m.Caches.Count == 0) throw new UsageException($"manifests.{name}.caches: give at least one cache");
            var args = new List<string> { "manifest", "build", m.Recipe };
            foreach (var c in m.Caches)
            {
                if (!doc.Caches.ContainsKey(c)) throw new UsageException($"manifests.{name}.caches: no cache named '{c}'");
                args.AddRange(["--cache", Out("caches", c)]);
            }

            var outDir = Out("manifests", name);
            args.AddRange(["--out", outDir]);
            steps.Add(new PlannedStep("manifest/" + name, StepStage.Manifest, args, outDir, [.. m.Caches.Select(c => "cache/" + c)], [m.Recipe], [],
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
            var args = new List<string> { "train", "--manifest", Out("manifests", dk) };
            var datasets = manifest.Caches.SelectMany(c => doc.Caches.TryGetValue(c, out var ce) ? ce.Datasets : []).Distinct(StringComparer.Ordinal).ToList();
            var dirs = new List<string>();
            var files = new List<string>();
            foreach (var ds in datasets)
            {
                var entry = Dataset(ds, $"manifests.{dk}");
                args.AddRange(["--data-root", $"{ds}={entry.Path}"]);
                dirs.Add(entry.Path);
                if (entry.Landmarks is not null)
                {
                    // the student sees each image aligned as the cache's teacher saw it (train refuses a mismatch)
                    args.AddRange(["--landmarks", $"{ds}={entry.Landmarks}"]);
                    files.Add(entry.Landmarks);
                }
            }

            args.AddRange(["--model", model.Spec, "--loss", loss.Name, "--out", outDir]);
            var deps = DataDeps("manifest/" + dk);
            if (kd)
            {
                if (g.Cache is null || !doc.Caches.ContainsKey(g.Cache)) throw new UsageException($"{where}: kd true needs \"cache\" naming one of the caches");
                args.AddRange(["--cache", Out("caches", g.Cache)]);
                deps.Add("cache/" + g.Cache);
            }

            args.AddRange(TrainArgs(settings));
            var label = new RunLabel(id, loss.Display ?? loss.Name, model.Display ?? model.Spec, kd, manifest.Display ?? dk);
            var what = $"student {id}: {model.Display ?? model.Spec}, {loss.Display ?? loss.Name}, {manifest.Display ?? dk}, {(kd ? "KD" : "no KD")}" +
                (g.Table is null ? "" : $" [{g.Table}]");
            return new PlannedStep("student/" + id, StepStage.Student, args, outDir, deps, files, dirs,
                ManifestImages(dk, manifest) * (settings.Epochs ?? DefaultEpochs), RateKeys("train", model.Spec), label, what);
        }

        private static string ModelOf(PlannedStep s) => s.Args[s.Args.ToList().IndexOf("--model") + 1];

        private void AddEval(string id, string spec, string weights, string? trainStep, RunLabel label)
        {
            var e = doc.Eval;
            if (e is null) return;
            var outDir = Out("eval", id);
            var args = new List<string> { "eval", "--model", spec, "--weights", weights };
            var files = new List<string>();
            var dirs = new List<string>();
            double images = 0;
            if (e.Rfw is not null)
            {
                args.AddRange(["--rfw", e.Rfw]);
                dirs.Add(e.Rfw);
                images += e.RfwImages;
            }

            foreach (var (option, sets) in new[] { ("--lfw", e.Lfw), ("--pairs", e.Pairs) })
            {
                foreach (var ps in sets)
                {
                    args.AddRange([option, $"{ps.Name}={ps.Pairs}:{ps.Root}"]);
                    if (ps.Landmarks is not null)
                    {
                        args.AddRange(["--landmarks", $"{ps.Name}={ps.Landmarks}"]);
                        files.Add(ps.Landmarks);
                    }

                    files.Add(ps.Pairs);
                    dirs.Add(ps.Root);
                    images += ps.Images;
                }
            }

            foreach (var (name, b) in e.Bin.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                args.AddRange(["--bin", $"{name}={b.Path}"]);
                files.Add(b.Path);
                images += b.Images;
            }

            if (images == 0 && e.Rfw is null && e.Lfw.Count == 0 && e.Pairs.Count == 0 && e.Bin.Count == 0)
                throw new UsageException("eval: give at least one of rfw, lfw, pairs, bin");
            args.AddRange(["--out", outDir]);
            var settings = doc.Defaults.Eval;
            if (settings.BatchSize is { } bs) args.AddRange(["--batch-size", Num(bs)]);
            if (settings.Device is { } dev) args.AddRange(["--device", dev]);
            args.AddRange(settings.Args ?? []);
            if (trainStep is null) files.Add(weights);
            steps.Add(new PlannedStep("eval/" + id, StepStage.Eval, args, outDir, DataDeps(trainStep), files, dirs, images, RateKeys("eval", spec), label));
            evalDirs.Add(outDir);
        }

        private void AddReport()
        {
            if (doc.Report is not { } r || evalDirs.Count == 0) return;
            var outDir = r.Out ?? doc.Out;
            var args = new List<string> { "report" };
            args.AddRange(evalDirs);
            args.AddRange(["--out", outDir]);
            var files = new List<string>();
            if (r.Reference is not null)
            {
                args.AddRange(["--reference", r.Reference]);
                files.Add(r.Reference);
            }

            steps.Add(new PlannedStep("report", StepStage.Report, args, outDir, [.. steps.Where(s => s.Stage == StepStage.Eval).Select(s => s.Id)], files, [], 0, []));
        }

        private List<string> DatasetArgs(List<string> names, string where, out List<string> dirs, out List<string> files, out double images)
        {
            var args = new List<string>();
            dirs = [];
            files = [];
            images = 0;
            if (names.Count == 0) throw new UsageException($"{where}: give at least one dataset");
            foreach (var n in names)
            {
                var d = Dataset(n, where);
                if (d.Path.EndsWith(".rec", StringComparison.OrdinalIgnoreCase)) args.AddRange(["--rec", $"{n}={d.Path}"]);
                else args.AddRange(["--dataset", d.Layout is null ? $"{n}={d.Path}" : $"{n}={d.Path}:{d.Layout}"]);
                if (d.Landmarks is not null)
                {
                    args.AddRange(["--landmarks", $"{n}={d.Landmarks}"]);
                    files.Add(d.Landmarks);
                }

                dirs.Add(d.Path);
                images += d.Images;
            }

            return args;
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

        private static List<string> TrainArgs(TrainSettings s)
        {
            var a = new List<string>();
            if (s.Epochs is { } e) a.AddRange(["--epochs", Num(e)]);
            if (s.BatchSize is { } b) a.AddRange(["--batch-size", Num(b)]);
            if (s.Lr is { } lr) a.AddRange(["--lr", lr.ToString("R", CultureInfo.InvariantCulture)]);
            if (s.Milestones is { } ms) a.AddRange(["--milestones", string.Join(',', ms.Select(Num))]);
            if (s.Seed is { } seed) a.AddRange(["--seed", Num(seed)]);
            if (s.Device is { } dev) a.AddRange(["--device", dev]);
            if (s.Workers is { } w) a.AddRange(["--workers", Num(w)]);
            a.AddRange(s.Args ?? []);
            return a;
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
