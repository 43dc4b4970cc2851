using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>The gated ReLU family (fixed gates, the unconstrained group lasso) through the model pipeline.</summary>
public class GatedReluTests
{
    private static double Scale(double v) => Math.Max(1.0, Math.Abs(v));

    private static Dataset Random(int n, int d, bool integers, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i, j] = integers ? rng.Next(-2, 3) : Math.Round(2 * rng.NextDouble() - 1, 3);
            y[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
        }
        return Dataset.Create(x, y);
    }

    /// <summary>A random data set: n rows in d dimensions, integer or decimal, with or without a bias.</summary>
    public sealed record Case(int N, int D, bool Integers, bool Bias, int Seed)
    {
        public override string ToString() => $"n={N} d={D} integers={Integers} bias={Bias} seed={Seed}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from n in Gen.Choose(3, 8) from d in Gen.Choose(1, 3) from integers in Gen.Elements(true, false)
            from bias in Gen.Elements(true, false) from seed in Gen.Choose(0, 100_000) select new Case(n, d, integers, bias, seed));
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 20, Replay = "20261202,3")]
    public void RecoveredGatedNetworkAttainsTheGroupLassoOptimumAndNoFirstOrderRunBeatsIt(Case t)
    {
        var (n, d, integers, bias, seed) = (t.N, t.D, t.Integers, t.Bias, t.Seed);
        string c = t.ToString();
        var data = Random(n, d, integers, seed);
        var model = new ModelSpec { Beta = 0.1, Bias = bias, Activation = ActivationKind.GatedRelu };
        var r = ModelPipeline.Train(data, model);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: network {r.RecoveredObjective} vs program {r.Primal}");
        if (r.ThinChambers == 0) Assert.True(r.Certificate!.CertifiedOptimal, $"{c}: relative gap {r.Certificate.RelativeGap}");
        Assert.True(r.Certificate!.LowerBound <= r.RecoveredObjective + 1e-9 * Scale(r.RecoveredObjective), c);
        var net = (GatedReluNetwork)r.Network;
        var worse = GatedReluNetwork.Create(net.Architecture, net.Neurons.Select(nr => nr with { W = 1.3 * nr.W }).ToList());
        var bad = ModelPipeline.Verify(worse, data, 0.1, new CertificateRequest { Arrangement = r.Arrangement });
        Assert.True(bad.LowerBound <= r.RecoveredObjective + 1e-9 * Scale(r.RecoveredObjective), $"{c}: bound above the optimum");
        if (bad.Objective - r.RecoveredObjective > 10 * Math.Max(1e-8, 1e-6 * Math.Abs(bad.Objective)))
            Assert.False(bad.CertifiedOptimal, $"{c}: a perturbed network was certified");
        var run = NonconvexTrainer.Train(data, model, new NonconvexOptions { Neurons = 6, Epochs = 300, Seed = seed });
        Assert.True(run.Objective >= r.Certificate.LowerBound - 1e-9 * Scale(r.Certificate.LowerBound), $"{c}: Adam reached {run.Objective} below {r.Certificate.LowerBound}");
    }

    [Fact]
    public void GatesEqualToTheWeightsMakeItTheReluNetwork()
    {
        // A gated neuron with g = u is a ReLU neuron: 1[x'u >= 0] x'u = (x'u)_+.
        var data = Random(6, 2, false, 3);
        var relu = (TwoLayerReluNetwork)ModelPipeline.Train(data, new ModelSpec { Beta = 0.1 }).Network;
        var gated = GatedReluNetwork.Create(relu.Architecture, relu.Neurons.Select(n => new GatedNeuron(n.U, n.U, n.W)).ToList());
        var f1 = relu.Outputs(data.X); var f2 = gated.Outputs(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(f1[i, 0], f2[i, 0], 12);
        // The gated optimum is at most the ReLU optimum: the ReLU network is a gated one.
        var g = ModelPipeline.Train(data, new ModelSpec { Beta = 0.1, Activation = ActivationKind.GatedRelu });
        Assert.True(g.Certificate!.LowerBound <= relu.Objective(data, 0.1) + 1e-9);
    }

    [Fact]
    public void NetworkFileRoundTripsWithItsGates()
    {
        var data = Random(5, 2, true, 11);
        var r = ModelPipeline.Train(data, new ModelSpec { Beta = 0.1, Activation = ActivationKind.GatedRelu });
        var back = ModelRegistry.Read(NetworkJson.ParseObject(r.Network.ToJson(), "t"), "t");
        Assert.Equal("gated_relu", back.Activation);
        var f1 = r.Network.Outputs(data.X); var f2 = back.Outputs(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(f1[i, 0], f2[i, 0], 12);
        Assert.True(ModelPipeline.Verify(back, data, 0.1).CertifiedOptimal);
    }
}
