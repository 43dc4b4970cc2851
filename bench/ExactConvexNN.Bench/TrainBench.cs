using System.Diagnostics;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver.Kkt;

namespace ExactConvexNN.Bench;

/// <summary>
/// Exact training end to end on Gaussian data in R^3 with targets from a planted two-neuron ReLU network plus noise,
/// beta = 0.01 (the sizes of the training issue's acceptance figures), and on a real data set, each certified.
/// Arguments: [n ...] (default 50 100 200); "--generic" also times the generic sparse KKT path; "--no-iris" skips iris;
/// "--chunk K" sets the Schur complement's columns per rank-k update; "--workers N" caps the KKT solver's threads; "--max-memory GB" raises the training's memory limit (n = 500 needs it with --all-chambers); "--all-chambers" solves the program over every chamber instead of over a working set (<see cref="TrainingOptions.Screening"/>); "--profile" prints the seconds per phase (<see cref="SolverProfile"/>) of each run. "recov-opt" is the recovered
/// network's objective minus the convex optimum, relative; "thin" the chambers left out as numerical slivers; "cert" the
/// certificate's verdict; "peak MiB" the peak resident memory of this run alone (Linux: VmHWM after clearing it through
/// /proc/self/clear_refs; elsewhere the process peak so far).
/// </summary>
public static class TrainBench
{
    public static void Run(string[] args)
    {
        bool generic = args.Contains("--generic"), profile = args.Contains("--profile");
        int wi = Array.IndexOf(args, "--workers");
        int workers = wi >= 0 && wi + 1 < args.Length ? int.Parse(args[wi + 1]) : 8;
        var sizes = args.Where((a, i) => int.TryParse(a, out _) && !(i > 0 && args[i - 1] is "--workers" or "--chunk" or "--max-memory")).Select(int.Parse).DefaultIfEmpty().ToArray();
        var options = new TrainingOptions();
        SolverProfile.ThreadCpu = profile && workers == 1;
        int ci = Array.IndexOf(args, "--chunk");
        int chunk = ci >= 0 && ci + 1 < args.Length ? int.Parse(args[ci + 1]) : options.Solver.BlockAngularChunkColumns;
        options = options with { Solver = options.Solver with { MaxWorkers = workers, BlockAngularChunkColumns = chunk }, Screening = !args.Contains("--all-chambers") };
        int mi = Array.IndexOf(args, "--max-memory");
        if (mi >= 0 && mi + 1 < args.Length) options = options with { MaxMemoryBytes = (long)(double.Parse(args[mi + 1], System.Globalization.CultureInfo.InvariantCulture) * 1e9) };
        if (sizes is [0]) sizes = [50, 100, 200];
        ModelPipeline.Train(Planted(10, 3, 0), new ModelSpec { Beta = 0.01 }); // JIT warm-up
        Console.WriteLine($"load average {LoadAverage()}");
        Console.WriteLine($"{"data",-22} {"n",5} {"chambers",9} {"vars",9} {"iters",5} {"status",8} {"primal",14} {"rel.gap",9} {"neurons",7} {"recov-opt",9} {"thin",5} {"cert",9} {"enum s",7} {"solve s",8} {"cert s",7} {"total s",8} {"CPU s",7} {"peak MiB",9}");
        foreach (int n in sizes)
        {
            Report($"planted R^3", Planted(n, 3, 42 + n), new ModelSpec { Beta = 0.01 }, options, profile);
            if (generic) Report($"planted R^3 (generic)", Planted(n, 3, 42 + n), new ModelSpec { Beta = 0.01 }, options with { StructuredSolver = false }, profile);
        }
        var root = FindProblems();
        if (root is not null && sizes.Max() >= 100 && !args.Contains("--no-iris"))
        {
            // Real data: the first two features of iris (sepal length, width) with a bias, petal width as the target.
            var iris = CsvDataReader.Read(Path.Combine(root, "data", "iris.csv"), "label");
            var x = new double[iris.Rows, 2];
            var y = new double[iris.Rows];
            for (int i = 0; i < iris.Rows; i++) { x[i, 0] = iris.X[i, 0]; x[i, 1] = iris.X[i, 1]; y[i] = iris.X[i, 3]; }
            Report("iris sepal -> petal w", Dataset.Create(x, y, ["sepal_length", "sepal_width"], "petal_width", "iris"), new ModelSpec { Beta = 0.01, Bias = true }, options, profile);
        }
        Console.WriteLine($"load average {LoadAverage()}");
    }

    private static void Report(string name, Dataset data, ModelSpec model, TrainingOptions options, bool profile)
    {
        TrainingResult? r = null;
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        bool perRun = ResetPeak();
        SolverProfile.Reset();
        using var before = Process.GetCurrentProcess();
        var cpu = before.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        r = ModelPipeline.Train(data, model, options);
        sw.Stop();
        using var after = Process.GetCurrentProcess();
        double seconds = sw.Elapsed.TotalSeconds, cpuSeconds = (after.TotalProcessorTime - cpu).TotalSeconds;
        double peak = (perRun ? PeakResidentBytes() : after.PeakWorkingSet64) / (1024.0 * 1024.0);
        string cert = r.Certificate is null ? "-" : r.Certificate.CertifiedOptimal ? "certified" : "NOT";
        Console.WriteLine($"{name,-22} {data.Rows,5} {r.Chambers,9} {r.Program.Problem.Variables,9} {r.Solution.Iterations,5} {r.Status,8} {r.Primal,14:G10} {r.RelativeGap,9:E1} {r.Network.NeuronCount,7} {(r.RecoveredObjective - r.Primal) / Math.Max(1e-300, Math.Abs(r.Primal)),9:E1} {r.ThinChambers,5} {cert,9} {r.PrepareSeconds,7:F2} {r.SolveSeconds,8:F2} {r.CertificateSeconds,7:F2} {seconds,8:F2} {cpuSeconds,7:F2} {peak,9:F0}");
        if (!profile) return;
        double accounted = 0;
        var parts = new List<string>();
        foreach (var phase in Enum.GetValues<ProfilePhase>())
        {
            double s = phase == ProfilePhase.Certificate ? r.CertificateSeconds : SolverProfile.Seconds(phase);
            if (phase == ProfilePhase.IterationOther)
            {
                // The iteration loop minus what the phases above measured inside it.
                double inner = SolverProfile.Seconds(ProfilePhase.Scaling) + SolverProfile.Seconds(ProfilePhase.BlockFactor) + SolverProfile.Seconds(ProfilePhase.SchurFormation)
                    + SolverProfile.Seconds(ProfilePhase.SchurFactor) + SolverProfile.Seconds(ProfilePhase.SolvePass) + SolverProfile.Seconds(ProfilePhase.RefinementResidual)
                    + SolverProfile.Seconds(ProfilePhase.StructuredProduct) + SolverProfile.Seconds(ProfilePhase.Screening) + SolverProfile.Seconds(ProfilePhase.StepLength)
                    + (r.WorkingSet is null ? 0 : SolverProfile.Seconds(ProfilePhase.ProgramAssembly)); // the working set's rounds assemble inside the solve
                s = Math.Max(0, r.SolveSeconds - SolverProfile.Seconds(ProfilePhase.SolverSetup) - inner);
            }
            accounted += s;
            long calls = SolverProfile.Calls(phase);
            parts.Add($"{phase} {s:F2}" + (SolverProfile.ThreadCpu ? $"/{SolverProfile.CpuSeconds(phase):F2}cpu" : "") + (calls > 1 ? $" ({calls})" : ""));
        }
        Console.WriteLine("    profile s: " + string.Join(", ", parts) + $"; unaccounted {seconds - accounted:F2}");
    }

    /// <summary>Clears the kernel's peak resident set (VmHWM) of this process; false where that is not possible.</summary>
    private static bool ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException) { return false; }
    }

    /// <summary>VmHWM of /proc/self/status in bytes.</summary>
    private static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024; // "VmHWM:\t 1234 kB": no space after the tab once the number is long
        return 0;
    }

    internal static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    internal static string? FindProblems()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems", "data"))) dir = dir.Parent;
        return dir is null ? null : Path.Combine(dir.FullName, "problems");
    }

    /// <summary>The planted data of the benchmark (see <see cref="SyntheticData.PlantedRelu"/>).</summary>
    public static Dataset Planted(int n, int d, int seed) => SyntheticData.PlantedRelu(n, d, seed);
}
