using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver;

/// <summary>
/// Primal-dual interior-point solver for min ½x'Px + q'x + c s.t. Ax + s = b, s ∈ K (zero, nonnegative,
/// second-order, semidefinite and exponential cones) on the homogeneous self-dual embedding, with Nesterov–Todd scaling and
/// Mehrotra's predictor-corrector (the method of Clarabel and ECOS); with an exponential cone, Clarabel's nonsymmetric variant
/// (see <see cref="Cones.ExponentialCone"/>). See <see cref="SolverResult"/> for the result.
/// </summary>
public static class ConicSolver
{
    /// <summary>
    /// Solves <paramref name="problem"/>. Numerical outcomes (infeasibility, limits, breakdown) are statuses.
    /// Solved is reported only when the returned point itself, mapped back to the original units, has objectives that agree
    /// to the gap tolerance and residuals below the feasibility tolerance (see <see cref="SolverStatus.Solved"/>); the
    /// iteration goes on while only the equilibrated measures pass.
    /// When the iteration stops without meeting the full tolerances (iteration or time limit, failed factorization,
    /// step too small), the best iterate seen is returned, as AlmostSolved if it meets the reduced tolerance and
    /// with the stopping status otherwise.
    /// </summary>
    /// <param name="problem">The problem (validated by <see cref="ConicProblem.Create"/>).</param>
    /// <param name="settings">Tolerances, limits and logging (defaults when null).</param>
    /// <param name="kktFactory">The KKT solver (default: <see cref="QuasiDefiniteKktSolver"/> on <see cref="SparseLdl"/>).</param>
    /// <exception cref="ArgumentException">Invalid settings, or <see cref="SolverEmbedding.InfeasibleStart"/> asked for a
    /// problem outside its scope (a quadratic objective, a second-order or exponential cone): it is refused, not solved another way.</exception>
    /// <remarks>
    /// With the default KKT solver, second-order cones of dimension above <see cref="SolverSettings.FallbackDenseSocMaxDimension"/> up to
    /// <see cref="SolverSettings.DenseSocMaxDimension"/> (17 to 512 by default) can be represented two ways: a dense W'W
    /// block (more accurate at the end on many mid-sized cones) or the sparse expansion (more accurate on a single large
    /// cone, e.g. a QP written as a rotated cone). When such a problem ends AlmostSolved, NumericalError or at the
    /// iteration limit, it is solved again with the expansion, and the second result is kept only if it is Solved or a
    /// certificate; <see cref="SolverResult.Iterations"/> and <see cref="SolverResult.Seconds"/> then count both runs.
    /// Problems without semidefinite cones that still end short are then solved once more with the x rows regularized by
    /// <see cref="SolverSettings.FallbackPrimalStaticRegularization"/> instead of <see cref="SolverSettings.StaticRegularization"/>
    /// (again kept only if Solved or a certificate), and then with each of <see cref="SolverSettings.FallbackStaticRegularizations"/>
    /// in turn (the same rule).
    /// Semidefinite programs go to the Schur-complement solver when its reduced matrix is no larger than the quasi-definite
    /// system (<see cref="SchurComplementKktSolver.IsPreferredFor"/>): near a rank-deficient optimum the quasi-definite
    /// factorization with -W'W blocks can break down while the Schur complement with (W'W)^-1 stays accurate (the
    /// polynomial-activation programs on digits). The others start with the quasi-definite system and, when that ends
    /// short in the same way and the reduced matrix fits (<see cref="SchurComplementKktSolver.Fits"/>), are solved again
    /// through the Schur complement.
    /// With <see cref="SolverSettings.Embedding"/> = <see cref="SolverEmbedding.InfeasibleStart"/> the infeasible-start HKM
    /// method runs instead (pure semidefinite programs only; <paramref name="kktFactory"/> is not used, and there is no retry).
    /// <see cref="SolverEmbedding.Automatic"/> (the default) runs it first on the pure semidefinite programs (a semidefinite
    /// cone, P = 0, only zero, nonnegative and semidefinite cones) when no <paramref name="kktFactory"/> is given, and the
    /// embedding after it when it ends with neither a point meeting the reduced tolerance nor a certificate: on the
    /// graph-bisection programs, whose SDPA-primal optimum is not attained, the embedding's τ falls with μ and the run stalls
    /// near a relative gap of 1e-7, where the infeasible-start method converges in CSDP's iteration count (bench/notes/sdp.md).
    /// </remarks>
    public static SolverResult Solve(ConicProblem problem, SolverSettings? settings = null, KktSolverFactory? kktFactory = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        settings ??= new SolverSettings();
        Validate(settings);
        if (settings.Embedding == SolverEmbedding.InfeasibleStart) return InfeasibleStartSolver.Create(problem, settings).Run();
        if (settings.Embedding == SolverEmbedding.Automatic && kktFactory is null && PrefersInfeasibleStart(problem, settings))
            return InfeasibleStartThenEmbedding(problem, settings);
        return SolveOnEmbedding(problem, settings, kktFactory);
    }

    /// <summary>
    /// Automatic on a pure semidefinite program: the infeasible-start method, then, when it ends without a point that meets
    /// at least the reduced tolerance and without a certificate (numerical error, iteration limit), the homogeneous
    /// embedding with the time that remains. The second result is kept when it ranks higher (solved or a certificate, then
    /// almost solved, then the rest); iterations and seconds count both runs and <see cref="SolverResult.Retries"/> grows by one.
    /// </summary>
    private static SolverResult InfeasibleStartThenEmbedding(ConicProblem problem, SolverSettings settings)
    {
        var first = InfeasibleStartSolver.Create(problem, settings).Run();
        if (Rank(first.Status) < 2 || first.Status == SolverStatus.TimeLimit) return first;
        double remaining = settings.TimeLimitSeconds - first.Seconds;
        if (!(remaining > 0)) return first;
        if (settings.Verbose) (settings.Log ?? Console.Error).WriteLine($"{first.Status} with the infeasible-start method: solving again on the homogeneous embedding");
        var second = SolveOnEmbedding(problem, settings with { Embedding = SolverEmbedding.Homogeneous, TimeLimitSeconds = remaining }, null);
        return (Rank(second.Status) < Rank(first.Status) ? second : first) with
        {
            Iterations = first.Iterations + second.Iterations, Seconds = first.Seconds + second.Seconds, Retries = first.Retries + second.Retries + 1,
        };
    }

    /// <summary>
    /// Automatic's test for the infeasible-start method: a semidefinite program in its scope (<see cref="InfeasibleStartSolver.Supports"/>)
    /// whose reduced system the embedding would also take as a Schur complement (<see cref="SchurComplementKktSolver.IsPreferredFor"/>:
    /// few variables against the blocks, as in SDPA files) and that fits densely. A program with many variables over many
    /// small blocks (a ReLU network program written as SDPA: 6,985 variables, 2,620 blocks of order 4) stays on the
    /// embedding's sparse quasi-definite system, which the dense normal equations cannot match.
    /// </summary>
    private static bool PrefersInfeasibleStart(ConicProblem problem, SolverSettings settings) =>
        problem.Cones.Any(c => c is PsdConeSpec) && InfeasibleStartSolver.Supports(problem)
        && SchurComplementKktSolver.IsPreferredFor(problem, settings) && InfeasibleStartSolver.DenseOrder(problem) <= settings.SchurComplementMaxDenseOrder;

    /// <summary>0 for a solution or certificate, 1 for almost solved, 2 for the rest.</summary>
    private static int Rank(SolverStatus status) => status switch
    {
        SolverStatus.Solved or SolverStatus.PrimalInfeasible or SolverStatus.DualInfeasible => 0,
        SolverStatus.AlmostSolved => 1,
        _ => 2,
    };

    /// <summary>The homogeneous embedding with the KKT solver of <paramref name="kktFactory"/>, or the default choice and its retries.</summary>
    private static SolverResult SolveOnEmbedding(ConicProblem problem, SolverSettings settings, KktSolverFactory? kktFactory)
    {
        if (kktFactory is not null) return InteriorPointSolver.Create(problem, settings, kktFactory).Run();
        if (SchurComplementKktSolver.IsPreferredFor(problem, settings)) return InteriorPointSolver.Create(problem, settings, SchurComplement).Run();

        var result = InteriorPointSolver.Create(problem, settings, (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s)).Run();
        int expandFrom = settings.FallbackDenseSocMaxDimension;
        if (problem.Cones.Any(c => c is SecondOrderConeSpec soc && soc.Dimension > expandFrom && soc.Dimension <= settings.DenseSocMaxDimension))
            result = Retry(problem, settings, result, "dense second-order cone blocks", "the sparse expansion",
                (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s, denseSocMaxDimension: expandFrom));
        double primalReg = settings.FallbackPrimalStaticRegularization;
        if (!problem.Cones.Any(c => c is PsdConeSpec) && primalReg != (settings.PrimalStaticRegularization ?? settings.StaticRegularization))
            result = Retry(problem, settings, result, "the primal regularization " + (settings.PrimalStaticRegularization ?? settings.StaticRegularization).ToString("g3", System.Globalization.CultureInfo.InvariantCulture),
                primalReg.ToString("g3", System.Globalization.CultureInfo.InvariantCulture),
                (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s with { PrimalStaticRegularization = primalReg }));
        if (!problem.Cones.Any(c => c is PsdConeSpec))
            foreach (double reg in settings.FallbackStaticRegularizations)
            {
                string value = reg.ToString("g3", System.Globalization.CultureInfo.InvariantCulture);
                result = Retry(problem, settings, result, "the fallback regularizations", "the static regularization " + value,
                    (p, a, cones, s) => QuasiDefiniteKktSolver.Create(p, a, cones, s with { StaticRegularization = reg, PrimalStaticRegularization = null }));
            }
        if (problem.Cones.Any(c => c is PsdConeSpec) && SchurComplementKktSolver.Fits(problem, settings))
            result = Retry(problem, settings, result, "the quasi-definite KKT system", "the Schur complement", SchurComplement);
        return result;
    }

    /// <summary>
    /// Solves again with <paramref name="factory"/> when <paramref name="first"/> ended AlmostSolved, NumericalError or at
    /// the iteration limit and time remains; the second result is kept only if it is Solved or a certificate. Iterations
    /// and seconds count both runs, and <see cref="SolverResult.Retries"/> grows by one.
    /// </summary>
    private static SolverResult Retry(ConicProblem problem, SolverSettings settings, SolverResult first, string from, string to, KktSolverFactory factory)
    {
        if (first.Status is not (SolverStatus.AlmostSolved or SolverStatus.NumericalError or SolverStatus.MaxIterations)) return first;
        double remaining = settings.TimeLimitSeconds - first.Seconds;
        if (!(remaining > 0)) return first;
        if (settings.Verbose) (settings.Log ?? Console.Error).WriteLine($"{first.Status} with {from}: solving again with {to}");
        var second = InteriorPointSolver.Create(problem, settings with { TimeLimitSeconds = remaining }, factory).Run();
        bool better = second.Status is SolverStatus.Solved or SolverStatus.PrimalInfeasible or SolverStatus.DualInfeasible;
        return (better ? second : first) with
        {
            Iterations = first.Iterations + second.Iterations, Seconds = first.Seconds + second.Seconds, Retries = first.Retries + 1,
        };
    }

    /// <summary>
    /// True when <see cref="SolverEmbedding.InfeasibleStart"/> can solve <paramref name="problem"/>: no quadratic objective
    /// and only zero, nonnegative and semidefinite cones.
    /// </summary>
    public static bool SupportsInfeasibleStart(ConicProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return InfeasibleStartSolver.Supports(problem);
    }

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
        if (!Enum.IsDefined(s.Embedding)) throw new ArgumentException($"Embedding is {s.Embedding}; use Automatic, Homogeneous or InfeasibleStart");
        if (s.MaxIterations < 0) throw new ArgumentException($"MaxIterations is {s.MaxIterations}; use a nonnegative count");
        if (!(s.TimeLimitSeconds > 0)) throw new ArgumentException($"TimeLimitSeconds is {s.TimeLimitSeconds}; use a positive value or infinity");
        foreach (var (name, v) in new[] { ("FeasibilityTolerance", s.FeasibilityTolerance), ("GapAbsoluteTolerance", s.GapAbsoluteTolerance),
                     ("GapRelativeTolerance", s.GapRelativeTolerance), ("InfeasibilityTolerance", s.InfeasibilityTolerance), ("ReducedTolerance", s.ReducedTolerance) })
            if (!(v > 0) || !double.IsFinite(v)) throw new ArgumentException($"{name} is {v}; use a positive finite value");
        if (s.InfeasibleStartEquilibrationIterations < 0) throw new ArgumentException($"InfeasibleStartEquilibrationIterations is {s.InfeasibleStartEquilibrationIterations}; use a nonnegative count");
        if (s.EquilibrationIterations < 0) throw new ArgumentException($"EquilibrationIterations is {s.EquilibrationIterations}; use a nonnegative count");
        if (!(s.StaticRegularization >= 0) || !(s.PrimalStaticRegularization is null or >= 0) || !(s.FallbackPrimalStaticRegularization >= 0)
            || !(s.DynamicRegularizationEpsilon >= 0) || !(s.DynamicRegularizationDelta > 0)
            || s.FallbackStaticRegularizations is null || s.FallbackStaticRegularizations.Any(v => !(v >= 0) || !double.IsFinite(v)))
            throw new ArgumentException("regularization values must be nonnegative (the dynamic delta positive)");
        if (s.RefinementSteps < 0) throw new ArgumentException($"RefinementSteps is {s.RefinementSteps}; use a nonnegative count");
        foreach (var (name, v) in new[] { ("RefinementAbsoluteTolerance", s.RefinementAbsoluteTolerance), ("RefinementRelativeTolerance", s.RefinementRelativeTolerance) })
            if (!(v >= 0) || !double.IsFinite(v)) throw new ArgumentException($"{name} is {v}; use a nonnegative finite value");
        if (!(s.RefinementStopRatio >= 1) || !double.IsFinite(s.RefinementStopRatio)) throw new ArgumentException($"RefinementStopRatio is {s.RefinementStopRatio}; use a finite value of at least 1");
        if (!(s.StepFraction > 0 && s.StepFraction < 1)) throw new ArgumentException($"StepFraction is {s.StepFraction}; use a value in (0, 1)");
        if (!(s.SemidefiniteStepFraction > 0 && s.SemidefiniteStepFraction < 1)) throw new ArgumentException($"SemidefiniteStepFraction is {s.SemidefiniteStepFraction}; use a value in (0, 1)");
        if (s.SchurComplementRefinement.Steps < 0 || !(s.SchurComplementRefinement.StopRatio >= 1) || !double.IsFinite(s.SchurComplementRefinement.StopRatio))
            throw new ArgumentException($"SchurComplementRefinement is {s.SchurComplementRefinement}; use nonnegative steps and a finite stop ratio of at least 1");
        if (!(s.MinStepLength >= 0 && s.MinStepLength < 1)) throw new ArgumentException($"MinStepLength is {s.MinStepLength}; use a value in [0, 1)");
        if (!(s.SecondOrderCorrectionSafeguard >= 0 && s.SecondOrderCorrectionSafeguard <= 1)) throw new ArgumentException($"SecondOrderCorrectionSafeguard is {s.SecondOrderCorrectionSafeguard}; use a value in [0, 1]");
        if (!(s.EquilibrationMinScaling > 0) || !(s.EquilibrationMaxScaling >= s.EquilibrationMinScaling) || !double.IsFinite(s.EquilibrationMaxScaling))
            throw new ArgumentException($"equilibration scaling bounds are [{s.EquilibrationMinScaling}, {s.EquilibrationMaxScaling}]; use 0 < min <= max < infinity");
        if (s.MaxWorkers < 1) throw new ArgumentException($"MaxWorkers is {s.MaxWorkers}; use a positive count");
        if (s.DenseSocMaxDimension < 0 || s.FallbackDenseSocMaxDimension < 0) throw new ArgumentException("the dense second-order cone limits must be nonnegative");
        if (!(s.SchurComplementSizeRatio > 0) || !double.IsFinite(s.SchurComplementSizeRatio)) throw new ArgumentException($"SchurComplementSizeRatio is {s.SchurComplementSizeRatio}; use a positive finite value");
        if (s.SchurComplementMaxDenseOrder < 0 || s.SchurComplementMaxSparseContributions < 0 || s.SchurComplementAlwaysDenseOrder < 0)
            throw new ArgumentException("the Schur-complement size limits must be nonnegative");
        if (s.BlockAngularChunkColumns < 1) throw new ArgumentException($"BlockAngularChunkColumns is {s.BlockAngularChunkColumns}; use a positive count");
        if (s.PsdSparseHessianInverseRatio < 0) throw new ArgumentException($"PsdSparseHessianInverseRatio is {s.PsdSparseHessianInverseRatio}; use a nonnegative count");
        if (!(s.BlockAngularRankTolerance >= 0 && s.BlockAngularRankTolerance < 1)) throw new ArgumentException($"BlockAngularRankTolerance is {s.BlockAngularRankTolerance}; use a value in [0, 1)");
    }
}
