using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExactConvexNN.Tests.Core.Models;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>--loss</c> and <c>--classes</c> for ReLU networks: train, predict (accuracy, confusion matrix), verify, compare, and the refusals a new user meets.</summary>
[Collection("Console")]
public sealed class ReluLossCommandTests
{
    private static string Csv(string dir, int classes, Func<double, double>? relabel = null, int n = 12)
    {
        var data = ReluLossTests.Labelled(n, 2, 7, classes);
        var sb = new StringBuilder("x1,x2,label\n");
        for (int i = 0; i < n; i++)
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{data.X[i, 0]},{data.X[i, 1]},{(relabel ?? (l => l))(data.Y![i])}\n"));
        var path = Path.Combine(dir, $"labels{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Theory]
    [InlineData("hinge")]
    [InlineData("logistic")]
    public void TrainWithAClassificationLossReportsLossClassesAndAccuracyAndPredictPrintsTheConfusionMatrix(string lossName)
    {
        var dir = CliHarness.TempDir();
        var csv = Csv(dir, 3);
        var net = Path.Combine(dir, "net.json");
        var (exit, output, err) = CliHarness.Run("train", csv, "--beta", "0.05", "--bias", "--classes", "3", "--loss", lossName, "--json", "--out", net);
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(lossName, o["loss"]!.GetValue<string>());
        Assert.Equal(3, o["classes"]!.GetValue<int>());
        Assert.Equal(3, o["outputs"]!.GetValue<int>());
        double accuracy = o["train_accuracy"]!.GetValue<double>();
        Assert.InRange(accuracy, 0, 1);
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
        foreach (var key in new[] { "status", "primal", "dual", "recovered_objective", "lower_bound", "chambers", "neurons" }) Assert.True(o.ContainsKey(key), key);

        var (pexit, pout, perr) = CliHarness.Run("predict", net, csv, "--json");
        Assert.True(pexit == 0, perr);
        var p = JsonNode.Parse(pout)!.AsObject();
        Assert.Equal(accuracy, p["accuracy"]!.GetValue<double>(), 12);
        Assert.Equal(lossName, p["loss_name"]!.GetValue<string>());
        var confusion = p["confusion"]!.AsArray();
        Assert.Equal(3, confusion.Count);
        int diagonal = Enumerable.Range(0, 3).Sum(t => confusion[t]![t]!.GetValue<int>());
        Assert.Equal(12, confusion.Sum(row => row!.AsArray().Sum(c => c!.GetValue<int>())));
        Assert.Equal(accuracy, diagonal / 12.0, 12);
        var (_, _, text) = CliHarness.Run("predict", net, csv);
        Assert.Contains("confusion matrix", text);
        Assert.Contains("accuracy", text);

        var (vexit, vout, verr) = CliHarness.Run("verify", csv, net, "--json");
        Assert.True(vexit == 0, verr);
        Assert.True(JsonNode.Parse(vout)!["certified_optimal"]!.GetValue<bool>());
    }

    [Fact]
    public void CompareTrainsTheNonconvexClassifierWithTheSameLoss()
    {
        var csv = Csv(CliHarness.TempDir(), 2);
        var (exit, output, err) = CliHarness.Run("compare", csv, "--beta", "0.05", "--bias", "--classes", "2", "--loss", "l1", "--inits", "2", "--epochs", "200", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(0, o["below_optimum"]!.GetValue<int>());
        foreach (var run in o["runs"]!.AsArray())
            Assert.True(run!["objective"]!.GetValue<double>() >= o["optimum"]!["lower_bound"]!.GetValue<double>() - 1e-9);
    }

    [Fact]
    public void LabelsThatAreNotZeroToKMinusOneAreRefusedWithTheFix()
    {
        var csv = Csv(CliHarness.TempDir(), 3, l => l + 1);
        HostileInputTests.AssertRefused(CliHarness.Run("train", csv, "--beta", "0.1", "--classes", "3", "--loss", "hinge"), "--labels");
    }

    [Fact]
    public void AClassWithNoRowsIsRefused()
    {
        var csv = Csv(CliHarness.TempDir(), 2);
        HostileInputTests.AssertRefused(CliHarness.Run("train", csv, "--beta", "0.1", "--classes", "3", "--loss", "hinge"), "class 2 has no rows");
    }

    [Fact]
    public void TheLogisticLossWithRealValuedTargetsIsRefused()
    {
        var iris = CliHarness.Problems("iris_sepal.csv");
        HostileInputTests.AssertRefused(CliHarness.Run("train", iris, "--beta", "0.1", "--loss", "logistic"), "--classes K");
        HostileInputTests.AssertRefused(CliHarness.Run("train", iris, "--beta", "0.1", "--loss", "logistic", "--classes", "2"), "needs labels 0..1");
    }

    [Fact]
    public void AnUnknownLossOrALossForAnotherFamilyIsRefused()
    {
        var three = CliHarness.Problems("three_point.csv");
        HostileInputTests.AssertRefused(CliHarness.Run("train", three, "--beta", "0.1", "--loss", "cubic"), "--loss 'cubic'");
        HostileInputTests.AssertRefused(CliHarness.Run("train", three, "--beta", "0.1", "--loss", "hinge", "--activation", "poly", "--classes", "2"), "relu only");
        HostileInputTests.AssertRefused(CliHarness.Run("train", three, "--beta", "0.1", "--huber-delta", "2"), "--loss huber only");
    }
}
