using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>The conformance suite's second-order cone programs: every KKT solver variant must pass them.</summary>
public abstract partial class SolverConformance
{
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
}
