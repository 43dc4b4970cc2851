using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// The two-layer ReLU CNN of Ergen &amp; Pilanci through the model pipeline: f(x) = sum_j w_j sum_k (x_k'u_j)_+ trained by
/// the convex program over the chambers of all n K patch rows, recovered, and certified over every chamber.
/// </summary>
public class ReluCnnTests
{
    /// <summary>A random signal or image data set with K = 2..4 patches of length h = 2..4 per sample.</summary>
    public sealed record Case(int N, bool Image, int Filter, int Stride, int Patches, bool Integers, int Seed)
    {
        public ImageShape Shape => Image
            ? new ImageShape(1, 2, Patches + 1, 2, 1)                       // 2 x (K+1) image, 2 x 2 filters: K patches of length 4
            : ImageShape.ForSignal(1, Filter + (Patches - 1) * Stride, Filter, Stride);
        public Dataset Data
        {
            get
            {
                var rng = new Random(Seed);
                int d = Shape.Pixels;
                var x = new double[N, d];
                var y = new double[N];
                for (int i = 0; i < N; i++)
                {
                    // Integers in [-1, 2] give repeated, proportional and zero patches; repeat a whole sample now and then.
                    for (int j = 0; j < d; j++) x[i, j] = Integers ? rng.Next(-1, 3) : Math.Round(2 * rng.NextDouble() - 1, 3);
                    if (i > 0 && rng.Next(4) == 0) for (int j = 0; j < d; j++) x[i, j] = x[i - 1, j];
                    y[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
                }
                return Dataset.Create(x, y);
            }
        }
        public override string ToString() => $"n={N} {(Image ? "image 1x2x" + (Patches + 1) : $"signal h={Filter} s={Stride}")} K={Patches} integers={Integers} seed={Seed}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
        from n in Gen.Choose(3, 6)
        from image in Gen.Elements(false, false, true)
        from h in Gen.Choose(2, 4)
        from s in Gen.Choose(1, 3)
        from k in Gen.Choose(2, 4)
        from integers in Gen.Elements(true, false)
        from seed in Gen.Choose(0, 100_000)
        select new Case(n, image, h, Math.Min(s, h), image ? Math.Min(k, 3) : k, integers, seed));
    }

    /// <summary>A random data set of n rows in d dimensions with integer entries.</summary>
    public sealed record FcCase(int N, int D, int Seed)
    {
        public override string ToString() => $"n={N} d={D} seed={Seed}";
    }

    public static class FcCases
    {
        public static Arbitrary<FcCase> All() => Arb.From(
            from n in Gen.Choose(3, 8) from d in Gen.Choose(2, 4) from seed in Gen.Choose(0, 100_000) select new FcCase(n, d, seed));
    }

    private static double Scale(double v) => Math.Max(1.0, Math.Abs(v));

    [Trait("Category", "Slow")]
    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 30, Replay = "20261202,7")]
    public void RecoveredCnnAttainsTheConvexOptimumIsCertifiedAndBeatsEveryFirstOrderRun(Case c)
    {
        var data = c.Data;
        var model = new ModelSpec { Beta = 0.1, Image = c.Shape };
        var r = ModelPipeline.Train(data, model);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: network {r.RecoveredObjective} vs program {r.Primal}");
        var cert = r.Certificate!;
        Assert.True(cert.CertifiedOptimal, $"{c}: relative gap {cert.RelativeGap}");
        Assert.Equal(r.Chambers, cert.Chambers);

        // A perturbed network whose objective is above the optimum by more than the tolerance is not certified (a bound
        // that certified it would lie above the optimum); a network of negligible weights is not perturbed measurably.
        var net = (TwoLayerReluNetwork)r.Network;
        var worse = TwoLayerReluNetwork.Create(net.Architecture, net.Neurons.Select(n => new Neuron(n.U, 1.3 * n.W)).ToList());
        var bad = ModelPipeline.Verify(worse, data, model.Beta, new CertificateRequest { Arrangement = r.Arrangement });
        Assert.True(bad.LowerBound <= cert.Objective + 1e-9 * Scale(cert.Objective), $"{c}: bound above the optimum");
        if (bad.Objective - cert.Objective > 10 * Math.Max(1e-8, 1e-6 * Math.Abs(bad.Objective)))
            Assert.False(bad.CertifiedOptimal, $"{c}: a perturbed network was certified (gap {bad.RelativeGap})");
        // First-order runs on the nonconvex CNN never end below the certified bound.
        foreach (var optimizer in new[] { NonconvexOptimizer.Adam, NonconvexOptimizer.Sgd })
        {
            var run = NonconvexTrainer.Train(data, model, new NonconvexOptions { Neurons = 4, Optimizer = optimizer, Epochs = 200, Seed = c.Seed, BatchSize = optimizer == NonconvexOptimizer.Sgd ? 2 : null });
            Assert.True(run.Objective >= cert.LowerBound - 1e-9 * Scale(cert.LowerBound), $"{c}: {optimizer} reached {run.Objective} below the bound {cert.LowerBound}");
        }
    }

    [Fact]
    public void ASmallOptimumSolvedToTheDataScaleIsCertifiedAfterATighterSolve()
    {
        // Found by the property above: optimum 0.0138, solved to 1e-8 of the data's scale, certificate gap 1.7e-8 (1.25e-6
        // relative) until the pipeline solved again at 1/100 of the tolerances.
        var c = new Case(3, false, 4, 2, 4, true, 85941);
        var r = ModelPipeline.Train(c.Data, new ModelSpec { Beta = 0.1, Image = c.Shape });
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(r.Certificate!.CertifiedOptimal, $"relative gap {r.Certificate.RelativeGap}");
    }

    [Property(Arbitrary = new[] { typeof(FcCases) }, MaxTest = 15, Replay = "20261202,9")]
    public void OnePatchEqualToTheWholeRowGivesTheFullyConnectedOptimum(FcCase t)
    {
        var (n, d, seed) = (t.N, t.D, t.Seed);
        var rng = new Random(seed);
        var x = new double[n, d];
        var y = new double[n];
        for (int i = 0; i < n; i++) { for (int j = 0; j < d; j++) x[i, j] = rng.Next(-3, 4); y[i] = rng.Next(-2, 3); }
        AssertSameOptimum(Dataset.Create(x, y), 0.2, t.ToString());
    }

    [Fact]
    public void OnePatchEqualToTheWholeRowGivesTheFullyConnectedOptimumOnTheThreePointProblem() =>
        AssertSameOptimum(CsvDataReader.Read(CliHarness.Problems("three_point.csv")), 0.1, "three-point");

    private static void AssertSameOptimum(Dataset data, double beta, string c)
    {
        var fc = ModelPipeline.Train(data, new ModelSpec { Beta = beta });
        var cnn = ModelPipeline.Train(data, new ModelSpec { Beta = beta, Image = ImageShape.ForSignal(1, data.Columns, data.Columns) });
        Assert.Equal(1, cnn.Network.Architecture.Patches);
        Assert.True(Math.Abs(fc.Primal - cnn.Primal) <= 1e-8 * Scale(fc.Primal), $"{c}: FC {fc.Primal} vs CNN {cnn.Primal}");
        Assert.Equal(fc.Chambers, cnn.Chambers);
        Assert.True(cnn.Certificate!.CertifiedOptimal, c);
    }

    [Fact]
    public void PatchRowsOfASampleShareItsResidualRow()
    {
        // Two identical patches per sample: the CNN sums (x'u)_+ twice, so it equals the FC network on 2x with weight decay
        // beta; the program over the stacked rows must reach the same optimum as the FC program on 2x.
        var baseData = CsvDataReader.Read(CliHarness.Problems("three_point.csv"));
        int n = baseData.Rows, d = baseData.Columns;
        var twice = new double[n, 2 * d];
        var doubled = new double[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) { twice[i, j] = twice[i, d + j] = baseData.X[i, j]; doubled[i, j] = 2 * baseData.X[i, j]; }
        var cnn = ModelPipeline.Train(Dataset.Create(twice, baseData.Y), new ModelSpec { Beta = 0.1, Image = ImageShape.ForSignal(1, 2 * d, d, d) });
        var fc = ModelPipeline.Train(Dataset.Create(doubled, baseData.Y), new ModelSpec { Beta = 0.1 });
        Assert.Equal(2, cnn.Network.Architecture.Patches);
        Assert.Equal(fc.Primal, cnn.Primal, 1e-7);
        Assert.True(cnn.Certificate!.CertifiedOptimal);
    }

    [Fact]
    public void NetworkFileRoundTripsWithItsShape()
    {
        var c = new Case(5, true, 2, 1, 3, false, 7);
        var r = ModelPipeline.Train(c.Data, new ModelSpec { Beta = 0.1, Image = c.Shape });
        var back = ModelRegistry.Read(Networks.NetworkJson.ParseObject(r.Network.ToJson(), "t"), "t");
        Assert.Equal("cnn", back.Architecture.Kind);
        Assert.Equal(c.Shape, back.Architecture.Image);
        Assert.True(back.Architecture.SumPooling);
        var f1 = r.Network.Outputs(c.Data.X); var f2 = back.Outputs(c.Data.X);
        for (int i = 0; i < c.N; i++) Assert.Equal(f1[i, 0], f2[i, 0], 12);
    }
}
