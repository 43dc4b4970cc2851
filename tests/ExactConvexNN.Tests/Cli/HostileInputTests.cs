using System.Text.Json.Nodes;
using ExactConvexNN.Cli;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Tests.Cli;

/// <summary>
/// Hostile input ends in one clear line and exit code 2, or in a correct result with an honest status and the documented
/// exit code (README "Exit codes"); never a stack trace.
/// </summary>
[Collection("Console")]
public class HostileInputTests
{
    private static string ThreePoint => CliHarness.Problems("three_point.csv");

    /// <summary>One line on stderr starting "error:", no stack trace, exit 2.</summary>
    internal static void AssertRefused((int Exit, string Out, string Err) r, string expected)
    {
        Assert.True(r.Exit == CliRunner.InputError, $"exit {r.Exit}: {r.Out} {r.Err}");
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error:", r.Err);
        Assert.Contains(expected, r.Err);
        Assert.DoesNotContain("   at ", r.Err + r.Out);
    }

    private static string Write(string name, string content)
    {
        var path = Path.Combine(CliHarness.TempDir(), name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void BetaAboveBetaMaxGivesTheZeroNetworkSolvedAndCertifiedAtGapZero()
    {
        var (exit, output, err) = CliHarness.Run("train", ThreePoint, "--beta", "1e12", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        // beta_max = max over unit u of y'(Xu)_+ = ||(2,2) + 2 (3,3)|| = 8 sqrt 2 on the three points.
        Assert.Equal(8 * Math.Sqrt(2), o["beta_max"]!.GetValue<double>(), 1e-9);
        Assert.Equal("solved", o["status"]!.GetValue<string>());
        Assert.Equal(0, o["neurons"]!.GetValue<int>());
        Assert.Equal(2.5, o["primal"]!.GetValue<double>()); // 1/2 ||y||^2 = 1/2 (1 + 4)
        Assert.Equal(0, o["relative_gap"]!.GetValue<double>());
        Assert.True(o["certified_optimal"]!.GetValue<bool>());
    }

    [Fact]
    public void BetaBelowBetaMaxIsReportedWithANonzeroNetwork()
    {
        var (exit, output, err) = CliHarness.Run("train", ThreePoint, "--beta", "11", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.True(o["neurons"]!.GetValue<int>() > 0);
        Assert.True(o["primal"]!.GetValue<double>() < 2.5);
    }

    [Fact]
    public void ASolvedStatusWhoseGapExceedsTheToleranceBecomesAlmostSolved()
    {
        var data = CsvDataReader.Read(ThreePoint);
        var r = ModelPipeline.Train(data, new ModelSpec { Beta = 0.1 });
        Assert.Equal(SolverStatus.Solved, r.Status);
        var lying = r with { Primal = r.Dual + 0.05, RelativeGap = 0.05 / r.Dual };
        Assert.Equal(SolverStatus.AlmostSolved, TrainingGuards.HonestStatus(lying, new TrainingOptions()).Status);
        Assert.Equal(SolverStatus.Solved, TrainingGuards.HonestStatus(r, new TrainingOptions()).Status);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("compare")]
    public void FeaturesWhoseSquaresOverflowAreRefusedWithTheScaleThatFixesThem(string command)
    {
        var data = Write("big.csv", "a,b,y\n1e300,1,1\n2,1e300,2\n1,1,0\n");
        var r = CliHarness.Run(command, data, "--beta", "0.1");
        AssertRefused(r, "--scale 1e300");
        var scaled = CliHarness.Run(command, data, "--beta", "0.1", "--scale", "1e300");
        Assert.True(scaled.Exit is 0 or 3, scaled.Err);
        Assert.DoesNotContain("error", scaled.Err);
    }

    [Fact]
    public void ErrorsWithJsonAreAlsoOneJsonObjectOnStdout()
    {
        var r = CliHarness.Run("train", ThreePoint, "--beta", "-1", "--json");
        AssertRefused(r, "--beta");
        var o = JsonNode.Parse(r.Out)!.AsObject();
        Assert.Contains("--beta", o["error"]!.GetValue<string>());
        Assert.Equal(2, o["exit_code"]!.GetValue<int>());
        var parse = CliHarness.Run("train", ThreePoint, "--beta", "x", "--json");
        Assert.Equal(2, parse.Exit);
        Assert.Contains("--beta", JsonNode.Parse(parse.Out)!["error"]!.GetValue<string>());
    }

    [Fact]
    public void TrainingThatDoesNotSolveExitsThreeAndKeepsTheExistingNetwork()
    {
        var net = Path.Combine(CliHarness.TempDir(), "net.json");
        var good = CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--out", net);
        Assert.True(good.Exit == 0, good.Err);
        string saved = File.ReadAllText(net);
        var (exit, output, err) = CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--max-iter", "2", "--out", net);
        Assert.Equal(CliRunner.NotSolved, exit);
        Assert.Contains("max_iterations", output);
        Assert.Contains("left unchanged", err);
        Assert.Equal(saved, File.ReadAllText(net));
    }

    [Fact]
    public void TimeLimitEndsTrainingWithTheTimeLimitStatusAndExitThree()
    {
        var (exit, output, _) = CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--time-limit", "1e-9", "--json");
        Assert.Equal(CliRunner.NotSolved, exit);
        Assert.Equal("time_limit", JsonNode.Parse(output)!["status"]!.GetValue<string>());
        AssertRefused(CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--time-limit", "0"), "--time-limit");
    }

    [Fact]
    public void AProgramLargerThanTheMemoryLimitIsRefusedWithTheEstimateAndTheWayOut()
    {
        // n = 5000 points in the plane: 10,000 chambers, each block n x 2 dense: about 6 GB.
        var rng = new Random(1);
        var lines = new List<string> { "a,b,y" };
        for (int i = 0; i < 5000; i++) lines.Add($"{rng.NextDouble():R},{rng.NextDouble():R},{rng.NextDouble():R}");
        var data = Write("many.csv", string.Join("\n", lines));
        var r = CliHarness.Run("train", data, "--beta", "0.1", "--max-memory", "1");
        AssertRefused(r, "GB");
        Assert.Contains("--sample", r.Err);
        Assert.Contains("--rows", r.Err);
    }

    [Fact]
    public void SamplingFarMoreDirectionsThanPatternsStopsOnceEveryPatternIsFoundAndSaysSo()
    {
        var (exit, output, err) = CliHarness.Run("arrangements", ThreePoint, "--sample", "2147483647", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(4, o["regions"]!.GetValue<int>());
        Assert.True(o["samples_drawn"]!.GetValue<long>() < 1000);
        Assert.Contains("closed-form maximum", o["sampling_stopped"]!.GetValue<string>());
    }

    [Fact]
    public void SamplingStopsAfterALongRunOfDirectionsWithNothingNew()
    {
        // Three normals in the plane z = 0 and one off it: rank 3, 4 hyperplanes, 12 chambers (the closed form says 14).
        var data = Write("flat.csv", "a,b,c,y\n1,0,0,1\n0,1,0,1\n1,1,0,1\n0,0,1,1\n");
        var (exit, output, err) = CliHarness.Run("arrangements", data, "--sample", "2147483647", "--json");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(12, o["regions"]!.GetValue<int>());
        Assert.True(o["samples_drawn"]!.GetValue<long>() < 1_000_000);
        Assert.Contains("no new pattern", o["sampling_stopped"]!.GetValue<string>());
    }

    [Fact]
    public void PredictAndVerifyTakeTheNetworksFeaturesByNameInAnyOrder()
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "net.json");
        Assert.Equal(0, CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--out", net).Exit);
        var permuted = Path.Combine(dir, "permuted.csv");
        File.WriteAllText(permuted, "y,x2,x1\n1,2,2\n2,3,3\n0,0,1\n");
        var original = CliHarness.Run("predict", net, ThreePoint, "--json");
        var swapped = CliHarness.Run("predict", net, permuted, "--json");
        Assert.True(swapped.Exit == 0, swapped.Err);
        Assert.Equal(JsonNode.Parse(original.Out)!["predictions"]!.ToJsonString(), JsonNode.Parse(swapped.Out)!["predictions"]!.ToJsonString());
        Assert.Equal(JsonNode.Parse(original.Out)!["loss"]!.GetValue<double>(), JsonNode.Parse(swapped.Out)!["loss"]!.GetValue<double>());
        var verified = CliHarness.Run("verify", permuted, net, "--json");
        Assert.True(verified.Exit == 0, verified.Err);
        Assert.True(JsonNode.Parse(verified.Out)!["certified_optimal"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("verify")]
    public void DataWithoutOneOfTheNetworksFeaturesIsRefusedNamingIt(string command)
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "net.json");
        Assert.Equal(0, CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--out", net).Exit);
        // Three columns, as many as a 3-input network: without names the target would be read as a feature.
        var other = Path.Combine(dir, "other.csv");
        File.WriteAllText(other, "x1,z,y\n2,2,1\n3,3,2\n1,0,0\n");
        var r = command == "predict" ? CliHarness.Run("predict", net, other) : CliHarness.Run("verify", other, net);
        AssertRefused(r, "'x2'");
    }

    [Fact]
    public void CompareWithAHugeNumberOfNeuronsIsRefusedWithTheMemoryItNeeds()
    {
        var r = CliHarness.Run("compare", ThreePoint, "--beta", "0.1", "--neurons", "1000000000");
        AssertRefused(r, "GB");
        Assert.Contains("fewer neurons", r.Err);
    }

    [Fact]
    public void CompareWhoseExactSolveHitsTheTimeLimitExitsThree()
    {
        var (exit, output, _) = CliHarness.Run("compare", ThreePoint, "--beta", "0.1", "--time-limit", "1e-9", "--inits", "1", "--epochs", "5", "--json");
        Assert.Equal(CliRunner.NotSolved, exit);
        Assert.Equal("time_limit", JsonNode.Parse(output)!["optimum"]!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("\"u\": [\"abc\", 1], \"w\": 1", "non-numeric")]
    [InlineData("\"u\": [1, 1], \"w\": \"x\"", "non-numeric")]
    [InlineData("\"u\": \"abc\", \"w\": 1", "\"u\"")]
    public void ANetworkFileWithAStringWhereANumberBelongsIsRefused(string neuron, string expected)
    {
        var net = Write("bad.json", "{\"format\": \"ecnn-network\", \"version\": 1, \"activation\": \"relu\", \"inputs\": 2, \"neurons\": [{" + neuron + "}]}");
        AssertRefused(CliHarness.Run("predict", net, ThreePoint), expected);
        AssertRefused(CliHarness.Run("verify", ThreePoint, net, "--beta", "0.1"), expected);
        var inputs = Write("inputs.json", "{\"format\": \"ecnn-network\", \"version\": 1, \"activation\": \"relu\", \"inputs\": \"two\", \"neurons\": []}");
        AssertRefused(CliHarness.Run("verify", ThreePoint, inputs, "--beta", "0.1"), "\"inputs\"");
    }

    [Fact]
    public void ANetworkWhoseObjectiveOverflowsIsNotCertifiedExitsThreeAndWritesNoNaNAsJson()
    {
        var net = Write("huge.json", "{\"format\": \"ecnn-network\", \"version\": 1, \"activation\": \"relu\", \"inputs\": 2, \"neurons\": [{\"u\": [1e308, 1e308], \"w\": 1e308}]}");
        var (exit, output, _) = CliHarness.Run("verify", ThreePoint, net, "--beta", "0.1", "--json");
        Assert.Equal(CliRunner.NotSolved, exit);
        var o = JsonNode.Parse(output)!.AsObject(); // parses: no NaN or Infinity tokens
        Assert.False(o["certified_optimal"]!.GetValue<bool>());
        Assert.True(o["lower_bound"] is null || double.IsFinite(o["lower_bound"]!.GetValue<double>()));
        var predicted = CliHarness.Run("predict", net, ThreePoint, "--json");
        Assert.Equal(0, predicted.Exit);
        Assert.NotNull(JsonNode.Parse(predicted.Out));
    }

    [Fact]
    public void VerifyReachingItsTimeLimitSaysTimeLimitAndExitsThree()
    {
        var dir = CliHarness.TempDir();
        var net = Path.Combine(dir, "net.json");
        var iris = CliHarness.Problems("iris_sepal.csv");
        File.WriteAllText(net, "{\"format\": \"ecnn-network\", \"version\": 1, \"activation\": \"relu\", \"inputs\": 2, \"bias\": true, \"neurons\": [{\"u\": [1, 1, 1], \"w\": 1}]}");
        var (exit, output, _) = CliHarness.Run("verify", iris, net, "--beta", "0.1", "--time-limit", "0.001", "--json");
        Assert.True(exit == CliRunner.NotSolved, output);
        Assert.True(JsonNode.Parse(output)!["status"] is not null, output);
        Assert.Equal("time_limit", JsonNode.Parse(output)!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("train")]
    [InlineData("compare")]
    [InlineData("verify")]
    [InlineData("arrangements")]
    public void NegativeMaxPatternsIsRefusedByEveryCommand(string command)
    {
        var net = Path.Combine(CliHarness.TempDir(), "net.json");
        string[] args = command switch
        {
            "verify" => ["verify", ThreePoint, net, "--max-patterns", "-1"],
            "arrangements" => ["arrangements", ThreePoint, "--max-patterns", "-1"],
            _ => [command, ThreePoint, "--beta", "0.1", "--max-patterns", "-1"],
        };
        AssertRefused(CliHarness.Run(args), "--max-patterns");
    }

    [Theory]
    [InlineData("5")]
    [InlineData("0")]
    [InlineData("-1e-8")]
    public void ATrainingToleranceOutsideZeroToOneIsRefused(string tol) =>
        AssertRefused(CliHarness.Run("train", ThreePoint, "--beta", "0.1", "--tol", tol), "--tol");

    [Theory]
    [InlineData("arrangements")]
    [InlineData("compare")]
    [InlineData("train")]
    public void EveryWriterRefusesToWriteOverItsInputOrIntoAFolder(string command)
    {
        var dir = CliHarness.TempDir();
        var data = Path.Combine(dir, "data.csv");
        File.Copy(ThreePoint, data);
        string flag = command == "train" ? "--out" : "--svg";
        string[] Args(string target) => command == "arrangements" ? ["arrangements", data, flag, target] : [command, data, "--beta", "0.1", flag, target];
        AssertRefused(CliHarness.Run(Args(data)), "input file");
        AssertRefused(CliHarness.Run(Args(dir)), "folder");
        Assert.Equal(File.ReadAllText(ThreePoint), File.ReadAllText(data));
    }
}
