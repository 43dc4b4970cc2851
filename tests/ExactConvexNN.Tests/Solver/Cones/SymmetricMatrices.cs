using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Tests.Solver.Cones;

/// <summary>
/// Test-side svec packing (lower triangle by columns, off-diagonals times √2), written independently of
/// PsdCone, and random symmetric / positive definite matrices.
/// </summary>
internal static class SymmetricMatrices
{
    /// <summary>svec(X) from the lower triangle of a full matrix.</summary>
    public static double[] Svec(Matrix<double> x)
    {
        int k = x.RowCount;
        var v = new List<double>(k * (k + 1) / 2);
        for (int j = 0; j < k; j++)
            for (int i = j; i < k; i++) v.Add(i == j ? x[i, j] : Math.Sqrt(2) * x[i, j]);
        return v.ToArray();
    }

    /// <summary>The k x k symmetric matrix of an svec vector.</summary>
    public static Matrix<double> Smat(ReadOnlySpan<double> v, int k)
    {
        var x = Matrix<double>.Build.Dense(k, k);
        int t = 0;
        for (int j = 0; j < k; j++)
            for (int i = j; i < k; i++, t++)
            {
                double e = i == j ? v[t] : v[t] / Math.Sqrt(2);
                x[i, j] = e; x[j, i] = e;
            }
        return x;
    }

    /// <summary>Order k of a vector of length k(k+1)/2.</summary>
    public static int Order(int length) => (int)Math.Round((Math.Sqrt(8.0 * length + 1) - 1) / 2);

    /// <summary>Smallest eigenvalue of smat(v).</summary>
    public static double MinEigenvalue(ReadOnlySpan<double> v) =>
        Smat(v, Order(v.Length)).Evd(Symmetricity.Symmetric).EigenValues.Min(e => e.Real);

    /// <summary>Random symmetric matrix with entries in [-1, 1].</summary>
    public static Matrix<double> RandomSymmetric(Random rng, int k)
    {
        var a = Matrix<double>.Build.Dense(k, k, (_, _) => 2 * rng.NextDouble() - 1);
        return (a + a.Transpose()) / 2;
    }

    /// <summary>B B' + shift I with B random k x rank: positive definite for shift &gt; 0.</summary>
    public static Matrix<double> RandomPsd(Random rng, int k, int rank, double shift)
    {
        var b = Matrix<double>.Build.Dense(k, rank, (_, _) => 2 * rng.NextDouble() - 1);
        return b * b.Transpose() + shift * Matrix<double>.Build.DenseIdentity(k);
    }
}
