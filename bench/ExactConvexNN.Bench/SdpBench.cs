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
/// <c>sdp [FOLDER] [--sizes 10,20,40] [--families random,maxcut,theta] [--m M] [--seed S] [--dense] [--reg EPS] [--time-limit T]</c>:
/// writes SDPA sparse files, solves each with ecnn's solver (read + solve) and, when the <c>csdp</c> binary is on the PATH,
/// with CSDP on the same file, and prints times and the time ratio. Families:
/// <list type="bullet">
/// <item><c>random</c>: one k x k block plus a diagonal block of 4, m = k/2 dense-ish F_i, with a known optimum (below);</item>
/// <item><c>maxcut</c>: the max-cut relaxation of a random graph G(k, 0.3) (SDPLIB's mcp family: m = k, F_i = E_ii);</item>
/// <item><c>theta</c>: the Lovász theta of a random graph G(k, 0.2) (SDPLIB's theta family: m = |E| + 1, F_e = E_ij + E_ji).</item>
/// <item><c>gpp</c>: graph bisection of G(k, 0.2) (SDPLIB's gpp kind: max &lt;W, Y&gt; s.t. diag Y = 1, &lt;J, Y&gt; = 0, so no
/// strictly feasible Y exists and interior-point methods lose accuracy); not in the default families.</item>
/// </list>
/// maxcut, theta and gpp have no closed-form optimum; their error column is the relative difference from CSDP's objective.
/// Construction (SDPA primal min c'x s.t. X = Σ F_i x_i - F_0 ⪰ 0): complementary X* = Q diag(d, 0) Q', Y* = Q diag(0, e) Q',
/// random sparse symmetric F_i and x*, then F_0 = Σ F_i x*_i - X* and c_i = &lt;F_i, Y*&gt;, so the optimum is c'x* (= &lt;F_0, Y*&gt;).
/// </summary>
public static class SdpBench
{
    public static void Run(string[] args)
    {
        string folder = Path.Combine(Path.GetTempPath(), "ecnn-sdp-bench");
        int[] sizes = [10, 20, 40, 70, 100];
        string[] families = ["random", "maxcut", "theta"];
        int? mFixed = null; int seed = 1; bool dense = false; double timeLimit = 1200, reg = new SolverSettings().StaticRegularization;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--sizes": sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--families": families = args[++i].Split(','); break;
                case "--m": mFixed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dense": dense = true; break;
                case "--reg": reg = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--time-limit": timeLimit = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: folder = args[i]; break;
            }
        Directory.CreateDirectory(folder);
        bool haveCsdp = CsdpAvailable();
        Console.WriteLine($"SDP benchmark in {folder} ({(dense ? "--dense: quasi-definite KKT on the dense LDL backend" : "default KKT choice: Schur complement for these files")}); CSDP {(haveCsdp ? "found" : "not found (install coinor-csdp)")}");
        Console.WriteLine("family     k      m   svec  | ecnn status      iters   seconds   rel.err  | csdp seconds  rel.err | ratio ecnn/csdp");
        foreach (var family in families)
            foreach (int k in sizes)
            {
                var rng = new Random(seed + k);
                int m; string text; double optimum;
                switch (family)
                {
                    case "random": m = mFixed ?? Math.Max(2, k / 2); (text, optimum) = RandomSdpa(rng, k, m); break;
                    case "maxcut": (text, m) = MaxCutSdpa(rng, k, 0.3); optimum = double.NaN; break;
                    case "theta": (text, m) = ThetaSdpa(rng, k, 0.2); optimum = double.NaN; break;
                    case "gpp": (text, m) = BisectionSdpa(rng, k, 0.2); optimum = double.NaN; break;
                    default: throw new ArgumentException($"unknown family '{family}'; use random, maxcut, theta or gpp");
                }
                var path = Path.Combine(folder, $"{family}_k{k}_m{m}_s{seed}.dat-s");
                File.WriteAllText(path, text);

                var settings = new SolverSettings { TimeLimitSeconds = timeLimit, StaticRegularization = reg };
                KktSolverFactory? kkt = dense ? ConicSolver.QuasiDefinite(DenseLdl.Create) : null;
                SolverResult? r = null; ProblemFile? file = null;
                var (ours, _) = BenchRegistry.Measure(() => { file = ProblemFile.Read(path); r = ConicSolver.Solve(file.Problem, settings, kkt); });
                double ourObjective = file!.ToFileSense(r!.PrimalObjective);
                double csdpSeconds = double.NaN, csdpObjective = double.NaN;
                if (haveCsdp) (csdpSeconds, csdpObjective) = RunCsdp(path);
                // Known optimum when there is one, else CSDP's objective as the reference.
                double reference = double.IsNaN(optimum) ? csdpObjective : optimum;
                double ourErr = Math.Abs(ourObjective - reference) / (1 + Math.Abs(reference));
                string line = string.Create(CultureInfo.InvariantCulture,
                    $"{family,-6} {k,5} {m,6} {k * (k + 1) / 2 + (family == "random" ? 4 : 0),6}  | {r.Status.ToName(),-16} {r.Iterations,5} {ours,9:F2} {ourErr,9:0.0e+00}  |");
                if (haveCsdp)
                {
                    string csdpErr = double.IsNaN(optimum) ? "     ref" : string.Create(CultureInfo.InvariantCulture, $"{Math.Abs(csdpObjective - optimum) / (1 + Math.Abs(optimum)),8:0.0e+00}");
                    line += string.Create(CultureInfo.InvariantCulture, $" {csdpSeconds,12:F2} {csdpErr} | {ours / csdpSeconds,8:F1}");
                }
                Console.WriteLine(line);
            }
    }

    /// <summary>
    /// Max-cut relaxation of G(k, p) in SDPA form: min Σ x_i s.t. Diag(x) - L/4 ⪰ 0 (F_i = E_ii, F_0 = L/4), whose value is
    /// max ¼&lt;L, X&gt; s.t. diag X = 1, X ⪰ 0.
    /// </summary>
    internal static (string Text, int M) MaxCutSdpa(Random rng, int k, double p)
    {
        var lap = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                if (rng.NextDouble() < p) { lap[i, i] += 1; lap[j, j] += 1; lap[i, j] -= 1; lap[j, i] -= 1; }
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"\"max-cut relaxation of G({k}, {p.ToString(inv)})");
        sb.AppendLine($"{k} = mDIM").AppendLine("1 = nBLOCK").AppendLine($"{k}");
        sb.AppendLine(string.Join(" ", Enumerable.Repeat("1", k)));
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) if (lap[i, j] != 0) sb.AppendLine($"0 1 {i + 1} {j + 1} {(lap[i, j] / 4).ToString("R", inv)}");
        for (int i = 0; i < k; i++) sb.AppendLine($"{i + 1} 1 {i + 1} {i + 1} 1");
        return (sb.ToString(), k);
    }

    /// <summary>
    /// Graph bisection relaxation of G(k, p) in SDPA form: min Σ_i x_i s.t. Diag(x) + x_0 J - W ⪰ 0 (F_i = E_ii with
    /// c_i = 1, F_{k+1} = J with c = 0, F_0 = W the adjacency matrix), the dual of max &lt;W, Y&gt; s.t. diag Y = 1, &lt;J, Y&gt; = 0.
    /// </summary>
    internal static (string Text, int M) BisectionSdpa(Random rng, int k, double p)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"\"graph bisection relaxation of G({k}, {p.ToString(inv)})");
        sb.AppendLine($"{k + 1} = mDIM").AppendLine("1 = nBLOCK").AppendLine($"{k}");
        sb.AppendLine(string.Join(" ", Enumerable.Repeat("1", k)) + " 0");
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                if (rng.NextDouble() < p) sb.AppendLine($"0 1 {i + 1} {j + 1} 1");
        for (int i = 0; i < k; i++) sb.AppendLine($"{i + 1} 1 {i + 1} {i + 1} 1");
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) sb.AppendLine($"{k + 1} 1 {i + 1} {j + 1} 1");
        return (sb.ToString(), k + 1);
    }

    /// <summary>
    /// Lovász theta of G(k, p) in SDPA form: min x_1 s.t. x_1 I + Σ_e x_e (E_ij + E_ji) - J ⪰ 0, whose value is
    /// θ(G) = max &lt;J, X&gt; s.t. tr X = 1, X_ij = 0 on the edges, X ⪰ 0.
    /// </summary>
    internal static (string Text, int M) ThetaSdpa(Random rng, int k, double p)
    {
        var edges = new List<(int, int)>();
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                if (rng.NextDouble() < p) edges.Add((i, j));
        int m = edges.Count + 1;
        var sb = new StringBuilder();
        sb.AppendLine($"\"Lovasz theta of G({k}, {p.ToString(CultureInfo.InvariantCulture)})");
        sb.AppendLine($"{m} = mDIM").AppendLine("1 = nBLOCK").AppendLine($"{k}");
        sb.AppendLine("1 " + string.Join(" ", Enumerable.Repeat("0", edges.Count)));
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) sb.AppendLine($"0 1 {i + 1} {j + 1} 1");
        for (int i = 0; i < k; i++) sb.AppendLine($"1 1 {i + 1} {i + 1} 1");
        for (int e = 0; e < edges.Count; e++) sb.AppendLine($"{e + 2} 1 {edges[e].Item1 + 1} {edges[e].Item2 + 1} 1");
        return (sb.ToString(), m);
    }

    /// <summary>An SDPA sparse file and its optimum (see the class summary).</summary>
    internal static (string Text, double Optimum) RandomSdpa(Random rng, int k, int m)
    {
        int lp = 4;
        var q = Matrix<double>.Build.Dense(k, k, (_, _) => rng.NextDouble() - 0.5).QR().Q;
        int rank = Math.Max(1, k / 2);
        var d = Vector<double>.Build.Dense(k, i => i < rank ? 0.5 + rng.NextDouble() : 0.0);
        var e = Vector<double>.Build.Dense(k, i => i < rank ? 0.0 : 0.5 + rng.NextDouble());
        var xStar = q * Matrix<double>.Build.DenseOfDiagonalVector(d) * q.Transpose();
        var yStar = q * Matrix<double>.Build.DenseOfDiagonalVector(e) * q.Transpose();
        // LP block: slack and dual complementary on alternating entries.
        var lpSlack = Enumerable.Range(0, lp).Select(i => i % 2 == 0 ? 0.5 + rng.NextDouble() : 0.0).ToArray();
        var lpDual = Enumerable.Range(0, lp).Select(i => i % 2 == 0 ? 0.0 : 0.5 + rng.NextDouble()).ToArray();
        var x = Enumerable.Range(0, m).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        // F_i: about 3k random symmetric entries in the matrix block and one LP entry.
        var f = new List<(int I, int J, double V)>[m];
        var flp = new double[m, lp];
        var f0 = -xStar;
        var f0lp = lpSlack.Select(v => -v).ToArray();
        var c = new double[m];
        for (int t = 0; t < m; t++)
        {
            f[t] = [];
            var fm = Matrix<double>.Build.Dense(k, k);
            fm[t % k, t % k] = 1.0;     // keeps the F_i independent
            for (int r = 0; r < 3 * k; r++) { int i = rng.Next(k), j = rng.Next(k); double v = 2 * rng.NextDouble() - 1; fm[i, j] += v; if (i != j) fm[j, i] += v; }
            for (int j = 0; j < k; j++)
                for (int i = 0; i <= j; i++) if (fm[i, j] != 0) f[t].Add((i, j, fm[i, j]));
            flp[t, t % lp] = 2 * rng.NextDouble() - 1;
            f0 += x[t] * fm;
            for (int i = 0; i < lp; i++) f0lp[i] += x[t] * flp[t, i];
            c[t] = (fm.PointwiseMultiply(yStar)).Enumerate().Sum();
            for (int i = 0; i < lp; i++) c[t] += flp[t, i] * lpDual[i];
        }
        double optimum = c.Zip(x, (a, b) => a * b).Sum();
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine($"\"random SDP with known optimum {optimum.ToString("R", inv)}");
        sb.AppendLine($"{m} = mDIM").AppendLine("2 = nBLOCK").AppendLine($"{k} {-lp}");
        sb.AppendLine(string.Join(" ", c.Select(v => v.ToString("R", inv))));
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) if (f0[i, j] != 0) sb.AppendLine($"0 1 {i + 1} {j + 1} {f0[i, j].ToString("R", inv)}");
        for (int i = 0; i < lp; i++) if (f0lp[i] != 0) sb.AppendLine($"0 2 {i + 1} {i + 1} {f0lp[i].ToString("R", inv)}");
        for (int t = 0; t < m; t++)
        {
            foreach (var (i, j, v) in f[t]) sb.AppendLine($"{t + 1} 1 {i + 1} {j + 1} {v.ToString("R", inv)}");
            for (int i = 0; i < lp; i++) if (flp[t, i] != 0) sb.AppendLine($"{t + 1} 2 {i + 1} {i + 1} {flp[t, i].ToString("R", inv)}");
        }
        return (sb.ToString(), optimum);
    }

    private static bool CsdpAvailable()
    {
        try { return RunProcess("csdp", "", out _) >= 0; } catch { return false; }
    }

    /// <summary>Wall time of <c>csdp FILE</c> and its "Dual objective value" (CSDP's dual is SDPA's primal min c'x).</summary>
    private static (double Seconds, double Objective) RunCsdp(string path)
    {
        var sw = Stopwatch.StartNew();
        RunProcess("csdp", $"\"{path}\"", out var output);
        sw.Stop();
        double obj = double.NaN;
        foreach (var line in output.Split('\n'))
            if (line.StartsWith("Dual objective value:", StringComparison.Ordinal))
                obj = double.Parse(line["Dual objective value:".Length..].Trim(), CultureInfo.InvariantCulture);
        return (sw.Elapsed.TotalSeconds, obj);
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
