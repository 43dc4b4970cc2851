using System.Numerics;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Numerics;

namespace ExactConvexNN.Tests.Core.Arrangements;

public class IncrementalEnumeratorTests
{
    internal static double[,] M(params double[][] rows)
    {
        var x = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < rows[0].Length; j++) x[i, j] = rows[i][j];
        return x;
    }

    private static string[] Patterns(Arrangement a) => a.Chambers.Select(c => c.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The defining property of a chamber, checked independently of the enumerator's own conversions:
    /// x_j'g, computed in exact rationals from the doubles, is nonzero on every nonzero row and its sign is the
    /// pattern; patterns are distinct; without zero rows, the antipode -g of every chamber is a chamber.
    /// </summary>
    internal static void AssertChambersAreExact(double[,] x, Arrangement a)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        Assert.Equal(n, a.Rows);
        Assert.Equal(d, a.Columns);
        var seen = new HashSet<string>();
        bool anyZeroRow = false;
        foreach (var c in a.Chambers)
        {
            Assert.True(seen.Add(c.ToString()), $"pattern {c} appears twice");
            Assert.Equal(d, c.Witness.Length);
            for (int j = 0; j < n; j++)
            {
                var dot = Rational.Zero;
                bool zeroRow = true;
                for (int i = 0; i < d; i++)
                {
                    dot += Rational.FromDouble(x[j, i]) * c.Witness[i];
                    zeroRow &= x[j, i] == 0;
                }
                anyZeroRow |= zeroRow;
                if (zeroRow) Assert.True(c[j], "a zero row must be active");
                else
                {
                    Assert.False(dot.IsZero, $"witness of {c} lies on the hyperplane of row {j + 1}");
                    Assert.Equal(dot.Sign > 0, c[j]);
                }
            }
        }
        if (!anyZeroRow)
            foreach (var c in a.Chambers)
                Assert.Contains(new string(c.ToString().Select(ch => ch == '1' ? '0' : '1').ToArray()), seen);
    }

    private static BigInteger Binomial(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        BigInteger r = 1;
        for (int i = 0; i < k; i++) r = r * (n - i) / (i + 1);
        return r;
    }

    [Fact]
    public void ThreeLinesInThePlaneMakeSixChambers()
    {
        var x = M([1, 0], [0, 1], [-1, -1]);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(6, a.Chambers.Count);
        Assert.Equal((2, 3), (a.Rank, a.Hyperplanes));
        AssertChambersAreExact(x, a);
        // Every chamber of a planar arrangement of at least two lines is a sector bounded by two lines.
        Assert.All(a.Chambers, c => Assert.Equal(2, c.FacetRows!.Length));
        // The all-active pattern 111 is impossible (the rows sum to zero), and so is 000.
        Assert.DoesNotContain("111", Patterns(a));
        Assert.DoesNotContain("000", Patterns(a));
    }

    [Fact]
    public void CoordinateHyperplanesMakeTheEightOrthants()
    {
        var x = M([1, 0, 0], [0, 1, 0], [0, 0, 1]);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(8, a.Chambers.Count);
        Assert.All(a.Chambers, c => Assert.Equal(new[] { 0, 1, 2 }, c.FacetRows));
        AssertChambersAreExact(x, a);
    }

    [Fact]
    public void BraidArrangementInR4HasFourFactorialChambers()
    {
        // Rows e_i - e_j for i != j: the chambers are the 4! orderings of the coordinates of g.
        var rows = new List<double[]>();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                if (i != j) { var r = new double[4]; r[i] = 1; r[j] = -1; rows.Add(r); }
        var x = M(rows.ToArray());
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(24, a.Chambers.Count);
        Assert.Equal((3, 6), (a.Rank, a.Hyperplanes));
        AssertChambersAreExact(x, a);
        // Each chamber is an ordering of g's coordinates; adjacent transpositions are its 3 facets.
        Assert.All(a.Chambers, c => Assert.Equal(3, c.FacetRows!.Length));
    }

    [Fact]
    public void NonzeroVectorsOfTheBooleanCubeMakeThirtyTwoChambers()
    {
        var rows = Enumerable.Range(1, 7).Select(b => new double[] { b & 1, (b >> 1) & 1, (b >> 2) & 1 }).ToArray();
        var x = M(rows);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(32, a.Chambers.Count);
        AssertChambersAreExact(x, a);
    }

    [Fact]
    public void ThreePointExampleHasPatterns000001110111()
    {
        var x = M([2, 2], [3, 3], [1, 0]);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(new[] { "000", "001", "110", "111" }, Patterns(a));
        Assert.Equal(new[] { 0, 0, 1 }, a.RowHyperplane);
        AssertChambersAreExact(x, a);
    }

    [Fact]
    public void ZeroRepeatedAndNegativeRowsShareHyperplanes()
    {
        // Hyperplanes g1 = 0 (rows 1, 3, 4) and g2 = 0 (row 5); row 2 is zero.
        var x = M([1, 0], [0, 0], [2, 0], [-3, 0], [0, 1], [1, 0]);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(new[] { 0, -1, 0, 0, 1, 0 }, a.RowHyperplane);
        Assert.Equal(2, a.Hyperplanes);
        // With a = 1[g1 > 0], b = 1[g2 > 0] the pattern is (a, 1, a, not a, b, a) for the four sign choices.
        Assert.Equal(new[] { "010100", "010110", "111001", "111011" }, Patterns(a));
        AssertChambersAreExact(x, a);
        Assert.All(a.Chambers, c => Assert.Equal(new[] { 0, 4 }, c.FacetRows));
    }

    [Fact]
    public void AllZeroDataHasOneChamberWithEveryRowActive()
    {
        var a = IncrementalEnumerator.Enumerate(new double[3, 2]);
        Assert.Equal(new[] { "111" }, Patterns(a));
        Assert.Equal(0, a.Rank);
        Assert.Empty(a.Chambers[0].FacetRows!);
    }

    [Fact]
    public void NearlyParallelRowsAreDistinguishedExactly()
    {
        // (1, 1) and (1, 1 + 2^-52) are distinct lines at an angle of about 1e-16: four chambers, two of them slivers.
        double eps = Math.ScaleB(1, -52);
        var x = M([1, 1], [1, 1 + eps], [0.1, 0.1 * 3]);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(3, a.Hyperplanes);
        Assert.Equal(6, a.Chambers.Count);
        AssertChambersAreExact(x, a);
        // Scaling a row by an exact power of two changes nothing.
        var y = M([0.5, 0.5], [1, 1], [Math.ScaleB(1, -1000), Math.ScaleB(1, -1000)]);
        Assert.Equal(1, IncrementalEnumerator.Enumerate(y).Hyperplanes);
    }

    [Fact]
    public void RandomArrangementsInGeneralPositionMatchTheClosedForm()
    {
        // Central arrangement of m hyperplanes in general position in R^d: 2 * sum_{i<d} C(m-1, i) chambers.
        var rng = new Random(12345);
        int tested = 0;
        while (tested < 12)
        {
            int d = rng.Next(2, 5), n = rng.Next(d, 9);
            var x = new double[n, d];
            for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i, j] = rng.Next(-6, 7);
            if (!InGeneralPosition(x)) continue;
            var a = IncrementalEnumerator.Enumerate(x);
            BigInteger expected = 0;
            for (int i = 0; i < d; i++) expected += Binomial(n - 1, i);
            Assert.Equal(2 * expected, (BigInteger)a.Chambers.Count);
            AssertChambersAreExact(x, a);
            tested++;
        }
    }

    [Fact]
    public void EverySampledDirectionFallsInAnEnumeratedChamber()
    {
        // Degenerate random data (small entries, repeated directions): sampled integer directions g off the
        // hyperplanes give patterns that must all be among the enumerated ones.
        var rng = new Random(7);
        for (int trial = 0; trial < 6; trial++)
        {
            int d = rng.Next(2, 5), n = rng.Next(3, 11);
            var x = new double[n, d];
            for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i, j] = rng.Next(-2, 3);
            var a = IncrementalEnumerator.Enumerate(x);
            AssertChambersAreExact(x, a);
            var patterns = new HashSet<string>(Patterns(a));
            for (int s = 0; s < 300; s++)
            {
                var g = Enumerable.Range(0, d).Select(_ => rng.Next(-50, 51)).ToArray();
                var dots = Enumerable.Range(0, n).Select(j => Enumerable.Range(0, d).Sum(i => (int)x[j, i] * g[i])).ToArray();
                bool onHyperplane = Enumerable.Range(0, n).Any(j => dots[j] == 0 && Enumerable.Range(0, d).Any(i => x[j, i] != 0));
                if (onHyperplane) continue;
                Assert.Contains(new string(dots.Select(v => v >= 0 ? '1' : '0').ToArray()), patterns);
            }
        }
    }

    private static bool InGeneralPosition(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var rows = Enumerable.Range(0, n).Select(i => ExactVector.FromRow(x, i)).ToArray();
        // Every subset of min(n, d) rows must be linearly independent.
        int k = Math.Min(n, d);
        foreach (var subset in Subsets(n, k))
            if (ExactRows.RankAndPivots(subset.Select(i => rows[i]).ToArray(), d).Rank < k) return false;
        return true;
    }

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        var idx = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return (int[])idx.Clone();
            int i = k - 1;
            while (i >= 0 && idx[i] == n - k + i) i--;
            if (i < 0) yield break;
            idx[i]++;
            for (int j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
        }
    }
}
