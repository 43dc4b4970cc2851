using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>The conformance suite's dual infeasible (unbounded) problems (certificates): every KKT solver variant must pass them.</summary>
public abstract partial class SolverConformance
{
    /// <summary>min -x1 s.t. x >= 0, x2 &lt;= 1: unbounded along (1, 0).</summary>
    internal static ConicProblem UnboundedLp => ConicProblem.Create(null, [-1, 0], Dense(new double[,] { { -1, 0 }, { 0, -1 }, { 0, 1 } }), [0, 0, 1], [new NonnegativeConeSpec(3)]);

    [Fact]
    public void UnboundedLpIsDualInfeasibleWithACertificate()
    {
        // min -x1 s.t. x >= 0, x2 <= 1: x = (t, 0) has q'x = -t → -∞.
        var p = UnboundedLp;
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
}
