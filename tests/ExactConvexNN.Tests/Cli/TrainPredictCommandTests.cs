using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Cli;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;

namespace ExactConvexNN.Tests.Cli;

/// <summary><c>ecnn train</c> and <c>ecnn predict</c> as a user runs them: the JSON contract, saved networks, and bad input.</summary>
[Collection("Console")]
public class TrainPredictCommandTests
{
    private static string ThreePoint => CliHarness.Problems("three_point.csv");

    [Theory]
    [InlineData("program.dat-s", "--all-chambers")]
    [InlineData("program.dat-s", "--beta")]
    [InlineData("program.cbf", "--loss")]
    public void ExportedProgramHasTheTrainingsOptimumWhenSolvedFromTheFile(string name, string variant)
    {
        // The squared loss (a quadratic objective) goes to SDPA through its epigraph block; the hinge loss is linear, so CBF
        // takes it. Either way the file, solved again, has the program's optimum (SDPA: plus the constant in its first line).
        var dir = CliHarness.TempDir();
        var path = Path.Combine(dir, name);
        string[] args = variant switch
        {
            "--all-chambers" => ["train", CliHarness.Problems("xor.csv"), "--beta", "0.1", "--bias", "--all-chambers"],
            "--beta" => ["train", CliHarness.Problems("xor.csv"), "--beta", "0.5", "--bias"],
            _ => ["train", CliHarness.Problems("xor.csv"), "--beta", "0.1", "--bias", "--classes", "2", "--loss", "hinge"],
        };
        var (exit, output, err) = CliHarness.Run([.. args, "--json", "--export-program", path]);
        Assert.True(exit == 0, err);
        double primal = JsonNode.Parse(output)!["primal"]!.GetValue<double>();
        var file = ExactConvexNN.Solver.Formats.ProblemFile.Read(path);
        var r = ExactConvexNN.Solver.ConicSolver.Solve(file.Problem);
        Assert.Equal(ExactConvexNN.Solver.SolverStatus.Solved, r.Status);
        double constant = 0;
        if (name.EndsWith(".dat-s", StringComparison.Ordinal))
        {
            string first = File.ReadLines(path).First();
            constant = double.Parse(first[(first.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        Assert.True(Math.Abs(r.PrimalObjective + constant - primal) <= 1e-6 * (1 + Math.Abs(primal)), $"file {r.PrimalObjective} + {constant}, training {primal}");
    }

    [Fact]
    public void ExportProgramRefusesAnUnknownExtensionBeforeTraining()
    {
        var dir = CliHarness.TempDir();
        var (exit, output, err) = CliHarness.Run("train", CliHarness.Problems("xor.csv"), "--beta", "0.1", "--export-program", Path.Combine(dir, "p.txt"));
        Assert.Equal(CliRunner.InputError, exit);
        Assert.Equal("", output);
        Assert.Contains(".dat-s", err);
        Assert.False(File.Exists(Path.Combine(dir, "p.txt")));
    }

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

/// <summary>
/// <c>--labels</c>, <c>--rows</c> and <c>--scale</c> as a user runs them: a binary polynomial network on two labels of a
/// multi-class file, trained on the first rows and tested on the rest, verified on the rows it was trained on.
/// </summary>
[Collection("Console")]
public class DataSelectionCommandTests
{
    private static string WriteLabelledCsv(string dir)
    {
        // Three clusters in R^2 with labels 4, 7, 9 (features scaled by 10); 7 and 9 are the task.
        var rng = new Random(3);
        var lines = new List<string> { "a,b,label" };
        for (int i = 0; i < 60; i++)
        {
            int c = i % 3;
            double cx = c == 0 ? 0 : c == 1 ? 10 : -10, cy = c == 2 ? 10 : 0;
            int label = c == 0 ? 4 : c == 1 ? 7 : 9;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{cx + 3 * (rng.NextDouble() - 0.5)},{cy + 3 * (rng.NextDouble() - 0.5)},{label}"));
        }
        var path = Path.Combine(dir, "clusters.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void TrainOnSelectedLabelsAndRowsThenPredictTheHeldOutRowsAndVerifyTheTrainedOnes()
    {
        var dir = CliHarness.TempDir();
        var csv = WriteLabelledCsv(dir);
        var net = Path.Combine(dir, "net.json");
        string[] select = ["--labels", "7,9", "--scale", "10"];
        var t = CliHarness.Run(["train", csv, "--activation", "poly", "--beta", "0.01", "--bias", .. select, "--rows", ":0.75", "--out", net, "--json"]);
        Assert.True(t.Exit == 0, t.Err);
        var o = JsonNode.Parse(t.Out)!.AsObject();
        Assert.Equal("solved", o["status"]!.GetValue<string>());
        var network = PolyNetwork.Load(net);
        Assert.Equal(2, network.Classes);
        // The training rows: 40 rows carry 7 or 9, the first 30 of them train.
        var data = new DataSelection { Labels = [7, 9], Scale = 10, Rows = RowRange.Parse(":0.75") }.Apply(CsvDataReader.Read(csv));
        Assert.Equal(30, data.Rows);
        var p = CliHarness.Run(["predict", net, csv, .. select, "--rows", "0.75:", "--json"]);
        Assert.True(p.Exit == 0, p.Err);
        var po = JsonNode.Parse(p.Out)!.AsObject();
        Assert.Equal(10, po["predictions"]!.AsArray().Count);
        Assert.Equal(1.0, po["accuracy"]!.GetValue<double>());   // well-separated clusters
        var v = CliHarness.Run(["verify", csv, net, .. select, "--rows", ":0.75"]);
        Assert.True(v.Exit == 0, v.Err);
        Assert.Contains("OPTIMAL", v.Out);
    }
}
