using System.Diagnostics;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;

namespace ExactConvexNN.Training;

/// <summary>Options of <see cref="ReluTrainer.Train"/>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Regularization strength beta (weight decay beta/2 on both layers).</summary>
    public required double Beta { get; init; }
    /// <summary>Append a column of ones to X (a first-layer bias).</summary>
    public bool Bias { get; init; }
    /// <summary>Use this many random-direction samples instead of exact enumeration (the result is then an upper bound).</summary>
    public int? Sample { get; init; }
    /// <summary>Seed of the sampler.</summary>
    public int Seed { get; init; }
    /// <summary>Refuse exact enumeration above this estimate.</summary>
    public long MaxPatterns { get; init; } = ArrangementOptions.DefaultMaxPatterns;
    /// <summary>Keep only facet rows in each block.</summary>
    public bool FacetReduction { get; init; } = true;
    /// <summary>Use the block-structured KKT solver (otherwise the generic sparse LDL path).</summary>
    public bool StructuredSolver { get; init; } = true;
    /// <summary>Interior-point settings.</summary>
    public SolverSettings Solver { get; init; } = new();
    /// <summary>Blocks below this fraction of the largest block norm are pruned from the recovered network.</summary>
    public double PruneTolerance { get; init; } = 1e-6;
    /// <summary>Called with (phase, done, total) while enumerating.</summary>
    public Action<string, int, int>? Progress { get; init; }
}

/// <summary>
/// The outcome of exact training: the solver's status, the convex optimum (primal) and the solver's dual value, the
/// recovered network and its objective, and the sizes and times of each stage.
/// <see cref="Primal"/> is the convex objective recomputed from the solution's blocks; <see cref="RecoveredObjective"/>
/// is the network objective 1/2||f(X)-y||^2 + beta/2 sum(||u_j||^2 + w_j^2) of the recovered network; the two agree at
/// an optimum. With sampling, the value is only an upper bound on the exact optimum.
/// </summary>
public sealed record TrainingResult
{
    public required SolverStatus Status { get; init; }
    public required double Primal { get; init; }
    public required double Dual { get; init; }
    public required double RelativeGap { get; init; }
    public required TwoLayerReluNetwork Network { get; init; }
    public required double RecoveredObjective { get; init; }
    public required Arrangement Arrangement { get; init; }
    public required ConvexReluProgram Program { get; init; }
    public required SolverResult Solution { get; init; }
    public required double EnumerationSeconds { get; init; }
    public required double SolveSeconds { get; init; }
    public required double Seconds { get; init; }
    /// <summary>
    /// The multipliers of the n equality rows (e = f(X) - y): at the optimum they equal the residual y - f(X) and solve the
    /// dual, so they are the natural candidate for a certificate (see <c>OptimalityVerifier</c>).
    /// </summary>
    public double[] DualCandidate => Solution.Z[..Program.Samples];
    /// <summary>True when the chambers were sampled: the optimum found is an upper bound on the exact one.</summary>
    public bool Sampled => Arrangement.Sampled;
}

/// <summary>Exact convex training of a two-layer ReLU network: data, chambers, program, solve, neurons.</summary>
public static class ReluTrainer
{
    /// <summary>Trains on a data set with targets.</summary>
    /// <exception cref="InputException">No targets, a bad beta, or too many patterns.</exception>
    public static TrainingResult Train(Dataset data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(options.Beta) || options.Beta < 0) throw new InputException($"beta must be a finite number >= 0, got {options.Beta}; try --beta 0.01");
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets (the last column, or --target NAME)");
        var clock = Stopwatch.StartNew();
        var features = options.Bias ? data.WithBias() : data;
        var x = features.X;
        var arrangement = options.Sample is int k
            ? ArrangementEnumerator.Sample(x, k, options.Seed)
            : ArrangementEnumerator.Enumerate(x, new ArrangementOptions
            {
                MaxPatterns = options.MaxPatterns,
                IndependentCount = false,
                Progress = options.Progress is null ? null : (done, total) => options.Progress("enumerating chambers", done, total),
            });
        double enumeration = clock.Elapsed.TotalSeconds;

        var program = ConvexReluProgram.Build(x, data.Y, options.Beta, arrangement.Chambers, options.FacetReduction);
        var solveClock = Stopwatch.StartNew();
        var solution = options.StructuredSolver
            ? ConicSolver.Solve(program.Problem, options.Solver, BlockAngularKktSolver.Factory(program.Layout))
            : ConicSolver.Solve(program.Problem, options.Solver);
        double solve = solveClock.Elapsed.TotalSeconds;

        double primal = program.Objective(solution.X, data.Y);
        double dual = solution.DualObjective;
        var neurons = program.RecoverNeurons(solution.X, data.Columns, options.Bias, options.PruneTolerance);
        var meta = new Dictionary<string, JsonNode?>
        {
            ["beta"] = options.Beta,
            ["data"] = data.Source,
            ["target"] = data.TargetName,
            ["features"] = new JsonArray(data.FeatureNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["trained_by"] = options.Sample is null ? "ecnn train (exact convex program)" : $"ecnn train --sample {options.Sample} (upper bound)",
            ["status"] = solution.Status.ToName(),
            // The equality multipliers: a dual candidate for certificates (ecnn verify), not trusted by them.
            ["dual_candidate"] = new JsonArray(solution.Z.Take(data.Rows).Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
        };
        var network = TwoLayerReluNetwork.Create(neurons, data.Columns, options.Bias, meta);
        double recovered = network.Objective(data.X, data.Y, options.Beta);
        ((Dictionary<string, JsonNode?>)network.Metadata)["objective"] = recovered;
        return new TrainingResult
        {
            Status = solution.Status, Primal = primal, Dual = dual,
            RelativeGap = RelativeGap(primal, dual),
            Network = network, RecoveredObjective = recovered, Arrangement = arrangement, Program = program, Solution = solution,
            EnumerationSeconds = enumeration, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>|p - d| / max(|p|, |d|), 0 when both are 0.</summary>
    public static double RelativeGap(double primal, double dual)
    {
        double scale = Math.Max(Math.Abs(primal), Math.Abs(dual));
        return scale == 0 ? 0 : Math.Abs(primal - dual) / scale;
    }

}
