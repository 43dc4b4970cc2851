namespace ExactConvexNN.Tests.Cli;

/// <summary>The ReLU CNN from the command line: train, verify, predict and compare on signals, and the refusals a new user meets.</summary>
[Collection("Console")]
public class ReluCnnCommandTests
{
    private static readonly string Signals = CliHarness.Problems("cnn_signals.csv");

    [Fact]
    public void TrainVerifyAndPredictASignalCnn()
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "cnn.json");
        // The first 3 signals, filters of length 14, stride 1: 2 patches per signal, 6 patch rows in R^14 (64 chambers).
        var (exit, output, err) = CliHarness.Run("train", Signals, "--rows", ":3", "--beta", "0.1", "--signal", "1,15", "--filter", "14", "--out", net, "--json");
        Assert.True(exit == 0, err);
        var json = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.Equal("solved", (string?)json["status"]);
        Assert.True((bool)json["certified_optimal"]!);
        Assert.Equal((int)json["chambers"]!, (int)json["regions"]!);
        Assert.Equal(1, (int)json["pooling_regions"]!);
        Assert.Contains("CNN signal 1x15", (string?)json["architecture"]);
        Assert.Contains("\"architecture\": \"cnn\"", File.ReadAllText(net));

        var (vexit, vout, verr) = CliHarness.Run("verify", Signals, net, "--rows", ":3", "--json");
        Assert.True(vexit == 0, verr);
        var v = System.Text.Json.Nodes.JsonNode.Parse(vout)!;
        Assert.True((bool)v["certified_optimal"]!);
        Assert.Equal((int)json["chambers"]!, (int)v["chambers"]!);

        var (pexit, pout, _) = CliHarness.Run("predict", net, Signals, "--rows", ":3", "--json");
        Assert.Equal(0, pexit);
        var p = System.Text.Json.Nodes.JsonNode.Parse(pout)!;
        // The objective from the predictions equals the trained network's.
        Assert.Equal((double)json["recovered_objective"]!, (double)p["objective"]!, 1e-9);
    }

    [Theory]
    [InlineData("--signal", "1,14")]                        // the shape does not match the row length
    [InlineData("--signal", "1,15", "--filter", "16")]       // a filter longer than the signal
    [InlineData("--signal", "1,15", "--stride", "0")]        // stride 0
    [InlineData("--image", "1,3,5", "--filter", "4")]        // a filter larger than the image
    [InlineData("--image", "1,3", "--filter", "2")]          // not C,H,W
    [InlineData("--signal", "1,15", "--filter", "7", "--max-patterns", "1000")] // too many chambers for exact enumeration
    public void BadShapesAndTooLargeDataAreOneLineExitTwoAndWriteNothing(params string[] flags)
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "cnn.json");
        var (exit, output, err) = CliHarness.Run(["train", Signals, "--beta", "0.1", .. flags, "--out", net]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.False(File.Exists(net));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void TheRefusalAboveTheLimitGivesTheEstimateAndTheWayOut()
    {
        var (exit, _, err) = CliHarness.Run("train", Signals, "--beta", "0.1", "--signal", "1,15", "--filter", "7", "--max-patterns", "1000");
        Assert.Equal(2, exit);
        Assert.Contains("chambers", err);
        Assert.Contains("--sample", err);
    }
}
