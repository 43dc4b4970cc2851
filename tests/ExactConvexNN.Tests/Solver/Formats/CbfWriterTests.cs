using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using FsCheck;
using FsCheck.Fluent;
using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

public class CbfWriterTests
{
    /// <summary>A random problem from a seed: 1-6 variables, 1-4 cone blocks, about half the entries zero, awkward doubles.</summary>
    private static ConicProblem RandomProblem(int seed)
    {
        var rng = new Random(seed);
        double Value() => rng.Next(3) == 0 ? 0.0 : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 8));
        int n = rng.Next(1, 7);
        var cones = new List<ConeSpec>();
        int blocks = rng.Next(1, 5);
        for (int k = 0; k < blocks; k++)
        {
            int d = rng.Next(1, 4);
            // Alternate kinds so adjacent linear blocks never merge on reading.
            cones.Add(((k + seed) % 4) switch
            {
                0 => new ZeroConeSpec(d), 1 => (ConeSpec)new NonnegativeConeSpec(d), 2 => new SecondOrderConeSpec(d), _ => new ExponentialConeSpec(),
            });
        }
        int m = cones.Sum(k => k.Dimension);
        var a = new List<(int, int, double)>();
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) { double v = Value(); if (v != 0) a.Add((i, j, v)); }
        return ConicProblem.Create(null, Enumerable.Range(0, n).Select(_ => Value()).ToArray(), CscMatrix.FromTriplets(m, n, a),
            Enumerable.Range(0, m).Select(_ => Value()).ToArray(), cones, Value());
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void WritingThenReadingReturnsTheSameProblemExactly(Seed seed)
    {
        var original = RandomProblem(seed);
        var back = Cbf(CbfWriter.ToText(original));
        AssertSameProblem(original, back.Problem);
        Assert.False(back.Maximize);
    }

    [Fact]
    public void AReadFileWithEveryConeRoundTripsIncludingItsMaximizationSense()
    {
        const string text = "VER\n3\nOBJSENSE\nMAX\nVAR\n4 3\nF 1\nL- 1\nQR 2\nCON\n3 2\nL= 1\nQR 2\n" +
                            "OBJACOORD\n2\n0 1\n3 -0.1\nOBJBCOORD\n-7.5\nACOORD\n3\n0 0 1\n1 1 2\n2 2 3\nBCOORD\n1\n1 0.5\n";
        var first = Cbf(text);
        var written = CbfWriter.ToText(first);
        Assert.Contains("MAX", written);
        var second = Cbf(written);
        Assert.True(second.Maximize);
        AssertSameProblem(first.Problem, second.Problem);
    }

    [Fact]
    public void AQuadraticObjectiveIsRefusedBecauseCbfHasNone()
    {
        var p = ConicProblem.Create(CscMatrix.Identity(1), [1.0], CscMatrix.Zeros(0, 1), [], []);
        var e = Assert.Throws<InputException>(() => CbfWriter.ToText(p));
        Assert.Contains("P is nonzero", e.Message);
    }
}
