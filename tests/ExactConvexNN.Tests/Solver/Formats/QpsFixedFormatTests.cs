using System.Text;
using ExactConvexNN.Solver.Formats;
using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>Fixed-format MPS (names at the standard's fixed columns, possibly with spaces).</summary>
public class QpsFixedFormatTests
{
    /// <summary>A data line with the six fixed fields at columns 2-3, 5-12, 15-22, 25-36, 40-47, 50-61.</summary>
    private static string Fixed(string f1 = "", string f2 = "", string f3 = "", string f4 = "", string f5 = "", string f6 = "")
    {
        var line = new StringBuilder(new string(' ', 61));
        void Put(int column, string text)
        {
            for (int k = 0; k < text.Length; k++) line[column - 1 + k] = text[k];
        }
        Put(2, f1); Put(5, f2); Put(15, f3); Put(25, f4); Put(40, f5); Put(50, f6);
        return line.ToString().TrimEnd();
    }

    /// <summary>One small QP, written in fixed format with spaces in names, or in free format with those spaces removed.</summary>
    private static string Problem(bool fixedFormat)
    {
        string N(string name) => fixedFormat ? name : name.Replace(" ", "");
        string L(string f1 = "", string f2 = "", string f3 = "", string f4 = "", string f5 = "", string f6 = "") =>
            fixedFormat ? Fixed(f1, N(f2), N(f3), f4, N(f5), f6) : $" {f1} {N(f2)} {N(f3)} {f4} {N(f5)} {f6}";
        return string.Join("\n",
            "NAME          FIXED",
            "ROWS",
            L("N", "COST"),
            L("L", "LIM 1"),
            L("G", "LIM 2"),
            L("E", "MY EQN"),
            "COLUMNS",
            L("", "X 1", "COST", "1.5", "LIM 1", "1."),
            L("", "X 1", "LIM 2", "1."),
            L("", "X 2", "COST", "-2.", "LIM 1", "1."),
            L("", "X 2", "MY EQN", "1."),
            L("", "Y 3", "LIM 2", "2.", "MY EQN", "-1."),
            "RHS",
            L("", "RHS 1", "COST", "-4.", "LIM 1", "4."),
            L("", "RHS 1", "LIM 2", "1.", "MY EQN", "2."),
            "RANGES",
            L("", "RNG 1", "MY EQN", "3."),
            "BOUNDS",
            L("UP", "BND 1", "X 1", "3."),
            L("MI", "BND 1", "X 2"),
            L("FX", "BND 1", "Y 3", "0.5"),
            "QUADOBJ",
            L("", "X 1", "X 1", "2."),
            L("", "X 1", "X 2", ".5"),
            L("", "X 2", "X 2", "4."),
            "ENDATA",
            "");
    }

    [Fact]
    public void FixedFormatNamesWithSpacesReadLikeTheSameProblemInFreeFormat()
    {
        var fixedText = Problem(fixedFormat: true);
        Assert.Contains(" E  MY EQN", fixedText); // the premise: names with spaces at the fixed columns
        Assert.True(QpsReader.IsFixedFormat(fixedText));
        Assert.False(QpsReader.IsFixedFormat(Problem(fixedFormat: false)));
        var expected = Qps(Problem(fixedFormat: false));
        var actual = Qps(fixedText);
        Assert.Equal("FIXED", actual.Name);
        Assert.Equal(3, actual.Problem.Variables);
        AssertSameProblem(expected.Problem, actual.Problem);
        Assert.Equal(4.0, actual.Problem.ObjectiveConstant); // RHS on the objective row is -c0
    }

    [Fact]
    public void AFixedFormatFileWithoutASetNameReadsTheRhsAndBounds()
    {
        var text = string.Join("\n",
            "NAME          NOSET",
            "ROWS",
            Fixed("N", "OBJ"),
            Fixed("L", "ROW A"),
            "COLUMNS",
            Fixed("", "COL A", "OBJ", "1.", "ROW A", "1."),
            "RHS",
            Fixed("", "", "ROW A", "7."),
            "BOUNDS",
            Fixed("UP", "", "COL A", "5."),
            "ENDATA");
        var p = Qps(text).Problem;
        Assert.Equal(1, p.Variables);
        Assert.Contains(7.0, p.B);
        Assert.Contains(5.0, p.B);
    }

    [Fact]
    public void AFreeFormatFileWithAlignedColumnsAndLongNamesStaysFreeFormat()
    {
        // Names longer than 8 characters spill over the fixed gaps: not fixed format.
        var text = "NAME LONG\nROWS\n N  OBJECTIVE\n L  CONSTRAINT1\nCOLUMNS\n    VARIABLE1 OBJECTIVE 1 CONSTRAINT1 1\nRHS\n    RHS CONSTRAINT1 2\nENDATA\n";
        Assert.False(QpsReader.IsFixedFormat(text));
        Assert.Equal(1, Qps(text).Problem.Variables);
    }

    private const string QforplanPath = "/work/shared/benchmarks/maros-meszaros/QFORPLAN.QPS.gz";

    /// <summary>A fact that is skipped (not passed) when a file outside the repository is absent.</summary>
    private sealed class FactWhenFileExistsAttribute : FactAttribute
    {
        public FactWhenFileExistsAttribute(string path)
        {
            if (!File.Exists(path)) Skip = $"{path} is absent (a shared benchmark, not part of the repository)";
        }
    }

    [FactWhenFileExists(QforplanPath)]
    public void QforplanFromTheMarosMeszarosSetReadsWithItsPublishedSizes()
    {
        // optima.tsv: QFORPLAN has 161 rows, 421 variables, 4563 nonzeros in A.
        var file = ProblemFile.Read(QforplanPath);
        Assert.Equal("FORPLAN", file.Name);
        Assert.Equal(421, file.Problem.Variables);
        Assert.True(file.Problem.Constraints >= 161);
    }
}
