using System.Text.Json.Nodes;

namespace ExactConvexNN.Tests.Cli;

[Collection("Console")]
public class ArrangementsCommandTests
{
    [Fact]
    public void ThreePointExampleReportsFourChambersAgreeingWithTheIndependentCount()
    {
        var (exit, output, _) = CliHarness.Run("arrangements", CliHarness.Problems("three_point.csv"), "--json", "--list");
        Assert.Equal(0, exit);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(3, (int)o["n"]!);
        Assert.Equal(2, (int)o["d"]!);
        Assert.Equal(2, (int)o["rank"]!);
        Assert.Equal(2, (int)o["hyperplanes"]!);
        Assert.Equal(4, (int)o["regions"]!);
        Assert.Equal(4, (int)o["expected_regions"]!);
        Assert.True((double)o["seconds"]! >= 0);
        var patterns = o["chambers"]!.AsArray().Select(c => (string)c!["pattern"]!).Order();
        Assert.Equal(["000", "001", "110", "111"], patterns);
    }

    [Fact]
    public void TextOutputNamesEveryFigure()
    {
        var (exit, output, _) = CliHarness.Run("arrangements", CliHarness.Problems("three_point.csv"));
        Assert.Equal(0, exit);
        foreach (var word in new[] { "rank", "hyperplanes", "chambers", "independent", "time" }) Assert.Contains(word, output);
    }

    [Fact]
    public void MissingFileIsAOneLineErrorWithExitCode2()
    {
        var (exit, output, err) = CliHarness.Run("arrangements", Path.Combine(CliHarness.TempDir(), "nope.csv"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("nope.csv", err);
    }

    [Fact]
    public void MalformedRowNamesItsLine()
    {
        var dir = CliHarness.TempDir();
        var file = Path.Combine(dir, "bad.csv");
        File.WriteAllText(file, "a,b,y\n1,2,3\n4,oops,6\n");
        var (exit, _, err) = CliHarness.Run("arrangements", file);
        Assert.Equal(2, exit);
        Assert.Contains("line 3, column 'b'", err);
        Assert.Contains("oops", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", err);
    }

    [Theory]
    [InlineData("a,b,y\n1,2,3\n4,5\n", "line 3")]
    [InlineData("a,b,y\n1,2,3\n4,NaN,6\n", "NaN or infinite")]
    [InlineData("", "empty")]
    [InlineData("y\n1\n2\n", "no feature column")]
    public void MalformedDataIsAOneLineErrorWithExitCode2(string content, string expected)
    {
        var file = Path.Combine(CliHarness.TempDir(), "bad.csv");
        File.WriteAllText(file, content);
        foreach (var json in new[] { false, true })
        {
            var (exit, output, err) = json ? CliHarness.Run("arrangements", file, "--json") : CliHarness.Run("arrangements", file);
            Assert.Equal(2, exit);
            // With --json the error is also one JSON object on stdout; without, stdout stays empty.
            if (json) Assert.Contains(expected, System.Text.Json.Nodes.JsonNode.Parse(output)!["error"]!.GetValue<string>());
            else Assert.Equal("", output);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(expected, err);
            Assert.DoesNotContain("   at ", err);
        }
    }

    [Fact]
    public void AFolderGivenAsDataIsNamedAsAFolder()
    {
        var (exit, _, err) = CliHarness.Run("arrangements", CliHarness.TempDir());
        Assert.Equal(2, exit);
        Assert.Contains("is a folder, not a data file", err);
    }

    [Fact]
    public void TooLargeDataIsRefusedWithTheEstimateAndTheSamplingHint()
    {
        var (exit, _, err) = CliHarness.Run("arrangements", CliHarness.Problems("data", "iris.csv"), "--max-patterns", "1000");
        Assert.Equal(2, exit);
        Assert.Contains("--sample", err);
        // iris has 150 rows, one repeated: 149 hyperplanes of rank 4.
        Assert.Contains(ExactConvexNN.Arrangements.ChamberRecursion.GeneralPositionCount(149, 4).ToString("N0"), err);
    }

    [Fact]
    public void AShippedDataSetTooLargeToEnumerateIsRefusedAtTheDefaultLimitBeforeAnyWork()
    {
        // breast_cancer: 569 rows of rank 30, about 8.7e48 chambers; the refusal comes from the closed-form estimate.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (exit, output, err) = CliHarness.Run("arrangements", CliHarness.Problems("data", "breast_cancer.csv"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(ExactConvexNN.Arrangements.ChamberRecursion.GeneralPositionCount(569, 30).ToString("N0"), err);
        Assert.Contains("500,000", err);
        Assert.Contains("--sample K", err);
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"refusal took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void SamplingSaysItIsASubset()
    {
        var (exit, output, _) = CliHarness.Run("arrangements", CliHarness.Problems("data", "iris.csv"), "--sample", "200", "--json");
        Assert.Equal(0, exit);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.True((bool)o["sampled"]!);
        Assert.InRange((int)o["regions"]!, 1, 200);
    }

    [Fact]
    public void BadOptionValueIsAUsageErrorWithExitCode2()
    {
        var (exit, _, err) = CliHarness.Run("arrangements", CliHarness.Problems("three_point.csv"), "--max-patterns", "lots");
        Assert.Equal(2, exit);
        Assert.Contains("--max-patterns needs a whole number, got 'lots'", err);
        Assert.DoesNotContain("System.", err);
        var (trainExit, _, trainErr) = CliHarness.Run("train", CliHarness.Problems("three_point.csv"), "--beta", "small");
        Assert.Equal(2, trainExit);
        Assert.Contains("--beta needs a number (like 0.5 or 1e-6), got 'small'", trainErr);
    }
}

[Collection("Console")]
public class ArrangementsPictureTests
{
    [Fact]
    public void SvgIsWrittenForTheThreePointExample()
    {
        var file = Path.Combine(CliHarness.TempDir(), "three.svg");
        var (exit, _, _) = CliHarness.Run("arrangements", CliHarness.Problems("three_point.csv"), "--svg", file);
        Assert.Equal(0, exit);
        var svg = System.Xml.Linq.XDocument.Load(file);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        foreach (var p in new[] { "000", "001", "110", "111" }) Assert.Contains(p, svg.ToString());
    }

    [Fact]
    public void PictureOfRankFourIsRefusedAndNothingIsWritten()
    {
        var file = Path.Combine(CliHarness.TempDir(), "iris.svg");
        var (exit, _, err) = CliHarness.Run("arrangements", CliHarness.Problems("data", "iris.csv"), "--sample", "20", "--svg", file);
        Assert.Equal(2, exit);
        Assert.Contains("rank", err);
        Assert.False(File.Exists(file));
    }
}
