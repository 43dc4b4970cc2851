using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Training;
using FsCheck.Xunit;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>Three-layer ReLU networks (the double arrangement, the convex program, recovery and the certificate) through the model pipeline.</summary>
public class ThreeLayerReluTests
{
    private const string ReplaySeed = "20261202,13";

    private static double Scale(double v) => Math.Max(1.0, Math.Abs(v));

    /// <summary>n in 3..6 rows of d in 2..3 features (rounded, or small integers: degenerate arrangements), targets in [-1, 1].</summary>
    private static (Dataset Data, string Case) Tiny(int seed, int maxRows = 6)
    {
        var rng = new Random(seed);
        int n = rng.Next(3, maxRows + 1), d = rng.Next(2, 4);
        bool integers = rng.Next(3) == 0;
        var x = new double[n, d];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i, j] = integers ? rng.Next(-2, 3) : Math.Round(2 * rng.NextDouble() - 1, 3);
            y[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
        }
        return (Dataset.Create(x, y), $"seed={seed} n={n} d={d} integers={integers}");
    }

    private static ModelSpec Three(double beta) => new() { Beta = beta, Layers = 3 };

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 8, Replay = ReplaySeed)]
    [Trait("Category", "Slow")]
    public void RecoveredNetworkAttainsTheConvexOptimumAndNoAdamRunEndsBelowTheBound(Seed seed)
    {
        var (data, c) = Tiny(seed);
        double beta = 0.05;
        var r = ModelPipeline.Train(data, Three(beta));
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: network {r.RecoveredObjective} vs program {r.Primal}");
        var cert = r.Certificate!;
        Assert.True(cert.LowerBound <= r.RecoveredObjective + 1e-9 * Scale(r.RecoveredObjective), c);
        if (r.ThinChambers == 0) Assert.True(cert.CertifiedOptimal, $"{c}: relative gap {cert.RelativeGap}");
        // Every network is feasible for the nonconvex problem: none ends below a valid lower bound.
        for (int run = 1; run <= 10; run++)
        {
            var adam = NonconvexTrainer.Train(data, Three(beta), new NonconvexOptions { Neurons = 4, Epochs = 400, Seed = run });
            double value = adam.Network.Objective(data.X, ClassTargets.Column(data.Y!), beta);
            Assert.True(value >= cert.LowerBound - 1e-9 * Scale(cert.LowerBound), $"{c}: Adam run {run} reached {value} below {cert.LowerBound}");
            Assert.True(adam.Objective >= value - 1e-9 * Scale(value), $"{c}: the smooth objective {adam.Objective} is below the network's {value}");
        }
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 8, Replay = ReplaySeed)]
    [Trait("Category", "Slow")]
    public void TwoLayerNetworksEmbeddedAsThreeLayerOnesAreNeverBetterThanTheThreeLayerOptimum(Seed seed)
    {
        var (data, c) = Tiny(seed, maxRows: 5);
        double beta = 0.05;
        var two = (TwoLayerReluNetwork)ModelPipeline.Train(data, new ModelSpec { Beta = beta }).Network;
        var three = ModelPipeline.Train(data, Three(beta));
        // Each two-layer neuron (x'u)_+ w is a unit of one neuron: ((x'u)_+ 1)_+ w, regularizer beta ||u|| |w|.
        var embedded = ThreeLayerReluNetwork.Create(three.Network.Architecture,
            two.Neurons.Select((n, k) => new FirstLayerNeuron(n.U, 1, k)).ToList(), two.Neurons.Select(n => n.W).ToList());
        var f2 = two.Outputs(data.X); var f3 = embedded.Outputs(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(f2[i, 0], f3[i, 0], 12);
        double value = embedded.Objective(data.X, ClassTargets.Column(data.Y!), beta);
        Assert.True(value <= two.Objective(data, beta) + 1e-12 * Scale(value), $"{c}: the path norm is at most the balanced weight decay");
        Assert.True(value >= three.Certificate!.LowerBound - 1e-9 * Scale(value), $"{c}: embedded {value} below the three-layer bound {three.Certificate.LowerBound}");
        Assert.True(three.RecoveredObjective <= value + 1e-6 * Scale(value), $"{c}: three-layer optimum {three.RecoveredObjective} above a two-layer network's {value}");
        var verified = ModelPipeline.Verify(embedded, data, beta);
        Assert.True(verified.LowerBound <= three.RecoveredObjective + 1e-6 * Scale(value), $"{c}: a certificate bound above the optimum");
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 5, Replay = ReplaySeed)]
    [Trait("Category", "Slow")]
    public void ThreeLayerCnnsAttainTheConvexOptimumAndAreNeverWorseThanTwoLayerCnns(Seed seed)
    {
        // Signals of length 3-4 with small integer values, 2-tap filters: n 3-5 samples, 2-3 patches each.
        var rng = new Random(seed);
        int n = rng.Next(3, 6), length = rng.Next(3, 5);
        var x = new double[n, length];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < length; j++) x[i, j] = rng.Next(-2, 3);
            y[i] = Math.Round(2 * rng.NextDouble() - 1, 2);
        }
        var data = Dataset.Create(x, y);
        string c = $"seed={seed} n={n} length={length}";
        var shape = ImageShape.ForSignal(1, length, 2, 1, 0, 0);
        var r = ModelPipeline.Train(data, Three(0.05) with { Image = shape });
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: network {r.RecoveredObjective} vs program {r.Primal}");
        if (r.ThinChambers == 0) Assert.True(r.Certificate!.CertifiedOptimal, $"{c}: relative gap {r.Certificate.RelativeGap}");
        var two = ModelPipeline.Train(data, new ModelSpec { Beta = 0.05, Image = shape });
        Assert.True(r.Certificate!.LowerBound <= two.RecoveredObjective + 1e-9 * Scale(two.RecoveredObjective), $"{c}: three-layer bound above a two-layer CNN");
        var back = ModelRegistry.Read(NetworkJson.ParseObject(r.Network.ToJson(), "t"), "t");
        var f1 = r.Network.Outputs(x); var f2 = back.Outputs(x);
        for (int i = 0; i < n; i++) Assert.Equal(f1[i, 0], f2[i, 0], 12);
    }

    /// <summary>
    /// The sign patterns 1[A c &gt;= 0] of A's column space found without the enumerator: for each s in {-1, 1}^n, the LP
    /// s_r (A c)_r &gt;= 1 on the nonzero rows (zero rows are always active) is feasible exactly when s is a chamber.
    /// </summary>
    private static HashSet<string> BruteForcePatterns(double[,] a)
    {
        int n = a.GetLength(0), k = a.GetLength(1);
        var zero = Enumerable.Range(0, n).Where(r => Enumerable.Range(0, k).All(j => a[r, j] == 0)).ToHashSet();
        var found = new HashSet<string>();
        for (int mask = 0; mask < 1 << n; mask++)
        {
            if (zero.Any(r => (mask >> r & 1) == 0)) continue;
            var rows = Enumerable.Range(0, n).Where(r => !zero.Contains(r)).ToArray();
            if (rows.Length == 0) { found.Add(new string('1', n)); continue; }
            // Variables c (k, free); rows -s_r a_r'c + slack = -1, slack >= 0.
            var colPtr = new int[k + 1]; var idx = new List<int>(); var val = new List<double>();
            for (int j = 0; j < k; j++)
            {
                for (int t = 0; t < rows.Length; t++)
                {
                    double s = (mask >> rows[t] & 1) == 1 ? 1 : -1;
                    if (a[rows[t], j] != 0) { idx.Add(t); val.Add(-s * a[rows[t], j]); }
                }
                colPtr[j + 1] = idx.Count;
            }
            var problem = ConicProblem.Create(CscMatrix.Create(k, k, new int[k + 1], [], []), new double[k],
                CscMatrix.Create(rows.Length, k, colPtr, idx.ToArray(), val.ToArray()), Enumerable.Repeat(-1.0, rows.Length).ToArray(),
                [new NonnegativeConeSpec(rows.Length)]);
            var status = ConicSolver.Solve(problem).Status;
            Assert.True(status is SolverStatus.Solved or SolverStatus.PrimalInfeasible, $"the LP of pattern {mask} ended {status}");
            if (status == SolverStatus.Solved) found.Add(new string(Enumerable.Range(0, n).Select(r => (mask >> r & 1) == 1 ? '1' : '0').ToArray()));
        }
        return found;
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 12, Replay = ReplaySeed)]
    public void PatternPairsMatchAnIndependentCountByLinearProgramsOverEverySignVector(Seed seed)
    {
        var (data, c) = Tiny(seed);
        var x = data.X;
        var pairs = DoubleArrangement.Enumerate(x, new ArrangementOptions { IndependentCount = false });
        // First layer: the chambers of X.
        var inner = BruteForcePatterns(x);
        Assert.Equal(inner.OrderBy(s => s), pairs.Inner.Chambers.Select(ch => ch.ToString()).OrderBy(s => s));
        // Second layer: the patterns of span_j D_j X, with M = [D_1 X ... D_P X] built from the brute-force inner patterns.
        int n = x.GetLength(0), d = x.GetLength(1);
        var live = inner.Where(p => p.Contains('1')).ToArray();
        var m = new double[n, Math.Max(1, live.Length * d)];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < live.Length; j++)
                for (int k = 0; k < d; k++) m[r, j * d + k] = live[j][r] == '1' ? x[r, k] : 0;
        var outer = BruteForcePatterns(m);
        Assert.Equal(outer.OrderBy(s => s), pairs.Outer.Chambers.Select(ch => ch.ToString()).OrderBy(s => s));
        Assert.Equal((long)live.Length * outer.Count(p => p.Contains('1')), pairs.PatternPairs);
        // The outer basis B spans the same space as M: same rank, and its columns are columns of M.
        Assert.True(pairs.OuterMatrix.GetLength(1) <= n, c);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 5, Replay = ReplaySeed)]
    [Trait("Category", "Slow")]
    public void AtBetaMaxTheZeroNetworkIsCertifiedAndJustBelowItIsNot(Seed seed)
    {
        var (data, c) = Tiny(seed, maxRows: 5);
        var family = new ThreeLayerReluFamily();
        double betaMax = family.BetaMax(data, Three(1), new TrainingOptions());
        Assert.True(betaMax > 0, c);
        var zero = ThreeLayerReluNetwork.Create(family.Architecture(Three(1), data.Columns), [], []);
        Assert.True(ModelPipeline.Verify(zero, data, betaMax * (1 + 1e-6)).CertifiedOptimal, $"{c}: zero network at beta_max {betaMax}");
        var below = ModelPipeline.Train(data, Three(betaMax * (1 - 1e-3)));
        Assert.True(below.RecoveredObjective < zero.Objective(data.X, ClassTargets.Column(data.Y!), 0) - 1e-9, $"{c}: below beta_max the zero network is not optimal");
        Assert.Equal(0, ModelPipeline.Train(data, Three(betaMax * 1.01)).Network.NeuronCount);
    }

    [Fact]
    public void NetworkFileRoundTripsAndIsCertifiedAgain()
    {
        var (data, _) = Tiny(17, maxRows: 5);
        var r = ModelPipeline.Train(data, Three(0.1));
        var back = ModelRegistry.Read(NetworkJson.ParseObject(r.Network.ToJson(), "t"), "t");
        Assert.Equal(3, back.Layers);
        Assert.IsType<ThreeLayerReluNetwork>(back);
        var f1 = r.Network.Outputs(data.X); var f2 = back.Outputs(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(f1[i, 0], f2[i, 0], 12);
        Assert.Equal(3, ModelPipeline.ModelOf(back, 0.1).Layers);
        var cert = ModelPipeline.Verify(back, data, 0.1);
        Assert.True(cert.CertifiedOptimal, $"relative gap {cert.RelativeGap}");
    }

    [Fact]
    public void PerturbedNetworksAreNotCertified()
    {
        var (data, _) = Tiny(23, maxRows: 5);
        var r = ModelPipeline.Train(data, Three(0.05));
        var net = (ThreeLayerReluNetwork)r.Network;
        var worse = ThreeLayerReluNetwork.Create(net.Architecture, net.Neurons, net.UnitWeights.Select(c => 1.3 * c).ToList());
        var cert = ModelPipeline.Verify(worse, data, 0.05);
        Assert.True(cert.LowerBound <= r.RecoveredObjective + 1e-9 * Scale(r.RecoveredObjective));
        Assert.True(cert.Objective > r.RecoveredObjective);
        Assert.False(cert.CertifiedOptimal);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 20, Replay = ReplaySeed)]
    public void NonconvexGradientMatchesFiniteDifferencesAndTheObjectiveBoundsTheNetworks(Seed seed)
    {
        var (data, c) = Tiny(seed);
        // Every other case a CNN: the rows read as 1-channel signals with 2-tap filters.
        var model = seed % 2 == 0 ? Three(0.07) : Three(0.07) with { Image = ImageShape.ForSignal(1, data.Columns, 2, 1, 0, 0) };
        var objective = (ThreeLayerNonconvexObjective)new ThreeLayerReluFamily().Objective(data, model, 3);
        var rng = new Random(seed);
        var theta = new double[objective.Parameters];
        objective.Initialize(theta, 1.0, rng);
        var g = new double[theta.Length];
        double value = objective.Gradient(theta, g);
        var net = objective.UnpackNetwork(theta);
        Assert.True(value >= net.Objective(data.X, ClassTargets.Column(data.Y!), 0.07) - 1e-12 * Scale(value), c);
        for (int t = 0; t < theta.Length; t++)
        {
            double h = 1e-6, saved = theta[t];
            theta[t] = saved + h; double up = objective.Value(theta);
            theta[t] = saved - h; double down = objective.Value(theta);
            theta[t] = saved;
            // A kink within h makes the difference quotient disagree: skip the coordinate then.
            double fd = (up - down) / (2 * h);
            double mid = objective.Value(theta);
            if (Math.Abs(up - 2 * mid + down) > 1e-8 * Scale(mid)) continue;
            Assert.True(Math.Abs(fd - g[t]) <= 1e-5 * Scale(g[t]), $"{c}: parameter {t}: gradient {g[t]} vs difference {fd}");
        }
    }

    [Fact]
    public void ProgramBlocksLeaveOutFirstLayerNeuronsThatCannotReachTheSecondLayersActiveRows()
    {
        var x = new double[,] { { 1, 0 }, { 0, 1 }, { -1, -1 } };
        var patterns = DoubleArrangement.Enumerate(x, new ArrangementOptions { IndependentCount = false });
        var program = ThreeLayerReluProgram.Build(x, [1, -1, 0.5], 0.1, patterns.OuterChambers, patterns.InnerChambers);
        foreach (var b in program.Blocks.Where(b => b.Rho == 1))
            Assert.Contains(Enumerable.Range(0, 3), r => program.OuterChambers[b.Outer][r] && program.InnerChambers[b.Inner][r]);
        Assert.Equal(2L * patterns.PatternPairs, program.Blocks.Count(b => b.Rho == -1));
    }
}
