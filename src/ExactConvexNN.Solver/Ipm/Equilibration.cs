using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Ipm;

/// <summary>
/// Ruiz equilibration of M = [[P, A'], [A, 0]] followed by cost scaling: the solver works on
/// P̂ = c D P D, Â = E A D, q̂ = c D q, b̂ = E b, so that x = D x̂, s = E^-1 ŝ, z = E ẑ / c.
/// Each pass divides every column of M by the square root of its infinity norm (norms below the lower bound, default 1e-4, are
/// taken as 1, above the upper bound, default 1e4, as that bound; cumulative factors stay within the bounds);
/// the row factors of a second-order cone are replaced by their mean so the cone is mapped onto itself.
/// </summary>
internal sealed class Equilibration
{
    /// <summary>Column scaling D (length n).</summary>
    public double[] D { get; }
    /// <summary>Row scaling E (length m).</summary>
    public double[] E { get; }
    /// <summary>Cost scaling c.</summary>
    public double C { get; }
    /// <summary>Scaled P̂ (upper triangle), Â, q̂, b̂.</summary>
    public CscMatrix P { get; }
    public CscMatrix A { get; }
    public double[] Q { get; }
    public double[] B { get; }

    private Equilibration(double[] d, double[] e, double c, CscMatrix p, CscMatrix a, double[] q, double[] b)
    { D = d; E = e; C = c; P = p; A = a; Q = q; B = b; }

    /// <summary>
    /// The point of the original problem that a scaled (x̂, ŝ, ẑ) with homogenizing τ stands for:
    /// x = D x̂ / τ, s = E^-1 ŝ / τ, z = E ẑ / (c τ) (τ = 1 outside the homogeneous embedding). Allocates nothing.
    /// </summary>
    public void Unscale(ReadOnlySpan<double> xh, ReadOnlySpan<double> sh, ReadOnlySpan<double> zh, double tau, Span<double> x, Span<double> s, Span<double> z)
    {
        for (int j = 0; j < x.Length; j++) x[j] = D[j] * xh[j] / tau;
        for (int i = 0; i < s.Length; i++) { s[i] = sh[i] / (E[i] * tau); z[i] = E[i] * zh[i] / (C * tau); }
    }

    /// <summary>
    /// Scales a copy of the problem data with <paramref name="iterations"/> Ruiz passes (0: identity scaling), norms and
    /// cumulative factors limited to [<paramref name="minScaling"/>, <paramref name="maxScaling"/>]
    /// (<see cref="SolverSettings.EquilibrationMinScaling"/>, <see cref="SolverSettings.EquilibrationMaxScaling"/>).
    /// </summary>
    public static Equilibration Create(ConicProblem problem, CompositeCone cones, int iterations, double minScaling = 1e-4, double maxScaling = 1e4)
    {
        double LimitNorm(double norm) => norm < minScaling ? 1.0 : Math.Min(norm, maxScaling);
        int n = problem.Variables, m = problem.Constraints;
        var p = Copy(problem.P); var a = Copy(problem.A);
        var d = new double[n]; var e = new double[m];
        Array.Fill(d, 1.0); Array.Fill(e, 1.0);
        var colNorm = new double[n]; var rowNorm = new double[m];
        for (int pass = 0; pass < iterations; pass++)
        {
            ColumnNorms(p, a, colNorm, rowNorm);
            // δ_j = 1/√||M_:j||, ε_i = 1/√||A_i:|| (an empty or tiny column/row is left alone).
            for (int j = 0; j < n; j++) colNorm[j] = 1.0 / Math.Sqrt(LimitNorm(colNorm[j]));
            for (int i = 0; i < m; i++) rowNorm[i] = 1.0 / Math.Sqrt(LimitNorm(rowNorm[i]));
            UniformWithinCones(cones, rowNorm, e, minScaling, maxScaling);
            // Cumulative scalings stay in [min, max]; the factor actually applied is the clamped ratio.
            Accumulate(d, colNorm, minScaling, maxScaling);
            Accumulate(e, rowNorm, minScaling, maxScaling);
            ScaleInPlace(p, colNorm, colNorm);
            ScaleInPlace(a, rowNorm, colNorm);
        }
        var q = new double[n]; var b = new double[m];
        for (int j = 0; j < n; j++) q[j] = d[j] * problem.Q[j];
        for (int i = 0; i < m; i++) b[i] = e[i] * problem.B[i];
        double c = 1.0;
        if (iterations > 0)
        {
            // c = 1 / max(mean_j ||P̂_:j||_inf, ||q̂||_inf), limited like the column norms.
            ColumnNorms(p, CscMatrix.Zeros(0, n), colNorm, []);
            double mean = n > 0 ? colNorm.Average() : 0.0;
            double scale = Math.Max(mean, VectorOps.NormInf(q));
            c = 1.0 / LimitNorm(scale);
            for (int k = 0; k < p.NonZeros; k++) p.Values[k] *= c;
            for (int j = 0; j < n; j++) q[j] *= c;
        }
        return new Equilibration(d, e, c, p, a, q, b);
    }

    /// <summary>total ← clamp(total · factor, min, max); factor ← the ratio actually applied.</summary>
    private static void Accumulate(Span<double> total, Span<double> factor, double min, double max)
    {
        for (int i = 0; i < total.Length; i++)
        {
            double next = Math.Clamp(total[i] * factor[i], min, max);
            factor[i] = next / total[i];
            total[i] = next;
        }
    }

    private static CscMatrix Copy(CscMatrix m) =>
        CscMatrix.Create(m.Rows, m.Columns, (int[])m.ColumnPointers.Clone(),
            m.RowIndices.AsSpan(0, m.NonZeros).ToArray(), m.Values.AsSpan(0, m.NonZeros).ToArray());

    /// <summary>colNorm[j] = ||[P; A]_:j||_inf with P symmetric from its upper triangle; rowNorm[i] = ||A_i:||_inf.</summary>
    private static void ColumnNorms(CscMatrix pUpper, CscMatrix a, Span<double> colNorm, Span<double> rowNorm)
    {
        colNorm.Clear(); rowNorm.Clear();
        for (int j = 0; j < pUpper.Columns; j++)
            for (int k = pUpper.ColumnPointers[j]; k < pUpper.ColumnPointers[j + 1]; k++)
            {
                int i = pUpper.RowIndices[k]; double v = Math.Abs(pUpper.Values[k]);
                colNorm[j] = Math.Max(colNorm[j], v);
                colNorm[i] = Math.Max(colNorm[i], v);
            }
        // Column maxima and row maxima of A; a large A in column ranges on several threads, each with its own row maxima.
        int parts = a.Workers();
        if (parts == 1) { MaxAbs(a, 0, a.Columns, colNorm, rowNorm); return; }
        var colArray = new double[colNorm.Length];
        colNorm.CopyTo(colArray);
        var rowParts = new double[parts][];
        Parallel.For(0, parts, t =>
        {
            rowParts[t] = new double[a.Rows];
            MaxAbs(a, a.PartStart(t, parts), a.PartStart(t + 1, parts), colArray, rowParts[t]);
        });
        colArray.CopyTo(colNorm);
        foreach (var part in rowParts)
            for (int i = 0; i < part.Length; i++) rowNorm[i] = Math.Max(rowNorm[i], part[i]);
    }

    /// <summary>colNorm[j] = max(colNorm[j], ||A_:j||_inf) for j in [j0, j1); rowNorm[i] = max(rowNorm[i], |A_ij|) over those columns.</summary>
    private static void MaxAbs(CscMatrix a, int j0, int j1, Span<double> colNorm, Span<double> rowNorm)
    {
        for (int j = j0; j < j1; j++)
            for (int k = a.ColumnPointers[j]; k < a.ColumnPointers[j + 1]; k++)
            {
                double v = Math.Abs(a.Values[k]);
                colNorm[j] = Math.Max(colNorm[j], v);
                rowNorm[a.RowIndices[k]] = Math.Max(rowNorm[a.RowIndices[k]], v);
            }
    }

    /// <summary>
    /// Makes the row factors of each non-diagonal cone an automorphism of the cone: a second-order cone gets their mean;
    /// a semidefinite cone gets a congruence X → Δ X Δ with Δ = diag(δ) (the factor of svec entry (i, j) is δ_i δ_j), so a
    /// badly scaled block (rows and columns of very different magnitude) is balanced like the rows of a linear program.
    /// </summary>
    private static void UniformWithinCones(CompositeCone cones, Span<double> factors, ReadOnlySpan<double> total, double min, double max)
    {
        for (int k = 0; k < cones.Cones.Count; k++)
        {
            var cone = cones.Cones[k];
            if (cone.HasDiagonalScaling || cone.Dimension == 0) continue;
            var block = factors.Slice(cones.Offset(k), cone.Dimension);
            if (cone is PsdCone psd) { CongruenceFactors(block, total.Slice(cones.Offset(k), cone.Dimension), psd.MatrixOrder, min, max); continue; }
            double mean = 0;
            foreach (double v in block) mean += v;
            block.Fill(mean / block.Length);
        }
    }

    /// <summary>
    /// The factors f_(ij) = 1/√||row (i, j)|| of an svec block replaced by δ_i δ_j with δ_i = √(min_j f_(ij)), the geometric
    /// middle that scales the largest row of matrix row i like Ruiz would (f_(ii) ≈ δ_i² when the diagonal entry dominates).
    /// The cumulative factors Δ_i Δ_j (<paramref name="total"/>, Δ_i = √total_(ii)) times δ_i δ_j are kept in [min, max] by
    /// limiting each Δ_i δ_i to [√min, √max], so the clamping of the cumulative factors cannot break the congruence.
    /// </summary>
    private static void CongruenceFactors(Span<double> block, ReadOnlySpan<double> total, int k, double min, double max)
    {
        Span<double> delta = k <= 256 ? stackalloc double[k] : new double[k];
        delta.Fill(double.PositiveInfinity);
        for (int j = 0, t = 0; j < k; j++)
            for (int i = j; i < k; i++, t++)
            {
                // svec entry t is (i, j), i >= j: it bounds both δ_i and δ_j.
                delta[i] = Math.Min(delta[i], block[t]);
                delta[j] = Math.Min(delta[j], block[t]);
            }
        for (int i = 0; i < k; i++)
        {
            double cumulative = Math.Sqrt(total[PsdCone.SvecIndex(i, i, k)]);
            double next = Math.Clamp(cumulative * (double.IsFinite(delta[i]) ? Math.Sqrt(delta[i]) : 1.0), Math.Sqrt(min), Math.Sqrt(max));
            delta[i] = next / cumulative;
        }
        for (int j = 0, t = 0; j < k; j++)
            for (int i = j; i < k; i++, t++) block[t] = delta[i] * delta[j];
    }

    /// <summary>M ← diag(left) M diag(right), in place (column ranges on several threads for a large M).</summary>
    private static void ScaleInPlace(CscMatrix m, ReadOnlySpan<double> left, ReadOnlySpan<double> right)
    {
        int parts = m.Workers();
        if (parts == 1) { ScaleColumns(m, left, right, 0, m.Columns); return; }
        var l = left.ToArray(); var r = right.ToArray();
        Parallel.For(0, parts, t => ScaleColumns(m, l, r, m.PartStart(t, parts), m.PartStart(t + 1, parts)));
    }

    private static void ScaleColumns(CscMatrix m, ReadOnlySpan<double> left, ReadOnlySpan<double> right, int j0, int j1)
    {
        for (int j = j0; j < j1; j++)
            for (int k = m.ColumnPointers[j]; k < m.ColumnPointers[j + 1]; k++)
                m.Values[k] *= left[m.RowIndices[k]] * right[j];
    }
}
