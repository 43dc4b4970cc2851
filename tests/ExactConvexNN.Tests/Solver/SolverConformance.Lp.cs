using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>The conformance suite's linear programs: every KKT solver variant must pass them.</summary>
public abstract partial class SolverConformance
{
    /// <summary>min -x1 - x2 s.t. x1 + 2x2 <= 4, 3x1 + x2 <= 6, x >= 0: optimum -14/5 at (8/5, 6/5).</summary>
    internal static ConicProblem TwoActiveConstraintsLp => ConicProblem.Create(null, [-1, -1], Dense(new double[,] { { 1, 2 }, { 3, 1 }, { -1, 0 }, { 0, -1 } }), [4, 6, 0, 0],
        [new NonnegativeConeSpec(4)]);

    /// <summary>min x1 s.t. x1 >= |x2 - 1| (x free): optimum 0 at (0, 1).</summary>
    internal static ConicProblem AbsoluteValueKinkLp => ConicProblem.Create(null, [1, 0], Dense(new double[,] { { -1, 1 }, { -1, -1 } }), [1, -1], [new NonnegativeConeSpec(2)]);

    /// <summary>min x1 + x2 s.t. x1 + x2 >= 1 (twice), x >= 0: optimum 1 on a segment.</summary>
    internal static ConicProblem RedundantConstraintsLp => ConicProblem.Create(null, [1, 1], Dense(new double[,] { { -1, -1 }, { -1, -1 }, { -1, 0 }, { 0, -1 } }), [-1, -1, 0, 0],
        [new NonnegativeConeSpec(4)]);

    /// <summary>min -x1 s.t. x1 <= 1, x1 + x2 <= 1, x2 >= 0: optimum -1 at a vertex with three active constraints.</summary>
    internal static ConicProblem DegenerateVertexLp => ConicProblem.Create(null, [-1, 0], Dense(new double[,] { { 1, 0 }, { 1, 1 }, { 0, -1 } }), [1, 1, 0], [new NonnegativeConeSpec(3)]);

    [Fact]
    public void SmallLpReachesTheVertexOfTwoActiveConstraints()
    {
        // min -x1 - x2 s.t. x1 + 2x2 <= 4, 3x1 + x2 <= 6, x >= 0. Vertices (0,2), (2,0) give -2; the crossing
        // x = (8/5, 6/5) gives -14/5. Duals solve z1 + 3z2 = 1, 2z1 + z2 = 1: z = (2/5, 1/5).
        var p = TwoActiveConstraintsLp;
        var r = Solve(p);
        AssertOptimal(p, r, -14.0 / 5);
        Assert.Equal(1.6, r.X[0], 1e-6); Assert.Equal(1.2, r.X[1], 1e-6);
        Assert.Equal(0.4, r.Z[0], 1e-6); Assert.Equal(0.2, r.Z[1], 1e-6);
    }

    [Fact]
    public void FreeVariablesLpFindsTheKinkOfAnAbsoluteValue()
    {
        // min x1 s.t. x1 >= x2 - 1, x1 >= 1 - x2 (x1, x2 free): x1 >= |x2 - 1|, optimum 0 at x = (0, 1);
        // A'z = -q: -z1 - z2 = -1, z1 - z2 = 0 gives z = (½, ½).
        var p = AbsoluteValueKinkLp;
        var r = Solve(p);
        AssertOptimal(p, r, 0.0);
        Assert.Equal(0.0, r.X[0], 1e-6); Assert.Equal(1.0, r.X[1], 1e-6);
        Assert.Equal(0.5, r.Z[0], 1e-6); Assert.Equal(0.5, r.Z[1], 1e-6);
    }

    [Fact]
    public void DegenerateLpWithRedundantConstraintsAndNonUniqueOptimum()
    {
        // min x1 + x2 s.t. x1 + x2 >= 1 (twice), x >= 0: every point of the segment x1 + x2 = 1, x >= 0 is optimal, value 1.
        var p = RedundantConstraintsLp;
        AssertOptimal(p, Solve(p), 1.0);
    }

    [Fact]
    public void DegenerateVertexWithThreeActiveConstraints()
    {
        // min -x1 s.t. x1 <= 1, x1 + x2 <= 1, x2 >= 0: the optimum (1, 0) has three active constraints in the plane; value -1.
        var p = DegenerateVertexLp;
        var r = Solve(p);
        AssertOptimal(p, r, -1.0);
        Assert.Equal(1.0, r.X[0], 1e-6); Assert.Equal(0.0, r.X[1], 1e-6);
    }
}
