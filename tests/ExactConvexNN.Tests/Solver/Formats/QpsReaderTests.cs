using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

public class QpsReaderTests
{
    /// <summary>One free variable x and one row "type r" on x with rhs <paramref name="rhs"/> and optional range.</summary>
    private static string OneRow(char type, double rhs, double? range) =>
        "NAME ONE\nROWS\n N obj\n " + type + " r\nCOLUMNS\n x obj 1 r 1\nRHS\n RHS r " + rhs.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" +
        (range is { } R ? "RANGES\n RNG r " + R.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" : "") +
        "BOUNDS\n FR BND x\nENDATA\n";

    /// <summary>The interval of x allowed by the problem, found by probing points on a fine grid.</summary>
    private static (double Lo, double Hi) Interval(string text)
    {
        var p = Qps(text).Problem;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int k = -4000; k <= 4000; k++)
        {
            double x = k / 200.0;
            if (ConeMargin(p, [x]) >= -1e-12) { lo = Math.Min(lo, x); hi = Math.Max(hi, x); }
        }
        return (lo, hi);
    }

    [Theory]
    [InlineData('E', 2.0, 3.0, 2.0, 5.0)]   // E, R > 0: [r, r + R]
    [InlineData('E', 2.0, -3.0, -1.0, 2.0)] // E, R < 0: [r + R, r]
    [InlineData('E', 2.0, 0.0, 2.0, 2.0)]   // E, R = 0: the equality
    [InlineData('L', 2.0, 3.0, -1.0, 2.0)]  // L: [r - |R|, r]
    [InlineData('L', 2.0, -3.0, -1.0, 2.0)]
    [InlineData('G', 2.0, 3.0, 2.0, 5.0)]   // G: [r, r + |R|]
    [InlineData('G', 2.0, -3.0, 2.0, 5.0)]
    public void RangesFollowTheMpsSignRules(char type, double rhs, double range, double lo, double hi)
    {
        var (a, b) = Interval(OneRow(type, rhs, range));
        Assert.Equal(lo, a, 9);
        Assert.Equal(hi, b, 9);
    }

    [Fact]
    public void RowsWithoutRangesAreOneSidedAndEqualitiesUseTheZeroCone()
    {
        Assert.Equal((2.0, 20.0), Interval(OneRow('G', 2, null)));
        Assert.Equal((-20.0, 2.0), Interval(OneRow('L', 2, null)));
        var eq = Qps(OneRow('E', 2, null)).Problem;
        Assert.Equal([new ExactConvexNN.Solver.Problem.ZeroConeSpec(1)], eq.Cones);
    }

    [Fact]
    public void TheObjectiveRowRhsIsMinusTheObjectiveConstant()
    {
        var f = Qps("NAME C\nROWS\n N obj\nCOLUMNS\n x obj 2\nRHS\n RHS obj -7.5\nBOUNDS\n FR BND x\nENDATA\n");
        Assert.Equal(7.5, f.Problem.ObjectiveConstant);
        Assert.Equal(7.5 + 2 * 3, Objective(f.Problem, [3]));
    }

    [Fact]
    public void MaximizationIsStoredNegatedAndReportedInTheFilesSense()
    {
        var f = Qps("NAME M\nOBJSENSE\n    MAX\nROWS\n N obj\nCOLUMNS\n x obj 2\nRHS\n RHS obj -1\nQUADOBJ\n x x -4\nENDATA\n");
        Assert.True(f.Maximize);
        // file objective: 2x - 1/2*4 x^2 + 1 at x = 3 -> 6 - 18 + 1 = -11
        Assert.Equal(-11.0, f.ToFileSense(Objective(f.Problem, [3])), 12);
        Assert.True(Qps("NAME M\nOBJSENSE MAXIMIZE\nROWS\n N obj\nCOLUMNS\n x obj 2\nENDATA\n").Maximize);
    }

    [Theory]
    [InlineData(" MI BND x\n UP BND x 4\n", -20.0, 4.0)]
    [InlineData(" FR BND x\n", -20.0, 20.0)]
    [InlineData(" UP BND x -3\n", -20.0, -3.0)]      // negative UP with default lower -> lower = -inf
    [InlineData(" LO BND x -2\n PL BND x\n", -2.0, 20.0)]
    [InlineData(" FX BND x 1.5\n", 1.5, 1.5)]
    [InlineData(" UP x 4\n", 0.0, 4.0)]              // free MPS without a bound set name
    [InlineData("", 0.0, 20.0)]                      // default [0, inf)
    public void BoundsFollowTheMpsRules(string bounds, double lo, double hi)
    {
        string text = "NAME B\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n" + bounds + "ENDATA\n";
        var (a, b) = Interval(text);
        Assert.Equal(lo, a, 9);
        Assert.Equal(hi, b, 9);
    }

    [Fact]
    public void ANegativeUpperBoundKeepsAnExplicitLowerBound()
    {
        // LO 0 then UP -3: the interval [0, -3] is empty, so no probe point is feasible.
        var (a, b) = Interval("NAME B\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n LO BND x 0\n UP BND x -3\nENDATA\n");
        Assert.True(a > b);
    }

    [Fact]
    public void QuadobjLowerTriangleAndQmatrixFullMatrixDescribeTheSameObjective()
    {
        const string head = "NAME Q\nROWS\n N obj\nCOLUMNS\n x obj 1\n y obj -1\n";
        var lower = Qps(head + "QUADOBJ\n x x 2\n y x 0.5\n y y 3\nENDATA\n").Problem;
        var full = Qps(head + "QMATRIX\n x x 2\n x y 0.5\n y x 0.5\n y y 3\nENDATA\n").Problem;
        AssertSameProblem(lower, full);
        // 1/2 [x y] [[2, .5], [.5, 3]] [x y]' + x - y at (1, 2) = 1/2 (2 + 2 + 12) + 1 - 2 = 7
        Assert.Equal(7.0, Objective(lower, [1, 2]), 12);
    }

    [Fact]
    public void FixedFormatFilesWithBlankSetNamesReadAsFreeFormat()
    {
        const string text =
            "NAME          FIXED\n" +
            "ROWS\n" +
            " N  COST\n" +
            " L  LIM1\n" +
            "COLUMNS\n" +
            "    X1        COST         1.0   LIM1         1.0\n" +
            "    X2        COST         2.0   LIM1         1.0\n" +
            "RHS\n" +
            "              LIM1         4.0\n" +
            "BOUNDS\n" +
            " UP           X1           3.0\n" +
            "ENDATA\n";
        var f = Qps(text);
        Assert.Equal("FIXED", f.Name);
        Assert.Equal([1.0, 2.0], f.Problem.Q);
        Assert.True(ConeMargin(f.Problem, [3, 1]) >= 0);
        Assert.True(ConeMargin(f.Problem, [3.5, 0]) < 0); // X1 <= 3
        Assert.True(ConeMargin(f.Problem, [2, 2.5]) < 0);  // LIM1 <= 4
    }

    [Theory]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\n", "without ENDATA")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n BV BND x\nENDATA\n", "integer")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n M1 'MARKER' 'INTORG'\n x obj 1\nENDATA\n", "integer variables are not supported")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x nope 1\nENDATA\n", "row 'nope' is not declared")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj one\nENDATA\n", "'one' is not a finite number")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n UP BND y 1\nENDATA\n", "column 'y' does not appear")]
    [InlineData("NAME T\nROWS\n X r\nENDATA\n", "row type 'X'")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\nQUADOBJ\n x x 1\n x x 2\nENDATA\n", "twice")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\n y obj 1\nQMATRIX\n x y 1\nENDATA\n", "no symmetric partner")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\nSOS\n", "SOS is not supported")]
    [InlineData("NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\nWHATEVER\n", "unknown section 'WHATEVER'")]
    [InlineData("NAME T\nROWS\n N obj\n E r\nCOLUMNS\n x obj 1\nRANGES\n RNG obj 2\nENDATA\n", "range on objective")]
    public void MalformedFilesAreRefusedWithAMessageNamingTheProblem(string text, string expected)
    {
        var e = QpsError(text);
        Assert.Contains(expected, e.Message);
        Assert.Contains("line", e.Message);
    }

    [Theory]
    [InlineData("NAME T\nROWS\n N obj\n G r\nCOLUMNS\n x obj 1\n x r", "'x r'")]
    [InlineData("NAME T\nROWS\n N obj\n G r\nCOLUMNS\n x obj 1\nRHS\n RHS r 1\nBOUNDS\n UP BND", "'UP BND'")]
    [InlineData("NAME T\nROWS\n N obj\n G r\nCOLUMNS\n x obj 1\n x r 1\nRHS\n RHS r 1\n", "without ENDATA")]
    public void AFileCutShortIsRefusedAsTruncated(string text, string expected)
    {
        var e = QpsError(text);
        Assert.Contains(expected, e.Message);
        Assert.Contains("restore the missing lines", e.Message);
    }
}
