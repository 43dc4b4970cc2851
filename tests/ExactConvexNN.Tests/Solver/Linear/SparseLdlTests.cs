using ExactConvexNN.Solver.Linear;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Linear;

public class SparseLdlTests
{
    private const double RegEpsilon = 1e-13, RegDelta = 1e-7;

    /// <summary>max |(L D L')(a,b) - K(perm[a], perm[b])| relative to max |K|, computed densely.</summary>
    internal static double ReconstructionError(SparseLdl f, double[,] k)
    {
        int n = f.Dimension;
        var l = f.LowerFactor().ToDense();
        for (int i = 0; i < n; i++) l[i, i] = 1.0;
        var perm = f.Permutation;
        double err = 0, scale = 1e-300;
        for (int a = 0; a < n; a++)
            for (int b = 0; b <= a; b++)
            {
                double s = 0;
                for (int q = 0; q <= b; q++) s += l[a, q] * f.D[q] * l[b, q];
                err = Math.Max(err, Math.Abs(s - k[perm[a], perm[b]]));
                scale = Math.Max(scale, Math.Abs(k[perm[a], perm[b]]));
            }
        return err / scale;
    }

    /// <summary>Factors K (dense, symmetric) through its upper triangle and checks reconstruction, residual and inertia.</summary>
    private static SparseLdl FactorAndCheck(double[,] k, sbyte[] signs, FillReducingOrdering ordering, int expectedRegularized = 0)
    {
        int n = k.GetLength(0);
        var upper = LdlTestMatrices.UpperOf(k);
        var f = SparseLdl.Create(upper, ordering);
        Assert.True(FillReducingOrderings.IsPermutation(f.Permutation, n));
        Assert.True(f.Factor(upper.Values, signs, RegEpsilon, RegDelta));
        Assert.Equal(expectedRegularized, f.RegularizedPivots);
        if (expectedRegularized == 0)
        {
            Assert.True(ReconstructionError(f, k) < 1e-12);
            // Quasi-definite: D has exactly as many positive entries as there are +1 signs.
            Assert.Equal(signs.Count(s => s > 0), f.PositivePivots);
            var b = LdlTestMatrices.RandomVector(new Random(n), n);
            var x = (double[])b.Clone();
            f.Solve(x);
            Assert.True(LdlTestMatrices.RelativeResidual(k, x, b) < 1e-12);
        }
        return f;
    }

    private static double[,] Dense(CscMatrix upper)
    {
        var k = upper.ToDense();
        int n = upper.Columns;
        for (int j = 0; j < n; j++) for (int i = 0; i < j; i++) k[j, i] = k[i, j];
        return k;
    }

    private static sbyte[] AllPositive(int n) => Enumerable.Repeat((sbyte)1, n).ToArray();

    [Theory]
    [InlineData(FillReducingOrdering.Amd)]
    [InlineData(FillReducingOrdering.Natural)]
    public void FactorRandomQuasiDefiniteReconstructsPermutedMatrixAndAgreesWithDense(FillReducingOrdering ordering)
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 30; trial++)
        {
            var (k, signs) = LdlTestMatrices.QuasiDefinite(rng, rng.Next(1, 20), rng.Next(0, 20), rng.NextDouble() * 0.3);
            var f = FactorAndCheck(k, signs, ordering);
            // The dense reference backend gives the same solution.
            var upper = LdlTestMatrices.UpperOf(k);
            var dense = DenseLdl.Create(upper);
            Assert.True(dense.Factor(upper.Values, signs, RegEpsilon, RegDelta));
            var b = LdlTestMatrices.RandomVector(rng, f.Dimension);
            var xs = (double[])b.Clone(); var xd = (double[])b.Clone();
            f.Solve(xs); dense.Solve(xd);
            for (int i = 0; i < xs.Length; i++) Assert.Equal(xd[i], xs[i], 1e-8 * (1 + Math.Abs(xd[i])));
        }
    }

    [Fact]
    public void FactorEmptyMatrixSucceedsAndSolveIsNoOp()
    {
        var f = SparseLdl.Create(CscMatrix.Zeros(0, 0));
        Assert.True(f.Factor([], [], RegEpsilon, RegDelta));
        Assert.Equal(0, f.NonZerosL);
        f.Solve(Span<double>.Empty);
    }

    [Fact]
    public void FactorOneByOnePivotIsTheEntry()
    {
        var f = FactorAndCheck(new double[,] { { -2.5 } }, [-1], FillReducingOrdering.Amd);
        Assert.Equal(-2.5, f.D[0]);
        Assert.Equal(0, f.NonZerosL);
    }

    [Fact]
    public void FactorDiagonalHasNoOffDiagonalEntries()
    {
        var k = new double[5, 5];
        for (int i = 0; i < 5; i++) k[i, i] = i % 2 == 0 ? i + 1 : -(i + 1);
        var f = FactorAndCheck(k, [1, -1, 1, -1, 1], FillReducingOrdering.Amd);
        Assert.Equal(0, f.NonZerosL);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(29)]
    public void FactorArrowheadAmdHasNoFillAndNaturalFillsOnlyWhenHubIsFirst(int hub)
    {
        const int n = 30;
        var upper = LdlTestMatrices.ArrowheadUpper(n, hub);
        var k = Dense(upper);
        var amd = FactorAndCheck(k, AllPositive(n), FillReducingOrdering.Amd);
        var natural = FactorAndCheck(k, AllPositive(n), FillReducingOrdering.Natural);
        Assert.Equal(n - 1, amd.NonZerosL);
        // Hub first: its elimination couples every other pair, so L is full: n(n-1)/2. Hub last: no fill.
        Assert.Equal(hub == 0 ? n * (n - 1) / 2 : n - 1, natural.NonZerosL);
    }

    [Fact]
    public void FactorTridiagonalHasNoFill()
    {
        const int n = 40;
        var k = new double[n, n];
        for (int i = 0; i < n; i++) { k[i, i] = 2; if (i + 1 < n) { k[i, i + 1] = -1; k[i + 1, i] = -1; } }
        Assert.Equal(n - 1, FactorAndCheck(k, AllPositive(n), FillReducingOrdering.Amd).NonZerosL);
        Assert.Equal(n - 1, FactorAndCheck(k, AllPositive(n), FillReducingOrdering.Natural).NonZerosL);
    }

    [Fact]
    public void FactorQuasiDefiniteWithDenseRowAndColumnReconstructs()
    {
        var rng = new Random(3);
        var (k, signs) = LdlTestMatrices.QuasiDefinite(rng, 15, 10, 0.1);
        // Make dual row 20 couple to every primal variable: a dense row/column of B.
        for (int j = 0; j < 15; j++) { k[20, j] = 0.5; k[j, 20] = 0.5; }
        FactorAndCheck(k, signs, FillReducingOrdering.Amd);
        FactorAndCheck(k, signs, FillReducingOrdering.Natural);
    }

    [Fact]
    public void FactorGridLaplacianAmdHasLessFillAndReconstructs()
    {
        var upper = LdlTestMatrices.GridLaplacianUpper(12, 12, shift: 0.1);
        var k = Dense(upper);
        var amd = FactorAndCheck(k, AllPositive(144), FillReducingOrdering.Amd);
        var natural = FactorAndCheck(k, AllPositive(144), FillReducingOrdering.Natural);
        Assert.True(amd.NonZerosL < natural.NonZerosL);
        // The symbolic count is the graph-elimination fill count.
        Assert.Equal(LdlTestMatrices.FillCount(upper, amd.Permutation.ToArray()), amd.NonZerosL);
        Assert.Equal(LdlTestMatrices.FillCount(upper, natural.Permutation.ToArray()), natural.NonZerosL);
        // Counting without building the factor agrees with the factor's size.
        Assert.Equal(amd.NonZerosL, SparseLdl.CountNonZerosL(upper, amd.Permutation));
        Assert.Equal(natural.NonZerosL, SparseLdl.CountNonZerosL(upper, natural.Permutation));
    }

    [Fact]
    public void FactorLargeGridLaplacianAmdHasLessFillThanNaturalAndSmallResidual()
    {
        var upper = LdlTestMatrices.GridLaplacianUpper(30, 30);
        var amd = SparseLdl.Create(upper, FillReducingOrdering.Amd);
        var natural = SparseLdl.Create(upper, FillReducingOrdering.Natural);
        Assert.True(amd.NonZerosL < natural.NonZerosL, $"{amd.NonZerosL} vs {natural.NonZerosL}");
        Assert.True(amd.Factor(upper.Values, AllPositive(900), RegEpsilon, RegDelta));
        var b = LdlTestMatrices.RandomVector(new Random(2), 900);
        var x = (double[])b.Clone();
        amd.Solve(x);
        var kx = new double[900];
        upper.MultiplySymmetricUpper(x, kx);
        for (int i = 0; i < 900; i++) Assert.True(Math.Abs(kx[i] - b[i]) < 1e-10);
    }

    [Fact]
    public void FactorRegularizesExactlyTheWrongSignedAndVanishingPivots()
    {
        // Natural order, K = [[1, 1, 0], [1, 1, 2], [0, 2, 3]], signs all +1:
        // d0 = 1; d1 = 1 - 1·1 = 0 -> replaced by +δ; then L(2,1) = 2/δ and d2 = 3 - 4/δ < 0 -> replaced by +δ.
        var k = new double[,] { { 1, 1, 0 }, { 1, 1, 2 }, { 0, 2, 3 } };
        var upper = LdlTestMatrices.UpperOf(k);
        var f = SparseLdl.Create(upper, FillReducingOrdering.Natural);
        Assert.True(f.Factor(upper.Values, [1, 1, 1], 1e-10, 1e-4));
        Assert.Equal(2, f.RegularizedPivots);
        Assert.Equal(new[] { 1.0, 1e-4, 1e-4 }, f.D.ToArray());
        // With signs (+1, -1, -1): d1 = 0 -> -δ; d2 = 3 - 4/(-δ) > 0 is wrong-signed -> -δ.
        Assert.True(f.Factor(upper.Values, [1, -1, -1], 1e-10, 1e-4));
        Assert.Equal(2, f.RegularizedPivots);
        Assert.Equal(new[] { 1.0, -1e-4, -1e-4 }, f.D.ToArray());
        Assert.Equal(1, f.PositivePivots);
    }

    [Fact]
    public void FactorPivotSignFollowsOriginalRowUnderPermutation()
    {
        // Diagonal K: pivot of original row i is K(i,i) whatever the order; signs are looked up by original row.
        var diag = new[] { 2.0, -3.0, 1e-12, 0.0, -1e-12, 5.0 };
        sbyte[] signs = [1, 1, 1, -1, -1, -1];
        var expected = new[] { 2.0, 1e-6, 1e-6, -1e-6, -1e-6, -1e-6 };
        var pattern = CscMatrix.FromTriplets(6, 6, diag.Select((v, i) => (i, i, v)));
        var f = SparseLdl.Create(pattern, [5, 3, 1, 0, 4, 2]);
        Assert.True(f.Factor(pattern.Values, signs, 1e-9, 1e-6));
        Assert.Equal(5, f.RegularizedPivots);
        for (int k = 0; k < 6; k++) Assert.Equal(expected[f.Permutation[k]], f.D[k]);
    }

    [Fact]
    public void FactorMissingDiagonalInDualBlockIsRegularizedByItsSign()
    {
        // K = [[2, 1], [1, ·]] with K(1,1) structurally absent: d1 = 0 - 1/2 = -0.5, correctly negative.
        var upper = CscMatrix.FromTriplets(2, 2, [(0, 0, 2.0), (0, 1, 1.0)]);
        var f = SparseLdl.Create(upper, FillReducingOrdering.Natural);
        Assert.True(f.Factor(upper.Values, [1, -1], RegEpsilon, RegDelta));
        Assert.Equal(0, f.RegularizedPivots);
        Assert.Equal(-0.5, f.D[1], 15);
        // Pivoting the absent diagonal first gives a zero pivot, replaced by -δ.
        var g = SparseLdl.Create(upper, [1, 0]);
        Assert.True(g.Factor(upper.Values, [1, -1], RegEpsilon, RegDelta));
        Assert.Equal(1, g.RegularizedPivots);
        Assert.Equal(-RegDelta, g.D[0]);
    }

    [Fact]
    public void FactorNonFiniteValueReturnsFalseAndSolveIsRefused()
    {
        var upper = LdlTestMatrices.GridLaplacianUpper(3, 3);
        var f = SparseLdl.Create(upper);
        var values = (double[])upper.Values.Clone();
        values[4] = double.PositiveInfinity;
        Assert.False(f.Factor(values, AllPositive(9), RegEpsilon, RegDelta));
        Assert.Throws<InvalidOperationException>(() => f.Solve(new double[9]));
        // A huge but finite matrix whose pivots overflow is also a numerical failure, not an exception.
        var k = new double[,] { { 1e-300, 1e200 }, { 1e200, 1 } };
        var big = LdlTestMatrices.UpperOf(k);
        var g = SparseLdl.Create(big, FillReducingOrdering.Natural);
        Assert.False(g.Factor(big.Values, [1, -1], 0, 1e-320));
    }

    [Fact]
    public void CreateRejectsInvalidPatternAndPermutation()
    {
        Assert.Throws<ArgumentException>(() => SparseLdl.Create(CscMatrix.Zeros(3, 2)));
        Assert.Throws<ArgumentException>(() => SparseLdl.Create(CscMatrix.FromTriplets(2, 2, [(1, 0, 1.0)])));
        Assert.Throws<ArgumentException>(() => SparseLdl.Create(CscMatrix.Identity(3), [0, 0, 1]));
        var f = SparseLdl.Create(CscMatrix.Identity(3));
        Assert.Throws<ArgumentException>(() => f.Factor(new double[2], AllPositive(3), 0, 1));
        Assert.Throws<ArgumentException>(() => f.Factor(new double[3], [1, 0, 1], 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Factor(new double[3], AllPositive(3), 0, 0));
    }

    [Fact]
    public void FactorTwiceReusesSymbolicAnalysisAndAllocatesNothing()
    {
        var rng = new Random(9);
        var (k1, signs) = LdlTestMatrices.QuasiDefinite(rng, 12, 8, 0.3);
        var upper = LdlTestMatrices.UpperOf(k1);
        // Second matrix: same pattern, new values (scaled and shifted blocks keep it quasi-definite).
        var k2 = new double[20, 20];
        for (int i = 0; i < 20; i++)
            for (int j = 0; j < 20; j++) k2[i, j] = 3 * k1[i, j] + (i == j ? signs[i] * 0.5 : 0);
        var upper2 = LdlTestMatrices.UpperOf(k2);
        Assert.Equal(upper.RowIndices, upper2.RowIndices);
        var values2 = upper2.Values;

        var f = SparseLdl.Create(upper);
        int nnzL = f.NonZerosL;
        var perm = f.Permutation.ToArray();
        var b = LdlTestMatrices.RandomVector(rng, 20);
        var x = new double[20];
        Assert.True(f.Factor(upper.Values, signs, RegEpsilon, RegDelta)); // warm-up
        b.CopyTo(x); f.Solve(x);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(f.Factor(values2, signs, RegEpsilon, RegDelta));
        b.CopyTo(x);
        f.Solve(x);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(ReconstructionError(f, k2) < 1e-12);
        Assert.True(LdlTestMatrices.RelativeResidual(k2, x, b) < 1e-12);

        Assert.True(f.Factor(upper.Values, signs, RegEpsilon, RegDelta));
        Assert.True(ReconstructionError(f, k1) < 1e-12);
        Assert.Equal(nnzL, f.NonZerosL);
        Assert.Equal(perm, f.Permutation.ToArray());
    }

    /// <summary>Symmetric patterns of order 1..30 with density 0..40 %, from a seed, in natural or AMD order.</summary>
    public static class SymmetricPatterns
    {
        public static Arbitrary<(int N, double Density, int Seed, bool Natural)> Cases() => (
            from n in Gen.Choose(1, 30)
            from density in Gen.Choose(0, 40)
            from seed in Gen.Choose(0, int.MaxValue - 1)
            from natural in Gen.Elements(false, true)
            select (n, density / 100.0, seed, natural)).ToArbitrary();
    }

    [Property(Arbitrary = new[] { typeof(SymmetricPatterns) })]
    public bool RandomSymmetricPatternsGiveAValidPermutationAndLdlReconstructsTheMatrix((int N, double Density, int Seed, bool Natural) c)
    {
        var (n, density, seed, natural) = c;
        var rng = new Random(seed);
        // Random symmetric pattern; values strictly diagonally dominant with random diagonal signs, so the
        // Schur complements keep the pivot signs under any order (no regularization is needed).
        var k = new double[n, n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < j; i++)
                if (rng.NextDouble() < density) { k[i, j] = k[j, i] = rng.NextDouble() * 2 - 1; }
        var signs = new sbyte[n];
        for (int i = 0; i < n; i++)
        {
            signs[i] = (sbyte)(rng.Next(2) == 0 ? 1 : -1);
            double off = 0;
            for (int j = 0; j < n; j++) if (j != i) off += Math.Abs(k[i, j]);
            k[i, i] = signs[i] * (off + 0.5 + rng.NextDouble());
        }
        var upper = LdlTestMatrices.UpperOf(k);
        var f = SparseLdl.Create(upper, natural ? FillReducingOrdering.Natural : FillReducingOrdering.Amd);
        bool ok = FillReducingOrderings.IsPermutation(f.Permutation, n)
                  && f.Factor(upper.Values, signs, RegEpsilon, RegDelta)
                  && f.RegularizedPivots == 0
                  && ReconstructionError(f, k) < 1e-12
                  && f.NonZerosL == LdlTestMatrices.FillCount(upper, f.Permutation.ToArray());
        return ok;
    }
}
