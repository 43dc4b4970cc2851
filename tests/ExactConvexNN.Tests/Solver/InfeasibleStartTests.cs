using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// The infeasible-start HKM method (<see cref="SolverEmbedding.InfeasibleStart"/>): small members of the SDP families solved
/// to the solved invariant and to the homogeneous embedding's optimum, the suite's linear programs, equality rows, and the
/// refusal of problems outside its scope.
/// </summary>
public class InfeasibleStartTests
{
    private static readonly SolverSettings InfeasibleStart = new() { Embedding = SolverEmbedding.InfeasibleStart };

    private static ConicProblem Family(string family, int k, int seed = 3) =>
        SdpaReader.Read(new StringReader(SdpaFamilies.Generate(family, k, new Random(seed)).Text), family).Problem;

    [Theory]
    [InlineData("random", 6, 3, false)]
    [InlineData("control", 5, 3, false)]
    [InlineData("control", 8, 3, false)]
    [InlineData("control", 10, 11, false)] // the bench's control k = 10: steps of 0.002-0.03 at iterations 4-7, solved in 22
    [InlineData("truss", 4, 3, false)]
    [InlineData("structural", 3, 3, false)]
    [InlineData("maxcut", 10, 3, false)]
    [InlineData("theta", 8, 3, false)]
    [InlineData("qap", 3, 3, true)]
    [InlineData("gpp", 12, 3, true)]
    [InlineData("hinf", 5, 6, true)]
    public void FamilyMemberIsSolvedToTheHomogeneousMethodsOptimum(string family, int k, int seed, bool noInterior)
    {
        var p = Family(family, k, seed);
        var r = SolverConformance.Checked(p, ConicSolver.Solve(p, InfeasibleStart), InfeasibleStart);
        if (noInterior) Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{family}: {r.Status}");
        else Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal("hkm_normal_equations", r.KktSolver);
        double tol = r.Status == SolverStatus.Solved ? 1e-7 : 1e-4;
        Assert.True(SolverConformance.ConeViolation(p.Cones, r.S, dual: false) < tol * (1 + r.S.Max(Math.Abs)));
        Assert.True(SolverConformance.ConeViolation(p.Cones, r.Z, dual: true) < tol * (1 + r.Z.Max(Math.Abs)));
        // Agreement with the homogeneous embedding, to the accuracy the two statuses promise (the feasibility tolerance
        // allows objectives of two solved points to differ by a little more than the gap tolerance on ill-conditioned
        // programs: truss 4 differs by 1.4e-7).
        var h = ConicSolver.Solve(p, new SolverSettings { Embedding = SolverEmbedding.Homogeneous });
        Assert.True(h.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, h.Status.ToName());
        double agree = r.Status == SolverStatus.Solved && h.Status == SolverStatus.Solved ? 1e-6 : 1e-4;
        Assert.True(SolutionMeasures.RelativeGap(r.PrimalObjective, h.PrimalObjective) < agree, $"{r.PrimalObjective} vs {h.PrimalObjective}");
    }

    [Theory]
    [InlineData(30, 1)]
    [InlineData(60, 1)]
    [InlineData(60, 3)]
    public void GraphBisectionWithoutADualInteriorIsSolvedToTheDefaultTolerance(int k, int seed)
    {
        // The members of `bench sdp` (generator seed = seed + k): the multiplier of <J, X> = 0 grows without bound and the
        // homogeneous embedding's τ drifts to 0 (it ends almost_solved on all of them); this method must reach 1e-8.
        var p = Family("gpp", k, seed + k);
        var r = SolverConformance.Checked(p, ConicSolver.Solve(p, InfeasibleStart), InfeasibleStart);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(r.Iterations < 40, $"{r.Iterations} iterations");
        Assert.True(SolutionMeasures.RelativeGap(r.PrimalObjective, r.DualObjective) < 1e-8);
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(5, 4)]
    [InlineData(10, 13)]
    public void HInfinityMemberWithoutAStrictlyFeasiblePointEndsWithAStatusAndItsBestPoint(int k, int seed)
    {
        // Near the optimum the Schur complement is numerically singular (the trace pair tr P - τ₀ ≥ 0, τ₀ - tr P ≥ 0 leaves
        // no interior) and the refined direction keeps an error in the dual equation: these members stall (k = 5, seeds 3
        // and 4: the dual residual jumps from 1e-13 to 1e-5 in one step, the gap stays near 1e-4). The run must stop with a
        // status, not an exception or the iteration limit, and report its best point with measures that match its status.
        var p = Family("hinf", k, seed);
        var r = SolverConformance.Checked(p, ConicSolver.Solve(p, InfeasibleStart), InfeasibleStart);
        Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved or SolverStatus.NumericalError, r.Status.ToName());
        Assert.True(r.Iterations < new SolverSettings().MaxIterations / 2, $"{r.Iterations} iterations");
        Assert.True(double.IsFinite(r.PrimalObjective) && double.IsFinite(r.DualObjective));
        double tol = new SolverSettings().ReducedTolerance;
        bool almost = SolutionMeasures.MeetsTolerances(r.PrimalObjective, r.DualObjective, r.PrimalResidual, r.DualResidual, tol, tol, tol);
        Assert.Equal(r.Status != SolverStatus.NumericalError, almost);
    }

    [Fact]
    public void RandomFamilyMemberReachesItsPlantedOptimumUnscaledAndEquilibrated()
    {
        var (text, _, optimum) = SdpaFamilies.Generate("random", 8, new Random(11));
        var p = SdpaReader.Read(new StringReader(text), "random").Problem;
        foreach (int passes in new[] { 0, 10 })
        {
            var s = InfeasibleStart with { InfeasibleStartEquilibrationIterations = passes };
            var r = SolverConformance.Checked(p, ConicSolver.Solve(p, s), s);
            Assert.Equal(SolverStatus.Solved, r.Status);
            Assert.Equal(optimum, r.PrimalObjective, 1e-6 * (1 + Math.Abs(optimum)));
        }
    }

    [Fact]
    public void LinearProgramsOfTheSuiteGetTheirStatusAndOptimum()
    {
        // Zero and nonnegative cones only: in scope. Optimal programs are solved to their optimum; the infeasible and
        // unbounded ones end with their certificate or, failing that, without a claim of a solution.
        foreach (var (name, p, status, objective) in SolverConformance.LinearPrograms)
        {
            var r = SolverConformance.Checked(p, ConicSolver.Solve(p, InfeasibleStart), InfeasibleStart);
            if (status == SolverStatus.Solved) SolverConformance.AssertOptimal(p, r, objective);
            else if (r.Status == SolverStatus.PrimalInfeasible) SolverConformance.AssertPrimalInfeasible(p, r);
            else if (r.Status == SolverStatus.DualInfeasible) SolverConformance.AssertDualInfeasible(p, r);
            else Assert.True(r.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved), $"{name}: {r.Status}");
        }
    }

    [Fact]
    public void EqualityRowsBorderTheSchurComplement()
    {
        // min <C, X> s.t. tr X = 1, X_01 = 0.25 (zero cone, on the variables x = svec X), X ⪰ 0 (x = s): the optimum is the
        // smallest eigenvalue of C restricted by the fixed off-diagonal; compared with the homogeneous method.
        const int k = 3, n = k * (k + 1) / 2;
        var c = new double[,] { { 2, 0.5, 0 }, { 0.5, 1, -0.3 }, { 0, -0.3, 3 } };
        var q = new double[n];
        var t = new List<(int, int, double)>();
        double r2 = Math.Sqrt(2);
        for (int j = 0; j < k; j++)
            for (int i = j; i < k; i++)
            {
                int v = ExactConvexNN.Solver.Cones.PsdCone.SvecIndex(i, j, k);
                q[v] = i == j ? c[i, j] : r2 * c[i, j];
                if (i == j) t.Add((0, v, 1));
                t.Add((2 + v, v, -1));
            }
        t.Add((1, ExactConvexNN.Solver.Cones.PsdCone.SvecIndex(1, 0, k), 1 / r2));
        var p = ConicProblem.Create(null, q, CscMatrix.FromTriplets(2 + n, n, t), [1, 0.25, .. new double[n]],
            [new ZeroConeSpec(2), new PsdConeSpec(k)]);
        var r = SolverConformance.Checked(p, ConicSolver.Solve(p, InfeasibleStart), InfeasibleStart);
        Assert.Equal(SolverStatus.Solved, r.Status);
        var h = ConicSolver.Solve(p);
        Assert.Equal(SolverStatus.Solved, h.Status);
        Assert.Equal(h.PrimalObjective, r.PrimalObjective, 1e-7);
        Assert.Equal(0.25, r.X[ExactConvexNN.Solver.Cones.PsdCone.SvecIndex(1, 0, k)] / r2, 1e-7);
    }

    [Fact]
    public void ProblemsOutsideItsScopeAreRefusedWithAnArgumentException()
    {
        // A second-order cone, and a quadratic objective: refused at the boundary (no fallback to the embedding).
        var soc = ConicProblem.Create(null, [1, 0], SolverConformance.Dense(new double[,] { { -1, 0 }, { 0, -1 } }), [0, 1], [new SecondOrderConeSpec(2)]);
        var qp = ConicProblem.Create(SolverConformance.Dense(new double[,] { { 2 } }), [1], SolverConformance.Dense(new double[,] { { -1 } }), [0], [new NonnegativeConeSpec(1)]);
        Assert.False(ConicSolver.SupportsInfeasibleStart(soc));
        Assert.False(ConicSolver.SupportsInfeasibleStart(qp));
        Assert.Throws<ArgumentException>(() => ConicSolver.Solve(soc, InfeasibleStart));
        Assert.Throws<ArgumentException>(() => ConicSolver.Solve(qp, InfeasibleStart));
        // The default and the homogeneous method solve both.
        Assert.Equal(SolverStatus.Solved, ConicSolver.Solve(qp).Status);
        Assert.Equal(SolverStatus.Solved, ConicSolver.Solve(soc, new SolverSettings { Embedding = SolverEmbedding.Homogeneous }).Status);
    }

    [Theory]
    [InlineData("gpp", 12, 3)]
    [InlineData("maxcut", 10, 3)]
    [InlineData("hinf", 5, 3)]
    [InlineData("hinf", 5, 4)]
    [InlineData("hinf", 6, 5)]
    [InlineData("qap", 3, 3)]
    public void AutomaticRunsTheInfeasibleStartMethodOnASemidefiniteProgramAndTheEmbeddingWhenItEndsWithoutAPoint(string family, int k, int seed)
    {
        // The policy, whatever each method does on the member: the infeasible-start result when it is a solution, a
        // certificate or almost solved; otherwise the embedding runs too and the better-ranked of the two is reported,
        // with both runs' iterations.
        var p = Family(family, k, seed);
        var first = ConicSolver.Solve(p, InfeasibleStart);
        var auto = SolverConformance.Checked(p, ConicSolver.Solve(p), new SolverSettings());
        if (first.Status is SolverStatus.Solved or SolverStatus.AlmostSolved or SolverStatus.PrimalInfeasible or SolverStatus.DualInfeasible)
        {
            Assert.Equal(first.Status, auto.Status);
            Assert.Equal(first.Iterations, auto.Iterations);
            Assert.Equal(first.X, auto.X);
            Assert.Equal(0, auto.Retries);
            return;
        }
        var second = ConicSolver.Solve(p, new SolverSettings { Embedding = SolverEmbedding.Homogeneous });
        Assert.Equal(first.Iterations + second.Iterations, auto.Iterations);
        Assert.True(auto.Retries >= 1);
        static int Rank(SolverStatus s) => s is SolverStatus.Solved or SolverStatus.PrimalInfeasible or SolverStatus.DualInfeasible ? 0 : s == SolverStatus.AlmostSolved ? 1 : 2;
        Assert.Equal(Math.Min(Rank(first.Status), Rank(second.Status)), Rank(auto.Status));
    }

    [Fact]
    public void ARunWhoseDualStepsCollapseStopsWithItsBestPointInsteadOfIteratingOn()
    {
        // An H-infinity member without interior (the bench's hinf k = 6, seed 2): from iteration 21 the dual steps fell
        // 0.07, 0.03, 3e-3, 2e-4 and then 0 for ten more iterations until the stall rule stopped it at 35; the short-step
        // rule stops it after four collapsed steps, with the best point and an honest status.
        var p = Family("hinf", 6, 8);
        var r = SolverConformance.Checked(p, ConicSolver.Solve(p, InfeasibleStart), InfeasibleStart);
        Assert.True(r.Status is SolverStatus.NumericalError or SolverStatus.AlmostSolved, r.Status.ToString());
        Assert.True(r.Iterations <= 27, $"{r.Iterations} iterations");
        Assert.All(r.X, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void AutomaticIsTheHomogeneousMethodOutsideTheInfeasibleStartScope()
    {
        // A second-order cone program, min t s.t. (t, 1, 1) in the cone (optimum √2): the embedding, run for run.
        var soc = ConicProblem.Create(null, [1.0], CscMatrix.FromTriplets(3, 1, [(0, 0, -1.0)]), [0.0, 1.0, 1.0], [new SecondOrderConeSpec(3)]);
        var a = ConicSolver.Solve(soc);
        var h = ConicSolver.Solve(soc, new SolverSettings { Embedding = SolverEmbedding.Homogeneous });
        Assert.Equal(SolverStatus.Solved, a.Status);
        Assert.Equal(Math.Sqrt(2), a.PrimalObjective, 1e-7);
        Assert.Equal(h.Iterations, a.Iterations);
        Assert.Equal(h.KktSolver, a.KktSolver);
        Assert.Equal(h.X, a.X);
    }

    [Fact]
    public void AnUndefinedEmbeddingIsRefused() =>
        Assert.Throws<ArgumentException>(() => ConicSolver.Solve(Family("random", 4), new SolverSettings { Embedding = (SolverEmbedding)7 }));
}

/// <summary>The infeasible-start iteration allocates nothing: the bytes allocated by a solve do not grow with the iteration count.</summary>
public class InfeasibleStartAllocationTests
{
    [Fact]
    public void AllocationDoesNotGrowWithIterations()
    {
        // Two semidefinite blocks, a nonnegative block and (through the tight tolerances) no early stop. The semidefinite
        // step length's eigenvalue allocates in MathNet's managed fallback (documented on PsdCone): checked with LAPACK only.
        if (!NativeLapack.IsAvailable) return;
        var p = SdpaReader.Read(new StringReader(SdpaFamilies.Generate("control", 5, new Random(3)).Text), "control").Problem;
        long Allocated(int iterations)
        {
            var settings = new SolverSettings
            {
                Embedding = SolverEmbedding.InfeasibleStart, MaxIterations = iterations,
                FeasibilityTolerance = 1e-300, GapAbsoluteTolerance = 1e-300, GapRelativeTolerance = 1e-300,
            };
            ConicSolver.Solve(p, settings); // warm-up (JIT)
            long before = GC.GetAllocatedBytesForCurrentThread();
            var r = ConicSolver.Solve(p, settings);
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(iterations, r.Iterations);
            return bytes;
        }
        long few = Allocated(1), many = Allocated(6);
        Assert.True(many - few < 256, $"1 iteration: {few} bytes, 6 iterations: {many} bytes");
    }
}
