using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;

namespace ExactConvexNN.Tests.Core.Training;

public class NonconvexTrainerTests
{
    private static Dataset ThreePoint() => Dataset.FromRows([[2, 2], [3, 3], [1, 0]], [1, 2, 0]);

    [Theory]
    [InlineData(false, 3, 1)]
    [InlineData(true, 4, 2)]
    public void AnalyticGradientMatchesCentralDifferencesAwayFromKinks(bool bias, int m, int seed)
    {
        var data = ConvexTrainingTests.Planted(9, 2, seed);
        var obj = NonconvexObjective.Create(data, 0.3, bias, m);
        var rng = new Random(seed);
        var theta = Enumerable.Range(0, obj.Parameters).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var grad = new double[theta.Length];
        double value = obj.Gradient(theta, grad);
        Assert.Equal(obj.Value(theta), value, 14);
        for (int k = 0; k < theta.Length; k++)
        {
            // Gaussian data and random weights: no pre-activation is within h of a kink (almost surely), so the
            // objective is smooth in a box of radius h and the central difference has error O(h^2).
            const double h = 1e-6;
            var plus = (double[])theta.Clone(); plus[k] += h;
            var minus = (double[])theta.Clone(); minus[k] -= h;
            double fd = (obj.Value(plus) - obj.Value(minus)) / (2 * h);
            Assert.True(Math.Abs(fd - grad[k]) <= 1e-6 * Math.Max(1, Math.Abs(grad[k])), $"parameter {k}: analytic {grad[k]}, finite difference {fd}");
        }
    }

    [Fact]
    public void MinibatchGradientsAverageToTheFullGradient()
    {
        // sum over a partition of (|B|/n) * (minibatch estimate) = full loss gradient + regularizer gradient.
        var data = ConvexTrainingTests.Planted(10, 3, 4);
        var obj = NonconvexObjective.Create(data, 0.2, true, 5);
        var rng = new Random(1);
        var theta = Enumerable.Range(0, obj.Parameters).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var full = new double[theta.Length];
        double fullValue = obj.Gradient(theta, full);
        var sum = new double[theta.Length];
        var part = new double[theta.Length];
        double valueSum = 0;
        int[][] batches = [[0, 3, 7], [1, 2], [4, 5, 6, 8, 9]];
        foreach (var b in batches)
        {
            valueSum += b.Length / 10.0 * obj.Gradient(theta, part, b);
            for (int k = 0; k < sum.Length; k++) sum[k] += b.Length / 10.0 * part[k];
        }
        Assert.Equal(fullValue, valueSum, 10);
        for (int k = 0; k < sum.Length; k++) Assert.Equal(full[k], sum[k], 10);
    }

    [Fact]
    public void ObjectiveIsTheNetworkObjective()
    {
        var data = ConvexTrainingTests.Planted(8, 2, 3);
        var result = Fit.Descend(data, 0.1, true, new NonconvexOptions { Neurons = 4, Epochs = 20 });
        var network = (TwoLayerReluNetwork)result.Network;
        Assert.Equal(network.Objective(data, 0.1), result.Objective, 12);
        var obj = NonconvexObjective.Create(data, 0.1, true, 4);
        Assert.Equal(result.Objective, obj.Value(obj.Pack(network)), 12);
        Assert.Equal(21, result.History.Length);
        Assert.Equal(result.Objective, result.History[^1]);
    }

    [Theory]
    [InlineData(NonconvexOptimizer.GradientDescent, 0.01, null)]
    [InlineData(NonconvexOptimizer.Sgd, 0.005, 2)]
    [InlineData(NonconvexOptimizer.Adam, 0.01, null)]
    [InlineData(NonconvexOptimizer.Adam, 0.01, 4)]
    public void EveryMethodDecreasesTheObjectiveAndIsReproducible(NonconvexOptimizer method, double lr, int? batch)
    {
        var data = ConvexTrainingTests.Planted(12, 2, 5);
        var options = new NonconvexOptions { Neurons = 6, Optimizer = method, LearningRate = lr, BatchSize = batch, Epochs = 300, Seed = 7 };
        var a = Fit.Descend(data, 0.05, false, options);
        var b = Fit.Descend(data, 0.05, false, options);
        Assert.False(a.Diverged);
        Assert.True(a.Objective < 0.5 * a.History[0], $"{a.History[0]} -> {a.Objective}");
        Assert.Equal(a.History, b.History);
        Assert.Equal(a.Steps, 300L * (batch is int s ? (12 + s - 1) / s : 1));
        var c = Fit.Descend(data, 0.05, false, options with { Seed = 8 });
        Assert.NotEqual(a.History[0], c.History[0]);
    }

    [Fact]
    public void TooLargeAStepDivergesAsAStatusAndKeepsTheLastFiniteNetwork()
    {
        // lr beta = 10: the weight decay alone multiplies theta by (1 - lr beta) = -9 per step, whatever the data term does.
        var data = ThreePoint();
        var r = Fit.Descend(data, 0.1, false, new NonconvexOptions { Optimizer = NonconvexOptimizer.GradientDescent, LearningRate = 100, Epochs = 1000, Neurons = 3 });
        Assert.True(r.Diverged);
        Assert.True(r.History.Length < 1001);
        Assert.All(r.History, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(((TwoLayerReluNetwork)r.Network).Objective(data, 0.1), r.History[^1], 9);
    }

    [Fact]
    public void InvalidOptionsAreInputErrors()
    {
        var data = ThreePoint();
        var ok = new NonconvexOptions();
        foreach (double beta in new[] { -1, double.NaN })
            Assert.Throws<InputException>(() => Fit.Descend(data, beta, false, ok));
        foreach (var bad in new[]
        {
            ok with { Neurons = 0 }, ok with { LearningRate = 0 },
            ok with { LearningRate = double.PositiveInfinity }, ok with { Epochs = 0 }, ok with { BatchSize = 0 }, ok with { BatchSize = 4 },
            ok with { InitScale = 0 }, ok with { Optimizer = NonconvexOptimizer.GradientDescent, BatchSize = 2 },
        })
        {
            var e = Assert.Throws<InputException>(() => Fit.Descend(data, 0.1, false, bad));
            Assert.DoesNotContain('\n', e.Message);
        }
        Assert.Throws<InputException>(() => Fit.Descend(Dataset.FromRows([[1.0]]), 0.1, false, ok));
        Assert.Throws<InputException>(() => NonconvexTrainer.Parse("rmsprop"));
        Assert.Equal(NonconvexOptimizer.Sgd, NonconvexTrainer.Parse("SGD"));
    }

    [Theory]
    [InlineData(NonconvexOptimizer.GradientDescent)]
    [InlineData(NonconvexOptimizer.Sgd)]
    public void DefaultStepOnUnnormalizedDataMakesProgressWithoutDiverging(NonconvexOptimizer method)
    {
        // Iris sepal measurements with a bias: ||X||_F^2 = 6,700, where a fixed 1e-3 step diverged or killed every neuron
        // (all runs ended at the zero network, 1/2 ||y||^2). The default step scales with the data.
        var data = CsvDataReader.Read(CliHarness.Problems("iris_sepal.csv"));
        double zeroNetwork = data.Y!.Sum(v => v * v) / 2;
        var run = Fit.Descend(data, 0.1, true, new NonconvexOptions { Neurons = 10, Optimizer = method, Epochs = 300, Seed = 1 });
        Assert.False(run.Diverged);
        Assert.True(run.LearningRate > 0 && run.LearningRate <= 1e-2);
        Assert.True(run.Objective < zeroNetwork / 4, $"objective {run.Objective} vs zero network {zeroNetwork}");
    }
}
