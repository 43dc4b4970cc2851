using System.Text.Json.Nodes;
using ExactConvexNN.Cli;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>ecnn path</c>: the regularization path, every point trained and certified.</summary>
[Collection("Console")]
public class PathCommandTests
{
    [Fact]
    public void ThePathStartsAtTheEmptyNetworkAndItsObjectivesFallWithBeta()
    {
        var (exit, output, err) = CliHarness.Run("path", CliHarness.Problems("three_point.csv"), "--path", "6", "--json");
        Assert.True(exit == CliRunner.Success, err);
        var path = JsonNode.Parse(output)!["path"]!.AsArray();
        Assert.Equal(6, path.Count);
        // At beta_max the zero network is optimal: 1/2 ||y||^2 = 2.5 on the three points, no neuron.
        Assert.Equal(0, (int)path[0]!["neurons"]!);
        Assert.Equal(2.5, (double)path[0]!["objective"]!, 1e-9);
        Assert.Equal(8 * Math.Sqrt(2), (double)path[0]!["beta"]!, 1e-9);
        for (int k = 0; k < path.Count; k++)
        {
            Assert.True((bool)path[k]!["certified_optimal"]!, $"point {k}");
            if (k > 0)
            {
                // The optimum is nondecreasing in beta, so it falls (or stays) as beta falls.
                Assert.True((double)path[k]!["beta"]! < (double)path[k - 1]!["beta"]!);
                Assert.True((double)path[k]!["objective"]! <= (double)path[k - 1]!["objective"]! + 1e-9, $"point {k}");
            }
        }
    }

    [Fact]
    public void WithRowsThePathReportsTheHeldOutErrorAndDrawsEveryPanel()
    {
        string svg = Path.Combine(Path.GetTempPath(), $"ecnn-path-{Guid.NewGuid():N}.svg");
        try
        {
            var (exit, output, err) = CliHarness.Run("path", CliHarness.Problems("three_point.csv"), "--betas", "1,0.1", "--rows", ":2", "--svg", svg, "--json");
            Assert.True(exit == CliRunner.Success, err);
            var path = JsonNode.Parse(output)!["path"]!.AsArray();
            Assert.Equal(2, path.Count);
            foreach (var point in path) Assert.True((double)point!["test_error"]! >= 0);
            string text = File.ReadAllText(svg);
            foreach (string panel in new[] { "neurons", "objective", "training error (MSE)", "test error (MSE)" }) Assert.Contains(panel, text);
        }
        finally { File.Delete(svg); }
    }

    [Fact]
    public void WarmAndColdPathsGiveTheSameCertifiedObjectives()
    {
        var (exit, warm, err) = CliHarness.Run("path", CliHarness.Problems("three_point.csv"), "--path", "4", "--json");
        Assert.True(exit == CliRunner.Success, err);
        var (exitCold, cold, errCold) = CliHarness.Run("path", CliHarness.Problems("three_point.csv"), "--path", "4", "--cold", "--json");
        Assert.True(exitCold == CliRunner.Success, errCold);
        var w = JsonNode.Parse(warm)!["path"]!.AsArray();
        var c = JsonNode.Parse(cold)!["path"]!.AsArray();
        for (int k = 0; k < w.Count; k++)
        {
            Assert.True((bool)w[k]!["certified_optimal"]!);
            Assert.Equal((double)c[k]!["objective"]!, (double)w[k]!["objective"]!, 1e-6);
            Assert.Null(c[k]!["test_error"]);
        }
    }

    [Theory]
    [InlineData("--betas", "1,x")]
    [InlineData("--betas", "1,-2")]
    [InlineData("--path", "1")]
    public void BadBetasAreOneLineAndExitTwo(string flag, string value)
    {
        var (exit, output, err) = CliHarness.Run("path", CliHarness.Problems("three_point.csv"), flag, value);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
    }
}
