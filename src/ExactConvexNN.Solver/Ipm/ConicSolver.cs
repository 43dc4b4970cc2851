using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver;

/// <summary>
/// Primal-dual interior-point solver for min ½x'Px + q'x + c s.t. Ax + s = b, s ∈ K (zero, nonnegative and
/// second-order cones) on the homogeneous self-dual embedding, with Nesterov–Todd scaling and Mehrotra's
/// predictor-corrector (the method of Clarabel and ECOS). See <see cref="SolverResult"/> for the result.
/// </summary>
public static class ConicSolver
{
    /// <summary>
    /// Solves <paramref name="problem"/>. Numerical outcomes (infeasibility, limits, breakdown) are statuses.
    /// When the iteration stops without meeting the full tolerances (iteration or time limit, failed factorization,
    /// step too small), the best iterate seen is returned, as AlmostSolved if it meets the reduced tolerance and
    /// with the stopping status otherwise.
    /// </summary>
    /// <param name="problem">The problem (validated by <see cref="ConicProblem.Create"/>).</param>
    /// <param name="settings">Tolerances, limits and logging (defaults when null).</param>
    /// <param name="kktFactory">The KKT solver (default: <see cref="QuasiDefiniteKktSolver"/> on <see cref="SparseLdl"/>).</param>
    /// <exception cref="ArgumentException">Invalid settings.</exception>
    /// <remarks>
    /// With the default KKT solver, second-order cones of dimension 17 to 512 can be represented two ways: a dense W'W
    /// block (more accurate at the end on many mid-sized cones) or the sparse expansion (more accurate on a single large
    /// cone, e.g. a QP written as a rotated cone). When such a problem ends AlmostSolved, NumericalError or at the
    /// iteration limit, it is solved again with the expansion, and the second result is kept only if it is Solved or a
    /// certificate; <see cref="SolverResult.Iterations"/> and <see cref="SolverResult.Seconds"/> then count both runs.
    /// Semidefinite programs go to the Schur-complement solver when its reduced matrix is no larger than the quasi-definite
    /// system (<see cref="SchurComplementKktSolver.IsPreferredFor"/>): near a rank-deficient optimum the quasi-definite
    /// factorization with -W'W blocks can break down while the Schur complement with (W'W)^-1 stays accurate (the
    /// polynomial-activation programs on digits). The others start with the quasi-definite system and, when that ends
    /// short in the same way and the reduced matrix fits (<see cref="SchurComplementKktSolver.Fits"/>), are solved again
    /// through the Schur complement.
    /// </remarks>
    public static SolverResult Solve(ConicProblem problem, SolverSettings? settings = null, KktSolverFactory? kktFactory = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        settings ??= new SolverSettings();
        Validate(settings);
        if (kktFactory is not null) return InteriorPointSolver.Create(problem, settings, kktFactory).Run();
        if (SchurComplementKktSolver.IsPreferredFor(problem)) return InteriorPointSolver.Create(problem, settings, SchurComplement).Run();

        var result = InteriorPointSolver.Create(problem, settings, (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s)).Run();
        if (problem.Cones.Any(c => c is SecondOrderConeSpec { Dimension: > SparseExpansionFrom and <= QuasiDefiniteKktSolver.DefaultDenseSocMaxDimension }))
            result = Retry(problem, settings, result, "dense second-order cone blocks", "the sparse expansion",
                (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s, denseSocMaxDimension: SparseExpansionFrom));
        if (problem.Cones.Any(c => c is PsdConeSpec) && SchurComplementKktSolver.Fits(problem))
            result = Retry(problem, settings, result, "the quasi-definite KKT system", "the Schur complement", SchurComplement);
        return result;
    }

    /// <summary>
    /// Solves again with <paramref name="factory"/> when <paramref name="first"/> ended AlmostSolved, NumericalError or at
    /// the iteration limit and time remains; the second result is kept only if it is Solved or a certificate. Iterations
    /// and seconds count both runs.
    /// </summary>
    private static SolverResult Retry(ConicProblem problem, SolverSettings settings, SolverResult first, string from, string to, KktSolverFactory factory)
    {
        if (first.Status is not (SolverStatus.AlmostSolved or SolverStatus.NumericalError or SolverStatus.MaxIterations)) return first;
        double remaining = settings.TimeLimitSeconds - first.Seconds;
        if (!(remaining > 0)) return first;
        if (settings.Verbose) (settings.Log ?? Console.Error).WriteLine($"{first.Status} with {from}: solving again with {to}");
        var second = InteriorPointSolver.Create(problem, settings with { TimeLimitSeconds = remaining }, factory).Run();
        bool better = second.Status is SolverStatus.Solved or SolverStatus.PrimalInfeasible or SolverStatus.DualInfeasible;
        return (better ? second : first) with { Iterations = first.Iterations + second.Iterations, Seconds = first.Seconds + second.Seconds };
    }

    /// <summary>The fallback's dense limit: second-order cones above this dimension get the sparse expansion.</summary>
    private const int SparseExpansionFrom = 16;

    /// <summary>The Schur-complement KKT solver (<see cref="SchurComplementKktSolver"/>), the default for semidefinite programs with few variables.</summary>
    public static KktSolverFactory SchurComplement { get; } = (p, a, cones, s) => SchurComplementKktSolver.Create(p, a, cones, s);

    /// <summary>A factory for the generic KKT solver on the given LDL backend (e.g. <c>DenseLdl.Create</c>).</summary>
    public static KktSolverFactory QuasiDefinite(Func<CscMatrix, ILdlFactorization> backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s, backend);
    }

    private static void Validate(SolverSettings s)
    {
        if (s.MaxIterations < 0) throw new ArgumentException($"MaxIterations is {s.MaxIterations}; use a nonnegative count");
        if (!(s.TimeLimitSeconds > 0)) throw new ArgumentException($"TimeLimitSeconds is {s.TimeLimitSeconds}; use a positive value or infinity");
        foreach (var (name, v) in new[] { ("FeasibilityTolerance", s.FeasibilityTolerance), ("GapAbsoluteTolerance", s.GapAbsoluteTolerance),
                     ("GapRelativeTolerance", s.GapRelativeTolerance), ("InfeasibilityTolerance", s.InfeasibilityTolerance), ("ReducedTolerance", s.ReducedTolerance) })
            if (!(v > 0) || !double.IsFinite(v)) throw new ArgumentException($"{name} is {v}; use a positive finite value");
        if (s.EquilibrationIterations < 0) throw new ArgumentException($"EquilibrationIterations is {s.EquilibrationIterations}; use a nonnegative count");
        if (!(s.StaticRegularization >= 0) || !(s.DynamicRegularizationEpsilon >= 0) || !(s.DynamicRegularizationDelta > 0))
            throw new ArgumentException("regularization values must be nonnegative (the dynamic delta positive)");
        if (s.RefinementSteps < 0) throw new ArgumentException($"RefinementSteps is {s.RefinementSteps}; use a nonnegative count");
    }
}
