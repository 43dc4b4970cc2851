using System.Globalization;
using System.Numerics;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// What the pipeline checks around a family's training so that hostile input ends in one clear refusal or an honest
/// status: values whose squares overflow, programs larger than memory, a status that disagrees with its gap, and the
/// closed-form answer above beta_max (the zero network) for ReLU models.
/// </summary>
public static class TrainingGuards
{
    /// <summary>
    /// The largest magnitude accepted in features and targets: its square (1e300) and sums of up to 1e8 such squares stay
    /// finite in double precision.
    /// </summary>
    public const double MaxMagnitude = 1e150;

    /// <summary>Bytes per nonzero of a ReLU program, measured end to end (matrix, equilibrated copy, KKT factor): about 64.</summary>
    public const long BytesPerProgramNonzero = 64;

    /// <summary>The default memory limit of one training: 4 GiB, or 60% of the memory available to the process when that is less.</summary>
    public static long DefaultMemoryLimit => Math.Min(4L << 30, (long)(0.6 * AvailableMemory));

    /// <summary>The memory available to the process (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).</summary>
    public static long AvailableMemory => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Refuses features or targets whose squares overflow (they make every objective infinite or NaN).</summary>
    /// <exception cref="InputException">A value above <see cref="MaxMagnitude"/> in magnitude, with the scale that fixes it.</exception>
    public static void CheckMagnitudes(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        for (int i = 0; i < data.Rows; i++)
            for (int j = 0; j < data.Columns; j++)
                if (Math.Abs(data.X[i, j]) > MaxMagnitude)
                    throw new InputException(string.Create(CultureInfo.InvariantCulture,
                        $"feature '{data.FeatureNames[j]}' of sample {i + 1} is {data.X[i, j]:G6}, whose square overflows double precision (limit {MaxMagnitude:G3}); divide the features by a scale, e.g. --scale {Scale(MaxAbs(data))}"));
        if (data.Y is { } y)
            for (int i = 0; i < y.Length; i++)
                if (Math.Abs(y[i]) > MaxMagnitude)
                    throw new InputException(string.Create(CultureInfo.InvariantCulture,
                        $"target '{data.TargetName}' of sample {i + 1} is {y[i]:G6}, whose square overflows double precision (limit {MaxMagnitude:G3}); rescale the target column in the file"));
    }

    private static double MaxAbs(Dataset data)
    {
        double m = 0;
        foreach (double v in data.X) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>A power of ten at least <paramref name="max"/> as text ("1e300").</summary>
    private static string Scale(double max) => "1e" + ((int)Math.Ceiling(Math.Log10(max))).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Estimates the memory of a ReLU program before anything is allocated: each chamber's block holds sum_k D_ik X_k in
    /// the n residual rows for u and v, about n x columns nonzeros (half the rows active for each of u and v), so
    /// chambers x n x columns nonzeros of <see cref="BytesPerProgramNonzero"/> bytes. Chambers are the closed-form
    /// estimate (an upper bound) or the sample size.
    /// </summary>
    /// <param name="patchRows">The stacked patch matrix whose chambers are enumerated.</param>
    /// <param name="samples">The number of samples n (residual rows).</param>
    /// <param name="sample">The number of sampled patterns, or null for every chamber.</param>
    /// <param name="limitBytes">The limit.</param>
    /// <param name="outputs">Outputs O: one block per chamber and output.</param>
    /// <exception cref="InputException">The estimate is above <paramref name="limitBytes"/>: the message gives it and the ways out.</exception>
    public static void CheckReluProgramSize(double[,] patchRows, int samples, int? sample, long limitBytes, int outputs = 1)
    {
        ArgumentNullException.ThrowIfNull(patchRows);
        int rows = samples, columns = patchRows.GetLength(1);
        var estimate = ArrangementEnumerator.Summarize(patchRows).EstimatedChambers;
        BigInteger chambers = sample is int k ? BigInteger.Min(k, estimate) : estimate;
        BigInteger bytes = chambers * rows * columns * outputs * BytesPerProgramNonzero;
        if (bytes <= limitBytes) return;
        string where = sample is null ? "chambers (estimate)" : "sampled patterns";
        string times = outputs > 1 ? $" x {outputs} outputs" : "";
        throw new InputException(string.Create(CultureInfo.InvariantCulture,
            $"the convex program would need about {Gb(bytes)} ({chambers:N0} {where} x {rows:N0} rows x {columns} columns{times}), above the limit of {Gb(limitBytes)} ({Gb(AvailableMemory)} available); train on fewer rows (--rows), sample fewer patterns (--sample K), or raise the limit (--max-memory GB)"));
    }

    /// <summary>Bytes as "6.4 GB".</summary>
    public static string Gb(BigInteger bytes) => string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / 1e9:G3} GB");

    /// <summary>
    /// The status a training result may claim: the solver's <see cref="SolverStatus.Solved"/> stays only while the
    /// recomputed primal and the dual agree, by the relative gap that is printed (<see cref="TrainingResult.RelativeGap"/>,
    /// relative to max(1, min(|p|, |d|)) as the solver measures it), to the larger of the solver's gap tolerance and the
    /// certificate's tolerance (the recomputed primal carries the equality rows' feasibility error, so it may differ from
    /// the solver's own primal by about the feasibility tolerance), or absolutely to the solver's absolute gap tolerance;
    /// otherwise it becomes <see cref="SolverStatus.AlmostSolved"/>.
    /// </summary>
    public static TrainingResult HonestStatus(TrainingResult result, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(result); ArgumentNullException.ThrowIfNull(options);
        if (result.Status != SolverStatus.Solved) return result;
        double gap = Math.Abs(result.Primal - result.Dual);
        double tolerance = Math.Max(options.Solver.GapRelativeTolerance, options.CertificateTolerance);
        bool agrees = double.IsFinite(gap) && (gap < options.Solver.GapAbsoluteTolerance || result.RelativeGap <= tolerance);
        return agrees ? result : result with { Status = SolverStatus.AlmostSolved };
    }

    /// <summary>
    /// beta_max of a ReLU model: the smallest beta at which the zero network is optimal, rho(y) = max over chambers of the
    /// support value of +-X'D_i y on the chamber's cone cut with the unit ball (the dual constraint at v = y), bounded from
    /// above exactly as certificates bound it (<see cref="OptimalityVerifier.LowerBound(double[,], int, double[], double, IReadOnlyList{Chamber}, ReadOnlySpan{double})"/>).
    /// For beta at or above it, 0 is the optimal network and 1/2 ||y||^2 the optimum.
    /// </summary>
    /// <param name="patchRows">The stacked patch matrix the chambers belong to (the features, with the bias column when there is one).</param>
    /// <param name="y">The targets.</param>
    /// <param name="arrangement">Every chamber (exact, not sampled).</param>
    public static double ReluBetaMax(double[,] patchRows, double[] y, Arrangement arrangement)
    {
        ArgumentNullException.ThrowIfNull(arrangement); ArgumentNullException.ThrowIfNull(y);
        return OptimalityVerifier.LowerBound(patchRows, y.Length, y, 0, arrangement.Chambers, y).Rho;
    }

    /// <summary>
    /// beta_max of a ReLU model with any loss and O outputs: the largest over output columns of rho(V0_o) for
    /// V0 = -grad L(0, Y) (for the squared loss V0 = Y, as above). For beta at or above it the zero network is optimal:
    /// F = 0 minimizes L(F) + &lt;V0, F&gt;, so V0 (dual feasible there) certifies it.
    /// </summary>
    /// <param name="patchRows">The stacked patch matrix the chambers belong to.</param>
    /// <param name="y">The encoded targets (n x O).</param>
    /// <param name="loss">The loss.</param>
    /// <param name="arrangement">Every chamber (exact, not sampled).</param>
    public static double ReluBetaMax(double[,] patchRows, double[,] y, LossFunction loss, Arrangement arrangement)
    {
        ArgumentNullException.ThrowIfNull(arrangement); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(loss);
        return OptimalityVerifier.Rho(patchRows, y.GetLength(0), arrangement.Chambers, loss.NegativeGradientAtZero(y)).DefaultIfEmpty(0).Max();
    }

    /// <summary>
    /// For an exact ReLU result: records beta_max and, when beta is at or above it, replaces the solver's approximate
    /// answer by the exact one, the zero network (objective L(0, Y), 1/2 ||y||^2 for the squared loss, solved, dual
    /// candidate -grad L(0, Y), which certifies it).
    /// </summary>
    internal static TrainingResult AboveBetaMax(TrainingResult result, Dataset data, ReluFamily family)
    {
        if (result.Arrangement is not { Sampled: false } arrangement || data.Y is null) return result;
        var arch = family.Architecture(result.Model, data.Columns);
        var loss = LossFunction.For(result.Model);
        var y = result.Targets;
        double betaMax = ReluBetaMax(arch.StackedPatches(data.X).X, y, loss, arrangement);
        var done = AboveBetaMax(result, y, loss, betaMax, meta => TwoLayerReluNetwork.Create(arch, [], meta, result.Model.Classes));
        return done.Network.NeuronCount == 0 && result.Model.Classes is int k && result.Model.Beta >= betaMax
            ? done with { TrainAccuracy = ClassTargets.Accuracy(done.Network.Outputs(data.X), data.Y, k) }
            : done;
    }

    /// <summary>
    /// Records <paramref name="betaMax"/> (a beta at and above which the zero network is optimal) and, when beta is at or
    /// above it, replaces the result by the zero network of <paramref name="zeroNetwork"/> (squared loss, one output).
    /// </summary>
    internal static TrainingResult AboveBetaMax(TrainingResult result, double[] y, double betaMax,
        Func<IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?>, Networks.INetwork> zeroNetwork) =>
        AboveBetaMax(result, ClassTargets.Column(y), LossFunction.Create(LossKind.Squared), betaMax, zeroNetwork);

    /// <summary>
    /// Records <paramref name="betaMax"/> and, when beta is at or above it, replaces the result by the zero network of
    /// <paramref name="zeroNetwork"/>: objective L(0, Y), dual candidate -grad L(0, Y), which certifies it.
    /// </summary>
    internal static TrainingResult AboveBetaMax(TrainingResult result, double[,] y, LossFunction loss, double betaMax,
        Func<IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?>, Networks.INetwork> zeroNetwork)
    {
        if (result.Model.Beta < betaMax) return result with { BetaMax = betaMax };
        var meta = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(result.Network.Metadata)
        {
            ["status"] = SolverStatus.Solved.ToName(),
            ["trained_by"] = $"ecnn train (beta >= beta_max = {betaMax.ToString("G6", CultureInfo.InvariantCulture)}: the zero network)",
            ["dual_candidate"] = FamilyTraining.CandidateJson(loss.NegativeGradientAtZero(y)),
        };
        var zero = zeroNetwork(meta);
        double half = loss.Value(new double[y.GetLength(0), y.GetLength(1)], y);
        FamilyTraining.RecordObjective(zero, half);
        return result with
        {
            Status = SolverStatus.Solved, Primal = half, Dual = half, RelativeGap = 0, Network = zero, RecoveredObjective = half,
            DualCandidate = loss.NegativeGradientAtZero(y), BetaMax = betaMax, NeuronsBeforePruning = null,
        };
    }
}
