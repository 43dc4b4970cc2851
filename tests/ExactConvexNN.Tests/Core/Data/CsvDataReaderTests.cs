using System.IO.Compression;
using System.Text;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Tests.Core.Data;

public sealed class CsvDataReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ecnn-csv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text, string name = "data.csv")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string ErrorOf(Action read)
    {
        var e = Assert.Throws<InputException>(read);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    /// <summary>Repository root (the folder holding problems/), found from the test binary's folder.</summary>
    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("problems/ not found above the test binaries");
    }

    [Fact]
    public void LastColumnIsTheTargetByDefault()
    {
        var ds = CsvDataReader.Read(Write("a,b,y\n1,2,3\n-4.5,6e-1,7\n\n\n"));
        Assert.Equal(2, ds.Rows);
        Assert.Equal(2, ds.Columns);
        Assert.Equal(new[] { "a", "b" }, ds.FeatureNames);
        Assert.Equal("y", ds.TargetName);
        Assert.Equal(new[] { 3.0, 7.0 }, ds.Y);
        Assert.Equal(-4.5, ds.X[1, 0]);
        Assert.Equal(0.6, ds.X[1, 1]);
    }

    [Fact]
    public void NamedTargetMayBeAnyColumn()
    {
        var ds = CsvDataReader.Read(Write("y,a,b\n3,1,2\n7,4,5\n"), "y");
        Assert.Equal(new[] { "a", "b" }, ds.FeatureNames);
        Assert.Equal(new[] { 3.0, 7.0 }, ds.Y);
        Assert.Equal(new[] { 4.0, 5.0 }, ds.Row(1));
    }

    [Fact]
    public void NoTargetKeepsEveryColumnAsFeature()
    {
        var ds = CsvDataReader.Read(Write("a,b\n1,2\n"), mode: TargetMode.None);
        Assert.Null(ds.Y);
        Assert.Null(ds.TargetName);
        Assert.Equal(2, ds.Columns);
    }

    [Fact]
    public void QuotedHeaderNamesAndSemicolonOrTabSeparatorsAreAccepted()
    {
        var q = CsvDataReader.Read(Write("\"width, cm\",\"say \"\"hi\"\"\",y\n1,2,3\n"));
        Assert.Equal(new[] { "width, cm", "say \"hi\"" }, q.FeatureNames);
        var semi = CsvDataReader.Read(Write("a;b;y\n1.5;2;3\n", "semi.csv"));
        Assert.Equal(1.5, semi.X[0, 0]);
        var tab = CsvDataReader.Read(Write("a\tb\ty\n1\t2.25\t3\n", "tab.csv"));
        Assert.Equal(2.25, tab.X[0, 1]);
    }

    [Fact]
    public void GzipFilesAreReadTransparently()
    {
        string path = Path.Combine(_dir, "data.csv.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes("a,b,y\n1,2,3\n4,5,6\n"));
        var ds = CsvDataReader.Read(path);
        Assert.Equal(new[] { 3.0, 6.0 }, ds.Y);
        Assert.Equal(5.0, ds.X[1, 1]);
    }

    [Fact]
    public void ValuesAreParsedExactlyInTheInvariantCulture()
    {
        // 0.1 must be the nearest double to 1/10, the same as the C# literal, whatever the machine culture.
        var ds = CsvDataReader.Read(Write("a,y\n0.1,1\n1e-310,2\n"));
        Assert.Equal(0.1, ds.X[0, 0]);
        Assert.Equal(1e-310, ds.X[1, 0]);
    }

    [Fact]
    public void MissingFileIsNamed() =>
        Assert.Contains("does not exist", ErrorOf(() => CsvDataReader.Read(Path.Combine(_dir, "nope.csv"))));

    [Fact]
    public void EmptyFileIsRejected()
    {
        Assert.Contains("empty", ErrorOf(() => CsvDataReader.Read(Write(""))));
        Assert.Contains("empty", ErrorOf(() => CsvDataReader.Read(Write("\n \n", "blank.csv"))));
    }

    [Fact]
    public void HeaderWithoutSamplesIsRejected() =>
        Assert.Contains("no samples", ErrorOf(() => CsvDataReader.Read(Write("a,b,y\n\n"))));

    [Fact]
    public void RaggedRowNamesLineAndCounts()
    {
        string m = ErrorOf(() => CsvDataReader.Read(Write("a,b,y\n1,2,3\n4,5\n")));
        Assert.Contains("line 3", m);
        Assert.Contains("2 values", m);
        Assert.Contains("3 columns", m);
    }

    [Fact]
    public void NonNumericCellNamesLineAndColumn()
    {
        string m = ErrorOf(() => CsvDataReader.Read(Write("a,b,y\n1,2,3\n4,five,6\n")));
        Assert.Contains("line 3", m);
        Assert.Contains("'b'", m);
        Assert.Contains("five", m);
        Assert.Contains("line 2, column 'y'", ErrorOf(() => CsvDataReader.Read(Write("a,y\n1,5e\n", "t.csv"))));
        Assert.Contains("line 3, column 'a'", ErrorOf(() => CsvDataReader.Read(Write("a,y\n1,2\n,3\n", "e.csv"))));
        // A decimal comma (a culture-specific format) is not a number in the invariant culture.
        Assert.Contains("line 2, column 'a'", ErrorOf(() => CsvDataReader.Read(Write("a;y\n1,5;2\n", "d.csv"))));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void NonFiniteValuesNameLineAndColumn(string cell)
    {
        string m = ErrorOf(() => CsvDataReader.Read(Write($"a,b,y\n1,2,3\n4,{cell},6\n")));
        Assert.Contains("line 3", m);
        Assert.Contains("'b'", m);
        Assert.Contains("NaN or infinite", m);
    }

    [Fact]
    public void TargetOnlyFileHasNoFeatureColumn() =>
        Assert.Contains("no feature column", ErrorOf(() => CsvDataReader.Read(Write("y\n1\n2\n"))));

    [Fact]
    public void UnknownTargetListsTheAvailableNames()
    {
        string m = ErrorOf(() => CsvDataReader.Read(Write("a,b,y\n1,2,3\n"), "label"));
        Assert.Contains("'label'", m);
        Assert.Contains("a, b, y", m);
    }

    [Fact]
    public void DuplicateColumnNamesAreRejected()
    {
        string m = ErrorOf(() => CsvDataReader.Read(Write("a,b,a\n1,2,3\n")));
        Assert.Contains("'a'", m);
        Assert.Contains("twice", m);
    }

    [Fact]
    public void BlankLineInsideTheDataIsRejected() =>
        Assert.Contains("line 3", ErrorOf(() => CsvDataReader.Read(Write("a,y\n1,2\n\n3,4\n"))));

    [Fact]
    public void ShippedDataSetsHaveTheirDocumentedShapes()
    {
        string data = Path.Combine(RepoRoot(), "problems", "data");
        (string file, int n, int d)[] expected =
        [
            ("iris.csv", 150, 4), ("wine.csv", 178, 13), ("breast_cancer.csv", 569, 30),
            ("diabetes.csv", 442, 10), ("digits8x8.csv.gz", 1797, 64),
        ];
        foreach (var (file, n, d) in expected)
        {
            var ds = CsvDataReader.Read(Path.Combine(data, file));
            Assert.Equal((n, d), (ds.Rows, ds.Columns));
            Assert.NotNull(ds.Y);
        }
    }
}
