namespace FairKd.Benchmarks;

/// <summary>`make bench` entry point: runs each benchmark suite and writes its Markdown results beside this project.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("FairKd benchmarks: suites register here as they land.");
        if (args is ["eval"]) return EvalBenchmark.Run();
        return args.Length == 0 ? 0 : 2;
    }
}
