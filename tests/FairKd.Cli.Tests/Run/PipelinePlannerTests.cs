using FairKd.Core;
using FairKd.Core.Run;
using FairKd.Stages.Run;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Run;

public class PipelinePlannerTests
{
    private static IReadOnlyList<PlannedStep> Study() =>
        PipelinePlanner.Plan(PipelineLoader.Load(Path.Combine(RepoPaths.Root, "pipelines/study.json")));

    [Fact]
    public void Study_grid_has_every_model_of_the_papers_tables()
    {
        var steps = Study();
        var trained = steps.Where(s => s.Trains).ToList();
        Assert.Equal(2, trained.Count(s => s.Stage == StepStage.Teacher));
        var students = trained.Where(s => s.Stage == StepStage.Student).Select(s => s.Id).ToList();
        Assert.Equal(34, students.Count);
        // main grid: 2 backbones x 3 data x 2 losses x KD on/off
        Assert.Equal(24, students.Count(id => (id.Contains("/r34-", StringComparison.Ordinal) || id.Contains("/mbf-", StringComparison.Ordinal))
            && (id.Contains("-real-", StringComparison.Ordinal) || id.Contains("-synthetic-", StringComparison.Ordinal) || id.Contains("-mix-", StringComparison.Ordinal))));
        Assert.Equal(4, students.Count(id => id.StartsWith("student/r50-", StringComparison.Ordinal)));
        Assert.Equal(6, students.Count(id => id.Contains("dcface", StringComparison.Ordinal) || id.Contains("idiff", StringComparison.Ordinal)));
        // every trained model is evaluated, then one report over all evaluations
        Assert.Equal(36, steps.Count(s => s.Stage == StepStage.Eval));
        Assert.Equal(36, steps.Single(s => s.Stage == StepStage.Report).DependsOn.Count);
    }

    [Fact]
    public void Steps_come_after_their_dependencies_and_ids_are_unique()
    {
        var steps = Study();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in steps)
        {
            Assert.All(s.DependsOn, d => Assert.Contains(d, seen));
            Assert.True(seen.Add(s.Id), s.Id);
        }
    }

    [Fact]
    public void Kd_students_read_the_teacher_cache_and_scratch_students_do_not()
    {
        var steps = Study();
        var kd = steps.Single(s => s.Id == "student/r34-elastic-mix-kd");
        var scratch = steps.Single(s => s.Id == "student/r34-elastic-mix-scratch");
        Assert.Equal(["manifest/mix", "cache/adaface"], kd.DependsOn);
        Assert.Contains("--cache", kd.Args);
        Assert.DoesNotContain("--cache", scratch.Args);
        Assert.Equal("elasticarcface", kd.Args[kd.Args.ToList().IndexOf("--loss") + 1]);
        Assert.Equal("adaface-study", steps.Single(s => s.Id == "student/mbf-adaface-real-kd").Args.SkipWhile(a => a != "--loss").ElementAt(1));
        // the mix manifest spans all four datasets, so the student gets a data root for each
        Assert.Equal(4, kd.Args.Count(a => a == "--data-root"));
        Assert.True(kd.Label!.Distillation);
        Assert.Equal("Mix", kd.Label.Data);
        Assert.Equal("ResNet 34", kd.Label.Model);
        Assert.Equal(26 * 1200000.0, kd.WorkImages);
    }

    [Fact]
    public void Given_weights_are_inputs_and_trained_weights_are_dependencies()
    {
        var steps = Study();
        var cache = steps.Single(s => s.Id == "cache/adaface");
        Assert.Contains("teacher/adaface", cache.DependsOn);
        Assert.Contains("/models/ethnicity/classifier.pth", cache.ExternalFiles);
        Assert.Contains("runs/study/teachers/adaface/backbone.pth", cache.Args);
        Assert.Equal(["teacher/elastic"], steps.Single(s => s.Id == "eval/teacher-elastic").DependsOn);
    }

    private static PipelineDocument Doc(string body) => PipelineLoader.Parse($$"""
        { "schemaVersion": 1, "out": "o",
          "datasets": { "real": { "path": "/d/real", "layout": "group/identity/image", "images": 100 } },
          {{body}} }
        """, "p.json");

    [Theory]
    [InlineData(""" "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "weights": "w.pth", "datasets": ["real"] } } """, "either \"weights\"")]
    [InlineData(""" "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["fake"] } } """, "no dataset named 'fake'")]
    [InlineData(""" "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"] } }, "caches": { "c": { "teacher": "u", "datasets": ["real"] } } """, "no teacher named 'u'")]
    [InlineData(""" "ethnicity": { "fromFolders": true, "file": "p.txt" } """, "exactly one of")]
    [InlineData(""" "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"] } }, "caches": { "c": { "teacher": "t", "datasets": ["real"] } }, "manifests": { "m": { "recipe": "r.json", "caches": ["c"] } }, "students": [ { "models": ["iresnet18"], "losses": ["arcface"], "data": ["m"], "kd": [true] } ] """, "kd true needs \"cache\"")]
    [InlineData(""" "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"] } }, "caches": { "c": { "teacher": "t", "datasets": ["real"] } }, "manifests": { "m": { "recipe": "r.json", "caches": ["c"] } }, "students": [ { "id": "same", "models": ["iresnet18", "mobilefacenet"], "losses": ["arcface"], "data": ["m"] } ] """, "two steps are named 'student/same'")]
    [InlineData(""" "defaults": { "train": { "args": ["--kd-lambda", "3"] } }, "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"] } } """, "extra arguments are no longer passed through")]
    public void Refuses_inconsistent_pipelines(string body, string message)
    {
        var e = Assert.Throws<UsageException>(() => PipelinePlanner.Plan(Doc(body)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_teacher_is_not_trained_on_a_recordio_pack()
    {
        var doc = PipelineLoader.Parse("""
            { "schemaVersion": 1, "out": "o", "datasets": { "ms1m": { "path": "/d/ms1m/train.rec" } },
              "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["ms1m"] } } }
            """, "p.json");
        var e = Assert.Throws<UsageException>(() => PipelinePlanner.Plan(doc));
        Assert.Contains("is a RecordIO pack; `fairkd train` reads image folders", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_settings_reach_the_options_records()
    {
        var doc = Doc("""
            "defaults": { "train": { "valSplit": 0.1, "select": "best-val", "kdLambda": 3, "threads": 2 }, "eval": { "bootstrap": 200 } },
            "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"] } },
            "caches": { "c": { "teacher": "t", "datasets": ["real"], "embed": { "workers": 3, "shardRows": 64 } } },
            "manifests": { "m": { "recipe": "r.json", "caches": ["c"] } },
            "students": [ { "models": ["iresnet18"], "losses": ["arcface"], "data": ["m"], "kd": [false, true], "cache": "c" } ],
            "eval": { "rfw": "/d/rfw" }
            """);
        var steps = PipelinePlanner.Plan(doc);
        var kd = (FairKd.Stages.Train.TrainOptions)steps.Single(s => s.Stage == StepStage.Student && s.Id.EndsWith("-kd", StringComparison.Ordinal)).Options;
        var scratch = (FairKd.Stages.Train.TrainOptions)steps.Single(s => s.Stage == StepStage.Student && s.Id.EndsWith("-scratch", StringComparison.Ordinal)).Options;
        Assert.Equal((0.1, "best-val", 3.0, 2), (kd.ValSplit!.Value, kd.Select, kd.KdLambda!.Value, kd.Threads!.Value));
        Assert.Null(scratch.KdLambda); // no KD, no KD weight
        Assert.Equal(["--val-split", "0.1"], kd.ToArgs().SkipWhile(a => a != "--val-split").Take(2));
        var embed = (FairKd.Stages.Embed.EmbedOptions)steps.Single(s => s.Stage == StepStage.Embed).Options;
        Assert.Equal((3, 64), (embed.Workers, embed.ShardRows));
        Assert.All(steps.Where(s => s.Stage == StepStage.Eval), s => Assert.Equal(200, ((FairKd.Stages.Eval.EvalOptions)s.Options).Bootstrap));
    }

    [Fact]
    public void Built_manifests_give_their_real_image_count_to_estimates()
    {
        var doc = Doc("""
            "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"], "train": { "epochs": 2 } } },
            "caches": { "c": { "teacher": "t", "datasets": ["real"] } },
            "manifests": { "m": { "recipe": "r.json", "caches": ["c"] } },
            "students": [ { "models": ["iresnet18"], "losses": ["arcface"], "data": ["m"], "train": { "epochs": 3 } } ]
            """);
        var declared = PipelinePlanner.Plan(doc).Single(s => s.Stage == StepStage.Student);
        Assert.Equal(300, declared.WorkImages); // no count declared: the datasets' 100 images x 3 epochs
        var built = PipelinePlanner.Plan(doc, dir => dir == Path.Combine("o", "manifests", "m") ? 40 : null).Single(s => s.Stage == StepStage.Student);
        Assert.Equal(120, built.WorkImages);
        Assert.Equal(200, PipelinePlanner.Plan(doc).Single(s => s.Stage == StepStage.Teacher).WorkImages);
    }

    [Fact]
    public void Students_get_the_landmarks_their_datasets_were_cached_with()
    {
        var doc = PipelineLoader.Parse("""
            { "schemaVersion": 1, "out": "o",
              "datasets": { "real": { "path": "/d/real", "layout": "group/identity/image", "images": 100 },
                            "loose": { "path": "/d/loose", "layout": "group/identity/image", "landmarks": "/d/loose/lmk.txt", "images": 50 } },
              "teachers": { "t": { "model": "iresnet18", "loss": "arcface", "datasets": ["real"] } },
              "caches": { "c": { "teacher": "t", "datasets": ["real", "loose"] } },
              "manifests": { "m": { "recipe": "r.json", "caches": ["c"] } },
              "students": [ { "models": ["iresnet18"], "losses": ["arcface"], "data": ["m"], "kd": [true, false], "cache": "c" } ] }
            """, "p.json");
        var steps = PipelinePlanner.Plan(doc);
        var cache = steps.Single(s => s.Stage == StepStage.Embed);
        Assert.Equal("loose=/d/loose/lmk.txt", cache.Args[cache.Args.ToList().IndexOf("--landmarks") + 1]);
        var students = steps.Where(s => s.Stage == StepStage.Student).ToList();
        Assert.Equal(2, students.Count);
        foreach (var st in students)
        {
            var args = st.Args.ToList();
            Assert.Equal(["loose=/d/loose/lmk.txt"], args.Select((a, i) => (a, i)).Where(t => t.a == "--landmarks").Select(t => args[t.i + 1]));
            Assert.Contains("/d/loose/lmk.txt", st.ExternalFiles);
        }
    }

    [Theory]
    [InlineData("pipelines/study.json")]
    [InlineData("pipelines/demo.json")]
    public void The_committed_pipelines_load_and_plan(string file)
    {
        var doc = PipelineLoader.Load(Path.Combine(RepoPaths.Root, file));
        var steps = PipelinePlanner.Plan(doc);
        Assert.NotEmpty(steps);
        Assert.Contains(steps, s => s.Stage == StepStage.Report);
    }
}
