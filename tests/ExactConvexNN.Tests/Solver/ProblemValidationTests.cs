using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using static ExactConvexNN.Tests.Solver.SolverConformance;

namespace ExactConvexNN.Tests.Solver;

/// <summary>Invalid problems are rejected by <see cref="ConicProblem.Create"/>, before any solve, with a message naming the fault.</summary>
public class ProblemValidationTests
{
    private static readonly CscMatrix A2x2 = Dense(new double[,] { { 1, 0 }, { 0, 1 } });

    [Fact]
    public void AValidProblemIsAccepted() =>
        Assert.Equal(2, ConicProblem.Create(CscMatrix.Identity(2), [1, 1], A2x2, [1, 1], [new NonnegativeConeSpec(2)]).Variables);

    [Theory]
    [InlineData("columns")]
    [InlineData("rows")]
    [InlineData("P size")]
    [InlineData("cone sizes")]
    [InlineData("asymmetric P")]
    [InlineData("non-finite q")]
    [InlineData("non-finite b")]
    [InlineData("negative cone")]
    public void InvalidProblemsAreRejectedWithAMessageNamingTheFault(string fault)
    {
        Func<ConicProblem> create = fault switch
        {
            "columns" => () => ConicProblem.Create(null, [1, 1, 1], A2x2, [1, 1], [new NonnegativeConeSpec(2)]),
            "rows" => () => ConicProblem.Create(null, [1, 1], A2x2, [1, 1, 1], [new NonnegativeConeSpec(3)]),
            "P size" => () => ConicProblem.Create(CscMatrix.Identity(3), [1, 1], A2x2, [1, 1], [new NonnegativeConeSpec(2)]),
            "cone sizes" => () => ConicProblem.Create(null, [1, 1], A2x2, [1, 1], [new NonnegativeConeSpec(1), new SecondOrderConeSpec(2)]),
            "asymmetric P" => () => ConicProblem.Create(Dense(new double[,] { { 2, 1 }, { 0.5, 2 } }), [1, 1], A2x2, [1, 1], [new NonnegativeConeSpec(2)]),
            "non-finite q" => () => ConicProblem.Create(null, [1, double.NaN], A2x2, [1, 1], [new NonnegativeConeSpec(2)]),
            "non-finite b" => () => ConicProblem.Create(null, [1, 1], A2x2, [1, double.PositiveInfinity], [new NonnegativeConeSpec(2)]),
            "negative cone" => () => ConicProblem.Create(null, [1, 1], A2x2, [1, 1], [new NonnegativeConeSpec(3), new ZeroConeSpec(-1)]),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        string expected = fault switch
        {
            "columns" => "A has 2 columns but q has length 3",
            "rows" => "A has 2 rows but b has length 3",
            "P size" => "P is 3x3 but there are 2 variables",
            "cone sizes" => "cone dimensions add up to 3 but A has 2 rows",
            "asymmetric P" => "P is not symmetric",
            "non-finite q" => "q[1] is not finite",
            "non-finite b" => "b[1] is not finite",
            "negative cone" => "negative dimension -1",
            _ => "",
        };
        var e = Assert.Throws<ArgumentException>(create);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
