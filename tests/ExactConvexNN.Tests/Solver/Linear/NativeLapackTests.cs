using ExactConvexNN.Solver.Linear;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace ExactConvexNN.Tests.Solver.Linear;

/// <summary>The managed product kernel and the optional native LAPACK path against MathNet's routines.</summary>
public class NativeLapackTests
{
    private static DenseMatrix Random(Random rng, int k) => DenseMatrix.Create(k, k, (_, _) => rng.NextDouble() * 2 - 1);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    public void MultiplySquareEqualsTheProductOfTheTransposedOperands(int k)
    {
        var rng = new Random(k);
        var a = Random(rng, k); var b = Random(rng, k);
        var c = new double[k * k];
        foreach (var (ta, tb, expected) in new[] { (false, false, a * b), (true, false, a.TransposeThisAndMultiply(b)), (false, true, a.TransposeAndMultiply(b)) })
        {
            DenseKernels.MultiplySquare(a.Values, ta, b.Values, tb, c, k);
            for (int i = 0; i < k * k; i++) Assert.Equal(expected.AsColumnMajorArray()[i], c[i], 1e-12);
        }
    }

    [Fact]
    public void NativeSvdAndSmallestEigenvalueMatchMathNetOrAreReportedUnavailable()
    {
        const int k = 12;
        var rng = new Random(5);
        var g = Random(rng, k);
        var sym = (DenseMatrix)(g + g.Transpose());
        var work = new double[Math.Max(NativeLapack.SvdWorkSize(k), NativeLapack.SmallestEigenvalueWorkSize(k))];
        var iwork = new int[Math.Max(NativeLapack.SvdIntWorkSize(k), NativeLapack.SmallestEigenvalueIntWorkSize(k))];
        double[] s = new double[k], u = new double[k * k], vt = new double[k * k];
        var a = (double[])g.Values.Clone();
        bool svd = NativeLapack.TrySvd(a, k, s, u, vt, work, iwork);
        var b = (double[])sym.Values.Clone();
        bool eig = NativeLapack.TrySmallestEigenvalue(b, k, work, iwork, out double min);
        // Without the library both calls must decline (the callers then use the managed path).
        Assert.Equal(NativeLapack.IsAvailable, svd);
        Assert.Equal(NativeLapack.IsAvailable, eig);
        if (!NativeLapack.IsAvailable) return;
        var reference = g.Svd(true);
        for (int i = 0; i < k; i++) Assert.Equal(reference.S[i], s[i], 1e-10);
        // U diag(s) V' reproduces G.
        var um = DenseMatrix.OfColumnMajor(k, k, u); var vtm = DenseMatrix.OfColumnMajor(k, k, vt);
        var back = um * DenseMatrix.OfDiagonalArray(s) * vtm;
        Assert.True((back - g).InfinityNorm() < 1e-10);
        Assert.Equal(sym.Evd(Symmetricity.Symmetric).EigenValues.Min(e => e.Real), min, 1e-10);
    }
}
