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
public abstract partial class SolverConformance
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

    /// <summary>
    /// The suite's linear programs, optimal, infeasible and unbounded, with their expected status and optimum (NaN when
    /// there is none): every problem without a quadratic objective or a cone other than zero and nonnegative ones, so
    /// that other LP solvers can be held to the same answers (the OR-Tools cross-check).
    /// </summary>
    internal static IReadOnlyList<(string Name, ConicProblem Problem, SolverStatus Status, double Objective)> LinearPrograms =>
    [
        (nameof(TwoActiveConstraintsLp), TwoActiveConstraintsLp, SolverStatus.Solved, -14.0 / 5),
        (nameof(AbsoluteValueKinkLp), AbsoluteValueKinkLp, SolverStatus.Solved, 0.0),
        (nameof(RedundantConstraintsLp), RedundantConstraintsLp, SolverStatus.Solved, 1.0),
        (nameof(DegenerateVertexLp), DegenerateVertexLp, SolverStatus.Solved, -1.0),
        (nameof(NonnegativeVariableLp), NonnegativeVariableLp, SolverStatus.Solved, 0.0),
        (nameof(ContradictoryBoundsLp), ContradictoryBoundsLp, SolverStatus.PrimalInfeasible, double.NaN),
        (nameof(UnboundedLp), UnboundedLp, SolverStatus.DualInfeasible, double.NaN),
    ];

    /// <summary>min x s.t. x >= 0: optimum 0 (the settings tests' problem).</summary>
    internal static ConicProblem NonnegativeVariableLp => ConicProblem.Create(null, [1], Dense(new double[,] { { -1 } }), [0], [new NonnegativeConeSpec(1)]);

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
                    worst = Math.Max(worst, -SymmetricMatrices.MinEigenvalue(b));
                    break;
                case ExponentialConeSpec:
                    // K* = {(u, v, w) : (u - v, -u, w) in K}.
                    worst = Math.Max(worst, dual ? ExponentialViolation(b[0] - b[1], -b[0], b[2]) : ExponentialViolation(b[0], b[1], b[2]));
                    break;
            }
            o += c.Dimension;
        }
        return worst;
    }

    /// <summary>
    /// How far (x, y, z) is outside K_exp = closure{y &gt; 0, y exp(x/y) &lt;= z}: x - y log(z/y) when y, z &gt; 0 (the margin in x),
    /// otherwise the violation of the closure's face {x &lt;= 0, y = 0, z &gt;= 0}.
    /// </summary>
    internal static double ExponentialViolation(double x, double y, double z) =>
        y > 0 && z > 0 ? Math.Max(0, x - y * Math.Log(z / y)) : Math.Max(Math.Max(0, x), Math.Max(Math.Abs(Math.Min(y, 0)), -z));

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

    // ---------- limits, settings and logging (problem classes: SolverConformance.Lp/Qp/Socp/Infeasible/Unbounded.cs) ----------

    [Fact]
    public void IterationLimitReportsTheBestIterateHonestly()
    {
        var p = TwoActiveConstraintsLp;
        var r = Solve(p, new SolverSettings { MaxIterations = 2 });
        Assert.Equal(SolverStatus.MaxIterations, r.Status);
        Assert.Equal(2, r.Iterations);
        Assert.True(r.PrimalResidual > 0 && double.IsFinite(r.PrimalResidual));
    }

    [Fact]
    public void TimeLimitStopsWithStatusTimeLimit()
    {
        var p = TwoActiveConstraintsLp;
        var r = Solve(p, new SolverSettings { TimeLimitSeconds = 1e-12 });
        Assert.Equal(SolverStatus.TimeLimit, r.Status);
    }

    [Fact]
    public void InvalidSettingsAreRejectedAtTheBoundary()
    {
        var p = NonnegativeVariableLp;
        Assert.Throws<ArgumentException>(() => Solve(p, new SolverSettings { FeasibilityTolerance = 0 }));
        Assert.Throws<ArgumentException>(() => Solve(p, new SolverSettings { MaxIterations = -1 }));
    }

    [Fact]
    public void InvalidTuningSettingsAreRejectedAtTheBoundary()
    {
        var p = NonnegativeVariableLp;
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
            new SolverSettings { FallbackStaticRegularizations = [1e-10, -1] }, new SolverSettings { FallbackStaticRegularizations = null! },
        })
            Assert.Throws<ArgumentException>(() => Solve(p, bad));
        Assert.Equal(SolverStatus.Solved, Solve(p, new SolverSettings()).Status);
    }

    [Fact]
    public void VerboseLogPrintsOneLinePerIteration()
    {
        var p = TwoActiveConstraintsLp;
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
