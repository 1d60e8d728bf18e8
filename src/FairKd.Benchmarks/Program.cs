namespace FairKd.Benchmarks;

/// <summary>`make bench` entry point: runs each benchmark suite and writes its Markdown results beside this project.
/// usage: FairKd.Benchmarks all | align [options]</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: FairKd.Benchmarks all | align [--seconds S] [--images N] [--out FILE]");
            return 2;
        }

        return args[0] switch
        {
            "align" => AlignBenchmark.Run(args[1..]),
            "all" => AlignBenchmark.Run([]),
            _ => Usage(args[0]),
        };
    }

    private static int Usage(string suite)
    {
        Console.Error.WriteLine($"unknown benchmark suite '{suite}': use all or align");
        return 2;
    }
}
