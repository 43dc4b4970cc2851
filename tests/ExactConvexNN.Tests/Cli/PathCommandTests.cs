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
