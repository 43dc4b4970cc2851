using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Bench;

/// <summary>
/// The conic interior-point solver on random sparse problems that are feasible and bounded by construction:
/// a primal-dual solution (x*, s*, z*) with s* ∈ K, z* ∈ K*, s*'z* = 0 is drawn first, then q = -Px* - A'z*
/// and b = Ax* + s*. A has 3 entries per column in a window of rows around the column's diagonal position
/// (a local random structure, so the KKT factor stays sparse). Reports status, iterations, time, peak memory
/// and the objective error against the planted optimum.
/// Usage: socp|qp [maxVariables] (default 100000: sizes 1k, 10k, 100k).
/// </summary>
public static class ConicBench
{
    private const int EntriesPerColumn = 3, Window = 40;

    public static void RunSocp(string[] args)
    {
        Run(args, quadratic: false, minCone: 3, maxCone: 6);
        // Larger cones (the size of a neuron's weight vector in the convex networks).
        Run(args, quadratic: false, minCone: 40, maxCone: 80);
    }

    public static void RunQp(string[] args) => Run(args, quadratic: true, 0, 0);

    private static void Run(string[] args, bool quadratic, int minCone, int maxCone)
    {
        int maxN = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        // Warm-up (JIT) so the first timed row is not a compile time.
        ConicSolver.Solve(Planted(new Random(0), 200, quadratic, minCone, maxCone).Problem);
        Console.WriteLine(quadratic ? "QP" : $"SOCP, second-order cones of dimension {minCone} to {maxCone}");
        Console.WriteLine($"{(quadratic ? "qp" : "socp"),-5} {"n",7} {"m",7} {"nnz(A)",8} {"nnz(P)",8} {"cones",6} {"status",-13} {"iter",4} {"seconds",8} {"cpu s",7} {"peakMiB",8} {"rel.obj.err",11} {"pres",8} {"dres",8}");
        foreach (int n in new[] { 1_000, 10_000, 100_000 })
        {
            if (n > maxN) continue;
            var (problem, optimum) = Planted(new Random(n), n, quadratic, minCone, maxCone);
            SolverResult r = null!;
            var (seconds, cpu, peak) = BenchRegistry.MeasureWithCpu(() => r = ConicSolver.Solve(problem));
            double err = Math.Abs(r.PrimalObjective - optimum) / (1 + Math.Abs(optimum));
            Console.WriteLine($"{"",-5} {n,7} {problem.Constraints,7} {problem.A.NonZeros,8} {problem.P.NonZeros,8} {problem.Cones.Count,6} {r.Status,-13} {r.Iterations,4} {seconds,8:F2} {cpu,7:F2} {peak,8:F0} {err,11:0.0e+00} {r.PrimalResidual,8:0.0e+00} {r.DualResidual,8:0.0e+00}");
        }
    }

    /// <summary>
    /// SOCP (P = 0): m = n rows: n/20 equalities, n/5 inequalities, the rest second-order cones of dimension minCone to maxCone
    /// (<paramref name="linear"/>: the rest inequalities too, an LP).
    /// QP: P = D + F'F (D ≥ 0 diagonal with zeros, F with n/10 local rows of 2 entries); n/20 equalities and 4n/5 inequalities.
    /// </summary>
    internal static (ConicProblem Problem, double Optimum) Planted(Random rng, int n, bool quadratic, int minCone, int maxCone, bool linear = false)
    {
        var cones = new List<ConeSpec> { new ZeroConeSpec(n / 20) };
        int m;
        if (quadratic) { cones.Add(new NonnegativeConeSpec(4 * n / 5)); m = n / 20 + 4 * n / 5; }
        else
        {
            int rest = n - n / 20 - n / 5;
            cones.Add(new NonnegativeConeSpec(n / 5 + (linear ? rest : 0)));
            if (linear) rest = 0;
            while (rest > 0) { int d = Math.Min(rest, minCone + rng.Next(maxCone - minCone + 1)); cones.Add(new SecondOrderConeSpec(d)); rest -= d; }
            m = n;
        }
        // A: 3 entries per column, in rows near the column's position, plus one per row so no row is empty.
        var t = new List<(int, int, double)>(EntriesPerColumn * n + m);
        for (int j = 0; j < n; j++)
        {
            int center = (int)((long)j * m / n);
            for (int k = 0; k < EntriesPerColumn; k++)
                t.Add((Math.Clamp(center + rng.Next(-Window, Window + 1), 0, m - 1), j, 2 * rng.NextDouble() - 1));
        }
        for (int i = 0; i < m; i++) t.Add((i, (int)((long)i * n / m), 1 + rng.NextDouble()));
        var a = CscMatrix.FromTriplets(m, n, t);
        var p = quadratic ? LocalPsd(rng, n) : CscMatrix.Zeros(n, n);

        var x = new double[n];
        for (int j = 0; j < n; j++) x[j] = 2 * rng.NextDouble() - 1;
        var s = new double[m]; var z = new double[m];
        int o = 0;
        foreach (var c in cones)
        {
            for (int i = 0; i < c.Dimension; i++)
            {
                // Zero cone: s = 0, z free. Orthant: one of s_i, z_i positive, the other zero.
                if (c is ZeroConeSpec) z[o + i] = 2 * rng.NextDouble() - 1;
                else if (c is NonnegativeConeSpec) { if (rng.Next(2) == 0) s[o + i] = 0.5 + rng.NextDouble(); else z[o + i] = 0.5 + rng.NextDouble(); }
            }
            if (c is SecondOrderConeSpec)
            {
                // s = a (1, u), z = b (1, -u), ||u|| = 1: both on the boundary and orthogonal.
                double norm = 0;
                for (int i = 1; i < c.Dimension; i++) { s[o + i] = rng.NextDouble() - 0.5; norm += s[o + i] * s[o + i]; }
                norm = Math.Sqrt(norm);
                double sa = 0.5 + rng.NextDouble(), zb = 0.5 + rng.NextDouble();
                for (int i = 1; i < c.Dimension; i++) { double u = s[o + i] / norm; s[o + i] = sa * u; z[o + i] = -zb * u; }
                s[o] = sa; z[o] = zb;
            }
            o += c.Dimension;
        }
        var q = new double[n];
        p.MultiplySymmetricUpper(x, q, -1.0);
        a.MultiplyTransposed(z, q, -1.0, 1.0);
        var b = new double[m];
        a.Multiply(x, b);
        for (int i = 0; i < m; i++) b[i] += s[i];
        var px = new double[n];
        p.MultiplySymmetricUpper(x, px);
        double optimum = 0;
        for (int j = 0; j < n; j++) optimum += 0.5 * x[j] * px[j] + q[j] * x[j];
        return (ConicProblem.Create(p, q, a, b, cones), optimum);
    }

    /// <summary>P = D + F'F: D diagonal with half its entries zero, F with n/10 rows of 2 nearby entries.</summary>
    private static CscMatrix LocalPsd(Random rng, int n)
    {
        var t = new List<(int, int, double)>();
        for (int j = 0; j < n; j++) if (rng.Next(2) == 0) t.Add((j, j, rng.NextDouble()));
        for (int r = 0; r < n / 10; r++)
        {
            int i = rng.Next(n), k = Math.Clamp(i + rng.Next(1, Window), 0, n - 1);
            double fi = 2 * rng.NextDouble() - 1, fk = 2 * rng.NextDouble() - 1;
            t.Add((i, i, fi * fi)); t.Add((k, k, fk * fk));
            if (i != k) t.Add((Math.Min(i, k), Math.Max(i, k), fi * fk));
        }
        return CscMatrix.FromTriplets(n, n, t);
    }
}
