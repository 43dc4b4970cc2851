using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// ReLU networks trained with the hinge, logistic (cross-entropy), l1 and Huber losses and as K-class classifiers: the recovered network attains
/// the convex optimum and is certified, the certificate bounds every other network, and the classifier separates
/// separable data.
/// </summary>
public class ReluLossTests
{
    /// <summary>n labelled points in d dimensions: label 1 when w'x &gt; 0 for a random w (separable through the origin with a bias).</summary>
    internal static Dataset Labelled(int n, int d, int seed, int classes = 2)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        var y = new double[n];
        var w = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < d; j++) { x[i, j] = Math.Round(rng.NextDouble() * 4 - 2, 2); s += x[i, j] * w[j]; }
            y[i] = classes == 2 ? (s > 0 ? 1 : 0) : Math.Clamp((int)Math.Floor((s + 1) * classes / 2), 0, classes - 1);
        }
        for (int k = 0; k < classes; k++) y[k] = k; // every class has a row
        return Dataset.Create(x, y);
    }

    public sealed record Case(int N, int D, bool Bias, double Beta, int Seed)
    {
        public override string ToString() => $"n={N} d={D} bias={Bias} beta={Beta} seed={Seed}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from n in Gen.Choose(2, 10)
            from d in Gen.Choose(1, 2)
            from bias in Gen.Elements(false, true)
            from beta in Gen.Elements(0.01, 0.1, 1.0)
            from seed in Gen.Choose(0, 1_000_000)
            select new Case(n, d, bias, beta, seed));
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 25)]
    public void TheHingeConvexOptimumEqualsTheRecoveredNetworksObjective(Case c)
    {
        var data = Labelled(c.N, c.D, c.Seed);
        var r = Fit.Relu(data, new ModelSpec { Beta = c.Beta, Bias = c.Bias, Classes = 2, Loss = LossKind.Hinge });
        Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{c}: status {r.Status}");
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Math.Max(1, r.Primal), $"{c}: network {r.RecoveredObjective} vs convex {r.Primal}");
        Assert.True(r.Certificate!.CertifiedOptimal, $"{c}: certificate gap {r.Certificate.RelativeGap}");
    }

    [Fact]
    public void TheHingeOptimumOfAnAlmostSolvedCaseIsStillRecoveredAndCertified() =>
        TheHingeConvexOptimumEqualsTheRecoveredNetworksObjective(new Case(9, 1, true, 0.1, 143835));

    [Theory]
    // The score fell only eightfold in six iterations (μ a hundredfold, staying within a factor 4 of it) before the
    // iteration converged.
    [InlineData(5, 1, 0.01, 928995)]
    // Five steps of 0.17-0.36 with μ and the score falling together by a quarter (μ 5e-6, the score 6e-6), then steps of 1,
    // 0.99 and 0.99 to the tolerance (found by CI's run of the property above).
    [InlineData(10, 2, 0.1, 500558)]
    public void TheHingeOptimumOfASlowlyConvergingCaseIsSolvedAndCertifiedOnTheStructuredPath(int n, int d, double beta, int seed)
    {
        // The stall stop ended the structured path AlmostSolved 3e-5 above the optimum and uncertified, while the generic
        // path was rescued by its fallback regularizations.
        var c = new Case(n, d, true, beta, seed);
        var structured = TheStructuredAndGenericKktPathsReachTheSameHingeOptimum(c);
        Assert.Equal(SolverStatus.Solved, structured.Status);
        Assert.Equal("block_angular", structured.Solution.KktSolver);
    }

    [Theory]
    // Near the optimum the block-angular solver's Schur complement became numerically singular and its Cholesky failed:
    // NumericalError, returned AlmostSolved at its best point, uncertified (gap 1.2e-6 and 1.6e-6).
    [InlineData(LossKind.Hinge, 10, 1, true, 0.01, 972377)]
    [InlineData(LossKind.L1, 7, 1, true, 0.01, 17108)]
    // Solved at 1e-8 but 1.1-1.3e-6 short of the certificate; the retry at 1e-10 ended AlmostSolved (its point meets 1e-8),
    // and was discarded for not being Solved.
    [InlineData(LossKind.Hinge, 8, 2, true, 0.01, 436966)]
    [InlineData(LossKind.Hinge, 6, 2, false, 0.01, 217294)]
    public void SmallBetaProgramsAreSolvedAndCertifiedOnBothKktPaths(LossKind loss, int n, int d, bool bias, double beta, int seed)
    {
        var data = Labelled(n, d, seed);
        var model = new ModelSpec { Beta = beta, Bias = bias, Classes = 2, Loss = loss };
        foreach (bool structured in new[] { true, false })
        {
            var r = Fit.Relu(data, model, new TrainingOptions { StructuredSolver = structured });
            Assert.True(r.Status == SolverStatus.Solved, $"structured={structured}: status {r.Status}");
            Assert.True(r.Certificate!.CertifiedOptimal, $"structured={structured}: certificate gap {r.Certificate.RelativeGap}");
        }
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 25, Replay = "20261202,57")]
    public void TheStructuredAndGenericKktPathsAgreeOnTheHingeOptimum(Case c) => TheStructuredAndGenericKktPathsReachTheSameHingeOptimum(c);

    /// <summary>
    /// Trains c on both KKT paths: the structured network is certified and equals the convex optimum, and the generic path
    /// reaches the same optimum. (The generic path's certificate is not asserted: its Solved point, at the solver's 1e-8
    /// tolerances, can leave the certificate's lower bound just over 1e-6 below the optimum, as on seed 928995.)
    /// </summary>
    private static ReluFit TheStructuredAndGenericKktPathsReachTheSameHingeOptimum(Case c)
    {
        var data = Labelled(c.N, c.D, c.Seed);
        var model = new ModelSpec { Beta = c.Beta, Bias = c.Bias, Classes = 2, Loss = LossKind.Hinge };
        var structured = Fit.Relu(data, model);
        var generic = Fit.Relu(data, model, new TrainingOptions { StructuredSolver = false });
        foreach (var (name, r) in new[] { ("structured", structured), ("generic", generic) })
            Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{c} {name}: status {r.Status}");
        Assert.True(structured.Certificate!.CertifiedOptimal, $"{c}: certificate gap {structured.Certificate.RelativeGap}");
        double scale = Math.Max(1, Math.Abs(generic.Primal));
        Assert.True(Math.Abs(structured.RecoveredObjective - structured.Primal) <= 1e-6 * scale, $"{c}: network {structured.RecoveredObjective:R} vs convex {structured.Primal:R}");
        Assert.True(Math.Abs(structured.Primal - generic.Primal) <= 1e-6 * scale, $"{c}: structured {structured.Primal:R} generic {generic.Primal:R}");
        return structured;
    }

    [Fact]
    public void OnSeparableDataWithASmallBetaTheHingeClassifierSeparatesTheTrainingSet()
    {
        var data = Labelled(14, 2, 3);
        var r = Fit.Relu(data, new ModelSpec { Beta = 1e-3, Bias = true, Classes = 2, Loss = LossKind.Hinge });
        Assert.True(r.Certificate!.CertifiedOptimal);
        Assert.Equal(1.0, r.Result.TrainAccuracy);
        // Separated with margin: y f >= 1 on every row up to the solver's accuracy, so the hinge loss is (nearly) 0.
        var f = r.Network.Predict(data.X);
        for (int i = 0; i < f.Length; i++) Assert.True((data.Y![i] == 1 ? f[i] : -f[i]) > 0.99, $"row {i}: f = {f[i]}");
    }

    [Theory]
    [InlineData(LossKind.Hinge, 3)]
    [InlineData(LossKind.Squared, 3)]
    [InlineData(LossKind.L1, 2)]
    [InlineData(LossKind.Huber, 2)]
    [InlineData(LossKind.Logistic, 2)]
    [InlineData(LossKind.Logistic, 3)]
    public void EveryLossIsCertifiedAndNoRandomNetworkGoesBelowItsBound(LossKind kind, int classes)
    {
        var data = Labelled(10, 2, 11, classes);
        var model = new ModelSpec { Beta = 0.05, Bias = true, Classes = classes, Loss = kind, HuberDelta = 0.5 };
        var r = Fit.Relu(data, model);
        Assert.True(r.Certificate!.CertifiedOptimal, $"{kind}: relative gap {r.Certificate.RelativeGap}");
        Assert.Equal(ClassTargets.Outputs(classes), r.Network.Architecture.Outputs);
        // The file keeps the loss and the classes: verifying the saved network gives the same bound.
        var again = (TwoLayerReluNetwork)ModelRegistry.Read(NetworkJson.ParseObject(r.Network.ToJson(), "x"), "x");
        var cert = ModelPipeline.Verify(again, data, model.Beta, new CertificateRequest { Arrangement = r.Arrangement, Candidate = again.FileDualCandidate(data.Rows) });
        Assert.Equal(r.Certificate.Objective, cert.Objective, 9);
        Assert.True(cert.LowerBound >= r.Certificate.LowerBound - 1e-6);
        // Random networks of the same architecture (each neuron feeding one output) are never below the lower bound.
        var rng = new Random(4);
        var loss = LossFunction.For(model);
        var y = loss.Targets(data.Y!);
        for (int t = 0; t < 30; t++)
        {
            var neurons = Enumerable.Range(0, 1 + t % 5).Select(j => new Neuron(
                Enumerable.Range(0, 3).Select(_ => rng.NextDouble() * 4 - 2).ToArray(), rng.NextDouble() * 4 - 2, j % r.Network.Architecture.Outputs)).ToList();
            var net = TwoLayerReluNetwork.Create(r.Network.Architecture, neurons, classes: classes);
            Assert.True(net.Objective(data.X, y, model.Beta, loss) >= r.Certificate.LowerBound - 1e-9);
        }
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 12, Replay = "20261202,11")]
    public void TheLogisticAndCrossEntropyOptimaEqualTheRecoveredNetworksObjective(Case c)
    {
        // Two classes: softplus(-y f) per row; three: logsumexp(f) - f_label (exponential cones in the program).
        foreach (int classes in new[] { 2, 3 })
        {
            var data = Labelled(Math.Max(c.N, classes), c.D, c.Seed, classes);
            var r = Fit.Relu(data, new ModelSpec { Beta = c.Beta, Bias = c.Bias, Classes = classes, Loss = LossKind.Logistic });
            Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{c} K={classes}: status {r.Status}");
            Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Math.Max(1, r.Primal), $"{c} K={classes}: network {r.RecoveredObjective} vs convex {r.Primal}");
            Assert.True(r.Certificate!.CertifiedOptimal, $"{c} K={classes}: certificate gap {r.Certificate.RelativeGap}");
            // The recovered network's objective is computed from the loss itself, not from the program's epigraph variables.
            var loss = LossFunction.For(r.Result.Model);
            Assert.Equal(r.RecoveredObjective, loss.Value(r.Network.Outputs(data.X), loss.Targets(data.Y!)) + r.Network.Regularizer(c.Beta), 10);
        }
    }

    [Theory]
    // Near the optimum the primal-dual scaling's step fell to 0.19-0.45, cut by the exponential cones; the switch to the dual
    // scaling then crawled (its neighbourhood search shortened every step geometrically): NumericalError after 72 iterations
    // (certificate gap 1.6e-4), or AlmostSolved 2-5e-6 above the recovered network's objective (found by a 4,000-case sweep).
    [InlineData(7, 1, false, 0.01, 360324)]
    [InlineData(3, 1, false, 1.0, 425174)]
    [InlineData(9, 1, false, 1.0, 585928)]
    [InlineData(2, 1, false, 0.1, 617410)]
    public void LogisticProgramsWhosePrimalDualStepShortensNearTheOptimumAreSolvedAndCertifiedOnBothKktPaths(int n, int d, bool bias, double beta, int seed)
    {
        var data = Labelled(n, d, seed);
        var model = new ModelSpec { Beta = beta, Bias = bias, Classes = 2, Loss = LossKind.Logistic };
        foreach (bool structured in new[] { true, false })
        {
            var r = Fit.Relu(data, model, new TrainingOptions { StructuredSolver = structured });
            Assert.True(r.Status == SolverStatus.Solved, $"structured={structured}: status {r.Status}");
            Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Math.Max(1, r.Primal), $"structured={structured}: network {r.RecoveredObjective:R} vs convex {r.Primal:R}");
            Assert.True(r.Certificate!.CertifiedOptimal, $"structured={structured}: certificate gap {r.Certificate.RelativeGap}");
        }
    }

    [Theory]
    [InlineData(LossKind.Hinge)]
    [InlineData(LossKind.Logistic)]
    public void AdamRunsWithAClassificationLossNeverEndBelowTheCertifiedOptimum(LossKind kind)
    {
        var data = Labelled(12, 2, 5, 3);
        var model = new ModelSpec { Beta = 0.1, Bias = true, Classes = 3, Loss = kind };
        var comparison = ModelComparison.Run(data, model, new NonconvexOptions { Optimizer = NonconvexOptimizer.Adam, Neurons = 12, Epochs = 300 }, runs: 3);
        Assert.True(comparison.Exact.Certificate!.CertifiedOptimal);
        Assert.Empty(comparison.Below);
        foreach (var run in comparison.Runs) Assert.True(run.Result.Objective >= comparison.Exact.Certificate.LowerBound - 1e-9);
    }

    [Fact]
    public void AboveBetaMaxTheZeroClassifierIsOptimalAndCertified()
    {
        var data = Labelled(8, 2, 2);
        var r = Fit.Relu(data, new ModelSpec { Beta = 1e6, Bias = true, Classes = 2, Loss = LossKind.Hinge });
        Assert.Equal(0, r.Network.NeuronCount);
        Assert.Equal(8, r.RecoveredObjective, 12); // hinge at f = 0 is 1 per row
        Assert.True(r.Certificate!.CertifiedOptimal);
    }

    [Fact]
    public void AClassificationLossWithoutClassesOrAClassWithoutRowsIsRefused()
    {
        var data = Labelled(6, 2, 1);
        var e = Assert.Throws<InputException>(() => ModelPipeline.Train(data, new ModelSpec { Beta = 0.1, Loss = LossKind.Hinge }));
        Assert.Contains("--classes", e.Message);
        e = Assert.Throws<InputException>(() => ModelPipeline.Train(data, new ModelSpec { Beta = 0.1, Loss = LossKind.Hinge, Classes = 3 }));
        Assert.Contains("class 2 has no rows", e.Message);
    }
}
