using System.Globalization;
using ExactConvexNN.Solver.Linear;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Solver.Problem;

/// <summary>
/// Whether a quadratic objective 1/2 x'Px is convex (P positive semidefinite), checked where problems enter from files:
/// the interior-point method assumes it, and on a nonconvex P it would report a stationary point as (almost) solved.
/// Small P (order up to <see cref="DenseOrder"/>): the smallest eigenvalue. Larger P: a sparse LDL' (approximate minimum
/// degree ordering) of P + delta I, whose pivots are all positive exactly when P + delta I is positive definite
/// (Sylvester's law of inertia); delta = <see cref="RelativeShift"/> max(1, max |P_ij|) forgives rounding in singular PSD P.
/// </summary>
public static class Convexity
{
    /// <summary>The order up to which the eigenvalues of P are computed densely.</summary>
    public const int DenseOrder = 300;

    /// <summary>Negative curvature smaller than this, relative to max(1, max |P_ij|), counts as rounding.</summary>
    public const double RelativeShift = 1e-9;

    /// <summary>
    /// Null when P (its upper triangle, as <see cref="ConicProblem.P"/> stores it) is positive semidefinite up to the shift;
    /// otherwise the witness of negative curvature in words: the smallest eigenvalue (small P), or a pivot of the LDL'.
    /// </summary>
    public static string? NegativeCurvature(CscMatrix upperP)
    {
        ArgumentNullException.ThrowIfNull(upperP);
        int n = upperP.Columns;
        if (upperP.Values.Length == 0 || n == 0) return null;
        double scale = 1;
        foreach (double v in upperP.Values) scale = Math.Max(scale, Math.Abs(v));
        double delta = RelativeShift * scale;
        // Only the variables that appear in P matter (the rest add zero rows and columns).
        var used = new SortedSet<int>();
        for (int j = 0; j < n; j++)
            for (int k = upperP.ColumnPointers[j]; k < upperP.ColumnPointers[j + 1]; k++)
                if (upperP.Values[k] != 0) { used.Add(j); used.Add(upperP.RowIndices[k]); }
        if (used.Count == 0) return null;
        var index = new Dictionary<int, int>();
        foreach (int j in used) index[j] = index.Count;
        int r = used.Count;
        var triplets = new List<(int, int, double)>();
        for (int j = 0; j < n; j++)
            for (int k = upperP.ColumnPointers[j]; k < upperP.ColumnPointers[j + 1]; k++)
                if (upperP.Values[k] != 0) triplets.Add((index[upperP.RowIndices[k]], index[j], upperP.Values[k]));
        if (r <= DenseOrder)
        {
            var m = Matrix<double>.Build.Dense(r, r);
            foreach (var (i, j, v) in triplets) { m[i, j] += v; if (i != j) m[j, i] += v; }
            double smallest = m.Evd(Symmetricity.Symmetric).EigenValues.Min(e => e.Real);
            return smallest < -delta ? string.Create(CultureInfo.InvariantCulture, $"its smallest eigenvalue is {smallest:G6}") : null;
        }
        for (int i = 0; i < r; i++) triplets.Add((i, i, delta));
        var shifted = CscMatrix.FromTriplets(r, r, triplets);
        var ldl = SparseLdl.Create(shifted);
        var signs = new sbyte[r];
        Array.Fill(signs, (sbyte)1);
        // Every pivot of a positive definite matrix is positive: a pivot <= 0 is negative curvature (or a breakdown).
        if (!ldl.Factor(shifted.Values, signs, 0, 1)) return "its LDL' factorization breaks down";
        return ldl.RegularizedPivots == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"an LDL' of P + {delta:G3} I has {ldl.RegularizedPivots} nonpositive pivot{(ldl.RegularizedPivots == 1 ? "" : "s")}");
    }

    /// <summary>Refuses a problem whose quadratic objective is not convex.</summary>
    /// <exception cref="InputException">P has negative curvature: the message gives its witness and the fix.</exception>
    public static void RequireConvex(ConicProblem problem, string source)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (NegativeCurvature(problem.P) is not string how) return;
        throw new InputException($"the quadratic objective of '{source}' is not convex: P is not positive semidefinite ({how}); the solver handles convex problems only: fix the QUADOBJ section (for a maximization, P must be negative semidefinite)");
    }
}
