using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Solver.Problem;

/// <summary>
/// minimize 1/2 x'Px + q'x + c subject to Ax + s = b, s in K = K_1 x ... x K_p.
/// P is stored as its upper triangle (diagonal included) and must be positive semidefinite.
/// </summary>
public sealed class ConicProblem
{
    /// <summary>Upper triangle of the n x n objective matrix P.</summary>
    public CscMatrix P { get; }
    /// <summary>Linear objective, length n.</summary>
    public double[] Q { get; }
    /// <summary>Constant term of the objective (reported, not optimized).</summary>
    public double ObjectiveConstant { get; }
    /// <summary>m x n constraint matrix.</summary>
    public CscMatrix A { get; }
    /// <summary>Right-hand side, length m.</summary>
    public double[] B { get; }
    /// <summary>The cones in order; their dimensions add up to m.</summary>
    public IReadOnlyList<ConeSpec> Cones { get; }
    /// <summary>Number of variables n.</summary>
    public int Variables => Q.Length;
    /// <summary>Number of constraint rows m.</summary>
    public int Constraints => B.Length;

    private ConicProblem(CscMatrix p, double[] q, double c, CscMatrix a, double[] b, IReadOnlyList<ConeSpec> cones)
    { P = p; Q = q; ObjectiveConstant = c; A = a; B = b; Cones = cones; }

    /// <summary>
    /// Validates and builds a problem. P may be null (an LP/SOCP); if P holds entries below the diagonal it must be
    /// symmetric and only its upper triangle is kept.
    /// </summary>
    /// <exception cref="ArgumentException">Dimensions disagree, P is not symmetric, a value is not finite, or the cone sizes do not add up to m.</exception>
    public static ConicProblem Create(CscMatrix? p, double[] q, CscMatrix a, double[] b, IReadOnlyList<ConeSpec> cones, double objectiveConstant = 0.0)
    {
        ArgumentNullException.ThrowIfNull(q); ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b); ArgumentNullException.ThrowIfNull(cones);
        int n = q.Length, m = b.Length;
        if (a.Columns != n) throw new ArgumentException($"A has {a.Columns} columns but q has length {n}");
        if (a.Rows != m) throw new ArgumentException($"A has {a.Rows} rows but b has length {m}");
        for (int i = 0; i < n; i++) if (!double.IsFinite(q[i])) throw new ArgumentException($"q[{i}] is not finite");
        for (int i = 0; i < m; i++) if (!double.IsFinite(b[i])) throw new ArgumentException($"b[{i}] is not finite");
        if (!double.IsFinite(objectiveConstant)) throw new ArgumentException("the objective constant is not finite");
        int total = 0;
        foreach (var k in cones)
        {
            if (k is null) throw new ArgumentException("a cone is null");
            if (k.Dimension < 0) throw new ArgumentException($"a {k.Kind} cone has negative dimension {k.Dimension}");
            if (k is SecondOrderConeSpec && k.Dimension == 0) throw new ArgumentException("a second-order cone needs dimension at least 1");
            if (k is PsdConeSpec psd && psd.MatrixOrder < 1) throw new ArgumentException($"a semidefinite cone needs matrix order at least 1, got {psd.MatrixOrder}");
            total += k.Dimension;
        }
        if (total != m) throw new ArgumentException($"cone dimensions add up to {total} but A has {m} rows");
        p ??= CscMatrix.Zeros(n, n);
        if (p.Rows != n || p.Columns != n) throw new ArgumentException($"P is {p.Rows}x{p.Columns} but there are {n} variables");
        p = UpperTriangle(p);
        return new ConicProblem(p, q, objectiveConstant, a, b, cones.ToArray());
    }

    private static CscMatrix UpperTriangle(CscMatrix p)
    {
        var upper = new List<(int, int, double)>();
        for (int j = 0; j < p.Columns; j++)
            for (int k = p.ColumnPointers[j]; k < p.ColumnPointers[j + 1]; k++)
            {
                int i = p.RowIndices[k];
                double v = p.Values[k];
                if (i <= j) upper.Add((i, j, v));
                else
                {
                    double mirror = p[j, i];
                    if (Math.Abs(mirror - v) > 1e-12 * Math.Max(1.0, Math.Max(Math.Abs(v), Math.Abs(mirror))))
                        throw new ArgumentException($"P is not symmetric: P[{i},{j}] = {v} but P[{j},{i}] = {mirror}");
                }
            }
        return CscMatrix.FromTriplets(p.Rows, p.Columns, upper);
    }
}
