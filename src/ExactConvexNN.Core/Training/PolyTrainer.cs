using System.Diagnostics;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Training;

/// <summary>Options of <see cref="PolyTrainer.Train"/>.</summary>
public sealed record PolyTrainingOptions
{
    /// <summary>Regularization strength beta on ||w||_1.</summary>
    public required double Beta { get; init; }
    /// <summary>The activation a t^2 + b t + c.</summary>
    public PolynomialActivation Activation { get; init; } = PolynomialActivation.Default;
    /// <summary>Fully connected only: append a column of ones to X (a first-layer bias, inside the unit norm).</summary>
    public bool Bias { get; init; }
    /// <summary>Number of classes K (targets are labels 0..K-1); null for regression on the target column.</summary>
    public int? Classes { get; init; }
    /// <summary>Image geometry for a CNN; null for a fully connected network.</summary>
    public ImageShape? Image { get; init; }
    /// <summary>Interior-point settings.</summary>
    public SolverSettings Solver { get; init; } = new();
    /// <summary>Eigenvalues and weights below this fraction of the largest diagonal entry are dropped in the decomposition.</summary>
    public double DropTolerance { get; init; } = 1e-8;

    /// <summary>The architecture these options describe for data with <paramref name="inputs"/> feature columns.</summary>
    /// <exception cref="InputException">A bias with an image, an invalid image, a column count that does not match it, or fewer than 2 classes.</exception>
    public PolyArchitecture Architecture(int inputs)
    {
        if (Classes is int k && k < 2) throw new InputException($"--classes needs at least 2 classes, got {k}");
        int outputs = Classes is int c ? ClassTargets.Outputs(c) : 1;
        if (Image is null) return PolyArchitecture.FullyConnected(inputs, Bias, outputs);
        if (Bias) throw new InputException("--bias applies to fully connected networks only; a CNN with --image has none");
        var arch = PolyArchitecture.Convolutional(Image, outputs);
        if (arch.Inputs != inputs)
            throw new InputException($"--image {Image.Channels},{Image.Height},{Image.Width} needs {arch.Inputs} pixel columns but the data has {inputs} feature columns");
        return arch;
    }
}

/// <summary>The outcome of <see cref="PolyTrainer.Train"/>.</summary>
public sealed record PolyTrainingResult
{
    /// <summary>The solver's status.</summary>
    public required SolverStatus Status { get; init; }
    /// <summary>The SDP objective recomputed from the solution's blocks.</summary>
    public required double Primal { get; init; }
    /// <summary>The solver's dual objective.</summary>
    public required double Dual { get; init; }
    /// <summary>|primal - dual| / max(|primal|, |dual|).</summary>
    public required double RelativeGap { get; init; }
    /// <summary>The recovered network (neural decomposition of the optimal blocks).</summary>
    public required PolyNetwork Network { get; init; }
    /// <summary>The network's objective 1/2||f(X) - Y||^2 + beta ||w||_1 computed from the network itself.</summary>
    public required double RecoveredObjective { get; init; }
    /// <summary>The targets the program fitted (n x O).</summary>
    public required double[,] Targets { get; init; }
    /// <summary>Training accuracy when classifying (null otherwise).</summary>
    public double? Accuracy { get; init; }
    /// <summary>The program.</summary>
    public required PolynomialSdpProgram Program { get; init; }
    /// <summary>The solver's result.</summary>
    public required SolverResult Solution { get; init; }
    /// <summary>
    /// The multipliers of the n O equality rows (e = yhat - Y), as an n x O matrix: at the optimum they equal the residual
    /// Y - yhat and solve the dual with the PSD blocks' multipliers as slack, so they are the natural candidate for a
    /// certificate (see <c>PolyOptimalityVerifier</c>).
    /// </summary>
    public double[,] DualCandidate
    {
        get
        {
            int n = Targets.GetLength(0), o = Targets.GetLength(1);
            var v = new double[n, o];
            for (int i = 0; i < n; i++) for (int t = 0; t < o; t++) v[i, t] = Solution.Z[i * o + t];
            return v;
        }
    }
    /// <summary>Seconds to extract patches and build the program.</summary>
    public required double BuildSeconds { get; init; }
    /// <summary>Seconds in the solver.</summary>
    public required double SolveSeconds { get; init; }
    /// <summary>Seconds end to end.</summary>
    public required double Seconds { get; init; }
}

/// <summary>Exact training of a two-layer polynomial-activation network (FC or CNN) by the SDP of Bartan &amp; Pilanci.</summary>
public static class PolyTrainer
{
    /// <summary>Trains on a data set with targets (labels 0..K-1 when <see cref="PolyTrainingOptions.Classes"/> is set).</summary>
    /// <exception cref="InputException">No targets, a bad beta or activation, or an architecture that does not fit the data.</exception>
    public static PolyTrainingResult Train(Dataset data, PolyTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(options.Beta) || options.Beta < 0) throw new InputException($"beta must be a finite number >= 0, got {options.Beta}; try --beta 0.01");
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets (the last column, or --target NAME)");
        options.Activation.Validated();
        var clock = Stopwatch.StartNew();
        var arch = options.Architecture(data.Columns);
        var y = options.Classes is int k ? ClassTargets.Encode(data.Y, k) : ClassTargets.Column(data.Y);
        var patches = arch.ExtractPatches(data.X);
        var program = PolynomialSdpProgram.Build(patches, y, arch, options.Activation, options.Beta);
        double build = clock.Elapsed.TotalSeconds;
        var solveClock = Stopwatch.StartNew();
        var solution = ConicSolver.Solve(program.Problem, options.Solver);
        double solve = solveClock.Elapsed.TotalSeconds;

        double primal = program.Objective(solution.X);
        double dual = solution.DualObjective;
        var meta = new Dictionary<string, JsonNode?>
        {
            ["beta"] = options.Beta,
            ["data"] = data.Source,
            ["target"] = data.TargetName,
            ["features"] = new JsonArray(data.FeatureNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["trained_by"] = "ecnn train --activation poly (semidefinite program of Bartan & Pilanci)",
            ["status"] = solution.Status.ToName(),
            ["sdp_optimum"] = double.IsFinite(primal) ? primal : null,
            // The equality multipliers, row-major (sample i, output o at i O + o): a dual candidate for certificates
            // (ecnn verify), not trusted by them.
            ["dual_candidate"] = solution.Z.Take(y.Length).All(double.IsFinite)
                ? new JsonArray(solution.Z.Take(y.Length).Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) : null,
        };
        // A solve that ends without a finite iterate (not expected: Z = Z' = 0 is always feasible) gives the empty network.
        var network = solution.X.All(double.IsFinite)
            ? program.RecoverNetwork(solution.X, options.Classes, meta, options.DropTolerance)
            : PolyNetwork.Create(arch, options.Activation, [], options.Classes, meta);
        var f = network.PredictPatches(patches);
        double recovered = PolyNetwork.Loss(f, y) + network.Regularizer(options.Beta);
        ((Dictionary<string, JsonNode?>)network.Metadata)["objective"] = double.IsFinite(recovered) ? recovered : null;
        return new PolyTrainingResult
        {
            Status = solution.Status, Primal = primal, Dual = dual, RelativeGap = ReluTrainer.RelativeGap(primal, dual),
            Network = network, RecoveredObjective = recovered, Targets = y,
            Accuracy = options.Classes is int c ? ClassTargets.Accuracy(f, data.Y, c) : null,
            Program = program, Solution = solution, BuildSeconds = build, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }
}
