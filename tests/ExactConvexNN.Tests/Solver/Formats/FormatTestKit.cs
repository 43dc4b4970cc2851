using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>Shared helpers: parse text, evaluate A x + s = b membership and objectives directly from the definitions.</summary>
internal static class FormatTestKit
{
    public static ProblemFile Cbf(string text) => CbfReader.Read(new StringReader(text), "test", "test.cbf");
    public static ProblemFile Qps(string text) => QpsReader.Read(new StringReader(text), "test", "test.qps");

    public static InputException CbfError(string text) => Assert.Throws<InputException>(() => Cbf(text));
    public static InputException QpsError(string text) => Assert.Throws<InputException>(() => Qps(text));

    /// <summary>s = b - A x.</summary>
    public static double[] Slack(ConicProblem p, double[] x)
    {
        var s = (double[])p.B.Clone();
        p.A.Multiply(x, s, -1.0, 1.0);
        return s;
    }

    /// <summary>
    /// Signed margin of s in K: min over cones of (zero: -|s_i|, nonneg: s_i, soc: t - ||x||). Feasible iff >= 0
    /// (up to rounding); negative means violated by that much.
    /// </summary>
    public static double ConeMargin(ConicProblem p, double[] x)
    {
        var s = Slack(p, x);
        double margin = double.PositiveInfinity;
        int at = 0;
        foreach (var k in p.Cones)
        {
            var block = s.AsSpan(at, k.Dimension);
            switch (k)
            {
                case ZeroConeSpec: foreach (var v in block) margin = Math.Min(margin, -Math.Abs(v)); break;
                case NonnegativeConeSpec: foreach (var v in block) margin = Math.Min(margin, v); break;
                case SecondOrderConeSpec:
                    double ss = 0;
                    for (int i = 1; i < block.Length; i++) ss += block[i] * block[i];
                    margin = Math.Min(margin, block[0] - Math.Sqrt(ss));
                    break;
                case ExponentialConeSpec:
                    margin = Math.Min(margin, -SolverConformance.ExponentialViolation(block[0], block[1], block[2]));
                    break;
            }
            at += k.Dimension;
        }
        return margin;
    }

    /// <summary>1/2 x'Px + q'x + c of the stored (minimized) problem.</summary>
    public static double Objective(ConicProblem p, double[] x)
    {
        var px = new double[x.Length];
        p.P.MultiplySymmetricUpper(x, px);
        double v = p.ObjectiveConstant;
        for (int j = 0; j < x.Length; j++) v += 0.5 * x[j] * px[j] + p.Q[j] * x[j];
        return v;
    }

    public static void AssertSameProblem(ConicProblem expected, ConicProblem actual)
    {
        Assert.Equal(expected.Q, actual.Q);
        Assert.Equal(expected.B, actual.B);
        Assert.Equal(expected.ObjectiveConstant, actual.ObjectiveConstant);
        Assert.Equal(expected.Cones, actual.Cones);
        Assert.Equal(expected.A.ToDense(), actual.A.ToDense());
        Assert.Equal(expected.P.ToDense(), actual.P.ToDense());
    }
}
