using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// The conic solver's specification on documented problems whose optima are derived by hand in the comments.
/// Every solution is checked for its defining properties (feasibility, dual feasibility, complementarity,
/// objective), and every infeasibility status for a valid certificate. Subclasses choose the KKT backend.
/// </summary>
public abstract class SolverConformance
{
    /// <summary>The KKT solver under test.</summary>
    protected abstract KktSolverFactory Kkt { get; }

    /// <summary>The same backend with second-order cones above dimension 16 in sparse-expanded form.</summary>
    protected abstract KktSolverFactory ExpandedKkt { get; }

    /// <summary>Solves with the KKT solver under test and checks the solved invariant (<see cref="SolvedInvariant"/>) on the result.</summary>
    protected SolverResult Solve(ConicProblem p, SolverSettings? s = null) => Checked(p, ConicSolver.Solve(p, s, Kkt), s);

    /// <summary>Checks <see cref="SolvedInvariant"/> on <paramref name="r"/> and returns it.</summary>
    internal static SolverResult Checked(ConicProblem p, SolverResult r, SolverSettings? s = null)
    {
        SolvedInvariant.Check(p, r, s);
        return r;
    }

    internal static CscMatrix Dense(double[,] a)
    {
        var t = new List<(int, int, double)>();
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                if (a[i, j] != 0) t.Add((i, j, a[i, j]));
        return CscMatrix.FromTriplets(a.GetLength(0), a.GetLength(1), t);
    }

    // ---------- independent checks ----------

    /// <summary>Distance of v outside the cone (0 inside): -min eigenvalue clipped at 0; for the zero cone ||v||; free if dual of zero.</summary>
    internal static double ConeViolation(IReadOnlyList<ConeSpec> cones, ReadOnlySpan<double> v, bool dual)
    {
        double worst = 0; int o = 0;
        foreach (var c in cones)
        {
            var b = v.Slice(o, c.Dimension);
            switch (c)
            {
                case ZeroConeSpec when !dual: foreach (double e in b) worst = Math.Max(worst, Math.Abs(e)); break;
                case ZeroConeSpec: break;
                case NonnegativeConeSpec: foreach (double e in b) worst = Math.Max(worst, -e); break;
                case SecondOrderConeSpec:
                    double r = 0;
                    for (int i = 1; i < b.Length; i++) r += b[i] * b[i];
                    worst = Math.Max(worst, Math.Sqrt(r) - b[0]);
                    break;
                case PsdConeSpec:
                    worst = Math.Max(worst, -ExactConvexNN.Tests.Sdp.SymmetricMatrices.MinEigenvalue(b));
                    break;
            }
            o += c.Dimension;
        }
        return worst;
    }

    /// <summary>Checks a solution: Ax + s = b, s ∈ K, Px + q + A'z = 0, z ∈ K*, s'z ≈ 0, and the expected objective.</summary>
    internal static void AssertOptimal(ConicProblem p, SolverResult r, double expectedObjective, double tol = 1e-6)
    {
        Assert.Equal(SolverStatus.Solved, r.Status);
        int n = p.Variables, m = p.Constraints;
        var ax = new double[m]; p.A.Multiply(r.X, ax);
        for (int i = 0; i < m; i++) Assert.True(Math.Abs(ax[i] + r.S[i] - p.B[i]) < tol, $"primal row {i}");
        var g = new double[n]; p.P.MultiplySymmetricUpper(r.X, g); p.A.MultiplyTransposed(r.Z, g, 1.0, 1.0);
        for (int j = 0; j < n; j++) Assert.True(Math.Abs(g[j] + p.Q[j]) < tol, $"dual row {j}: {g[j] + p.Q[j]}");
        Assert.True(ConeViolation(p.Cones, r.S, dual: false) < tol, "s is outside K");
        Assert.True(ConeViolation(p.Cones, r.Z, dual: true) < tol, "z is outside K*");
        double sz = 0;
        for (int i = 0; i < m; i++) sz += r.S[i] * r.Z[i];
        Assert.True(Math.Abs(sz) < tol, $"s'z = {sz}");
        Assert.True(Math.Abs(r.PrimalObjective - expectedObjective) < tol * (1 + Math.Abs(expectedObjective)), $"objective {r.PrimalObjective}, expected {expectedObjective}");
        Assert.True(r.PrimalResidual < 1e-7 && r.DualResidual < 1e-7);
        Assert.True(r.Iterations <= 40, $"{r.Iterations} iterations");
    }

    /// <summary>PrimalInfeasible with A'z ≈ 0, b'z = -1, z ∈ K*.</summary>
    internal static void AssertPrimalInfeasible(ConicProblem p, SolverResult r)
    {
        Assert.Equal(SolverStatus.PrimalInfeasible, r.Status);
        var atz = new double[p.Variables]; p.A.MultiplyTransposed(r.Z, atz);
        Assert.All(atz, v => Assert.True(Math.Abs(v) < 1e-6, $"A'z = {v}"));
        double bz = 0;
        for (int i = 0; i < p.Constraints; i++) bz += p.B[i] * r.Z[i];
        Assert.Equal(-1.0, bz, 1e-9);
        Assert.True(ConeViolation(p.Cones, r.Z, dual: true) < 1e-8, "z is outside K*");
    }

    /// <summary>DualInfeasible with Px ≈ 0, Ax + s ≈ 0, s ∈ K, q'x = -1.</summary>
    internal static void AssertDualInfeasible(ConicProblem p, SolverResult r)
    {
        Assert.Equal(SolverStatus.DualInfeasible, r.Status);
        var px = new double[p.Variables]; p.P.MultiplySymmetricUpper(r.X, px);
        Assert.All(px, v => Assert.True(Math.Abs(v) < 1e-6, $"Px = {v}"));
        var ax = new double[p.Constraints]; p.A.Multiply(r.X, ax);
        for (int i = 0; i < p.Constraints; i++) Assert.True(Math.Abs(ax[i] + r.S[i]) < 1e-6, $"(Ax + s)_{i} = {ax[i] + r.S[i]}");
        double qx = 0;
        for (int j = 0; j < p.Variables; j++) qx += p.Q[j] * r.X[j];
        Assert.Equal(-1.0, qx, 1e-9);
        Assert.True(ConeViolation(p.Cones, r.S, dual: false) < 1e-8, "s is outside K");
    }

    // ---------- problems ----------

    [Fact]
    public void SmallLpReachesTheVertexOfTwoActiveConstraints()
    {
        // min -x1 - x2 s.t. x1 + 2x2 <= 4, 3x1 + x2 <= 6, x >= 0. Vertices (0,2), (2,0) give -2; the crossing
        // x = (8/5, 6/5) gives -14/5. Duals solve z1 + 3z2 = 1, 2z1 + z2 = 1: z = (2/5, 1/5).
        var p = ConicProblem.Create(null, [-1, -1], Dense(new double[,] { { 1, 2 }, { 3, 1 }, { -1, 0 }, { 0, -1 } }), [4, 6, 0, 0],
            [new NonnegativeConeSpec(4)]);
        var r = Solve(p);
        AssertOptimal(p, r, -14.0 / 5);
        Assert.Equal(1.6, r.X[0], 1e-6); Assert.Equal(1.2, r.X[1], 1e-6);
        Assert.Equal(0.4, r.Z[0], 1e-6); Assert.Equal(0.2, r.Z[1], 1e-6);
    }

    [Fact]
    public void EqualityOnlyQpSpreadsMassEvenly()
    {
        // min ½||x||² s.t. x1 + x2 + x3 = 1: by symmetry x = (1/3, 1/3, 1/3), value 1/6, z = -1/3 (x + A'z = 0).
        var p = ConicProblem.Create(CscMatrix.Identity(3), [0, 0, 0], Dense(new double[,] { { 1, 1, 1 } }), [1], [new ZeroConeSpec(1)]);
        var r = Solve(p);
        AssertOptimal(p, r, 1.0 / 6);
        Assert.All(r.X, v => Assert.Equal(1.0 / 3, v, 1e-7));
        Assert.Equal(-1.0 / 3, r.Z[0], 1e-7);
    }

    [Fact]
    public void BoxConstrainedQpClipsTheTargetWithActiveAndInactiveBounds()
    {
        // min ½||x - a||² over 0 <= x <= 1 with a = (2, -1, 0.5): x = clip(a) = (1, 0, 0.5), value ½(1 + 1 + 0) = 1.
        // Written as ½||x||² - a'x + ½||a||² so the objective constant is exercised.
        double[] a = [2, -1, 0.5];
        var rows = new double[6, 3];
        for (int j = 0; j < 3; j++) { rows[j, j] = 1; rows[3 + j, j] = -1; }
        var p = ConicProblem.Create(CscMatrix.Identity(3), a.Select(v => -v).ToArray(), Dense(rows), [1, 1, 1, 0, 0, 0],
            [new NonnegativeConeSpec(6)], objectiveConstant: 0.5 * a.Sum(v => v * v));
        var r = Solve(p);
        AssertOptimal(p, r, 1.0);
        Assert.Equal(1.0, r.X[0], 1e-6); Assert.Equal(0.0, r.X[1], 1e-6); Assert.Equal(0.5, r.X[2], 1e-6);
    }

    [Fact]
    public void SocpDistanceFromPointToHyperplane()
    {
        // min t s.t. ||x - c|| <= t, x1 + x2 = 1 with c = (1, 1): the distance of c to the line is |1 + 1 - 1|/√2,
        // attained at x = c - ½(1, 1) = (½, ½). Variables (t, x1, x2); s_soc = (t, x - c) = b - A (t, x).
        var A = Dense(new double[,] { { 0, 1, 1 }, { -1, 0, 0 }, { 0, -1, 0 }, { 0, 0, -1 } });
        var p = ConicProblem.Create(null, [1, 0, 0], A, [1, 0, -1, -1], [new ZeroConeSpec(1), new SecondOrderConeSpec(3)]);
        var r = Solve(p);
        AssertOptimal(p, r, 1 / Math.Sqrt(2));
        Assert.Equal(0.5, r.X[1], 1e-6); Assert.Equal(0.5, r.X[2], 1e-6);
    }

    [Fact]
    public void ProjectionOntoTheUnitBall()
    {
        // min ½||x - p||² s.t. ||x|| <= 1 with p = (3, 4): x = p/||p|| = (0.6, 0.8), value ½(5 - 1)² = 8.
        var A = Dense(new double[,] { { 0, 0 }, { -1, 0 }, { 0, -1 } });
        var p = ConicProblem.Create(CscMatrix.Identity(2), [-3, -4], A, [1, 0, 0], [new SecondOrderConeSpec(3)], objectiveConstant: 12.5);
        var r = Solve(p);
        AssertOptimal(p, r, 8.0);
        Assert.Equal(0.6, r.X[0], 1e-6); Assert.Equal(0.8, r.X[1], 1e-6);
    }

    [Theory]
    [InlineData(3.0)]
    [InlineData(0.5)]
    [InlineData(100.0)]
    public void ProjectionOntoALargeBallUsesTheSparseSocExpansion(double radius)
    {
        // min ½||x - p||² s.t. ||x|| <= r in dimension 40 (above the dense-block limit), p_i = (-1)^i (1 + i/10):
        // x = p min(1, r/||p||), value ½ max(0, ||p|| - r)².
        int n = 40;
        var target = Enumerable.Range(0, n).Select(i => (i % 2 == 0 ? 1 : -1) * (1 + i / 10.0)).ToArray();
        double norm = Math.Sqrt(target.Sum(v => v * v));
        var A = CscMatrix.FromTriplets(n + 1, n, Enumerable.Range(0, n).Select(i => (i + 1, i, -1.0)));
        var b = new double[n + 1]; b[0] = radius;
        var p = ConicProblem.Create(CscMatrix.Identity(n), target.Select(v => -v).ToArray(), A, b, [new SecondOrderConeSpec(n + 1)],
            objectiveConstant: 0.5 * norm * norm);
        var r = Checked(p, ConicSolver.Solve(p, null, ExpandedKkt));
        AssertOptimal(p, r, 0.5 * Math.Pow(Math.Max(0, norm - radius), 2));
        double shrink = Math.Min(1, radius / norm);
        for (int i = 0; i < n; i++) Assert.Equal(target[i] * shrink, r.X[i], 1e-6);
    }

    [Fact]
    public void FreeVariablesLpFindsTheKinkOfAnAbsoluteValue()
    {
        // min x1 s.t. x1 >= x2 - 1, x1 >= 1 - x2 (x1, x2 free): x1 >= |x2 - 1|, optimum 0 at x = (0, 1);
        // A'z = -q: -z1 - z2 = -1, z1 - z2 = 0 gives z = (½, ½).
        var p = ConicProblem.Create(null, [1, 0], Dense(new double[,] { { -1, 1 }, { -1, -1 } }), [1, -1], [new NonnegativeConeSpec(2)]);
        var r = Solve(p);
        AssertOptimal(p, r, 0.0);
        Assert.Equal(0.0, r.X[0], 1e-6); Assert.Equal(1.0, r.X[1], 1e-6);
        Assert.Equal(0.5, r.Z[0], 1e-6); Assert.Equal(0.5, r.Z[1], 1e-6);
    }

    [Fact]
    public void DegenerateLpWithRedundantConstraintsAndNonUniqueOptimum()
    {
        // min x1 + x2 s.t. x1 + x2 >= 1 (twice), x >= 0: every point of the segment x1 + x2 = 1, x >= 0 is optimal, value 1.
        var p = ConicProblem.Create(null, [1, 1], Dense(new double[,] { { -1, -1 }, { -1, -1 }, { -1, 0 }, { 0, -1 } }), [-1, -1, 0, 0],
            [new NonnegativeConeSpec(4)]);
        AssertOptimal(p, Solve(p), 1.0);
    }

    [Fact]
    public void DegenerateVertexWithThreeActiveConstraints()
    {
        // min -x1 s.t. x1 <= 1, x1 + x2 <= 1, x2 >= 0: the optimum (1, 0) has three active constraints in the plane; value -1.
        var p = ConicProblem.Create(null, [-1, 0], Dense(new double[,] { { 1, 0 }, { 1, 1 }, { 0, -1 } }), [1, 1, 0], [new NonnegativeConeSpec(3)]);
        var r = Solve(p);
        AssertOptimal(p, r, -1.0);
        Assert.Equal(1.0, r.X[0], 1e-6); Assert.Equal(0.0, r.X[1], 1e-6);
    }

    [Fact]
    public void UnconstrainedQpWithEmptyAndZeroDimensionalCones()
    {
        // min ½||x||² + q'x with no constraints: x = -q, value -½||q||². Once with no cones, once with empty ones.
        double[] q = [1, -2];
        foreach (var cones in new ConeSpec[][] { [], [new ZeroConeSpec(0), new NonnegativeConeSpec(0)] })
        {
            var p = ConicProblem.Create(CscMatrix.Identity(2), q, CscMatrix.Zeros(0, 2), [], cones);
            var r = Solve(p);
            AssertOptimal(p, r, -2.5);
            Assert.Equal(-1.0, r.X[0], 1e-7); Assert.Equal(2.0, r.X[1], 1e-7);
        }
    }

    [Fact]
    public void ContradictoryBoundsArePrimalInfeasibleWithACertificate()
    {
        // x >= 1 and x <= 0: z = (1, 1) gives A'z = 0, b'z = -1.
        var p = ConicProblem.Create(null, [1], Dense(new double[,] { { -1 }, { 1 } }), [-1, 0], [new NonnegativeConeSpec(2)]);
        AssertPrimalInfeasible(p, Solve(p));
    }

    [Fact]
    public void BallAndHalfPlaneThatDoNotMeetArePrimalInfeasible()
    {
        // ||x|| <= 1 and x1 >= 2 (as -x1 <= -2), with a QP objective.
        var A = Dense(new double[,] { { 0, 0 }, { -1, 0 }, { 0, -1 }, { -1, 0 } });
        var p = ConicProblem.Create(CscMatrix.Identity(2), [0, 0], A, [1, 0, 0, -2], [new SecondOrderConeSpec(3), new NonnegativeConeSpec(1)]);
        AssertPrimalInfeasible(p, Solve(p));
    }

    [Fact]
    public void UnboundedLpIsDualInfeasibleWithACertificate()
    {
        // min -x1 s.t. x >= 0, x2 <= 1: x = (t, 0) has q'x = -t → -∞.
        var p = ConicProblem.Create(null, [-1, 0], Dense(new double[,] { { -1, 0 }, { 0, -1 }, { 0, 1 } }), [0, 0, 1], [new NonnegativeConeSpec(3)]);
        AssertDualInfeasible(p, Solve(p));
    }

    [Fact]
    public void UnboundedSocpAlongTheConeBoundaryIsDualInfeasible()
    {
        // min -x1 + ½x2 s.t. |x2| <= x1 (s = (x1, x2) ∈ SOC) and x2 <= 5: the ray x = (t, 0) has q'x = -t → -∞.
        var A = Dense(new double[,] { { -1, 0 }, { 0, -1 }, { 0, 1 } });
        var p = ConicProblem.Create(null, [-1, 0.5], A, [0, 0, 5], [new SecondOrderConeSpec(2), new NonnegativeConeSpec(1)]);
        AssertDualInfeasible(p, Solve(p));
    }

    [Fact]
    public void UnboundedQpAlongTheNullSpaceOfPIsDualInfeasible()
    {
        // min ½x1² - x2 s.t. x2 >= 0: the ray x = (0, t) keeps Px = 0 and q'x = -t.
        var P = Dense(new double[,] { { 1, 0 }, { 0, 0 } });
        var p = ConicProblem.Create(P, [0, -1], Dense(new double[,] { { 0, -1 } }), [0], [new NonnegativeConeSpec(1)]);
        AssertDualInfeasible(p, Solve(p));
    }

    [Fact]
    public void IterationLimitReportsTheBestIterateHonestly()
    {
        var p = ConicProblem.Create(null, [-1, -1], Dense(new double[,] { { 1, 2 }, { 3, 1 }, { -1, 0 }, { 0, -1 } }), [4, 6, 0, 0],
            [new NonnegativeConeSpec(4)]);
        var r = Solve(p, new SolverSettings { MaxIterations = 2 });
        Assert.Equal(SolverStatus.MaxIterations, r.Status);
        Assert.Equal(2, r.Iterations);
        Assert.True(r.PrimalResidual > 0 && double.IsFinite(r.PrimalResidual));
    }

    [Fact]
    public void TimeLimitStopsWithStatusTimeLimit()
    {
        var p = ConicProblem.Create(null, [-1, -1], Dense(new double[,] { { 1, 2 }, { 3, 1 }, { -1, 0 }, { 0, -1 } }), [4, 6, 0, 0],
            [new NonnegativeConeSpec(4)]);
        var r = Solve(p, new SolverSettings { TimeLimitSeconds = 1e-12 });
        Assert.Equal(SolverStatus.TimeLimit, r.Status);
    }

    [Fact]
    public void InvalidSettingsAreRejectedAtTheBoundary()
    {
        var p = ConicProblem.Create(null, [1], Dense(new double[,] { { -1 } }), [0], [new NonnegativeConeSpec(1)]);
        Assert.Throws<ArgumentException>(() => Solve(p, new SolverSettings { FeasibilityTolerance = 0 }));
        Assert.Throws<ArgumentException>(() => Solve(p, new SolverSettings { MaxIterations = -1 }));
    }

    [Fact]
    public void InvalidTuningSettingsAreRejectedAtTheBoundary()
    {
        var p = ConicProblem.Create(null, [1], Dense(new double[,] { { -1 } }), [0], [new NonnegativeConeSpec(1)]);
        foreach (var bad in new[]
        {
            new SolverSettings { StepFraction = 1.0 }, new SolverSettings { StepFraction = 0 }, new SolverSettings { MinStepLength = -1e-8 },
            new SolverSettings { SecondOrderCorrectionSafeguard = 1.5 }, new SolverSettings { EquilibrationMinScaling = 0 },
            new SolverSettings { EquilibrationMinScaling = 10, EquilibrationMaxScaling = 1 }, new SolverSettings { RefinementStopRatio = 0.5 },
            new SolverSettings { RefinementAbsoluteTolerance = double.NaN }, new SolverSettings { MaxWorkers = 0 },
            new SolverSettings { DenseSocMaxDimension = -1 }, new SolverSettings { SchurComplementSizeRatio = 0 },
            new SolverSettings { BlockAngularRankTolerance = 1 }, new SolverSettings { BlockAngularChunkColumns = 0 },
            new SolverSettings { PsdSparseHessianInverseRatio = -1 }, new SolverSettings { PrimalStaticRegularization = -1e-8 },
            new SolverSettings { FallbackPrimalStaticRegularization = double.NaN },
        })
            Assert.Throws<ArgumentException>(() => Solve(p, bad));
        Assert.Equal(SolverStatus.Solved, Solve(p, new SolverSettings()).Status);
    }

    [Fact]
    public void VerboseLogPrintsOneLinePerIteration()
    {
        var p = ConicProblem.Create(null, [-1, -1], Dense(new double[,] { { 1, 2 }, { 3, 1 }, { -1, 0 }, { 0, -1 } }), [4, 6, 0, 0],
            [new NonnegativeConeSpec(4)]);
        var log = new StringWriter();
        var r = Solve(p, new SolverSettings { Verbose = true, Log = log });
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("iter") && l.Contains("pcost") && l.Contains("mu"));
        Assert.Equal(r.Iterations + 1, lines.Count(l => char.IsDigit(l.TrimStart().FirstOrDefault())));
    }
}

public sealed class DenseBackendSolverConformance : SolverConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.QuasiDefinite(DenseLdl.Create);
    protected override KktSolverFactory ExpandedKkt => (p, a, c, s) => QuasiDefiniteKktSolver.Create(p, a, c, s, DenseLdl.Create, denseSocMaxDimension: 16);
}

public sealed class SparseBackendSolverConformance : SolverConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.QuasiDefinite(p => SparseLdl.Create(p));
    protected override KktSolverFactory ExpandedKkt => (p, a, c, s) => QuasiDefiniteKktSolver.Create(p, a, c, s, denseSocMaxDimension: 16);
}

public sealed class SchurComplementSolverConformance : SolverConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.SchurComplement;
    protected override KktSolverFactory ExpandedKkt => ConicSolver.SchurComplement;
}

public sealed class SparseSchurComplementSolverConformance : SolverConformance
{
    protected override KktSolverFactory Kkt => (p, a, c, s) => SchurComplementKktSolver.Create(p, a, c, s, forceSparse: true);
    protected override KktSolverFactory ExpandedKkt => Kkt;
}
