using System.Diagnostics;
using System.Numerics;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Numerics;
using ExactConvexNN.OrTools;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Bench;

/// <summary>
/// The linear programs of the pipeline (and the shipped LP files), each timed with the project's own code and with
/// OR-Tools' GLOP and PDLP (issue 17): which one is faster, and whether the answers agree.
/// <list type="bullet">
/// <item>chamber witnesses: the exact feasibility LPs r_i'g &gt;= 1 of the incremental enumerator (ExactSimplex), against
/// GLOP proposing and exact arithmetic deciding: a proposed point is checked in integers; on infeasible systems GLOP
/// proposes Gordan's alternative (y &gt;= 0, R'y = 0, sum y = 1), whose support, a subsystem of at most d + 1 rows, the exact
/// simplex proves infeasible; ExactSimplex on the whole system whenever a proposal fails, so the answer stays exact;</item>
/// <item>cone support values (verifier, beta_max) and chamber widths: nonnegative least squares (Lawson-Hanson), which
/// are quadratic programs, not LPs: GLOP is timed on the nearest LP, the same cone cut with the infinity-norm ball, a
/// valid but looser upper bound (by up to sqrt d);</item>
/// <item>LP files: problems/solver and planted random LPs (n variables), ecnn's interior-point solver vs GLOP vs PDLP.</item>
/// </list>
/// Arguments: [--sizes N,N,..] planted LP sizes (default 1000,10000,100000).
/// </summary>
public static class LpBench
{
    public static void Run(string[] args)
    {
        int si = Array.IndexOf(args, "--sizes");
        var sizes = si >= 0 && si + 1 < args.Length ? args[si + 1].Split(',').Select(int.Parse).ToArray() : [1_000, 10_000, 100_000];
        var root = TrainBench.FindProblems() ?? throw new DirectoryNotFoundException("problems/ not found above the bench binary");
        Console.WriteLine($"load average {TrainBench.LoadAverage()}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"site",-44} {"LPs",7} {"own s",9} {"GLOP s",9} {"PDLP s",9} {"agree",22}  note");

        // Random integer data in R^3 (the incremental enumerator's size: n <= ~12) and iris sepal + bias (12,176 chambers).
        var random = RandomIntegers(new Random(5), 12, 3);
        var iris = CsvDataReader.Read(Path.Combine(root, "iris_sepal.csv"));
        var irisX = WithBias(iris.X);
        Witnesses("chamber witnesses, random 12 x 3 (ExactSimplex)", random, new Random(1));
        Witnesses("chamber witnesses, iris sepal + bias (40 systems)", irisX, new Random(2), maxSystems: 40);
        var irisChambers = ArrangementEnumerator.Enumerate(irisX).Chambers;
        ConeSupports("cone support / beta_max, iris (Lawson-Hanson)", irisX, iris.Y!, irisChambers);
        var randomX = RandomIntegers(new Random(6), 60, 3);
        var randomY = Enumerable.Range(0, 60).Select(i => Math.Sin(i)).ToArray();
        ConeSupports("cone support / beta_max, random 60 x 3", randomX, randomY, ArrangementEnumerator.Enumerate(randomX).Chambers);
        Widths("chamber widths, iris (Lawson-Hanson)", irisX, irisChambers);

        Console.WriteLine();
        Console.WriteLine($"{"LP file",-44} {"n",7} {"ecnn ms",9} {"GLOP ms",9} {"PDLP ms",9} {"status / objective (ecnn, glop, pdlp)"}");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "solver"), "*", SearchOption.AllDirectories).Order())
        {
            if (!ProblemFile.Extensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase))) continue;
            var p = ProblemFile.Read(file);
            if (OrToolsLp.NonlinearPart(p.Problem) is not null) continue;
            CompareSolvers(Path.GetRelativePath(root, file), p.Problem, file: p, repeats: 20);
        }
        foreach (int n in sizes)
        {
            var (problem, optimum) = ConicBench.Planted(new Random(n), n, quadratic: false, 1, 1, linear: true);
            CompareSolvers($"planted LP (optimum {optimum:G10})", problem, file: null, repeats: 1);
        }
    }

    private static double[,] RandomIntegers(Random rng, int n, int d)
    {
        var x = new double[n, d];
        for (int i = 0; i < n; i++) for (int k = 0; k < d; k++) x[i, k] = rng.Next(-9, 10);
        return x;
    }

    private static double[,] WithBias(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var b = new double[n, d + 1];
        for (int i = 0; i < n; i++) { for (int k = 0; k < d; k++) b[i, k] = x[i, k]; b[i, d] = 1; }
        return b;
    }

    /// <summary>
    /// The incremental enumerator's systems: for a chamber and a prefix of its rows, the chamber's signs on the prefix and
    /// either side of the next row (feasible when the chamber is cut by that row there, infeasible otherwise).
    /// </summary>
    private static void Witnesses(string site, double[,] x, Random rng, int maxSystems = int.MaxValue)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var rowsExact = Enumerable.Range(0, n).Select(j => ExactVector.FromRow(x, j)).ToArray();
        var chambers = ArrangementEnumerator.Enumerate(x).Chambers;
        var systems = new List<List<BigInteger[]>>();
        foreach (var ch in chambers.OrderBy(_ => rng.Next()))
        {
            if (systems.Count >= maxSystems) break;
            int k = 1 + rng.Next(n - 1);
            var sys = new List<BigInteger[]>();
            for (int j = 0; j < k; j++) if (!ExactVector.IsZero(rowsExact[j])) sys.Add(Signed(rowsExact[j], ch[j]));
            sys.Add(Signed(rowsExact[k], rng.Next(2) == 0));
            systems.Add(sys);
        }
        // Own: exact phase-1 simplex. GLOP: propose, check exactly, and fall back to the exact simplex when the check fails.
        var own = new FeasibilityStatus[systems.Count];
        double ownSeconds = Time(() => { for (int i = 0; i < systems.Count; i++) own[i] = ExactSimplex.FindInterior(systems[i], d, out _); });
        var glop = new FeasibilityStatus[systems.Count];
        int fallbacks = 0;
        double glopSeconds = Time(() =>
        {
            for (int i = 0; i < systems.Count; i++)
            {
                var proposal = Propose(systems[i], d, LpSolver.Glop);
                if (proposal is not null && ExactlyInside(systems[i], proposal)) { glop[i] = FeasibilityStatus.Feasible; continue; }
                // Infeasible: Gordan's alternative y >= 0, R'y = 0, sum y = 1 from GLOP; its support (at most d + 1 rows at a
                // vertex) is a subsystem that the exact simplex proves infeasible, which proves the whole system infeasible.
                if (proposal is null && FarkasSupport(systems[i], d) is { } support
                    && ExactSimplex.FindInterior(support, d, out _) == FeasibilityStatus.Infeasible) { glop[i] = FeasibilityStatus.Infeasible; continue; }
                fallbacks++;
                glop[i] = ExactSimplex.FindInterior(systems[i], d, out _);
            }
        });
        int pdlpAccepted = 0;
        double pdlpSeconds = Time(() =>
        {
            foreach (var s in systems)
                if (Propose(s, d, LpSolver.Pdlp) is { } g && ExactlyInside(s, g)) pdlpAccepted++;
        });
        int agree = own.Zip(glop).Count(p => p.First == p.Second);
        int feasible = own.Count(s => s == FeasibilityStatus.Feasible);
        Row(site, systems.Count, ownSeconds, glopSeconds, pdlpSeconds, $"{agree}/{systems.Count} same",
            $"{feasible} feasible; GLOP proposals decided exactly {systems.Count - fallbacks} (points checked, Farkas supports proved), full exact simplex {fallbacks}; PDLP points checked inside {pdlpAccepted}/{feasible}");
    }

    private static BigInteger[] Signed(BigInteger[] r, bool positive) => positive ? r : r.Select(v => -v).ToArray();

    /// <summary>The rows as doubles, each scaled to largest entry 1 (the same cone; exact integers of decimal data are huge).</summary>
    private static double[][] Scaled(List<BigInteger[]> rows, int d) => rows.Select(r =>
    {
        var v = r.Select(e => (double)e).ToArray();
        double max = v.Max(Math.Abs);
        return max > 0 ? v.Select(e => e / max).ToArray() : v;
    }).ToArray();

    /// <summary>The rows with y_i > 0 in a GLOP solution of y >= 0, R'y = 0, sum y = 1 (null when GLOP finds none).</summary>
    private static List<BigInteger[]>? FarkasSupport(List<BigInteger[]> rows, int d)
    {
        int m = rows.Count;
        var r = Scaled(rows, d);
        // Variables y (m); rows: R'y = 0 (d), sum y = 1 (1), -y <= 0 (m).
        var t = new List<(int, int, double)>();
        for (int i = 0; i < m; i++)
        {
            for (int k = 0; k < d; k++) if (r[i][k] != 0) t.Add((k, i, r[i][k]));
            t.Add((d, i, 1));
            t.Add((d + 1 + i, i, -1));
        }
        var b = new double[d + 1 + m];
        b[d] = 1;
        var p = ConicProblem.Create(null, new double[m], CscMatrix.FromTriplets(d + 1 + m, m, t), b, [new ZeroConeSpec(d + 1), new NonnegativeConeSpec(m)]);
        var sol = OrToolsLp.Solve(p, LpSolver.Glop);
        if (sol.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) return null;
        return [.. Enumerable.Range(0, m).Where(i => sol.X[i] > 1e-12).Select(i => rows[i])];
    }

    /// <summary>A floating-point point with r_i'g >= 1 from OR-Tools (null when it finds none).</summary>
    private static double[]? Propose(List<BigInteger[]> rows, int d, LpSolver solver)
    {
        // -R g + s = -1, s >= 0, objective 0.
        var r = Scaled(rows, d);
        var t = new List<(int, int, double)>();
        for (int i = 0; i < rows.Count; i++)
            for (int k = 0; k < d; k++)
                if (r[i][k] != 0) t.Add((i, k, -r[i][k]));
        var p = ConicProblem.Create(null, new double[d], CscMatrix.FromTriplets(rows.Count, d, t), Enumerable.Repeat(-1.0, rows.Count).ToArray(),
            [new NonnegativeConeSpec(rows.Count)]);
        var sol = OrToolsLp.Solve(p, solver);
        return sol.Status is SolverStatus.Solved or SolverStatus.AlmostSolved ? sol.X : null;
    }

    /// <summary>r_i'g > 0 for every row, decided exactly (a double vector is an exact dyadic one).</summary>
    private static bool ExactlyInside(List<BigInteger[]> rows, double[] g)
    {
        if (g.Any(v => !double.IsFinite(v))) return false;
        var exact = ExactRows.ToIntegers(g);
        return rows.All(r => ExactRows.Dot(r, exact).Sign > 0);
    }

    /// <summary>
    /// The verifier's support values sigma_K(+-X'D_i y) over every chamber (beta_max's inner problems): Lawson-Hanson,
    /// against GLOP on max c'g s.t. Ag >= 0, -1 &lt;= g &lt;= 1 (the infinity-norm ball: a valid upper bound, not the same value).
    /// </summary>
    private static void ConeSupports(string site, double[,] x, double[] y, IReadOnlyList<Chamber> chambers)
    {
        var inputs = ChamberInputs(x, chambers, y);
        double ownMax = 0, lpMax = 0;
        double betaMaxSeconds = Time(() => ownMax = OptimalityVerifier.Rho(x, x.GetLength(0), chambers, y));
        double own = Time(() => { foreach (var (rows, c) in inputs) { ConeSupport.UpperBound(rows, c); ConeSupport.UpperBound(rows, c.Select(v => -v).ToArray()); } });
        double glop = Time(() =>
        {
            foreach (var (rows, c) in inputs)
                lpMax = Math.Max(lpMax, Math.Max(InfinityNormSupport(rows, c, LpSolver.Glop), InfinityNormSupport(rows, c.Select(v => -v).ToArray(), LpSolver.Glop)));
        });
        Row(site, 2 * inputs.Count, own, glop, double.NaN, $"rho {ownMax:G6} vs LP {lpMax:G6}",
            $"QPs (NNLS); beta_max itself {betaMaxSeconds:F3} s; GLOP on the infinity-norm LP (looser bound); PDLP: no QP objective in OR-Tools' C# linear solver");
    }

    /// <summary>The chamber widths (thin-chamber test): Lawson-Hanson on the least-distance problem, against GLOP on max t s.t. a_j'g >= t, |g| &lt;= 1.</summary>
    private static void Widths(string site, double[,] x, IReadOnlyList<Chamber> chambers)
    {
        double own = Time(() => { foreach (var ch in chambers) ChamberCone.Width(x, ch); });
        var inputs = ChamberInputs(x, chambers, null);
        double glop = Time(() => { foreach (var (rows, _) in inputs) InfinityNormWidth(rows); });
        Row(site, chambers.Count, own, glop, double.NaN, "-", "QPs (least distance); GLOP on the infinity-norm LP (another width)");
    }

    /// <summary>Each chamber's signed unit-free rows (as the verifier builds them) and c = X'D y (zero when y is null).</summary>
    private static List<(List<double[]> Rows, double[] C)> ChamberInputs(double[,] x, IReadOnlyList<Chamber> chambers, double[]? y)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var nonzero = ChamberCone.NonzeroRows(x);
        var list = new List<(List<double[]>, double[])>(chambers.Count);
        foreach (var ch in chambers)
        {
            var c = new double[d];
            if (y is not null) for (int j = 0; j < n; j++) if (ch[j]) for (int k = 0; k < d; k++) c[k] += x[j, k] * y[j];
            var rows = new List<double[]>();
            foreach (int j in ChamberCone.Rows(x, ch, nonzero))
            {
                double sgn = ch[j] ? 1 : -1;
                rows.Add(Enumerable.Range(0, d).Select(k => sgn * x[j, k]).ToArray());
            }
            list.Add((rows, c));
        }
        return list;
    }

    /// <summary>max c'g s.t. Ag >= 0, -1 &lt;= g &lt;= 1, by OR-Tools (as min -c'g).</summary>
    private static double InfinityNormSupport(List<double[]> rows, double[] c, LpSolver solver)
    {
        int m = rows.Count, d = c.Length;
        var t = new List<(int, int, double)>();
        for (int i = 0; i < m; i++) for (int k = 0; k < d; k++) if (rows[i][k] != 0) t.Add((i, k, -rows[i][k]));
        for (int k = 0; k < d; k++) { t.Add((m + 2 * k, k, 1)); t.Add((m + 2 * k + 1, k, -1)); }
        var b = new double[m + 2 * d];
        for (int i = m; i < b.Length; i++) b[i] = 1;
        var p = ConicProblem.Create(null, c.Select(v => -v).ToArray(), CscMatrix.FromTriplets(m + 2 * d, d, t), b, [new NonnegativeConeSpec(m + 2 * d)]);
        return -OrToolsLp.Solve(p, solver).PrimalObjective;
    }

    /// <summary>max t s.t. a_j'g >= t, -1 &lt;= g &lt;= 1 (variables g, t), by GLOP.</summary>
    private static double InfinityNormWidth(List<double[]> rows)
    {
        int m = rows.Count, d = rows.Count == 0 ? 0 : rows[0].Length;
        if (m == 0) return 1;
        var t = new List<(int, int, double)>();
        for (int i = 0; i < m; i++) { for (int k = 0; k < d; k++) if (rows[i][k] != 0) t.Add((i, k, -rows[i][k])); t.Add((i, d, 1)); }
        for (int k = 0; k < d; k++) { t.Add((m + 2 * k, k, 1)); t.Add((m + 2 * k + 1, k, -1)); }
        var b = new double[m + 2 * d];
        for (int i = m; i < b.Length; i++) b[i] = 1;
        var q = new double[d + 1];
        q[d] = -1;
        var p = ConicProblem.Create(null, q, CscMatrix.FromTriplets(m + 2 * d, d + 1, t), b, [new NonnegativeConeSpec(m + 2 * d)]);
        return -OrToolsLp.Solve(p, LpSolver.Glop).PrimalObjective;
    }

    /// <summary>One LP by the three solvers (best of <paramref name="repeats"/> runs each, a warm-up first).</summary>
    private static void CompareSolvers(string name, ConicProblem p, ProblemFile? file, int repeats)
    {
        double Sense(double v) => file?.ToFileSense(v) ?? v;
        SolverResult ecnn = null!, glop = null!, pdlp = null!;
        if (repeats > 1) { ConicSolver.Solve(p); OrToolsLp.Solve(p, LpSolver.Glop); OrToolsLp.Solve(p, LpSolver.Pdlp); }
        double Best(Action a) => Enumerable.Range(0, repeats).Min(_ => Time(a));
        double te = Best(() => ecnn = ConicSolver.Solve(p));
        double tg = Best(() => glop = OrToolsLp.Solve(p, LpSolver.Glop));
        double tp = Best(() => pdlp = OrToolsLp.Solve(p, LpSolver.Pdlp, new SolverSettings { TimeLimitSeconds = 600 }));
        string Show(SolverResult r) => r.Status == SolverStatus.Solved ? $"{Sense(r.PrimalObjective):G10}" : r.Status.ToName();
        Console.WriteLine($"{name,-44} {p.Variables,7} {te * 1000,9:F3} {tg * 1000,9:F3} {tp * 1000,9:F3} {Show(ecnn)}, {Show(glop)}, {Show(pdlp)}");
    }

    private static void Row(string site, int count, double own, double glop, double pdlp, string agree, string note) =>
        Console.WriteLine($"{site,-44} {count,7} {own,9:F3} {glop,9:F3} {(double.IsNaN(pdlp) ? "-" : pdlp.ToString("F3")),9} {agree,22}  {note}");

    private static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }
}
