using System.Diagnostics;
using System.Globalization;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Bench;

/// <summary>
/// The two-layer ReLU CNN of Ergen &amp; Pilanci (ICLR 2021) trained exactly, against first-order runs:
/// <list type="number">
/// <item>the paper's synthetic experiment: n = 6 signals of length 15 (problems/cnn_signals.csv), filters of length
/// 10 with stride 5 (K = 2 patches: 12 patch rows in R^10), beta 0.1: chambers, the certified optimum and its time, the
/// same-size fully connected program (the 12 patch rows as samples) for comparison, and SGD/Adam from 5 seeds each
/// (picture: cnn_signals.svg in the current folder);</item>
/// <item>8x8 digits 3 vs 8 (targets 0/1, pixels / 16), 2 x 2 filters with stride 3 (9 patches): exact on the first
/// rows, sampled patterns (an upper bound only) on more.</item>
/// </list>
/// Arguments: [--beta B] [--neurons m] [--epochs E] [--digits N] [--sampled N] [--sample K].
/// </summary>
public static class CnnBench
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        double D(string name, double fallback) => Arg(args, name) is string v ? double.Parse(v, Ci) : fallback;
        double beta = D("--beta", 0.1);
        int neurons = (int)D("--neurons", 10), epochs = (int)D("--epochs", 2000);
        string root = FindProblems() ?? throw new DirectoryNotFoundException("problems/ not found; run from the repository");

        // 1. The synthetic experiment.
        var signals = CsvDataReader.Read(Path.Combine(root, "cnn_signals.csv"));
        var model = new ModelSpec { Beta = beta, Image = ImageShape.ForSignal(1, 15, 10, 5) };
        ModelPipeline.Train(signals, model with { Image = ImageShape.ForSignal(1, 15, 15, 1) }); // JIT warm-up
        var clock = Stopwatch.StartNew();
        var exact = ModelPipeline.Train(signals, model);
        double seconds = clock.Elapsed.TotalSeconds;
        var cert = exact.Certificate!;
        Console.WriteLine(FormattableString.Invariant($"signals: n = {signals.Rows}, d = 15, filters of length 10, stride 5 (K = 2), beta {beta}"));
        Console.WriteLine(FormattableString.Invariant($"  exact CNN: {exact.Chambers} chambers, status {exact.Status}, optimum {exact.RecoveredObjective:R}, lower bound {cert.LowerBound:R} (relative gap {cert.RelativeGap:E2}, certified {cert.CertifiedOptimal}), {exact.Network.NeuronCount} filters"));
        Console.WriteLine(FormattableString.Invariant($"  time {seconds:F2} s (enumeration {exact.PrepareSeconds:F2} s, solve {exact.SolveSeconds:F2} s, {exact.Solution.Iterations} iterations, certificate {exact.CertificateSeconds:F2} s)"));

        // The fully connected program of the same size: the 12 patch rows as samples (same arrangement, same blocks).
        var patches = exact.Network.Architecture.StackedPatches(signals.X);
        var fcTargets = Enumerable.Range(0, patches.X.GetLength(0)).Select(r => signals.Y![r % signals.Rows]).ToArray();
        clock.Restart();
        var fc = ModelPipeline.Train(Dataset.Create(patches.X, fcTargets), new ModelSpec { Beta = beta });
        Console.WriteLine(FormattableString.Invariant($"  same-size FC program (12 patch rows as samples): {fc.Chambers} chambers, {fc.Program.Problem.Variables:N0} variables, {clock.Elapsed.TotalSeconds:F2} s (solve {fc.SolveSeconds:F2} s, {fc.Solution.Iterations} iterations) vs CNN {exact.Program.Problem.Variables:N0} variables"));

        var curves = new List<ConvergenceCurve>();
        Console.WriteLine($"  {"run",-16} {"final objective",16} {"above optimum",14} {"own bound",12} {"seconds",8}");
        foreach (var optimizer in new[] { NonconvexOptimizer.Sgd, NonconvexOptimizer.Adam })
            for (int seed = 1; seed <= 5; seed++)
            {
                var run = NonconvexTrainer.Train(signals, model, new NonconvexOptions
                {
                    Neurons = neurons, Optimizer = optimizer, Epochs = epochs, Seed = seed, BatchSize = optimizer == NonconvexOptimizer.Sgd ? 1 : null,
                    LearningRate = optimizer == NonconvexOptimizer.Sgd ? 1e-3 : null,
                });
                var own = ModelPipeline.Verify(run.Network, signals, beta, new CertificateRequest { Arrangement = exact.Arrangement });
                string name = $"{NonconvexTrainer.Name(optimizer)} seed {seed}";
                Console.WriteLine(FormattableString.Invariant($"  {name,-16} {run.Objective,16:G10} {(run.Objective - cert.LowerBound) / cert.LowerBound,14:E2} {own.LowerBound,12:G6} {run.Seconds,8:F2}"));
                if (run.Objective < cert.LowerBound - 1e-9 * Math.Abs(cert.LowerBound)) Console.WriteLine("  !! below the certified bound: a bug");
                curves.Add(new ConvergenceCurve(name, run.History));
            }
        File.WriteAllText("cnn_signals.svg", ConvergenceSvg.Render(curves, cert.LowerBound,
            "SGD and Adam from 5 initializations vs the certified optimum (ReLU CNN)",
            FormattableString.Invariant($"cnn_signals.csv: n = 6, d = 15, filters of length 10, stride 5; beta = {beta}; m = {neurons} filters, {epochs} epochs")));
        Console.WriteLine("  picture: cnn_signals.svg");

        // 2. Digits 3 vs 8.
        int exactRows = (int)D("--digits", 10), sampledRows = (int)D("--sampled", 100), k = (int)D("--sample", 2000);
        var all = CsvDataReader.Read(Path.Combine(root, "data", "digits8x8.csv.gz"));
        var pair = new DataSelection { Labels = DataSelection.ParseLabels("3,8"), Scale = 16 }.Apply(all);
        var shape = new ImageShape(1, 8, 8, 2, 3);
        foreach (var (rows, sample) in new[] { (exactRows, (int?)null), (sampledRows, k) })
        {
            var train = new DataSelection { Rows = RowRange.Parse($":{rows}") }.Apply(pair);
            var test = new DataSelection { Rows = RowRange.Parse($"{rows}:") }.Apply(pair);
            clock.Restart();
            var r = ModelPipeline.Train(train, new ModelSpec { Beta = beta, Image = shape }, new TrainingOptions { Sample = sample, MaxPatterns = 2_000_000 });
            double Acc(Dataset d) { var f = r.Network.Outputs(d.X); return Enumerable.Range(0, d.Rows).Count(i => (f[i, 0] > 0.5) == (d.Y![i] > 0.5)) / (double)d.Rows; }
            string kind = sample is null ? $"exact, {r.Chambers} chambers, certified {r.Certificate?.CertifiedOptimal}" : $"{r.Chambers} SAMPLED patterns: an UPPER BOUND on the optimum";
            Console.WriteLine(FormattableString.Invariant($"digits 3 vs 8, first {rows} rows, 2x2 filters stride 3 (9 patches), beta {beta}: {kind}"));
            Console.WriteLine(FormattableString.Invariant($"  status {r.Status}, objective {r.RecoveredObjective:G10}, {r.Network.NeuronCount} filters, train accuracy {Acc(train):P1}, test accuracy {Acc(test):P1} ({test.Rows} rows), {clock.Elapsed.TotalSeconds:F1} s"));
        }
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string? FindProblems()
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems", "data"))) dir = dir.Parent;
        return dir is null ? null : Path.Combine(dir.FullName, "problems");
    }
}
