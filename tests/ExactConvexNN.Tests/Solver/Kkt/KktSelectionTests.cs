using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver.Kkt;

/// <summary>
/// Which KKT solver <see cref="ConicSolver.Solve"/> uses by default: the Schur complement for semidefinite programs whose
/// reduced matrix is no larger than the quasi-definite system (SDPA problems, programs over svec variables), the
/// quasi-definite system otherwise (problems without semidefinite cones, small cones shared by many variables).
/// </summary>
public class KktSelectionTests
{
    [Fact]
    public void AQuasiDefiniteSystemBeyond32BitIndexingIsRefusedWithAnInputError()
    {
        // A semidefinite block of order 400 has 80,200 svec rows and a dense W'W block of 3.2e9 entries: the system
        // cannot be indexed (nor stored), and the refusal names the sizes instead of failing with an index error.
        var cones = CompositeCone.Create(new ConeSpec[] { new PsdConeSpec(400) });
        int m = cones.Dimension;
        var a = CscMatrix.FromTriplets(m, 1, [(0, 0, -1.0)]);
        var p = CscMatrix.FromTriplets(1, 1, Array.Empty<(int, int, double)>());
        var e = Assert.Throws<InputException>(() => QuasiDefiniteKktSolver.Create(p, a, cones));
        Assert.Contains("80,200", e.Message);
    }

    [Fact]
    public void LinearMatrixInequalityWithFewVariablesUsesTheSchurComplement()
    {
        var (p, _) = SdpConformance.RandomSdp(new Random(5), 20, 6, 10);
        Assert.True(SchurComplementKktSolver.IsPreferredFor(p));
    }

    [Fact]
    public void SemidefiniteProgramOverSvecVariablesUsesTheSchurComplementToo()
    {
        // min tr X s.t. X_00 = 1 (zero cone), -svec(X) + s = 0, s ⪰ 0: the block's clique is its own svec block, no
        // larger than the quasi-definite system's.
        const int k = 6, n = k * (k + 1) / 2;
        var q = new double[n];
        var t = new List<(int, int, double)> { (0, 0, 1.0) };
        for (int j = 0; j < k; j++) q[PsdCone.SvecIndex(j, j, k)] = 1;
        for (int v = 0; v < n; v++) t.Add((1 + v, v, -1));
        var b = new double[1 + n]; b[0] = 1;
        var p = ConicProblem.Create(null, q, CscMatrix.FromTriplets(1 + n, n, t), b, [new ZeroConeSpec(1), new PsdConeSpec(k)]);
        Assert.True(SchurComplementKktSolver.IsPreferredFor(p));
        // The embedding's choice (the default runs the infeasible-start method on a pure semidefinite program).
        var r = ConicSolver.Solve(p, new SolverSettings { Embedding = SolverEmbedding.Homogeneous });
        SolverConformance.AssertOptimal(p, r, 1.0);
        Assert.Equal("schur_complement", r.KktSolver);
        Assert.Equal(0, r.Retries);
    }

    [Fact]
    public void SmallConeSharedByManyVariablesKeepsTheQuasiDefiniteSystem()
    {
        // A 2 x 2 PSD block touched by 200 variables: the Schur complement would be a dense 200 x 200 clique against a
        // quasi-definite system of about 800 entries.
        int n = 200;
        var t = new List<(int, int, double)>();
        for (int j = 0; j < n; j++) { t.Add((0, j, 1.0)); t.Add((2, j, 1.0)); t.Add((3 + j, j, -1.0)); }
        var specs = new ConeSpec[] { new PsdConeSpec(2), new NonnegativeConeSpec(n) };
        var p = ConicProblem.Create(null, Enumerable.Repeat(1.0, n).ToArray(), CscMatrix.FromTriplets(3 + n, n, t), new double[3 + n], specs);
        Assert.False(SchurComplementKktSolver.IsPreferredFor(p));
    }

    [Fact]
    public void ProblemsWithoutSemidefiniteConesKeepTheQuasiDefiniteSystem()
    {
        var p = ConicProblem.Create(null, [1.0, 1.0], SolverConformance.Dense(new double[,] { { -1, 0 }, { 0, -1 } }), [0, 0], [new NonnegativeConeSpec(2)]);
        Assert.False(SchurComplementKktSolver.IsPreferredFor(p));
        var r = ConicSolver.Solve(p);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal("quasi_definite", r.KktSolver);
        Assert.Equal(0, r.Retries);
    }

    [Fact]
    public void AShortEndWithAMidSizedSecondOrderConeIsSolvedAgainAndCounted()
    {
        // min t s.t. ||(1, ..., 1)|| <= t in a cone of dimension 20 (between the fallback's 16 and the dense 512): two
        // iterations end at the limit, so the sparse expansion is tried, then the smaller primal regularization, then the
        // two fallback static regularizations, and all five runs are counted.
        const int d = 20;
        var t = new List<(int, int, double)> { (0, 0, -1.0) };
        var b = new double[d];
        for (int i = 1; i < d; i++) b[i] = 1;
        var p = ConicProblem.Create(null, [1.0], CscMatrix.FromTriplets(d, 1, t), b, [new SecondOrderConeSpec(d)]);
        var r = ConicSolver.Solve(p, new SolverSettings { MaxIterations = 2 });
        Assert.Equal(SolverStatus.MaxIterations, r.Status);
        Assert.Equal(2 + new SolverSettings().FallbackStaticRegularizations.Count, r.Retries);
        Assert.Equal(2 * (1 + r.Retries), r.Iterations);
        Assert.Equal("quasi_definite", r.KktSolver);
        var full = ConicSolver.Solve(p);
        Assert.Equal(SolverStatus.Solved, full.Status);
        Assert.Equal(0, full.Retries);
        Assert.Equal(Math.Sqrt(d - 1), full.PrimalObjective, 6);
    }

    [Fact]
    public void TheBlockAngularFactoryNamesItsSolver()
    {
        // One coupling variable x0 with P = 1 and one block x1 in a nonnegative cone: min x0²/2 + x1 s.t. x0 + x1 = 1 (coupling row), x1 >= 0.
        var a = CscMatrix.FromTriplets(2, 2, [(0, 0, 1.0), (0, 1, 1.0), (1, 1, -1.0)]);
        var p = ConicProblem.Create(CscMatrix.FromTriplets(2, 2, [(0, 0, 1.0)]), [0.0, 1.0], a, [1.0, 0.0], [new ZeroConeSpec(1), new NonnegativeConeSpec(1)]);
        var layout = new BlockAngularLayout(1, 1, [1, 2], [1, 2]);
        var r = ConicSolver.Solve(p, null, BlockAngularKktSolver.Factory(layout));
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal("block_angular", r.KktSolver);
        // With x0 = 1 - x1 the objective is (1 - x1)²/2 + x1, increasing for x1 >= 0: the optimum is x1 = 0, value 1/2.
        Assert.Equal(0.5, r.PrimalObjective, 6);
    }

    [Fact]
    public void SchurComplementRefusesAReducedSystemTooLargeToStoreDenselyOrSparsely()
    {
        // Order 8,001 (too large for dense storage) and one second-order cone row touching 6,400 columns: their pairs
        // make about 20.5 million entry contributions, above the sparse limit.
        int n = new SolverSettings().SchurComplementMaxDenseOrder + 1;
        var cones = CompositeCone.Create(new ConeSpec[] { new SecondOrderConeSpec(2) });
        var a = CscMatrix.FromTriplets(2, n, Enumerable.Range(0, 6400).Select(j => (1, j, 1.0)));
        var ex = Assert.Throws<ArgumentException>(() => SchurComplementKktSolver.Create(CscMatrix.Zeros(n, n), a, cones));
        Assert.Contains("quasi-definite", ex.Message);
    }

    [Fact]
    public void LargeSparseReducedSystemsAreStoredSparsely()
    {
        // 3,000 variables in 1,000 blocks of three: a block-diagonal reduced matrix, far too sparse to store densely.
        int blocks = 1000, n = 3 * blocks;
        var t = new List<(int, int, double)>();
        var specs = new List<ConeSpec>();
        for (int b = 0; b < blocks; b++)
        {
            for (int i = 0; i < 3; i++) t.Add((3 * b + i, 3 * b + i, -1.0));
            specs.Add(new SecondOrderConeSpec(3));
        }
        var cones = CompositeCone.Create(specs);
        var kkt = SchurComplementKktSolver.Create(CscMatrix.Zeros(n, n), CscMatrix.FromTriplets(n, n, t), cones);
        Assert.True(kkt.IsSparse);
    }
}
