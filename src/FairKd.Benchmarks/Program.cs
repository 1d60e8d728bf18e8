namespace FairKd.Benchmarks;

/// <summary>`make bench` entry point: runs each benchmark suite and writes its Markdown results beside this project.
/// usage: FairKd.Benchmarks all | align [options] | eval | eval-embed [options] | sampling [options]</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: FairKd.Benchmarks all | align [--seconds S] [--images N] [--out FILE] | eval | eval-embed [--spec SPEC] [--rounds N] [--batch-size N] [--threads N] [--fairkd PATH] [--work DIR] | sampling");
            return 2;
        }

        return args[0] switch
        {
            "align" => AlignBenchmark.Run(args[1..]),
            "eval" => EvalBenchmark.Run(),
            "eval-embed" => EvalEmbedBenchmark.Run(args[1..]),
            "sampling" => SamplingBenchmark.Run(args[1..]),
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
        return rc;
    }

    private static int Usage(string suite)
    {
        Console.Error.WriteLine($"unknown benchmark suite '{suite}': use all, align, eval, eval-embed or sampling");
        return 2;
    }
}
