using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;

namespace ExactConvexNN.Tests.Core.Training;

public sealed class PolyNonconvexTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GradientMatchesCentralDifferences(bool cnn)
    {
        var data = cnn ? PolyTestData.Images(6, 2, 4, 4, 3, 5) : PolyTestData.Regression(8, 3, 5);
        var arch = cnn ? NetworkArchitecture.Convolutional(new ImageShape(2, 4, 4, 2, 1, 0, 2), outputs: 3) : NetworkArchitecture.FullyConnected(3, bias: true);
        var y = cnn ? ClassTargets.Encode(data.Y!, 3) : ClassTargets.Column(data.Y!);
        var obj = PolyNonconvexObjective.Create(arch.ExtractPatches(data.X), y, arch, new PolynomialActivation(0.3, -0.4, 0.2), 0.05, 3);
        var rng = new Random(11);
        var theta = Enumerable.Range(0, obj.Parameters).Select(_ => PolyTestData.Gaussian(rng)).ToArray();
        var g = new double[theta.Length];
        obj.Gradient(theta, g);
        for (int k = 0; k < theta.Length; k++)
        {
            const double h = 1e-6;
            var tp = (double[])theta.Clone(); tp[k] += h;
            var tm = (double[])theta.Clone(); tm[k] -= h;
            double fd = (obj.Value(tp) - obj.Value(tm)) / (2 * h);
            Assert.True(Math.Abs(fd - g[k]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"parameter {k}: analytic {g[k]}, numeric {fd}");
        }
    }

    [Fact]
    public void ObjectiveMatchesTheUnpackedNetwork()
    {
        var data = PolyTestData.Images(7, 1, 5, 5, 2, 9);
        var model = new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.2, Classes = 2, Image = new ImageShape(1, 5, 5, 3, 1, 1, 2) };
        var arch = ModelRegistry.For(model).Architecture(model, data.Columns);
        var y = ClassTargets.Encode(data.Y!, 2);
        var obj = PolyNonconvexObjective.Create(arch.ExtractPatches(data.X), y, arch, model.Poly, model.Beta, 4);
        var rng = new Random(3);
        var theta = Enumerable.Range(0, obj.Parameters).Select(_ => PolyTestData.Gaussian(rng)).ToArray();
        var net = obj.Unpack(theta, 2);
        Assert.True(net.MaxNormDeviation() < 1e-12);
        Assert.Equal(obj.Value(theta), net.Objective(data.X, y, model.Beta), 1e-9);
    }

    [Fact]
    public void NoNonconvexRunBeatsTheSdpOptimum()
    {
        var data = PolyTestData.Regression(30, 3, 21);
        const double beta = 0.1;
        var exact = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta });
        Assert.Equal(ExactConvexNN.Solver.SolverStatus.Solved, exact.Status);
        double best = double.PositiveInfinity;
        foreach (var opt in new[] { NonconvexOptimizer.Adam, NonconvexOptimizer.GradientDescent })
            for (int seed = 0; seed < 4; seed++)
            {
                var run = NonconvexTrainer.Train(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta }, new NonconvexOptions
                {
                    Neurons = 8, Optimizer = opt, Epochs = 1500, Seed = seed,
                    LearningRate = opt == NonconvexOptimizer.Adam ? 0.02 : 2e-3,
                });
                Assert.False(run.Diverged, $"{opt} seed {seed} diverged");
                // The network is feasible for the nonconvex problem (unit-norm u): never below the global optimum.
                Assert.True(run.Objective >= exact.Primal - 1e-7 * Math.Abs(exact.Primal), $"{opt} seed {seed}: {run.Objective} < SDP optimum {exact.Primal}");
                Assert.Equal(run.Objective, run.Network.Objective(data.X, ClassTargets.Column(data.Y!), beta), 1e-8);
                best = Math.Min(best, run.Objective);
            }
        // The descent does make progress: its best run is within a factor 2 of the optimum (a sanity check of the trainer).
        Assert.True(best < 2 * exact.Primal, $"best nonconvex {best} vs optimum {exact.Primal}");
    }
}
