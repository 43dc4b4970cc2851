using ExactConvexNN.Solver.Cones;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Cones;

/// <summary>
/// Defining properties every cone must have, checked on random interior points built independently of the
/// cone code: barrier gradient/Hessian against finite differences, the NT identity W z = W^-1 s = λ,
/// the W'W block against W applied twice, Jordan division inverting the product, and step lengths that
/// stop exactly at the boundary.
/// </summary>
public abstract class ConePropertyTests
{
    /// <summary>A fresh cone under test.</summary>
    protected abstract ICone CreateCone();

    /// <summary>A random point strictly inside the cone, built without the cone code.</summary>
    protected abstract double[] InteriorPoint(Random rng);

    /// <summary>Independent membership test: the smallest eigenvalue of x in the cone's Jordan algebra.</summary>
    protected abstract double Margin(double[] x);


    private static double[] RandomVector(Random rng, int n)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextDouble() * 2 - 1;
        return v;
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double v in expected) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * scale, $"entry {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void BarrierGradientMatchesFiniteDifferences(Seed seed)
    {
        var rng = new Random(seed); var cone = CreateCone();
        var x = InteriorPoint(rng); int n = x.Length;
        var g = new double[n]; cone.BarrierGradient(x, g);
        var fd = new double[n];
        const double h = 1e-6;
        for (int i = 0; i < n; i++)
        {
            // Central difference (f(x + h e_i) - f(x - h e_i)) / 2h.
            var xp = (double[])x.Clone(); xp[i] += h;
            var xm = (double[])x.Clone(); xm[i] -= h;
            fd[i] = (cone.Barrier(xp) - cone.Barrier(xm)) / (2 * h);
        }
        AssertClose(fd, g, 1e-5);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void BarrierHessianMatchesFiniteDifferencesOfGradient(Seed seed)
    {
        var rng = new Random(seed); var cone = CreateCone();
        var x = InteriorPoint(rng); int n = x.Length;
        var v = RandomVector(rng, n);
        var hv = new double[n]; cone.BarrierHessianProduct(x, v, hv);
        const double h = 1e-6;
        var xp = new double[n]; var xm = new double[n];
        for (int i = 0; i < n; i++) { xp[i] = x[i] + h * v[i]; xm[i] = x[i] - h * v[i]; }
        var gp = new double[n]; var gm = new double[n];
        cone.BarrierGradient(xp, gp); cone.BarrierGradient(xm, gm);
        var fd = new double[n];
        for (int i = 0; i < n; i++) fd[i] = (gp[i] - gm[i]) / (2 * h);
        AssertClose(fd, hv, 1e-5);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void NesterovToddScalingSatisfiesWzEqualsWInverseTransposeSEqualsLambda(Seed seed)
    {
        var rng = new Random(seed); var cone = CreateCone();
        var s = InteriorPoint(rng); var z = InteriorPoint(rng); int n = s.Length;
        var lambda = new double[n];
        Assert.True(cone.UpdateScaling(s, z, lambda));
        var wz = new double[n]; var wis = new double[n];
        cone.MultiplyW(z, wz); cone.MultiplyWInverseTranspose(s, wis);
        AssertClose(lambda, wz, 1e-10);
        AssertClose(lambda, wis, 1e-10);
        // λ'λ = z'W'W^-T s = s'z and λ is strictly inside the cone.
        double ll = 0, sz = 0;
        for (int i = 0; i < n; i++) { ll += lambda[i] * lambda[i]; sz += s[i] * z[i]; }
        Assert.Equal(sz, ll, 1e-10 * Math.Max(1, sz));
        Assert.True(Margin(lambda) > 0);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void HessianBlockMatchesWTransposeWAndTheInversesUndoW(Seed seed)
    {
        var rng = new Random(seed); var cone = CreateCone();
        var s = InteriorPoint(rng); var z = InteriorPoint(rng); int n = s.Length;
        Assert.True(cone.UpdateScaling(s, z, new double[n]));
        var block = new double[cone.HessianBlockLength];
        cone.GetHessianBlock(block);
        var e = new double[n]; var we = new double[n]; var wwe = new double[n]; var back = new double[n];
        var wte = new double[n]; var backT = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(e); e[j] = 1;
            cone.MultiplyW(e, we); cone.MultiplyWTranspose(we, wwe);
            cone.MultiplyWInverse(we, back);
            AssertClose(e, back, 1e-10);
            cone.MultiplyWTranspose(e, wte); cone.MultiplyWInverseTranspose(wte, backT);
            AssertClose(e, backT, 1e-10);
            for (int i = 0; i < n; i++)
            {
                double packed = PackedEntry(cone, block, i, j);
                Assert.Equal(wwe[i], packed, 1e-9 * Math.Max(1, Math.Abs(wwe[i])));
            }
        }
    }

    /// <summary>Entry (i, j) of a packed W'W block: diagonal, dense upper by column, or block-diagonal for a product.</summary>
    internal static double PackedEntry(ICone cone, ReadOnlySpan<double> block, int i, int j)
    {
        if (cone is CompositeCone product)
        {
            for (int k = 0; k < product.Cones.Count; k++)
            {
                int lo = product.Offset(k), hi = lo + product.Cones[k].Dimension;
                if (i >= lo && i < hi)
                    return j >= lo && j < hi
                        ? PackedEntry(product.Cones[k], block[product.HessianOffset(k)..], i - lo, j - lo)
                        : 0.0;
            }
            throw new ArgumentOutOfRangeException(nameof(i));
        }
        if (cone.HasDiagonalScaling) return i == j ? block[i] : 0.0;
        int hi2 = Math.Max(i, j), lo2 = Math.Min(i, j);
        return block[hi2 * (hi2 + 1) / 2 + lo2];
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void JordanDivideInvertsJordanProduct(Seed seed)
    {
        var rng = new Random(seed); var cone = CreateCone();
        var lambda = InteriorPoint(rng); var u = RandomVector(rng, lambda.Length);
        var v = new double[u.Length]; var back = new double[u.Length];
        cone.JordanProduct(lambda, u, v);
        cone.JordanDivide(lambda, v, back);
        AssertClose(u, back, 1e-9);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void StepLengthStopsAtTheBoundary(Seed seed)
    {
        var rng = new Random(seed); var cone = CreateCone();
        var x = InteriorPoint(rng); int n = x.Length;
        var dx = RandomVector(rng, n);
        for (int i = 0; i < n; i++) dx[i] *= 10;
        double alpha = cone.StepLength(x, dx, 1e6);
        var at = new double[n];
        for (int i = 0; i < n; i++) at[i] = x[i] + 0.999 * alpha * dx[i];
        Assert.True(Margin(at) > 0, "the step leaves the cone");
        if (alpha < 1e6)
        {
            for (int i = 0; i < n; i++) at[i] = x[i] + 1.001 * alpha * dx[i];
            Assert.True(Margin(at) < 0, "the step stops before the boundary");
        }
    }
}

public sealed class NonnegativeConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() => NonnegativeCone.Create(5);
    protected override double[] InteriorPoint(Random rng) => Enumerable.Range(0, 5).Select(_ => 0.05 + 3 * rng.NextDouble()).ToArray();
    protected override double Margin(double[] x) => x.Min();
}

public sealed class SecondOrderConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() => SecondOrderCone.Create(4);
    internal static double[] SocPoint(Random rng, int n)
    {
        var x = new double[n];
        double r = 0;
        for (int i = 1; i < n; i++) { x[i] = 4 * rng.NextDouble() - 2; r += x[i] * x[i]; }
        x[0] = Math.Sqrt(r) + 0.01 + rng.NextDouble();
        return x;
    }
    internal static double SocMargin(double[] x) => x[0] - Math.Sqrt(x.Skip(1).Sum(v => v * v));
    protected override double[] InteriorPoint(Random rng) => SocPoint(rng, 4);
    protected override double Margin(double[] x) => SocMargin(x);
}

public class SecondOrderConeExpansionTests
{
    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void SparseExpansionEqualsWAppliedTwice(Seed seed)
    {
        var rng = new Random(seed);
        int n = 1 + rng.Next(7);
        var cone = SecondOrderCone.Create(n);
        Assert.True(cone.UpdateScaling(SecondOrderConePropertyTests.SocPoint(rng, n), SecondOrderConePropertyTests.SocPoint(rng, n), new double[n]));
        var d = new double[n]; var u = new double[n]; var v = new double[n];
        cone.GetHessianExpansion(d, u, v);
        Assert.True(d.All(x => x > 0), "the diagonal of the expansion must be positive");
        // v' diag(d)^-1 v < 1 keeps [[-diag(d), v], [v', -1]] negative definite (quasi-definite KKT).
        Assert.True(Enumerable.Range(0, n).Sum(i => v[i] * v[i] / d[i]) < 1);
        var e = new double[n]; var we = new double[n]; var wwe = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(e); e[j] = 1;
            cone.MultiplyW(e, we); cone.MultiplyW(we, wwe);   // W' = W on a second-order cone
            for (int i = 0; i < n; i++)
            {
                double expanded = (i == j ? d[i] : 0) + u[i] * u[j] - v[i] * v[j];
                Assert.Equal(wwe[i], expanded, 1e-9 * Math.Max(1, Math.Abs(wwe[i])));
            }
        }
    }
}

public sealed class ScalarSecondOrderConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() => SecondOrderCone.Create(1);
    protected override double[] InteriorPoint(Random rng) => SecondOrderConePropertyTests.SocPoint(rng, 1);
    protected override double Margin(double[] x) => x[0];
}

/// <summary>A product of an orthant and two second-order cones: each block must keep its own properties.</summary>
public sealed class CompositeConePropertyTests : ConePropertyTests
{
    protected override ICone CreateCone() =>
        CompositeCone.Create(new ICone[] { NonnegativeCone.Create(2), SecondOrderCone.Create(3), SecondOrderCone.Create(2) });
    protected override double[] InteriorPoint(Random rng) =>
        [0.1 + rng.NextDouble(), 0.1 + rng.NextDouble(), .. SecondOrderConePropertyTests.SocPoint(rng, 3), .. SecondOrderConePropertyTests.SocPoint(rng, 2)];
    protected override double Margin(double[] x) =>
        Math.Min(Math.Min(x[0], x[1]), Math.Min(SecondOrderConePropertyTests.SocMargin(x[2..5]), SecondOrderConePropertyTests.SocMargin(x[5..7])));
}

public class ZeroConeTests
{
    [Fact]
    public void ZeroConeHasDegreeZeroAndSetsEverythingToZero()
    {
        var cone = ZeroCone.Create(3);
        var x = new double[] { 1, -2, 3 };
        cone.ShiftToInterior(x);
        Assert.All(x, v => Assert.Equal(0.0, v));
        Assert.Equal(0, cone.Degree);
        Assert.Equal(7.5, cone.StepLength(x, [1, 2, 3], 7.5));
        var block = new double[] { 5, 5, 5 };
        cone.GetHessianBlock(block);
        Assert.All(block, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void CompositeOffsetsAndDegreesAddUp()
    {
        var cone = CompositeCone.Create(new ExactConvexNN.Solver.Problem.ConeSpec[]
        {
            new ExactConvexNN.Solver.Problem.ZeroConeSpec(2), new ExactConvexNN.Solver.Problem.NonnegativeConeSpec(3),
            new ExactConvexNN.Solver.Problem.SecondOrderConeSpec(4), new ExactConvexNN.Solver.Problem.ZeroConeSpec(0),
        });
        Assert.Equal(9, cone.Dimension);
        Assert.Equal(0 + 3 + 1, cone.Degree);
        Assert.Equal(2 + 3 + 4 * 5 / 2, cone.HessianBlockLength);
        Assert.Equal(5, cone.Offset(2));
        Assert.False(cone.HasDiagonalScaling);
    }
}
