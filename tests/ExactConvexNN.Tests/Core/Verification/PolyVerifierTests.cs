using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Tests.Core.Verification;

public sealed class PolyVerifierTests
{
    [Fact]
    public void SphereMaximumBoundsAndMatchesADenseAngleSearch()
    {
        // d = 2: u = (cos θ, sin θ); a fine grid plus local refinement gives the maximum to ~1e-12.
        var rng = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            var a = Matrix<double>.Build.Dense(2, 2, (_, _) => PolyTestData.Gaussian(rng));
            var b = (a + a.Transpose()) / 2;
            var g = trial % 5 == 0 ? new[] { 0.0, 0.0 } : new[] { PolyTestData.Gaussian(rng), PolyTestData.Gaussian(rng) };
            double Q(double th) { double c = Math.Cos(th), s = Math.Sin(th); return b[0, 0] * c * c + 2 * b[0, 1] * c * s + b[1, 1] * s * s + 2 * (g[0] * c + g[1] * s); }
            int grid = 20000;
            int arg = Enumerable.Range(0, grid).MaxBy(k => Q(2 * Math.PI * k / grid));
            double lo = 2 * Math.PI * (arg - 1) / grid, hi = 2 * Math.PI * (arg + 1) / grid;
            for (int it = 0; it < 200; it++)
            {
                double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
                if (Q(m1) < Q(m2)) lo = m1; else hi = m2;
            }
            double best = Q((lo + hi) / 2);
            double bound = PolyOptimalityVerifier.SphereMaximum(b, g);
            Assert.True(bound >= best - 1e-12, $"trial {trial}: bound {bound} below the attained {best}");
            Assert.True(bound <= best + 1e-8 * Math.Max(1, Math.Abs(best)), $"trial {trial}: bound {bound} loose against {best}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSdpNetworkIsCertifiedAndNoCertificateExceedsTheOptimum(bool cnn)
    {
        var data = cnn ? PolyTestData.Images(14, 1, 4, 4, 3, 8) : PolyTestData.Regression(25, 3, 12);
        var model = cnn
            ? new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.05, Classes = 3, Image = new ImageShape(1, 4, 4, 2, 1, 0, 2) }
            : new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.2 };
        var exact = Fit.Poly(data, model);
        var y = exact.Targets;
        var cert = PolyOptimalityVerifier.Verify(exact.Network, data.X, y, model.Beta);
        Assert.True(cert.CertifiedOptimal, $"relative gap {cert.RelativeGap:E3} (objective {cert.Objective}, bound {cert.LowerBound})");
        Assert.True(cert.LowerBound <= exact.Primal + 1e-7 * exact.Primal, $"bound {cert.LowerBound} above the optimum {exact.Primal}");
        // The solver's equality multipliers are (nearly) dual feasible: a tighter bound, still below the optimum.
        var byDual = PolyOptimalityVerifier.Verify(exact.Network, data.X, y, model.Beta, exact.DualCandidate);
        Assert.True(byDual.RelativeGap < 1e-7, $"relative gap {byDual.RelativeGap:E3} with the solver's multipliers");
        Assert.True(byDual.LowerBound <= exact.Primal + 1e-7 * exact.Primal);
        // Any network's certificate is a lower bound on the optimum, however poor the network.
        for (int seed = 0; seed < 3; seed++)
        {
            var run = NonconvexTrainer.Train(data, model, new NonconvexOptions { Neurons = 3, Epochs = 50 * (seed + 1), Seed = seed });
            var c = PolyOptimalityVerifier.Verify((PolyNetwork)run.Network, data.X, y, model.Beta);
            Assert.True(c.LowerBound <= exact.Primal + 1e-7 * exact.Primal, $"seed {seed}: bound {c.LowerBound} above the optimum {exact.Primal}");
            Assert.Equal(run.Objective, c.Objective, 1e-9 * run.Objective);
            Assert.True(c.Gap >= -1e-12);
        }
    }
}
