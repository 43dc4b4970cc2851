using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Tests.Solver.Linear;

public class DenseKernelsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(7, 13)]
    [InlineData(64, 257)]
    [InlineData(150, 300)]
    public void RankKUpdateAddsZZTransposeToTheLowerTriangle(int n, int k)
    {
        var rng = new Random(n * 31 + k);
        var z = Enumerable.Range(0, n * k).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var m = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble()).ToArray();
        var expected = (double[])m.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                for (int p = 0; p < k; p++) expected[i * n + j] += z[i * k + p] * z[j * k + p];
        DenseKernels.SymmetricRankKUpdateLower(m, n, z, k);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(expected[i * n + j], m[i * n + j], 1e-9 * (1 + Math.Abs(expected[i * n + j])));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(420)]
    public void BlockedLdlReconstructsAQuasiDefiniteMatrixWithTheExpectedInertia(int n)
    {
        // A = [[F'F + I, B'], [B, -(G'G + I)]] with a third of the rows in the negative block.
        var rng = new Random(n);
        int n1 = n - n / 3;
        var f = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                bool pi = i < n1, pj = j < n1;
                double s = 0;
                if (pi == pj) for (int r = 0; r < n; r++) s += f[r * n + i] * f[r * n + j];
                else s = f[i * n + j];
                if (i == j) s += 1;
                a[i * n + j] = a[j * n + i] = pi && pj || pi != pj ? s : -s;
            }
        var signs = Enumerable.Range(0, n).Select(i => (sbyte)(i < n1 ? 1 : -1)).ToArray();
        var l = (double[])a.Clone();
        var d = new double[n];
        Assert.True(DenseKernels.LdlLower(l, n, signs, 1e-13, 1e-7, d, new double[DenseKernels.LdlWorkLength(n)], out int regularized));
        Assert.Equal(0, regularized);
        for (int i = 0; i < n; i++) Assert.True(signs[i] * d[i] > 0);
        double scale = a.Max(Math.Abs);
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = d[j] * (i == j ? 1 : l[i * n + j]);
                for (int q = 0; q < j; q++) s += l[i * n + q] * d[q] * l[j * n + q];
                Assert.True(Math.Abs(s - a[i * n + j]) <= 1e-11 * scale, $"({i},{j})");
            }
    }

    /// <summary>
    /// [[1e-10, 1e160], [1e160, 1]] ⊕ [1]: the first pivot 1e-10 is above the regularization threshold, so L_10 = 1e170
    /// and the second pivot 1 - 1e330 overflows to -∞. That is a failed factorization (dense and sparse alike), not a
    /// wrong-signed pivot to regularize: regularizing it left an infinite L entry behind a factorization reported as done.
    /// </summary>
    [Fact]
    public void LdlReportsFailureWhenAPivotOverflowsInsteadOfRegularizingIt()
    {
        var k = new double[,] { { 1e-10, 1e160, 0 }, { 1e160, 1, 0 }, { 0, 0, 1 } };
        sbyte[] signs = [1, 1, 1];
        var dense = new double[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) dense[i * 3 + j] = k[i, j];
        Assert.False(DenseKernels.LdlLower(dense, 3, signs, 1e-13, 1e-7, new double[3], new double[DenseKernels.LdlWorkLength(3)], out _));
        var upper = LdlTestMatrices.UpperOf(k);
        Assert.False(SparseLdl.Create(upper, FillReducingOrdering.Natural).Factor(upper.Values, signs, 1e-13, 1e-7));
        // A finite wrong-signed pivot is still regularized: [[1, 2], [2, 1]] has the pivots 1 and -3.
        var indefinite = new double[] { 1, 2, 2, 1 };
        Assert.True(DenseKernels.LdlLower(indefinite, 2, [1, 1], 1e-13, 1e-7, new double[2], new double[DenseKernels.LdlWorkLength(2)], out int regularized));
        Assert.Equal(1, regularized);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(40)]
    public void CholeskyReconstructsAndSolves(int n)
    {
        var rng = new Random(n);
        var b = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = 0.1;
        DenseKernels.SymmetricRankKUpdateLower(a, n, b, n);
        var l = (double[])a.Clone();
        Assert.True(DenseKernels.CholeskyLower(l, n));
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int p = 0; p <= j; p++) s += l[i * n + p] * l[j * n + p];
                Assert.Equal(a[i * n + j], s, 1e-10);
            }
        var x = Enumerable.Range(0, n).Select(i => (double)i - n / 2).ToArray();
        var rhs = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) rhs[i] += a[Math.Max(i, j) * n + Math.Min(i, j)] * x[j];
        DenseKernels.CholeskySolve(l, n, rhs);
        for (int i = 0; i < n; i++) Assert.Equal(x[i], rhs[i], 1e-8);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(13)]
    public void TheInverseFactorInvertsLAndSolvesTheSystem(int n)
    {
        // X = L^-1 satisfies X L = I (zero above the diagonal), and X'(X b) solves L L' x = b as the triangular solves do.
        var rng = new Random(n + 7);
        var z = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = 0.05;
        DenseKernels.SymmetricRankKUpdateLower(a, n, z, n);
        var l = (double[])a.Clone();
        Assert.True(DenseKernels.CholeskyLower(l, n));
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) l[i * n + j] = 0;
        var x = new double[n * n];
        DenseKernels.InvertLower(l, n, x);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += x[i * n + k] * l[k * n + j];
                Assert.Equal(i == j ? 1.0 : 0.0, s, 1e-10);
                if (j > i) Assert.Equal(0.0, x[i * n + j]);
            }
        var b = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var expected = (double[])b.Clone();
        DenseKernels.CholeskySolve(l, n, expected);
        var solution = new double[n]; var work = new double[n];
        DenseKernels.SolveWithInverseFactor(x, n, b, work, solution);
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], solution[i], 1e-9 * Math.Max(1, Math.Abs(expected[i])));
    }

    [Fact]
    public void CholeskyRefusesAnIndefiniteMatrix()
    {
        var a = new double[] { 1, 0, 2, 1 }; // lower triangle of [[1,2],[2,1]]
        Assert.False(DenseKernels.CholeskyLower(a, 2));
        // With tiny pivots replaced too: the pivot -3 is not a rounding artefact of a semidefinite matrix, yet only a
        // diagonal that is not positive is refused; the replaced pivot is counted.
        a = [1, 0, 2, 1];
        Assert.True(DenseKernels.CholeskyLower(a, 2, 1e-13, out int replaced));
        Assert.Equal(1, replaced);
        Assert.False(DenseKernels.CholeskyLower(new double[] { 1, 0, 2, 0 }, 2, 1e-13, out _));
    }

    [Theory]
    [InlineData(40, 40, 0)]
    [InlineData(40, 25, 15)]
    [InlineData(60, 7, 53)]
    public void CholeskyWithTinyPivotsReplacedSolvesConsistentSystemsOfASemidefiniteMatrix(int n, int rank, int expectReplaced)
    {
        // M = Z Z' (Z n x rank): exactly singular when rank < n, and rounding leaves pivots that the plain factorization
        // may find negative. Every such pivot is replaced, the factor of the others is exact, and M x = b is solved for
        // every b in the range of M.
        var rng = new Random(n + rank);
        var z = Enumerable.Range(0, n * rank).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var a = new double[n * n];
        DenseKernels.SymmetricRankKUpdateLower(a, n, z, rank);
        var l = (double[])a.Clone();
        Assert.True(DenseKernels.CholeskyLower(l, n, 1e-13, out int replaced));
        Assert.Equal(expectReplaced, replaced);
        var y = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var b = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) b[i] += a[Math.Max(i, j) * n + Math.Min(i, j)] * y[j];
        var x = (double[])b.Clone();
        DenseKernels.CholeskySolve(l, n, x);
        double residual = 0, bNorm = b.Max(Math.Abs);
        for (int i = 0; i < n; i++)
        {
            double s = -b[i];
            for (int j = 0; j < n; j++) s += a[Math.Max(i, j) * n + Math.Min(i, j)] * x[j];
            residual = Math.Max(residual, Math.Abs(s));
        }
        Assert.True(residual <= 1e-9 * bNorm, $"residual {residual:g3} for ||b|| {bNorm:g3}");
        Assert.True(x.All(double.IsFinite));
    }
}

public class DenseQrTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(12, 8)]
    public void QrFactorGivesTheCholeskyFactorOfTheGramMatrix(int rows, int cols)
    {
        var rng = new Random(rows * 7 + cols);
        var b = Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() - 0.5).ToArray();
        // Badly scaled columns: the Gram matrix's condition number is the square of B's.
        for (int c = 0; c < cols; c++) for (int i = 0; i < rows; i++) b[c * rows + i] *= Math.Pow(10, 3 * c);
        var gram = new double[cols * cols];
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < cols; j++)
                for (int k = 0; k < rows; k++) gram[i * cols + j] += b[i * rows + k] * b[j * rows + k];
        var l = new double[cols * cols];
        Assert.True(DenseKernels.QrLowerFactor((double[])b.Clone(), rows, cols, l));
        for (int i = 0; i < cols; i++)
        {
            Assert.True(l[i * cols + i] > 0);
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int k = 0; k <= j; k++) s += l[i * cols + k] * l[j * cols + k];
                Assert.Equal(gram[i * cols + j], s, 1e-10 * Math.Sqrt(Math.Abs(gram[i * cols + i] * gram[j * cols + j])));
            }
            for (int j = i + 1; j < cols; j++) Assert.Equal(0, l[i * cols + j]);
        }
    }

    [Fact]
    public void QrRefusesADependentColumn()
    {
        var b = new double[] { 1, 2, 3, 0, 0, 0 };
        Assert.False(DenseKernels.QrLowerFactor(b, 3, 2, new double[4]));
    }
}

public class DenseEigenTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void JacobiEigenReconstructsTheMatrixWithOrthonormalVectors(int n)
    {
        var rng = new Random(n);
        var a = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.NextDouble() - 0.5;
        var work = (double[])a.Clone();
        var w = new double[n]; var v = new double[n * n];
        DenseKernels.SymmetricEigen(work, n, w, v);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0, o = 0;
                for (int k = 0; k < n; k++) { s += v[i * n + k] * w[k] * v[j * n + k]; o += v[k * n + i] * v[k * n + j]; }
                Assert.Equal(a[i * n + j], s, 1e-12);
                Assert.Equal(i == j ? 1.0 : 0.0, o, 1e-12);
            }
    }

    [Fact]
    public void RankDeficientGramHasZeroEigenvalues()
    {
        // Columns 2 and 3 are multiples of column 1: rank 1.
        var g = new double[] { 1, 2, -3, 2, 4, -6, 0.5, 1, -1.5 }; // 3 rows x 3 cols, row-major
        var c = new double[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) c[i * 3 + j] += g[k * 3 + i] * g[k * 3 + j];
        var w = new double[3]; var v = new double[9];
        DenseKernels.SymmetricEigen(c, 3, w, v);
        Assert.Equal(2, w.Count(x => Math.Abs(x) < 1e-12 * w.Max()));
    }
}
