using System.CommandLine;
using System.Text.Json;
using ExactConvexNN.Cli;
using ExactConvexNN.Cli.Commands;
using Xunit.Abstractions;

namespace ExactConvexNN.Tests.Cli;

[Collection("Console")]
public class SolveCommandTests
{
    private static (int Exit, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand("test") { SolveCommand.Create(output) };
        int exit = CliRunner.Run(root, ["solve", .. args]);
        return (exit, output.ToString());
    }

    private static string Temp(string extension, string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ecnn-solve-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void JsonOutputIsOneObjectWithTheObjectiveInTheFilesSense()
    {
        var path = Path.Combine(ProblemSetTests.Root, "optimal", "lp_max_range.qps");
        var (exit, output) = Run(path, "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var o = doc.RootElement;
        Assert.Equal("solved", o.GetProperty("status").GetString());
        var expected = ProblemSetTests.Manifest().Single(e => e.File == "optimal/lp_max_range.qps").Objective!.Value;
        Assert.Equal(expected, o.GetProperty("objective").GetDouble(), 5);
        Assert.Equal(expected, o.GetProperty("dual_objective").GetDouble(), 5);
        foreach (var key in new[] { "iterations", "seconds", "primal_residual", "dual_residual" }) Assert.True(o.TryGetProperty(key, out _), key);
    }

    [Theory]
    [InlineData("ortools", "glop")]
    [InlineData("glop", "glop")]
    [InlineData("pdlp", "pdlp")]
    public void SolverOrToolsSolvesAnLpFileWithTheSameJsonKeysAndNamesTheSolver(string option, string solver)
    {
        var path = Path.Combine(ProblemSetTests.Root, "optimal", "lp_max_range.qps");
        var (exit, output) = Run(path, "--solver", option, "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var o = doc.RootElement;
        Assert.Equal(solver, o.GetProperty("solver").GetString());
        Assert.Equal("solved", o.GetProperty("status").GetString());
        var expected = ProblemSetTests.Manifest().Single(e => e.File == "optimal/lp_max_range.qps").Objective!.Value;
        Assert.Equal(expected, o.GetProperty("objective").GetDouble(), 6);
        var (_, own) = Run(path, "--json");
        using var ownDoc = JsonDocument.Parse(own);
        Assert.Equal("ecnn", ownDoc.RootElement.GetProperty("solver").GetString());
        Assert.Equal(ownDoc.RootElement.EnumerateObject().Select(p => p.Name), o.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void SolverOrToolsReportsInfeasibleAndUnboundedLpFilesLikeTheInteriorPointSolver()
    {
        var (exit, output) = Run(Path.Combine(ProblemSetTests.Root, "unbounded", "lp_unbounded.cbf"), "--solver", "ortools");
        Assert.Equal(0, exit);
        Assert.Contains("dual_infeasible", output);
        Assert.Contains("solver glop", output);
        (exit, output) = Run(Path.Combine(ProblemSetTests.Root, "infeasible", "lp_infeasible.qps"), "--solver", "ortools");
        Assert.Equal(0, exit);
        Assert.Contains("primal_infeasible", output);
    }

    [Theory]
    [InlineData("optimal/HS21.qps", "a quadratic objective")]
    [InlineData("optimal/socp_norm.cbf", "a second-order cone")]
    public void SolverOrToolsRefusesAProblemThatIsNotLinearInOneLine(string file, string part)
    {
        var (exit, output, error) = CliHarness.Run("solve", Path.Combine(ProblemSetTests.Root, file), "--solver", "ortools");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var line = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("--solver ortools solves linear programs", line);
        Assert.Contains(part, line);
        Assert.Contains("drop --solver", line);
    }

    [Fact]
    public void MethodInfeasibleStartSolvesAnSdpaFileToTheDefaultMethodsObjective()
    {
        var path = Temp(".dat-s", ExactConvexNN.Solver.Formats.SdpaFamilies.Generate("maxcut", 8, new Random(5)).Text);
        try
        {
            var (exit, output) = Run(path, "--method", "infeasible-start", "--json");
            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal("solved", doc.RootElement.GetProperty("status").GetString());
            var (_, reference) = Run(path, "--method", "homogeneous", "--json");
            using var refDoc = JsonDocument.Parse(reference);
            Assert.Equal(refDoc.RootElement.GetProperty("objective").GetDouble(), doc.RootElement.GetProperty("objective").GetDouble(), 1e-6);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("optimal/HS21.qps")]
    [InlineData("optimal/socp_norm.cbf")]
    public void MethodInfeasibleStartRefusesAProblemOutsideItsScopeInOneLine(string file)
    {
        var (exit, output, error) = CliHarness.Run("solve", Path.Combine(ProblemSetTests.Root, file), "--method", "infeasible-start");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var line = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("--method infeasible-start", line);
        Assert.Contains("--method homogeneous", line);
    }

    [Fact]
    public void TextOutputIsOneLineWithStatusObjectiveIterationsAndTime()
    {
        var (exit, output) = Run(Path.Combine(ProblemSetTests.Root, "infeasible", "lp_infeasible.qps"));
        Assert.Equal(0, exit); // the status is the answer, not an error
        Assert.Single(output.TrimEnd().Split('\n'));
        Assert.Contains("primal_infeasible", output);
        Assert.Contains("iterations", output);
    }

    [Theory]
    [InlineData("infeasible/lp_infeasible.qps", "primal_infeasible")]
    [InlineData("infeasible/socp_infeasible.cbf", "primal_infeasible")]
    [InlineData("unbounded/lp_unbounded.cbf", "dual_infeasible")]
    [InlineData("unbounded/qp_unbounded.qps", "dual_infeasible")]
    public void InfeasibleAndUnboundedFilesReportTheirStatusInJsonWithExitCode0(string file, string status)
    {
        var (exit, output) = Run(Path.Combine(ProblemSetTests.Root, file), "--json");
        Assert.Equal(0, exit); // the status is the answer, not an error
        using var doc = JsonDocument.Parse(output);
        var o = doc.RootElement;
        Assert.Equal(status, o.GetProperty("status").GetString());
        // No finite objective exists; the keys are still there, as null.
        foreach (var key in new[] { "objective", "dual_objective", "primal_residual", "dual_residual" })
            Assert.Equal(JsonValueKind.Null, o.GetProperty(key).ValueKind);
        Assert.True(o.GetProperty("iterations").GetInt32() > 0);
        Assert.True(o.GetProperty("seconds").GetDouble() >= 0);
    }

    [Fact]
    public void SolutionFileHoldsTheReportedPointAlsoForAnAlmostSolvedProgramWithoutInterior()
    {
        // An H-infinity-type LMI has no strictly feasible point: the run ends almost_solved, and the file must still hold the
        // best point, the one whose objective the result line reports.
        var (text, _, _) = ExactConvexNN.Solver.Formats.SdpaFamilies.Generate("hinf", 5, new Random(6));
        var path = Temp(".dat-s", text);
        var solutionPath = Path.Combine(Path.GetTempPath(), $"ecnn-solution-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, output) = Run(path, "--json", "--solution", solutionPath);
            using var line = JsonDocument.Parse(output);
            using var sol = JsonDocument.Parse(File.ReadAllText(solutionPath));
            string status = line.RootElement.GetProperty("status").GetString()!;
            Assert.Equal(status, sol.RootElement.GetProperty("status").GetString());
            Assert.Equal(status == "solved" ? 0 : CliRunner.NotSolved, exit);
            var problem = ExactConvexNN.Solver.Formats.ProblemFile.Read(path).Problem;
            double[] Vec(string key) => [.. sol.RootElement.GetProperty(key).EnumerateArray().Select(e => e.GetDouble())];
            double[] x = Vec("x"), sv = Vec("s"), z = Vec("z");
            Assert.Equal(problem.Variables, x.Length);
            Assert.Equal(problem.Constraints, sv.Length);
            Assert.Equal(problem.Constraints, z.Length);
            // SDPA's objective is c'x; s = b - A x up to the reported residual.
            double cx = problem.Q.Zip(x, (q, v) => q * v).Sum();
            Assert.Equal(line.RootElement.GetProperty("objective").GetDouble(), cx, 1e-9 * (1 + Math.Abs(cx)));
            var ax = new double[problem.Constraints];
            problem.A.Multiply(x, ax);
            double worst = 0, scale = 1;
            for (int i = 0; i < ax.Length; i++) { worst = Math.Max(worst, Math.Abs(ax[i] + sv[i] - problem.B[i])); scale = Math.Max(scale, Math.Abs(problem.B[i])); }
            Assert.True(worst <= 1e-4 * scale, $"||Ax + s - b|| = {worst}");
        }
        finally { File.Delete(path); File.Delete(solutionPath); }
    }

    [Fact]
    public void ATruncatedFileExitsWithCode2AndPrintsNoResult()
    {
        var path = Temp(".cbf", "VER\n3\nVAR\n2 1\nF 2\nOBJACOORD\n2\n0 1\n");
        try
        {
            var (exit, output) = Run(path, "--json");
            Assert.Equal(CliRunner.InputError, exit);
            Assert.Equal("", output);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("/nonexistent/problem.cbf")]
    [InlineData("problem.txt")]
    public void AMissingFileOrUnknownExtensionExitsWithCode2(string path)
    {
        var (exit, output) = Run(path);
        Assert.Equal(CliRunner.InputError, exit);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("--tol", "0")]
    [InlineData("--tol", "2")]
    [InlineData("--tol", "abc")]
    [InlineData("--max-iter", "0")]
    [InlineData("--time-limit", "-1")]
    public void BadOptionsExitWithCode2(string option, string value)
    {
        var (exit, _) = Run(Path.Combine(ProblemSetTests.Root, "optimal", "lp_small.qps"), option, value);
        Assert.Equal(CliRunner.InputError, exit);
    }
}
