using System.Text.Json.Nodes;

namespace ExactConvexNN.Tests.Cli;

[Collection("Console")]
public class VerifyCompareCommandTests
{
    private static string ThreePoint => CliHarness.Problems("three_point.csv");

    private static string TrainThreePoint(string dir, double beta = 0.1)
    {
        var net = Path.Combine(dir, "net.json");
        var (exit, _, err) = CliHarness.Run("train", ThreePoint, "--beta", beta.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", net);
        Assert.True(exit == 0, err);
        return net;
    }

    [Fact]
    public void VerifyCertifiesTheTrainedThreePointNetwork()
    {
        var net = TrainThreePoint(CliHarness.TempDir());
        var (exit, output, err) = CliHarness.Run("verify", ThreePoint, net, "--beta", "0.1", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
        Assert.True(o["file_dual_candidate"]!.GetValue<bool>());
        double objective = o["objective"]!.GetValue<double>(), bound = o["lower_bound"]!.GetValue<double>();
        Assert.True(bound <= objective + 1e-12 && o["relative_gap"]!.GetValue<double>() <= 1e-6);
        Assert.Equal(objective - bound, o["gap"]!.GetValue<double>(), 15);
        Assert.Equal(4, o["chambers"]!.GetValue<int>()); // three_point.csv: two lines through the origin
        // Without --beta the file's beta is used; text output names the verdict.
        var text = CliHarness.Run("verify", ThreePoint, net);
        Assert.Equal(0, text.Exit);
        Assert.Contains("OPTIMAL", text.Out);
    }

    [Fact]
    public void VerifyOfTheSameNetworkUnderAnotherBetaIsNotCertified()
    {
        var net = TrainThreePoint(CliHarness.TempDir());
        var (exit, output, _) = CliHarness.Run("verify", ThreePoint, net, "--beta", "1", "--json");
        Assert.Equal(ExactConvexNN.Cli.CliRunner.NotSolved, exit); // ran, but not certified: exit code 3
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.False(o["certified_optimal"]!.GetValue<bool>());
        Assert.True(o["gap"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void VerifyRejectsWrongSizesMalformedFilesAndABiasTheNetworkLacks()
    {
        var dir = CliHarness.TempDir();
        var wrong = Path.Combine(dir, "wrong.json");
        File.WriteAllText(wrong, """{"inputs": 3, "bias": false, "neurons": [{"u": [1, 2, 3], "w": 1}]}""");
        var malformed = Path.Combine(dir, "malformed.json");
        File.WriteAllText(malformed, """{"inputs": 2, "neurons": [""");
        var net = TrainThreePoint(dir);
        foreach (var args in new[]
        {
            new[] { "verify", ThreePoint, wrong, "--beta", "0.1" },
            new[] { "verify", ThreePoint, malformed, "--beta", "0.1" },
            new[] { "verify", ThreePoint, Path.Combine(dir, "missing.json"), "--beta", "0.1" },
            new[] { "verify", ThreePoint, net, "--beta", "0.1", "--bias" },
            new[] { "verify", ThreePoint, net, "--beta", "-1" },
        })
        {
            var (exit, output, err) = CliHarness.Run(args);
            Assert.Equal(2, exit);
            Assert.StartsWith("error: ", err);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Equal("", output);
        }
    }

    [Fact]
    public void CompareJsonHasTheOptimumAndNoRunBelowIt()
    {
        var dir = CliHarness.TempDir();
        var svg = Path.Combine(dir, "runs.svg");
        var (exit, output, err) = CliHarness.Run("compare", ThreePoint, "--beta", "0.1", "--inits", "3", "--epochs", "300", "--neurons", "4", "--json", "--svg", svg);
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        var optimum = o["optimum"]!.AsObject();
        double best = optimum["objective"]!.GetValue<double>();
        Assert.True(optimum["certified_optimal"]!.GetValue<bool>());
        var runs = o["runs"]!.AsArray();
        Assert.Equal(3, runs.Count);
        foreach (var r in runs)
        {
            double objective = r!["objective"]!.GetValue<double>();
            Assert.True(objective >= best - 1e-6 * best, $"run {objective} below the optimum {best}");
            Assert.True(r["lower_bound"]!.GetValue<double>() <= best + 1e-6 * best);
            Assert.Equal(301, r["history_length"]!.GetValue<int>());
            Assert.NotNull(r["certified_optimal"]);
        }
        Assert.Equal(0, o["below_optimum"]!.GetValue<int>());
        var picture = File.ReadAllText(svg);
        Assert.StartsWith("<svg", picture);
        Assert.Equal(3, picture.Split("<path ").Length - 1);
        Assert.Contains("global optimum", picture);
    }

    [Fact]
    public void CompareRejectsBadOptions()
    {
        foreach (var args in new[]
        {
            new[] { "compare", ThreePoint, "--beta", "0.1", "--optimizer", "rmsprop" },
            new[] { "compare", ThreePoint, "--beta", "0.1", "--inits", "0" },
            new[] { "compare", ThreePoint, "--beta", "0.1", "--lr", "-1" },
            new[] { "compare", ThreePoint, "--beta", "0.1", "--batch-size", "9" },
            new[] { "compare", ThreePoint, "--beta", "0.1", "--svg", "/no/such/folder/x.svg" },
        })
        {
            var (exit, _, err) = CliHarness.Run(args);
            Assert.Equal(2, exit);
            Assert.StartsWith("error: ", err);
        }
    }
}
