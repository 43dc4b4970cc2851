using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Numerics;

/// <summary>Nonnegative least squares by the Lawson-Hanson active-set method, for the small dense problems of one chamber.</summary>
public static class LawsonHanson
{
    /// <summary>
    /// lambda &gt;= 0 minimizing ||c + A'lambda|| (Lawson and Hanson, Solving Least Squares Problems, ch. 23: the active-set
    /// method; passive-set subproblems by SVD). <paramref name="a"/> holds the m rows of A, each of length d = |c|.
    /// </summary>
    public static double[] Solve(IReadOnlyList<double[]> a, ReadOnlySpan<double> c)
    {
        int m = a.Count, d = c.Length;
        var lambda = new double[m];
        if (m == 0) return lambda;
        var passive = new bool[m];
        var cv = c.ToArray();
        double scale = Math.Max(1e-300, Math.Sqrt(cv.Sum(v => v * v)) * a.Max(r => Math.Sqrt(r.Sum(v => v * v))));
        double tol = 1e-13 * scale;
        for (int outer = 0; outer < 3 * m + 10; outer++)
        {
            // w = -A (c + A'lambda): the negative gradient; a zero-set index with w_k > 0 can improve.
            var res = Residual(a, cv, lambda);
            int best = -1; double bestW = tol;
            for (int k = 0; k < m; k++)
            {
                if (passive[k]) continue;
                double w = 0;
                for (int i = 0; i < d; i++) w -= a[k][i] * res[i];
                if (w > bestW) { bestW = w; best = k; }
            }
            if (best < 0) break;
            passive[best] = true;
            for (int inner = 0; inner < 3 * m + 10; inner++)
            {
                var s = SolvePassive(a, cv, passive);
                if (s is null) { passive[best] = false; return lambda; }
                bool feasible = true;
                double alpha = 1;
                for (int k = 0; k < m; k++)
                    if (passive[k] && s[k] <= 0)
                    {
                        feasible = false;
                        double step = lambda[k] / (lambda[k] - s[k]);
                        if (step < alpha) alpha = step;
                    }
                if (feasible) { Array.Copy(s, lambda, m); break; }
                for (int k = 0; k < m; k++)
                    if (passive[k])
                    {
                        lambda[k] += alpha * (s[k] - lambda[k]);
                        if (lambda[k] <= 1e-15 * Math.Max(1, Math.Abs(s[k]))) { lambda[k] = 0; passive[k] = false; }
                    }
            }
        }
        return lambda;
    }

    private static double[] Residual(IReadOnlyList<double[]> a, double[] c, double[] lambda)
    {
        var r = (double[])c.Clone();
        for (int k = 0; k < lambda.Length; k++)
            if (lambda[k] != 0) for (int i = 0; i < r.Length; i++) r[i] += lambda[k] * a[k][i];
        return r;
    }

    /// <summary>Unconstrained least squares on the passive set: min ||c + A_P' s||, by SVD (minimum norm when the passive columns are dependent); zeros elsewhere.</summary>
    private static double[]? SolvePassive(IReadOnlyList<double[]> a, double[] c, bool[] passive)
    {
        var idx = Enumerable.Range(0, passive.Length).Where(k => passive[k]).ToArray();
        int d = c.Length;
        var e = Matrix<double>.Build.Dense(d, idx.Length, (i, j) => a[idx[j]][i]);
        var rhs = Vector<double>.Build.Dense(d, i => -c[i]);
        Vector<double> sol;
        try { sol = e.Svd(true).Solve(rhs); }
        catch (Exception) { return null; }
        if (sol.Any(v => !double.IsFinite(v))) return null;
        var s = new double[passive.Length];
        for (int j = 0; j < idx.Length; j++) s[idx[j]] = sol[j];
        return s;
    }
}
