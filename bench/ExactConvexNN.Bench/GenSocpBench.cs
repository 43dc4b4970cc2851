using System.Globalization;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Bench;

/// <summary>
/// <c>gen-socp FOLDER [--count K] [--n N] [--seed S] [--density D]</c>: writes random sparse SOCP and QP-as-SOCP
/// problems as CBF files (for <c>ecnn solve</c> and bench/cvxopt/compare.py). Each problem is feasible and bounded
/// by construction: with x0 free, s0 in int K and z0 in int K*, b = A x0 + s0 and q = -A'z0 make (x0, s0) primal
/// and z0 dual strictly feasible.
/// </summary>
public static class GenSocpBench
{
    public static void Run(string[] args)
    {
        if (args.Length == 0) { Console.Error.WriteLine("usage: gen-socp FOLDER [--count K] [--n N] [--seed S] [--density D] | gen-socp FOLDER --planted N..."); return; }
        string folder = args[0];
        if (args.Length > 1 && args[1] == "--planted") { WritePlanted(folder, args[2..]); return; }
        int count = 4, n = 200, seed = 1;
        double density = 0.05;
        for (int i = 1; i + 1 < args.Length; i += 2)
            switch (args[i])
            {
                case "--count": count = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--n": n = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--density": density = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return;
            }
        Directory.CreateDirectory(folder);
        for (int k = 0; k < count; k++)
        {
            bool qp = k % 2 == 1;
            var problem = qp ? RandomQp(n, density, seed + k) : RandomSocp(n, density, seed + k);
            var path = Path.Combine(folder, $"{(qp ? "qp" : "socp")}_n{n}_s{seed + k}.cbf");
            var (seconds, _) = BenchRegistry.Measure(() => File.WriteAllText(path, CbfWriter.ToText(problem)));
            Console.WriteLine($"{path}: {problem.Variables} variables, {problem.Constraints} rows, {problem.A.NonZeros} nonzeros, {problem.Cones.Count} cones ({seconds:F2} s)");
        }
    }

    /// <summary>
    /// <c>gen-socp FOLDER --planted N...</c>: the very SOCPs of the <c>socp</c> benchmark (same generator, same seed
    /// new Random(N)), with second-order cones of dimension 3-6 and 40-80, so CVXOPT can be timed on the problems of
    /// that table. (The <c>qp</c> benchmark's problems have a quadratic objective, which CBF cannot hold.)
    /// </summary>
    private static void WritePlanted(string folder, string[] sizes)
    {
        Directory.CreateDirectory(folder);
        foreach (var size in sizes.Length > 0 ? sizes : ["1000", "10000"])
        {
            int n = int.Parse(size, CultureInfo.InvariantCulture);
            foreach (var (lo, hi) in new[] { (3, 6), (40, 80) })
            {
                var (problem, optimum) = ConicBench.Planted(new Random(n), n, quadratic: false, lo, hi);
                var path = Path.Combine(folder, $"planted_socp_n{n}_cones{lo}-{hi}.cbf");
                File.WriteAllText(path, CbfWriter.ToText(problem));
                Console.WriteLine($"{path}: {problem.Variables} variables, {problem.Constraints} rows, {problem.A.NonZeros} nonzeros, {problem.Cones.Count} cones, planted optimum {optimum:R}");
            }
        }
    }

    /// <summary>m = 2n rows: n/2 nonnegative rows, then second-order cones of dimension 3..10; A sparse with a dense-ish diagonal.</summary>
    public static ConicProblem RandomSocp(int n, double density, int seed)
    {
        var rng = new Random(seed);
        var cones = new List<ConeSpec> { new NonnegativeConeSpec(n / 2) };
        int rows = n / 2;
        while (rows < 2 * n) { int d = Math.Min(rng.Next(3, 11), 2 * n - rows); if (d < 1) break; cones.Add(new SecondOrderConeSpec(d)); rows += d; }
        var a = new List<(int, int, double)>();
        for (int i = 0; i < rows; i++)
        {
            a.Add((i, i % n, 1.0 + rng.NextDouble())); // every row and column touched
            for (int j = 0; j < n; j++) if (rng.NextDouble() < density) a.Add((i, j, 2 * rng.NextDouble() - 1));
        }
        return Interior(CscMatrix.FromTriplets(rows, n, a), null, cones, rng);
    }

    /// <summary>min 1/2 ||F x||^2 + c'x as min t + c'x with (t, 1, F x) in the rotated cone, written as the second-order cone
    /// ((t + 1)/sqrt 2, (t - 1)/sqrt 2, F x), plus n/2 nonnegative rows.</summary>
    public static ConicProblem RandomQp(int n, double density, int seed)
    {
        var rng = new Random(seed);
        int vars = n + 1, t = n, nonneg = n / 2, socDim = n + 2;
        var a = new List<(int, int, double)>();
        for (int i = 0; i < nonneg; i++)
        {
            a.Add((i, i % n, 1.0));
            for (int j = 0; j < n; j++) if (rng.NextDouble() < density) a.Add((i, j, 2 * rng.NextDouble() - 1));
        }
        double h = Math.Sqrt(0.5);
        // s = ((t+1)/sqrt2, (t-1)/sqrt2, F x) = b - A x with b = (h, -h, 0).
        a.Add((nonneg, t, -h)); a.Add((nonneg + 1, t, -h));
        for (int i = 0; i < n; i++)
        {
            a.Add((nonneg + 2 + i, i, -1.0));
            for (int j = 0; j < n; j++) if (rng.NextDouble() < density) a.Add((nonneg + 2 + i, j, -(2 * rng.NextDouble() - 1) * 0.5));
        }
        var cones = new List<ConeSpec> { new NonnegativeConeSpec(nonneg), new SecondOrderConeSpec(socDim) };
        var A = CscMatrix.FromTriplets(nonneg + socDim, vars, a);
        var b = new double[nonneg + socDim];
        b[nonneg] = h; b[nonneg + 1] = -h;
        for (int i = 0; i < nonneg; i++) b[i] = 1 + rng.NextDouble(); // x = 0 is strictly feasible for the linear rows
        var q = new double[vars];
        for (int j = 0; j < n; j++) q[j] = 2 * rng.NextDouble() - 1;
        q[t] = 1;
        return ConicProblem.Create(null, q, A, b, cones);
    }

    /// <summary>Fills b and q so that a random interior primal point and a random interior dual point exist.</summary>
    private static ConicProblem Interior(CscMatrix a, double[]? q, List<ConeSpec> cones, Random rng)
    {
        int m = a.Rows, n = a.Columns;
        var x0 = new double[n];
        for (int j = 0; j < n; j++) x0[j] = rng.NextDouble() - 0.5;
        var s0 = new double[m];
        var z0 = new double[m];
        int at = 0;
        foreach (var k in cones)
        {
            // Interior points: positive entries; for a second-order cone a head larger than the norm of the tail.
            for (int i = 1; i < k.Dimension; i++) { s0[at + i] = rng.NextDouble() - 0.5; z0[at + i] = rng.NextDouble() - 0.5; }
            double tailS = 0, tailZ = 0;
            for (int i = 1; i < k.Dimension; i++) { tailS += s0[at + i] * s0[at + i]; tailZ += z0[at + i] * z0[at + i]; }
            if (k is SecondOrderConeSpec) { s0[at] = Math.Sqrt(tailS) + 0.5 + rng.NextDouble(); z0[at] = Math.Sqrt(tailZ) + 0.5 + rng.NextDouble(); }
            else for (int i = 0; i < k.Dimension; i++) { s0[at + i] = 0.5 + rng.NextDouble(); z0[at + i] = 0.5 + rng.NextDouble(); }
            at += k.Dimension;
        }
        // b = A x0 + s0, q = -A'z0.
        var b = (double[])s0.Clone();
        a.Multiply(x0, b, 1.0, 1.0);
        q ??= new double[n];
        a.MultiplyTransposed(z0, q, -1.0);
        return ConicProblem.Create(null, q, a, b, cones);
    }
}
