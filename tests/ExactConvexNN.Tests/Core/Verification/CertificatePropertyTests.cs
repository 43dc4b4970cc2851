using ExactConvexNN.Models;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;
using FsCheck;
using FsCheck.Fluent;
using static ExactConvexNN.Tests.Core.Arrangements.ArrangementTestData;

namespace ExactConvexNN.Tests.Core.Verification;

/// <summary>
/// The certificate against both trainers on random small data sets (n &lt;= 12, d &lt;= 3 with the bias column): integer
/// data in a small range (repeated rows, multiples, zero rows, concurrent hyperplanes) and Gaussian data.
/// </summary>
public class CertificatePropertyTests
{
    /// <summary>A random problem: n samples, d features (+ bias), integer or Gaussian entries, beta, from a seed.</summary>
    public sealed record Case(int N, int D, bool Bias, bool Integer, double Beta, int Seed)
    {
        public Dataset Data
        {
            get
            {
                var x = Integer ? SmallIntegers(N, D, 2, Seed) : Gaussian(N, D, Seed);
                var rng = new Random(Seed + 1);
                var y = Enumerable.Range(0, N).Select(_ => Integer ? rng.Next(-3, 4) : 4 * rng.NextDouble() - 2).ToArray();
                return Dataset.Create(x, y);
            }
        }
        public override string ToString() => $"n={N} d={D} bias={Bias} integer={Integer} beta={Beta} seed={Seed}";
    }

    /// <summary>The generator of <see cref="Case"/>.</summary>
    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from n in Gen.Choose(1, 12)
            from d in Gen.Choose(1, 3)
            from bias in Gen.Elements(false, true)
            from integer in Gen.Elements(true, false)
            from beta in Gen.Elements(0.01, 0.1, 0.5, 2.0)
            from seed in Gen.Choose(0, 1_000_000)
            select new Case(n, bias ? Math.Min(d, 2) : d, bias, integer, beta, seed));
    }

    /// <summary>
    /// A fixed FsCheck replay seed keeps CI reproducible (as in SolverPropertyTests). Unseeded, these properties failed
    /// in about 1 run in 4 before recovery polished (see <see cref="PruningThatLosesAccuracyIsPolishedToACertifiedOptimum"/>);
    /// after it, five other seeds and 400 further random cases of the certificate property passed.
    /// </summary>
    private const string ReplaySeed = "20261201,11";
    private const int Tests = 25;

    /// <summary>
    /// A case the unseeded property found (audit of 2026-12-01): pruning the interior-point solution left the network
    /// 1.045e-6 (relative) above the optimum, just outside the tolerance (objective 0.09131531723593941, bound
    /// 0.09131522181491203). Recovery now polishes the support when pruning loses more than 1e-7: relative gap 9e-8.
    /// </summary>
    [Fact]
    public void PruningThatLosesAccuracyIsPolishedToACertifiedOptimum() =>
        AssertConvexCertified(new Case(8, 2, true, false, 0.01, 594746).Data, 0.01, true, "n=8 d=2 bias=True integer=False beta=0.01 seed=594746");

    private static double Scale(double v) => Math.Max(1, Math.Abs(v));

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = Tests, Replay = ReplaySeed)]
    public void ConvexOptimumIsCertifiedAndItsDualBoundEqualsIt(Case c) => AssertConvexCertified(c.Data, c.Beta, c.Bias, c.ToString());

    [Trait("Category", "Slow")]
    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = Tests, Replay = ReplaySeed)]
    public void NoNonconvexRunBeatsTheCertifiedLowerBound(Case c) => AssertRunsAboveBound(c.Data, c.Beta, c.Bias, c.Seed, c.ToString());

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = Tests, Replay = ReplaySeed)]
    public void RecoveredNetworkIsAStationaryPointOfTheNonconvexObjective(Case c) => AssertStationary(c.Data, c.Beta, c.Bias, c.ToString());

    internal static void AssertConvexCertified(Dataset data, double beta, bool bias, string c)
    {
        var convex = Fit.Relu(data, beta, bias: bias);
        var cert = OptimalityVerifier.Verify(data, beta, convex.Network, convex.Arrangement, convex.DualCandidate);
        Assert.True(cert.CertifiedOptimal, $"{c}: relative gap {cert.RelativeGap:E3} (objective {cert.Objective}, bound {cert.LowerBound})");
        Assert.True(Math.Abs(cert.LowerBound - convex.Primal) <= 1e-6 * Scale(convex.Primal), $"{c}: bound {cert.LowerBound} vs optimum {convex.Primal}");
    }

    internal static void AssertRunsAboveBound(Dataset data, double beta, bool bias, int seed, string c)
    {
        var convex = Fit.Relu(data, beta, bias: bias);
        var method = (NonconvexOptimizer)(seed % 3);
        var run = Fit.Descend(data, beta, bias, new NonconvexOptions
        {
            Neurons = 1 + seed % 4, Optimizer = method, Epochs = 150, Seed = seed,
            LearningRate = method == NonconvexOptimizer.Adam ? 0.02 : 0.005,
        });
        var runNet = (TwoLayerReluNetwork)run.Network;
        // The certified bound from the convex multipliers, and the run's own bound from its residual.
        var best = OptimalityVerifier.Verify(data, beta, runNet, convex.Arrangement, convex.DualCandidate);
        var own = OptimalityVerifier.Verify(data, beta, runNet, convex.Arrangement);
        Assert.True(run.Objective >= best.LowerBound - 1e-9 * Scale(best.LowerBound), $"{c}: run {run.Objective} below the bound {best.LowerBound}");
        Assert.True(run.Objective >= convex.Primal - 1e-6 * Scale(convex.Primal), $"{c}: run {run.Objective} below the optimum {convex.Primal}");
        Assert.True(own.LowerBound <= convex.Primal + 1e-9 * Scale(convex.Primal), $"{c}: own bound {own.LowerBound} above the optimum {convex.Primal}");
        Assert.Equal(run.Objective, best.Objective, 1e-9 * Scale(run.Objective));
    }

    internal static void AssertStationary(Dataset data, double beta, bool bias, string c)
    {
        var convex = Fit.Relu(data, beta, bias: bias);
        var net = convex.Network;
        if (net.Neurons.Count == 0) return; // f = 0 is optimal: nothing to differentiate
        var obj = NonconvexObjective.Create(data, beta, bias, net.Neurons.Count);
        var theta = obj.Pack(net);
        double norm = Math.Sqrt(theta.Sum(v => v * v));
        double residual = SmoothGradientNorm(data, bias, net, obj, theta);
        // Tolerance: sqrt of the solver's 1e-8 accuracy, scaled. A neuron left over by the interior point (its v_j of the
        // size of the solver's accuracy, ~1e-8) has gradient |w_j| (X'D r + beta u_j/|w_j|), of norm up to
        // sqrt||v_j|| (rho + beta) <= 2 beta 1e-4 since rho <= beta at the optimum.
        Assert.True(residual <= 1e-4 * (Math.Max(1, norm) + 2 * beta), $"{c}: gradient norm {residual:E3} at weights of norm {norm:E3}");
    }

    /// <summary>
    /// The gradient norm over the parameters where the objective is differentiable to the solver's accuracy: every w_j
    /// (L is smooth in w), and u_j for each neuron with no pre-activation near the kink. "Near" is measured in the convex
    /// program's variable v_j = u_j |w_j| (the recovered neuron is u_j = v_j / sqrt||v_j||, w_j = +-sqrt||v_j||), which the
    /// interior-point solver resolves to an absolute accuracy: |x_i'v_j| &lt;= 1e-6 ||x_i||. (At a kink the one-sided
    /// slopes differ, and the solver's interior point leaves such neurons a rounding error inside a chamber face.)
    /// </summary>
    private static double SmoothGradientNorm(Dataset data, bool bias, TwoLayerReluNetwork net, NonconvexObjective obj, double[] theta)
    {
        var grad = new double[theta.Length];
        obj.Gradient(theta, grad);
        var x = bias ? data.WithBias().X : data.X;
        int n = x.GetLength(0), p = x.GetLength(1), m = net.Neurons.Count;
        double total = 0;
        for (int j = 0; j < m; j++)
        {
            var u = net.Neurons[j].U; double w = net.Neurons[j].W;
            total += grad[m * p + j] * grad[m * p + j];
            bool kink = false;
            for (int i = 0; i < n && !kink; i++)
            {
                double z = 0, xn = 0;
                for (int k = 0; k < p; k++) { z += x[i, k] * u[k]; xn += x[i, k] * x[i, k]; }
                kink = Math.Abs(z * w) <= 1e-6 * Math.Sqrt(xn);
            }
            if (!kink) for (int k = 0; k < p; k++) total += grad[j * p + k] * grad[j * p + k];
        }
        return Math.Sqrt(total);
    }
}

/// <summary>
/// The supports with a <see cref="SupportCache"/>: along a sequence of vectors every value is an upper bound on the exact
/// support (the cached bound s + ||c - c_cached|| never below it), computed exactly wherever the bound is above the
/// threshold, and at most the threshold wherever it stands in.
/// </summary>
public class SupportCacheTests
{
    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 40)]
    public void CachedSupportsAreUpperBoundsExactAboveTheThreshold(Seed seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(4, 16), d = rng.Next(2, 4);
        var x = rng.Next(2) == 0 ? SmallIntegers(n, d, 2, seed) : Gaussian(n, d, seed);
        var chambers = ExactConvexNN.Arrangements.ArrangementEnumerator.Enumerate(x).Chambers;
        var cache = new SupportCache(chambers.Count, d);
        var v = Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var exact = new double[chambers.Count];
        var cached = new double[chambers.Count];
        for (int step = 0; step < 6; step++)
        {
            // Steps of every size: the bound skips small moves and must not skip large ones.
            double size = Math.Pow(10, -rng.Next(0, 5));
            for (int i = 0; i < n; i++) v[i] += size * (2 * rng.NextDouble() - 1);
            OptimalityVerifier.Supports(x, n, chambers, v, exact);
            double threshold = exact.DefaultIfEmpty(0).Max() * rng.NextDouble();
            OptimalityVerifier.Supports(x, n, chambers, v, cached, cache, threshold);
            for (int c = 0; c < chambers.Count; c++)
            {
                Assert.True(cached[c] >= exact[c] * (1 - 1e-12) - 1e-14, $"{seed} step {step} chamber {c}: {cached[c]:G17} below the support {exact[c]:G17}");
                Assert.True(cached[c] <= threshold || cached[c] == exact[c], $"{seed} step {step} chamber {c}: {cached[c]:G17} stood in above the threshold {threshold:G17}");
            }
        }
    }
}
