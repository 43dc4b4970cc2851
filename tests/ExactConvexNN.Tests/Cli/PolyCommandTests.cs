using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExactConvexNN.Networks;

namespace ExactConvexNN.Tests.Cli;

[Collection("Console")]
public sealed class PolyCommandTests
{
    /// <summary>Writes n tiny 1 x 4 x 4 images (pixels p0..p15, label 0/1/2) to a CSV file.</summary>
    private static string ImageCsv(string dir, int classes, int n = 12)
    {
        var data = PolyTestData.Images(n, 1, 4, 4, classes, 3);
        var sb = new StringBuilder(string.Join(",", Enumerable.Range(0, 16).Select(k => $"p{k}")) + ",label\n");
        for (int i = 0; i < n; i++)
            sb.Append(string.Join(",", Enumerable.Range(0, 16).Select(k => data.X[i, k].ToString("R", CultureInfo.InvariantCulture))))
              .Append(',').Append(data.Y![i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        var path = Path.Combine(dir, "images.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void TrainPolyCnnReportsTheContractKeysAndPredictReproducesTheObjective()
    {
        var dir = CliHarness.TempDir();
        var csv = ImageCsv(dir, 3);
        var net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", csv, "--activation", "poly", "--beta", "0.05", "--classes", "3",
            "--image", "1,4,4", "--filter", "2", "--stride", "1", "--pool", "2", "--out", net, "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        foreach (var key in new[] { "status", "primal", "dual", "relative_gap", "neurons", "regions", "seconds" }) Assert.True(o.ContainsKey(key), key);
        Assert.Equal("solved", o["status"]!.GetValue<string>());
        Assert.Equal(4, o["regions"]!.GetValue<int>());   // 3x3 output grid in 2x2 tiles
        Assert.Equal(3, o["outputs"]!.GetValue<int>());
        double primal = o["primal"]!.GetValue<double>(), recovered = o["recovered_objective"]!.GetValue<double>();
        Assert.True(Math.Abs(primal - recovered) <= 1e-6 * primal, $"{primal} vs {recovered}");
        // train certifies its own network: a lower bound below the recovered objective, within the tolerance.
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
        double bound = o["lower_bound"]!.GetValue<double>();
        Assert.True(bound <= recovered * (1 + 1e-12) && recovered - bound <= 1e-6 * recovered, $"{bound} vs {recovered}");

        var file = PolyNetwork.Load(net);
        Assert.Equal(3, file.Classes);
        var p = CliHarness.Run("predict", net, csv, "--json");
        Assert.True(p.Exit == 0, p.Err);
        var po = JsonNode.Parse(p.Out)!.AsObject();
        Assert.Equal(recovered, po["objective"]!.GetValue<double>(), 1e-9 * recovered);
        Assert.Equal(o["train_accuracy"]!.GetValue<double>(), po["accuracy"]!.GetValue<double>());
        Assert.Equal(12, po["classes"]!.AsArray().Count);
    }

    [Fact]
    public void TrainPolyFullyConnectedTextOutputAndReluDefaultUnchanged()
    {
        var three = CliHarness.Problems("three_point.csv");
        var (exit, output, err) = CliHarness.Run("train", three, "--activation", "poly", "--poly", "0.2,0.5,0", "--beta", "0.1");
        Assert.True(exit == 0, err);
        Assert.Contains("SDP optimum", output);
        Assert.Contains("fully connected", output);
        var relu = CliHarness.Run("train", three, "--beta", "0.1", "--json");
        Assert.Equal(0, relu.Exit);
        Assert.Equal("relu", JsonNode.Parse(relu.Out)!["activation"]!.GetValue<string>());
        Assert.Equal(4, JsonNode.Parse(relu.Out)!["regions"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("--poly 1,2", "--poly '1,2'")]
    [InlineData("--poly 1,nan,2", "a,b,c")]
    [InlineData("--activation tanh", "relu, poly or gated")]
    [InlineData("--image 1,4", "C,H,W")]
    [InlineData("--image 1,4,5", "pixel columns")]
    [InlineData("--image 1,4,4 --filter 5", "larger than")]
    [InlineData("--image 1,4,4 --stride 0", "--stride")]
    [InlineData("--image 1,4,4 --pool -2", "--pool")]
    [InlineData("--filter 2", "needs --image")]
    [InlineData("--classes 1", "at least 2")]
    [InlineData("--classes 2", "labels 0..1")]
    [InlineData("--image 1,4,4 --bias", "fully connected")]
    [InlineData("--sample 5", "relu only")]
    public void BadPolyInputIsOneLineAndExitTwo(string extra, string expected)
    {
        var dir = CliHarness.TempDir();
        var csv = ImageCsv(dir, 3);
        var args = new[] { "train", csv, "--activation", "poly", "--beta", "0.1" }.Concat(extra.Split(' ')).ToList();
        if (extra.StartsWith("--activation")) args.RemoveRange(2, 2);
        var (exit, output, err) = CliHarness.Run(args.ToArray());
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(expected, err);
    }

    [Fact]
    public void ComparePolyRunsNeverBeatTheSdpOptimum()
    {
        var dir = CliHarness.TempDir();
        var csv = ImageCsv(dir, 2);
        var svg = Path.Combine(dir, "c.svg");
        var (exit, output, err) = CliHarness.Run("compare", csv, "--activation", "poly", "--beta", "0.05", "--classes", "2",
            "--image", "1,4,4", "--filter", "2", "--pool", "2", "--inits", "3", "--epochs", "300", "--neurons", "4", "--svg", svg, "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("poly", o["activation"]!.GetValue<string>());
        Assert.Equal(0, o["below_optimum"]!.GetValue<int>());
        double optimum = o["optimum"]!["objective"]!.GetValue<double>();
        var runs = o["runs"]!.AsArray();
        Assert.Equal(3, runs.Count);
        Assert.True(o["optimum"]!["certified_optimal"]!.GetValue<bool>());
        foreach (var r in runs)
        {
            double objective = r!["objective"]!.GetValue<double>(), own = r["lower_bound"]!.GetValue<double>();
            Assert.True(objective >= optimum * (1 - 1e-7));
            // Each run's own bound is a valid lower bound on the optimum, and its gap is measured from its objective.
            Assert.True(own <= optimum * (1 + 1e-9), $"run bound {own} above the optimum {optimum}");
            Assert.Equal(objective - own, r["gap"]!.GetValue<double>(), 1e-9 * Math.Max(1, objective));
        }
        Assert.True(File.Exists(svg));
    }

    [Fact]
    public void VerifyCertifiesTheTrainedPolyNetworkAndNotAPerturbedOne()
    {
        var dir = CliHarness.TempDir();
        var csv = ImageCsv(dir, 3);
        var net = Path.Combine(dir, "net.json");
        var train = CliHarness.Run("train", csv, "--activation", "poly", "--beta", "0.05", "--classes", "3", "--image", "1,4,4", "--filter", "2", "--pool", "2", "--out", net);
        Assert.True(train.Exit == 0, train.Err);
        var (exit, output, err) = CliHarness.Run("verify", csv, net, "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.True(o["certified_optimal"]!.GetValue<bool>(), output);
        Assert.True(o["file_dual_candidate"]!.GetValue<bool>());
        Assert.True(o["lower_bound"]!.GetValue<double>() <= o["objective"]!.GetValue<double>() + 1e-12);
        // Under another beta the same network is not optimal, and the bound says so.
        var other = JsonNode.Parse(CliHarness.Run("verify", csv, net, "--beta", "0.5", "--json").Out)!.AsObject();
        Assert.False(other["certified_optimal"]!.GetValue<bool>());
        Assert.True(other["gap"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void PolyOnlyFlagsAreRefusedForRelu()
    {
        var three = CliHarness.Problems("three_point.csv");
        // --image and --classes are no longer poly-only (the ReLU CNN, ReLU classifiers); the polynomial's coefficients and pooling regions are.
        foreach (var flags in new[] { new[] { "--poly", "1,2,3" }, ["--image", "1,1,2", "--filter", "1", "--pool", "1"] })
        {
            var (exit, _, err) = CliHarness.Run(["train", three, "--beta", "0.1", .. flags]);
            Assert.Equal(2, exit);
            Assert.Contains("--activation poly", err);
        }
    }

    [Fact]
    public void PredictRejectsAMalformedPolyFile()
    {
        var dir = CliHarness.TempDir();
        var bad = Path.Combine(dir, "bad.json");
        File.WriteAllText(bad, """{"activation": "poly", "inputs": 2, "neurons": []}""");
        var (exit, _, err) = CliHarness.Run("predict", bad, CliHarness.Problems("three_point.csv"));
        Assert.Equal(2, exit);
        Assert.Contains("\"poly\"", err);
    }
}
