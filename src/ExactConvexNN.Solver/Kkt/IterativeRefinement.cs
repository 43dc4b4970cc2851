namespace ExactConvexNN.Solver.Kkt;

/// <summary>
/// One refinement problem as a KKT solver sees it: it owns the right-hand side b, the current solution v, the residual
/// buffer and the correction buffer (all allocated once), and knows how to apply its matrix K and its factored
/// approximation K̃ (regularized, or a reduced system).
/// </summary>
internal interface IRefinementTarget
{
    /// <summary>residual = b - K v for the current solution v; returns ||residual||_inf (NaN or infinity when not finite).</summary>
    double ComputeResidual();

    /// <summary>correction = K̃^-1 residual, with the factorization.</summary>
    void SolveCorrection();

    /// <summary>v += sign · correction (sign is +1 to apply a correction, -1 to undo it).</summary>
    void AddCorrection(double sign);
}

/// <summary>
/// Iterative refinement shared by the KKT solvers: v ← v + K̃^-1 (b - K v) while the residual is above
/// <see cref="SolverSettings.RefinementAbsoluteTolerance"/> + <see cref="SolverSettings.RefinementRelativeTolerance"/> ||b||_inf,
/// at most <see cref="SolverSettings.RefinementSteps"/> times. A correction that does not reduce the residual is undone
/// and ends the refinement; one that reduces it by less than <see cref="SolverSettings.RefinementStopRatio"/> is kept and
/// ends it. Allocates nothing.
/// </summary>
internal readonly struct IterativeRefinement
{
    private readonly int _steps;
    private readonly double _absolute, _relative, _stopRatio;
    private readonly bool _trustAccurate;

    /// <summary>The refinement of <paramref name="settings"/> (steps, tolerances, stop ratio).</summary>
    public IterativeRefinement(SolverSettings settings)
    {
        _steps = settings.RefinementSteps;
        _absolute = settings.RefinementAbsoluteTolerance;
        _relative = settings.RefinementRelativeTolerance;
        _stopRatio = settings.RefinementStopRatio;
        _trustAccurate = settings.RefinementTrustAccurateFactorization;
    }

    /// <summary>
    /// Refines the target's solution (already set to K̃^-1 b) for a right-hand side of infinity norm
    /// <paramref name="rhsNorm"/>; returns the final residual norm.
    /// </summary>
    public double Run(IRefinementTarget target, double rhsNorm) => Run(target, rhsNorm, out _);

    /// <summary>
    /// Refinement for a solver whose factorization is exact (no regularization): skips the residual altogether when
    /// <paramref name="accurate"/> is set (an earlier solve with the same factorization met the tolerance without a
    /// correction, and <see cref="SolverSettings.RefinementTrustAccurateFactorization"/> is on), and otherwise refines and sets
    /// <paramref name="accurate"/> when the first residual already met the tolerance. The caller clears
    /// <paramref name="accurate"/> at every new factorization. Returns the final residual norm (0 when skipped).
    /// </summary>
    public double RunUnlessAccurate(IRefinementTarget target, double rhsNorm, ref bool accurate)
    {
        if (accurate && _trustAccurate) return 0;
        double norm = Run(target, rhsNorm, out bool firstMet);
        accurate = firstMet;
        return norm;
    }

    /// <summary>As <see cref="Run(IRefinementTarget, double)"/>; <paramref name="firstMet"/> tells whether the unrefined solution already met the tolerance.</summary>
    private double Run(IRefinementTarget target, double rhsNorm, out bool firstMet)
    {
        double resNorm = target.ComputeResidual();
        double tolerance = _absolute + _relative * rhsNorm;
        firstMet = !(resNorm > tolerance);
        for (int step = 0; step < _steps; step++)
        {
            if (!(resNorm > tolerance)) break;
            // v ← v + K̃^-1 (b - K v).
            target.SolveCorrection();
            target.AddCorrection(1.0);
            double newNorm = target.ComputeResidual();
            if (!(newNorm < resNorm))
            {
                // No improvement: undo the correction and stop.
                target.AddCorrection(-1.0);
                break;
            }
            bool slow = resNorm < _stopRatio * newNorm;
            resNorm = newNorm;
            if (slow) break;
        }
        return resNorm;
    }
}
