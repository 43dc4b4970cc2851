using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Tests.Cli;

namespace ExactConvexNN.Tests.Solver;

/// <summary>A quadratic objective that is not convex is refused where problem files enter, for small and large P.</summary>
[Collection("Console")]
public class ConvexityTests
{
    private const string NonconvexQps = """
        * min x^2 + 3xy + y^2 on the box [-1, 1]^2: P = [[2, 3], [3, 2]] has eigenvalue -1 (true minimum -1, not 0)
        NAME NONCONVEX
        ROWS
         N obj
        COLUMNS
         x obj 0
         y obj 0
        RHS
        BOUNDS
         LO bnd x -1
         UP bnd x 1
         LO bnd y -1
         UP bnd y 1
        QUADOBJ
         x x 2
         x y 3
         y y 2
        ENDATA
        """;

    [Fact]
    public void SolveRefusesANonconvexQpNamingItsSmallestEigenvalue()
    {
        var file = Path.Combine(CliHarness.TempDir(), "nonconvex.qps");
        File.WriteAllText(file, NonconvexQps);
        var r = CliHarness.Run("solve", file);
        HostileInputTests.AssertRefused(r, "not convex");
        Assert.Contains("smallest eigenvalue is -1", r.Err);
    }

    [Fact]
    public void SolveStillSolvesTheConvexQpsAndExitsZero()
    {
        var (exit, output, err) = CliHarness.Run("solve", CliHarness.Problems("solver", "optimal", "qp_box.qps"));
        Assert.True(exit == 0, err);
        Assert.Contains("solved", output);
    }

    [Fact]
    public void SolveThatStopsAtTheIterationLimitExitsThree()
    {
        var (exit, output, _) = CliHarness.Run("solve", CliHarness.Problems("solver", "optimal", "HS21.qps"), "--max-iter", "1");
        Assert.Equal(ExactConvexNN.Cli.CliRunner.NotSolved, exit);
        Assert.Contains("max_iterations", output);
    }

    /// <summary>Tridiagonal P of order n with diagonal a and off-diagonal b (upper triangle): eigenvalues a + 2b cos(k pi/(n+1)).</summary>
    private static CscMatrix Tridiagonal(int n, double a, double b)
    {
        var t = new List<(int, int, double)>();
        for (int i = 0; i < n; i++) { t.Add((i, i, a)); if (i + 1 < n) t.Add((i, i + 1, b)); }
        return CscMatrix.FromTriplets(n, n, t);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(2000)] // above the dense order: the sparse LDL' decides
    public void LargeAndSmallPAreJudgedByTheirInertia(int n)
    {
        Assert.Null(Convexity.NegativeCurvature(Tridiagonal(n, 2, -1)));   // positive definite (eigenvalues in (0, 4))
        Assert.Null(Convexity.NegativeCurvature(Tridiagonal(n, 2, 1)));    // also positive definite
        Assert.NotNull(Convexity.NegativeCurvature(Tridiagonal(n, 2, 1.5))); // eigenvalues down to 2 - 3 cos(pi/(n+1)) < 0
        Assert.NotNull(Convexity.NegativeCurvature(Tridiagonal(n, -1e-3, 0)));
    }

    [Fact]
    public void ASingularPositiveSemidefinitePIsConvex()
    {
        // The path Laplacian: diagonal 1, 2, ..., 2, 1 and -1 off the diagonal; eigenvalue 0 (constant vector).
        foreach (int n in new[] { 10, 1000 })
        {
            var t = new List<(int, int, double)>();
            for (int i = 0; i < n; i++) { t.Add((i, i, i == 0 || i == n - 1 ? 1 : 2)); if (i + 1 < n) t.Add((i, i + 1, -1)); }
            Assert.Null(Convexity.NegativeCurvature(CscMatrix.FromTriplets(n, n, t)));
        }
    }
}
