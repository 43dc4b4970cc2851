using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Tests.Linear;

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

    [Fact]
    public void CholeskyRefusesAnIndefiniteMatrix()
    {
        var a = new double[] { 1, 0, 2, 1 }; // lower triangle of [[1,2],[2,1]]
        Assert.False(DenseKernels.CholeskyLower(a, 2));
    }
}
