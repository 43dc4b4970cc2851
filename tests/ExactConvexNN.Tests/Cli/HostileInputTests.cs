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
}
