using ExactConvexNN.Solver.Linear;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Linear;

public class AmdOrderingTests
{
    [Fact]
    public void ComputeGridLaplacianIsPermutationWithLessFillThanNatural()
    {
        var a = LdlTestMatrices.GridLaplacianUpper(30, 30);
        var perm = AmdOrdering.Compute(a);
        Assert.True(FillReducingOrderings.IsPermutation(perm, a.Columns));
        long amd = LdlTestMatrices.FillCount(a, perm);
        long natural = LdlTestMatrices.FillCount(a, FillReducingOrderings.Natural(a.Columns));
        Assert.True(amd < natural, $"AMD fill {amd} should be below natural fill {natural}");
    }

    [Fact]
    public void ComputeArrowheadWithDenseNodeFirstOrdersItLastAndCausesNoFill()
    {
        const int n = 200; // hub degree 199 > 10·√200: treated as dense
        var a = LdlTestMatrices.ArrowheadUpper(n, hub: 0);
        var perm = AmdOrdering.Compute(a);
        Assert.True(FillReducingOrderings.IsPermutation(perm, n));
        Assert.Equal(0, perm[^1]);
        // Eliminating the leaves first: each leaf contributes exactly one entry (to the hub), no fill.
        Assert.Equal(n - 1, LdlTestMatrices.FillCount(a, perm));
        // Natural order eliminates the hub first: every remaining pair fills, (n-1)(n-2)/2 + (n-1) - ... in total n(n-1)/2.
        Assert.Equal((long)n * (n - 1) / 2, LdlTestMatrices.FillCount(a, FillReducingOrderings.Natural(n)));
    }

    [Fact]
    public void ComputeSmallArrowheadWithHubFirstIsNotDenseButStillOrderedLast()
    {
        var a = LdlTestMatrices.ArrowheadUpper(10, hub: 0);
        var perm = AmdOrdering.Compute(a);
        Assert.True(FillReducingOrderings.IsPermutation(perm, 10));
        Assert.Equal(9, LdlTestMatrices.FillCount(a, perm));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void ComputeDiagonalOrEmptyPatternIsPermutation(int n)
    {
        Assert.True(FillReducingOrderings.IsPermutation(AmdOrdering.Compute(CscMatrix.Identity(n)), n));
        Assert.True(FillReducingOrderings.IsPermutation(AmdOrdering.Compute(CscMatrix.Zeros(n, n)), n));
    }

    [Fact]
    public void ComputeDenseMatrixIsPermutationWithCompleteFill()
    {
        const int n = 40;
        var k = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) k[i, j] = 1;
        var a = LdlTestMatrices.UpperOf(k);
        var perm = AmdOrdering.Compute(a);
        Assert.True(FillReducingOrderings.IsPermutation(perm, n));
        Assert.Equal((long)n * (n - 1) / 2, LdlTestMatrices.FillCount(a, perm));
    }

    [Fact]
    public void ComputeRejectsLowerEntries()
    {
        var lower = CscMatrix.FromTriplets(2, 2, [(1, 0, 1.0)]);
        Assert.Throws<ArgumentException>(() => AmdOrdering.Compute(lower));
    }

    /// <summary>Patterns of order 1..150 with density 0..10 % and 0..3 dense rows, from a seed.</summary>
    public static class DenseRowPatterns
    {
        public static Arbitrary<(int N, double Density, int DenseRows, int Seed)> Cases() => (
            from n in Gen.Choose(1, 150)
            from density in Gen.Choose(0, 10)
            from denseRows in Gen.Choose(0, 3)
            from seed in Gen.Choose(0, int.MaxValue - 1)
            select (n, density / 100.0, denseRows, seed)).ToArbitrary();
    }

    [Property(Arbitrary = new[] { typeof(DenseRowPatterns) })]
    public bool RandomPatternsWithDenseRowsGiveAValidPermutationWithDenseNodesLast((int N, double Density, int DenseRows, int Seed) c)
    {
        var (n, density, denseRows, seed) = c;
        var rng = new Random(seed);
        var full = new bool[n, n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < j; i++)
                if (rng.NextDouble() < density) full[i, j] = full[j, i] = true;
        for (int r = 0; r < denseRows; r++)
        {
            int hub = rng.Next(n);
            for (int i = 0; i < n; i++) if (i != hub) full[i, hub] = full[hub, i] = true;
        }
        var t = new List<(int, int, double)>();
        var degree = new int[n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i <= j; i++)
                if (i == j || full[i, j]) { t.Add((i, j, 1.0)); if (i != j) { degree[i]++; degree[j]++; } }
        var a = CscMatrix.FromTriplets(n, n, t);
        var perm = AmdOrdering.Compute(a);
        if (!FillReducingOrderings.IsPermutation(perm, n)) return false;
        // Nodes above the documented density threshold come last.
        double threshold = Math.Max(16.0, 10.0 * Math.Sqrt(n));
        int dense = degree.Count(d => d > threshold);
        for (int k = n - dense; k < n; k++) if (degree[perm[k]] <= threshold) return false;
        // The symbolic count of the factor equals the graph-elimination fill of this order.
        return SparseLdl.CountNonZerosL(a, perm) == LdlTestMatrices.FillCount(a, perm);
    }
}
