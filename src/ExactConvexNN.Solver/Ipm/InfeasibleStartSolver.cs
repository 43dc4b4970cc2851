using System.Diagnostics;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Ipm;

/// <summary>
/// Infeasible-start primal-dual path following with the HKM direction (the method of CSDP, Borchers 1999; Helmberg,
/// Rendl, Vanderbei and Wolkowicz 1996) for pure semidefinite programs: P = 0, only zero, nonnegative and semidefinite cones.
/// <para>
/// In this project's form, min q'x s.t. A x + s = b, s ∈ K, with dual max -b'z s.t. A'z + q = 0, z ∈ K, the iterate
/// (x, s, z) starts at x = 0, s = β e, z = α e (CSDP's start scaled from the data norms; e the unit of the cones; zero-cone
/// rows s = 0, z = 0) and need not be feasible. Each Newton step solves the residual equations
/// A Δx + Δs = -r_p, A'Δz = -r_d with r_p = A x + s - b, r_d = A'z + q, and the linearized, symmetrized centering
/// condition Δz = σμ S^-1 - Z - sym(Z ΔS S^-1) (- sym(ΔZ_a ΔS_a S^-1), Mehrotra's second-order term) on every semidefinite
/// block (z_k Δs_k / s_k on a nonnegative one). Eliminating Δs and Δz leaves the dense Schur complement
/// M_ij = Σ_blocks tr(A_i Z A_j S^-1) + Σ_nonneg a_ri a_rj z_r / s_r (bordered by the zero-cone rows), factored by Cholesky.
/// The primal pair (x, s) and the dual z take separate steps, 0.95 of the way to the boundary and at most 1.
/// </para>
/// The iteration stops when the point, mapped back to the original units, meets the tolerances of
/// <see cref="SolutionMeasures.MeetsTolerances"/>; otherwise the best iterate is reported as in the homogeneous method.
/// Every buffer is allocated in <see cref="Create"/>; the loop allocates nothing (except log lines when verbose).
/// </summary>
internal sealed class InfeasibleStartSolver
{
    /// <summary>Fraction of the step to the boundary (CSDP's 0.95).</summary>
    private const double StepFraction = 0.95;
    /// <summary>Iterations without a tenfold improvement of the best score after which a best iterate meeting the reduced tolerance is returned.</summary>
    private const int StallIterations = 8;
    /// <summary>A primal or dual step shorter than this counts towards <see cref="ShortStepLimit"/>.</summary>
    private const double ShortStep = 1e-2;
    /// <summary>
    /// Consecutive short steps without tenfold progress of a best point already within √(reduced tolerance) after which the
    /// run stops (see <see cref="Run"/>; far from the optimum short steps are normal: control k = 10 takes steps of 0.002-0.03
    /// at iterations 4-7 and is solved in 22).
    /// </summary>
    private const int ShortStepLimit = 4;

    private readonly ConicProblem _problem;
    private readonly SolverSettings _settings;
    private readonly Equilibration _eq;
    private readonly CompositeCone _cones;
    private readonly TextWriter? _log;
    private readonly int _n, _m, _degree;

    // Blocks: semidefinite (offset, order, columns of A with entries in it and their CSC range), nonnegative rows, zero rows.
    private readonly PsdBlock[] _psd;
    private readonly int[] _nonnegRows, _zeroRows;
    private readonly CscMatrix _at;   // Â' (its columns are the rows of Â)

    // Iterate, direction, affine direction, residuals and work vectors.
    private readonly double[] _x, _s, _z, _dx, _ds, _dz, _dxSaved, _dsSaved, _dzSaved, _dsAff, _dzAff, _rp, _rd, _g, _rhs, _workN, _workM, _dzE, _workE;
    // Schur complement (row-major lower triangle), its factor, M^-1 A_E' (n x |E|, column by column) and A_E M^-1 A_E' with its factor.
    private readonly double[] _schur, _factor, _v, _border;
    // Candidate in original units and the work vectors of its measures.
    private readonly double[] _origX, _origS, _origZ, _origPx, _origAtz, _origAx;
    // Best iterate.
    private readonly double[] _bestX, _bestS, _bestZ;
    private double _bestScore = double.PositiveInfinity, _progressScore = double.PositiveInfinity;
    private int _lastProgress;
    // μ of the last 2 StallIterations + 1 iterations (iteration k at k mod the length).
    private readonly double[] _muHistory = new double[2 * StallIterations + 1];
    /// <summary>μ above this fraction of its value 2 <see cref="StallIterations"/> iterations before counts as stalled.</summary>
    private const double StallMuFall = 1e-2;
    private (double Primal, double Dual, double PrimalResidual, double DualResidual, double Gap) _bestMeasures;

    /// <summary>A semidefinite block: its rows, matrix work space and the columns of Â that touch it.</summary>
    private sealed class PsdBlock
    {
        public required int Offset, Order;
        public required int[] Columns, EntryStart, EntryEnd;   // column j, its CSC entries [start, end) in the block
        public required bool[] Dense;                           // the column's matrix is formed densely
        public required double[] S, Z, SInverse, Work1, Work2, Work3, Work4, Packed;
    }

    private InfeasibleStartSolver(ConicProblem problem, SolverSettings settings, Equilibration eq, CompositeCone cones)
    {
        _problem = problem; _settings = settings; _eq = eq; _cones = cones;
        _log = settings.Verbose ? settings.Log ?? Console.Error : null;
        _n = problem.Variables; _m = problem.Constraints;
        var psd = new List<PsdBlock>();
        var nonneg = new List<int>(); var zero = new List<int>();
        _degree = 0;
        for (int c = 0, o = 0; c < problem.Cones.Count; o += problem.Cones[c].Dimension, c++)
        {
            var spec = problem.Cones[c];
            if (spec is ZeroConeSpec) for (int i = 0; i < spec.Dimension; i++) zero.Add(o + i);
            else if (spec is NonnegativeConeSpec) { for (int i = 0; i < spec.Dimension; i++) nonneg.Add(o + i); _degree += spec.Dimension; }
            else { int k = ((PsdConeSpec)spec).MatrixOrder; psd.Add(NewBlock(eq.A, o, k)); _degree += k; }
        }
        _psd = [.. psd]; _nonnegRows = [.. nonneg]; _zeroRows = [.. zero];
        _at = eq.A.Transpose();
        double[] N() => new double[_n];
        double[] M() => new double[_m];
        _x = N(); _dx = N(); _dxSaved = N(); _rd = N(); _rhs = N(); _workN = N(); _origX = N(); _origPx = N(); _origAtz = N(); _bestX = N();
        _s = M(); _z = M(); _ds = M(); _dz = M(); _dsSaved = M(); _dzSaved = M(); _dsAff = M(); _dzAff = M(); _rp = M(); _g = M(); _workM = M();
        _origS = M(); _origZ = M(); _origAx = M(); _bestS = M(); _bestZ = M();
        int e = _zeroRows.Length;
        _dzE = new double[e]; _workE = new double[e];
        _schur = new double[_n * _n]; _factor = new double[_n * _n];
        _v = new double[_n * e]; _border = new double[e * e];
    }

    /// <summary>The block at rows [offset, offset + k(k+1)/2) with the columns of <paramref name="a"/> that have entries there (CSC rows are sorted).</summary>
    private static PsdBlock NewBlock(CscMatrix a, int offset, int k)
    {
        int dim = k * (k + 1) / 2;
        var cols = new List<int>(); var starts = new List<int>(); var ends = new List<int>(); var dense = new List<bool>();
        for (int j = 0; j < a.Columns; j++)
        {
            int p = a.ColumnPointers[j], end = a.ColumnPointers[j + 1];
            while (p < end && a.RowIndices[p] < offset) p++;
            int q = p;
            while (q < end && a.RowIndices[q] < offset + dim) q++;
            if (q == p) continue;
            cols.Add(j); starts.Add(p); ends.Add(q);
            // Z A_j S^-1 costs about 2 k² per entry from the entries (off-diagonal ones twice), 2 k³ densely.
            int entries = 0;
            for (int t = p; t < q; t++) entries += PsdCone.SvecRow(a.RowIndices[t] - offset, k) == PsdCone.SvecColumn(a.RowIndices[t] - offset, k) ? 1 : 2;
            dense.Add(entries > k);
        }
        double[] K() => new double[k * k];
        return new PsdBlock
        {
            Offset = offset, Order = k, Columns = [.. cols], EntryStart = [.. starts], EntryEnd = [.. ends], Dense = [.. dense],
            S = K(), Z = K(), SInverse = K(), Work1 = K(), Work2 = K(), Work3 = K(), Work4 = K(), Packed = new double[dim],
        };
    }

    /// <summary>
    /// True when <paramref name="problem"/> is in the method's scope: no quadratic objective (P = 0) and only zero,
    /// nonnegative and semidefinite cones.
    /// </summary>
    public static bool Supports(ConicProblem problem) =>
        problem.P.Values.All(v => v == 0) && problem.Cones.All(c => c is ZeroConeSpec or NonnegativeConeSpec or PsdConeSpec);

    /// <summary>
    /// The order of the dense reduced system the method stores (twice, with its factor): variables plus equality rows (the
    /// border). It must be at most <see cref="SolverSettings.SchurComplementMaxDenseOrder"/>.
    /// </summary>
    public static long DenseOrder(ConicProblem problem) =>
        (long)problem.Variables + problem.Cones.OfType<ZeroConeSpec>().Sum(c => (long)c.Dimension);

    /// <summary>Equilibrates the problem (<see cref="SolverSettings.InfeasibleStartEquilibrationIterations"/> passes) and allocates every buffer.</summary>
    /// <exception cref="ArgumentException">The problem is outside the method's scope (<see cref="Supports"/>).</exception>
    /// <exception cref="InputException">Its dense reduced system would be larger than <see cref="SolverSettings.SchurComplementMaxDenseOrder"/> (<see cref="DenseOrder"/>).</exception>
    public static InfeasibleStartSolver Create(ConicProblem problem, SolverSettings settings)
    {
        if (!Supports(problem))
            throw new ArgumentException("the infeasible-start method solves programs with P = 0 and only zero, nonnegative and semidefinite cones; use the homogeneous embedding");
        long order = DenseOrder(problem);
        if (order > settings.SchurComplementMaxDenseOrder)
            throw new InputException($"the infeasible-start method's dense Schur complement would have order {order:N0} (variables plus equality rows), more than {settings.SchurComplementMaxDenseOrder:N0}; use the homogeneous embedding (--method homogeneous or auto)");
        var cones = CompositeCone.Create(problem.Cones);
        var eq = Equilibration.Create(problem, cones, settings.InfeasibleStartEquilibrationIterations, settings.EquilibrationMinScaling, settings.EquilibrationMaxScaling);
        return new InfeasibleStartSolver(problem, settings, eq, cones);
    }

    /// <summary>The iteration: residuals and measures, termination, Schur complement, predictor, corrector, separate steps.</summary>
    public SolverResult Run()
    {
        var clock = Stopwatch.StartNew();
        LogHeader();
        InitialPoint();
        var status = SolverStatus.Unsolved;
        int iteration = 0;
        double alphaP = 0, alphaD = 0;
        int shortSteps = 0;
        for (; ; iteration++)
        {
            // r_p = Â x + s - b̂, r_d = Â'z + q̂; μ = s'z / ν.
            _eq.A.Multiply(_x, _rp);
            for (int i = 0; i < _m; i++) _rp[i] += _s[i] - _eq.B[i];
            _eq.A.MultiplyTransposed(_z, _rd);
            for (int j = 0; j < _n; j++) _rd[j] += _eq.Q[j];
            double mu = _degree > 0 ? VectorOps.Dot(_s, _z) / _degree : 0.0;
            var measures = MeasureInOriginalUnits();
            double relGap = SolutionMeasures.RelativeGap(measures.Primal, measures.Dual);
            double error = Math.Max(Math.Max(measures.PrimalResidual, measures.DualResidual), Math.Min(measures.Gap, relGap));
            TrackBest(measures, error, iteration);


            LogIteration(iteration, measures, relGap, mu, alphaP, alphaD);
            _settings.OnIteration?.Invoke(iteration, Math.Max(relGap, Math.Max(measures.PrimalResidual, measures.DualResidual)));
            var st = _settings;
            if (SolutionMeasures.MeetsTolerances(measures.Primal, measures.Dual, measures.PrimalResidual, measures.DualResidual,
                    st.FeasibilityTolerance, st.GapAbsoluteTolerance, st.GapRelativeTolerance)) { status = SolverStatus.Solved; break; }
            status = Certificate();
            if (status != SolverStatus.Unsolved) break;
            if (iteration >= st.MaxIterations) { status = SolverStatus.MaxIterations; break; }
            if (clock.Elapsed.TotalSeconds >= st.TimeLimitSeconds) { status = SolverStatus.TimeLimit; break; }
            // No tenfold improvement of the best score for StallIterations when the best is almost solved, or for twice that
            // when the best came within √(reduced tolerance) and μ has not fallen a hundredfold either (H-infinity members
            // without interior stall there with the gap near 1e-4; a run still far off, e.g. control k = 10 equilibrated,
            // whose residual stays near 1 for 20 iterations before converging, goes on): the best point is returned
            // (AlmostSolved, or NumericalError when it misses the reduced tolerance).
            int sinceProgress = iteration - _lastProgress;
            _muHistory[iteration % _muHistory.Length] = mu;
            bool muStalled = iteration >= 2 * StallIterations && mu > StallMuFall * _muHistory[(iteration - 2 * StallIterations) % _muHistory.Length];
            bool wasClose = _bestScore <= Math.Sqrt(st.ReducedTolerance);
            if (sinceProgress >= StallIterations && MeetsReduced(_bestMeasures) || sinceProgress >= 2 * StallIterations && muStalled && wasClose)
            { status = SolverStatus.AlmostSolved; break; }

            if (!FactorBlocks()) { status = Failed("a slack matrix is not positive definite"); break; }
            if (!FormAndFactorSchur()) { status = Failed("the Schur complement could not be factored"); break; }
            // Predictor (σ = 0).
            ComplementarityRhs(0.0, corrector: false);
            SolveDirection();
            // Step lengths are asked unbounded (1e30) and capped at 1: the cones' shortcut for a bounded α_max (one Cholesky of
            // the whole step) decides marginal steps differently from the eigenvalue, and graph bisection's end game is that
            // sensitive (k = 30, seed 1: almost_solved in 24 iterations with α_max = 1 and 1/0.95, solved in 22 without).
            double ap = Math.Min(1.0, _cones.StepLength(_s, _ds, 1e30));
            double ad = Math.Min(1.0, _cones.DualStepLength(_z, _dz, 1e30));
            // μ_aff = (s + α_p Δs)'(z + α_d Δz) / ν; the target σμ by CSDP's rule (CenteringTarget).
            double muAff = 0;
            for (int i = 0; i < _m; i++) muAff += (_s[i] + ap * _ds[i]) * (_z[i] + ad * _dz[i]);
            muAff /= Math.Max(1, _degree);
            double sigmaMu = CenteringTarget(mu, muAff, measures.PrimalResidual, measures.DualResidual, alphaP, alphaD);
            _ds.AsSpan().CopyTo(_dsAff); _dz.AsSpan().CopyTo(_dzAff);
            // Corrector: centering σμ and the second-order term of the affine direction.
            ComplementarityRhs(sigmaMu, corrector: true);
            SolveDirection();
            alphaP = Math.Min(1.0, StepFraction * _cones.StepLength(_s, _ds, 1e30));
            alphaD = Math.Min(1.0, StepFraction * _cones.DualStepLength(_z, _dz, 1e30));
            if (!(alphaP >= st.MinStepLength) && !(alphaD >= st.MinStepLength)) { status = Failed($"steps {alphaP:g2}, {alphaD:g2}"); break; }
            // Near the end (the best point within √(reduced tolerance)), a side whose steps have collapsed (below ShortStep
            // ShortStepLimit times in a row) without the best point improving tenfold meanwhile is stuck at the edge of its cone (CSDP's "stuck at edge of feasibility"; H-infinity members
            // without interior, where the dual steps fell 0.07, 0.03, 3e-3, 2e-4, 0 and stayed 0 for 10 more iterations):
            // the best point is returned now, and Automatic moves on to the embedding.
            shortSteps = Math.Min(alphaP, alphaD) < ShortStep ? shortSteps + 1 : 0;
            if (shortSteps >= ShortStepLimit && iteration - _lastProgress >= ShortStepLimit && _bestScore <= Math.Sqrt(st.ReducedTolerance)) { status = Failed($"{shortSteps} steps below {ShortStep:g2} (last {alphaP:g2}, {alphaD:g2})"); break; }
            // (x, s) += α_p (Δx, Δs), z += α_d Δz (the zero-cone rows' z included).
            for (int j = 0; j < _n; j++) _x[j] += alphaP * _dx[j];
            for (int i = 0; i < _m; i++) { _s[i] += alphaP * _ds[i]; _z[i] += alphaD * _dz[i]; }
        }
        return Finish(status, iteration, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The corrector's target σμ (CSDP's rule): with γ = μ_aff/μ, μ γ^(α_p + α_d) (the last steps) when both residuals are
    /// below a tenth of the tolerance, both last steps above 0.2 and together above 1, γ &lt; 1 and μ &gt; 1e-6; otherwise
    /// min(μ_aff, 0.9 μ); and at most μ/2 once both residuals are below 0.9 times the tolerance.
    /// </summary>
    private double CenteringTarget(double mu, double muAff, double primalResidual, double dualResidual, double alphaP, double alphaD)
    {
        if (!(mu > 0)) return 0.0;
        if (muAff < 0) muAff = mu / 2;
        double gamma = muAff / mu, tol = _settings.FeasibilityTolerance;
        double target = primalResidual < 0.1 * tol && dualResidual < 0.1 * tol && alphaP > 0.2 && alphaD > 0.2 && alphaP + alphaD > 1
            && mu > 1e-6 && gamma < 1
            ? mu * Math.Pow(gamma, alphaP + alphaD)
            : Math.Min(muAff, 0.9 * mu);
        if (primalResidual < 0.9 * tol && dualResidual < 0.9 * tol) target = Math.Min(target, mu / 2);
        return target;
    }

    /// <summary>
    /// CSDP's start: x = 0, z = α e, s = β e (zero-cone rows 0) with α = N max_i (1 + |q_i|)/(1 + ||A_i||), β = (1 +
    /// max(max_i ||A_i||, ||b||))/√N, both times 10, over the cone rows (N the sum of the block orders and nonnegative rows,
    /// ||·|| the Euclidean norm of svec, the Frobenius norm of a matrix).
    /// </summary>
    private void InitialPoint()
    {
        double nu = Math.Max(1, _degree);
        double alpha = 0, maxColumn = 0;
        for (int j = 0; j < _n; j++)
        {
            double norm = 0;
            for (int p = _eq.A.ColumnPointers[j]; p < _eq.A.ColumnPointers[j + 1]; p++) norm += _eq.A.Values[p] * _eq.A.Values[p];
            norm = Math.Sqrt(norm);
            maxColumn = Math.Max(maxColumn, norm);
            alpha = Math.Max(alpha, (1 + Math.Abs(_eq.Q[j])) / (1 + norm));
        }
        alpha *= 10 * nu;
        double beta = 10 * (1 + Math.Max(maxColumn, Math.Sqrt(VectorOps.Dot(_eq.B, _eq.B)))) / Math.Sqrt(nu);
        if (alpha == 0) alpha = 10 * nu;
        _x.AsSpan().Clear(); _s.AsSpan().Clear(); _z.AsSpan().Clear();
        _cones.AddScaledUnit(_s, beta); _cones.AddScaledUnit(_z, alpha);
        foreach (int r in _zeroRows) { _s[r] = 0; _z[r] = 0; }
    }

    /// <summary>Per semidefinite block: S and Z unpacked, S^-1 = L^-T L^-1 from the Cholesky factor S = L L'. False when S is not positive definite.</summary>
    private bool FactorBlocks()
    {
        foreach (var b in _psd)
        {
            int k = b.Order;
            var sv = _s.AsSpan(b.Offset, k * (k + 1) / 2);
            PsdCone.Unpack(sv, k, b.S);
            PsdCone.Unpack(_z.AsSpan(b.Offset, k * (k + 1) / 2), k, b.Z);
            b.S.AsSpan().CopyTo(b.Work1);
            if (!DenseKernels.CholeskyLower(b.Work1, k)) return false;
            DenseKernels.InvertLower(b.Work1, k, b.Work2);
            // Work2 is L^-1 row-major, i.e. L^-T column-major: S^-1 = L^-T (L^-T)'.
            DenseKernels.MultiplySquare(b.Work2, false, b.Work2, true, b.SInverse, k);
        }
        return true;
    }

    /// <summary>
    /// M (lower triangle) = Σ_blocks tr(A_i Z A_j S^-1) + Σ_nonneg a_ri a_rj z_r/s_r, its Cholesky factor (the diagonal
    /// raised by 1e-14, 1e-12, ... times its largest entry when the factorization fails), and for zero-cone rows
    /// V = M^-1 A_E' and the factor of A_E V.
    /// </summary>
    private bool FormAndFactorSchur()
    {
        int n = _n;
        Array.Clear(_schur);
        var a = _eq.A;
        foreach (var b in _psd)
        {
            int k = b.Order;
            for (int p = 0; p < b.Columns.Length; p++)
            {
                // W = Z A_j S^-1 packed as svec(sym W); then M_ij += svec(A_i)'svec(sym W) for the later columns i.
                ZASInverse(b, p, b.Work3);
                PsdCone.Pack(b.Work3, k, b.Packed);
                int j = b.Columns[p];
                for (int r = p; r < b.Columns.Length; r++)
                {
                    int i = b.Columns[r];
                    double sum = 0;
                    for (int t = b.EntryStart[r]; t < b.EntryEnd[r]; t++) sum += a.Values[t] * b.Packed[a.RowIndices[t] - b.Offset];
                    _schur[i * n + j] += sum;
                }
            }
        }
        // Nonnegative rows: a_ri a_rj z_r / s_r (row r of Â is column r of Â').
        foreach (int r in _nonnegRows)
        {
            double d = _z[r] / _s[r];
            int p0 = _at.ColumnPointers[r], p1 = _at.ColumnPointers[r + 1];
            for (int p = p0; p < p1; p++)
            {
                int i = _at.RowIndices[p];
                double f = d * _at.Values[p];
                for (int q = p0; q < p1; q++)
                {
                    int j = _at.RowIndices[q];
                    if (j <= i) _schur[i * n + j] += f * _at.Values[q];
                }
            }
        }
        double maxDiag = 0;
        for (int i = 0; i < n; i++) maxDiag = Math.Max(maxDiag, _schur[i * n + i]);
        if (!double.IsFinite(maxDiag)) return false;
        maxDiag = Math.Max(maxDiag, double.Epsilon);
        _schur.AsSpan().CopyTo(_factor);
        bool ok = DenseKernels.CholeskyLower(_factor, n);
        // Rounding can make M indefinite along a numerically null direction (the multiplier of a constraint without an
        // interior grows without bound): the diagonal is raised by 1e-14, 1e-13, ... times its largest entry (a uniform
        // shift growing tenfold until the factorization succeeds, as CSDP's). Starting at 1e-16 the refined directions
        // were exact but long along that direction, and graph bisection ended almost_solved (k = 30, 60, 124 at the
        // default equilibration); 1e-14 solved all three, 1e-12 lost k = 124 again.
        for (double shift = 1e-14; !ok && shift <= 1e-6; shift *= 10)
        {
            _schur.AsSpan().CopyTo(_factor);
            for (int i = 0; i < n; i++) _factor[i * n + i] += shift * maxDiag;
            ok = DenseKernels.CholeskyLower(_factor, n);
            if (ok) _log?.WriteLine($"Schur complement: factored with the diagonal shift {shift:g2} max diag");
        }
        if (!ok) return false;
        int e = _zeroRows.Length;
        if (e == 0) return true;
        // V_:c = M^-1 (row c of Â_E)', border = Â_E V.
        for (int c = 0; c < e; c++)
        {
            var col = _v.AsSpan(c * n, n);
            col.Clear();
            int r = _zeroRows[c];
            for (int p = _at.ColumnPointers[r]; p < _at.ColumnPointers[r + 1]; p++) col[_at.RowIndices[p]] = _at.Values[p];
            DenseKernels.CholeskySolve(_factor, n, col);
        }
        for (int c = 0; c < e; c++)
            for (int d = 0; d <= c; d++) _border[c * e + d] = RowDot(_zeroRows[c], _v.AsSpan(d * n, n));
        return DenseKernels.CholeskyLower(_border, e);
    }

    /// <summary>(row r of Â) · v.</summary>
    private double RowDot(int r, ReadOnlySpan<double> v)
    {
        double sum = 0;
        for (int p = _at.ColumnPointers[r]; p < _at.ColumnPointers[r + 1]; p++) sum += _at.Values[p] * v[_at.RowIndices[p]];
        return sum;
    }

    /// <summary>
    /// W = Z A_j S^-1 (column-major) for the p-th column of the block: densely (two products) or from its entries,
    /// W_:c += a_ef (S^-1)_fc Z_:e for each matrix entry (e, f) of A_j.
    /// </summary>
    private void ZASInverse(PsdBlock b, int p, double[] w)
    {
        int k = b.Order;
        var a = _eq.A;
        if (b.Dense[p])
        {
            PsdCone.Unpack(a.RowIndices.AsSpan(), a.Values.AsSpan(), b.EntryStart[p], b.EntryEnd[p], b.Offset, k, b.Work1);
            DenseKernels.MultiplySquare(b.Z, false, b.Work1, false, b.Work2, k);
            DenseKernels.MultiplySquare(b.Work2, false, b.SInverse, false, w, k);
            return;
        }
        Array.Clear(w, 0, k * k);
        for (int t = b.EntryStart[p]; t < b.EntryEnd[p]; t++)
        {
            int local = a.RowIndices[t] - b.Offset;
            int e = PsdCone.SvecRow(local, k), f = PsdCone.SvecColumn(local, k);
            double v = a.Values[t];
            if (e == f) AddOuter(b, e, e, v, w);
            else { AddOuter(b, e, f, v * InvSqrt2, w); AddOuter(b, f, e, v * InvSqrt2, w); }
        }
    }

    private static readonly double InvSqrt2 = 1.0 / Math.Sqrt(2.0);

    /// <summary>W += v Z_:e (S^-1)_f: (column c of W gains v (S^-1)_fc Z_:e).</summary>
    private static void AddOuter(PsdBlock b, int e, int f, double v, double[] w)
    {
        int k = b.Order;
        var ze = b.Z.AsSpan(e * k, k);
        for (int c = 0; c < k; c++)
        {
            double coef = v * b.SInverse[f * k + c];
            if (coef != 0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ze, coef, w.AsSpan(c * k, k), w.AsSpan(c * k, k));
        }
    }

    /// <summary>
    /// g = σμ S^-1 - Z + sym(Z R_p S^-1) (- sym(ΔZ_a ΔS_a S^-1) for the corrector) on each semidefinite block,
    /// σμ/s - z + z r_p/s (- Δz_a Δs_a / s) on nonnegative rows, 0 on zero rows: Δz = g + sym(Z (Â Δx) S^-1).
    /// </summary>
    private void ComplementarityRhs(double sigmaMu, bool corrector)
    {
        foreach (var b in _psd)
        {
            int k = b.Order, dim = k * (k + 1) / 2;
            var g = _g.AsSpan(b.Offset, dim);
            // Work3 = σμ S^-1 - Z + Z R_p S^-1 (- ΔZ_a ΔS_a S^-1); sym by packing.
            PsdCone.Unpack(_rp.AsSpan(b.Offset, dim), k, b.Work1);
            DenseKernels.MultiplySquare(b.Z, false, b.Work1, false, b.Work2, k);
            if (corrector)
            {
                // Work2 -= ΔZ_a ΔS_a.
                PsdCone.Unpack(_dzAff.AsSpan(b.Offset, dim), k, b.Work1);
                PsdCone.Unpack(_dsAff.AsSpan(b.Offset, dim), k, b.Work3);
                DenseKernels.MultiplySquare(b.Work1, false, b.Work3, false, b.Work4, k);
                for (int t = 0; t < k * k; t++) b.Work2[t] -= b.Work4[t];
            }
            DenseKernels.MultiplySquare(b.Work2, false, b.SInverse, false, b.Work3, k);
            for (int t = 0; t < k * k; t++) b.Work3[t] += sigmaMu * b.SInverse[t] - b.Z[t];
            PsdCone.Pack(b.Work3, k, g);
        }
        foreach (int r in _nonnegRows)
            _g[r] = (sigmaMu + _z[r] * _rp[r] - (corrector ? _dzAff[r] * _dsAff[r] : 0.0)) / _s[r] - _z[r];
        foreach (int r in _zeroRows) _g[r] = 0;
    }

    /// <summary>
    /// The Newton direction for the complementarity right-hand side g: Δx, Δz_E from
    /// [M Â_E'; Â_E 0] [Δx; Δz_E] = [-r_d - Â'g; -r_p,E], then Δs = -r_p - Â Δx (0 on zero rows) and
    /// Δz = g + sym(Z (Â Δx) S^-1) on the blocks, g + z (Â Δx)_r / s_r on nonnegative rows (this is
    /// σμ S^-1 - Z - sym(Z ΔS S^-1) (- sym(ΔZ_a ΔS_a S^-1))). Then iterative refinement on the true operator: the
    /// residuals ε = Â'Δz + r_d and η = Â_E Δx + r_p,E of the linear equations are corrected by the same solve with
    /// [-ε; -η] (CSDP's refinement: at most <see cref="RefinementSteps"/> times, until 3 corrections in a row did not
    /// improve the best or it is below <see cref="RefinementTolerance"/>; the best direction is kept). The error in ε grows with
    /// ||Δx|| ||M||: on graph bisection, whose multiplier of the constraint ⟨J, X⟩ = 0 grows without bound, it reached the
    /// size of r_d itself and the dual residual rose instead of falling.
    /// </summary>
    private void SolveDirection()
    {
        int n = _n, e = _zeroRows.Length;
        _eq.A.MultiplyTransposed(_g, _rhs);
        for (int j = 0; j < n; j++) _rhs[j] = -_rd[j] - _rhs[j];
        for (int c = 0; c < e; c++) _workE[c] = -_rp[_zeroRows[c]];
        _dx.AsSpan().Clear();
        for (int i = 0; i < _m; i++) { _ds[i] = -_rp[i]; _dz[i] = _g[i]; }
        foreach (int r in _zeroRows) _ds[r] = 0;
        double best = double.PositiveInfinity, floor = 0;
        for (int step = 0, lastImprovement = 0; ; step++)
        {
            SolveBordered();
            AddCorrection();
            // ε = Â'Δz + r_d, η = Â_E Δx + r_p,E.
            _eq.A.MultiplyTransposed(_dz, _rhs);
            double norm = 0;
            for (int j = 0; j < n; j++) { _rhs[j] = -(_rhs[j] + _rd[j]); norm = Math.Max(norm, Math.Abs(_rhs[j])); }
            for (int c = 0; c < e; c++) { _workE[c] = -(RowDot(_zeroRows[c], _dx) + _rp[_zeroRows[c]]); norm = Math.Max(norm, Math.Abs(_workE[c])); }
            if (step == 0) floor = RefinementTolerance * (1 + Math.Max(VectorOps.NormInf(_rd), VectorOps.NormInf(_dz)));
            if (norm < best)
            {
                best = norm; lastImprovement = step;
                _dx.AsSpan().CopyTo(_dxSaved); _ds.AsSpan().CopyTo(_dsSaved); _dz.AsSpan().CopyTo(_dzSaved);
            }
            if (step == RefinementSteps || step - lastImprovement >= 3 || !(best > floor) || !double.IsFinite(norm)) break;
        }
        // The best direction seen.
        _dxSaved.AsSpan().CopyTo(_dx); _dsSaved.AsSpan().CopyTo(_ds); _dzSaved.AsSpan().CopyTo(_dz);
    }

    /// <summary>Refinement stops once ||Â'Δz + r_d|| is below this times 1 + max(||r_d||, ||Δz||).</summary>
    private const double RefinementTolerance = 1e-15;

    /// <summary>Refinement steps of a Newton direction at most (see <see cref="SolveDirection"/>).</summary>
    private const int RefinementSteps = 20;

    /// <summary>
    /// [M Â_E'; Â_E 0] [δx; δz_E] = [_rhs; _workE] in place (δx in _rhs, δz_E in _dzE): u = M^-1 rhs,
    /// δz_E = (Â_E V)^-1 (Â_E u - rhs_E), δx = u - V δz_E.
    /// </summary>
    private void SolveBordered()
    {
        int n = _n, e = _zeroRows.Length;
        DenseKernels.CholeskySolve(_factor, n, _rhs);
        if (e == 0) return;
        for (int c = 0; c < e; c++) _dzE[c] = RowDot(_zeroRows[c], _rhs) - _workE[c];
        DenseKernels.CholeskySolve(_border, e, _dzE);
        for (int c = 0; c < e; c++)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_v.AsSpan(c * n, n), -_dzE[c], _rhs, _rhs);
    }

    /// <summary>
    /// (Δx, Δs, Δz) += (δx, -Â δx, sym(Z (Â δx) S^-1)) with δx in _rhs (z (Â δx)_r / s_r on nonnegative rows, δz_E on zero rows, Δs_E = 0).
    /// </summary>
    private void AddCorrection()
    {
        for (int j = 0; j < _n; j++) _dx[j] += _rhs[j];
        _eq.A.Multiply(_rhs, _workM);
        foreach (var b in _psd)
        {
            int k = b.Order, dim = k * (k + 1) / 2;
            PsdCone.Unpack(_workM.AsSpan(b.Offset, dim), k, b.Work1);
            DenseKernels.MultiplySquare(b.Z, false, b.Work1, false, b.Work2, k);
            DenseKernels.MultiplySquare(b.Work2, false, b.SInverse, false, b.Work3, k);
            PsdCone.Pack(b.Work3, k, b.Packed);
            for (int t = 0; t < dim; t++) { _dz[b.Offset + t] += b.Packed[t]; _ds[b.Offset + t] -= _workM[b.Offset + t]; }
        }
        foreach (int r in _nonnegRows) { _dz[r] += _z[r] * _workM[r] / _s[r]; _ds[r] -= _workM[r]; }
        for (int c = 0; c < _zeroRows.Length; c++) _dz[_zeroRows[c]] += _dzE[c];
    }

    /// <summary>(x, s, z) in original units (x = D x̂, s = ŝ/E, z = E ẑ/c) and their measures.</summary>
    private (double Primal, double Dual, double PrimalResidual, double DualResidual, double Gap) MeasureInOriginalUnits()
    {
        Unscale(_x, _s, _z, _origX, _origS, _origZ);
        return SolutionMeasures.Compute(_problem, _origX, _origS, _origZ, _origPx, _origAtz, _origAx);
    }

    /// <summary>x = D x̂, s = E^-1 ŝ, z = E ẑ / c (<see cref="Equilibration.Unscale"/> with τ = 1).</summary>
    private void Unscale(double[] xh, double[] sh, double[] zh, double[] x, double[] s, double[] z) => _eq.Unscale(xh, sh, zh, 1.0, x, s, z);

    /// <summary>
    /// The certificates of the homogeneous method in original units: b'z &lt; 0 with ||A'z|| &lt; tol |b'z| (primal
    /// infeasible; z ∈ K holds at every iterate), or q'x &lt; 0 with ||A x + s|| &lt; tol |q'x| (dual infeasible).
    /// </summary>
    private SolverStatus Certificate()
    {
        double tol = _settings.InfeasibilityTolerance;
        double bz = VectorOps.Dot(_problem.B, _origZ);
        if (bz < 0 && VectorOps.NormInf(_origAtz) < -tol * bz) return SolverStatus.PrimalInfeasible;
        double qx = VectorOps.Dot(_problem.Q, _origX);
        if (qx < 0)
        {
            double r = 0;
            for (int i = 0; i < _m; i++) r = Math.Max(r, Math.Abs(_origAx[i] + _origS[i]));
            if (r < -tol * qx) return SolverStatus.DualInfeasible;
        }
        return SolverStatus.Unsolved;
    }

    private bool MeetsReduced((double Primal, double Dual, double PrimalResidual, double DualResidual, double Gap) r)
    {
        double tol = _settings.ReducedTolerance;
        return SolutionMeasures.MeetsTolerances(r.Primal, r.Dual, r.PrimalResidual, r.DualResidual, tol, tol, tol);
    }

    /// <summary>Keeps the iterate with the smallest max(primal residual, dual residual, gap) and the last iteration that improved it tenfold.</summary>
    private void TrackBest((double, double, double, double, double) measures, double score, int iteration)
    {
        if (score < 0.1 * _progressScore) { _progressScore = score; _lastProgress = iteration; }
        if (!(score < _bestScore)) return;
        _bestScore = score; _bestMeasures = measures;
        _x.AsSpan().CopyTo(_bestX); _s.AsSpan().CopyTo(_bestS); _z.AsSpan().CopyTo(_bestZ);
    }

    private SolverStatus Failed(string reason)
    {
        _log?.WriteLine($"numerical failure: {reason}");
        return SolverStatus.NumericalError;
    }

    /// <summary>The result: the solution, a certificate, or the best iterate with an honest status.</summary>
    private SolverResult Finish(SolverStatus status, int iterations, double seconds)
    {
        double[] x = new double[_n], s = new double[_m], z = new double[_m];
        if (status == SolverStatus.PrimalInfeasible)
        {
            // z scaled so b'z = -1.
            double scale = -VectorOps.Dot(_problem.B, _origZ);
            for (int i = 0; i < _m; i++) z[i] = _origZ[i] / scale;
            Array.Fill(x, double.NaN); Array.Fill(s, double.NaN);
            return Result(status, x, s, z, double.PositiveInfinity, double.PositiveInfinity, iterations, seconds, false);
        }
        if (status == SolverStatus.DualInfeasible)
        {
            // (x, s) scaled so q'x = -1.
            double scale = -VectorOps.Dot(_problem.Q, _origX);
            for (int j = 0; j < _n; j++) x[j] = _origX[j] / scale;
            for (int i = 0; i < _m; i++) s[i] = _origS[i] / scale;
            Array.Fill(z, double.NaN);
            return Result(status, x, s, z, double.NegativeInfinity, double.NegativeInfinity, iterations, seconds, false);
        }
        if (status == SolverStatus.Solved) Unscale(_x, _s, _z, x, s, z);
        else
        {
            Unscale(_bestX, _bestS, _bestZ, x, s, z);
            if (_bestScore < double.PositiveInfinity && MeetsReduced(_bestMeasures)) status = SolverStatus.AlmostSolved;
            else if (status == SolverStatus.AlmostSolved) status = SolverStatus.NumericalError;
        }
        return Result(status, x, s, z, double.NaN, double.NaN, iterations, seconds, true);
    }

    /// <summary>The result record (<see cref="SolutionMeasures.Report"/>).</summary>
    private SolverResult Result(SolverStatus status, double[] x, double[] s, double[] z, double pobj, double dobj, int iterations, double seconds, bool measure) =>
        SolutionMeasures.Report(_problem, status, x, s, z, pobj, dobj, measure, iterations, seconds, Name, _log);

    /// <summary>The name in <see cref="SolverResult.KktSolver"/>: the dense normal equations of the HKM direction.</summary>
    public const string Name = "hkm_normal_equations";

    private void LogHeader()
    {
        if (_log is null) return;
        _log.WriteLine($"Infeasible-start HKM: {_n} variables, {_m} constraints, {_psd.Length} semidefinite blocks, {_nonnegRows.Length} nonnegative and {_zeroRows.Length} zero rows, degree {_degree}, equilibration passes {_settings.InfeasibleStartEquilibrationIterations}");
        _log.WriteLine("iter    pcost        dcost       gap       pres      dres       mu      alpha_p   alpha_d");
    }

    private void LogIteration(int iteration, (double Primal, double Dual, double PrimalResidual, double DualResidual, double Gap) r, double relGap, double mu, double ap, double ad)
    {
        _log?.WriteLine($"{iteration,4}  {r.Primal,11:0.0000e+00}  {r.Dual,11:0.0000e+00}  {relGap,8:0.00e+00}  {r.PrimalResidual,8:0.00e+00}  {r.DualResidual,8:0.00e+00}  {mu,8:0.00e+00}  {ap,8:0.00e+00}  {ad,8:0.00e+00}");
    }
}
