using System.Numerics;
using ExactConvexNN.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Numerics;

public class ExactSimplexTests
{
    private static BigInteger[][] Rows(params long[][] rows) =>
        rows.Select(r => r.Select(v => (BigInteger)v).ToArray()).ToArray();

    private static void AssertStrictWitness(IReadOnlyList<BigInteger[]> rows, BigInteger[] g)
    {
        foreach (var r in rows) Assert.True(ExactRows.Dot(r, g) > 0, $"r'g = {ExactRows.Dot(r, g)} for r = [{string.Join(",", r)}]");
    }

    private static Rational[,] Matrix(long[,] a)
    {
        var m = new Rational[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) m[i, j] = a[i, j];
        return m;
    }

    [Fact]
    public void FeasibleStrictSystemGetsAnExactIntegerWitness()
    {
        var rows = Rows([1, 0], [0, 1], [1, 1], [3, -1]);
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindInterior(rows, 2, out var g));
        AssertStrictWitness(rows, g);
    }

    [Fact]
    public void NarrowConeIsFoundExactly()
    {
        // The cone between the directions (10^6, 10^6 + 1) and (10^6 + 1, 10^6): a sliver no coarse grid would hit.
        var rows = Rows([1_000_000, -999_999], [-1_000_001, 1_000_000]);
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindInterior(rows, 2, out var g));
        AssertStrictWitness(rows, g);
    }

    [Theory]
    [InlineData(new long[] { 1, 0, -1, 0 })]              // x > 0 and -x > 0
    [InlineData(new long[] { 1, 0, 0, 1, -1, -1 })]       // e1 + e2 + (-e1 - e2) = 0 (Gordan)
    [InlineData(new long[] { 0, 0 })]                     // 0'g > 0
    [InlineData(new long[] { 2, 1, -1, 3, -1, -4 })]      // (2,1) + (-1,3) + (-1,-4) = 0
    public void InfeasibleStrictSystemsAreRecognized(long[] flat)
    {
        var rows = Enumerable.Range(0, flat.Length / 2).Select(i => new BigInteger[] { flat[2 * i], flat[2 * i + 1] }).ToArray();
        Assert.Equal(FeasibilityStatus.Infeasible, ExactSimplex.FindInterior(rows, 2, out var g));
        Assert.Empty(g);
    }

    [Fact]
    public void NoRowsMeansTheWholeSpace()
    {
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindInterior([], 3, out var g));
        Assert.Equal(3, g.Length);
        Assert.False(ExactVector.IsZero(g));
    }

    [Fact]
    public void NonHomogeneousSystemsWithNegativeRightHandSides()
    {
        // x >= 1 and -x >= -1: exactly x = 1.
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindPoint(Matrix(new long[,] { { 1 }, { -1 } }), [1, -1], out var x));
        Assert.Equal(Rational.One, x[0]);
        // x1 + x2 >= 3 with x1 <= 1, x2 <= 1: infeasible; with x1, x2 <= 2: feasible.
        var a = Matrix(new long[,] { { 1, 1 }, { -1, 0 }, { 0, -1 } });
        Assert.Equal(FeasibilityStatus.Infeasible, ExactSimplex.FindPoint(a, [3, -1, -1], out _));
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindPoint(a, [3, -2, -2], out var y));
        Assert.True(y[0] + y[1] >= 3 && y[0] <= 2 && y[1] <= 2);
        // Fractional answers: 3 x >= 1 and -3 x >= -1 gives x = 1/3 exactly.
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindPoint(Matrix(new long[,] { { 3 }, { -3 } }), [1, -1], out var z));
        Assert.Equal(Rational.Create(1, 3), z[0]);
    }

    [Fact]
    public void HighlyDegenerateSystemTerminates()
    {
        // Many constraints tight at the same vertex (the origin shifted): Bland's rule must not cycle.
        var rows = new List<long[]>();
        for (int i = -4; i <= 4; i++)
            for (int j = -4; j <= 4; j++)
                if (i + j > 0 || (i + j == 0 && i > 0)) rows.Add([i, j, 1]);
        var a = new long[rows.Count, 3];
        for (int i = 0; i < rows.Count; i++) for (int j = 0; j < 3; j++) a[i, j] = rows[i][j];
        var b = Enumerable.Repeat(Rational.Zero, rows.Count).ToArray();
        Assert.Equal(FeasibilityStatus.Feasible, ExactSimplex.FindPoint(Matrix(a), b, out var x));
        for (int i = 0; i < rows.Count; i++)
            Assert.True(rows[i][0] * x[0] + rows[i][1] * x[1] + rows[i][2] * x[2] >= Rational.Zero);
    }

    private static readonly Gen<BigInteger[]> SmallVector3 =
        Gen.ArrayOf(Gen.Choose(-5, 5), 3).Select(v => v.Select(a => (BigInteger)a).ToArray());

    /// <summary>The generators of these properties: small integer vectors in three dimensions.</summary>
    public static class Generators
    {
        /// <summary>A nonzero point g0 and 1..8 rows.</summary>
        public static Arbitrary<(BigInteger[] G0, BigInteger[][] Rows)> PointAndRows() =>
            Arb.From(Gen.Zip(SmallVector3.Where(v => !ExactVector.IsZero(v)), Gen.Choose(1, 8).SelectMany(k => Gen.ArrayOf(SmallVector3, k))));

        /// <summary>1..6 rows and six positive weights 1..4.</summary>
        public static Arbitrary<(BigInteger[][] Rows, int[] Weights)> RowsAndWeights() =>
            Arb.From(Gen.Zip(Gen.Choose(1, 6).SelectMany(k => Gen.ArrayOf(SmallVector3, k)), Gen.ArrayOf(Gen.Choose(1, 4), 6)));
    }

    /// <remarks>Flipping each random row to the side of a random g0 makes g0 strictly feasible by construction.</remarks>
    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool RowsOrientedTowardsAPointAreFeasible((BigInteger[] G0, BigInteger[][] Rows) t)
    {
        var (g0, raw) = t;
        var rows = raw.Select(r => ExactRows.Dot(r, g0).Sign < 0 ? r.Select(a => -a).ToArray() : r)
            .Where(r => ExactRows.Dot(r, g0).Sign > 0).ToArray();
        if (ExactSimplex.FindInterior(rows, 3, out var g) != FeasibilityStatus.Feasible) return false;
        return rows.All(r => ExactRows.Dot(r, g) > 0);
    }

    /// <remarks>Appending -(sum of positive multiples of the rows) makes y'A = 0 with y &gt; 0: infeasible by Gordan.</remarks>
    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool RowsWithANegativeCombinationAreInfeasible((BigInteger[][] Rows, int[] Weights) t)
    {
        var (raw, weights) = t;
        var rows = raw.ToList();
        var last = new BigInteger[3];
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < 3; j++) last[j] -= weights[i] * rows[i][j];
        rows.Add(last);
        return ExactSimplex.FindInterior(rows, 3, out _) == FeasibilityStatus.Infeasible;
    }
}
