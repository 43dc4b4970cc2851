using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>The conformance suite's primal infeasible problems (certificates): every KKT solver variant must pass them.</summary>
public abstract partial class SolverConformance
{
    /// <summary>x >= 1 and x &lt;= 0: primal infeasible.</summary>
    internal static ConicProblem ContradictoryBoundsLp => ConicProblem.Create(null, [1], Dense(new double[,] { { -1 }, { 1 } }), [-1, 0], [new NonnegativeConeSpec(2)]);

    [Fact]
    public void ContradictoryBoundsArePrimalInfeasibleWithACertificate()
    {
        // x >= 1 and x <= 0: z = (1, 1) gives A'z = 0, b'z = -1.
        var p = ContradictoryBoundsLp;
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
}
