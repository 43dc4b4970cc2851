using ExactConvexNN.Bench;

// Each benchmark is a named entry; run `-- list` to see them, `-- NAME [args]` to run one.
var benchmarks = new Dictionary<string, (string Description, Action<string[]> Run)>(StringComparer.OrdinalIgnoreCase)
{
};
BenchRegistry.Register(benchmarks);

if (args.Length == 0 || args[0] is "list" or "--help" or "-h")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/ExactConvexNN.Bench -- NAME [args]");
    foreach (var (name, (desc, _)) in benchmarks.OrderBy(b => b.Key)) Console.WriteLine($"  {name,-16} {desc}");
    return 0;
}
if (!benchmarks.TryGetValue(args[0], out var bench))
{
    Console.Error.WriteLine($"error: no benchmark named '{args[0]}' (run with 'list')");
    return 2;
}
bench.Run(args[1..]);
return 0;
