using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// Training over a working set of chambers (<see cref="ChamberScreening"/>, the default): the same certified optimum as the
/// program over every chamber, on every loss and on CNNs, with the certificate still over every chamber; small arrangements
/// solved whole; a working set that stops paying gives way to the full program.
/// </summary>
public class ChamberScreeningTests
{
    private static readonly TrainingOptions AllChambers = new() { Screening = false };

    /// <summary>Both results solved and certified over every chamber, and each network's objective within the other's bracket.</summary>
    private static void SameCertifiedOptimum(TrainingResult screened, TrainingResult full, string c)
    {
        foreach (var r in new[] { screened, full })
        {
            Assert.True(r.Status == SolverStatus.Solved, $"{c}: {r.Status}");
            Assert.True(r.Certificate!.CertifiedOptimal, $"{c}: certificate gap {r.Certificate.RelativeGap:E2}");
            Assert.Equal(r.Chambers, r.Certificate.Chambers);
        }
        // The optimum lies in [lower bound, objective] of each: the two brackets overlap, and both are narrow.
        double scale = Math.Max(1e-12, Math.Abs(full.RecoveredObjective));
        Assert.True(screened.RecoveredObjective >= full.Certificate!.LowerBound - 1e-12 * scale, $"{c}: screened {screened.RecoveredObjective:G17} below the full bound {full.Certificate.LowerBound:G17}");
        Assert.True(full.RecoveredObjective >= screened.Certificate!.LowerBound - 1e-12 * scale, $"{c}: full {full.RecoveredObjective:G17} below the screened bound {screened.Certificate.LowerBound:G17}");
        // The brackets bound the difference by the larger certified gap; the squared loss's networks are recovered to 1e-8
        // (piecewise-linear losses to their recovery tolerance, 1e-7, within the certificate's 1e-6).
        if (screened.Model.Loss == LossKind.Squared)
            Assert.True(Math.Abs(screened.RecoveredObjective - full.RecoveredObjective) <= 1e-7 * scale,
                $"{c}: objectives {screened.RecoveredObjective:G17} and {full.RecoveredObjective:G17}");
    }

    [Theory]
    [InlineData(LossKind.Squared, 0.01, 36)]
    [InlineData(LossKind.Squared, 0.3, 30)]
    [InlineData(LossKind.L1, 0.05, 30)]
    [InlineData(LossKind.Huber, 0.05, 30)]
    [InlineData(LossKind.Hinge, 0.05, 30)]
    [InlineData(LossKind.Logistic, 0.05, 30)]
    public void AWorkingSetOfChambersReachesTheCertifiedOptimumOfTheFullProgram(LossKind loss, double beta, int n)
    {
        bool labels = loss is LossKind.Hinge or LossKind.Logistic;
        var data = labels ? ReluLossTests.Labelled(n, 3, 5 + n) : SyntheticData.PlantedRelu(n, 3, 7 + n);
        var spec = new ModelSpec { Beta = beta, Loss = loss, Classes = labels ? 2 : null };
        var screened = ModelPipeline.Train(data, spec);
        var full = ModelPipeline.Train(data, spec, AllChambers);
        string c = $"{loss} beta={beta} n={n}";
        Assert.True(screened.WorkingSet is { } ws && ws.Chambers < screened.Chambers! / 2, $"{c}: working set {screened.WorkingSet} of {screened.Chambers}");
        Assert.True(((ConvexReluProgram)screened.Program).Blocks.Count == screened.WorkingSet!.Value.Chambers, $"{c}: the program's blocks are the working set");
        Assert.Null(full.WorkingSet);
        SameCertifiedOptimum(screened, full, c);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 8)]
    public void OnRandomDataTheScreenedAndTheFullProgramHaveTheSameCertifiedOptimum(Seed seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(26, 41);
        var loss = (LossKind)new[] { LossKind.Squared, LossKind.Squared, LossKind.L1, LossKind.Huber, LossKind.Hinge, LossKind.Logistic }[rng.Next(6)];
        bool labels = loss is LossKind.Hinge or LossKind.Logistic;
        var x = new double[n, 3];
        var y = new double[n];
        // Rounded entries: repeated and proportional rows now and then, and thin chambers among the thick ones.
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++) x[i, k] = Math.Round(4 * rng.NextDouble() - 2, rng.Next(2) == 0 ? 1 : 3);
            y[i] = labels ? (x[i, 0] + x[i, 1] * x[i, 2] > 0 ? 1 : 0) : Math.Round(4 * rng.NextDouble() - 2, 3);
        }
        if (labels) { y[0] = 0; y[1] = 1; }
        double beta = Math.Pow(10, -3 + 3 * rng.NextDouble());
        var data = Dataset.Create(x, y);
        var spec = new ModelSpec { Beta = beta, Loss = loss, Classes = labels ? 2 : null };
        SameCertifiedOptimum(ModelPipeline.Train(data, spec), ModelPipeline.Train(data, spec, AllChambers), $"{seed} {loss} n={n} beta={beta:G4}");
    }

    [Fact]
    public void AConvolutionalProgramIsScreenedOverItsPatchChambers()
    {
        var rng = new Random(11);
        var shape = ImageShape.ForSignal(1, 4, 3, 1); // two patches of length 3 per sample
        int n = 20;
        var x = new double[n, 4];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 4; j++) x[i, j] = Math.Round(2 * rng.NextDouble() - 1, 3);
            y[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
        }
        var data = Dataset.Create(x, y);
        var spec = new ModelSpec { Beta = 0.02, Image = shape };
        var screened = ModelPipeline.Train(data, spec);
        Assert.NotNull(screened.WorkingSet);
        SameCertifiedOptimum(screened, ModelPipeline.Train(data, spec, AllChambers), "signal n=20 K=2 h=3");
    }

    [Fact]
    public void ASmallArrangementIsSolvedWhole()
    {
        var data = SyntheticData.PlantedRelu(12, 3, 3);
        var r = ModelPipeline.Train(data, new ModelSpec { Beta = 0.01 });
        Assert.True(r.Chambers <= ChamberScreening.MinChambersPerSample * data.Rows);
        Assert.Null(r.WorkingSet);
        Assert.True(r.Certificate!.CertifiedOptimal);
    }

    [Fact]
    public void AtBetaMaxTheFirstWorkingSetCertifiesTheZeroNetwork()
    {
        var data = SyntheticData.PlantedRelu(40, 3, 8);
        var betaMax = ModelPath.LogSpaced(data, new ModelSpec { Beta = 1 }, 2)[0];
        var r = ModelPipeline.Train(data, new ModelSpec { Beta = 1.5 * betaMax });
        Assert.Equal(1, r.WorkingSet!.Value.Rounds);
        Assert.Equal(0, r.Network.NeuronCount);
        Assert.True(r.Certificate!.CertifiedOptimal);
    }

    [Theory]
    [InlineData(SolverStatus.NumericalError)]
    [InlineData(SolverStatus.MaxIterations)]
    public void AWorkingSetRoundThatFailsGivesWayToTheFullProgram(SolverStatus failure)
    {
        var data = SyntheticData.PlantedRelu(36, 3, 9);
        var x = data.X;
        var arrangement = ArrangementEnumerator.Enumerate(x, new ArrangementOptions { IndependentCount = false });
        var thick = arrangement.Chambers.Where(c => !ChamberCone.IsThin(x, c)).ToArray();
        var y = LossFunction.Create(LossKind.Squared).Targets(data.Y!);
        int rounds = 0;
        var outcome = ChamberScreening.Solve(x, data.Rows, y, 0.01, LossFunction.Create(LossKind.Squared), arrangement.Chambers, thick, new TrainingOptions(),
            (program, settings, round) =>
            {
                rounds = round;
                var s = ConicSolver.Solve(program.Problem, settings);
                return round == 2 ? s with { Status = failure } : s;
            });
        Assert.Null(outcome);
        Assert.Equal(2, rounds);
    }
}
