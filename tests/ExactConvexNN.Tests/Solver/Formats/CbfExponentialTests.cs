using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;
using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>
/// CBF's exponential cones: EXP (x1 &gt;= x2 exp(x3/x2)) is the solver's exponential cone with the rows reversed, and EXP*
/// (x1 &gt;= -x3 exp(x2/x3 - 1)) its dual, mapped into the exponential cone; both read, solve to their closed-form optima, and
/// EXP writes back.
/// </summary>
public class CbfExponentialTests
{
    [Fact]
    public void AnExpVariableBlockBecomesAnExponentialConeWithItsEntriesReversed()
    {
        // x in EXP: s = (x3, x2, x1) in K_exp (y exp(x/y) <= z), so A = -(reversal) and b = 0.
        var p = Cbf("VER\n3\nVAR\n3 1\nEXP 3\n").Problem;
        Assert.Equal([new ExponentialConeSpec()], p.Cones);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(i + j == 2 ? -1.0 : 0.0, p.A[i, j]);
        Assert.All(p.B, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void MinimizingTheBoundOfAnExpConeWithUnitArgumentsGivesE()
    {
        // min x1 s.t. x1 >= x2 exp(x3/x2), x2 = 1, x3 = 1: the optimum is e.
        var file = Cbf("VER\n3\nVAR\n3 1\nEXP 3\nCON\n2 1\nL= 2\nOBJACOORD\n1\n0 1\nACOORD\n2\n0 1 1\n1 2 1\nBCOORD\n2\n0 -1\n1 -1\n");
        var r = ConicSolver.Solve(file.Problem);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal(Math.E, r.PrimalObjective, 1e-8);
    }

    [Fact]
    public void MinimizingTheBoundOfADualExpConeGivesOneOverE()
    {
        // min x1 s.t. x1 >= -x3 exp(x2/x3 - 1), x2 = 0, x3 = -1: the optimum is exp(-1).
        var file = Cbf("VER\n3\nVAR\n3 1\nEXP* 3\nCON\n2 1\nL= 2\nOBJACOORD\n1\n0 1\nACOORD\n2\n0 1 1\n1 2 1\nBCOORD\n1\n1 1\n");
        var r = ConicSolver.Solve(file.Problem);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal(Math.Exp(-1), r.PrimalObjective, 1e-8);
    }

    [Fact]
    public void AnExpConstraintBlockRoundTripsThroughTheWriter()
    {
        // g = A x + b in EXP for a 2-variable affine map; writing and reading back gives the same rows.
        var file = Cbf("VER\n3\nVAR\n2 1\nF 2\nCON\n3 1\nEXP 3\nOBJACOORD\n1\n0 1\nACOORD\n3\n0 0 1\n1 1 2\n2 0 -1\nBCOORD\n2\n0 4\n1 1\n");
        var again = Cbf(CbfWriter.ToText(file.Problem)).Problem;
        Assert.Equal(file.Problem.Cones, again.Cones);
        Assert.Equal(file.Problem.B, again.B);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++) Assert.Equal(file.Problem.A[i, j], again.A[i, j]);
    }
}
