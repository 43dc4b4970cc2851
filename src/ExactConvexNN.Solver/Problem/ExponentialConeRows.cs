namespace ExactConvexNN.Solver.Problem;

/// <summary>
/// Appends exponential-cone constraints to the rows of <c>A v + s = b, s in K</c> being assembled as triplets (row, column,
/// value) of A, entries of b and the cone list, the form <see cref="ConicProblem.Create"/> takes. Each affine expression is
/// given as terms (column, coefficient) plus a constant; a row that must equal the expression e = c'v + c0 gets
/// <c>A[row, j] = -c_j</c> and <c>b[row] = c0</c>, since s = b - A v. New rows start at <c>b.Count</c>.
/// </summary>
public static class ExponentialConeRows
{
    /// <summary>
    /// Appends (x, y, z) in K_exp, i.e. y exp(x/y) &lt;= z with y &gt;= 0 (see <see cref="ExponentialConeSpec"/> for the
    /// convention): three rows and one <see cref="ExponentialConeSpec"/>.
    /// </summary>
    public static void Add(List<(int Row, int Column, double Value)> a, List<double> b, List<ConeSpec> cones,
        IEnumerable<(int Column, double Coefficient)> x, double x0,
        IEnumerable<(int Column, double Coefficient)> y, double y0,
        IEnumerable<(int Column, double Coefficient)> z, double z0)
    {
        ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(b); ArgumentNullException.ThrowIfNull(cones);
        AddRow(a, b, x, x0);
        AddRow(a, b, y, y0);
        AddRow(a, b, z, z0);
        cones.Add(new ExponentialConeSpec());
    }

    /// <summary>
    /// Appends softplus(t) = log(1 + exp(t)) &lt;= v[<paramref name="s"/>] for the affine t = Σ c_j v_j + t0, with two auxiliary
    /// variables v[<paramref name="u1"/>], v[<paramref name="u2"/>] that no other row uses: (t - s, 1, u1) in K_exp,
    /// (-s, 1, u2) in K_exp and u1 + u2 &lt;= 1 (one nonnegative row), since exp(t - s) + exp(-s) &lt;= 1 is 1 + exp(t) &lt;= exp(s).
    /// Seven rows: the nonnegative row, then the two exponential blocks. The logistic loss of a margin m is softplus(-m).
    /// </summary>
    public static void AddSoftplusEpigraph(List<(int Row, int Column, double Value)> a, List<double> b, List<ConeSpec> cones,
        IEnumerable<(int Column, double Coefficient)> t, double t0, int s, int u1, int u2)
    {
        ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(b); ArgumentNullException.ThrowIfNull(cones);
        ArgumentNullException.ThrowIfNull(t);
        // 1 - u1 - u2 >= 0.
        AddRow(a, b, [(u1, -1.0), (u2, -1.0)], 1.0);
        cones.Add(new NonnegativeConeSpec(1));
        Add(a, b, cones, t.Append((s, -1.0)), t0, [], 1.0, [(u1, 1.0)], 0.0);
        Add(a, b, cones, [(s, -1.0)], 0.0, [], 1.0, [(u2, 1.0)], 0.0);
    }

    /// <summary>One row s_row = Σ c_j v_j + c0: A[row, j] = -c_j, b[row] = c0.</summary>
    private static void AddRow(List<(int Row, int Column, double Value)> a, List<double> b, IEnumerable<(int Column, double Coefficient)> terms, double constant)
    {
        ArgumentNullException.ThrowIfNull(terms);
        int row = b.Count;
        foreach (var (column, coefficient) in terms)
            if (coefficient != 0) a.Add((row, column, -coefficient));
        b.Add(constant);
    }
}
