using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Tests.Sdp;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// Which KKT solver <see cref="ConicSolver.Solve"/> uses by default: the Schur complement when the semidefinite blocks
/// outweigh the variables (SDPA problems), the quasi-definite system otherwise (every other problem, and semidefinite
/// programs written over svec variables, such as the polynomial-activation program).
/// </summary>
public class KktSelectionTests
{
    [Fact]
    public void LinearMatrixInequalityWithFewVariablesUsesTheSchurComplement()
    {
        var (p, _) = SdpConformance.RandomSdp(new Random(5), 20, 6, 10);
        Assert.True(SchurComplementKktSolver.IsPreferredFor(p));
    }

    [Fact]
    public void SemidefiniteProgramOverSvecVariablesKeepsTheQuasiDefiniteSystem()
    {
        // min tr X s.t. X_00 = 1 (zero cone), -svec(X) + s = 0, s ⪰ 0: n = svec, so the reduced matrix is no smaller.
        const int k = 6, n = k * (k + 1) / 2;
        var q = new double[n];
        var t = new List<(int, int, double)> { (0, 0, 1.0) };
        for (int j = 0; j < k; j++) q[PsdCone.SvecIndex(j, j, k)] = 1;
        for (int v = 0; v < n; v++) t.Add((1 + v, v, -1));
        var b = new double[1 + n]; b[0] = 1;
        var p = ConicProblem.Create(null, q, CscMatrix.FromTriplets(1 + n, n, t), b, [new ZeroConeSpec(1), new PsdConeSpec(k)]);
        Assert.False(SchurComplementKktSolver.IsPreferredFor(p));
        var r = ConicSolver.Solve(p);
        SolverConformance.AssertOptimal(p, r, 1.0);
    }

    [Fact]
    public void ProblemsWithoutSemidefiniteConesKeepTheQuasiDefiniteSystem()
    {
        var p = ConicProblem.Create(null, [1.0, 1.0], SolverConformance.Dense(new double[,] { { -1, 0 }, { 0, -1 } }), [0, 0], [new NonnegativeConeSpec(2)]);
        Assert.False(SchurComplementKktSolver.IsPreferredFor(p));
    }

    [Fact]
    public void SchurComplementRefusesAReducedSystemTooLargeToStoreDensely()
    {
        int n = SchurComplementKktSolver.MaxReducedOrder + 1;
        var cones = CompositeCone.Create(new ConeSpec[] { new NonnegativeConeSpec(1) });
        var a = CscMatrix.FromTriplets(1, n, [(0, 0, 1.0)]);
        var ex = Assert.Throws<ArgumentException>(() => SchurComplementKktSolver.Create(CscMatrix.Zeros(n, n), a, cones));
        Assert.Contains("quasi-definite", ex.Message);
    }
}
