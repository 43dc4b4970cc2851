using ExactConvexNN.Solver.Linear;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Linear;

/// <summary>
/// The dense-tail scheme of <see cref="SparseLdl"/> against the up-looking one on the same pivot order: same pattern,
/// L and D equal to rounding, L D L' = P K P', same regularized pivots and inertia, and the same solutions.
/// </summary>
public class SparseLdlDenseTailTests
{
    private const double RegEpsilon = 1e-13, RegDelta = 1e-7;

    /// <summary>
    /// Random quasi-definite K (LdlTestMatrices.QuasiDefinite) whose last <c>Hubs</c> dual rows couple to most primal rows,
    /// so that L ends in a dense block; orders up to 160, natural or AMD order, seeds fixed by the Replay below.
    /// </summary>
    public static class DenseTailMatrices
    {
        public static Arbitrary<(int N1, int N2, int Hubs, double Density, int Seed, bool Natural)> Cases() => (
            from n1 in Gen.Choose(1, 50)
            from n2 in Gen.Choose(0, 40)
            from hubs in Gen.Choose(0, 70)
            from density in Gen.Choose(0, 30)
            from seed in Gen.Choose(0, int.MaxValue - 1)
            from natural in Gen.Elements(false, true)
            select (n1, n2, hubs, density / 100.0, seed, natural)).ToArbitrary();
    }

    private static (double[,] K, sbyte[] Signs) WithHubs(Random rng, int n1, int n2, int hubs, double density)
    {
        var (k, signs) = LdlTestMatrices.QuasiDefinite(rng, n1, n2 + hubs, density);
        for (int h = n1 + n2; h < n1 + n2 + hubs; h++)
            for (int j = 0; j < n1; j++)
                if (rng.NextDouble() < 0.7) k[h, j] = k[j, h] = rng.NextDouble() * 2 - 1;
        return (k, signs);
    }

    /// <summary>Factors K under both schemes with one pivot order and checks that the factors and solutions agree.</summary>
    private static SparseLdl FactorBothAndCompare(double[,] k, sbyte[] signs, bool natural, double regEpsilon, double regDelta)
    {
        var upper = LdlTestMatrices.UpperOf(k);
        var up = SparseLdl.Create(upper, natural ? FillReducingOrdering.Natural : FillReducingOrdering.Amd, SparseLdlScheme.UpLooking);
        var tail = SparseLdl.Create(upper, up.Permutation, SparseLdlScheme.DenseTail);
        int n = up.Dimension;
        Assert.Equal(0, up.DenseTailSize);
        if (n > 0) Assert.True(tail.DenseTailSize >= 1);
        Assert.Equal(up.NonZerosL, tail.NonZerosL);
        Assert.True(up.Factor(upper.Values, signs, regEpsilon, regDelta));
        Assert.True(tail.Factor(upper.Values, signs, regEpsilon, regDelta));
        Assert.Equal(up.RegularizedPivots, tail.RegularizedPivots);
        Assert.Equal(up.PositivePivots, tail.PositivePivots);
        var l0 = up.LowerFactor(); var l1 = tail.LowerFactor();
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(tail.D[i] - up.D[i]) <= 1e-10 * Math.Abs(up.D[i]), $"D[{i}]: {tail.D[i]} vs {up.D[i]}");
        Assert.Equal(l0.ColumnPointers, l1.ColumnPointers);
        Assert.Equal(l0.RowIndices.AsSpan(0, l0.NonZeros).ToArray(), l1.RowIndices.AsSpan(0, l1.NonZeros).ToArray());
        double scale = 1;
        for (int p = 0; p < l0.NonZeros; p++) scale = Math.Max(scale, Math.Abs(l0.Values[p]));
        for (int p = 0; p < l0.NonZeros; p++) Assert.True(Math.Abs(l1.Values[p] - l0.Values[p]) <= 1e-10 * scale, $"L entry {p}: {l1.Values[p]} vs {l0.Values[p]}");
        var b = LdlTestMatrices.RandomVector(new Random(n), n);
        var x0 = (double[])b.Clone(); var x1 = (double[])b.Clone();
        up.Solve(x0); tail.Solve(x1);
        double xs = 1;
        foreach (var v in x0) xs = Math.Max(xs, Math.Abs(v));
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(x1[i] - x0[i]) <= 1e-9 * xs, $"x[{i}]: {x1[i]} vs {x0[i]}");
        return tail;
    }

    [Property(Arbitrary = new[] { typeof(DenseTailMatrices) }, MaxTest = 60, Replay = "20261202,15")]
    public void DenseTailFactorEqualsTheUpLookingFactorAndReconstructsTheMatrix((int N1, int N2, int Hubs, double Density, int Seed, bool Natural) c)
    {
        var (k, signs) = WithHubs(new Random(c.Seed), c.N1, c.N2, c.Hubs, c.Density);
        var f = FactorBothAndCompare(k, signs, c.Natural, RegEpsilon, RegDelta);
        Assert.Equal(0, f.RegularizedPivots);
        Assert.True(SparseLdlTests.ReconstructionError(f, k) < 1e-12);
        // Quasi-definite: D has exactly as many positive entries as there are +1 signs.
        Assert.Equal(signs.Count(s => s > 0), f.PositivePivots);
    }

    [Property(Arbitrary = new[] { typeof(DenseTailMatrices) }, MaxTest = 40, Replay = "20261202,17")]
    public void DenseTailRegularizesTheSamePivotsAsTheUpLookingScheme((int N1, int N2, int Hubs, double Density, int Seed, bool Natural) c)
    {
        // Expected signs flipped on the last three pivots (in the dense tail): they come out wrong-signed and are replaced
        // by sign * regDelta in both schemes (flips earlier on would let the later pivots grow without bound).
        var (k, signs) = WithHubs(new Random(c.Seed), c.N1, c.N2, c.Hubs, c.Density);
        var perm = FillReducingOrderings.Compute(LdlTestMatrices.UpperOf(k), c.Natural ? FillReducingOrdering.Natural : FillReducingOrdering.Amd);
        for (int q = Math.Max(0, perm.Length - 3); q < perm.Length; q++) signs[perm[q]] = (sbyte)-signs[perm[q]];
        var f = FactorBothAndCompare(k, signs, c.Natural, RegEpsilon, 0.5);
        Assert.True(f.RegularizedPivots >= 1);
        for (int i = 0; i < f.Dimension; i++) Assert.True(signs[f.Permutation[i]] * f.D[i] > 0);
    }

    [Fact]
    public void GroupsLongerThanOneChunkAndTinyPivotsInTheTail()
    {
        // A path 0-1-...-599 with every node coupled to three dual hub rows: in natural order each path column has the same
        // rows in the dense tail (one Schur-update group of ~600 columns), and the hubs' diagonals are tiny.
        const int path = 600, hubs = 3, n = path + hubs;
        var k = new double[n, n];
        var rng = new Random(11);
        for (int i = 0; i < path; i++)
        {
            k[i, i] = 4;
            if (i + 1 < path) k[i, i + 1] = k[i + 1, i] = -1;
            for (int h = path; h < n; h++) k[i, h] = k[h, i] = rng.NextDouble() - 0.5;
        }
        var signs = new sbyte[n];
        for (int i = 0; i < n; i++) signs[i] = (sbyte)(i < path ? 1 : -1);
        for (int h = path; h < n; h++) k[h, h] = -1e-14;
        FactorBothAndCompare(k, signs, natural: true, RegEpsilon, RegDelta);
        // A zero and a wrong-signed hub diagonal with the hubs decoupled from each other's pivots: still the same factor.
        k[path, path] = 0; k[path + 1, path + 1] = 1;
        FactorBothAndCompare(k, signs, natural: true, RegEpsilon, RegDelta);
    }

    [Fact]
    public void LargeL21WorkSplitAcrossWorkersGivesTheSameFactor()
    {
        // A 40 x 40 grid Laplacian with 300 dual rows each coupled to a tenth of the nodes, in natural order: the tail rows
        // reach most grid columns (solve work above the one-worker threshold), and the 300+ dense block is factored in blocks.
        var grid = LdlTestMatrices.GridLaplacianUpper(40, 40, shift: 0.1).ToDense();
        const int nodes = 1600, hubs = 300, n = nodes + hubs;
        var k = new double[n, n];
        var rng = new Random(4);
        for (int i = 0; i < nodes; i++)
            for (int j = i; j < nodes; j++) k[i, j] = k[j, i] = grid[i, j];
        for (int h = nodes; h < n; h++)
        {
            k[h, h] = -0.1;
            for (int i = 0; i < nodes; i++) if (rng.NextDouble() < 0.1) k[h, i] = k[i, h] = rng.NextDouble() - 0.5;
        }
        var signs = Enumerable.Range(0, n).Select(i => (sbyte)(i < nodes ? 1 : -1)).ToArray();
        var f = FactorBothAndCompare(k, signs, natural: true, RegEpsilon, RegDelta);
        Assert.True(f.DenseTailSize >= DenseKernels.LdlBlockedMinimum);
        Assert.Equal(nodes, f.PositivePivots);
    }

    [Fact]
    public void AutoFactorsALargeDenseTailDenselyAndSmallMatricesUpLooking()
    {
        var rng = new Random(3);
        var (small, _) = WithHubs(rng, 20, 10, 5, 0.2);
        Assert.Equal(0, SparseLdl.Create(LdlTestMatrices.UpperOf(small)).DenseTailSize);
        var (big, signs) = WithHubs(rng, 300, 20, SparseLdl.AutoDenseTailMinimum, 0.01);
        var upper = LdlTestMatrices.UpperOf(big);
        var f = SparseLdl.Create(upper);
        Assert.True(f.DenseTailSize >= SparseLdl.AutoDenseTailMinimum);
        Assert.Equal(0, SparseLdl.Create(upper, f.Permutation, SparseLdlScheme.UpLooking).DenseTailSize);
        Assert.True(f.Factor(upper.Values, signs, RegEpsilon, RegDelta));
        var b = LdlTestMatrices.RandomVector(rng, f.Dimension);
        var x = (double[])b.Clone();
        f.Solve(x);
        Assert.True(LdlTestMatrices.RelativeResidual(big, x, b) < 1e-12);
    }
}
