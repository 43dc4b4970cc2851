using ExactConvexNN.Numerics;

namespace ExactConvexNN.Verification;

/// <summary>
/// The support value sigma_K(c) = max { c'g : g in K, ||g|| &lt;= 1 } of a polyhedral cone K = {g : A g &gt;= 0}, which equals
/// the norm of the projection of c onto K (Moreau). Computed from above: for every lambda &gt;= 0, g in K gives
/// c'g &lt;= (c + A'lambda)'g &lt;= ||c + A'lambda|| ||g||, so ||c + A'lambda|| is an upper bound whatever lambda is; the
/// best lambda (nonnegative least squares, Lawson-Hanson) makes it tight. Certificates built on it never depend on
/// the accuracy of the inner solve.
/// </summary>
public static class ConeSupport
{
    /// <summary>An upper bound on sigma_K(c), tight up to rounding, for K = {g : rows of <paramref name="a"/> times g &gt;= 0}.</summary>
    /// <param name="a">The m x d inequality matrix (row-major jagged rows, each of length d).</param>
    /// <param name="c">The vector c (length d).</param>
    public static double UpperBound(IReadOnlyList<double[]> a, ReadOnlySpan<double> c)
    {
        int m = a.Count, d = c.Length;
        var lambda = LawsonHanson.Solve(a, c);
        // ||c + A'lambda|| evaluated with lambda clamped to >= 0 (any such lambda gives a valid bound).
        var r = c.ToArray();
        for (int k = 0; k < m; k++)
        {
            double l = Math.Max(0, lambda[k]);
            if (l == 0) continue;
            for (int i = 0; i < d; i++) r[i] += l * a[k][i];
        }
        double s = 0;
        foreach (var v in r) s += v * v;
        return Math.Sqrt(s);
    }
}
