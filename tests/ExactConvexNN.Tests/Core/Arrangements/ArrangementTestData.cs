using ExactConvexNN.Numerics;
using System.Numerics;
using ExactConvexNN.Arrangements;

namespace ExactConvexNN.Tests.Core.Arrangements;

/// <summary>Data generators and exact checks shared by the arrangement tests.</summary>
internal static class ArrangementTestData
{
    public static double[,] Matrix(params double[][] rows)
    {
        int n = rows.Length, d = n == 0 ? 0 : rows[0].Length;
        var x = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i, j] = rows[i][j];
        return x;
    }

    public static double[,] Gaussian(int n, int d, int seed) => ExactConvexNN.Data.SyntheticData.Gaussian(n, d, seed);

    public static double[,] SmallIntegers(int n, int d, int range, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i, j] = rng.Next(-range, range + 1);
        return x;
    }

    /// <summary>The exact sign of x_j'g, with x_j's doubles taken as the exact rationals they are.</summary>
    public static int ExactSign(double[,] x, int row, BigInteger[] g)
    {
        int d = x.GetLength(1);
        var r = new double[d];
        for (int i = 0; i < d; i++) r[i] = x[row, i];
        return ExactRows.Dot(ExactRows.ToIntegers(r), g).Sign;
    }

    /// <summary>Soundness: the witness is strictly inside (nonzero on every nonzero row) and recomputes the pattern.</summary>
    public static void AssertWitnessRecomputesPattern(double[,] x, Chamber c)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        for (int j = 0; j < n; j++)
        {
            bool zeroRow = true;
            for (int i = 0; i < d; i++) zeroRow &= x[j, i] == 0;
            int s = ExactSign(x, j, c.Witness);
            if (!zeroRow) Assert.True(s != 0, $"witness of {c} lies on the hyperplane of row {j}");
            Assert.True(c[j] == (s >= 0), $"witness of {c} gives the wrong sign on row {j}");
        }
    }

    public static HashSet<string> Patterns(Arrangement a) => a.Chambers.Select(c => c.ToString()).ToHashSet();
}
