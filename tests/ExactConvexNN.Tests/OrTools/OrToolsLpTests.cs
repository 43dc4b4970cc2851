using ExactConvexNN.OrTools;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Tests.Solver;

namespace ExactConvexNN.Tests.OrTools;

/// <summary>
/// OR-Tools as an independent referee: every linear program of the solver conformance suite, the shipped LP files and
/// random planted LPs are solved by GLOP (and PDLP), whose status must agree with the expected one and with the
/// interior-point solver's, and whose optimum must agree to 1e-7.
/// </summary>
public class OrToolsLpTests
{
    private const double Agreement = 1e-7;

    public static TheoryData<string> ConformanceLps => [.. SolverConformance.LinearPrograms.Select(c => c.Name)];

    private static void AssertSameAnswer(SolverStatus expected, double optimum, SolverResult reference, SolverResult ipm, double tolerance)
    {
        Assert.Equal(expected, reference.Status);
        Assert.Equal(expected, ipm.Status);
        if (expected != SolverStatus.Solved) return;
        double scale = 1 + Math.Abs(optimum);
        Assert.True(Math.Abs(reference.PrimalObjective - optimum) <= tolerance * scale, $"OR-Tools {reference.PrimalObjective}, expected {optimum}");
        Assert.True(Math.Abs(ipm.PrimalObjective - reference.PrimalObjective) <= tolerance * scale, $"ecnn {ipm.PrimalObjective}, OR-Tools {reference.PrimalObjective}");
    }

    [Theory]
    [MemberData(nameof(ConformanceLps))]
    public void GlopAgreesWithTheInteriorPointSolverOnEveryConformanceLp(string name)
    {
        var (_, p, status, optimum) = SolverConformance.LinearPrograms.Single(c => c.Name == name);
        var glop = OrToolsLp.Solve(p, LpSolver.Glop);
        AssertSameAnswer(status, optimum, glop, ConicSolver.Solve(p), Agreement);
        if (status == SolverStatus.Solved) Assert.True(glop.PrimalResidual < 1e-12 && glop.DualResidual < 1e-12, "a simplex vertex is exact to rounding");
    }

    [Theory]
    [MemberData(nameof(ConformanceLps))]
    public void PdlpAgreesWithTheInteriorPointSolverOnEveryConformanceLp(string name)
    {
        // PDLP is a first-order method: its answer meets the tolerances it was given (1e-8 here), no more.
        var (_, p, status, optimum) = SolverConformance.LinearPrograms.Single(c => c.Name == name);
        AssertSameAnswer(status, optimum, OrToolsLp.Solve(p, LpSolver.Pdlp), ConicSolver.Solve(p), Agreement);
    }

    [Fact]
    public void GlopAgreesWithTheManifestOnEveryShippedLpFile()
    {
        int checkedFiles = 0;
        foreach (var e in ProblemSetTests.Manifest())
        {
            var file = ProblemFile.Read(Path.Combine(ProblemSetTests.Root, e.File));
            if (OrToolsLp.NonlinearPart(file.Problem) is not null) continue;
            var glop = OrToolsLp.Solve(file.Problem, LpSolver.Glop);
            Assert.Equal(e.Status, glop.Status.ToName());
            if (e.Objective is double optimum)
                Assert.True(Math.Abs(file.ToFileSense(glop.PrimalObjective) - optimum) <= Agreement * (1 + Math.Abs(optimum)), $"{e.File}: {glop.PrimalObjective}");
            checkedFiles++;
        }
        Assert.True(checkedFiles >= 5, $"only {checkedFiles} LP files");
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 100, Replay = "20261122,7")]
    public void GlopReachesThePlantedOptimumOfRandomLpsAsTheInteriorPointSolverDoes(Seed seed)
    {
        var (p, optimum) = SolverPropertyTests.PlantedProblem(new Random(seed), quadratic: false, linear: true);
        Assert.Null(OrToolsLp.NonlinearPart(p));
        AssertSameAnswer(SolverStatus.Solved, optimum, OrToolsLp.Solve(p, LpSolver.Glop), ConicSolver.Solve(p), Agreement);
    }

    [Fact]
    public void GlopDualsAreTheConicDualsOfTheProblem()
    {
        // SolverConformance: the vertex (8/5, 6/5) with multipliers z = (2/5, 1/5, 0, 0).
        var r = OrToolsLp.Solve(SolverConformance.TwoActiveConstraintsLp, LpSolver.Glop);
        Assert.Equal([1.6, 1.2], r.X, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal([0.4, 0.2, 0, 0], r.Z, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.True(r.Gap < 1e-12);
    }

    [Fact]
    public void NonlinearPartsAreNamed()
    {
        var a = CscMatrix.Identity(2);
        Assert.Null(OrToolsLp.NonlinearPart(SolverConformance.TwoActiveConstraintsLp));
        Assert.Equal("a quadratic objective", OrToolsLp.NonlinearPart(ConicProblem.Create(CscMatrix.Identity(2), [0, 0], a, [1, 1], [new NonnegativeConeSpec(2)])));
        Assert.Equal("a second-order cone", OrToolsLp.NonlinearPart(ConicProblem.Create(null, [0, 0], a, [1, 1], [new SecondOrderConeSpec(2)])));
        Assert.Equal("a semidefinite cone", OrToolsLp.NonlinearPart(ConicProblem.Create(null, [0, 0, 0], CscMatrix.Identity(3), [1, 0, 1], [new PsdConeSpec(2)])));
        Assert.Throws<ArgumentException>(() => OrToolsLp.Solve(ConicProblem.Create(null, [0, 0], a, [1, 1], [new SecondOrderConeSpec(2)]), LpSolver.Glop));
    }

    [Fact]
    public void TheNativeRuntimeLoadsOnThisPlatform() => Assert.Null(OrToolsLp.Unavailable());
}
