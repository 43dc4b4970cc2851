using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using FsCheck.Xunit;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// ReLU networks with batch normalization before the ReLU (Ergen et al., ICLR 2022) through the model pipeline: the
/// whitening that makes them ReLU networks on [U 1], the exact program and recovery of gamma, alpha and the batch
/// statistics, the certificate over every chamber of [U 1], the first-order objective and the network file.
/// </summary>
public class BatchNormReluTests
{
    private const string ReplaySeed = "20261202,17";

    private static double Scale(double v) => Math.Max(1.0, Math.Abs(v));

    private static ModelSpec Bn(double beta) => new() { Beta = beta, BatchNorm = true };

    /// <summary>
    /// n in 4..maxRows rows of d in 1..3 features (rounded, or small integers: degenerate arrangements; sometimes a
    /// repeated or constant column, so the centred data is rank-deficient), targets in [-1, 1].
    /// </summary>
    internal static (Dataset Data, string Case) Tiny(int seed, int maxRows = 8)
    {
        var rng = new Random(seed);
        int n = rng.Next(4, maxRows + 1), d = rng.Next(1, 4);
        bool integers = rng.Next(3) == 0;
        int degenerate = d > 1 ? rng.Next(4) : 0; // 1: last column repeats the first, 2: last column constant
        var x = new double[n, d];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i, j] = integers ? rng.Next(-2, 3) : Math.Round(2 * rng.NextDouble() - 1, 3);
            if (degenerate == 1) x[i, d - 1] = 2 * x[i, 0];
            if (degenerate == 2) x[i, d - 1] = 0.5;
            y[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
        }
        // A constant first column everywhere would leave nothing to normalize: keep some variation.
        x[0, 0] += 1;
        return (Dataset.Create(x, y), $"seed={seed} n={n} d={d} integers={integers} degenerate={degenerate}");
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 25, Replay = ReplaySeed)]
    public void WhiteningMapsEveryReluNeuronOnUOneToABnNeuronWithTheSameOutputsAndWeightDecay(Seed seed)
    {
        var (data, c) = Tiny(seed);
        var whitening = BatchNormWhitening.Of(data.X);
        var a = whitening.Whitened;
        int n = data.Rows, r = whitening.Rank;
        // U has orthonormal columns orthogonal to 1: U'U = I, 1'U = 0.
        for (int k = 0; k < r; k++)
            for (int l = 0; l <= r; l++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += a[i, k] * (l < r ? a[i, l] : 1);
                Assert.True(Math.Abs(dot - (k == l ? 1 : 0)) <= 1e-10, $"{c}: column {k} . column {l} = {dot}");
            }
        var rng = new Random(seed);
        var neurons = new List<Neuron>();
        var bnNeurons = new List<BatchNormNeuron>();
        for (int j = 0; j < 4; j++)
        {
            var z = Enumerable.Range(0, r + 1).Select(_ => j == 3 && _ < r ? 0 : 2 * rng.NextDouble() - 1).ToArray(); // neuron 4: gamma = 0
            double w = 2 * rng.NextDouble() - 1;
            neurons.Add(new Neuron(z, w));
            bnNeurons.Add(whitening.Neuron(z, w));
        }
        var relu = TwoLayerReluNetwork.Create(neurons, r + 1, false);
        var bn = BatchNormReluNetwork.Create(data.Columns, bnNeurons);
        Assert.True(bn.HasBatchStatisticsOf(data.X), c);
        var f1 = relu.Outputs(a);
        var f2 = bn.Outputs(data.X);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(f1[i, 0] - f2[i, 0]) <= 1e-9, $"{c}: row {i}: {f1[i, 0]} vs {f2[i, 0]}");
        Assert.Equal(relu.Regularizer(0.3), bn.Regularizer(0.3), 12);
        foreach (var nrn in bnNeurons) Assert.True(nrn.Gamma >= 0 && Math.Abs(nrn.Scale - 1) <= 1e-9, $"{c}: gamma {nrn.Gamma}, scale {nrn.Scale}");
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 25, Replay = ReplaySeed)]
    public void TheChambersAreThoseOfXWithABiasAndContainEveryPatternOfTheWhitenedData(Seed seed)
    {
        var (data, c) = Tiny(seed);
        var r = ModelPipeline.Train(data, Bn(0.1));
        var patterns = r.Arrangement!.Chambers.Select(ch => ch.ToString()).ToHashSet();
        var affine = ArrangementEnumerator.Enumerate(data.WithBias().X, new ArrangementOptions { IndependentCount = false });
        Assert.True(patterns.SetEquals(affine.Chambers.Select(ch => ch.ToString())), c);
        // Random directions z: the pattern 1[A z >= 0] of the whitened data (rows clear of their hyperplanes) is a chamber's.
        var a = BatchNormWhitening.Of(data.X).Whitened;
        var rng = new Random(seed);
        for (int t = 0; t < 200; t++)
        {
            var z = Enumerable.Range(0, a.GetLength(1)).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
            var az = Enumerable.Range(0, data.Rows).Select(i => Enumerable.Range(0, z.Length).Sum(k => a[i, k] * z[k])).ToArray();
            if (az.Any(v => Math.Abs(v) < 1e-9)) continue;
            Assert.Contains(new string(az.Select(v => v >= 0 ? '1' : '0').ToArray()), patterns);
        }
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 12, Replay = ReplaySeed)]
    public void RecoveredBnNetworkAttainsTheProgramsOptimumIsCertifiedAndNoAdamRunEndsBelowIt(Seed seed)
    {
        var (data, c) = Tiny(seed);
        double beta = 0.05 + 0.1 * (seed % 3);
        var r = ModelPipeline.Train(data, Bn(beta));
        Assert.Equal(SolverStatus.Solved, r.Status);
        var net = Assert.IsType<BatchNormReluNetwork>(r.Network);
        // The BN network's own objective (its outputs on X with the stored batch statistics) is the program's optimum.
        double own = net.Objective(data.X, ClassTargets.Column(data.Y!), beta);
        Assert.Equal(own, r.RecoveredObjective, 12);
        Assert.True(Math.Abs(own - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: network {own} vs program {r.Primal}");
        Assert.True(net.HasBatchStatisticsOf(data.X), c);
        if (r.ThinChambers == 0) Assert.True(r.Certificate!.CertifiedOptimal, $"{c}: relative gap {r.Certificate.RelativeGap}");
        double bound = r.Certificate!.LowerBound;
        Assert.True(bound <= own + 1e-9 * Scale(own), c);
        Assert.True(net.NeuronCount <= data.Rows + 1, $"{c}: {net.NeuronCount} neurons");
        // A perturbed network: the bound stays below the optimum, and the worse network is not certified.
        var worse = BatchNormReluNetwork.Create(data.Columns, net.Neurons.Select(nr => nr with { W = 1.3 * nr.W, Alpha = nr.Alpha + 0.1 }).ToList());
        var bad = ModelPipeline.Verify(worse, data, beta, new CertificateRequest { Arrangement = r.Arrangement });
        Assert.True(bad.LowerBound <= own + 1e-9 * Scale(own), $"{c}: bound {bad.LowerBound} above the optimum {own}");
        if (bad.Objective - own > 10 * Math.Max(1e-8, 1e-6 * Math.Abs(bad.Objective))) Assert.False(bad.CertifiedOptimal, $"{c}: a perturbed network was certified");
        // No Adam run on the same nonconvex BN model ends below the certified bound.
        foreach (int s in new[] { seed, seed + 1 })
        {
            var run = NonconvexTrainer.Train(data, Bn(beta), new NonconvexOptions { Neurons = 6, Epochs = 400, Seed = s });
            Assert.IsType<BatchNormReluNetwork>(run.Network);
            Assert.True(run.Objective >= bound - 1e-9 * Scale(bound), $"{c}: Adam reached {run.Objective} below {bound}");
            var cert = ModelPipeline.Verify(run.Network, data, beta, new CertificateRequest { Arrangement = r.Arrangement });
            Assert.Equal(run.Objective, cert.Objective, 9);
            Assert.True(cert.LowerBound <= own + 1e-9 * Scale(own), $"{c}: the run's own bound {cert.LowerBound} is above the optimum {own}");
        }
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 20, Replay = ReplaySeed)]
    public void NonconvexGradientMatchesFiniteDifferencesAndTheValueIsTheUnpackedNetworksObjective(Seed seed)
    {
        var (data, c) = Tiny(seed);
        var objective = (BatchNormNonconvexObjective)new BatchNormReluFamily().Objective(data, Bn(0.07), 3);
        var rng = new Random(seed);
        var theta = new double[objective.Parameters];
        objective.Initialize(theta, 1.0, rng);
        var g = new double[theta.Length];
        double value = objective.Gradient(theta, g);
        var net = objective.UnpackNetwork(theta);
        Assert.True(Math.Abs(value - net.Objective(data.X, ClassTargets.Column(data.Y!), 0.07)) <= 1e-10 * Scale(value), c);
        for (int t = 0; t < theta.Length; t++)
        {
            double h = 1e-6, saved = theta[t];
            theta[t] = saved + h; double up = objective.Value(theta);
            theta[t] = saved - h; double down = objective.Value(theta);
            theta[t] = saved;
            // A kink within h makes the difference quotient disagree: skip the coordinate then.
            double mid = objective.Value(theta);
            if (Math.Abs(up - 2 * mid + down) > 1e-8 * Scale(mid)) continue;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - g[t]) <= 1e-5 * Scale(g[t]), $"{c}: parameter {t}: gradient {g[t]} vs difference {fd}");
        }
        // The first layer is scale-invariant: its gradient is orthogonal to each u_j.
        int d = data.Columns;
        for (int j = 0; j < 3; j++)
        {
            double dot = 0, nu = 0, ng = 0;
            for (int k = 0; k < d; k++) { dot += theta[j * d + k] * g[j * d + k]; nu += theta[j * d + k] * theta[j * d + k]; ng += g[j * d + k] * g[j * d + k]; }
            Assert.True(Math.Abs(dot) <= 1e-9 * Math.Sqrt(nu * ng) + 1e-14, $"{c}: neuron {j}: u'grad = {dot}");
        }
    }

    /// <summary>The other losses and classifiers: (loss, classes) by case number.</summary>
    private static (LossKind Loss, int? Classes) LossCase(int k) => (k % 6) switch
    {
        5 => (LossKind.Logistic, 2),
        0 => (LossKind.Hinge, 2),
        1 => (LossKind.Hinge, 3),
        2 => (LossKind.L1, null),
        3 => (LossKind.Huber, null),
        _ => (LossKind.Squared, 3),
    };

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 15, Replay = ReplaySeed)]
    public void EveryLossAndClassifierAttainsItsProgramsOptimumIsCertifiedAndNoAdamRunEndsBelowIt(Seed seed)
    {
        var (loss, classes) = LossCase(seed);
        var rng = new Random(seed);
        var data = classes is int k ? ReluLossTests.Labelled(rng.Next(k + 2, 9), rng.Next(1, 3), seed, k) : Tiny(seed).Data;
        string c = $"seed={seed} loss={loss} classes={classes} n={data.Rows} d={data.Columns}";
        var model = Bn(0.1) with { Loss = loss, Classes = classes, HuberDelta = 0.3 };
        var r = ModelPipeline.Train(data, model);
        Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{c}: status {r.Status}");
        var net = Assert.IsType<BatchNormReluNetwork>(r.Network);
        Assert.Equal(model.Outputs, net.Architecture.Outputs);
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: network {r.RecoveredObjective} vs program {r.Primal}");
        if (r.ThinChambers == 0) Assert.True(r.Certificate!.CertifiedOptimal, $"{c}: relative gap {r.Certificate.RelativeGap}");
        double bound = r.Certificate!.LowerBound;
        Assert.True(bound <= r.RecoveredObjective + 1e-9 * Scale(bound), c);
        if (classes is int kk) Assert.Equal(ClassTargets.Accuracy(net.Outputs(data.X), data.Y!, kk), r.TrainAccuracy!.Value, 12);
        // The file keeps the loss and classes, and reading it back certifies the same network.
        var back = ModelRegistry.Read(NetworkJson.ParseObject(net.ToJson(), "t"), "t");
        Assert.Equal(classes, back.Classes);
        Assert.Equal(r.Certificate.Objective, ModelPipeline.Verify(back, data, 0.1, new CertificateRequest { Arrangement = r.Arrangement }).Objective, 9);
        var run = NonconvexTrainer.Train(data, model, new NonconvexOptions { Neurons = 6, Epochs = 300, Seed = seed });
        Assert.True(run.Objective >= bound - 1e-9 * Scale(bound), $"{c}: Adam reached {run.Objective} below {bound}");
        var cert = ModelPipeline.Verify(run.Network, data, 0.1, new CertificateRequest { Arrangement = r.Arrangement });
        Assert.Equal(run.Objective, cert.Objective, 9);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 10, Replay = ReplaySeed)]
    public void NonconvexGradientOfEveryLossMatchesFiniteDifferences(Seed seed)
    {
        var (loss, classes) = LossCase(seed);
        var data = classes is int k ? ReluLossTests.Labelled(7, 2, seed, k) : Tiny(seed).Data;
        var model = Bn(0.07) with { Loss = loss, Classes = classes, HuberDelta = 0.3 };
        var objective = (BatchNormNonconvexObjective)new BatchNormReluFamily().Objective(data, model, 4);
        var theta = new double[objective.Parameters];
        objective.Initialize(theta, 1.0, new Random(seed));
        var g = new double[theta.Length];
        double value = objective.Gradient(theta, g);
        var net = objective.UnpackNetwork(theta);
        Assert.Equal(value, LossFunction.For(model).Value(net.Outputs(data.X), model.Targets(data)) + net.Regularizer(0.07), 9);
        for (int t = 0; t < theta.Length; t++)
        {
            double h = 1e-6, saved = theta[t];
            theta[t] = saved + h; double up = objective.Value(theta);
            theta[t] = saved - h; double down = objective.Value(theta);
            theta[t] = saved;
            double mid = objective.Value(theta);
            if (Math.Abs(up - 2 * mid + down) > 1e-8 * Scale(mid)) continue; // a kink within h
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - g[t]) <= 1e-5 * Scale(g[t]), $"seed={seed} {loss}: parameter {t}: gradient {g[t]} vs difference {fd}");
        }
    }

    [Fact]
    public void WideDataMoreFeaturesThanRowsIsWhitenedAndCertified()
    {
        var rng = new Random(8);
        var x = new double[5, 7];
        for (int i = 0; i < 5; i++) for (int k = 0; k < 7; k++) x[i, k] = Math.Round(2 * rng.NextDouble() - 1, 2);
        var data = Dataset.Create(x, [0.3, -0.5, 0.9, 0.1, -0.2]);
        var whitening = BatchNormWhitening.Of(data.X);
        Assert.Equal(4, whitening.Rank); // n - 1: centring removes one dimension
        var r = ModelPipeline.Train(data, Bn(0.01));
        Assert.True(r.Certificate!.CertifiedOptimal);
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal));
        // Rank n - 1 plus the shift: BN neurons realize every pattern of n points, 2^n chambers.
        Assert.Equal(32, r.Chambers);
    }

    [Fact]
    public void NetworkFileRoundTripsWithGammaAlphaAndTheBatchStatistics()
    {
        var (data, _) = Tiny(5);
        var r = ModelPipeline.Train(data, Bn(0.1));
        string json = r.Network.ToJson();
        var doc = NetworkJson.ParseObject(json, "t");
        Assert.Equal("batch_norm_relu", doc["activation"]!.GetValue<string>());
        Assert.Equal("l2", doc["batch_norm"]!["normalization"]!.GetValue<string>());
        var back = Assert.IsType<BatchNormReluNetwork>(ModelRegistry.Read(doc, "t"));
        var net = (BatchNormReluNetwork)r.Network;
        Assert.Equal(net.NeuronCount, back.NeuronCount);
        for (int j = 0; j < net.NeuronCount; j++) Assert.Equal(net.Neurons[j] with { U = [] }, back.Neurons[j] with { U = [] });
        var f1 = r.Network.Outputs(data.X); var f2 = back.Outputs(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(f1[i, 0], f2[i, 0]);
        Assert.True(ModelPipeline.Verify(back, data, 0.1).CertifiedOptimal);
        Assert.True(ModelPipeline.ModelOf(back, 0.1).BatchNorm);
        Assert.Equal(r.RecoveredObjective, back.Metadata["objective"]!.GetValue<double>());
    }

    [Fact]
    public void PredictionOnNewRowsUsesTheTrainingBatchsStatistics()
    {
        var (data, _) = Tiny(9);
        var net = (BatchNormReluNetwork)ModelPipeline.Train(data, Bn(0.05)).Network;
        // One new row alone: its own batch would have no variance; the stored statistics normalize it.
        var row = new double[1, data.Columns];
        for (int k = 0; k < data.Columns; k++) row[0, k] = data.X[2, k];
        Assert.Equal(net.Outputs(data.X)[2, 0], net.Outputs(row)[0, 0], 12);
        // Certifying on another batch is refused: the stored statistics are not that batch's.
        var moved = new double[data.Rows, data.Columns];
        for (int i = 0; i < data.Rows; i++) for (int k = 0; k < data.Columns; k++) moved[i, k] = 2 * data.X[i, k] + 1;
        var other = Dataset.Create(moved, data.Y);
        if (net.NeuronCount > 0)
            Assert.Contains("batch statistics", Assert.Throws<InputException>(() => ModelPipeline.Verify(net, other, 0.05)).Message);
    }

    [Fact]
    public void AboveBetaMaxTheZeroNetworkIsCertifiedAndJustBelowItIsNot()
    {
        var (data, _) = Tiny(21);
        double betaMax = BatchNormReluFamily.BetaMax(data, Bn(1), new TrainingOptions());
        Assert.True(betaMax > 0);
        var above = ModelPipeline.Train(data, Bn(betaMax * (1 + 1e-6)));
        Assert.Equal(0, above.Network.NeuronCount);
        Assert.True(above.Certificate!.CertifiedOptimal);
        Assert.Equal(betaMax, above.BetaMax!.Value, 12);
        var below = ModelPipeline.Train(data, Bn(betaMax * (1 - 1e-3)));
        Assert.True(below.Network.NeuronCount > 0);
        Assert.False(ModelPipeline.Verify(BatchNormReluNetwork.Create(data.Columns, []), data, betaMax * (1 - 1e-3)).CertifiedOptimal);
    }

    [Fact]
    public void ModelsTheFamilyDoesNotTrainAndDataWithoutVariationAreRefused()
    {
        var (data, _) = Tiny(4);
        Assert.Throws<InputException>(() => ModelPipeline.Train(data, Bn(0.1) with { Bias = true }));
        Assert.Throws<InputException>(() => ModelPipeline.Train(data, Bn(0.1) with { Activation = ActivationKind.Poly }));
        Assert.Throws<InputException>(() => ModelPipeline.Train(data, Bn(0.1) with { Layers = 3 }));
        var flat = Dataset.Create(new double[,] { { 1, 2 }, { 1, 2 }, { 1, 2 } }, [1, 0, 2]);
        Assert.Contains("vary", Assert.Throws<InputException>(() => ModelPipeline.Train(flat, Bn(0.1))).Message);
        Assert.Throws<InputException>(() => NonconvexTrainer.Train(flat, Bn(0.1), new NonconvexOptions { Neurons = 2, Epochs = 5 }));
    }
}
