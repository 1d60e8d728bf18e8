namespace FairKd.Benchmarks;

/// <summary>`make bench` entry point: runs each benchmark suite and writes its Markdown results beside this project.
/// usage: FairKd.Benchmarks all | align | eval | eval-embed | sampling | teacher | embed | onnx | train | train-peer | scale [options]</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        FairKd.Torch.Runtime.OneDnnIsa.Apply(); // what fairkd runs (README "Numerics")
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: FairKd.Benchmarks all | align [--seconds S] [--images N] [--out FILE] | eval | eval-embed [--spec SPEC] [--rounds N] | sampling | teacher [--models A,B] [--rounds R] | embed [--images N] [--rounds R] | onnx [--model FILE.onnx] [--rounds R] | train [--steps N] [--students A,B] | train-peer [--models A,B] [--steps K] [--rounds R] [--threads N] | scale [--keys N] [--big-keys N] [--identities N] [--rounds R] [--seconds S] [--steps N] [--step-batch B] [--work DIR] [--skip-step] [--skip-manifest] [--manifest-only] [--keep]");
            return 2;
        }

        return args[0] switch
        {
            "align" => AlignBenchmark.Run(args[1..]),
            "eval" => EvalBenchmark.Run(),
            "eval-embed" => EvalEmbedBenchmark.Run(args[1..]),
            "sampling" => SamplingBenchmark.Run(args[1..]),
            "teacher" => TeacherBenchmark.Run(args[1..]),
            "embed" => EmbedBenchmark.Run(args[1..]),
            "embed-teacher-only" => EmbedBenchmark.TeacherOnlyMain(args[1..]),
            "onnx" => OnnxBenchmark.Run(args[1..]),
            "onnx-plain" => OnnxBenchmark.PlainMain(args[1..]),
            "train" => TrainBenchmark.Run(args[1..]),
            "train-peer" => TrainStepPeerBenchmark.Run(args[1..]),
            "scale" => ScaleBenchmark.Run(args[1..]),
            "all" => All(),
            _ => Usage(args[0]),
        };
    }

    private static int All()
    {
        var rc = AlignBenchmark.Run([]);
        rc = Math.Max(rc, EvalBenchmark.Run());
        rc = Math.Max(rc, EvalEmbedBenchmark.Run([]));
        rc = Math.Max(rc, SamplingBenchmark.Run([]));
        rc = Math.Max(rc, TeacherBenchmark.Run([]));
        rc = Math.Max(rc, EmbedBenchmark.Run([]));
        rc = Math.Max(rc, OnnxBenchmark.Run([]));
        rc = Math.Max(rc, TrainBenchmark.Run([]));
        rc = Math.Max(rc, TrainStepPeerBenchmark.Run([]));
        return rc;
    }

    private static int Usage(string suite)
    {
        Console.Error.WriteLine($"unknown benchmark suite '{suite}': use all, align, eval, eval-embed, sampling, teacher, embed, onnx, train, train-peer or scale");
        return 2;
    }
}
