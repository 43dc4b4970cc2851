using ExactConvexNN.Solver.Cones;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Cones;

/// <summary>
/// Defining properties of the exponential cone, on random interior points of K and K* built without the cone code: the barriers'
/// derivatives against finite differences, the conjugacy of the primal and dual barriers, the central unit point, the two secant
/// equations of the primal-dual scaling (H z = s, H ∇f(s) = ∇f*(z)), W'W = H with exact inverses, and step lengths that stop at
/// the boundary of K and of K*.
/// </summary>
public class ExponentialConePropertyTests
{
    /// <summary>(x, y, z) with y, z &gt; 0 and x = y log(z/y) - margin, margin &gt; 0.</summary>
    internal static double[] PrimalPoint(Random rng)
    {
        double y = 0.1 + 3 * rng.NextDouble(), z = 0.1 + 3 * rng.NextDouble();
        return [y * Math.Log(z / y) - (0.01 + 2 * rng.NextDouble()), y, z];
    }

    /// <summary>(u, v, w) with u &lt; 0, w &gt; 0 and v = u + u log(-w/u) + margin, margin &gt; 0.</summary>
    internal static double[] DualPoint(Random rng)
    {
        double u = -(0.1 + 3 * rng.NextDouble()), w = 0.1 + 3 * rng.NextDouble();
        return [u, u + u * Math.Log(-w / u) + 0.01 + 2 * rng.NextDouble(), w];
    }

    private static double PrimalMargin(double[] s) => s[1] > 0 && s[2] > 0 ? s[1] * Math.Log(s[2] / s[1]) - s[0] : -1;
    private static double DualMargin(double[] z) => z[0] < 0 && z[2] > 0 ? z[1] - z[0] - z[0] * Math.Log(-z[2] / z[0]) : -1;

    private static double[] RandomVector(Random rng) => [2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1];

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tol)
    {
        double scale = 1;
        foreach (double v in expected) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * scale, $"entry {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static double[] Shifted(double[] x, double[] d, double h) => [x[0] + h * d[0], x[1] + h * d[1], x[2] + h * d[2]];

    private static double[] Unpack(ReadOnlySpan<double> packed) =>
        [packed[0], packed[1], packed[3], packed[1], packed[2], packed[4], packed[3], packed[4], packed[5]];

    private static double[] Times(double[] m, ReadOnlySpan<double> v) =>
        [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void PrimalBarrierGradientAndHessianMatchFiniteDifferences(Seed seed)
    {
        var rng = new Random(seed); var cone = ExponentialCone.Create();
        var s = PrimalPoint(rng); var v = RandomVector(rng);
        const double h = 1e-6;
        var g = new double[3]; cone.BarrierGradient(s, g);
        var hv = new double[3]; cone.BarrierHessianProduct(s, v, hv);
        var fd = new double[3]; var gp = new double[3]; var gm = new double[3];
        for (int i = 0; i < 3; i++)
        {
            var e = new double[3]; e[i] = 1;
            fd[i] = (cone.Barrier(Shifted(s, e, h)) - cone.Barrier(Shifted(s, e, -h))) / (2 * h);
        }
        AssertClose(fd, g, 1e-5);
        cone.BarrierGradient(Shifted(s, v, h), gp); cone.BarrierGradient(Shifted(s, v, -h), gm);
        for (int i = 0; i < 3; i++) fd[i] = (gp[i] - gm[i]) / (2 * h);
        AssertClose(fd, hv, 1e-5);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void DualBarrierGradientHessianAndThirdDerivativeMatchFiniteDifferences(Seed seed)
    {
        var rng = new Random(seed); var cone = ExponentialCone.Create();
        var z = DualPoint(rng); var a = RandomVector(rng); var b = RandomVector(rng);
        const double h = 1e-6;
        var g = new double[3]; var hess = new double[9];
        ExponentialCone.DualGradientAndHessian(z, g, hess);
        var fd = new double[3];
        for (int i = 0; i < 3; i++)
        {
            var e = new double[3]; e[i] = 1;
            fd[i] = (cone.DualBarrier(Shifted(z, e, h)) - cone.DualBarrier(Shifted(z, e, -h))) / (2 * h);
        }
        AssertClose(fd, g, 1e-5);
        // ∇²f* a against differences of the gradient, ∇³f*[a, b] against differences of ∇²f* a in the direction b.
        var gp = new double[3]; var gm = new double[3]; var hp = new double[9]; var hm = new double[9];
        ExponentialCone.DualGradientAndHessian(Shifted(z, a, h), gp, hp);
        ExponentialCone.DualGradientAndHessian(Shifted(z, a, -h), gm, hm);
        for (int i = 0; i < 3; i++) fd[i] = (gp[i] - gm[i]) / (2 * h);
        AssertClose(fd, Times(hess, a), 1e-5);
        ExponentialCone.DualGradientAndHessian(Shifted(z, b, h), gp, hp);
        ExponentialCone.DualGradientAndHessian(Shifted(z, b, -h), gm, hm);
        var hpa = Times(hp, a); var hma = Times(hm, a);
        for (int i = 0; i < 3; i++) fd[i] = (hpa[i] - hma[i]) / (2 * h);
        var t = new double[3]; ExponentialCone.DualThirdDerivative(z, a, b, t);
        AssertClose(fd, t, 1e-5);
        // Symmetric in its arguments, and ∇³f*(z)[z, a] = -2 ∇²f*(z) a (log-homogeneity).
        var t2 = new double[3]; ExponentialCone.DualThirdDerivative(z, b, a, t2);
        AssertClose(t, t2, 1e-10);
        ExponentialCone.DualThirdDerivative(z, z, a, t2);
        var ha = Times(hess, a);
        AssertClose([-2 * ha[0], -2 * ha[1], -2 * ha[2]], t2, 1e-9);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void PrimalAndDualBarriersAreConjugate(Seed seed)
    {
        // -∇f*(-∇f(s)) = s, ∇f(s)'s = -3, and f(s) + f*(z) >= -3 log(s'z/3) with equality at z = -∇f(s).
        var rng = new Random(seed); var cone = ExponentialCone.Create();
        var s = PrimalPoint(rng); var z = DualPoint(rng);
        var g = new double[3]; Assert.True(ExponentialCone.PrimalGradient(s, g));
        var zt = new[] { -g[0], -g[1], -g[2] };
        Assert.True(ExponentialCone.IsInDualInterior(zt));
        var gd = new double[3]; ExponentialCone.DualGradientAndHessian(zt, gd, new double[9]);
        AssertClose(s, [-gd[0], -gd[1], -gd[2]], 1e-9);
        Assert.Equal(-3, g[0] * s[0] + g[1] * s[1] + g[2] * s[2], 1e-9);
        double Gap(double[] zz) => cone.Barrier(s) + cone.DualBarrier(zz) + 3 * Math.Log((s[0] * zz[0] + s[1] * zz[1] + s[2] * zz[2]) / 3);
        Assert.Equal(0, Gap(zt), 1e-9);
        Assert.True(Gap(z) >= -1e-12, $"{Gap(z)}");
    }

    [Fact]
    public void UnitPointIsTheCentralPointOfBothCones()
    {
        var cone = ExponentialCone.Create();
        var e = ExponentialCone.UnitPoint.ToArray();
        Assert.True(ExponentialCone.IsInPrimalInterior(e) && ExponentialCone.IsInDualInterior(e));
        var g = new double[3]; ExponentialCone.DualGradientAndHessian(e, g, new double[9]);
        AssertClose(e, [-g[0], -g[1], -g[2]], 1e-15);
        Assert.Equal(0, cone.Barrier(e) + cone.DualBarrier(e), 1e-14);
        var x = new double[3];
        cone.AddScaledUnit(x, 2);
        AssertClose([2 * e[0], 2 * e[1], 2 * e[2]], x, 0);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void PrimalDualScalingSatisfiesBothSecantEquationsAndFactorsAsWTransposeW(Seed seed)
    {
        var rng = new Random(seed); var cone = ExponentialCone.Create();
        var s = PrimalPoint(rng); var z = DualPoint(rng);
        var lambda = new double[3];
        Assert.True(cone.UpdateScaling(s, z, lambda));
        var packed = new double[6]; cone.GetHessianBlock(packed);
        var h = Unpack(packed);
        AssertClose(s, Times(h, z), 1e-9);
        var g = new double[3]; ExponentialCone.PrimalGradient(s, g);
        var gd = new double[3]; ExponentialCone.DualGradientAndHessian(z, gd, new double[9]);
        AssertClose(gd, Times(h, g), 1e-8);
        // W'W = H, W z = W^-T s = λ, and the inverses undo W and W'.
        var wz = new double[3]; var wis = new double[3];
        cone.MultiplyW(z, wz); cone.MultiplyWInverseTranspose(s, wis);
        AssertClose(lambda, wz, 1e-12);
        AssertClose(lambda, wis, 1e-8);
        for (int j = 0; j < 3; j++)
        {
            var e = new double[3]; e[j] = 1;
            var we = new double[3]; var wwe = new double[3]; var back = new double[3]; var wte = new double[3];
            cone.MultiplyW(e, we); cone.MultiplyWTranspose(we, wwe);
            AssertClose([h[j], h[3 + j], h[6 + j]], wwe, 1e-10);
            cone.MultiplyWInverse(we, back); AssertClose(e, back, 1e-10);
            cone.MultiplyWTranspose(e, wte); cone.MultiplyWInverseTranspose(wte, back); AssertClose(e, back, 1e-10);
        }
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void DualScalingIsMuTimesTheDualHessian(Seed seed)
    {
        var rng = new Random(seed); var cone = ExponentialCone.Create();
        var s = PrimalPoint(rng); var z = DualPoint(rng);
        double mu = 0.01 + rng.NextDouble();
        Assert.True(cone.UpdateScaling(s, z, new double[3], mu, dualScaling: true));
        var packed = new double[6]; cone.GetHessianBlock(packed);
        var hd = new double[9]; ExponentialCone.DualGradientAndHessian(z, new double[3], hd);
        AssertClose(hd.Select(v => mu * v).ToArray(), Unpack(packed), 1e-12);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void StepLengthsStopAtTheBoundaryOfTheConeAndOfTheDualCone(Seed seed)
    {
        var rng = new Random(seed); var cone = ExponentialCone.Create();
        foreach (bool primal in new[] { true, false })
        {
            var x = primal ? PrimalPoint(rng) : DualPoint(rng);
            var dx = RandomVector(rng).Select(v => 10 * v).ToArray();
            double alpha = primal ? cone.StepLength(x, dx, 1e6) : cone.DualStepLength(x, dx, 1e6);
            Func<double[], double> margin = primal ? PrimalMargin : DualMargin;
            Assert.True(margin(Shifted(x, dx, 0.999 * alpha)) > 0, "the step leaves the cone");
            if (alpha < 1e6) Assert.True(margin(Shifted(x, dx, 1.001 * alpha)) < 0, "the step stops before the boundary");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.0000001)]
    [InlineData(2.0)]
    [InlineData(3.5)]
    [InlineData(50.0)]
    [InlineData(1e8)]
    public void WrightOmegaSolvesOmegaPlusLogOmega(double r)
    {
        double w = ExponentialCone.WrightOmega(r);
        Assert.True(w >= 1);
        Assert.Equal(r, w + Math.Log(w), 1e-14 * r);
    }

    [Fact]
    public void JordanOperationsAreRefusedOnTheNonsymmetricCone()
    {
        var cone = ExponentialCone.Create();
        Assert.False(((ICone)cone).IsSymmetric);
        Assert.Throws<NotSupportedException>(() => cone.JordanProduct([1, 1, 1], [1, 1, 1], new double[3]));
    }
}
