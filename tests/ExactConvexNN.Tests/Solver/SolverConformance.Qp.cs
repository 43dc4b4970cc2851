using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>The conformance suite's quadratic programs: every KKT solver variant must pass them.</summary>
public abstract partial class SolverConformance
{
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
}
