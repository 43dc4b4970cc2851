using ExactConvexNN.Solver.Cones;
using MathNet.Numerics.LinearAlgebra;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Cones;

/// <summary>
/// The Schur-complement solver's products with (W'W)^-1 on the PSD cone: the one-congruence form and the sparse form
/// must both equal W^-1 W^-T = (W'W)^-1, at random interior scaling points.
/// </summary>
public class PsdHessianInverseTests
{
    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void DenseAndSparseProductsEqualWInverseTimesWInverseTranspose(Seed seed)
    {
        var rng = new Random(seed);
        int k = 1 + rng.Next(9), dim = k * (k + 1) / 2;
        var cone = PsdCone.Create(k);
        // Interior points B B' + 0.05 I with eigenvalues spread over orders of magnitude (a late-iteration scaling).
        double[] Interior()
        {
            var b = Matrix<double>.Build.Dense(k, k, (_, j) => (2 * rng.NextDouble() - 1) * Math.Pow(10, -3 * rng.NextDouble()));
            return SymmetricMatrices.Svec(b * b.Transpose() + 0.05 * Matrix<double>.Build.DenseIdentity(k));
        }
        var s = Interior(); var z = Interior();
        Assert.True(cone.UpdateScaling(s, z, new double[dim]));
        // A sparse x: a random subset of the svec entries (diagonal and off-diagonal).
        var index = Enumerable.Range(0, dim).Where(_ => rng.NextDouble() < 0.4).ToArray();
        var value = index.Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var x = new double[dim];
        for (int e = 0; e < index.Length; e++) x[index[e]] = value[e];

        var t = new double[dim]; var expected = new double[dim];
        cone.MultiplyWInverseTranspose(x, t); cone.MultiplyWInverse(t, expected);
        var dense = new double[dim]; var sparse = new double[dim];
        cone.MultiplyHessianInverse(x, dense);
        cone.MultiplyHessianInverseSparse(index, value, sparse);
        double scale = 1 + expected.Max(Math.Abs);
        for (int i = 0; i < dim; i++)
        {
            Assert.True(Math.Abs(dense[i] - expected[i]) <= 1e-9 * scale, $"dense entry {i}: {dense[i]} vs {expected[i]}");
            Assert.True(Math.Abs(sparse[i] - expected[i]) <= 1e-9 * scale, $"sparse entry {i}: {sparse[i]} vs {expected[i]}");
        }
    }
}
