using System.Text.Json.Nodes;
using ExactConvexNN.Cli;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>ecnn train --layers 3</c> with predict, verify and compare on the network file; refusals of what it cannot do.</summary>
[Collection("Console")]
public class ThreeLayerCommandTests
{
    private static string TinyCsv(string dir)
    {
        string path = Path.Combine(dir, "tiny.csv");
        File.WriteAllText(path, "x1,x2,y\n1.0,0.5,1.2\n-0.3,1.0,0.4\n0.7,-1.1,-0.5\n-1.2,-0.4,0.9\n0.2,0.3,-0.7\n");
        return path;
    }

    [Fact]
    public void TrainWritesACertifiedThreeLayerNetworkThatPredictVerifyAndCompareRead()
    {
        var dir = CliHarness.TempDir();
        string data = TinyCsv(dir), net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", data, "--beta", "0.05", "--layers", "3", "--bias", "--out", net, "--json");
        Assert.True(exit == CliRunner.Success, err);
        var o = JsonNode.Parse(output)!;
        foreach (var key in new[] { "status", "primal", "neurons", "lower_bound", "certified_optimal", "layers", "pattern_pairs" })
            Assert.True(o[key] is not null, $"key {key} missing");
        Assert.Equal(3, (int)o["layers"]!);
        Assert.True((bool)o["certified_optimal"]!);
        Assert.True((long)o["pattern_pairs"]! > 0);

        var (pExit, pOut, pErr) = CliHarness.Run("predict", net, data);
        Assert.True(pExit == CliRunner.Success, pErr);
        Assert.Equal(5, pOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => double.TryParse(l, System.Globalization.CultureInfo.InvariantCulture, out _)));

        var (vExit, vOut, vErr) = CliHarness.Run("verify", data, net, "--json");
        Assert.True(vExit == CliRunner.Success, vErr);
        Assert.True((bool)JsonNode.Parse(vOut)!["certified_optimal"]!);

        var (cExit, cOut, cErr) = CliHarness.Run("compare", data, "--beta", "0.05", "--layers", "3", "--bias", "--inits", "2", "--epochs", "200", "--json");
        Assert.True(cExit == CliRunner.Success, cErr + cOut);
    }

    [Theory]
    [InlineData("--layers", "4")]
    [InlineData("--layers", "1")]
    public void LayerCountsOtherThanTwoOrThreeAreOneLineAndExitTwo(string flag, string value)
    {
        var dir = CliHarness.TempDir();
        var (exit, _, err) = CliHarness.Run("train", TinyCsv(dir), "--beta", "0.05", flag, value);
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--layers", err);
    }

    [Fact]
    public void ThreeLayersOnDataTooLargeForTheDoubleArrangementGiveTheEstimateAndTheWayOut()
    {
        var (exit, output, err) = CliHarness.Run("train", CliHarness.Problems("iris_sepal.csv"), "--beta", "0.1", "--layers", "3", "--bias");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("pattern pairs", err);
        Assert.Contains("--sample", err);
    }

    [Theory]
    [InlineData("--activation", "poly")]
    [InlineData("--activation", "gated")]
    public void ThreeLayersWithAnotherActivationAreRefused(string flag, string value)
    {
        var dir = CliHarness.TempDir();
        var (exit, _, err) = CliHarness.Run("train", TinyCsv(dir), "--beta", "0.05", "--layers", "3", flag, value);
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("relu", err);
    }

    [Fact]
    public void ThreeLayersWithLayerwiseTrainingAreRefused()
    {
        var dir = CliHarness.TempDir();
        string data = Path.Combine(dir, "images.csv");
        File.WriteAllText(data, "a,b,c,d,y\n1,0,2,1,1\n0,1,1,2,0\n2,2,0,1,1\n");
        var (exit, output, err) = CliHarness.Run("train", data, "--beta", "0.1", "--layers", "3", "--layerwise", "2", "--image", "1,2,2", "--filter", "1");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--layerwise", err);
    }

    [Fact]
    public void ThreeLayerCnnsOnSignalsAreTrainedAndVerified()
    {
        var dir = CliHarness.TempDir();
        string data = Path.Combine(dir, "signals.csv"), net = Path.Combine(dir, "net.json");
        File.WriteAllText(data, "a,b,c,d,y\n1,-2,0,2,0.4\n-1,1,2,0,-0.3\n2,0,-1,1,0.8\n0,1,1,-2,-0.6\n-2,2,1,1,0.1\n");
        var (exit, output, err) = CliHarness.Run("train", data, "--beta", "0.05", "--layers", "3", "--signal", "1,4", "--filter", "2", "--out", net, "--json");
        Assert.True(exit == CliRunner.Success, err);
        Assert.Contains("CNN", (string)JsonNode.Parse(output)!["architecture"]!);
        var (vExit, vOut, vErr) = CliHarness.Run("verify", data, net, "--json");
        Assert.True(vExit == CliRunner.Success, vErr);
        Assert.True((bool)JsonNode.Parse(vOut)!["certified_optimal"]!);
    }
}
