using System.Diagnostics;
using ExactConvexNN.Data;
using ExactConvexNN.Models;

namespace ExactConvexNN.Bench;

/// <summary>
/// The regularization path warm-started (<see cref="ModelPath.Run"/>: chambers and beta_max once, working sets of chambers
/// carried down the path, every point certified over every chamber) against the same betas trained cold, one
/// <see cref="ModelPipeline.Train"/> each. Arguments: [DATA] (default problems/iris_sepal.csv with a bias) [--path N]
/// (default 20) [--no-cold] [--profile: the warm path's seconds per phase]. Prints each beta's objective, neurons, certificate and seconds for both, the largest
/// relative difference of the objectives, and the totals.
/// </summary>
public static class PathBench
{
    public static void Run(string[] args)
    {
        int pi = Array.IndexOf(args, "--path");
        int count = pi >= 0 && pi + 1 < args.Length ? int.Parse(args[pi + 1]) : 20;
        string file = args.FirstOrDefault(a => a.EndsWith(".csv", StringComparison.Ordinal)) ?? Path.Combine(TrainBenchProblems(), "iris_sepal.csv");
        var data = CsvDataReader.Read(file);
        var model = new ModelSpec { Beta = 1, Bias = true };
        var betas = ModelPath.LogSpaced(data, model, count);
        Console.WriteLine($"{file}: n = {data.Rows}, {count} betas from {betas[0]:G6} down to {betas[^1]:G6}; load average {Load()}");
        var clock = Stopwatch.StartNew();
        ExactConvexNN.Solver.Kkt.SolverProfile.Reset();
        var warm = ModelPath.Run(data, model, betas);
        double warmSeconds = clock.Elapsed.TotalSeconds;
        if (args.Contains("--profile")) Console.WriteLine("warm profile s: " + string.Join(", ", Enum.GetValues<ExactConvexNN.Solver.Kkt.ProfilePhase>().Select(p => $"{p} {ExactConvexNN.Solver.Kkt.SolverProfile.Seconds(p):F2} ({ExactConvexNN.Solver.Kkt.SolverProfile.Calls(p)})")));
        IReadOnlyList<TrainingResult>? cold = null;
        double coldSeconds = double.NaN;
        if (!args.Contains("--no-cold"))
        {
            clock.Restart();
            cold = ModelPath.Run(data, model, betas, warm: false);
            coldSeconds = clock.Elapsed.TotalSeconds;
        }
        Console.WriteLine($"{"beta",12} {"warm objective",18} {"neurons",7} {"cert",5} {"warm s",7} {"cold objective",18} {"neurons",7} {"cert",5} {"cold s",7}");
        double worst = 0;
        for (int i = 0; i < betas.Length; i++)
        {
            var w = warm[i];
            string line = $"{betas[i],12:G6} {w.RecoveredObjective,18:G12} {w.Network.NeuronCount,7} {(w.Certificate?.CertifiedOptimal == true ? "yes" : "NO"),5} {w.Seconds,7:F2}";
            if (cold is not null)
            {
                var c = cold[i];
                worst = Math.Max(worst, Math.Abs(w.RecoveredObjective - c.RecoveredObjective) / Math.Max(1e-300, Math.Abs(c.RecoveredObjective)));
                line += $" {c.RecoveredObjective,18:G12} {c.Network.NeuronCount,7} {(c.Certificate?.CertifiedOptimal == true ? "yes" : "NO"),5} {c.Seconds,7:F2}";
            }
            Console.WriteLine(line);
        }
        Console.WriteLine($"warm path {warmSeconds:F1} s, cold {coldSeconds:F1} s ({coldSeconds / warmSeconds:F1}x); largest relative objective difference {worst:E1}; load average {Load()}");
    }

    private static string TrainBenchProblems()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "problems", "iris_sepal.csv"))) dir = dir.Parent;
        return dir is null ? "problems" : Path.Combine(dir.FullName, "problems");
    }

    private static string Load()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }
}
