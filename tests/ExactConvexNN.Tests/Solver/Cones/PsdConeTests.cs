using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Problem;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Tests.Solver.Cones;

/// <summary>Semidefinite-cone specifics beyond the shared properties: svec layout, degree, unit, Jordan product, λ.</summary>
public class PsdConeTests
{
    [Fact]
    public void SvecIndexRunsDownTheLowerTriangleColumnByColumn()
    {
        // k = 3: (0,0) (1,0) (2,0) (1,1) (2,1) (2,2) -> 0..5; the index is symmetric in (i, j).
        int[,] expected = { { 0, 1, 2 }, { 1, 3, 4 }, { 2, 4, 5 } };
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(expected[i, j], PsdCone.SvecIndex(i, j, 3));
        Assert.Equal(6, new PsdConeSpec(3).Dimension);
        Assert.Equal("psd", new PsdConeSpec(3).Kind);
    }

    [Fact]
    public void DegreeUnitAndSpecMatchTheMatrixOrder()
    {
        var cone = CompositeCone.Create(new ConeSpec[] { new PsdConeSpec(4), new NonnegativeConeSpec(2) });
        Assert.Equal(10 + 2, cone.Dimension);
        Assert.Equal(4 + 2, cone.Degree);
        Assert.Equal(10 * 11 / 2 + 2, cone.HessianBlockLength);
        var e = new double[10];
        cone.Cones[0].AddScaledUnit(e, 1.0);
        Assert.True(Matrix<double>.Build.DenseIdentity(4).Equals(SymmetricMatrices.Smat(e, 4)));
    }

    [Fact]
    public void JordanProductIsTheSymmetrizedMatrixProduct()
    {
        var rng = new Random(7);
        var x = SymmetricMatrices.RandomSymmetric(rng, 5); var y = SymmetricMatrices.RandomSymmetric(rng, 5);
        var r = new double[15];
        PsdCone.Create(5).JordanProduct(SymmetricMatrices.Svec(x), SymmetricMatrices.Svec(y), r);
        var expected = (x * y + y * x) / 2;
        Assert.True((SymmetricMatrices.Smat(r, 5) - expected).FrobeniusNorm() < 1e-12);
        // svec preserves the trace inner product: svec(X)'svec(Y) = tr(XY).
        double dot = SymmetricMatrices.Svec(x).Zip(SymmetricMatrices.Svec(y), (a, b) => a * b).Sum();
        Assert.Equal((x * y).Trace(), dot, 1e-12);
    }

    [Fact]
    public void ScalingPointSatisfiesGZGEqualsS()
    {
        // W'W x = svec(G X G) with G the NT point: W'W z must equal s, and λ∘λ has trace s'z.
        var rng = new Random(11);
        var s = SymmetricMatrices.RandomPsd(rng, 5, 5, 0.1); var z = SymmetricMatrices.RandomPsd(rng, 5, 2, 0.01);
        var cone = PsdCone.Create(5);
        var lambda = new double[15];
        Assert.True(cone.UpdateScaling(SymmetricMatrices.Svec(s), SymmetricMatrices.Svec(z), lambda));
        var block = new double[cone.HessianBlockLength]; cone.GetHessianBlock(block);
        var zs = SymmetricMatrices.Svec(z); var hz = new double[15];
        for (int i = 0; i < 15; i++)
            for (int j = 0; j < 15; j++) hz[i] += ConePropertyTests.PackedEntry(cone, block, i, j) * zs[j];
        Assert.True((SymmetricMatrices.Smat(hz, 5) - s).FrobeniusNorm() < 1e-9 * s.FrobeniusNorm());
    }

    [Fact]
    public void PointsOutsideTheConeAreRejected()
    {
        var cone = PsdCone.Create(2);
        double[] indefinite = [1, 2 * Math.Sqrt(2), 1];    // [[1, 2], [2, 1]] has eigenvalue -1
        Assert.False(cone.UpdateScaling(indefinite, [1, 0, 1], new double[3]));
        Assert.Equal(double.PositiveInfinity, cone.Barrier(indefinite));
        cone.ShiftToInterior(indefinite);
        Assert.True(SymmetricMatrices.MinEigenvalue(indefinite) >= 1 - 1e-12);
        Assert.Throws<ArgumentOutOfRangeException>(() => PsdCone.Create(0));
        Assert.Throws<ArgumentException>(() => ConicProblem.Create(null, [], Solver.SolverConformance.Dense(new double[0, 0]), [], [new PsdConeSpec(0)]));
    }
}
