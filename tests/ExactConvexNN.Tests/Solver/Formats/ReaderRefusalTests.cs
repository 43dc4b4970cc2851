using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>
/// Bad input refused by every reader with a one-line <see cref="InputException"/> that names the line: missing headers,
/// declared sizes too large to allocate or to index, numbers that are not finite, missing fields and negative counts.
/// </summary>
public class ReaderRefusalTests
{
    private static string Refused(Func<object> read)
    {
        var e = Assert.Throws<InputException>(() => read());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static string Csv(string text) => Refused(() => CsvDataReader.Parse(new StringReader(text), "t.csv"));
    private static string Cbf(string text) => Refused(() => CbfReader.Read(new StringReader(text), "t", "t.cbf"));
    private static string Qps(string text) => Refused(() => QpsReader.Read(new StringReader(text), "t", "t.qps"));
    private static string Sdpa(string text) => Refused(() => SdpaReader.Read(new StringReader(text), "t", "t.dat-s"));

    // ---- CSV without a header ----

    [Theory]
    [InlineData("1,2,3\n4,5,6\n")]
    [InlineData("0.5;-1e-3;7\n1;2;3\n")]
    [InlineData("\n\n1.5\t2\n3\t4\n")]
    public void ACsvWhoseFirstRowIsAllNumbersIsRefusedAsMissingItsHeader(string text)
    {
        var message = Csv(text);
        Assert.Contains("looks like data", message);
        Assert.Contains("header row", message);
    }

    [Fact]
    public void TheMissingHeaderMessageSuggestsAHeaderWithTheRightNumberOfColumns()
    {
        Assert.Contains("'x1,x2,y'", Csv("1,2,3\n4,5,6\n"));
        Assert.Contains("'x1,x2,...,x9,y'", Csv("1,2,3,4,5,6,7,8,9,10\n"));
    }

    [Fact]
    public void AHeaderWithSomeNumericNamesIsStillAHeader()
    {
        var ds = CsvDataReader.Parse(new StringReader("2019,2020,y\n1,2,3\n"), "t.csv");
        Assert.Equal(new[] { "2019", "2020" }, ds.FeatureNames);
        Assert.Equal(1, ds.Rows);
    }

    // ---- declared sizes ----

    [Fact]
    public void CbfVariablesBeyondTheAvailableMemoryAreRefusedWithTheEstimateInBytes()
    {
        // 2e9 variables need about 128 GB of working storage (64 bytes each): more than a test machine has.
        var message = Cbf("VER\n3\nVAR\n2000000000 1\nF 2000000000\n");
        Assert.Contains("line 5", message);
        Assert.Contains("128000000000 bytes", message);
        Assert.Contains("memory", message);
    }

    [Fact]
    public void CbfSizesBeyond32BitIndexingAreRefused()
    {
        // Two 65535 x 65535 blocks: 2 x 2147450880 svec entries.
        var message = Cbf("VER\n3\nPSDVAR\n2\n65535\n65535\n");
        Assert.Contains("32-bit", message);
        Assert.Contains("line 6", message);
    }

    [Theory]
    [InlineData("VER\n3\nVAR\n4000000000 1\nF 4000000000\n", "above 2147483647")]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nOBJACOORD\n4000000000\n0 1\n", "above 2147483647")]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nOBJACOORD\n-1\n", "below 0")]
    [InlineData("VER\n3\nVAR\n-3 1\nF 3\n", "below 0")]
    [InlineData("VER\n3\nPSDVAR\n1\n70000\n", "32-bit indexing")]
    [InlineData("VER\n3\nVAR\n2147483647 2\nF 2147483647\nF 2147483647\n", "exceed the declared 2147483647")]
    public void CbfCountsThatAreTooLargeOrNegativeAreRefused(string text, string expected) =>
        Assert.Contains(expected, Cbf(text));

    [Fact]
    public void CbfDeclaredCountsLargerThanTheFileEndInATruncationMessageNotAnAllocation()
    {
        var message = Cbf("VER\n3\nVAR\n1 1\nF 1\nCON\n1 1\nL= 1\nACOORD\n2000000000\n0 0 1\n");
        Assert.Contains("entry 2 of 2000000000", message);
        Assert.Contains("truncated", message);
    }

    [Theory]
    [InlineData("1\n1\n70000\n1\n", "32-bit indexing")]
    [InlineData("1\n1\n-2147483648\n1\n", "below -2147483647")]
    [InlineData("1\n2000000000\n2 2\n1\n", "the block sizes")]
    [InlineData("4000000000\n1\n2\n1\n", "above 2147483647")]
    [InlineData("2000000000\n1\n2\n1\n", "bytes")]
    [InlineData("1\n3\n2147483647 -2147483647 1\n1\n", "32-bit")]
    [InlineData("-1\n1\n2\n1\n", "below 1")]
    public void SdpaSizesThatAreTooLargeOrNegativeAreRefused(string text, string expected) =>
        Assert.Contains(expected, Sdpa(text));

    // ---- numbers that are not finite, missing fields ----

    [Theory]
    [InlineData("a,y\n1e400,1\n", "line 2")]
    [InlineData("a,y\n1,NaN\n", "line 2")]
    [InlineData("a,y\n1,-Infinity\n", "line 2")]
    [InlineData("a,b,y\n1,2\n", "line 2")]
    public void CsvValuesThatAreNotFiniteOrMissingAreRefusedWithTheLine(string text, string line) =>
        Assert.Contains(line, Csv(text));

    [Theory]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nOBJACOORD\n1\n0 1e400\n", "line 8")]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nOBJACOORD\n1\n0 NaN\n", "line 8")]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nOBJBCOORD\n-1e309\n", "line 7")]
    [InlineData("VER\n3\nVAR\n1 1\nF 1\nOBJACOORD\n1\n0\n", "line 8")]
    [InlineData("VER\n3\nVAR\n1\n", "line 4")]
    public void CbfValuesThatAreNotFiniteOrMissingAreRefusedWithTheLine(string text, string line) =>
        Assert.Contains(line, Cbf(text));

    [Theory]
    [InlineData("NAME t\nROWS\n N obj\nCOLUMNS\n x obj 1e400\nENDATA\n", "line 5")]
    [InlineData("NAME t\nROWS\n N obj\n L c\nCOLUMNS\n x c 1\nRHS\n r c NaN\nENDATA\n", "line 8")]
    [InlineData("NAME t\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n UP b x 1e999\nENDATA\n", "line 7")]
    [InlineData("NAME t\nROWS\n N obj\nCOLUMNS\n x obj\nENDATA\n", "line 5")]
    [InlineData("NAME t\nROWS\n N\nENDATA\n", "line 3")]
    public void QpsValuesThatAreNotFiniteOrMissingAreRefusedWithTheLine(string text, string line) =>
        Assert.Contains(line, Qps(text));

    [Theory]
    [InlineData("1\n1\n2\n1e400\n", "line 4")]
    [InlineData("1\n1\n2\n1\n1 1 1 1 NaN\n", "line 5")]
    [InlineData("1\n1\n2\n1\n1 1 1 1\n", "line 5")]
    [InlineData("1\n1\n2\n", "line 3")]
    public void SdpaValuesThatAreNotFiniteOrMissingAreRefusedWithTheLine(string text, string line) =>
        Assert.Contains(line, Sdpa(text));
}
