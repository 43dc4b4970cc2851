using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Tests.Solver.Linear;

public class DenseLdlTests
{
    [Fact]
    public void FactorReconstructsQuasiDefiniteMatrixAndSolveHasSmallResidual()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            var (k, signs) = LdlTestMatrices.QuasiDefinite(rng, rng.Next(1, 8), rng.Next(0, 8), 0.4);
            int n = k.GetLength(0);
            var pattern = LdlTestMatrices.UpperOf(k);
            var ldl = DenseLdl.Create(pattern);
            Assert.True(ldl.Factor(pattern.Values, signs, 1e-13, 1e-7));
            Assert.Equal(0, ldl.RegularizedPivots);
            // (L D L')_ij = sum_k L_ik d_k L_jk
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int q = 0; q < n; q++) s += ldl.L(i, q) * ldl.D[q] * ldl.L(j, q);
                    Assert.Equal(k[i, j], s, 1e-10);
                }
            for (int i = 0; i < n; i++) Assert.Equal(signs[i], Math.Sign(ldl.D[i]));
            var b = LdlTestMatrices.RandomVector(rng, n);
            var x = (double[])b.Clone();
            ldl.Solve(x);
            Assert.True(LdlTestMatrices.RelativeResidual(k, x, b) < 1e-12);
        }
    }

    [Fact]
    public void FactorReplacesWrongSignedAndTinyPivotsAndCountsThem()
    {
        // Diagonal K: each pivot is its own diagonal entry, so which ones get replaced is known exactly.
        var diag = new[] { 2.0, -3.0, 1e-12, 0.0, -1e-12, 5.0 };
        var signs = new sbyte[] { 1, 1, 1, -1, -1, -1 };
        // wrong sign: row 1 (-3 vs +) and row 5 (5 vs -); tiny: rows 2 and 4; zero: row 3.
        var k = new double[6, 6];
        for (int i = 0; i < 6; i++) k[i, i] = diag[i];
        var pattern = LdlTestMatrices.UpperOf(k, keepZeros: true);
        var ldl = DenseLdl.Create(pattern);
        Assert.True(ldl.Factor(pattern.Values, signs, 1e-9, 1e-6));
        Assert.Equal(5, ldl.RegularizedPivots);
        Assert.Equal(new[] { 2.0, 1e-6, 1e-6, -1e-6, -1e-6, -1e-6 }, ldl.D.ToArray());
    }

    [Fact]
    public void FactorNonFiniteValueReturnsFalse()
    {
        var pattern = CscMatrix.Identity(3);
        var ldl = DenseLdl.Create(pattern);
        Assert.False(ldl.Factor([1, double.NaN, 1], [1, 1, 1], 0, 1e-8));
        Assert.Throws<InvalidOperationException>(() => ldl.Solve(new double[3]));
    }

    [Fact]
    public void CreateRejectsNonSquareAndLowerEntries()
    {
        Assert.Throws<ArgumentException>(() => DenseLdl.Create(CscMatrix.Zeros(2, 3)));
        var lower = CscMatrix.FromTriplets(2, 2, [(0, 0, 1.0), (1, 0, 1.0), (1, 1, 1.0)]);
        Assert.Throws<ArgumentException>(() => DenseLdl.Create(lower));
    }
}
