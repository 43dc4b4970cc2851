using System.Numerics;
using ExactConvexNN.Arrangements;
using static ExactConvexNN.Tests.Core.Arrangements.ArrangementTestData;

namespace ExactConvexNN.Tests.Core.Arrangements;

public class ExactEnumeratorTests
{
    [Fact]
    public void ThreePointLectureExampleHasItsFourChambers()
    {
        var a = ArrangementEnumerator.Enumerate(Matrix([2, 2], [3, 3], [1, 0]));
        Assert.Equal(["000", "001", "110", "111"], Patterns(a).Order());
        Assert.Equal(2, a.Rank);
        Assert.Equal(2, a.Hyperplanes);
        Assert.Single(a.Chambers, c => c.IsAllZero);
    }

    public static TheoryData<string, double[][], int> KnownCounts => new()
    {
        { "three lines in the plane", [[1, 0], [0, 1], [-1, -1]], 6 },
        { "coordinate hyperplanes of R^3", [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 8 },
        { "braid arrangement A3 (e_i - e_j in R^4)", BraidRows(4), 24 },
        { "nonzero vectors of {0,1}^3", CubeRows(3), 32 },
    };

    [Theory]
    [MemberData(nameof(KnownCounts))]
    public void KnownArrangementsHaveTheirClassicalChamberCounts(string name, double[][] rows, int expected)
    {
        var x = Matrix(rows);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.True(expected == a.Chambers.Count, name);
        Assert.Equal(expected, (int)a.ExpectedChambers!.Value);
        foreach (var c in a.Chambers) AssertWitnessRecomputesPattern(x, c);
        Assert.Equal(a.Chambers.Count, Patterns(a).Count);
    }

    private static double[][] BraidRows(int d)
    {
        var rows = new List<double[]>();
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                if (i != j) { var r = new double[d]; r[i] = 1; r[j] = -1; rows.Add(r); }
        return [.. rows];
    }

    private static double[][] CubeRows(int d) =>
        Enumerable.Range(1, (1 << d) - 1).Select(mask => Enumerable.Range(0, d).Select(i => (double)((mask >> i) & 1)).ToArray()).ToArray();

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(200, 3, 1)]
    [InlineData(40, 4, 2)]
    [InlineData(300, 2, 3)]
    [InlineData(15, 5, 4)]
    public void GaussianDataIsInGeneralPositionAndMatchesTheClosedForm(int n, int d, int seed)
    {
        var x = Gaussian(n, d, seed);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(ChamberRecursion.GeneralPositionCount(n, d), (BigInteger)a.Chambers.Count);
        Assert.Equal(a.ExpectedChambers, (BigInteger)a.Chambers.Count);
        Assert.Equal(a.Chambers.Count, Patterns(a).Count);
        foreach (var c in a.Chambers.Take(300)) AssertWitnessRecomputesPattern(x, c);
    }

    [Fact]
    public void DegenerateRowsAreHandled()
    {
        // zero rows, a repeated row, positive and negative multiples, and a rank-deficient third column (= col1 + col2)
        var x = Matrix([0, 0, 0], [1, 2, 3], [1, 2, 3], [2, 4, 6], [-0.5, -1, -1.5], [1, -1, 0], [3, 1, 4], [0, 1, 1]);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(2, a.Rank);
        Assert.Equal(4, a.Hyperplanes);
        Assert.Equal(8, a.Chambers.Count);
        Assert.Equal(a.ExpectedChambers, (BigInteger)a.Chambers.Count);
        foreach (var c in a.Chambers)
        {
            AssertWitnessRecomputesPattern(x, c);
            Assert.True(c[0]);
            Assert.Equal(c[1], c[2]);
            Assert.Equal(c[1], c[3]);
            Assert.NotEqual(c[1], c[4]);
        }
        Assert.DoesNotContain(a.Chambers, c => c.IsAllZero);
    }

    [Fact]
    public void AllZeroDataHasOneChamberWithEveryRowActive()
    {
        var x = Matrix([0, 0], [0, 0]);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(0, a.Rank);
        var c = Assert.Single(a.Chambers);
        Assert.Equal("11", c.ToString());
        Assert.Equal(1, (int)a.ExpectedChambers!.Value);
    }

    [Fact]
    public void RankOneDataHasTwoChambers()
    {
        var x = Matrix([1, 2], [-2, -4], [0.5, 1]);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(1, a.Rank);
        Assert.Equal(["010", "101"], Patterns(a).Order());
    }

    [Fact]
    public void ExtremeMagnitudesInOneRowAreDecidedExactly()
    {
        // 1e-300 and 1e300 in the same row, and a row that differs from another only in the last bit.
        double next = Math.BitIncrement(1.0);
        var x = Matrix([1e300, 1e-300, 1], [1, 1, 1], [1, next, 1], [1e-300, -1e300, 3]);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(4, a.Hyperplanes);
        Assert.Equal(a.ExpectedChambers, (BigInteger)a.Chambers.Count);
        foreach (var c in a.Chambers) AssertWitnessRecomputesPattern(x, c);
    }

    [Fact]
    public void IntegerGridsWithManyConcurrenciesMatchTheIndependentCount()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            int d = 3 + seed % 2;
            var x = SmallIntegers(10 + seed % 5, d, 2, seed);
            var a = ArrangementEnumerator.Enumerate(x);
            Assert.Equal(a.ExpectedChambers, (BigInteger)a.Chambers.Count);
            foreach (var c in a.Chambers) AssertWitnessRecomputesPattern(x, c);
        }
    }

    [Fact]
    public void FacetRowsAreOneRowPerFacetHyperplane()
    {
        // Braid arrangement A2 in R^3: each of the 6 chambers is a cone with exactly 2 facets.
        var x = Matrix([1, -1, 0], [0, 1, -1], [1, 0, -1], [-1, 1, 0]);
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(6, a.Chambers.Count);
        foreach (var c in a.Chambers)
        {
            Assert.Equal(2, c.FacetRows!.Length);
            Assert.DoesNotContain(3, c.FacetRows);
        }
    }

    [Fact]
    public void TooManyPatternsAreRefusedWithTheEstimate()
    {
        var x = Gaussian(200, 6, 7);
        var e = Assert.Throws<ArrangementTooLargeException>(() => ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = 100_000 }));
        Assert.Equal(ChamberRecursion.GeneralPositionCount(200, 6), e.Summary.EstimatedChambers);
        // The refusal states the memory it avoided: chambers times the documented per-chamber estimate, in the message too.
        Assert.Equal(e.Summary.EstimatedChambers * ArrangementEnumerator.EstimatedBytesPerChamber(200, e.Summary.Columns, 6), e.Summary.EstimatedBytes);
        Assert.True(e.Summary.BytesPerChamber > 56 * 2 * e.Summary.Columns * 100);
        Assert.Contains("bytes per chamber", e.Message);
        Assert.Contains("--sample", e.Message);
    }

    [Fact]
    public void SampledPatternsAreASubsetOfTheExactSet()
    {
        var x = SmallIntegers(12, 3, 3, 11);
        var exact = Patterns(ArrangementEnumerator.Enumerate(x));
        var sampled = ArrangementEnumerator.Sample(x, 500, seed: 5);
        Assert.True(sampled.Sampled);
        Assert.NotEmpty(sampled.Chambers);
        Assert.Subset(exact, Patterns(sampled));
        foreach (var c in sampled.Chambers) AssertWitnessRecomputesPattern(x, c);
    }

    [Theory]
    [InlineData(40, 3, 1)]
    [InlineData(14, 4, 2)]
    public void ParallelEnumerationGivesTheSameChambersInTheSameOrderEveryTime(int n, int d, int seed)
    {
        // The restrictions are enumerated and the witnesses computed on several threads; the result must not depend on them.
        var x = Gaussian(n, d, seed);
        var first = ArrangementEnumerator.Enumerate(x).Chambers;
        for (int run = 0; run < 3; run++)
        {
            var again = ArrangementEnumerator.Enumerate(x).Chambers;
            Assert.Equal(first.Count, again.Count);
            for (int i = 0; i < first.Count; i++)
            {
                Assert.Equal(first[i].ToString(), again[i].ToString());
                Assert.Equal(first[i].Witness, again[i].Witness);
                Assert.Equal(first[i].FacetRows, again[i].FacetRows);
            }
        }
    }
}
