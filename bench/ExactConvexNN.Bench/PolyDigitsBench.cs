using System.Diagnostics;
using System.Globalization;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Bench;

/// <summary>
/// The polynomial-activation CNN of Bartan &amp; Pilanci on a binary task of the 8 x 8 digits
/// (problems/data/digits8x8.csv.gz): pixels / 16, labels of the pair mapped to 0 and 1 (targets -1, +1), a fixed split
/// (the first 70% of the pair's rows in file order train, the rest test). The SDP is solved to optimality and its
/// network recovered; Adam (and optionally GD) on the same nonconvex network from several seeds is the baseline.
/// Arguments: [--pair A,B] [--beta B] [--filter f] [--stride s] [--pool p] [--neurons m] [--inits K] [--epochs E]
/// [--lr L] [--optimizer adam|gd|sgd] [--tol T] [--drop T] (decomposition drop tolerance).
/// </summary>
public static class PolyDigitsBench
{
    public static void Run(string[] args)
    {
        string Arg(string name, string def) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : def; }
        double D(string name, string def) => double.Parse(Arg(name, def), CultureInfo.InvariantCulture);
        int I(string name, string def) => int.Parse(Arg(name, def), CultureInfo.InvariantCulture);
        var pair = Arg("--pair", "3,8").Split(',').Select(int.Parse).ToArray();
        double beta = D("--beta", "0.1"), lr = D("--lr", "0.01"), tol = D("--tol", "1e-8");
        int filter = I("--filter", "3"), stride = I("--stride", "1"), pool = I("--pool", "3");
        int neurons = I("--neurons", "20"), inits = I("--inits", "5"), epochs = I("--epochs", "2000");
        var optimizer = NonconvexTrainer.Parse(Arg("--optimizer", "adam"));

        var root = FindProblems() ?? throw new InvalidOperationException("problems/data not found above the current folder");
        var path = Path.Combine(root, "data", "digits8x8.csv.gz");
        var all = CsvDataReader.Read(path, "label");
        var rows = Enumerable.Range(0, all.Rows).Where(i => all.Y![i] == pair[0] || all.Y![i] == pair[1]).ToArray();
        int nTrain = (int)(0.7 * rows.Length);
        Dataset Subset(IEnumerable<int> idx)
        {
            var ix = idx.ToArray();
            var x = new double[ix.Length, all.Columns];
            var y = new double[ix.Length];
            for (int r = 0; r < ix.Length; r++)
            {
                for (int c = 0; c < all.Columns; c++) x[r, c] = all.X[ix[r], c] / 16.0;
                y[r] = all.Y![ix[r]] == pair[1] ? 1 : 0;
            }
            return Dataset.Create(x, y, all.FeatureNames, "label", $"digits {pair[0]} vs {pair[1]}");
        }
        var train = Subset(rows.Take(nTrain));
        var test = Subset(rows.Skip(nTrain));
        var model = new ModelSpec { Beta = beta, Activation = ActivationKind.Poly, Classes = 2, Image = new ImageShape(1, 8, 8, filter, stride, 0, pool) };
        var training = new TrainingOptions
        {
            DropTolerance = D("--drop", "1e-8"), Certify = false,
            Solver = new SolverSettings { FeasibilityTolerance = tol, GapAbsoluteTolerance = tol, GapRelativeTolerance = tol },
        };
        Console.WriteLine($"digits {pair[0]} (label 0, target -1) vs {pair[1]} (label 1, target +1): {train.Rows} train, {test.Rows} test (first 70% of the pair's rows in file order); pixels / 16");
        Console.WriteLine($"model: {ModelRegistry.For(model).Architecture(model, 64).Describe()}, {model.ActivationFormula}, beta {beta.ToString(CultureInfo.InvariantCulture)}");

        var clock = Stopwatch.StartNew();
        var exact = ModelPipeline.Train(train, model, training);
        double exactSeconds = clock.Elapsed.TotalSeconds;
        var net = (PolyNetwork)exact.Network;
        var program = (PolynomialSdpProgram)exact.Program;
        double wmax = net.Neurons.Count == 0 ? 0 : net.Neurons.Max(nrn => nrn.W.Max(Math.Abs));
        int effective = net.Neurons.Count(nrn => nrn.W.Max(Math.Abs) > 1e-6 * wmax);
        double testAcc = ClassTargets.Accuracy(net.Predict(test.X), test.Y!, 2);
        Console.WriteLine($"SDP: status {exact.Status.ToName()}, {exact.Solution.Iterations} iterations, {exact.Program.Problem.Variables} variables, {program.Blocks} PSD blocks of order {program.MatrixOrder}");
        Console.WriteLine(FormattableString.Invariant($"SDP: optimum (primal) {exact.Primal:R}, dual {exact.Dual:R}, relative gap {exact.RelativeGap:E2}"));
        Console.WriteLine(FormattableString.Invariant($"SDP: recovered network objective {exact.RecoveredObjective:R} (relative difference {Math.Abs(exact.RecoveredObjective - exact.Primal) / Math.Abs(exact.Primal):E2}), {net.Neurons.Count} neurons ({effective} with |w| > 1e-6 max), max | ||u|| - 1 | {net.MaxNormDeviation():E1}"));
        Console.WriteLine(FormattableString.Invariant($"SDP: train accuracy {exact.TrainAccuracy:P2}, test accuracy {testAcc:P2}, time {exactSeconds:F2} s (solve {exact.SolveSeconds:F2} s)"));

        var byResidual = PolyOptimalityVerifier.Verify(net, train.X, exact.Targets, beta);
        var cert = PolyOptimalityVerifier.Verify(net, train.X, exact.Targets, beta, exact.DualCandidate);
        if (byResidual.LowerBound > cert.LowerBound) cert = byResidual;
        Console.WriteLine(FormattableString.Invariant($"SDP: solver-independent certificate of the recovered network: lower bound {cert.LowerBound:R}, relative gap {cert.RelativeGap:E2}, certified {cert.CertifiedOptimal}"));
        Console.WriteLine($"{"run",-22} {"objective",14} {"above opt.",10} {"own bound",12} {"train acc",9} {"test acc",9} {"seconds",8}");
        Console.WriteLine(FormattableString.Invariant($"{"SDP (global optimum)",-22} {exact.RecoveredObjective,14:F6} {0.0,10:E2} {cert.LowerBound,12:F6} {exact.TrainAccuracy,9:P2} {testAcc,9:P2} {exactSeconds,8:F2}"));
        double nonconvexSeconds = 0;
        for (int seed = 0; seed < inits; seed++)
        {
            var run = NonconvexTrainer.Train(train, model, new NonconvexOptions
            {
                Neurons = neurons, Optimizer = optimizer, Epochs = epochs, Seed = seed, LearningRate = lr,
            });
            var runNet = (PolyNetwork)run.Network;
            nonconvexSeconds += run.Seconds;
            var trainAcc = ClassTargets.Accuracy(runNet.Predict(train.X), train.Y!, 2);
            var tAcc = ClassTargets.Accuracy(runNet.Predict(test.X), test.Y!, 2);
            string name = $"{NonconvexTrainer.Name(optimizer)} m={neurons} seed {seed}" + (run.Diverged ? " (div.)" : "");
            var own = PolyOptimalityVerifier.Verify(runNet, train.X, exact.Targets, beta);
            Console.WriteLine(FormattableString.Invariant($"{name,-22} {run.Objective,14:F6} {(run.Objective - exact.Primal) / exact.Primal,10:E2} {own.LowerBound,12:F6} {trainAcc,9:P2} {tAcc,9:P2} {run.Seconds,8:F2}"));
            if (run.Objective < exact.Primal - 1e-7 * exact.Primal) Console.WriteLine("  !! below the SDP optimum: a bug");
        }
        Console.WriteLine(FormattableString.Invariant($"nonconvex: {inits} runs x {epochs} epochs (lr {lr}), {nonconvexSeconds:F2} s in total"));
    }

    private static string? FindProblems()
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems", "data"))) dir = dir.Parent;
        return dir is null ? null : Path.Combine(dir.FullName, "problems");
    }
}
