using ExactConvexNN.Solver.Cones;

namespace ExactConvexNN.Tests.Solver.Cones;

/// <summary>The shared cone properties for a 4 x 4 semidefinite cone (points B B' + εI, built without PsdCone).</summary>
public sealed class PsdConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() => PsdCone.Create(4);
    protected override double[] InteriorPoint(Random rng) => SymmetricMatrices.Svec(SymmetricMatrices.RandomPsd(rng, 4, 4, 0.05 + rng.NextDouble()));
    protected override double Margin(double[] x) => SymmetricMatrices.MinEigenvalue(x);
}

/// <summary>A 1 x 1 semidefinite cone is the half-line.</summary>
public sealed class ScalarPsdConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() => PsdCone.Create(1);
    protected override double[] InteriorPoint(Random rng) => [0.05 + 3 * rng.NextDouble()];
    protected override double Margin(double[] x) => x[0];
}

/// <summary>Ill-conditioned points (rank-1 plus a small shift): the scaling must stay accurate.</summary>
public sealed class NearlySingularPsdConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() => PsdCone.Create(3);
    protected override double[] InteriorPoint(Random rng) => SymmetricMatrices.Svec(SymmetricMatrices.RandomPsd(rng, 3, 1, 0.02 + 0.1 * rng.NextDouble()));
    protected override double Margin(double[] x) => SymmetricMatrices.MinEigenvalue(x);
}

/// <summary>An orthant, a semidefinite cone and a second-order cone in one product.</summary>
public sealed class MixedPsdCompositeConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() =>
        CompositeCone.Create(new ICone[] { NonnegativeCone.Create(1), PsdCone.Create(3), SecondOrderCone.Create(3) });
    protected override double[] InteriorPoint(Random rng) =>
        [0.1 + rng.NextDouble(), .. SymmetricMatrices.Svec(SymmetricMatrices.RandomPsd(rng, 3, 3, 0.1)), .. SecondOrderConePropertyTests.SocPoint(rng, 3)];
    protected override double Margin(double[] x) =>
        Math.Min(x[0], Math.Min(SymmetricMatrices.MinEigenvalue(x.AsSpan(1, 6)), SecondOrderConePropertyTests.SocMargin(x[7..10])));
}
