using System.Diagnostics;
using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Bench;

/// <summary>
/// Sparse LDL' on quasi-definite KKT matrices K = [[L + σI, A'], [A, -δI]] where L is the 2-D (5-point) or 3-D
/// (7-point) grid Laplacian on m nodes and A (m/2 rows) couples dual row r to primal nodes 2r and 2r+1.
/// Reports ordering, symbolic and numeric times and nnz(L) under AMD and natural ordering.
/// Usage: ldl [maxRows] [maxNnzL] (defaults 100000, i.e. sizes 1k, 10k, 100k, and 40 million).
/// </summary>
public static class LdlBench
{
    private const double Sigma = 1e-2, Delta = 1e-2;
    /// <summary>Default cap on nnz(L) above which the numeric factorization is skipped (memory and time).</summary>
    private const long DefaultMaxNumericNonZeros = 40_000_000;

    public static void Run(string[] args)
    {
        int maxRows = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        long maxNnzL = args.Length > 1 ? long.Parse(args[1]) : DefaultMaxNumericNonZeros;
        // Warm-up (JIT) on a small problem so the first timed row is not a compile time.
        var (k0, s0) = Kkt(2, 10);
        SparseLdl.Create(k0, FillReducingOrdering.Amd).Factor(k0.Values, s0, 1e-13, 1e-7);
        Console.WriteLine($"{"problem",-22} {"rows",8} {"nnz(K)",9} {"order",6} {"t_order",9} {"t_symb",8} {"t_factor",9} {"t_solve",8} {"nnz(L)",12} {"reg",4} {"residual",9}");
        foreach (int dim in new[] { 2, 3 })
            foreach (int target in new[] { 1_000, 10_000, 100_000 })
            {
                if (target > maxRows) continue;
                // rows = 1.5 g^dim
                int g = (int)Math.Round(Math.Pow(target / 1.5, 1.0 / dim));
                var (k, signs) = Kkt(dim, g);
                foreach (var ordering in new[] { FillReducingOrdering.Amd, FillReducingOrdering.Natural })
                    RunOne($"{dim}-D grid {g}^{dim}", k, signs, ordering, maxNnzL);
            }
    }

    private static void RunOne(string name, CscMatrix k, sbyte[] signs, FillReducingOrdering ordering, long maxNnzL)
    {
        int n = k.Columns;
        int[] perm = [];
        double tOrder = Time(() => perm = FillReducingOrderings.Compute(k, ordering));
        long nnzL = SparseLdl.CountNonZerosL(k, perm);
        string prefix = $"{name,-22} {n,8} {k.NonZeros,9} {(ordering == FillReducingOrdering.Amd ? "amd" : "nat"),6} {tOrder,9:F4}";
        if (nnzL > maxNnzL)
        {
            Console.WriteLine($"{prefix} {"-",8} {"-",9} {"-",8} {nnzL,12} (numeric skipped: nnz(L) > {maxNnzL:N0})");
            return;
        }
        SparseLdl ldl = null!;
        double tSymbolic = Time(() => ldl = SparseLdl.Create(k, perm));
        bool ok = false;
        double tFactor = Time(() => ok = ldl.Factor(k.Values, signs, 1e-13, 1e-7));
        var b = new double[n];
        var rng = new Random(1);
        for (int i = 0; i < n; i++) b[i] = rng.NextDouble() * 2 - 1;
        var x = new double[n];
        double tSolve = Time(() => { b.CopyTo(x); ldl.Solve(x); });
        // residual = ||K x - b||_inf / ||b||_inf
        var r = new double[n];
        k.MultiplySymmetricUpper(x, r);
        double res = 0, nb = 0;
        for (int i = 0; i < n; i++) { res = Math.Max(res, Math.Abs(r[i] - b[i])); nb = Math.Max(nb, Math.Abs(b[i])); }
        Console.WriteLine($"{prefix} {tSymbolic,8:F4} {tFactor,9:F4} {tSolve,8:F4} {ldl.NonZerosL,12} {ldl.RegularizedPivots,4} {(ok ? (res / nb).ToString("E1") : "failed"),9}");
    }

    /// <summary>Seconds for <paramref name="a"/>: the best of 5 runs when one run is short (tiered JIT, timer noise), else one run.</summary>
    private static double Time(Action a)
    {
        double best = double.PositiveInfinity;
        for (int run = 0; run < 5 && (run == 0 || best < 0.2); run++)
        {
            var sw = Stopwatch.StartNew();
            a();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>Upper triangle of the KKT matrix for a grid of g^dim primal nodes, with pivot signs.</summary>
    private static (CscMatrix K, sbyte[] Signs) Kkt(int dim, int g)
    {
        int m = dim == 2 ? g * g : g * g * g;
        int p = m / 2, n = m + p;
        var t = new List<(int, int, double)>(m * (dim + 1) + 3 * p);
        for (int i = 0; i < m; i++)
        {
            t.Add((i, i, 2.0 * dim + Sigma));
            // +x, +y (+z) neighbours
            int x = i % g, y = (i / g) % g;
            if (x + 1 < g) t.Add((i, i + 1, -1.0));
            if (y + 1 < g) t.Add((i, i + g, -1.0));
            if (dim == 3 && i / (g * g) + 1 < g) t.Add((i, i + g * g, -1.0));
        }
        for (int r = 0; r < p; r++)
        {
            t.Add((2 * r, m + r, 1.0));
            t.Add((2 * r + 1, m + r, -0.5));
            t.Add((m + r, m + r, -Delta));
        }
        var signs = new sbyte[n];
        for (int i = 0; i < n; i++) signs[i] = (sbyte)(i < m ? 1 : -1);
        return (CscMatrix.FromTriplets(n, n, t), signs);
    }
}
