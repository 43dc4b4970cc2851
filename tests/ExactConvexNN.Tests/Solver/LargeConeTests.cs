using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>One large second-order cone: a QP written as a rotated cone must reach the QP's own optimum.</summary>
public class LargeConeTests
{
    /// <summary>
    /// min 1/2 ||F x||^2 + c'x s.t. G x &lt;= h, twice: with the quadratic objective P = F'F, and as min t + c'x with
    /// ((t + 1)/sqrt 2, (t - 1)/sqrt 2, F x) in one second-order cone of dimension k + 2 (2t &gt;= ||F x||^2).
    /// </summary>
    private static (ConicProblem Qp, ConicProblem Socp) Pair(int n, int seed)
    {
        var rng = new Random(seed);
        int k = n, rowsG = n / 2;
        var f = new List<(int, int, double)>();
        for (int i = 0; i < k; i++)
        {
            f.Add((i, i, 1.0));
            for (int j = 0; j < n; j++) if (j != i && rng.NextDouble() < 0.03) f.Add((i, j, (2 * rng.NextDouble() - 1) * 0.5));
        }
        var g = new List<(int, int, double)>();
        for (int i = 0; i < rowsG; i++)
        {
            g.Add((i, i % n, 1.0));
            for (int j = 0; j < n; j++) if (rng.NextDouble() < 0.03) g.Add((i, j, 2 * rng.NextDouble() - 1));
        }
        var h = Enumerable.Range(0, rowsG).Select(_ => 1 + rng.NextDouble()).ToArray();
        var c = Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 1).ToArray();

        // Native QP: P = F'F (upper triangle), rows G x + s = h, s >= 0.
        var fm = new double[k, n];
        foreach (var (i, j, v) in f) fm[i, j] += v;
        var p = new List<(int, int, double)>();
        for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++) sum += fm[i, a] * fm[i, b];
                if (sum != 0) p.Add((a, b, sum));
            }
        var qp = ConicProblem.Create(CscMatrix.FromTriplets(n, n, p), c, CscMatrix.FromTriplets(rowsG, n, g), h, [new NonnegativeConeSpec(rowsG)]);

        // The same as a second-order cone in (x, t): s = ((t+1)/sqrt2, (t-1)/sqrt2, F x) = b - A (x, t).
        double r = Math.Sqrt(0.5);
        var a2 = new List<(int, int, double)>(g);
        a2.Add((rowsG, n, -r)); a2.Add((rowsG + 1, n, -r));
        foreach (var (i, j, v) in f) a2.Add((rowsG + 2 + i, j, -v));
        var b2 = new double[rowsG + k + 2];
        h.CopyTo(b2, 0);
        b2[rowsG] = r; b2[rowsG + 1] = -r;
        var q2 = new double[n + 1];
        c.CopyTo(q2, 0);
        q2[n] = 1;
        var socp = ConicProblem.Create(null, q2, CscMatrix.FromTriplets(rowsG + k + 2, n + 1, a2), b2,
            [new NonnegativeConeSpec(rowsG), new SecondOrderConeSpec(k + 2)]);
        return (qp, socp);
    }

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(60, 1)]
    [InlineData(150, 2)]
    [InlineData(300, 3)]
    [InlineData(400, 4)]
    public void QpWrittenAsOneLargeSecondOrderConeReachesTheQpOptimum(int n, int seed)
    {
        var (qp, socp) = Pair(n, seed);
        var direct = ConicSolver.Solve(qp);
        var cone = ConicSolver.Solve(socp);
        Assert.Equal(SolverStatus.Solved, direct.Status);
        Assert.Equal(SolverStatus.Solved, cone.Status);
        Assert.Equal(direct.PrimalObjective, cone.PrimalObjective, 1e-7 * Math.Max(1, Math.Abs(direct.PrimalObjective)));
    }

    [Fact]
    public void ExplicitKktFactoryIsUsedAsGiven()
    {
        // The dense/sparse fallback belongs to the default KKT solver only: a caller's factory is never replaced.
        var (_, socp) = Pair(60, 1);
        int created = 0;
        var result = ConicSolver.Solve(socp, null, (p, a, cones, s) => { created++; return QuasiDefiniteKktSolver.Create(p, a, cones, s); });
        Assert.Equal(1, created);
        Assert.NotEqual(SolverStatus.Unsolved, result.Status);
    }
}
