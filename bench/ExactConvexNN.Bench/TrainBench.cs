using System.Diagnostics;
using ExactConvexNN.Data;
using ExactConvexNN.Models;

namespace ExactConvexNN.Bench;

/// <summary>
/// Exact training end to end on Gaussian data in R^3 with targets from a planted two-neuron ReLU network plus noise,
/// beta = 0.01 (the sizes of the training issue's acceptance figures), and on a real data set.
/// Arguments: [n ...] (default 50 100 200); "--generic" also times the generic sparse KKT path. "recov-opt" is the
/// recovered network's objective minus the convex optimum, relative; "thin" the chambers left out as numerical slivers.
/// </summary>
public static class TrainBench
{
    public static void Run(string[] args)
    {
        bool generic = args.Contains("--generic");
        var sizes = args.Where(a => int.TryParse(a, out _)).Select(int.Parse).DefaultIfEmpty().ToArray();
        if (sizes is [0]) sizes = [50, 100, 200];
        ModelPipeline.Train(Planted(10, 3, 0), new ModelSpec { Beta = 0.01 }); // JIT warm-up
        Console.WriteLine($"{"data",-22} {"n",5} {"chambers",9} {"vars",9} {"iters",5} {"status",8} {"primal",14} {"rel.gap",9} {"neurons",7} {"recov-opt",9} {"thin",5} {"enum s",7} {"solve s",8} {"total s",8} {"CPU s",7} {"peak MiB",9}");
        foreach (int n in sizes)
        {
            Report($"planted R^3", Planted(n, 3, 42 + n), new ModelSpec { Beta = 0.01 }, new TrainingOptions());
            if (generic) Report($"planted R^3 (generic)", Planted(n, 3, 42 + n), new ModelSpec { Beta = 0.01 }, new TrainingOptions { StructuredSolver = false });
        }
        var root = FindProblems();
        if (root is not null && sizes.Max() >= 100)
        {
            // Real data: the first two features of iris (sepal length, width) with a bias, petal width as the target.
            var iris = CsvDataReader.Read(Path.Combine(root, "data", "iris.csv"), "label");
            var x = new double[iris.Rows, 2];
            var y = new double[iris.Rows];
            for (int i = 0; i < iris.Rows; i++) { x[i, 0] = iris.X[i, 0]; x[i, 1] = iris.X[i, 1]; y[i] = iris.X[i, 3]; }
            Report("iris sepal -> petal w", Dataset.Create(x, y, ["sepal_length", "sepal_width"], "petal_width", "iris"), new ModelSpec { Beta = 0.01, Bias = true }, new TrainingOptions());
        }
    }

    private static void Report(string name, Dataset data, ModelSpec model, TrainingOptions options)
    {
        TrainingResult? r = null;
        var (seconds, cpu, peak) = BenchRegistry.MeasureWithCpu(() => r = ModelPipeline.Train(data, model, options with { Certify = false }));
        Console.WriteLine($"{name,-22} {data.Rows,5} {r!.Chambers,9} {r.Program.Problem.Variables,9} {r.Solution.Iterations,5} {r.Status,8} {r.Primal,14:G8} {r.RelativeGap,9:E1} {r.Network.NeuronCount,7} {(r.RecoveredObjective - r.Primal) / Math.Max(1e-300, Math.Abs(r.Primal)),9:E1} {r.ThinChambers,5} {r.PrepareSeconds,7:F2} {r.SolveSeconds,8:F2} {seconds,8:F2} {cpu,7:F2} {peak,9:F0}");
    }

    private static string? FindProblems()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems", "data"))) dir = dir.Parent;
        return dir is null ? null : Path.Combine(dir.FullName, "problems");
    }

    /// <summary>The planted data of the benchmark (see <see cref="SyntheticData.PlantedRelu"/>).</summary>
    public static Dataset Planted(int n, int d, int seed) => SyntheticData.PlantedRelu(n, d, seed);
}
