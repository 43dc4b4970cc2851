namespace ExactConvexNN.Solver;

/// <summary>How a solve ended. Numerical outcomes are statuses, never exceptions.</summary>
public enum SolverStatus
{
    /// <summary>Not run yet.</summary>
    Unsolved,
    /// <summary>Primal and dual residuals and the gap are below the requested tolerances.</summary>
    Solved,
    /// <summary>Solved to the reduced tolerances only (the best iterate is returned).</summary>
    AlmostSolved,
    /// <summary>A certificate of primal infeasibility was found (y, z hold it).</summary>
    PrimalInfeasible,
    /// <summary>A certificate of dual infeasibility (primal unboundedness) was found (x, s hold it).</summary>
    DualInfeasible,
    /// <summary>The iteration limit was reached.</summary>
    MaxIterations,
    /// <summary>The time limit was reached.</summary>
    TimeLimit,
    /// <summary>The method could not make progress (factorization failure, step too small).</summary>
    NumericalError,
}

/// <summary>The names of statuses in output and JSON (a contract: scripts depend on them).</summary>
public static class SolverStatusNames
{
    /// <summary>solved, almost_solved, primal_infeasible, dual_infeasible, max_iterations, time_limit, numerical_error (unsolved before a run).</summary>
    public static string ToName(this SolverStatus status) => status switch
    {
        SolverStatus.Solved => "solved",
        SolverStatus.AlmostSolved => "almost_solved",
        SolverStatus.PrimalInfeasible => "primal_infeasible",
        SolverStatus.DualInfeasible => "dual_infeasible",
        SolverStatus.MaxIterations => "max_iterations",
        SolverStatus.TimeLimit => "time_limit",
        SolverStatus.NumericalError => "numerical_error",
        _ => "unsolved",
    };
}

/// <summary>Settings of the interior-point solver, with the defaults of the best open solvers.</summary>
public sealed record SolverSettings
{
    /// <summary>Maximum number of iterations.</summary>
    public int MaxIterations { get; init; } = 100;
    /// <summary>Wall-clock limit in seconds (infinity for none).</summary>
    public double TimeLimitSeconds { get; init; } = double.PositiveInfinity;
    /// <summary>Relative primal/dual feasibility tolerance.</summary>
    public double FeasibilityTolerance { get; init; } = 1e-8;
    /// <summary>Absolute gap tolerance.</summary>
    public double GapAbsoluteTolerance { get; init; } = 1e-8;
    /// <summary>Relative gap tolerance.</summary>
    public double GapRelativeTolerance { get; init; } = 1e-8;
    /// <summary>Tolerance for infeasibility certificates.</summary>
    public double InfeasibilityTolerance { get; init; } = 1e-8;
    /// <summary>Reduced tolerances (feasibility, gap) accepted as AlmostSolved.</summary>
    public double ReducedTolerance { get; init; } = 1e-5;
    /// <summary>Ruiz equilibration passes (0 disables scaling).</summary>
    public int EquilibrationIterations { get; init; } = 10;
    /// <summary>Static regularization added to the KKT diagonal.</summary>
    public double StaticRegularization { get; init; } = 1e-8;
    /// <summary>Dynamic regularization threshold and value for pivots.</summary>
    public double DynamicRegularizationEpsilon { get; init; } = 1e-13;
    /// <summary>Value that replaces a too-small or wrong-signed pivot.</summary>
    public double DynamicRegularizationDelta { get; init; } = 2e-7;
    /// <summary>Iterative refinement steps per KKT solve (maximum).</summary>
    public int RefinementSteps { get; init; } = 10;
    /// <summary>Print an iteration log to <see cref="Log"/>.</summary>
    public bool Verbose { get; init; }
    /// <summary>Where the iteration log goes when <see cref="Verbose"/> is set (default: standard error).</summary>
    public TextWriter? Log { get; init; }
    /// <summary>
    /// Called after each iteration's residuals are measured with (iteration, error), where error is the largest of the
    /// relative gap and the relative primal and dual residuals: a progress display fills as log10(1/error) nears the
    /// tolerance's. Not called from inside any parallel section.
    /// </summary>
    public Action<int, double>? OnIteration { get; init; }
}

/// <summary>
/// The result of a solve. For status Solved/AlmostSolved, (x, s) is primal and (y = z) dual for
/// min 1/2 x'Px + q'x s.t. Ax + s = b, s in K: Px + q + A'z = 0, z in K*, s'z ~ 0.
/// For PrimalInfeasible, z is the certificate (A'z = 0, b'z &lt; 0, z in K*), scaled so b'z = -1.
/// For DualInfeasible, x is the certificate (Px = 0, q'x &lt; 0, Ax + s = 0, s in K), scaled so q'x = -1.
/// Objectives include the problem's constant term.
/// </summary>
public sealed record SolverResult
{
    public required SolverStatus Status { get; init; }
    public required double[] X { get; init; }
    public required double[] S { get; init; }
    public required double[] Z { get; init; }
    public double PrimalObjective { get; init; } = double.NaN;
    public double DualObjective { get; init; } = double.NaN;
    /// <summary>||Ax + s - b||_inf relative to 1 + max(||b||, ||Ax||, ||s||).</summary>
    public double PrimalResidual { get; init; } = double.NaN;
    /// <summary>||Px + q + A'z||_inf relative to 1 + max(||q||, ||Px||, ||A'z||).</summary>
    public double DualResidual { get; init; } = double.NaN;
    /// <summary>|primal - dual| objective gap.</summary>
    public double Gap { get; init; } = double.NaN;
    public int Iterations { get; init; }
    public double Seconds { get; init; }
}
