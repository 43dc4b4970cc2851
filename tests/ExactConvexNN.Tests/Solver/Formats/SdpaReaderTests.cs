using System.Text.Json;
using ExactConvexNN.Cli;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;
using Xunit.Abstractions;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>The SDPA sparse reader: the mapping s = svec(Σ F_i x_i - F_0), the free-form syntax, and errors with line numbers.</summary>
[Collection("Console")]
public class SdpaReaderTests(ITestOutputHelper log)
{
    private static ProblemFile Parse(string text) => SdpaReader.Read(new StringReader(text), "t", "t.dat-s");

    private static string Root => CliHarness.Problems("sdp");

    [Fact]
    public void SlackIsSvecOfSumOfFiTimesXMinusF0()
    {
        // m = 2, one 2x2 block and one diagonal block of 2. For x = (1.5, -2) the slack blocks are
        // X = 1.5 F1 - 2 F2 - F0 with F0 = [[1, 2], [2, 0]], F1 = [[1, 0], [0, 3]], F2 = [[0, 1], [1, 0]]  ->  [[0.5, -4], [-4, 4.5]],
        // and the diagonal 1.5 (1, 0) - 2 (0, 1) - (-1, 0) = (2.5, -2).
        var file = Parse("\"comment\n* another\n2 =mDIM\n2 =nBLOCK\n{2, -2}\n{3.0, -1.0}\n0 1 1 1 1\n0,1,1,2,2\n(1 1 1 1 1)\n1 1 2 2 3\n2 1 2 1 1\n0 2 1 1 -1\n1 2 1 1 1\n2 2 2 2 1\n");
        var p = file.Problem;
        Assert.Equal("sdpa", file.Format);
        Assert.False(file.Maximize);
        Assert.Equal([3.0, -1.0], p.Q);
        Assert.Equal(new ConeSpec[] { new PsdConeSpec(2), new NonnegativeConeSpec(2) }, p.Cones);
        double[] x = [1.5, -2];
        var s = new double[p.Constraints];
        p.A.Multiply(x, s);
        for (int i = 0; i < s.Length; i++) s[i] = p.B[i] - s[i];
        double[] expected = [0.5, -4 * Math.Sqrt(2), 4.5, 2.5, -2];
        for (int i = 0; i < s.Length; i++) Assert.Equal(expected[i], s[i], 12);
    }

    [Fact]
    public void CostVectorMaySpanLinesAndRepeatedEntriesAreSummed()
    {
        var p = Parse("3\n1\n1\n1 2\n3\n0 1 1 1 1\n0 1 1 1 2\n").Problem;
        Assert.Equal([1.0, 2.0, 3.0], p.Q);
        Assert.Equal(-3.0, p.B[0]);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("x\n1\n1\n1\n", "line 1")]
    [InlineData("1\n1\n0\n1\n", "line 3")]
    [InlineData("1\n1\n2\n1\n0 1 3 1 1\n", "line 5")]
    [InlineData("1\n1\n2\n1\n2 1 1 1 1\n", "line 5")]
    [InlineData("1\n1\n2\n1\n0 2 1 1 1\n", "line 5")]
    [InlineData("1\n1\n-2\n1\n0 1 1 2 1\n", "diagonal")]
    [InlineData("1\n1\n2\n1\n0 1 1 1\n", "line 5")]
    [InlineData("1\n1\n2\n1\n0 1 1 1 abc\n", "line 5")]
    [InlineData("2\n1\n2\n1\n", "truncated")]
    [InlineData("1\n1\n2\n1 2\n", "more than m")]
    public void MalformedFilesAreRejectedWithTheLine(string text, string fragment)
    {
        var ex = Assert.Throws<InputException>(() => Parse(text));
        Assert.Contains(fragment, ex.Message);
    }

    internal sealed record Entry(string File, string Status, double? Objective, string Derivation);

    private static List<Entry> Manifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")));
        return doc.RootElement.GetProperty("problems").EnumerateArray().Select(e => new Entry(e.GetProperty("file").GetString()!,
            e.GetProperty("status").GetString()!,
            e.GetProperty("objective").ValueKind == JsonValueKind.Number ? e.GetProperty("objective").GetDouble() : null,
            e.GetProperty("derivation").GetString()!)).ToList();
    }

    [Fact]
    public void EverySdpProblemFileReachesItsRecordedStatusAndOptimum()
    {
        var files = Directory.EnumerateFiles(Root, "*.dat-s").Select(f => Path.GetFileName(f)!).Order().ToList();
        Assert.Equal(files, Manifest().Select(e => e.File).Order().ToList());
        foreach (var e in Manifest())
        {
            var file = ProblemFile.Read(Path.Combine(Root, e.File));
            var r = ConicSolver.Solve(file.Problem);
            log.WriteLine($"{e.File}: {r.Status.ToName()} {r.PrimalObjective:G12} in {r.Iterations} iterations");
            Assert.Equal(e.Status, r.Status.ToName());
            if (e.Objective is { } f) Assert.Equal(f, file.ToFileSense(r.PrimalObjective), 6);
        }
    }

    [Fact]
    public void EcnnSdpAndSolveReportTheSameJsonKeysForAnSdpaFile()
    {
        var path = Path.Combine(Root, "theta_c5.dat-s");
        var (e1, o1, _) = CliHarness.Run("sdp", path, "--json");
        var (e2, o2, _) = CliHarness.Run("solve", path, "--json");
        Assert.Equal(0, e1); Assert.Equal(0, e2);
        using var d1 = JsonDocument.Parse(o1); using var d2 = JsonDocument.Parse(o2);
        Assert.Equal(d2.RootElement.EnumerateObject().Select(p => p.Name), d1.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("solved", d1.RootElement.GetProperty("status").GetString());
        Assert.Equal("sdpa", d1.RootElement.GetProperty("format").GetString());
        Assert.Equal(Math.Sqrt(5), d1.RootElement.GetProperty("objective").GetDouble(), 6);
        // The default method on an SDPA file is the infeasible-start one (its normal equations); --method homogeneous
        // names the embedding's Schur complement.
        Assert.Equal("hkm_normal_equations", d2.RootElement.GetProperty("kkt_solver").GetString());
        Assert.Equal(0, d2.RootElement.GetProperty("retries").GetInt32());
        var (e3, o3, _) = CliHarness.Run("solve", path, "--json", "--method", "homogeneous");
        Assert.Equal(0, e3);
        using var d3 = JsonDocument.Parse(o3);
        Assert.Equal("schur_complement", d3.RootElement.GetProperty("kkt_solver").GetString());
        Assert.Equal(Math.Sqrt(5), d3.RootElement.GetProperty("objective").GetDouble(), 6);
    }

    [Fact]
    public void EcnnSdpOnAMalformedFileExitsWithCodeTwo()
    {
        var dir = CliHarness.TempDir();
        var path = Path.Combine(dir, "bad.dat-s");
        File.WriteAllText(path, "1\n1\n2\n1\n0 1 9 1 1\n");
        var (exit, output, err) = CliHarness.Run("sdp", path);
        Assert.Equal(CliRunner.InputError, exit);
        Assert.Equal("", output);
        Assert.Contains("line 5", err);
    }
}
