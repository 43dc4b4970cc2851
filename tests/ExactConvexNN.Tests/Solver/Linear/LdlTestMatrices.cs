using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Tests.Solver.Linear;

/// <summary>Test matrices for the LDL' backends, built independently of the code under test.</summary>
internal static class LdlTestMatrices
{
    /// <summary>The upper triangle (diagonal included) of a symmetric dense matrix, as CSC.</summary>
    public static CscMatrix UpperOf(double[,] k, bool keepZeros = false)
    {
        int n = k.GetLength(0);
        var t = new List<(int, int, double)>();
        for (int j = 0; j < n; j++)
            for (int i = 0; i <= j; i++)
                if (keepZeros || k[i, j] != 0) t.Add((i, j, k[i, j]));
        return CscMatrix.FromTriplets(n, n, t);
    }

    /// <summary>
    /// A random sparse quasi-definite K = [[A + δI, B'], [B, -(C + δI)]] with A = F'F and C = G'G PSD
    /// (F, G, B random sparse), returned dense with the pivot signs (+1 for the first block, -1 for the second).
    /// </summary>
    public static (double[,] K, sbyte[] Signs) QuasiDefinite(Random rng, int n1, int n2, double density, double delta = 1e-1)
    {
        var a = Gram(rng, n1, density);
        var c = Gram(rng, n2, density);
        int n = n1 + n2;
        var k = new double[n, n];
        for (int i = 0; i < n1; i++)
            for (int j = 0; j < n1; j++) k[i, j] = a[i, j] + (i == j ? delta : 0);
        for (int i = 0; i < n2; i++)
            for (int j = 0; j < n2; j++) k[n1 + i, n1 + j] = -(c[i, j] + (i == j ? delta : 0));
        for (int i = 0; i < n2; i++)
            for (int j = 0; j < n1; j++)
                if (rng.NextDouble() < density) { double v = rng.NextDouble() * 2 - 1; k[n1 + i, j] = v; k[j, n1 + i] = v; }
        var signs = new sbyte[n];
        for (int i = 0; i < n; i++) signs[i] = (sbyte)(i < n1 ? 1 : -1);
        return (k, signs);
    }

    /// <summary>F'F for a random sparse m x m matrix F (PSD, often singular).</summary>
    private static double[,] Gram(Random rng, int m, double density)
    {
        var f = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                if (rng.NextDouble() < density) f[i, j] = rng.NextDouble() * 2 - 1;
        var g = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int r = 0; r < m; r++) s += f[r, i] * f[r, j];
                g[i, j] = s;
            }
        return g;
    }

    /// <summary>K x for dense symmetric K.</summary>
    public static double[] Multiply(double[,] k, ReadOnlySpan<double> x)
    {
        int n = k.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += k[i, j] * x[j];
            y[i] = s;
        }
        return y;
    }

    /// <summary>Infinity norm of K x - b, relative to ||K||·||x|| + ||b||.</summary>
    public static double RelativeResidual(double[,] k, ReadOnlySpan<double> x, ReadOnlySpan<double> b)
    {
        var kx = Multiply(k, x);
        double r = 0, nk = 0, nx = 0, nb = 0;
        for (int i = 0; i < kx.Length; i++)
        {
            r = Math.Max(r, Math.Abs(kx[i] - b[i]));
            nx = Math.Max(nx, Math.Abs(x[i]));
            nb = Math.Max(nb, Math.Abs(b[i]));
            for (int j = 0; j < kx.Length; j++) nk = Math.Max(nk, Math.Abs(k[i, j]));
        }
        return r / (nk * nx + nb + double.Epsilon);
    }

    public static double[] RandomVector(Random rng, int n)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextDouble() * 2 - 1;
        return v;
    }

    /// <summary>Upper triangle of the 5-point Laplacian of an nx x ny grid plus shift·I.</summary>
    public static CscMatrix GridLaplacianUpper(int nx, int ny, double shift = 0.0)
    {
        var t = new List<(int, int, double)>();
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++)
            {
                int i = y * nx + x;
                t.Add((i, i, 4.0 + shift));
                if (x + 1 < nx) t.Add((i, i + 1, -1.0));
                if (y + 1 < ny) t.Add((i, i + nx, -1.0));
            }
        return CscMatrix.FromTriplets(nx * ny, nx * ny, t);
    }

    /// <summary>Upper triangle of an arrowhead matrix whose dense row/column is <paramref name="hub"/>; diagonally dominant.</summary>
    public static CscMatrix ArrowheadUpper(int n, int hub)
    {
        var t = new List<(int, int, double)>();
        for (int i = 0; i < n; i++)
        {
            t.Add((i, i, i == hub ? 2.0 * n : 2.0));
            if (i != hub) t.Add((Math.Min(i, hub), Math.Max(i, hub), 1.0));
        }
        return CscMatrix.FromTriplets(n, n, t);
    }

    /// <summary>
    /// Number of strictly-lower entries of L when the graph of the pattern is eliminated in the order
    /// <paramref name="perm"/> (graph elimination: each pivot's remaining neighbours become a clique).
    /// </summary>
    public static long FillCount(CscMatrix upper, int[] perm)
    {
        int n = upper.Columns;
        var adj = new HashSet<int>[n];
        for (int i = 0; i < n; i++) adj[i] = [];
        for (int j = 0; j < n; j++)
            for (int p = upper.ColumnPointers[j]; p < upper.ColumnPointers[j + 1]; p++)
            {
                int i = upper.RowIndices[p];
                if (i != j) { adj[i].Add(j); adj[j].Add(i); }
            }
        var done = new bool[n];
        long count = 0;
        foreach (int v in perm)
        {
            done[v] = true;
            var nb = adj[v].Where(u => !done[u]).ToArray();
            count += nb.Length;
            foreach (int a in nb)
                foreach (int b in nb)
                    if (a != b) adj[a].Add(b);
        }
        return count;
    }
}
