using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>beta_max, the smallest beta at which the zero network is optimal, checked by the solver-free certificate.</summary>
public class BetaMaxTests
{
    /// <summary>Random integer data: n rows in d dimensions, with or without a bias.</summary>
    public sealed record Case(int N, int D, bool Bias, int Seed)
    {
        public override string ToString() => $"n={N} d={D} bias={Bias} seed={Seed}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from n in Gen.Choose(2, 9) from d in Gen.Choose(1, 3) from bias in Gen.Elements(true, false)
            from seed in Gen.Choose(0, 100_000) select new Case(n, d, bias, seed));
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 40, Replay = "20261202,5")]
    public void TheZeroNetworkIsCertifiedJustAboveBetaMaxAndNotJustBelow(Case t)
    {
        var (n, d, bias, seed) = (t.N, t.D, t.Bias, t.Seed);
        string c = t.ToString();
        var rng = new Random(seed);
        var x = new double[n, d];
        var y = new double[n];
        // Integer data (repeated rows, cones whose constraints bind) and targets of both signs.
        for (int i = 0; i < n; i++) { for (int j = 0; j < d; j++) x[i, j] = rng.Next(-2, 3); y[i] = rng.Next(-3, 4); }
        if (y.All(v => v == 0)) y[0] = 1;
        var data = Dataset.Create(x, y);
        var arch = NetworkArchitecture.FullyConnected(d, bias);
        var rows = arch.StackedPatches(x).X;
        var arrangement = ArrangementEnumerator.Enumerate(rows);
        double betaMax = TrainingGuards.ReluBetaMax(rows, y, arrangement);
        var zero = TwoLayerReluNetwork.Create(arch, []);
        // Below beta_max the optimum falls only quadratically, (beta_max - beta)^2 / (2 ||(X u)_+||^2): at 1e-3 below, the
        // zero network is within about 1e-6 of it, so its non-optimality is asked of a 1e-9 certificate.
        var request = new CertificateRequest { Arrangement = arrangement, Tolerance = 1e-9 };
        Assert.True(ModelPipeline.Verify(zero, data, betaMax * (1 + 1e-6), request).CertifiedOptimal, $"{c}: zero network not certified above beta_max {betaMax}");
        if (betaMax > 0)
            Assert.False(ModelPipeline.Verify(zero, data, betaMax * (1 - 1e-3), request).CertifiedOptimal, $"{c}: zero network certified below beta_max {betaMax}");
    }
}
