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
    /// <summary>
    /// Recovery polishes the solution's support (see <see cref="ReluTrainer"/>) while the network's objective is more than
    /// this, relative, above the convex value: ten times the solver's default tolerance.
    /// </summary>
    public double RecoveryTolerance { get; init; } = 1e-7;
    /// <summary>
    /// Called with (phase, done, total) while enumerating ("enumerating chambers", chambers found of the estimate) and while
    /// solving ("solving (interior point)", tenths of the digits of accuracy reached of those the tolerance asks for).
    /// </summary>
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
    /// <summary>Chambers left out of the program as numerically thin (<see cref="ChamberCone.ThinWidth"/>); certificates still check them.</summary>
    public int ThinChambers { get; init; }
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

        // Thin chambers (numerical slivers, see ChamberCone) stay out of the program; the certificate still checks them.
        var thick = arrangement.Chambers.Where(c => !ChamberCone.IsThin(x, c)).ToArray();
        var program = ConvexReluProgram.Build(x, data.Y, options.Beta, thick, options.FacetReduction);
        var solveClock = Stopwatch.StartNew();
        int reached = 0; // the bar never goes back
        var settings = options.Progress is not { } progress ? options.Solver : options.Solver with
        {
            OnIteration = (_, error) =>
                progress("solving (interior point)", reached = Math.Max(reached, Digits(error)), Digits(options.Solver.GapRelativeTolerance)),
        };
        var solution = Solve(program, settings, options.StructuredSolver);
        double solve = solveClock.Elapsed.TotalSeconds;

        double primal = program.Objective(solution.X, data.Y);
        double dual = solution.DualObjective;
        var neurons = Recover(data, x, options, program, solution, primal);
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
            ThinChambers = arrangement.Chambers.Count - thick.Length,
            EnumerationSeconds = enumeration, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Tenths of decimal digits of accuracy: 10 log10(1 / error), 0 when error >= 1.</summary>
    private static int Digits(double error) => error >= 1 || double.IsNaN(error) ? 0 : (int)Math.Min(1000, -10 * Math.Log10(Math.Max(error, 1e-100)));

    private static SolverResult Solve(ConvexReluProgram program, SolverSettings settings, bool structured) => structured
        ? ConicSolver.Solve(program.Problem, settings, BlockAngularKktSolver.Factory(program.Layout))
        : ConicSolver.Solve(program.Problem, settings);

    /// <summary>
    /// The recovered neurons: the best, by the network objective itself, of the pruned solution and of polished ones.
    /// An interior-point solution is the centre of the optimal face, spread over many blocks, and each block's u meets its
    /// sign rows only to the solver's tolerance, so (X u)_+ and D X u differ a little on rows near u's hyperplanes.
    /// Polishing solves the program again on the support (blocks above 1e-6, then 1e-9, of the largest norm) with every
    /// row of each chamber as a sign row: a small program whose solution has the patterns that (X u)_+ computes. Only while
    /// the network is more than <see cref="TrainingOptions.RecoveryTolerance"/> (relative) above the convex value.
    /// </summary>
    private static List<Neuron> Recover(Dataset data, double[,] x, TrainingOptions options, ConvexReluProgram program, SolverResult solution, double primal)
    {
        var best = program.RecoverNeurons(solution.X, data.Columns, options.Bias, options.PruneTolerance);
        if (solution.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved) || data.Y is null) return best;
        double bestValue = Value(best);
        double enough = primal + options.RecoveryTolerance * Math.Max(Math.Abs(primal), 1e-300);
        if (bestValue <= enough) return best;
        int d = program.Features;
        var norms = new double[program.Blocks.Count];
        for (int b = 0; b < norms.Length; b++)
        {
            // The larger of ||u_b|| and ||v_b||.
            int v0 = program.BlockVariable(b);
            double nu = 0, nv = 0;
            for (int k = 0; k < d; k++) { nu += solution.X[v0 + 1 + k] * solution.X[v0 + 1 + k]; nv += solution.X[v0 + d + 2 + k] * solution.X[v0 + d + 2 + k]; }
            norms[b] = Math.Sqrt(Math.Max(nu, nv));
        }
        double largest = norms.DefaultIfEmpty(0).Max();
        if (largest == 0) return best;
        int previous = -1;
        foreach (double threshold in new[] { 1e-6, 1e-9 })
        {
            var support = Enumerable.Range(0, norms.Length).Where(b => norms[b] > threshold * largest).Select(b => program.Blocks[b]).ToArray();
            if (support.Length == previous) continue;
            previous = support.Length;
            var small = ConvexReluProgram.Build(x, data.Y, options.Beta, support, reduceToFacets: false);
            var polished = Solve(small, options.Solver with { Verbose = false }, options.StructuredSolver);
            if (polished.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) continue;
            var neurons = small.RecoverNeurons(polished.X, data.Columns, options.Bias, options.PruneTolerance);
            double value = Value(neurons);
            if (value < bestValue) (best, bestValue) = (neurons, value);
            if (bestValue <= enough) break;
        }
        return best;

        double Value(List<Neuron> neurons) => TwoLayerReluNetwork.Create(neurons, data.Columns, options.Bias).Objective(data.X, data.Y!, options.Beta);
    }

    /// <summary>|p - d| / max(|p|, |d|), 0 when both are 0.</summary>
    public static double RelativeGap(double primal, double dual)
    {
        double scale = Math.Max(Math.Abs(primal), Math.Abs(dual));
        return scale == 0 ? 0 : Math.Abs(primal - dual) / scale;
    }

}
