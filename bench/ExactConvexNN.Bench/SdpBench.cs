using System.Diagnostics;
using System.Globalization;
using System.Text;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Bench;

/// <summary>
/// <c>sdp [FOLDER] [--sizes 10,20,40] [--families control,hinf,...] [--seed S] [--dense] [--reg EPS] [--time-limit T] [--method auto|homogeneous|infeasible-start|both] [--equilibration N]</c>:
/// writes SDPA sparse files of the families of <see cref="SdpaFamilies"/> (random with a known optimum, control and
/// H-infinity-type LMIs, graph bisection, truss topology, a 30-block structural problem, max-cut, theta, quadratic-assignment
/// relaxations), solves each with ecnn's solver (read + solve) and, when the <c>csdp</c> binary is on the PATH, with CSDP on
/// the same file, and prints iterations, times and the time ratio; <c>--method both</c> runs the infeasible-start and the
/// homogeneous method side by side, <c>--equilibration N</c> sets the infeasible-start method's Ruiz passes. Without --sizes each family runs its own default sizes.
/// The error column is the relative difference from the known optimum when there is one, else from CSDP's objective; the
/// "gap" column is CSDP's own relative gap |primal - dual| / (1 + |dual|) between its two objectives (a measure of how well
/// CSDP itself solved the file, large on the programs without a strictly feasible point).
/// </summary>
public static class SdpBench
{
    /// <summary>Default sizes k of each family (small enough for a shared two-core machine).</summary>
    private static readonly Dictionary<string, int[]> DefaultSizes = new()
    {
        ["random"] = [20, 50], ["control"] = [5, 10, 20], ["hinf"] = [5, 10, 15], ["gpp"] = [30, 60, 124],
        ["truss"] = [8, 19], ["structural"] = [10], ["maxcut"] = [50, 124], ["theta"] = [30, 50], ["qap"] = [4, 6],
    };

    public static void Run(string[] args)
    {
        string folder = Path.Combine(Path.GetTempPath(), "ecnn-sdp-bench");
        int[]? sizes = null;
        string[] families = [.. SdpaFamilies.Names];
        int seed = 1; bool dense = false, verbose = false, profile = false; int? equilibration = null;
        SolverEmbedding[] methods = [SolverEmbedding.Automatic]; double timeLimit = 1200, reg = new SolverSettings().StaticRegularization;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--sizes": sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--families": families = args[++i].Split(','); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dense": dense = true; break;
                case "--verbose": verbose = true; break;
                case "--equilibration": equilibration = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--method":
                    methods = args[++i] switch
                    {
                        "auto" => [SolverEmbedding.Automatic], "homogeneous" => [SolverEmbedding.Homogeneous],
                        "infeasible-start" => [SolverEmbedding.InfeasibleStart], "both" => [SolverEmbedding.InfeasibleStart, SolverEmbedding.Homogeneous],
                        var other => throw new ArgumentException($"--method {other}: use auto, homogeneous, infeasible-start or both"),
                    };
                    break;
                case "--profile": profile = true; break;
                case "--reg": reg = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--time-limit": timeLimit = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: folder = args[i]; break;
            }
        Directory.CreateDirectory(folder);
        bool haveCsdp = CsdpAvailable();
        Console.WriteLine($"SDP benchmark in {folder} ({(dense ? "--dense: quasi-definite KKT on the dense LDL backend" : "default KKT choice")}); CSDP {(haveCsdp ? "found" : "not found (install coinor-csdp)")}; native LAPACK {(ExactConvexNN.Solver.Linear.NativeLapack.IsAvailable ? "loaded" : "not found (managed kernels)")}");
        // Warm-up (JIT) on a small member, not timed.
        ConicSolver.Solve(SdpaReader.Read(new StringReader(SdpaFamilies.Generate("control", 4, new Random(0)).Text), "warmup").Problem);
        string header = string.Concat(methods.Select(mt => $"| {MethodName(mt),-16} iters   seconds   rel.err "));
        Console.WriteLine($"family         k      m {header}| csdp iters seconds  rel.err      gap status   | ratio ecnn/csdp (first method)");
        var byStatus = methods.Select(_ => new SortedDictionary<string, int>()).ToArray();
        var violations = methods.Select(_ => new List<string>()).ToArray();
        foreach (var family in families)
            foreach (int k in sizes ?? (DefaultSizes.TryGetValue(family, out var d) ? d : [10]))
            {
                var rng = new Random(seed + k);
                var (text, m, optimum) = SdpaFamilies.Generate(family, k, rng);
                var path = Path.Combine(folder, $"{family}_k{k}_m{m}_s{seed}.dat-s");
                File.WriteAllText(path, text);

                string line = string.Create(CultureInfo.InvariantCulture, $"{family,-11} {k,5} {m,6} ");
                double first = double.NaN;
                bool refused = false;
                var profiles = new List<string>();
                var runs = new List<(SolverResult Result, double Seconds, double Objective)>();
                for (int t = 0; t < methods.Length && !refused; t++)
                {
                    var settings = new SolverSettings { TimeLimitSeconds = timeLimit, StaticRegularization = reg, Verbose = verbose, Embedding = methods[t] };
                    if (equilibration is int passes) settings = settings with { InfeasibleStartEquilibrationIterations = passes };
                    KktSolverFactory? kkt = dense ? ConicSolver.QuasiDefinite(DenseLdl.Create) : null;
                    SolverResult? r = null; ProblemFile? file = null;
                    double ours;
                    SolverProfile.Reset();
                    try { (ours, _) = BenchRegistry.Measure(() => { file = ProblemFile.Read(path); r = ConicSolver.Solve(file.Problem, settings, kkt); }); }
                    catch (InputException e) { Console.WriteLine($"{family,-11} {k,5} {m,6} | refused: {e.Message}"); refused = true; continue; }
                    byStatus[t][r!.Status.ToName()] = byStatus[t].GetValueOrDefault(r.Status.ToName()) + 1;
                    if (ReportedInvariant.Violation(file!.Problem, r, settings) is string violation) violations[t].Add($"{family} k={k}: {violation}");
                    if (double.IsNaN(first)) first = ours;
                    runs.Add((r, ours, file!.ToFileSense(r!.PrimalObjective)));
                    if (profile)
                        profiles.Add($"    profile {MethodName(methods[t])} (s): " + string.Join(", ", Enum.GetValues<ProfilePhase>().Where(ph => SolverProfile.Calls(ph) > 0)
                            .Select(ph => string.Create(CultureInfo.InvariantCulture, $"{ph} {SolverProfile.Seconds(ph):F4}/{SolverProfile.Calls(ph)}"))));
                }
                if (refused) continue;
                // CSDP only on the files ecnn took (a refused file is too large for it as well).
                double csdpSeconds = double.NaN, csdpObjective = double.NaN, csdpGap = double.NaN; int csdpIters = 0, csdpCode = -1;
                if (haveCsdp) (csdpSeconds, csdpObjective, csdpGap, csdpIters, csdpCode) = RunCsdp(path);
                // Known optimum when there is one, else CSDP's objective as the reference.
                double reference = double.IsNaN(optimum) ? csdpObjective : optimum;
                foreach (var (r, ours, objective) in runs)
                    line += string.Create(CultureInfo.InvariantCulture,
                        $"| {r.Status.ToName(),-16} {r.Iterations,5} {ours,9:F3} {Math.Abs(objective - reference) / (1 + Math.Abs(reference)),9:0.0e+00} ");
                if (haveCsdp)
                {
                    string csdpErr = double.IsNaN(optimum) ? "     ref" : string.Create(CultureInfo.InvariantCulture, $"{Math.Abs(csdpObjective - optimum) / (1 + Math.Abs(optimum)),8:0.0e+00}");
                    line += string.Create(CultureInfo.InvariantCulture, $"| {csdpIters,10} {csdpSeconds,7:F3} {csdpErr} {csdpGap,8:0.0e+00} {(csdpCode == 0 ? "ok" : csdpCode == 3 ? "partial" : $"code {csdpCode}"),-8} | {first / csdpSeconds,8:F2}");
                }
                Console.WriteLine(line);
                foreach (var profileLine in profiles) Console.WriteLine(profileLine);
            }
        for (int t = 0; t < methods.Length; t++)
        {
            string name = methods.Length > 1 ? MethodName(methods[t]) + " " : "";
            Console.WriteLine(name + "statuses: " + string.Join(", ", byStatus[t].Select(kv => $"{kv.Key} {kv.Value}")));
            Console.WriteLine($"{name}solved invariant (reported point meets its status's tolerances in original units): {byStatus[t].Values.Sum() - violations[t].Count} of {byStatus[t].Values.Sum()} hold"
                + (violations[t].Count > 0 ? "; violated by " + string.Join("; ", violations[t]) : ""));
        }
    }

    /// <summary>The column title of a method.</summary>
    private static string MethodName(SolverEmbedding method) => method switch
    {
        SolverEmbedding.Homogeneous => "homogeneous",
        SolverEmbedding.InfeasibleStart => "infeasible-start",
        _ => "ecnn (auto)",
    };

    internal static bool CsdpAvailable()
    {
        try { return RunProcess("csdp", "", out _) >= 0; } catch { return false; }
    }

    /// <summary>
    /// Wall time of <c>csdp FILE</c>, its "Dual objective value" (CSDP's dual is SDPA's primal min c'x), its relative gap
    /// |primal - dual| / (1 + |dual|) between its "Primal objective value" and that, its iteration count (the number of
    /// "Iter:" lines), and its exit code (0 success, 3 partial success: reduced accuracy).
    /// </summary>
    internal static (double Seconds, double Objective, double Gap, int Iterations, int Code) RunCsdp(string path)
    {
        var sw = Stopwatch.StartNew();
        int code = RunProcess("csdp", $"\"{path}\"", out var output);
        sw.Stop();
        double obj = double.NaN, primal = double.NaN; int iters = 0;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("Primal objective value:", StringComparison.Ordinal))
                primal = double.Parse(line["Primal objective value:".Length..].Trim(), CultureInfo.InvariantCulture);
            if (line.StartsWith("Dual objective value:", StringComparison.Ordinal))
                obj = double.Parse(line["Dual objective value:".Length..].Trim(), CultureInfo.InvariantCulture);
            if (line.StartsWith("Iter:", StringComparison.Ordinal)) iters++;
        }
        return (sw.Elapsed.TotalSeconds, obj, Math.Abs(primal - obj) / (1 + Math.Abs(obj)), iters, code);
    }

    private static int RunProcess(string exe, string arguments, out string output)
    {
        var psi = new ProcessStartInfo(exe, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = err.Result;
        return p.ExitCode;
    }
}
