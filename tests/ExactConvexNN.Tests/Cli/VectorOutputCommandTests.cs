using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExactConvexNN.Tests.Core.Models;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>train --vector-output</c>: the bracket in text and JSON, the network file through predict and verify, and the refusals.</summary>
[Collection("Console")]
public sealed class VectorOutputCommandTests
{
    private static string Csv(string dir)
    {
        var data = ReluLossTests.Labelled(9, 2, 4, classes: 3);
        var sb = new StringBuilder("x1,x2,label\n");
        for (int i = 0; i < data.Rows; i++)
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{data.X[i, 0]},{data.X[i, 1]},{data.Y![i]}\n"));
        var path = Path.Combine(dir, "three.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void TrainPrintsTheBracketAndTheFileGoesThroughPredictAndVerify()
    {
        var dir = CliHarness.TempDir();
        var csv = Csv(dir);
        var net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", csv, "--beta", "0.2", "--bias", "--classes", "3", "--vector-output", "--json", "--out", net);
        Assert.True(exit is 0 or 3, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.True(o["vector_output"]!.GetValue<bool>());
        Assert.Equal(3, o["outputs"]!.GetValue<int>());
        double lower = o["lower_bound"]!.GetValue<double>(), upper = o["upper_bound"]!.GetValue<double>();
        Assert.True(lower <= upper);
        Assert.Equal(upper, o["recovered_objective"]!.GetValue<double>());
        Assert.Equal(o["certified_optimal"]!.GetValue<bool>(), o["exact"]!.GetValue<bool>());
        var file = JsonNode.Parse(File.ReadAllText(net))!.AsObject();
        Assert.True(file["vector_output"]!.GetValue<bool>());
        Assert.Equal(3, file["outputs"]!.GetValue<int>());
        Assert.Equal(3, file["neurons"]![0]!["w"]!.AsArray().Count);

        var (pexit, pout, perr) = CliHarness.Run("predict", net, csv, "--json");
        Assert.True(pexit == 0, perr);
        Assert.InRange(JsonNode.Parse(pout)!["accuracy"]!.GetValue<double>(), 0, 1);
        var (vexit, vout, verr) = CliHarness.Run("verify", csv, net, "--json");
        Assert.True(vexit == 0, verr);
        var v = JsonNode.Parse(vout)!.AsObject();
        Assert.True(v["lower_bound"]!.GetValue<double>() <= upper + 1e-12);

        var (_, text, _) = CliHarness.Run("train", csv, "--beta", "0.2", "--bias", "--classes", "3", "--vector-output");
        Assert.Contains("bracket", text);
        Assert.Contains("SDP relaxation", text);
        Assert.Contains("rank one", text);
    }

    [Theory]
    [InlineData("--loss", "hinge", "squared loss")]
    [InlineData("--activation", "poly", "relu only")]
    [InlineData("--layers", "3", "two-layer")]
    [InlineData("--signal", "1,2", "fully connected", "--filter", "2")]
    public void OtherModelsAreRefusedInOneLine(string flag, string value, string expected, params string[] more)
    {
        var csv = Csv(CliHarness.TempDir());
        HostileInputTests.AssertRefused(CliHarness.Run(["train", csv, "--beta", "0.1", "--classes", "3", "--vector-output", flag, value, .. more]), expected);
    }

    [Fact]
    public void SampledPatternsAreRefusedInOneLine()
    {
        var csv = Csv(CliHarness.TempDir());
        HostileInputTests.AssertRefused(CliHarness.Run("train", csv, "--beta", "0.1", "--classes", "3", "--vector-output", "--sample", "5"), "--sample");
    }
}
