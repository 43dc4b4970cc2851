namespace ExactConvexNN.Solver;

/// <summary>How a solve ended. Numerical outcomes are statuses, never exceptions.</summary>
public enum SolverStatus
{
    /// <summary>Not run yet.</summary>
    Unsolved,
    /// <summary>
    /// The reported point meets the requested tolerances in the original problem's units: its primal and dual objectives
    /// (constant included) agree to the absolute or relative gap tolerance, and its relative primal and dual residuals,
    /// recomputed from the original data, are below the feasibility tolerance.
    /// </summary>
    Solved,
    /// <summary>The reported point (the best iterate) meets the same tests at the reduced tolerance only.</summary>
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

/// <summary>Which interior-point method <see cref="ConicSolver.Solve"/> runs.</summary>
public enum SolverEmbedding
{
    /// <summary>
    /// The solver chooses: <see cref="InfeasibleStart"/> for semidefinite programs in its scope (a semidefinite cone, P = 0,
    /// only zero, nonnegative and semidefinite cones) whose reduced system the embedding would also take as a Schur
    /// complement and that fit densely, when no KKT solver is given, followed by <see cref="Homogeneous"/> when that
    /// ends without a point or certificate (numerical error, iteration limit); <see cref="Homogeneous"/> for every other problem.
    /// </summary>
    Automatic,
    /// <summary>The homogeneous self-dual embedding with NT scaling (every cone; certificates of infeasibility).</summary>
    Homogeneous,
    /// <summary>
    /// Infeasible-start primal-dual path following with the HKM direction and separate primal and dual steps (CSDP's
    /// method), for pure semidefinite programs only: P = 0 and only zero, nonnegative and semidefinite cones; any other
    /// problem is refused with an <see cref="ArgumentException"/>. It does not need the optimum attained on both sides
    /// in the way the embedding's τ does.
    /// </summary>
    InfeasibleStart,
}

/// <summary>Settings of the interior-point solver, with the defaults of the best open solvers.</summary>
public sealed record SolverSettings
{
    /// <summary>The interior-point method (default <see cref="SolverEmbedding.Automatic"/>: see there).</summary>
    public SolverEmbedding Embedding { get; init; } = SolverEmbedding.Automatic;
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
    /// <summary>
    /// Ruiz equilibration passes of <see cref="SolverEmbedding.InfeasibleStart"/> (default 0: unscaled, as CSDP). On the
    /// 20 programs of <c>bench sdp</c> (default sizes, seed 1) 10 passes lost the H-infinity programs (k = 5, 10 solved
    /// unscaled, almost_solved scaled; k = 15 almost_solved unscaled, numerical_error scaled) and changed graph bisection's
    /// iterations by -4 to +2, all solved either way.
    /// </summary>
    public int InfeasibleStartEquilibrationIterations { get; init; }
    /// <summary>Ruiz equilibration passes (0 disables scaling).</summary>
    public int EquilibrationIterations { get; init; } = 10;
    /// <summary>
    /// Static regularization ε added to the KKT diagonal: +ε on the primal rows; on the constraint rows of the
    /// quasi-definite system -ε min(1, (W'W)_rr), proportional to the row's own scaling (ε on equality rows).
    /// </summary>
    public double StaticRegularization { get; init; } = 1e-8;
    /// <summary>
    /// Static regularization of the primal (x) rows of the quasi-definite KKT system, P + εI, when it should differ from
    /// <see cref="StaticRegularization"/> (null, the default: the same value).
    /// </summary>
    public double? PrimalStaticRegularization { get; init; }
    /// <summary>
    /// The primal regularization of the last fallback of <see cref="ConicSolver.Solve"/> (default 1e-12): a problem that
    /// ends short of the tolerances with the quasi-definite system is solved again with this value on the x rows. A fixed
    /// 1e-8 can dominate the x pivots of a quadratic program with tiny curvature and weakly pinned variables, and the
    /// refinement then cannot correct the dual equation (Maros-Meszaros STADAT1 stalled at a dual residual of 5e-4); as a
    /// default, the smaller value costs accuracy on semidefinite programs solved through the quasi-definite system.
    /// </summary>
    public double FallbackPrimalStaticRegularization { get; init; } = 1e-12;
    /// <summary>
    /// Static regularizations (primal and constraint rows alike) of the fallbacks after <see cref="FallbackPrimalStaticRegularization"/>,
    /// tried in order while a problem without semidefinite cones still ends short with the quasi-definite system
    /// (default 1e-10, then 1e-7). No single value serves every problem: on the Maros-Meszaros set QSIERRA stalls at a
    /// dual residual of 2.5e-6 with 1e-8 and is solved with 1e-10, while QPILOTNO ends 2e-6 from its optimum with 1e-8 or
    /// smaller and is solved with 1e-7. Empty: no such fallback.
    /// </summary>
    public IReadOnlyList<double> FallbackStaticRegularizations { get; init; } = [1e-10, 1e-7];
    /// <summary>Dynamic regularization threshold and value for pivots.</summary>
    public double DynamicRegularizationEpsilon { get; init; } = 1e-13;
    /// <summary>Value that replaces a too-small or wrong-signed pivot.</summary>
    public double DynamicRegularizationDelta { get; init; } = 2e-7;
    /// <summary>Iterative refinement steps per KKT solve (maximum).</summary>
    public int RefinementSteps { get; init; } = 10;
    /// <summary>
    /// Iterative refinement stops once the residual of the KKT solve is at most this absolute tolerance plus
    /// <see cref="RefinementRelativeTolerance"/> times the right-hand side's infinity norm (default 1e-12).
    /// </summary>
    public double RefinementAbsoluteTolerance { get; init; } = 1e-12;
    /// <summary>Relative part of the refinement stopping test (see <see cref="RefinementAbsoluteTolerance"/>; default 1e-12).</summary>
    public double RefinementRelativeTolerance { get; init; } = 1e-12;
    /// <summary>
    /// Refinement stops after a step that reduced the residual by less than this factor (slow progress; default 5).
    /// A step that does not reduce it at all is undone.
    /// </summary>
    public double RefinementStopRatio { get; init; } = 5.0;
    /// <summary>
    /// <see cref="RefinementSteps"/> and <see cref="RefinementStopRatio"/> of the Schur-complement KKT solver (defaults 20
    /// and 1.2): it refines while the residual still falls by a fifth. Near the optimum of a semidefinite program without a
    /// strictly feasible point, its regularized reduced matrix is far from the true one and each refinement step reduces the
    /// residual only two- to fivefold; stopping after the first such step (ratio 5) left an error in the dual equations of
    /// the size of the dual residual itself, so the H-infinity LMIs of <c>bench sdp</c> crawled with a dual residual stuck
    /// near 1e-2 and ended NumericalError (k=15: 49 iterations). With 20 steps at ratio 1.2 all four such runs of the 60
    /// (nine families, default sizes, seeds 1-3) ended AlmostSolved, one more ended Solved, and none got worse.
    /// </summary>
    public (int Steps, double StopRatio) SchurComplementRefinement { get; init; } = (20, 1.2);
    /// <summary>
    /// Solvers with an exact (unregularized) factorization, the block-angular one: once a solve with the current
    /// factorization met the refinement tolerance without a correction, the other solves with that factorization skip the
    /// residual (it costs as much as the solve); the first solve after each factorization is always checked and refined
    /// (default true). The interior-point iteration's own residuals and the final checks of a solution are unaffected.
    /// </summary>
    public bool RefinementTrustAccurateFactorization { get; init; } = true;

    /// <summary>Fraction of the step to the cone boundary that the iteration takes (default 0.99).</summary>
    public double StepFraction { get; init; } = 0.99;
    /// <summary>
    /// Fraction of the step to the cone boundary when the problem has a semidefinite cone (default 0.99, as
    /// <see cref="StepFraction"/>). CSDP takes 0.95: on the 60 SDPA programs of <c>bench sdp</c> (nine families, default sizes,
    /// seeds 1-3) 0.95 ended 41 Solved against 36 at 0.99 (control k=20, graph bisection, quadratic assignment, structural),
    /// but its last iterate stops nearer the gap tolerance, and the certificate of a polynomial-activation network recovered
    /// from the solution (<c>PolyVerifierTests</c>, CNN case) then missed its threshold (relative gap 1.06e-6 against 7.1e-7
    /// at 0.99), so the default stays 0.99.
    /// </summary>
    public double SemidefiniteStepFraction { get; init; } = 0.99;
    /// <summary>A step length below this ends the iteration with NumericalError (default 1e-8).</summary>
    public double MinStepLength { get; init; } = 1e-8;
    /// <summary>
    /// A corrected (Mehrotra) step shorter than this triggers the comparison with the direction without the second-order
    /// term, and the longer of the two is taken (default 0.1). At 0.99 the pure-centering direction was taken far too
    /// often on the convex ReLU programs (73 iterations instead of 30 on an 80-sample iris program); at 0.1 it still
    /// rescues the QPs with second-order cones that cycled without it.
    /// </summary>
    public double SecondOrderCorrectionSafeguard { get; init; } = 0.1;

    /// <summary>
    /// Ruiz equilibration: column and row norms below this are taken as 1, and cumulative scaling factors are kept at or
    /// above it (default 1e-4).
    /// </summary>
    public double EquilibrationMinScaling { get; init; } = 1e-4;
    /// <summary>
    /// Ruiz equilibration: column and row norms above this are taken as this value, and cumulative scaling factors are kept
    /// at or below it (default 1e4).
    /// </summary>
    public double EquilibrationMaxScaling { get; init; } = 1e4;

    /// <summary>Largest number of worker threads of a parallel KKT solver (the block-angular one); the count used is min(processors, this) (default 8).</summary>
    public int MaxWorkers { get; init; } = 8;

    /// <summary>
    /// Quasi-definite KKT solver: second-order cones up to this dimension get a dense W'W block, larger ones the sparse
    /// expansion W'W = diag(d) + uu' - vv' (default 512).
    /// </summary>
    public int DenseSocMaxDimension { get; init; } = 512;
    /// <summary>
    /// The dense limit of the second attempt: a problem with second-order cones of dimension in
    /// (this, <see cref="DenseSocMaxDimension"/>] that ends short of the tolerances is solved again with cones above this
    /// dimension expanded (default 16).
    /// </summary>
    public int FallbackDenseSocMaxDimension { get; init; } = 16;
    /// <summary>
    /// Semidefinite programs go to the Schur-complement KKT solver first when its reduced matrix has at most this many times
    /// the entries of the quasi-definite system (default 2).
    /// </summary>
    public double SchurComplementSizeRatio { get; init; } = 2.0;
    /// <summary>Schur-complement KKT solver: largest order n + |E| of a reduced matrix stored densely (8 (n + |E|)² bytes; default 8000).</summary>
    public int SchurComplementMaxDenseOrder { get; init; } = 8000;
    /// <summary>Schur-complement KKT solver: largest number of entry contributions of a sparse reduced matrix (default 20,000,000).</summary>
    public long SchurComplementMaxSparseContributions { get; init; } = 20_000_000;
    /// <summary>Schur-complement KKT solver: reduced matrices up to this order are always stored densely (default 1500).</summary>
    public int SchurComplementAlwaysDenseOrder { get; init; } = 1500;
    /// <summary>
    /// Block-angular KKT solver: directions of a block's coupling columns whose eigenvalue in G_b'G_b is below this times
    /// the largest are dropped as rounding noise (default 1e-24).
    /// </summary>
    public double BlockAngularRankTolerance { get; init; } = 1e-24;
    /// <summary>
    /// Block-angular KKT solver: columns Z_b of the Schur complement summed per rank-k update (default 512); a block whose
    /// coupling rank exceeds it is refused.
    /// </summary>
    public int BlockAngularChunkColumns { get; init; } = 512;
    /// <summary>
    /// Schur-complement KKT solver: a column of A with fewer than this many times the matrix order nonzeros in a
    /// semidefinite block gets H^-1 a by the sparse sum over its nonzeros instead of the dense congruence (default 3,
    /// the measured crossover).
    /// </summary>
    public int PsdSparseHessianInverseRatio { get; init; } = 3;
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
    /// <summary>
    /// The KKT solver of the run whose point is reported (<see cref="Kkt.IKktSolver.Name"/>): "quasi_definite",
    /// "block_angular", "schur_complement", or the name a custom solver gives.
    /// </summary>
    public string KktSolver { get; init; } = "";
    /// <summary>How many times <see cref="ConicSolver.Solve"/> solved the problem again with another KKT system (0 or more).</summary>
    public int Retries { get; init; }
}
