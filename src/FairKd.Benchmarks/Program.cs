namespace FairKd.Benchmarks;

/// <summary>`make bench` entry point: runs each benchmark suite and writes its Markdown results beside this project.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "sampling") return SamplingBenchmark.Run(args[1..]);
        Console.WriteLine("FairKd benchmarks: suites register here as they land.");
        return args.Length == 0 ? 0 : 2;
    }
}
