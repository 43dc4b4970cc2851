using System.Text.Json.Nodes;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>ecnn train --layerwise J</c>: the per-layer table and JSON, the stack file that predict evaluates, and the refusals.</summary>
[Collection("Console")]
public class LayerwiseCommandTests
{
    private static readonly string Digits = CliHarness.Problems("data", "digits8x8.csv.gz");

    // Digits 3 vs 8, the first 8 rows train and the rest test; 4 x 4 filters at stride 4 with padding 1: 2 x 2 maps.
    private static readonly string[] Small =
        ["--labels", "3,8", "--scale", "16", "--rows", ":8", "--image", "1,8,8", "--filter", "4", "--stride", "4", "--padding", "1",
         "--beta", "0.1", "--features", "2", "--sample", "8", "--epochs", "30"];

    [Fact]
    public void TheJsonHasOneObjectPerBlockForBothMethodsAndPredictEvaluatesTheSavedStack()
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "stack.json");
        var (exit, output, err) = CliHarness.Run(["train", Digits, "--layerwise", "2", .. Small, "--out", net, "--json"]);
        Assert.True(exit == 0, err);
        var json = JsonNode.Parse(output)!;
        foreach (var key in new[] { "layers", "baseline_layers" })
        {
            var layers = json[key]!.AsArray();
            Assert.Equal(2, layers.Count);
            foreach (var layer in layers)
                foreach (var k in new[] { "objective", "train_accuracy", "test_accuracy", "neurons", "exact", "seconds" })
                    Assert.True(layer!.AsObject().ContainsKey(k), $"{key} lacks {k}");
        }
        Assert.Equal("adam", (string?)json["baseline"]);
        var last = json["layers"]![1]!;

        var (pexit, pout, perr) = CliHarness.Run("predict", net, Digits, "--labels", "3,8", "--scale", "16", "--rows", ":8", "--json");
        Assert.True(pexit == 0, perr);
        var p = JsonNode.Parse(pout)!;
        Assert.Equal((double)last["objective"]!, (double)p["objective"]!, 9);
        Assert.Equal((double)last["train_accuracy"]!, (double)p["accuracy"]!, 12);

        var (vexit, _, verr) = CliHarness.Run("verify", Digits, net, "--labels", "3,8", "--scale", "16", "--rows", ":8");
        Assert.Equal(2, vexit);
        Assert.Contains("no global certificate", verr, StringComparison.Ordinal);
        Assert.Single(verr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void TheTextTableHasARowPerLayerWithBothMethods()
    {
        var (exit, output, err) = CliHarness.Run(["train", Digits, "--layerwise", "2", .. Small]);
        Assert.True(exit == 0, err);
        Assert.Contains("convex: objective", output, StringComparison.Ordinal);
        Assert.Contains("adam: objective", output, StringComparison.Ordinal);
        Assert.Contains("UPPER BOUND", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--layerwise", "0", "--image", "1,8,8")]
    [InlineData("--layerwise", "2")]                                                        // no image shape
    [InlineData("--layerwise", "11", "--image", "1,8,8")]                                   // too many blocks
    [InlineData("--layerwise", "2", "--image", "1,8,8", "--stride", "3")]                   // block 2's maps are too small for the filter
    [InlineData("--layerwise", "2", "--image", "1,8,8", "--max-memory", "0.0000001")]       // a program too large
    [InlineData("--features", "3", "--image", "1,8,8")]                                     // a layerwise option without --layerwise
    public void BadLayerwiseInputIsOneLineExitTwoAndWritesNothing(params string[] flags)
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "stack.json");
        var (exit, output, err) = CliHarness.Run(["train", Digits, "--labels", "3,8", "--scale", "16", "--rows", ":8", "--beta", "0.1", .. flags, "--out", net]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.Empty(Directory.GetFiles(dir));
    }
}
