using System.Diagnostics;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Ipm;

/// <summary>
/// The interior-point iteration on the homogeneous self-dual embedding of the equilibrated problem:
/// <code>
///   P x + A'z + q τ = 0,   A x + s - b τ = 0,   κ + x'Px/τ + q'x + b'z = 0,   (s, z) ∈ K × K*,  τ, κ ≥ 0,
/// </code>
/// solved by Newton steps towards the central path s ∘ z = μe, τκ = μ with NT scaling and Mehrotra's
/// predictor-corrector. Every buffer is allocated in <see cref="Create"/>; the loop allocates nothing
/// (except log lines when verbose).
/// <para>
/// With a nonsymmetric cone in the product (the exponential cone) the method is the one of Clarabel (Dahl and Andersen's
/// nonsymmetric IPM): every cone starts at its central unit point with x = 0 and τ = κ = 1, the scaling is primal-dual with
/// a switch to the dual scaling μ∇²f*(z) when the exponential cones make a step short (<see cref="DualScalingSwitchStep"/>) or a solve fails,
/// the complementarity right-hand sides come from the cones (<see cref="ICone.AffineComplementarity"/>,
/// <see cref="ICone.CombinedComplementarity"/>, the latter with the third-order correction, damped by the affine step length in
/// the first iteration), the dual iterate's step length is taken in the dual cone, and under the dual scaling the combined step
/// is shortened until the iterate stays in the barrier neighbourhood of the central path (<see cref="CentralityMeasure"/>).
/// </para>
/// </summary>
internal sealed class InteriorPointSolver
{
    private readonly ConicProblem _problem;
    private readonly SolverSettings _settings;
    private readonly Equilibration _eq;
    private readonly CompositeCone _cones;
    private readonly IKktSolver _kkt;
    private readonly TextWriter? _log;
    private readonly int _n, _m, _degree;
    private readonly double _bNorm, _qNorm;
    // Fraction of the step to the boundary: SemidefiniteStepFraction with a semidefinite cone, else StepFraction.
    private readonly double _stepFraction;
    private readonly bool[] _zeroRow;

    // Iterate (x, s, z, τ, κ), direction (Δx, Δs, Δz, Δτ, Δκ) and the constant direction K [x2; z2] = [-q; b].
    private readonly Iterate _point, _step;
    private readonly double[] _x2, _z2;
    private double _tauDenominator;
    // Residuals r_x = P x + A'z + q τ, r_z = A x + s - b τ, r_τ and the products they use.
    private readonly double[] _rx, _rz, _px, _atz, _ax;
    private double _rtau, _xPx, _qx, _bz;
    // NT scaling point λ = W z, the complementarity right-hand side d_s, and work vectors.
    private readonly double[] _lambda, _dsRhs, _t1, _t2, _t3, _rhsX, _rhsZ, _x1, _z1, _workN;
    // Nonsymmetric cones only: the dual scaling μ∇²f*(z) replaces the primal-dual one after a short step or a failed solve.
    private bool _dualScaling;
    // The primal-dual step that switched to the dual scaling (0 once the dual scaling has made a step as long), the dual-scaled
    // steps shorter than it since, and whether a short step may no longer switch (see RevertToPrimalDualScaling).
    private double _switchedAtStep;
    private int _shortDualSteps;
    private bool _keepPrimalDualScaling;
    // The candidate (x, s, z) in original units and the work vectors of its measures (the final check of a solution).
    private readonly double[] _origX, _origS, _origZ, _origPx, _origAtz, _origAx;
    // Best iterate seen so far.
    private readonly Iterate _best;
    // Saved corrected direction while the safeguard tries the uncorrected one.
    private readonly Iterate _savedStep;
    private double _bestScore = double.PositiveInfinity;
    private Metrics _bestMetrics;
    // Iteration at which the best score last improved by the stall factor, and the score it improved to.
    private int _lastProgress;
    private double _progressScore = double.PositiveInfinity;
    // μ of the last StallIterations + 1 iterations (iteration k at k mod the length).
    private readonly double[] _muHistory = new double[StallIterations + 1];

    /// <summary>Iterations without a tenfold improvement of the best score after which an almost-solved best iterate is returned.</summary>
    private const int StallIterations = 6;

    /// <summary>
    /// With a nonsymmetric cone, a combined step that the nonsymmetric cones cut below this switches from the primal-dual to
    /// the dual scaling: Clarabel's 0.1 while μ &gt;= <see cref="LateSwitchMu"/>, 0.5 after. On logistic regressions solved
    /// to 1e-9 the primal-dual scaling loses accuracy once μ is near 1e-8 (steps of 0.2-0.4 from then on), and switching at
    /// 0.5 reached the tolerance where 0.1 stalled; but early in the ReLU programs with logistic or cross-entropy losses
    /// (second-order, nonnegative and exponential cones mixed), steps of 0.4-0.5 are normal, and switching there left the
    /// dual scaling crawling (NumericalError on 20 iris rows, 75 iterations instead of 47 on 60; `bench logistic` and
    /// `ecnn train --loss logistic` measured with the thresholds 1e-5 .. 1e-8).
    /// </summary>
    private static double DualScalingSwitchStep(double mu) => mu < LateSwitchMu ? 0.5 : 0.1;

    /// <summary>The μ below which a step shorter than 0.5 (not 0.1) switches to the dual scaling (see <see cref="DualScalingSwitchStep"/>).</summary>
    private const double LateSwitchMu = 1e-5;

    /// <summary>Backtracking factor of the centrality line search (nonsymmetric cones, dual scaling).</summary>
    private const double CentralityBacktrack = 0.8;

    /// <summary>Progress measures of an iterate, in the units of the original problem.</summary>
    private readonly record struct Metrics(double PrimalCost, double DualCost, double GapAbs, double GapRel,
        double PrimalResidual, double DualResidual, double Mu);

    private InteriorPointSolver(ConicProblem problem, SolverSettings settings, Equilibration eq, CompositeCone cones, IKktSolver kkt)
    {
        _problem = problem; _settings = settings; _eq = eq; _cones = cones; _kkt = kkt;
        _log = settings.Verbose ? settings.Log ?? Console.Error : null;
        _n = problem.Variables; _m = problem.Constraints; _degree = cones.Degree;
        _bNorm = VectorOps.NormInf(problem.B); _qNorm = VectorOps.NormInf(problem.Q);
        _stepFraction = problem.Cones.Any(c => c is PsdConeSpec) ? settings.SemidefiniteStepFraction : settings.StepFraction;
        double[] N() => new double[_n];
        double[] M() => new double[_m];
        _point = new Iterate(_n, _m); _step = new Iterate(_n, _m); _best = new Iterate(_n, _m); _savedStep = new Iterate(_n, _m);
        _x2 = N(); _rx = N(); _px = N(); _atz = N(); _rhsX = N(); _x1 = N(); _workN = N();
        _z2 = M(); _rz = M(); _ax = M(); _lambda = M(); _dsRhs = M();
        _t1 = M(); _t2 = M(); _t3 = M(); _rhsZ = M(); _z1 = M();
        _origX = N(); _origPx = N(); _origAtz = N(); _origS = M(); _origZ = M(); _origAx = M();
        _zeroRow = new bool[_m];
        for (int c = 0, o = 0; c < problem.Cones.Count; o += problem.Cones[c].Dimension, c++)
            if (problem.Cones[c] is ZeroConeSpec) _zeroRow.AsSpan(o, problem.Cones[c].Dimension).Fill(true);
    }

    /// <summary>Equilibrates the problem, builds the cones and the KKT solver, and allocates every buffer.</summary>
    public static InteriorPointSolver Create(ConicProblem problem, SolverSettings settings, KktSolverFactory kktFactory)
    {
        long t0 = SolverProfile.Start();
        var cones = CompositeCone.Create(problem.Cones);
        var eq = Equilibration.Create(problem, cones, settings.EquilibrationIterations, settings.EquilibrationMinScaling, settings.EquilibrationMaxScaling);
        var kkt = kktFactory(eq.P, eq.A, cones, settings);
        if (kkt.Variables != problem.Variables || kkt.Constraints != problem.Constraints)
            throw new ArgumentException($"the KKT solver is {kkt.Variables}x{kkt.Constraints}, expected {problem.Variables}x{problem.Constraints}");
        var solver = new InteriorPointSolver(problem, settings, eq, cones, kkt);
        SolverProfile.Stop(ProfilePhase.SolverSetup, t0);
        return solver;
    }

    /// <summary>The main loop: residuals, termination, scaling, predictor, corrector, step.</summary>
    public SolverResult Run()
    {
        var clock = Stopwatch.StartNew();
        LogHeader();
        var status = SolverStatus.Unsolved;
        int iteration = 0;
        double alpha = 0;
        if (!InitialPoint()) status = SolverStatus.NumericalError;
        for (; status == SolverStatus.Unsolved; iteration++)
        {
            ComputeResiduals();
            var metrics = ComputeMetrics();
            TrackBest(metrics, iteration);
            LogIteration(iteration, metrics, alpha);
            _settings.OnIteration?.Invoke(iteration, Math.Max(metrics.GapRel, Math.Max(metrics.PrimalResidual, metrics.DualResidual)));
            status = CheckTermination(metrics);
            if (status != SolverStatus.Unsolved) break;
            if (iteration >= _settings.MaxIterations) { status = SolverStatus.MaxIterations; break; }
            if (Stalled(iteration, metrics.Mu)) { status = SolverStatus.AlmostSolved; break; }
            if (clock.Elapsed.TotalSeconds >= _settings.TimeLimitSeconds) { status = SolverStatus.TimeLimit; break; }

            if (!UpdateScalingAndFactor(metrics.Mu)) { if (SwitchToDualScaling("scaling or factorization")) continue; status = Failed("scaling or factorization"); break; }
            if (!SolveConstantDirection()) { if (SwitchToDualScaling("constant direction")) continue; status = Failed("constant direction"); break; }
            if (!PredictorDirection()) { if (SwitchToDualScaling("predictor")) continue; status = Failed("predictor"); break; }
            double affine = StepLength(1.0);
            double sigma = Math.Pow(1 - affine, 3);
            double fraction = _stepFraction;
            // Nonsymmetric cones: the first correction is damped by the affine step (the unit start can be far from centred).
            double correction = !_cones.IsSymmetric && iteration == 0 ? affine : 1.0;
            if (!CombinedDirection(sigma, metrics.Mu, secondOrder: true, correction)) { if (SwitchToDualScaling("corrector")) continue; status = Failed("corrector"); break; }
            alpha = fraction * StepLength(1.0 / fraction);
            if (alpha < _settings.SecondOrderCorrectionSafeguard && !TryWithoutSecondOrderCorrection(sigma, metrics.Mu, correction, ref alpha)) { status = Failed("uncorrected direction"); break; }
            if (!_cones.IsSymmetric && _dualScaling) alpha = BacktrackToNeighbourhood(alpha);
            if (_dualScaling && _switchedAtStep > 0)
            {
                // The dual scaling's first steps after a switch: one as long as the switching step keeps it for good.
                if (alpha >= _switchedAtStep) _switchedAtStep = 0;
                else if (++_shortDualSteps == DualScalingTrialSteps) { RevertToPrimalDualScaling(alpha); alpha = 0; continue; }
            }
            double switchStep = DualScalingSwitchStep(metrics.Mu);
            if (!_cones.IsSymmetric && !_dualScaling && !_keepPrimalDualScaling && alpha < switchStep && ExponentialConesShortenStep(fraction, switchStep)
                && SwitchToDualScaling($"step {alpha:g2}")) { _switchedAtStep = alpha; alpha = 0; continue; }
            if (alpha < _settings.MinStepLength) { status = Failed($"step {alpha:g2}"); break; }
            TakeStep(alpha);
        }
        return Finish(status, iteration, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// With a nonsymmetric cone under the primal-dual scaling: switches to the dual scaling for the rest of the run and returns
    /// true (the iteration is then repeated from the same point); otherwise false.
    /// </summary>
    private bool SwitchToDualScaling(string reason)
    {
        if (_cones.IsSymmetric || _dualScaling) return false;
        _dualScaling = true;
        _log?.WriteLine($"{reason}: switching to the dual scaling");
        return true;
    }

    /// <summary>
    /// The first <see cref="DualScalingTrialSteps"/> steps under the dual scaling were all shorter than the primal-dual step that
    /// made the switch (<see cref="_switchedAtStep"/>): goes back to the primal-dual scaling for the rest of the run (the
    /// iteration is repeated from the same point; a failed solve may still switch). On logistic ReLU programs
    /// (<c>ReluLossTests</c>) the dual scaling's neighbourhood search shortened every step geometrically (0.28, 0.03, 3e-4, ...
    /// from a primal-dual step of 0.45) to NumericalError or a stall 2-5e-6 above the optimum, where the primal-dual scaling
    /// converges in 2-10 more iterations; on logistic regressions its first step is as short, but the second is 0.7-1.
    /// </summary>
    private void RevertToPrimalDualScaling(double alpha)
    {
        _log?.WriteLine($"step {alpha:g2} under the dual scaling, {_switchedAtStep:g2} before the switch: back to the primal-dual scaling");
        _dualScaling = false; _keepPrimalDualScaling = true; _switchedAtStep = 0;
    }

    /// <summary>Dual-scaled steps after a switch that may all be shorter than the switching step before the switch is undone (<see cref="RevertToPrimalDualScaling"/>).</summary>
    private const int DualScalingTrialSteps = 2;

    /// <summary>
    /// True when the nonsymmetric cones on their own would cut the combined step below <paramref name="threshold"/>:
    /// only then can the dual scaling (which changes nothing in the symmetric cones) lengthen it. A short step that the
    /// second-order or nonnegative cones cause (common early on in programs that mix them with exponential cones) keeps
    /// the primal-dual scaling, which converges much faster there.
    /// </summary>
    private bool ExponentialConesShortenStep(double fraction, double threshold) =>
        fraction * _cones.NonsymmetricStepLength(_point.S, _step.S, _point.Z, _step.Z, 1.0 / fraction) < threshold;

    /// <summary>
    /// Shortens α by <see cref="CentralityBacktrack"/> (at most 50 times) until <see cref="CentralityMeasure"/> at the new point is
    /// below 1 + the degree of the nonsymmetric cones (Clarabel's neighbourhood, whose exponential-cone barriers are not shifted),
    /// or no larger than at the current point when that is already outside (after the switch from the primal-dual scaling, whose
    /// iterates need not be in the neighbourhood; requiring it there would stop the method).
    /// </summary>
    private double BacktrackToNeighbourhood(double alpha)
    {
        double bound = Math.Max(1.0 + _cones.NonsymmetricDegree, CentralityMeasure(0));
        for (int k = 0; k < 50 && !(CentralityMeasure(alpha) < bound); k++) alpha *= CentralityBacktrack;
        return alpha;
    }

    /// <summary>
    /// The distance of (s, z, τ, κ) + α Δ from the central path in barrier terms:
    /// (ν + 1) log μ - log τ - log κ + f(s) + f*(z), which is at least 0 and 0 exactly on the central path (the cones' barriers are
    /// normalized so that f(s) + f*(z) = -ν log μ there). Uses the work vectors _t1 and _t2.
    /// </summary>
    private double CentralityMeasure(double alpha)
    {
        double tau = _point.Tau + alpha * _step.Tau, kappa = _point.Kappa + alpha * _step.Kappa;
        for (int i = 0; i < _m; i++) { _t1[i] = _point.S[i] + alpha * _step.S[i]; _t2[i] = _point.Z[i] + alpha * _step.Z[i]; }
        double mu = (VectorOps.Dot(_t1, _t2) + tau * kappa) / (_degree + 1);
        if (!(mu > 0) || !(tau > 0) || !(kappa > 0)) return double.PositiveInfinity;
        return (_degree + 1) * Math.Log(mu) - Math.Log(tau) - Math.Log(kappa) + _cones.Barrier(_t1) + _cones.DualBarrier(_t2);
    }

    /// <summary>NumericalError, with the reason in the log when verbose.</summary>
    private SolverStatus Failed(string reason)
    {
        _log?.WriteLine($"numerical failure: {reason}");
        return SolverStatus.NumericalError;
    }

    /// <summary>
    /// Starting point (symmetric cones) from two regularized least-squares solves with W = I:
    /// [P A'; A -I][x; -s] = [0; b] gives (x, s); [P A'; A -I][·; z] = [-q; 0] gives z; both shifted into the cone; τ = κ = 1.
    /// </summary>
    private bool InitialPoint()
    {
        if (!_cones.IsSymmetric)
        {
            // Nonsymmetric cones: s = z = e (the central unit point of every cone), x = 0, τ = κ = 1.
            _point.S.AsSpan().Clear(); _cones.AddScaledUnit(_point.S, 1.0);
            _point.S.AsSpan().CopyTo(_point.Z);
            _point.X.AsSpan().Clear();
            _point.Tau = 1; _point.Kappa = 1;
            return true;
        }
        _point.S.AsSpan().Clear(); _cones.AddScaledUnit(_point.S, 1.0);
        _point.S.AsSpan().CopyTo(_point.Z);
        if (!_cones.UpdateScaling(_point.S, _point.Z, _lambda) || !_kkt.Update(_cones)) return false;
        _rhsX.AsSpan().Clear(); _eq.B.AsSpan().CopyTo(_rhsZ);
        if (!_kkt.Solve(_rhsX, _rhsZ, _point.X, _t1)) return false;
        for (int i = 0; i < _m; i++) _point.S[i] = -_t1[i];
        for (int j = 0; j < _n; j++) _rhsX[j] = -_eq.Q[j];
        _rhsZ.AsSpan().Clear();
        if (!_kkt.Solve(_rhsX, _rhsZ, _x1, _point.Z)) return false;
        _cones.ShiftToInterior(_point.S);
        _cones.ShiftToInterior(_point.Z);
        _point.Tau = 1; _point.Kappa = 1;
        return true;
    }

    /// <summary>y = Â x, through the KKT solver's structured form of Â when it has one (<see cref="IConstraintOperator"/>).</summary>
    private void MultiplyA(ReadOnlySpan<double> x, Span<double> y)
    {
        if (_kkt is IConstraintOperator op) op.Multiply(x, y); else _eq.A.Multiply(x, y);
    }

    /// <summary>y = Â' z, through the KKT solver's structured form of Â when it has one.</summary>
    private void MultiplyATransposed(ReadOnlySpan<double> z, Span<double> y)
    {
        if (_kkt is IConstraintOperator op) op.MultiplyTransposed(z, y); else _eq.A.MultiplyTransposed(z, y);
    }

    /// <summary>r_x = P x + A'z + q τ, r_z = A x + s - b τ, r_τ = κ + x'Px/τ + q'x + b'z.</summary>
    private void ComputeResiduals()
    {
        _eq.P.MultiplySymmetricUpper(_point.X, _px);
        MultiplyATransposed(_point.Z, _atz);
        MultiplyA(_point.X, _ax);
        for (int j = 0; j < _n; j++) _rx[j] = _px[j] + _atz[j] + _eq.Q[j] * _point.Tau;
        for (int i = 0; i < _m; i++) _rz[i] = _ax[i] + _point.S[i] - _eq.B[i] * _point.Tau;
        _xPx = VectorOps.Dot(_point.X, _px); _qx = VectorOps.Dot(_eq.Q, _point.X); _bz = VectorOps.Dot(_eq.B, _point.Z);
        _rtau = _point.Kappa + _xPx / _point.Tau + _qx + _bz;
    }

    /// <summary>Costs, gap and relative residuals of (x/τ, s/τ, z/τ) mapped back to the original problem.</summary>
    private Metrics ComputeMetrics()
    {
        double t = _point.Tau, c = _eq.C;
        double pcost = (0.5 * _xPx / (t * t) + _qx / t) / c;
        double dcost = (-0.5 * _xPx / (t * t) - _bz / t) / c;
        double gapAbs = Math.Abs(pcost - dcost);
        double gapRel = gapAbs / Math.Max(1.0, Math.Min(Math.Abs(pcost), Math.Abs(dcost)));
        // ||Ax + s - b|| / (1 + max(||b||, ||Ax||, ||s||)) with A x = E^-1 Â x̂ / τ, s = E^-1 ŝ / τ.
        double pres = VectorOps.ScaledNormInf(_rz, _eq.E, invert: true) / t
            / (1 + Math.Max(_bNorm, Math.Max(VectorOps.ScaledNormInf(_ax, _eq.E, true), VectorOps.ScaledNormInf(_point.S, _eq.E, true)) / t));
        // ||Px + q + A'z|| / (1 + max(||q||, ||Px||, ||A'z||)) with P x = D^-1 P̂ x̂ / (cτ), A'z = D^-1 Â'ẑ / (cτ).
        double dres = VectorOps.ScaledNormInf(_rx, _eq.D, true) / (c * t)
            / (1 + Math.Max(_qNorm, Math.Max(VectorOps.ScaledNormInf(_px, _eq.D, true), VectorOps.ScaledNormInf(_atz, _eq.D, true)) / (c * t)));
        double mu = (VectorOps.Dot(_point.S, _point.Z) + _point.Tau * _point.Kappa) / (_degree + 1);
        return new Metrics(pcost, dcost, gapAbs, gapRel, pres, dres, mu);
    }

    /// <summary>
    /// Solved (full tolerances), or a primal / dual infeasibility certificate, or Unsolved to go on. Solved needs both the
    /// iteration's measures and the final check of the reported point (<see cref="MeetsTolerancesInOriginalUnits"/>).
    /// </summary>
    private SolverStatus CheckTermination(Metrics r)
    {
        var st = _settings;
        if (MeetsTolerances(r, st.FeasibilityTolerance, st.GapAbsoluteTolerance, st.GapRelativeTolerance)
            && MeetsTolerancesInOriginalUnits(st.FeasibilityTolerance, st.GapAbsoluteTolerance, st.GapRelativeTolerance))
            return SolverStatus.Solved;
        double tol = st.InfeasibilityTolerance, c = _eq.C;
        // Primal infeasibility: b'z < 0 and ||A'z|| small relative to |b'z| (original units: z = E ẑ / c).
        double bz = _bz / c;
        if (bz < -tol && VectorOps.ScaledNormInf(_atz, _eq.D, true) / c < -tol * bz) return SolverStatus.PrimalInfeasible;
        // Dual infeasibility: q'x < 0 and ||Px||, ||Ax + s|| small relative to |q'x| (x = D x̂, s = E^-1 ŝ).
        double qx = _qx / c;
        if (qx < -tol && VectorOps.ScaledNormInf(_px, _eq.D, true) / c < -tol * qx && AxPlusSNorm() < -tol * qx)
            return SolverStatus.DualInfeasible;
        return SolverStatus.Unsolved;
    }

    /// <summary>The iteration's test: relative residuals below <paramref name="feasibility"/>, gap below either gap tolerance (objectives without the constant).</summary>
    private static bool MeetsTolerances(Metrics r, double feasibility, double gapAbsolute, double gapRelative) =>
        r.PrimalResidual < feasibility && r.DualResidual < feasibility && (r.GapAbs < gapAbsolute || r.GapRel < gapRelative);

    /// <summary>
    /// The final check of a candidate solution: the current iterate mapped back to the original problem, (x, s, z) =
    /// (D x̂, E^-1 ŝ, E ẑ / c) / τ, exactly as it would be reported, must meet the tolerances in the original units
    /// (<see cref="SolutionMeasures.MeetsTolerances"/>: objectives with the constant, residuals recomputed from the original
    /// data). The iteration's measures are computed on the equilibrated data and without the objective constant, so they
    /// can pass while the reported objectives differ by more than the gap tolerance (a large constant) or the residuals in
    /// original units are larger (rounding amplified by the scaling). Allocates nothing.
    /// </summary>
    private bool MeetsTolerancesInOriginalUnits(double feasibility, double gapAbsolute, double gapRelative)
    {
        Unscale(_point, _origX, _origS, _origZ);
        var (primal, dual, pres, dres, _) = SolutionMeasures.Compute(_problem, _origX, _origS, _origZ, _origPx, _origAtz, _origAx);
        return SolutionMeasures.MeetsTolerances(primal, dual, pres, dres, feasibility, gapAbsolute, gapRelative);
    }

    /// <summary>x = D x̂/τ, s = E^-1 ŝ/τ, z = E ẑ/(cτ): the point of the original problem that an iterate stands for.</summary>
    private void Unscale(Iterate it, double[] x, double[] s, double[] z) => _eq.Unscale(it.X, it.S, it.Z, it.Tau, x, s, z);

    /// <summary>||E^-1 (Â x̂ + ŝ)||_inf = ||A x + s||_inf in original units.</summary>
    private double AxPlusSNorm()
    {
        double m = 0;
        for (int i = 0; i < _m; i++) m = Math.Max(m, Math.Abs((_ax[i] + _point.S[i]) / _eq.E[i]));
        return m;
    }

    /// <summary>NT scaling (or a nonsymmetric cone's scaling for complementarity <paramref name="mu"/>) at (s, z), λ = W z, and the factorization of [[P, A'], [A, -W'W]].</summary>
    private bool UpdateScalingAndFactor(double mu)
    {
        long t0 = SolverProfile.Start();
        bool ok = _cones.IsSymmetric ? _cones.UpdateScaling(_point.S, _point.Z, _lambda) : _cones.UpdateScaling(_point.S, _point.Z, _lambda, mu, _dualScaling);
        SolverProfile.Stop(ProfilePhase.Scaling, t0);
        return ok && _kkt.Update(_cones);
    }

    /// <summary>
    /// K [x2; z2] = [-q; b], and the denominator of the τ equation in its stable form
    /// -(x2 - x/τ)'P(x2 - x/τ) - ||W z2||² - κ/τ (always negative).
    /// </summary>
    private bool SolveConstantDirection()
    {
        for (int j = 0; j < _n; j++) _rhsX[j] = -_eq.Q[j];
        if (!_kkt.Solve(_rhsX, _eq.B, _x2, _z2)) return false;
        for (int j = 0; j < _n; j++) _x1[j] = _x2[j] - _point.X[j] / _point.Tau;
        _eq.P.MultiplySymmetricUpper(_x1, _workN);
        _cones.MultiplyW(_z2, _t1);
        _tauDenominator = -VectorOps.Dot(_x1, _workN) - VectorOps.Dot(_t1, _t1) - _point.Kappa / _point.Tau;
        return double.IsFinite(_tauDenominator) && _tauDenominator < 0;
    }

    /// <summary>Affine direction: d = r (all residuals), d_s = λ ∘ λ (s on a nonsymmetric cone), d_κ = τκ.</summary>
    private bool PredictorDirection()
    {
        _cones.AffineComplementarity(_point.S, _lambda, _dsRhs);
        return SolveNewton(1.0, _dsRhs, _point.Tau * _point.Kappa);
    }

    /// <summary>
    /// Combined direction: d = (1 - σ) r, d_s = λ∘λ + (W^-T Δs_a) ∘ (W Δz_a) - σμe, d_κ = τκ + Δτ_a Δκ_a - σμ
    /// (the affine direction is still in Δ on entry); on a nonsymmetric cone d_s = s + σμ∇f*(z) - η
    /// (<see cref="ICone.CombinedComplementarity"/>). Without <paramref name="secondOrder"/>, the Mehrotra terms
    /// (W^-T Δs_a) ∘ (W Δz_a), η and Δτ_a Δκ_a are left out (a pure centering step); <paramref name="correction"/> scales them
    /// (through Δz_a and Δτ_a).
    /// </summary>
    private bool CombinedDirection(double sigma, double mu, bool secondOrder, double correction)
    {
        double dKappa = _point.Tau * _point.Kappa - sigma * mu;
        if (secondOrder && correction != 1.0)
        {
            for (int i = 0; i < _m; i++) _step.Z[i] *= correction;
            _step.Tau *= correction;
        }
        _cones.CombinedComplementarity(_point.S, _lambda, _step.S, _step.Z, sigma * mu, secondOrder, _dsRhs, _t1, _t2, _rhsZ);
        if (secondOrder) dKappa += _step.Tau * _step.Kappa;
        return SolveNewton(1.0 - sigma, _dsRhs, dKappa);
    }

    /// <summary>
    /// Safeguard for a short corrected step: the second-order term can point badly on second-order cones far from
    /// the central path, so the direction without it is tried and kept when it allows a longer step;
    /// otherwise the saved corrected direction is restored.
    /// </summary>
    private bool TryWithoutSecondOrderCorrection(double sigma, double mu, double correction, ref double alpha)
    {
        // Save Δ (corrected); compute the plain direction; keep the longer step.
        _savedStep.CopyFrom(_step);
        if (!CombinedDirection(sigma, mu, secondOrder: false, correction)) return false;
        double plain = _stepFraction * StepLength(1.0 / _stepFraction);
        if (plain > alpha) { alpha = plain; return true; }
        _step.CopyFrom(_savedStep);
        return true;
    }

    /// <summary>
    /// Newton step for right-hand sides (w r_x, w r_z, w r_τ, d_s, d_κ). With Δs = -W'(λ\d_s + W Δz) (on a nonsymmetric
    /// cone Δs = -(d_s + W'W Δz), see <see cref="ICone.SlackOffset"/>) and
    /// Δκ = -(d_κ + κ Δτ)/τ eliminated, K [x1; z1] = [-w r_x; -w r_z + W'(λ\d_s)], then
    /// Δτ = (-w r_τ + d_κ/τ - (q + 2Px/τ)'x1 - b'z1) / denominator and (Δx, Δz) = (x1, z1) + Δτ (x2, z2).
    /// A KKT solver that eliminates z through (W'W)^-1 asks for the equal form Δs = -w r_z + b Δτ - A Δx
    /// (<see cref="IKktSolver.SlackFromPrimalEquation"/>).
    /// </summary>
    private bool SolveNewton(double w, ReadOnlySpan<double> dS, double dKappa)
    {
        _cones.SlackOffset(_lambda, dS, _t2, _t1);
        for (int j = 0; j < _n; j++) _rhsX[j] = -w * _rx[j];
        for (int i = 0; i < _m; i++) _rhsZ[i] = -w * _rz[i] + _t2[i];
        if (!_kkt.Solve(_rhsX, _rhsZ, _x1, _z1)) return false;

        double numerator = -w * _rtau + dKappa / _point.Tau - VectorOps.Dot(_eq.Q, _x1) - 2 * VectorOps.Dot(_px, _x1) / _point.Tau - VectorOps.Dot(_eq.B, _z1);
        _step.Tau = numerator / _tauDenominator;
        for (int j = 0; j < _n; j++) _step.X[j] = _x1[j] + _step.Tau * _x2[j];
        for (int i = 0; i < _m; i++) _step.Z[i] = _z1[i] + _step.Tau * _z2[i];
        if (_kkt.SlackFromPrimalEquation)
        {
            // Δs = -w r_z + b Δτ - A Δx (zero on the equality rows).
            MultiplyA(_step.X, _step.S);
            for (int i = 0; i < _m; i++) _step.S[i] = _zeroRow[i] ? 0.0 : -w * _rz[i] + _eq.B[i] * _step.Tau - _step.S[i];
        }
        else
        {
            // Δs = -W' (λ\d_s + W Δz).
            _cones.SlackStep(_lambda, dS, _step.Z, _step.S, _t1, _t2);
        }
        _step.Kappa = -(dKappa + _point.Kappa * _step.Tau) / _point.Tau;
        return double.IsFinite(_step.Tau) && double.IsFinite(_step.Kappa);
    }

    /// <summary>The largest α ≤ alphaMax keeping s strictly in the cone, z strictly in the dual cone and τ, κ positive.</summary>
    private double StepLength(double alphaMax)
    {
        long t0 = SolverProfile.Start();
        double alpha = alphaMax;
        if (_step.Tau < 0) alpha = Math.Min(alpha, -_point.Tau / _step.Tau);
        if (_step.Kappa < 0) alpha = Math.Min(alpha, -_point.Kappa / _step.Kappa);
        alpha = _cones.StepLength(_point.S, _step.S, alpha);
        alpha = _cones.DualStepLength(_point.Z, _step.Z, alpha);
        SolverProfile.Stop(ProfilePhase.StepLength, t0);
        return alpha;
    }

    /// <summary>(x, s, z, τ, κ) += α (Δx, Δs, Δz, Δτ, Δκ).</summary>
    private void TakeStep(double alpha) => _point.AddScaled(alpha, _step);

    /// <summary>
    /// Keeps a copy of the iterate with the smallest max(primal residual, dual residual, gap), and the last iteration at
    /// which that score fell below a tenth of its value at the previous such iteration (see <see cref="Stalled"/>).
    /// </summary>
    private void TrackBest(Metrics r, int iteration)
    {
        double score = Math.Max(Math.Max(r.PrimalResidual, r.DualResidual), Math.Min(r.GapAbs, r.GapRel));
        if (score < 0.1 * _progressScore) { _progressScore = score; _lastProgress = iteration; }
        _muHistory[iteration % _muHistory.Length] = r.Mu;
        if (!(score < _bestScore)) return;
        _bestScore = score; _bestMetrics = r;
        _best.CopyFrom(_point);
    }

    /// <summary>
    /// True when the best iterate already meets the reduced tolerance (it will be reported AlmostSolved) and the best score
    /// has not improved tenfold for <see cref="StallIterations"/> iterations: on programs without a strictly feasible point
    /// (graph bisection, H-infinity-type LMIs) the residual of the side without an interior stops falling once μ is tiny,
    /// and further iterations only cost time. Not while the run is only slow: μ is still above <see cref="StallMuRatio"/>
    /// times the best score (the residuals and μ fall together in a healthy run, both by about 1 - α a step) and still
    /// falling (by <see cref="StallMuFall"/> over those iterations at least). Hinge-loss ReLU programs go through such
    /// phases: one whose score fell eightfold in six iterations, μ a hundredfold to a quarter of it, converged two
    /// iterations later (<c>ReluLossTests</c>, seed 928995); another took five steps of 0.17-0.36 with μ and the score
    /// falling together by a quarter, then steps of 1, 0.99 and 0.99 to the tolerance (seed 500558). If the score does not
    /// follow, μ drops below that fraction of it within a few more iterations, or stops falling, and the stop comes.
    /// </summary>
    private bool Stalled(int iteration, double mu)
    {
        if (iteration - _lastProgress < StallIterations || _bestScore == double.PositiveInfinity) return false;
        double tol = _settings.ReducedTolerance;
        double muBefore = _muHistory[(iteration - StallIterations) % _muHistory.Length];
        bool converging = mu >= StallMuRatio * _bestScore && mu <= StallMuFall * muBefore;
        return !converging && MeetsTolerances(_bestMetrics, tol, tol, tol);
    }

    /// <summary>
    /// μ below this fraction of the best score marks a stall (see <see cref="Stalled"/>); the graph bisection programs stop
    /// at 3e-4 to 1e-3, the slowly converging hinge program went on at 0.25.
    /// </summary>
    private const double StallMuRatio = 1e-2;

    /// <summary>
    /// μ at most this fraction of its value <see cref="StallIterations"/> iterations before means μ is still falling (see
    /// <see cref="Stalled"/>): a run whose μ stopped moving is stuck, however close μ is to the score.
    /// </summary>
    private const double StallMuFall = 0.9;

    /// <summary>Builds the result: the solution, a certificate, or the best iterate with an honest status.</summary>
    private SolverResult Finish(SolverStatus status, int iterations, double seconds)
    {
        double[] x = new double[_n], s = new double[_m], z = new double[_m];
        double c = _eq.C;
        if (status == SolverStatus.PrimalInfeasible)
        {
            // z = E ẑ / c scaled so b'z = -1; x, s are not defined.
            double scale = -_bz;
            for (int i = 0; i < _m; i++) z[i] = _eq.E[i] * _point.Z[i] / scale;
            Array.Fill(x, double.NaN); Array.Fill(s, double.NaN);
            return Result(status, x, s, z, double.PositiveInfinity, double.PositiveInfinity, iterations, seconds, false);
        }
        if (status == SolverStatus.DualInfeasible)
        {
            // x = D x̂, s = E^-1 ŝ scaled so q'x = -1 (q'x = q̂'x̂ / c); z is not defined.
            double scale = -_qx / c;
            for (int j = 0; j < _n; j++) x[j] = _eq.D[j] * _point.X[j] / scale;
            for (int i = 0; i < _m; i++) s[i] = _point.S[i] / _eq.E[i] / scale;
            Array.Fill(z, double.NaN);
            return Result(status, x, s, z, double.NegativeInfinity, double.NegativeInfinity, iterations, seconds, false);
        }
        if (status != SolverStatus.Solved && _bestScore < double.PositiveInfinity)
        {
            _point.CopyFrom(_best);
            double tol = _settings.ReducedTolerance;
            if (MeetsTolerances(_bestMetrics, tol, tol, tol) && MeetsTolerancesInOriginalUnits(tol, tol, tol)) status = SolverStatus.AlmostSolved;
            // A stall stop whose best point fails the check in original units could not make progress.
            else if (status == SolverStatus.AlmostSolved) status = SolverStatus.NumericalError;
        }
        Unscale(_point, x, s, z);
        return Result(status, x, s, z, double.NaN, double.NaN, iterations, seconds, true);
    }

    /// <summary>The result record; for a solution its objectives and residuals are recomputed on the original data.</summary>
    /// <summary>The result record (<see cref="SolutionMeasures.Report"/>).</summary>
    private SolverResult Result(SolverStatus status, double[] x, double[] s, double[] z, double pobj, double dobj, int iterations, double seconds, bool measure) =>
        SolutionMeasures.Report(_problem, status, x, s, z, pobj, dobj, measure, iterations, seconds, _kkt.Name, _log);

    private void LogHeader()
    {
        if (_log is null) return;
        int soc = _problem.Cones.Count(k => k is SecondOrderConeSpec), psd = _problem.Cones.Count(k => k is PsdConeSpec), exp = _problem.Cones.Count(k => k is ExponentialConeSpec);
        _log.WriteLine($"ConicSolver: {_n} variables, {_m} constraints, nnz(P) = {_problem.P.NonZeros}, nnz(A) = {_problem.A.NonZeros}, {_problem.Cones.Count} cones ({soc} second-order, {psd} semidefinite, {exp} exponential), degree {_degree}");
        _log.WriteLine($"  equilibration passes {_settings.EquilibrationIterations}, tolerances: feasibility {_settings.FeasibilityTolerance:g2}, gap {_settings.GapAbsoluteTolerance:g2}/{_settings.GapRelativeTolerance:g2}");
        _log.WriteLine("iter    pcost        dcost       gap       pres      dres      k/t       mu       step");
        _log.WriteLine("-------------------------------------------------------------------------------------");
    }

    private void LogIteration(int iteration, Metrics r, double alpha)
    {
        if (_log is null) return;
        string step = iteration == 0 ? "  ------" : $"{alpha,8:0.00e+00}";
        _log.WriteLine($"{iteration,4}  {r.PrimalCost + _problem.ObjectiveConstant,11:0.0000e+00}  {r.DualCost + _problem.ObjectiveConstant,11:0.0000e+00}  {r.GapRel,8:0.00e+00}  {r.PrimalResidual,8:0.00e+00}  {r.DualResidual,8:0.00e+00}  {_point.Kappa / _point.Tau,8:0.00e+00}  {r.Mu,8:0.00e+00}  {step}");
    }
}
