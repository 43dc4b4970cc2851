using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// Random test data built independently of the solver: sparse matrices, PSD matrices, and strictly
/// complementary primal-dual pairs in a product of zero, nonnegative and second-order cones.
/// </summary>
internal static class RandomProblems
{
    /// <summary>Random sparse matrix; with <paramref name="nonzeroRows"/>, entry (i, i mod cols) is forced to lie in [1, 2).</summary>
    public static CscMatrix SparseMatrix(Random rng, int rows, int cols, double density, bool nonzeroRows = false)
    {
        var t = new List<(int, int, double)>();
        if (nonzeroRows) for (int i = 0; i < rows; i++) t.Add((i, i % cols, 1 + rng.NextDouble()));
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                if (rng.NextDouble() < density) t.Add((i, j, 2 * rng.NextDouble() - 1));
        return CscMatrix.FromTriplets(rows, cols, t);
    }

    /// <summary>Upper triangle of P = F'F + shift I with F random sparse (k x n, k &lt; n possible: P singular).</summary>
    public static CscMatrix PsdUpper(Random rng, int n, double density, int? rank = null, double shift = 0)
    {
        int k = rank ?? n;
        var f = new double[k, n];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                if (rng.NextDouble() < density) f[i, j] = 2 * rng.NextDouble() - 1;
        var t = new List<(int, int, double)>();
        for (int j = 0; j < n; j++)
            for (int i = 0; i <= j; i++)
            {
                double v = 0;
                for (int r = 0; r < k; r++) v += f[r, i] * f[r, j];
                if (i == j) v += shift;
                if (v != 0) t.Add((i, j, v));
            }
        return CscMatrix.FromTriplets(n, n, t);
    }

    /// <summary>Random s, z strictly inside each cone (s = 0 on zero cones, z free there).</summary>
    public static void InteriorPair(Random rng, IReadOnlyList<ConeSpec> cones, double[] s, double[] z)
    {
        int o = 0;
        foreach (var c in cones)
        {
            for (int i = 0; i < c.Dimension; i++)
            {
                s[o + i] = c is ZeroConeSpec ? 0 : 0.1 + rng.NextDouble();
                z[o + i] = c is ZeroConeSpec ? rng.NextDouble() - 0.5 : 0.1 + rng.NextDouble();
            }
            if (c is SecondOrderConeSpec)
            {
                SocInterior(rng, s.AsSpan(o, c.Dimension));
                SocInterior(rng, z.AsSpan(o, c.Dimension));
            }
            o += c.Dimension;
        }
    }

    private static void SocInterior(Random rng, Span<double> x)
    {
        double r = 0;
        for (int i = 1; i < x.Length; i++) { x[i] = 2 * rng.NextDouble() - 1; r += x[i] * x[i]; }
        x[0] = Math.Sqrt(r) + 0.1 + rng.NextDouble();
    }

    /// <summary>
    /// A complementary pair: in each cone, s on the boundary and z on the boundary with s'z = 0, or one of
    /// them zero and the other interior (chosen at random), so (s, z) is an optimal primal-dual slack pair.
    /// </summary>
    public static void ComplementaryPair(Random rng, IReadOnlyList<ConeSpec> cones, double[] s, double[] z)
    {
        int o = 0;
        foreach (var c in cones)
        {
            var sc = s.AsSpan(o, c.Dimension); var zc = z.AsSpan(o, c.Dimension);
            switch (c)
            {
                case ZeroConeSpec:
                    for (int i = 0; i < c.Dimension; i++) { sc[i] = 0; zc[i] = 2 * rng.NextDouble() - 1; }
                    break;
                case NonnegativeConeSpec:
                    for (int i = 0; i < c.Dimension; i++)
                    {
                        bool active = rng.NextDouble() < 0.5;
                        sc[i] = active ? 0 : 0.5 + rng.NextDouble();
                        zc[i] = active ? 0.5 + rng.NextDouble() : 0;
                    }
                    break;
                case SecondOrderConeSpec:
                    sc.Clear(); zc.Clear();
                    int kind = c.Dimension == 1 ? rng.Next(2) : rng.Next(3);
                    if (kind == 0) SocInterior(rng, sc);        // z = 0, s interior
                    else if (kind == 1) SocInterior(rng, zc);   // s = 0, z interior
                    else
                    {
                        // s = a (1, u), z = b (1, -u) with ||u|| = 1: both on the boundary, s'z = ab(1 - 1) = 0.
                        double norm = 0;
                        for (int i = 1; i < c.Dimension; i++) { sc[i] = rng.NextDouble() - 0.5; norm += sc[i] * sc[i]; }
                        norm = Math.Sqrt(norm);
                        if (norm == 0) { sc[1] = 1; norm = 1; }
                        double a = 0.5 + rng.NextDouble(), b = 0.5 + rng.NextDouble();
                        for (int i = 1; i < c.Dimension; i++) { double u = sc[i] / norm; sc[i] = a * u; zc[i] = -b * u; }
                        sc[0] = a; zc[0] = b;
                    }
                    break;
            }
            o += c.Dimension;
        }
    }
}
