using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExactConvexNN.Tests.Core.Models;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>--batch-norm</c>: train, predict, verify and compare the batch-normalized ReLU network, and the refusals a new user meets.</summary>
[Collection("Console")]
public sealed class BatchNormCommandTests
{
    private static string Csv(string dir, int seed)
    {
        var (data, _) = BatchNormReluTests.Tiny(seed);
        var sb = new StringBuilder(string.Join(',', Enumerable.Range(1, data.Columns).Select(k => $"x{k}")) + ",y\n");
        for (int i = 0; i < data.Rows; i++)
            sb.Append(string.Join(',', Enumerable.Range(0, data.Columns).Select(k => data.X[i, k].ToString("R", CultureInfo.InvariantCulture))))
              .Append(',').Append(data.Y![i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        var path = Path.Combine(dir, $"bn{seed}.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void TrainSavesACertifiedBnNetworkThatPredictAndVerifyRead()
    {
        var dir = CliHarness.TempDir();
        var csv = Csv(dir, 12);
        var net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", csv, "--beta", "0.1", "--batch-norm", "--json", "--out", net);
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("batch_norm_relu", o["activation"]!.GetValue<string>());
        Assert.True(o["batch_norm"]!.GetValue<bool>());
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
        double objective = o["recovered_objective"]!.GetValue<double>();
        Assert.True(Math.Abs(objective - o["primal"]!.GetValue<double>()) <= 1e-6 * Math.Max(1, objective));
        Assert.True(o["beta_max"]!.GetValue<double>() > 0.1);

        var file = JsonNode.Parse(File.ReadAllText(net))!.AsObject();
        Assert.Equal("batch_norm_relu", file["activation"]!.GetValue<string>());
        foreach (var neuron in file["neurons"]!.AsArray())
            foreach (var key in new[] { "u", "w", "gamma", "alpha", "mean", "scale" }) Assert.NotNull(neuron![key]);

        var (pexit, pout, perr) = CliHarness.Run("predict", net, csv, "--json");
        Assert.True(pexit == 0, perr);
        Assert.Equal(objective, JsonNode.Parse(pout)!["objective"]!.GetValue<double>(), 9);

        var (vexit, vout, verr) = CliHarness.Run("verify", csv, net, "--beta", "0.1");
        Assert.True(vexit == 0, verr);
        Assert.Contains("OPTIMAL", vout);
    }

    [Fact]
    public void AHingeClassifierWithBatchNormReportsAccuracyAndPredictPrintsIt()
    {
        var dir = CliHarness.TempDir();
        var data = ReluLossTests.Labelled(12, 2, 7, 3);
        var csv = Path.Combine(dir, "labels.csv");
        File.WriteAllText(csv, "x1,x2,label\n" + string.Concat(Enumerable.Range(0, 12).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{data.X[i, 0]},{data.X[i, 1]},{data.Y![i]}\n"))));
        var net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", csv, "--beta", "0.05", "--batch-norm", "--classes", "3", "--loss", "hinge", "--json", "--out", net);
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("hinge", o["loss"]!.GetValue<string>());
        Assert.Equal(3, o["outputs"]!.GetValue<int>());
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
        double accuracy = o["train_accuracy"]!.GetValue<double>();
        var (pexit, pout, perr) = CliHarness.Run("predict", net, csv, "--json");
        Assert.True(pexit == 0, perr);
        Assert.Equal(accuracy, JsonNode.Parse(pout)!["accuracy"]!.GetValue<double>(), 12);
        var (vexit, vout, verr) = CliHarness.Run("verify", csv, net, "--beta", "0.05");
        Assert.True(vexit == 0, verr);
        Assert.Contains("OPTIMAL", vout);
    }

    [Fact]
    public void CompareRunsAdamOnTheSameBnModelAndNoRunEndsBelowTheOptimum()
    {
        var dir = CliHarness.TempDir();
        var csv = Csv(dir, 31);
        var (exit, output, err) = CliHarness.Run("compare", csv, "--beta", "0.1", "--batch-norm", "--inits", "3", "--neurons", "5", "--epochs", "300", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("batch_norm_relu", o["activation"]!.GetValue<string>());
        Assert.Equal(0, o["below_optimum"]!.GetValue<int>());
        Assert.True(o["optimum"]!["certified_optimal"]!.GetValue<bool>());
        double optimum = o["optimum"]!["objective"]!.GetValue<double>();
        foreach (var run in o["runs"]!.AsArray())
        {
            Assert.True(run!["objective"]!.GetValue<double>() >= optimum * (1 - 1e-6));
            Assert.True(run["lower_bound"]!.GetValue<double>() <= optimum * (1 + 1e-9));
        }
    }

    [Theory]
    [InlineData("--bias", "drop --bias")]
    [InlineData("--activation poly", "relu only")]
    [InlineData("--activation gated", "relu only")]
    [InlineData("--layers 3", "two-layer")]
    [InlineData("--signal 1,2 --filter 1", "fully connected")]
    public void TrainRefusesOptionsTheBnModelDoesNotHave(string extra, string expected)
    {
        var csv = Csv(CliHarness.TempDir(), 3);
        var args = new List<string> { "train", csv, "--beta", "0.1", "--batch-norm" };
        args.AddRange(extra.Split(' '));
        HostileInputTests.AssertRefused(CliHarness.Run(args.ToArray()), expected);
    }

    [Fact]
    public void BadInputsEndInOneLineAndExitCode2()
    {
        var dir = CliHarness.TempDir();
        var csv = Csv(dir, 12);
        var flat = Path.Combine(dir, "flat.csv");
        File.WriteAllText(flat, "x1,x2,y\n1,2,0.5\n1,2,0.1\n1,2,-1\n");
        HostileInputTests.AssertRefused(CliHarness.Run("train", flat, "--beta", "0.1", "--batch-norm"), "vary over the rows");
        HostileInputTests.AssertRefused(CliHarness.Run("compare", flat, "--beta", "0.1", "--batch-norm", "--inits", "1", "--epochs", "5"), "vary over the rows");

        var net = Path.Combine(dir, "net.json");
        Assert.Equal(0, CliHarness.Run("train", csv, "--beta", "0.1", "--batch-norm", "--out", net).Exit);
        var wide = Path.Combine(dir, "wide.csv");
        File.WriteAllText(wide, "a,b,c,d,e,y\n1,2,3,4,5,1\n2,1,0,1,2,0\n");
        HostileInputTests.AssertRefused(CliHarness.Run("predict", net, wide), "feature");
        // Another batch: its statistics are not the network's.
        var other = Path.Combine(dir, "other.csv");
        var lines = File.ReadAllLines(csv);
        File.WriteAllLines(other, lines.Take(1).Concat(lines.Skip(1).Select(l =>
        {
            var v = l.Split(',');
            for (int k = 0; k < v.Length - 1; k++) v[k] = (2 * double.Parse(v[k], CultureInfo.InvariantCulture) + 1).ToString("R", CultureInfo.InvariantCulture);
            return string.Join(',', v);
        })));
        Assert.NotEmpty(JsonNode.Parse(File.ReadAllText(net))!["neurons"]!.AsArray());
        HostileInputTests.AssertRefused(CliHarness.Run("verify", other, net, "--beta", "0.1"), "batch statistics");
        // A file with a broken BN key.
        var broken = Path.Combine(dir, "broken.json");
        var doc = JsonNode.Parse(File.ReadAllText(net))!.AsObject();
        doc["neurons"] = new JsonArray(new JsonObject { ["u"] = new JsonArray(Enumerable.Repeat(0, Columns(csv)).Select(v => (JsonNode)JsonValue.Create(1.0)).ToArray()), ["w"] = 1, ["gamma"] = "big", ["alpha"] = 0, ["mean"] = 0, ["scale"] = 1 });
        File.WriteAllText(broken, doc.ToJsonString());
        HostileInputTests.AssertRefused(CliHarness.Run("predict", broken, csv), "\"gamma\"");
    }

    private static int Columns(string csv) => File.ReadLines(csv).First().Split(',').Length - 1;
}
