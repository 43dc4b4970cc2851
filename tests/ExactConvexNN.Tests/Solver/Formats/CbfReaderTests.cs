using System.Globalization;
using System.Text;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;
using FsCheck;
using FsCheck.Fluent;
using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

public class CbfReaderTests
{
    // A CBF problem exercising every supported cone, for constraints and variables: max c'x + c0 with
    // g = Af x + bf in L+(1) x L-(1) x Q(3) x QR(3) and x in F(2) x L+(1) x L-(1) x QR(3).
    private static readonly double[,] Af =
    {
        { 1, -2, 0, 0.5, 0, 1, 0 },
        { 0, 1, 1, 0, -1, 0, 2 },
        { 2, 0, 0, 0, 1, 0, 0 },
        { 0, 1, 0, -1, 0, 0, 0 },
        { 1, 0, 1, 0, 0, 0, 1 },
        { 0, 0, 1, 1, 0, 0, 0 },
        { 1, 1, 0, 0, 0, 0, 0 },
        { 0, 0, 0, 1, 1, 1, 0 },
    };
    private static readonly double[] Bf = [1, -0.5, 3, 0, 0.25, 1, 0.5, -1];
    private static readonly double[] C = [1.5, 0, 0, -2, 0, 0, 0.5];
    private const double C0 = 4.25;
    private static readonly (string Cone, int Dim)[] ConBlocks = [("L+", 1), ("L-", 1), ("Q", 3), ("QR", 3)];
    private static readonly (string Cone, int Dim)[] VarBlocks = [("F", 2), ("L+", 1), ("L-", 1), ("QR", 3)];

    private static string AllConesText()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("# every cone\nVER\n3\n\nOBJSENSE\nMAX\n\nVAR\n7 4\n");
        foreach (var (k, d) in VarBlocks) sb.Append($"{k} {d}\n");
        sb.Append("\nCON\n8 4\n");
        foreach (var (k, d) in ConBlocks) sb.Append($"{k} {d}\n");
        sb.Append("\nOBJACOORD\n3\n0 1.5\n3 -2\n6 0.5\n\nOBJBCOORD\n4.25\n\n");
        var entries = new List<string>();
        for (int i = 0; i < 8; i++) for (int j = 0; j < 7; j++) if (Af[i, j] != 0) entries.Add(string.Create(inv, $"{i} {j} {Af[i, j]}"));
        sb.Append("ACOORD\n").Append(entries.Count).Append('\n').AppendJoin('\n', entries).Append("\n\n");
        sb.Append("BCOORD\n8\n");
        for (int i = 0; i < 8; i++) sb.Append(string.Create(inv, $"{i} {Bf[i]}\n"));
        return sb.ToString();
    }

    /// <summary>Signed margin of membership straight from the CBF definitions of the cones.</summary>
    private static double CbfMargin(double[] v, (string Cone, int Dim)[] blocks)
    {
        double margin = double.PositiveInfinity;
        int at = 0;
        foreach (var (k, d) in blocks)
        {
            var g = v.AsSpan(at, d);
            switch (k)
            {
                case "L+": foreach (var e in g) margin = Math.Min(margin, e); break;
                case "L-": foreach (var e in g) margin = Math.Min(margin, -e); break;
                case "Q":
                {
                    double ss = 0; for (int i = 1; i < d; i++) ss += g[i] * g[i];
                    margin = Math.Min(margin, g[0] - Math.Sqrt(ss));
                    break;
                }
                case "QR":
                {
                    double ss = 0; for (int i = 2; i < d; i++) ss += g[i] * g[i];
                    margin = Math.Min(margin, Math.Min(Math.Min(g[0], g[1]), 2 * g[0] * g[1] - ss));
                    break;
                }
            }
            at += d;
        }
        return margin;
    }

    private static double[] G(double[] x)
    {
        var g = (double[])Bf.Clone();
        for (int i = 0; i < 8; i++) for (int j = 0; j < 7; j++) g[i] += Af[i, j] * x[j];
        return g;
    }

    private static readonly Lazy<ProblemFile> AllCones = new(() => Cbf(AllConesText()));

    /// <summary>Points of R^7 with coordinates k / 100, |k| &lt;= 300.</summary>
    public static class Points
    {
        public static Arbitrary<double[]> Grid() => Gen.Choose(-300, 300).Select(i => i / 100.0).ArrayOf(7).ToArbitrary();
    }

    [Property(Arbitrary = new[] { typeof(Points) })]
    public bool MembershipInKAgreesWithTheCbfConeDefinitionsForEveryPoint(double[] x)
    {
        var file = AllCones.Value;
        double cbf = Math.Min(CbfMargin(G(x), ConBlocks), CbfMargin(x, VarBlocks));
        double ours = ConeMargin(file.Problem, x);
        // Away from the boundary the two descriptions must classify the point alike.
        return Math.Abs(cbf) < 1e-9 || Math.Abs(ours) < 1e-9 || (cbf > 0) == (ours > 0);
    }

    [Fact]
    public void PointsOnARotatedConeBoundaryMapToTheSecondOrderConeBoundary()
    {
        // x in QR(3): (2, 1, 2) has 2*2*1 = 4 = 2^2, on the boundary.
        var file = Cbf("VER\n3\nVAR\n3 1\nQR 3\n");
        Assert.Equal(0.0, ConeMargin(file.Problem, [2, 1, 2]), 12);
        Assert.True(ConeMargin(file.Problem, [2, 1, 1.9]) > 0);
        Assert.True(ConeMargin(file.Problem, [2, 1, 2.1]) < 0);
        Assert.True(ConeMargin(file.Problem, [-2, -1, 0]) < 0); // 2 x1 x2 >= 0 but x1, x2 < 0
        Assert.Equal([new SecondOrderConeSpec(3)], file.Problem.Cones);
    }

    [Fact]
    public void AMaximizationIsStoredNegatedAndReportedInTheFilesSenseWithItsConstant()
    {
        var file = Cbf(AllConesText());
        Assert.True(file.Maximize);
        double[] x = [0.3, -1, 2, 0.7, 1.1, -0.4, 2.5];
        double fileObjective = C0;
        for (int j = 0; j < 7; j++) fileObjective += C[j] * x[j];
        Assert.Equal(fileObjective, file.ToFileSense(Objective(file.Problem, x)), 12);
    }

    [Fact]
    public void EqualityRowsBecomeZeroConeRowsWithSlackEqualToTheConstraintValue()
    {
        // g = x0 + 2 x1 - 4 in L=, x in F.
        var file = Cbf("VER\n3\nOBJSENSE\nMIN\nVAR\n2 1\nF 2\nCON\n1 1\nL= 1\nACOORD\n2\n0 0 1\n0 1 2\nBCOORD\n1\n0 -4\n");
        Assert.Equal([new ZeroConeSpec(1)], file.Problem.Cones);
        Assert.Equal(0.0, Slack(file.Problem, [2, 1])[0]);
        Assert.Equal(1.0, Math.Abs(Slack(file.Problem, [3, 1])[0]));
        Assert.False(file.Maximize);
    }

    [Fact]
    public void AdjacentLinearBlocksMergeAndFreeBlocksAddNoRows()
    {
        var file = Cbf("VER\n3\nVAR\n4 3\nL+ 1\nL+ 2\nF 1\nCON\n2 2\nF 1\nL= 1\n");
        Assert.Equal(new ConeSpec[] { new ZeroConeSpec(1), new NonnegativeConeSpec(3) }, file.Problem.Cones);
        Assert.Equal(4, file.Problem.Constraints);
    }

    [Fact]
    public void CommentsBlankLinesAndLowerCaseKeywordsAreAccepted()
    {
        var file = Cbf("# header\n\nver\n2\n  # indented comment\nvar\n1 1\nl+ 1\n\nobjacoord\n1\n0 3\n");
        Assert.Equal([3.0], file.Problem.Q);
        Assert.Equal("test", file.Name);
    }

    [Theory]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nACOORD\n", "ACOORD comes before CON")]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nCON\n1 1\nL+ 1\nACOORD\n3\n0 0 1\n0 1 1\n", "truncated")]
    [InlineData("VER\n3\nVAR\n3 1\nF 2\n", "add up to 2 but VAR declares 3")]
    [InlineData("VER\n3\nVAR\n2 2\nF 2\nL+ 1\n", "exceed the declared 2")]
    [InlineData("VER\n3\nVAR\n2 1\nZ 2\n", "unknown cone 'Z'")]
    [InlineData("VER\n3\nVAR\n2 1\nEXP 2\n", "an EXP cone has dimension 3, found 2")]
    [InlineData("VER\n3\nVAR\n3 1\nPOW 3\n", "cone 'POW' is not supported")]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nINT\n1\n0\n", "integer variables are not supported")]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nOBJACOORD\n1\n2 1.0\n", "variable index 2 is outside 0..1")]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nOBJACOORD\n1\n0 abc\n", "'abc' is not a finite number")]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nOBJACOORD\n1\n0 1 2\n", "expected 2 field(s)")]
    [InlineData("VER\n3\nVAR\n2 1\nF 2\nFOO\n", "unknown keyword 'FOO'")]
    [InlineData("VAR\n2 1\nF 2\n", "must start with 'VER'")]
    [InlineData("VER\n4\n", "version 4 is not supported")]
    [InlineData("VER\n3\nOBJSENSE\nUP\n", "'UP' is not MIN or MAX")]
    [InlineData("VER\n3\nPSDVAR\n1\n0\n", "matrix order 0 is below 1")]
    [InlineData("VER\n3\nPSDVAR\n1\n2\nVAR\n1 1\nF 1\nOBJFCOORD\n1\n0 2 0 1.0\n", "matrix row index 2 is outside 0..1")]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nPSDCON\n1\n2\nHCOORD\n1\n1 0 0 0 1.0\n", "PSD constraint index 1 is outside 0..0")]
    [InlineData("VER\n3\n", "no VAR section")]
    [InlineData("", "empty")]
    [InlineData("VER\n3\nVAR\n1 1\nQR 1\n", "cone dimension 1 is below 2")]
    public void MalformedFilesAreRefusedWithAMessageNamingTheProblem(string text, string expected)
    {
        var e = CbfError(text);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        if (text.Length > 0) Assert.Contains("line", e.Message);
    }

    [Theory]
    [InlineData("VER\n3\nVAR\n3 1\nF 3\nOBJACOORD\n1\n0 1\nACOO", "unknown keyword 'ACOO'")]
    [InlineData("VER\n3\nVAR\n3 1\nF 3\nCON\n1 1\nL+ 1\nACOORD\n2\n0 0 1\n0", "expected 3 field(s)")]
    [InlineData("VER\n3\nVAR\n3", "expected 2 field(s)")]
    public void AFileCutInsideItsLastLineSaysItMayBeTruncated(string text, string expected)
    {
        var e = CbfError(text);
        Assert.Contains(expected, e.Message);
        Assert.Contains("last line of the file", e.Message);
        Assert.Contains("restore the missing lines", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AnErrorBeforeTheLastLineDoesNotSuggestTruncation()
    {
        var e = CbfError("VER\n3\nVAR\n3 1\nF 3\nOBJACOORD\n1\n0 abc\nACOORD\n0\n");
        Assert.Contains("'abc' is not a finite number", e.Message);
        Assert.DoesNotContain("last line", e.Message);
    }

    [Fact]
    public void ErrorMessagesNameTheLineOfTheOffendingEntry()
    {
        var e = CbfError("VER\n3\n\nVAR\n2 1\nF 2\n\nOBJACOORD\n2\n0 1\n5 1\n");
        Assert.StartsWith("test.cbf line 11:", e.Message);
    }
}
