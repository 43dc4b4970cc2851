using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// Vector-output ReLU networks (<see cref="VectorReluFamily"/>): the SDP relaxation brackets the optimum. Its verified
/// lower bound is never above the relaxation's value, the network read from it, or any first-order run on the same
/// nonconvex model; with one output it is the scalar ReLU program's optimum; the network file round-trips.
/// </summary>
public class VectorReluTests
{
    private const string ReplaySeed = "20261202,11";

    public sealed record Case(int N, bool Bias, double Beta, int Seed)
    {
        public override string ToString() => $"n={N} bias={Bias} beta={Beta} seed={Seed}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from n in Gen.Choose(4, 8)
            from bias in Gen.Elements(false, true)
            from beta in Gen.Elements(0.05, 0.2, 1.0)
            from seed in Gen.Choose(0, 1_000_000)
            select new Case(n, bias, beta, seed));
    }

    /// <summary>n points in the plane with real targets (two decimals, so degenerate arrangements occur too).</summary>
    internal static Dataset Regression(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, 2];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = Math.Round(rng.NextDouble() * 4 - 2, 2);
            x[i, 1] = Math.Round(rng.NextDouble() * 4 - 2, 2);
            y[i] = Math.Round(Math.Max(0, x[i, 0] - x[i, 1]) + rng.NextDouble() - 0.5, 2);
        }
        return Dataset.Create(x, y);
    }

    private static ModelSpec Vector(Case c, int? classes) => new() { Beta = c.Beta, Bias = c.Bias, Classes = classes, VectorOutput = true };

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 6, Replay = ReplaySeed)]
    public void TheLowerBoundIsBelowTheRelaxationTheNetworkAndEveryAdamRun(Case c)
    {
        var data = ReluLossTests.Labelled(c.N, 2, c.Seed, classes: 3);
        var model = Vector(c, 3);
        var r = ModelPipeline.Train(data, model);
        Assert.IsType<VectorReluNetwork>(r.Network);
        Assert.Equal(3, r.Network.Architecture.Outputs);
        var cert = r.Certificate!;
        double scale = Math.Max(1, Math.Abs(r.Primal));
        // lower bound <= p_rel <= p* <= p_net: the bound is verified, p_rel is the solver's value (to its tolerance).
        Assert.True(cert.LowerBound <= r.Primal + 1e-6 * scale, $"{c}: bound {cert.LowerBound} above the relaxation {r.Primal}");
        Assert.True(r.Primal <= r.RecoveredObjective + 1e-6 * scale, $"{c}: relaxation {r.Primal} above the network {r.RecoveredObjective}");
        Assert.True(cert.LowerBound <= r.RecoveredObjective + 1e-12, $"{c}: bound {cert.LowerBound} above the network {r.RecoveredObjective}");
        Assert.Equal(r.RecoveredObjective, r.Network.Objective(data.X, r.Targets, c.Beta), 9);
        // The relaxation is close enough to be useful on such data: the bracket is within 1% (usually far tighter).
        Assert.True(cert.RelativeGap <= 1e-2, $"{c}: bracket {cert.LowerBound} .. {r.RecoveredObjective}");
        for (int seed = 0; seed < 3; seed++)
        {
            var run = NonconvexTrainer.Train(data, model, new NonconvexOptions { Neurons = 8, Epochs = 300, Seed = seed });
            Assert.IsType<VectorReluNetwork>(run.Network);
            Assert.True(run.Objective >= cert.LowerBound - 1e-9 * scale, $"{c}: Adam seed {seed} ended at {run.Objective}, below the bound {cert.LowerBound}");
            Assert.True(run.Objective >= r.Primal - 1e-6 * scale, $"{c}: Adam seed {seed} ended at {run.Objective}, below the relaxation {r.Primal}");
        }
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 8, Replay = ReplaySeed)]
    public void WithOneOutputTheRelaxationIsTheScalarReluOptimum(Case c)
    {
        var data = Regression(c.N, c.Seed);
        var scalar = ModelPipeline.Train(data, new ModelSpec { Beta = c.Beta, Bias = c.Bias });
        var vector = ModelPipeline.Train(data, Vector(c, null));
        Assert.Equal(1, vector.Network.Architecture.Outputs);
        double scale = Math.Max(1, Math.Abs(scalar.Primal));
        Assert.True(Math.Abs(vector.Primal - scalar.Primal) <= 1e-6 * scale, $"{c}: relaxation {vector.Primal}, scalar optimum {scalar.Primal}");
        Assert.True(vector.Certificate!.LowerBound <= scalar.RecoveredObjective + 1e-9 * scale, $"{c}: bound {vector.Certificate.LowerBound} above the scalar network {scalar.RecoveredObjective}");
        Assert.True(Math.Abs(vector.RecoveredObjective - scalar.Primal) <= 1e-6 * scale, $"{c}: vector network {vector.RecoveredObjective}, scalar optimum {scalar.Primal}");
    }

    [Fact]
    public void TheNetworkFileRoundTripsAndVerifiesWithoutTheSolversMultipliers()
    {
        var data = ReluLossTests.Labelled(8, 2, 5, classes: 3);
        var r = ModelPipeline.Train(data, new ModelSpec { Beta = 0.2, Bias = true, Classes = 3, VectorOutput = true });
        var json = r.Network.ToJson();
        var back = ModelRegistry.Read(NetworkJson.ParseObject(json, "(test)"), "(test)");
        var v = Assert.IsType<VectorReluNetwork>(back);
        Assert.Equal(3, v.Architecture.Outputs);
        Assert.Equal(3, v.Classes);
        Assert.True(v.Architecture.Bias);
        Assert.Equal(json, back.ToJson());
        var f0 = r.Network.Outputs(data.X);
        var f1 = back.Outputs(data.X);
        Assert.Equal(f0.Cast<double>(), f1.Cast<double>());
        Assert.True(ModelPipeline.ModelOf(back, 0.2).VectorOutput);
        // Verification without the relaxation's multipliers (small SDPs where they matter) reaches the same bound.
        var cert = ModelPipeline.Verify(back, data, 0.2, new CertificateRequest { Candidate = back.FileDualCandidate(data.Rows) });
        Assert.Equal(r.Certificate!.Objective, cert.Objective, 9);
        Assert.True(cert.LowerBound <= cert.Objective + 1e-12);
        Assert.True(cert.LowerBound >= r.Certificate.LowerBound - 1e-5 * Math.Max(1, Math.Abs(cert.Objective)), $"verify {cert.LowerBound} vs train {r.Certificate.LowerBound}");
    }

    [Fact]
    public void AScalarReluFileIsNotReadAsAVectorNetworkAndViceVersa()
    {
        var data = Regression(6, 3);
        var scalar = ModelPipeline.Train(data, new ModelSpec { Beta = 0.2 });
        Assert.IsType<TwoLayerReluNetwork>(ModelRegistry.Read(NetworkJson.ParseObject(scalar.Network.ToJson(), "s"), "s"));
        var vector = ModelPipeline.Train(data, new ModelSpec { Beta = 0.2, VectorOutput = true });
        Assert.IsType<VectorReluNetwork>(ModelRegistry.Read(NetworkJson.ParseObject(vector.Network.ToJson(), "v"), "v"));
        Assert.Contains("\"vector_output\": true", vector.Network.ToJson());
    }

    [Fact]
    public void TheModelRefusesOtherLossesActivationsAndCnns()
    {
        Assert.Throws<InputException>(() => new ModelSpec { Beta = 0.1, VectorOutput = true, Loss = LossKind.Hinge, Classes = 3 }.Validated());
        Assert.Throws<InputException>(() => new ModelSpec { Beta = 0.1, VectorOutput = true, Activation = ActivationKind.Poly }.Validated());
        Assert.Throws<InputException>(() => new ModelSpec { Beta = 0.1, VectorOutput = true, Image = ImageShape.ForSignal(1, 4, 2, 1, 0, 0) }.Validated());
    }

    [Fact]
    public void TheNonconvexGradientMatchesFiniteDifferences()
    {
        var data = ReluLossTests.Labelled(7, 2, 9, classes: 3);
        var model = new ModelSpec { Beta = 0.3, Bias = true, Classes = 3, VectorOutput = true };
        var objective = ModelRegistry.For(model).Objective(data, model, 4);
        var theta = new double[objective.Parameters];
        objective.Initialize(theta, 1.0, new Random(4));
        var g = new double[theta.Length];
        objective.Gradient(theta, g);
        for (int k = 0; k < theta.Length; k++)
        {
            var plus = (double[])theta.Clone(); plus[k] += 1e-6;
            var minus = (double[])theta.Clone(); minus[k] -= 1e-6;
            double fd = (objective.Value(plus) - objective.Value(minus)) / 2e-6;
            Assert.True(Math.Abs(fd - g[k]) <= 1e-4 * Math.Max(1, Math.Abs(fd)), $"parameter {k}: gradient {g[k]}, finite difference {fd}");
        }
    }
}
