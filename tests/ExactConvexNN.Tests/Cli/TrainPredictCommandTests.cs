using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>ecnn train</c> and <c>ecnn predict</c> as a user runs them: the JSON contract, saved networks, and bad input.</summary>
[Collection("Console")]
public class TrainPredictCommandTests
{
    private static string ThreePoint => CliHarness.Problems("three_point.csv");

    [Fact]
    public void TrainJsonHasTheContractKeysAndACertifiedOptimum()
    {
        var (exit, output, err) = CliHarness.Run("train", CliHarness.Problems("xor.csv"), "--beta", "0.1", "--bias", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        foreach (var key in new[] { "status", "primal", "dual", "relative_gap", "neurons", "regions", "seconds", "lower_bound", "certified_optimal" })
            Assert.True(o.ContainsKey(key), $"missing key {key}");
        Assert.Equal("solved", o["status"]!.GetValue<string>());
        Assert.Equal(14, o["regions"]!.GetValue<int>()); // xor with a bias: 4 planes in general position in R^3
        double primal = o["primal"]!.GetValue<double>(), bound = o["lower_bound"]!.GetValue<double>();
        double recovered = o["recovered_objective"]!.GetValue<double>();
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
        Assert.True(bound <= recovered + 1e-12 && Math.Abs(recovered - primal) <= 1e-6 * primal, $"{bound} {recovered} {primal}");
    }

    [Fact]
    public void SavedNetworkPredictsWhatTrainingFitted()
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--out", net);
        Assert.True(exit == 0, err);
        Assert.Contains("certified optimal", output);
        var network = TwoLayerReluNetwork.Load(net);
        var data = CsvDataReader.Read(ThreePoint);
        var p = CliHarness.Run("predict", net, ThreePoint);
        Assert.True(p.Exit == 0, p.Err);
        var lines = p.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var predicted = lines.Where(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(network.Predict(data.X), predicted, (a, b) => Math.Abs(a - b) <= 1e-8 * Math.Max(1, Math.Abs(a)));
    }

    [Theory]
    [InlineData("--beta", "-1")]
    [InlineData("--beta", "NaN")]
    [InlineData("--target", "nosuch")]
    public void BadTrainingInputIsOneLineExitTwoAndWritesNothing(string flag, string value)
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "net.json");
        var args = flag == "--beta" ? new[] { "train", ThreePoint, flag, value, "--out", net } : ["train", ThreePoint, "--beta", "0.1", flag, value, "--out", net];
        var (exit, _, err) = CliHarness.Run(args);
        Assert.Equal(2, exit);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(File.Exists(net));
    }

    [Fact]
    public void DataTooLargeToEnumerateIsRefusedWithTheEstimateAndTheWayOut()
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "net.json");
        var (exit, _, err) = CliHarness.Run("train", CliHarness.Problems("data", "wine.csv"), "--beta", "0.1", "--out", net);
        Assert.Equal(2, exit);
        Assert.Contains("chambers", err);
        Assert.Contains("--sample", err);
        Assert.False(File.Exists(net));
    }

    [Fact]
    public void SampledTrainingSaysItIsAnUpperBound()
    {
        var (exit, output, err) = CliHarness.Run("train", CliHarness.Problems("five_directions.csv"), "--beta", "0.1", "--sample", "3", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.True(o["upper_bound_only"]!.GetValue<bool>());
        Assert.False(o["certified_optimal"]!.GetValue<bool>());
        var text = CliHarness.Run("train", CliHarness.Problems("five_directions.csv"), "--beta", "0.1", "--sample", "3");
        Assert.Contains("UPPER BOUND", text.Out);
    }
}
