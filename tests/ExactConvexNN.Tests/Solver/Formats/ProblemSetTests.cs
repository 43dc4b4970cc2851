using ExactConvexNN.Solver;
using System.Text.Json;
using ExactConvexNN.Cli.Commands;
using ExactConvexNN.Solver.Formats;
using Xunit.Abstractions;
using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>The problem files in problems/solver against their manifest expected.json.</summary>
public class ProblemSetTests(ITestOutputHelper log)
{
    internal sealed record Expected(string File, string Status, double? Objective, double[]? Solution, string Derivation);

    internal static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "problems", "solver");
                if (File.Exists(Path.Combine(candidate, "expected.json"))) return candidate;
            }
            throw new InvalidOperationException("problems/solver/expected.json not found above the test binaries");
        }
    }

    internal static IReadOnlyList<Expected> Manifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")));
        return doc.RootElement.GetProperty("problems").EnumerateArray().Select(e => new Expected(
            e.GetProperty("file").GetString()!,
            e.GetProperty("status").GetString()!,
            e.GetProperty("objective").ValueKind == JsonValueKind.Number ? e.GetProperty("objective").GetDouble() : null,
            e.TryGetProperty("solution", out var s) ? s.EnumerateArray().Select(v => v.GetDouble()).ToArray() : null,
            e.GetProperty("derivation").GetString()!)).ToList();
    }

    private static bool Close(double expected, double actual, double rel) => Math.Abs(expected - actual) <= rel * Math.Max(1.0, Math.Abs(expected));

    [Fact]
    public void EveryProblemFileIsInTheManifestAndEveryEntryHasAFile()
    {
        var files = new[] { "optimal", "infeasible", "unbounded" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d)))
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/')).Order().ToList();
        Assert.Equal(files, Manifest().Select(e => e.File).Order().ToList());
        Assert.True(files.Count >= 8);
        foreach (var e in Manifest())
        {
            string folder = e.File.Split('/')[0];
            Assert.Equal(folder switch { "optimal" => "solved", "infeasible" => "primal_infeasible", _ => "dual_infeasible" }, e.Status);
        }
    }

    [Fact]
    public void EveryFileReadsAndEachRecordedOptimumIsFeasibleAndAttainsTheRecordedObjective()
    {
        foreach (var e in Manifest())
        {
            var file = ProblemFile.Read(Path.Combine(Root, e.File));
            if (e.Solution is null) continue;
            Assert.True(ConeMargin(file.Problem, e.Solution) >= -1e-9, $"{e.File}: the recorded solution is infeasible");
            Assert.True(Close(e.Objective!.Value, file.ToFileSense(Objective(file.Problem, e.Solution)), 1e-12), $"{e.File}: the recorded solution does not attain the recorded objective");
        }
    }

    [Fact]
    public void TheSolverReachesEveryRecordedStatusAndOptimum()
    {
        var failures = new List<string>();
        foreach (var e in Manifest())
        {
            var file = ProblemFile.Read(Path.Combine(Root, e.File));
            var r = ExactConvexNN.Solver.ConicSolver.Solve(file.Problem, new ExactConvexNN.Solver.SolverSettings());
            SolvedInvariant.Check(file.Problem, r);
            string status = r.Status.ToName();
            double objective = file.ToFileSense(r.PrimalObjective);
            log.WriteLine($"{e.File}: {status} objective {objective:G12} (expected {e.Status} {e.Objective}) in {r.Iterations} iterations");
            if (status != e.Status) failures.Add($"{e.File}: status {status}, expected {e.Status}");
            else if (e.Objective is { } f && !Close(f, objective, 1e-6)) failures.Add($"{e.File}: objective {objective:R}, expected {f:R}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
