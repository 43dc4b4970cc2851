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
/// <c>sdp [FOLDER] [--sizes 10,20,40] [--families control,hinf,...] [--seed S] [--dense] [--reg EPS] [--time-limit T]</c>:
/// writes SDPA sparse files of the families of <see cref="SdpaFamilies"/> (random with a known optimum, control and
/// H-infinity-type LMIs, graph bisection, truss topology, a 30-block structural problem, max-cut, theta, quadratic-assignment
/// relaxations), solves each with ecnn's solver (read + solve) and, when the <c>csdp</c> binary is on the PATH, with CSDP on
/// the same file, and prints iterations, times and the time ratio. Without --sizes each family runs its own default sizes.
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
        int seed = 1; bool dense = false, verbose = false, profile = false; double timeLimit = 1200, reg = new SolverSettings().StaticRegularization;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--sizes": sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--families": families = args[++i].Split(','); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dense": dense = true; break;
                case "--verbose": verbose = true; break;
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
        Console.WriteLine("family         k      m | ecnn status      iters   seconds   rel.err | csdp iters seconds  rel.err      gap status   | ratio ecnn/csdp");
        var byStatus = new SortedDictionary<string, int>();
        var violations = new List<string>();
        foreach (var family in families)
            foreach (int k in sizes ?? (DefaultSizes.TryGetValue(family, out var d) ? d : [10]))
            {
                var rng = new Random(seed + k);
                var (text, m, optimum) = SdpaFamilies.Generate(family, k, rng);
                var path = Path.Combine(folder, $"{family}_k{k}_m{m}_s{seed}.dat-s");
                File.WriteAllText(path, text);

                var settings = new SolverSettings { TimeLimitSeconds = timeLimit, StaticRegularization = reg, Verbose = verbose };
                KktSolverFactory? kkt = dense ? ConicSolver.QuasiDefinite(DenseLdl.Create) : null;
                SolverResult? r = null; ProblemFile? file = null;
                double ours;
                SolverProfile.Reset();
                try { (ours, _) = BenchRegistry.Measure(() => { file = ProblemFile.Read(path); r = ConicSolver.Solve(file.Problem, settings, kkt); }); }
                catch (InputException e) { Console.WriteLine($"{family,-11} {k,5} {m,6} | refused: {e.Message}"); continue; }
                byStatus[r!.Status.ToName()] = byStatus.GetValueOrDefault(r.Status.ToName()) + 1;
                if (ReportedInvariant.Violation(file!.Problem, r, settings) is string violation) violations.Add($"{family} k={k}: {violation}");
                double ourObjective = file!.ToFileSense(r!.PrimalObjective);
                double csdpSeconds = double.NaN, csdpObjective = double.NaN, csdpGap = double.NaN; int csdpIters = 0, csdpCode = -1;
                if (haveCsdp) (csdpSeconds, csdpObjective, csdpGap, csdpIters, csdpCode) = RunCsdp(path);
                // Known optimum when there is one, else CSDP's objective as the reference.
                double reference = double.IsNaN(optimum) ? csdpObjective : optimum;
                double ourErr = Math.Abs(ourObjective - reference) / (1 + Math.Abs(reference));
                string line = string.Create(CultureInfo.InvariantCulture,
                    $"{family,-11} {k,5} {m,6} | {r.Status.ToName(),-16} {r.Iterations,5} {ours,9:F3} {ourErr,9:0.0e+00} |");
                if (haveCsdp)
                {
                    string csdpErr = double.IsNaN(optimum) ? "     ref" : string.Create(CultureInfo.InvariantCulture, $"{Math.Abs(csdpObjective - optimum) / (1 + Math.Abs(optimum)),8:0.0e+00}");
                    line += string.Create(CultureInfo.InvariantCulture, $" {csdpIters,10} {csdpSeconds,7:F3} {csdpErr} {csdpGap,8:0.0e+00} {(csdpCode == 0 ? "ok" : csdpCode == 3 ? "partial" : $"code {csdpCode}"),-8} | {ours / csdpSeconds,8:F2}");
                }
                Console.WriteLine(line);
                if (profile)
                    Console.WriteLine("    profile (s): " + string.Join(", ", Enum.GetValues<ProfilePhase>().Where(ph => SolverProfile.Calls(ph) > 0)
                        .Select(ph => string.Create(CultureInfo.InvariantCulture, $"{ph} {SolverProfile.Seconds(ph):F4}/{SolverProfile.Calls(ph)}"))));
            }
        Console.WriteLine("statuses: " + string.Join(", ", byStatus.Select(kv => $"{kv.Key} {kv.Value}")));
        Console.WriteLine($"solved invariant (reported point meets its status's tolerances in original units): {byStatus.Values.Sum() - violations.Count} of {byStatus.Values.Sum()} hold"
            + (violations.Count > 0 ? "; violated by " + string.Join("; ", violations) : ""));
    }

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
