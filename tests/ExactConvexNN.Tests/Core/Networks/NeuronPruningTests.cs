using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Tests.Core.Verification;
using FsCheck;
using FsCheck.Xunit;

namespace ExactConvexNN.Tests.Core.NetworkPruning;

/// <summary>
/// Carathéodory pruning (issue 15): a network pruned on its data keeps its predictions, does not gain weight decay and
/// has at most n neurons; the trained ReLU network is pruned by default and stays a certified optimum.
/// </summary>
public class NeuronPruningTests
{
    private static double Relative(double a, double b) => Math.Abs(a - b) / Math.Max(1e-300, Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary>A random network of <paramref name="width"/> balanced neurons on random rows in R^d (+ bias).</summary>
    private static (TwoLayerReluNetwork Network, double[,] X) RandomNetwork(int n, int d, int width, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        for (int i = 0; i < n; i++) for (int k = 0; k < d; k++) x[i, k] = rng.NextDouble() * 4 - 2;
        var neurons = Enumerable.Range(0, width).Select(_ => new Neuron(Enumerable.Range(0, d + 1).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), rng.NextDouble() * 2 - 1)).ToList();
        return (TwoLayerReluNetwork.Create(neurons, d, bias: true), x);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 50, Replay = "20261202,3")]
    public void PrunedNetworkHasAtMostNNeuronsTheSamePredictionsAndNoMoreWeightDecay(Seed seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(1, 15), d = rng.Next(1, 4), width = rng.Next(0, 40);
        var (network, x) = RandomNetwork(n, d, width, seed);
        var pruned = TwoLayerReluNetwork.Create(NeuronPruning.Prune(network, x), d, bias: true);
        Assert.True(pruned.NeuronCount <= n, $"{seed}: {pruned.NeuronCount} neurons for n = {n}");
        var f = network.Predict(x);
        var g = pruned.Predict(x);
        double scale = Math.Max(1, f.Max(Math.Abs));
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(f[i] - g[i]) <= 1e-9 * scale, $"{seed}: row {i}: {f[i]} became {g[i]}");
        // Balanced weight decay sum |w| ||u|| can only go down (the original network is not balanced: compare with its balanced value).
        double before = network.Neurons.Sum(nr => Math.Abs(nr.W) * Math.Sqrt(nr.U.Sum(v => v * v)));
        Assert.True(pruned.Regularizer(1) <= before * (1 + 1e-12), $"{seed}: weight decay {pruned.Regularizer(1)} above {before}");
    }

    [Fact]
    public void PrunedContributionsAreLinearlyIndependent()
    {
        var (network, x) = RandomNetwork(6, 2, 30, 7);
        var pruned = NeuronPruning.Prune(network, x);
        var h = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(6, pruned.Count, (i, j) =>
            TwoLayerReluNetwork.Create([pruned[j]], 2, bias: true).Predict(x)[i]);
        Assert.Equal(pruned.Count, h.Rank());
    }

    [Fact]
    public void NeuronsWithoutContributionAreDropped()
    {
        // u = (0, 0, -1): (x'u + b)_+ = 0 on every row.
        var network = TwoLayerReluNetwork.Create([new Neuron([0, 0, -1], 1), new Neuron([1, 0, 0], 2)], 2, bias: true);
        var x = new double[,] { { 1, 0 }, { 2, 1 } };
        var pruned = NeuronPruning.Prune(network, x);
        Assert.Single(pruned);
        Assert.Equal(network.Predict(x), TwoLayerReluNetwork.Create(pruned, 2, bias: true).Predict(x));
    }

    /// <summary>
    /// The property of issue 15 on random small data: the trained network (pruned by default) has at most n neurons,
    /// its objective equals the unpruned network's to 1e-8 relative (or is lower), and it is certified.
    /// </summary>
    [Property(Arbitrary = new[] { typeof(CertificatePropertyTests.Cases) }, MaxTest = 15, Replay = "20261202,5")]
    public void TrainedNetworkIsPrunedToAtMostNNeuronsWithTheOptimalObjectiveAndCertified(CertificatePropertyTests.Case c)
    {
        var data = c.Data;
        var model = new ModelSpec { Beta = c.Beta, Bias = c.Bias };
        var pruned = ModelPipeline.Train(data, model);
        var full = ModelPipeline.Train(data, model, new TrainingOptions { Prune = false });
        Assert.True(pruned.Network.NeuronCount <= data.Rows, $"{c}: {pruned.Network.NeuronCount} neurons, n = {data.Rows}");
        Assert.True(pruned.RecoveredObjective <= full.RecoveredObjective * (1 + 1e-8) || Relative(pruned.RecoveredObjective, full.RecoveredObjective) <= 1e-8,
            $"{c}: pruned {pruned.RecoveredObjective} against {full.RecoveredObjective}");
        Assert.True(pruned.Certificate!.CertifiedOptimal, $"{c}: relative gap {pruned.Certificate.RelativeGap:E3}");
        Assert.Null(full.NeuronsBeforePruning);
        if (pruned.BetaMax is double bm && c.Beta < bm) Assert.NotNull(pruned.NeuronsBeforePruning);
    }
}
