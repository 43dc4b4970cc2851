using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;

namespace ExactConvexNN.Bench;

/// <summary>
/// <c>maros DIR [--time-limit S] [--only NAME,NAME] [--reg EPS] [--equilibration PASSES] [--max-iter K] [--verbose]</c>: solves every <c>*.QPS.gz</c> (or plain <c>.QPS</c>) file of a
/// Maros-Meszaros folder (decompressed in memory, never written), and compares the objective with the reference optimum
/// of <c>optima.tsv</c> (columns name ... optimum). Prints one line per file (name, n, m, status, iterations, seconds,
/// objective, reference, relative error |f - f*| / max(1, |f*|), relative gap of the reported objectives, KKT solver) and a summary: how many are solved with a relative error
/// of at most 1e-6 (the reference has 8 significant digits), how many end with each status, and the total time. Files
/// the reader refuses are listed with the reader's message and counted apart.
/// </summary>
public static class MarosBench
{
    private const double Accurate = 1e-6;

    public static void Run(string[] args)
    {
        string? dir = null; double timeLimit = 60; HashSet<string>? only = null;
        var settings = new SolverSettings();
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--time-limit": timeLimit = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = new HashSet<string>(args[++i].Split(','), StringComparer.OrdinalIgnoreCase); break;
                case "--reg": settings = settings with { StaticRegularization = double.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--equilibration": settings = settings with { EquilibrationIterations = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--max-iter": settings = settings with { MaxIterations = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--verbose": settings = settings with { Verbose = true }; break;
                default: dir = args[i]; break;
            }
        if (dir is null || !Directory.Exists(dir)) { Console.Error.WriteLine("usage: maros DIR [--time-limit S] [--only NAME,NAME] [--reg EPS] [--equilibration PASSES] [--max-iter K] [--verbose]"); return; }
        var optima = ReadOptima(Path.Combine(dir, "optima.tsv"));
        var files = Directory.GetFiles(dir).Where(f => f.EndsWith(".QPS.gz", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".QPS", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        settings = settings with { TimeLimitSeconds = timeLimit };
        Console.WriteLine($"Maros-Meszaros: {files.Count} files in {dir}, time limit {timeLimit} s per file");
        Console.WriteLine($"{"name",-10} {"n",6} {"m",6}  {"status",-17} {"iters",5} {"seconds",8}  {"objective",16} {"reference",16} {"rel.err",9} {"rel.gap",8}  kkt");
        int accurate = 0, refused = 0; double total = 0;
        var byStatus = new SortedDictionary<string, int>();
        var inaccurate = new List<string>();
        var violations = new List<string>();
        foreach (var file in files)
        {
            string name = Path.GetFileName(file).Split('.')[0];
            if (only is not null && !only.Contains(name)) continue;
            ProblemFile problem;
            try
            {
                using var stream = File.OpenRead(file);
                using Stream data = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
                using var reader = new StreamReader(data);
                problem = QpsReader.Read(reader, name, name);
            }
            catch (InputException e)
            {
                refused++;
                Console.WriteLine($"{name,-10} refused by the reader: {e.Message}");
                continue;
            }
            var sw = Stopwatch.StartNew();
            var r = ConicSolver.Solve(problem.Problem, settings);
            double seconds = sw.Elapsed.TotalSeconds;
            total += seconds;
            double f = problem.ToFileSense(r.PrimalObjective);
            double reference = optima.TryGetValue(name, out var o) ? o : double.NaN;
            double err = Math.Abs(f - reference) / Math.Max(1.0, Math.Abs(reference));
            string status = r.Status.ToName();
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            bool ok = r.Status == SolverStatus.Solved && err <= Accurate;
            if (ReportedInvariant.Violation(problem.Problem, r, settings) is string violation) violations.Add($"{name}: {violation}");
            if (ok) accurate++; else inaccurate.Add($"{name} ({status}, rel.err {err:0.0e+00})");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {problem.Problem.Variables,6} {problem.Problem.Constraints,6}  {status,-17} {r.Iterations,5} {seconds,8:F2}  {f,16:G10} {reference,16:G8} {err,9:0.0e+00} {RelativeGap(r),8:0.0e+00}  {r.KktSolver}{(r.Retries > 0 ? $" (+{r.Retries} retry)" : "")}"));
        }
        int run = byStatus.Values.Sum();
        Console.WriteLine();
        Console.WriteLine($"summary: {accurate} of {run} solved with relative error <= {Accurate:0e+0}; refused by the reader: {refused}; total solve time {total:F1} s");
        Console.WriteLine("statuses: " + string.Join(", ", byStatus.Select(kv => $"{kv.Key} {kv.Value}")));
        if (inaccurate.Count > 0) Console.WriteLine("not solved to 1e-6: " + string.Join("; ", inaccurate));
        Console.WriteLine($"solved invariant (reported point meets its status's tolerances in original units): {run - violations.Count} of {run} hold"
            + (violations.Count > 0 ? "; violated by " + string.Join("; ", violations) : ""));
    }

    /// <summary>|primal - dual| / max(1, min(|primal|, |dual|)) of the reported objectives.</summary>
    private static double RelativeGap(SolverResult r) =>
        Math.Abs(r.PrimalObjective - r.DualObjective) / Math.Max(1.0, Math.Min(Math.Abs(r.PrimalObjective), Math.Abs(r.DualObjective)));

    /// <summary>name -> optimum from the tab-separated table (header line first, optimum in the last column).</summary>
    private static Dictionary<string, double> ReadOptima(string path)
    {
        var d = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path)) return d;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var t = line.Split('\t');
            if (t.Length >= 2 && double.TryParse(t[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) d[t[0]] = v;
        }
        return d;
    }
}
