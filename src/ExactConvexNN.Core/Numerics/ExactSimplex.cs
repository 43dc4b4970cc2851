using System.Numerics;

namespace ExactConvexNN.Numerics;

/// <summary>Outcome of an exact feasibility problem.</summary>
public enum FeasibilityStatus
{
    /// <summary>A point satisfying every constraint was found (and returned).</summary>
    Feasible,
    /// <summary>No point satisfies the constraints (phase 1 ended with a positive infeasibility).</summary>
    Infeasible,
}

/// <summary>
/// Exact linear feasibility by the phase-1 simplex method on a dense rational tableau with Bland's rule
/// (smallest-index entering and leaving variables), which cannot cycle, so it always terminates. No
/// floating point is involved: the answer is a proof-quality decision and the witness satisfies the
/// constraints exactly. Meant for small systems (tens of rows and columns).
/// </summary>
public static class ExactSimplex
{
    /// <summary>
    /// Finds a free x in Q^d with A x &gt;= b (A is m x d), or reports that none exists.
    /// </summary>
    /// <param name="a">The m x d constraint matrix.</param>
    /// <param name="b">The m right-hand sides.</param>
    /// <param name="x">A point with A x &gt;= b when feasible; an empty array otherwise.</param>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public static FeasibilityStatus FindPoint(Rational[,] a, ReadOnlySpan<Rational> b, out Rational[] x)
    {
        ArgumentNullException.ThrowIfNull(a);
        int m = a.GetLength(0), d = a.GetLength(1);
        if (b.Length != m) throw new ArgumentException($"{m} constraint rows but {b.Length} right-hand sides", nameof(b));

        // Standard form with x = u - v, surplus s and artificial r (all >= 0), each row scaled by
        // sign(b_i) so the right-hand side is nonnegative:  A u - A v - s + r = b,  minimize sum r.
        // Columns: u = 0..d-1, v = d..2d-1, s = 2d..2d+m-1, r = 2d+m..2d+2m-1, right-hand side = last.
        int nCols = 2 * d + 2 * m, rhs = nCols;
        var t = new Rational[m + 1, nCols + 1];
        var basis = new int[m];
        for (int i = 0; i < m; i++)
        {
            int flip = b[i].Sign < 0 ? -1 : 1;
            for (int j = 0; j < d; j++)
            {
                var aij = flip < 0 ? -a[i, j] : a[i, j];
                t[i, j] = aij;
                t[i, d + j] = -aij;
            }
            t[i, 2 * d + i] = flip < 0 ? Rational.One : -Rational.One;
            t[i, 2 * d + m + i] = Rational.One;
            t[i, rhs] = flip < 0 ? -b[i] : b[i];
            basis[i] = 2 * d + m + i;
        }
        // Reduced costs of the phase-1 objective with the artificials basic: z_j = -sum_i t_ij (j not artificial),
        // and z_rhs = -sum_i b_i = minus the current infeasibility.
        for (int j = 0; j < 2 * d + m; j++)
        {
            var s = Rational.Zero;
            for (int i = 0; i < m; i++) s -= t[i, j];
            t[m, j] = s;
        }
        {
            var s = Rational.Zero;
            for (int i = 0; i < m; i++) s -= t[i, rhs];
            t[m, rhs] = s;
        }

        while (true)
        {
            // Bland: the entering column is the smallest index with a negative reduced cost.
            int enter = -1;
            for (int j = 0; j < nCols; j++) if (t[m, j].Sign < 0) { enter = j; break; }
            if (enter < 0) break;

            // Ratio test over rows with t_ie > 0; ties go to the smallest basic variable index.
            int leave = -1;
            Rational best = default;
            for (int i = 0; i < m; i++)
            {
                if (t[i, enter].Sign <= 0) continue;
                var ratio = t[i, rhs] / t[i, enter];
                int c = leave < 0 ? -1 : ratio.CompareTo(best);
                if (c < 0 || (c == 0 && basis[i] < basis[leave])) { leave = i; best = ratio; }
            }
            // Phase 1 is bounded below by zero, so an improving column always has a positive entry.
            if (leave < 0) throw new InvalidOperationException("phase 1 unbounded: impossible for a correct tableau");
            Pivot(t, leave, enter);
            basis[leave] = enter;
        }

        if (!t[m, rhs].IsZero) { x = []; return FeasibilityStatus.Infeasible; }
        x = new Rational[d];
        for (int i = 0; i < m; i++)
        {
            int j = basis[i];
            if (j < d) x[j] += t[i, rhs];
            else if (j < 2 * d) x[j - d] -= t[i, rhs];
        }
        return FeasibilityStatus.Feasible;
    }

    /// <summary>
    /// Decides the strict homogeneous system r_i'g &gt; 0 for all rows r_i (each of length d) and returns an
    /// integer witness g (primitive: gcd of entries 1). The cone is open, so this is the same as
    /// r_i'g &gt;= 1 for all i, which is solved by <see cref="FindPoint"/>. With no rows, the witness is e_1.
    /// </summary>
    /// <param name="rows">The constraint normals, each of length <paramref name="d"/>.</param>
    /// <param name="d">The dimension of g.</param>
    /// <param name="g">An integer vector with r_i'g &gt; 0 for all i when feasible; an empty array otherwise.</param>
    /// <exception cref="ArgumentException">A row has the wrong length, or d &lt; 1.</exception>
    public static FeasibilityStatus FindInterior(IReadOnlyList<BigInteger[]> rows, int d, out BigInteger[] g)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (d < 1) throw new ArgumentException("dimension must be at least 1", nameof(d));
        if (rows.Count == 0)
        {
            g = new BigInteger[d];
            g[0] = BigInteger.One;
            return FeasibilityStatus.Feasible;
        }
        var a = new Rational[rows.Count, d];
        var b = new Rational[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"row {i} has {rows[i].Length} entries, expected {d}", nameof(rows));
            for (int j = 0; j < d; j++) a[i, j] = rows[i][j];
            b[i] = Rational.One;
        }
        if (FindPoint(a, b, out var x) == FeasibilityStatus.Infeasible) { g = []; return FeasibilityStatus.Infeasible; }
        // A positive multiple of a strict solution is a strict solution.
        g = ExactVector.ClearDenominators(x);
        return FeasibilityStatus.Feasible;
    }

    /// <summary>Gauss-Jordan pivot on t[r, c]: row r is divided by the pivot, then eliminated from every other row.</summary>
    private static void Pivot(Rational[,] t, int r, int c)
    {
        int rowsTotal = t.GetLength(0), cols = t.GetLength(1);
        var p = t[r, c];
        for (int j = 0; j < cols; j++) if (!t[r, j].IsZero) t[r, j] /= p;
        // t_i. -= t_ic * t_r. for every other row i (the objective row included).
        for (int i = 0; i < rowsTotal; i++)
        {
            if (i == r) continue;
            var f = t[i, c];
            if (f.IsZero) continue;
            for (int j = 0; j < cols; j++)
                if (!t[r, j].IsZero) t[i, j] -= f * t[r, j];
        }
    }
}
