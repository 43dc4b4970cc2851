namespace ExactConvexNN.Verification;

/// <summary>
/// A certificate of (near-)optimality for a network of any family: its objective, a lower bound on the global optimum
/// (over networks of any width) from a dual-feasible point, and the gap between them. The bound is computed by the
/// family's verifier without trusting the solver.
/// </summary>
/// <param name="Objective">The network's objective.</param>
/// <param name="LowerBound">A lower bound on the global optimum over all networks of any width.</param>
/// <param name="Gap">Objective - LowerBound (&gt;= 0 up to rounding).</param>
/// <param name="RelativeGap">Gap / max(|Objective|, tiny).</param>
/// <param name="CertifiedOptimal">RelativeGap is within the relative tolerance, or Gap within the absolute one.</param>
/// <param name="Rho">The dual constraint's value for the candidate v before scaling (max over unit first-layer weights of |v'f_u(X)|).</param>
/// <param name="DualScale">The scale t that made t v dual feasible and best.</param>
/// <param name="Chambers">Number of chambers (activation patterns) checked; null for families without an arrangement (poly).</param>
public sealed record Certificate(double Objective, double LowerBound, double Gap, double RelativeGap, bool CertifiedOptimal, double Rho, double DualScale, int? Chambers = null)
{
    /// <summary>The default relative gap under which a network counts as certified optimal.</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>
    /// The default absolute gap under which a network counts as certified optimal whatever its objective: the convex
    /// solver's absolute gap tolerance (1e-8), so that an optimum at or near 0 (targets near 0, or a large beta) can be
    /// certified although the solver only resolves it to that absolute accuracy.
    /// </summary>
    public const double DefaultAbsoluteTolerance = 1e-8;

    /// <summary>The certificate of an objective and a proven lower bound: gap, relative gap and verdict computed in one place.</summary>
    public static Certificate FromBound(double objective, double lowerBound, double rho, double scale, int? chambers,
        double tolerance = DefaultTolerance, double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        double gap = objective - lowerBound;
        double rel = gap / Math.Max(Math.Abs(objective), 1e-300);
        return new Certificate(objective, lowerBound, gap, rel, rel <= tolerance || gap <= absoluteTolerance, rho, scale, chambers);
    }

    /// <summary>The certificate with the largest lower bound (every candidate's bound is valid, so the best counts).</summary>
    public static Certificate Best(IEnumerable<Certificate> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        Certificate? best = null;
        foreach (var c in certificates)
            if (best is null || c.LowerBound > best.LowerBound) best = c;
        return best ?? throw new ArgumentException("no certificate given");
    }
}
