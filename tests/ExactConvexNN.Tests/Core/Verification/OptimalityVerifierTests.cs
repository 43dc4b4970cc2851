using ExactConvexNN.Models;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Tests.Core.Verification;

public class OptimalityVerifierTests
{
    [Theory]
    [InlineData(12, 2, 0.05, false, 1)]
    [InlineData(10, 3, 0.2, false, 2)]
    [InlineData(9, 2, 0.5, true, 3)]
    public void TheConvexSolutionIsCertifiedOptimal(int n, int d, double beta, bool bias, int seed)
    {
        var data = ConvexTrainingTests.Planted(n, d, seed);
        var trained = Fit.Relu(data, beta, bias: bias);
        var cert = OptimalityVerifier.Verify(data, beta, trained.Network, candidate: trained.DualCandidate);
        Assert.True(cert.CertifiedOptimal, $"relative gap {cert.RelativeGap}");
        Assert.Equal(trained.Primal, cert.LowerBound, 1e-6 * Math.Max(1, trained.Primal));
        Assert.True(cert.Gap >= -1e-9 * Math.Max(1, cert.Objective));
    }

    [Fact]
    public void RandomNetworksNeverBeatTheLowerBound()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var data = ConvexTrainingTests.Planted(8, 2, trial);
            double beta = 0.05 + rng.NextDouble();
            var best = Fit.Relu(data, beta);
            int m = 1 + rng.Next(4);
            var neurons = Enumerable.Range(0, m).Select(_ => new Neuron([rng.NextDouble() - 0.5, rng.NextDouble() - 0.5], rng.NextDouble() - 0.5)).ToArray();
            var net = TwoLayerReluNetwork.Create(neurons, 2, false);
            var cert = OptimalityVerifier.Verify(data, beta, net);
            Assert.True(cert.Objective >= best.Primal - 1e-6 * Math.Max(1, best.Primal));
            Assert.True(cert.LowerBound <= best.Primal + 1e-6 * Math.Max(1, best.Primal), $"lower bound {cert.LowerBound} above the optimum {best.Primal}");
            Assert.False(cert.CertifiedOptimal && cert.Objective > best.Primal * (1 + 1e-4));
        }
    }

    [Fact]
    public void ConeSupportIsTheNormOfTheProjection()
    {
        // K = {g : g1 >= 0, g2 >= 0} in R^2: the projection of c clips negative entries.
        var rows = new List<double[]> { new double[] { 1, 0 }, new double[] { 0, 1 } };
        Assert.Equal(5.0, ConeSupport.UpperBound(rows, [3, 4]), 12);
        Assert.Equal(4.0, ConeSupport.UpperBound(rows, [-3, 4]), 12);
        Assert.Equal(0.0, ConeSupport.UpperBound(rows, [-3, -4]), 12);
        // A redundant, dependent third row changes nothing.
        rows.Add([1, 1]);
        Assert.Equal(4.0, ConeSupport.UpperBound(rows, [-3, 4]), 12);
    }

    [Fact]
    public void SizeMismatchIsAnInputError()
    {
        var data = ConvexTrainingTests.Planted(6, 2, 1);
        var net = TwoLayerReluNetwork.Create([new Neuron([1, 2, 3], 1)], 3, false);
        Assert.Throws<ExactConvexNN.Solver.InputException>(() => OptimalityVerifier.Verify(data, 0.1, net));
    }
}
