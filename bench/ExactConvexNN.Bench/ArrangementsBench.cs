using ExactConvexNN.Data;
using ExactConvexNN.Arrangements;

namespace ExactConvexNN.Bench;

/// <summary>Exact chamber enumeration on Gaussian data: the sizes of the arrangement issue's acceptance figures.</summary>
public static class ArrangementsBench
{
    public static void Run(string[] args)
    {
        int repeats = args.Length > 0 ? int.Parse(args[0]) : 3;
        (int N, int D)[] sizes = [(200, 3), (1000, 2), (50, 4), (100, 3), (30, 5)];
        // Warm up the JIT on a small case.
        ArrangementEnumerator.Enumerate(SyntheticData.Gaussian(20, 3, 0));
        Console.WriteLine($"{"n",6} {"d",3} {"chambers",10} {"expected",10} {"best s",9} {"cpu s",7} {"us/chamber",11} {"KiB/chamber",12} {"count s",8}");
        foreach (var (n, d) in sizes)
        {
            var x = SyntheticData.Gaussian(n, d, 42);
            double best = double.MaxValue, bestCpu = double.MaxValue; Arrangement? a = null; long bytes = 0;
            for (int r = 0; r < repeats; r++)
            {
                long before = GC.GetTotalAllocatedBytes(true);
                var (s, cpu, _) = BenchRegistry.MeasureWithCpu(() => a = ArrangementEnumerator.Enumerate(x, new ArrangementOptions { IndependentCount = false }));
                bytes = GC.GetTotalAllocatedBytes(true) - before;
                best = Math.Min(best, s);
                bestCpu = Math.Min(bestCpu, cpu);
            }
            var countClock = System.Diagnostics.Stopwatch.StartNew();
            var counted = ArrangementEnumerator.Enumerate(x).ExpectedChambers;
            double countSeconds = countClock.Elapsed.TotalSeconds;
            long retained = EstimateRetained(a!);
            Console.WriteLine($"{n,6} {d,3} {a!.Chambers.Count,10} {counted,10} {best,9:F3} {bestCpu,7:F3} {1e6 * best / a.Chambers.Count,11:F2} {retained / 1024.0 / a.Chambers.Count,12:F3} {countSeconds,8:F3}   (allocated {bytes / 1048576.0:F0} MiB in total)");
        }
    }

    /// <summary>Bytes the result keeps per chamber: pattern words, witness, facet rows and object headers (approximate).</summary>
    private static long EstimateRetained(Arrangement a)
    {
        long total = 0;
        foreach (var c in a.Chambers)
            total += 48 + 8 * c.PatternBits.Length + 32 + c.Witness.Sum(w => 16 + (long)w.GetByteCount()) + 24 + 4 * (c.FacetRows?.Length ?? 0);
        return total;
    }
}
