using static ExactConvexNN.Numerics.VectorNorm;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// Three-layer ReLU networks of parallel sub-networks (<see cref="ThreeLayerReluNetwork"/>; Ergen &amp; Pilanci, ICML 2021),
/// fully connected: the double arrangement (<see cref="DoubleArrangement"/>: first-layer chambers D_j, second-layer
/// chambers D_i) -&gt; the group-lasso program over pattern pairs (<see cref="ThreeLayerReluProgram"/>) -&gt; the interior-point
/// solve -&gt; one second-layer unit per nonzero group (s, i) -&gt; a dual certificate over every pattern pair
/// (<see cref="ThreeLayerCertificate"/>). docs/three-layer.md derives the program and the bound.
/// </summary>
public sealed class ThreeLayerReluFamily() : NetworkFamily("relu", ActivationKind.Relu,
    new FamilyText("1/2||f(X)-y||^2 + beta sum ||W||_F ||w|| |c|, three layers", "convex optimum", " over every pattern pair", "three-layer networks of any width", ""))
{
    /// <summary>The default refusal threshold of the pattern-pair estimate (inner chambers x outer chambers).</summary>
    public const long DefaultMaxPatternPairs = 20_000;

    /// <inheritdoc/>
    public override int Layers => 3;

    /// <inheritdoc/>
    public override INetwork Read(JsonObject document, string source) => ThreeLayerReluNetwork.Read(document, source);

    /// <inheritdoc/>
    public override NetworkArchitecture Architecture(ModelSpec model, int inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Classes is not null) throw new InputException("classes apply to two-layer networks only; a three-layer network fits the target column as a regression");
        if (model.Image is { Pool: not 0 })
            throw new InputException($"pooling regions (pool {model.Image.Pool}) are not supported for three-layer CNNs: each unit sums its filters' activations over every patch (pool 0)");
        return Shape(model, inputs, 1, sumPooling: true);
    }

    /// <summary>
    /// Refuses, before enumerating, a double arrangement whose estimated pattern pairs exceed
    /// <see cref="TrainingOptions.MaxPatternPairs"/> (exact chambers only; sampling caps them by itself).
    /// </summary>
    /// <exception cref="InputException">Too many pattern pairs.</exception>
    public override void CheckSize(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(options);
        if (options.Sample is not null) return;
        var x = Architecture(model, data.Columns).StackedPatches(data.X).X;
        var (inner, outer) = DoubleArrangement.Estimate(x, data.Rows);
        var pairs = inner * outer;
        long limit = options.MaxPatternPairs ?? DefaultMaxPatternPairs;
        if (pairs > limit)
            throw new InputException($"the three-layer program needs up to {Count(pairs)} pattern pairs ({Count(inner)} first-layer x {Count(outer)} second-layer patterns on {data.Rows} rows), above the limit of {limit:N0}; use --sample K for an upper bound from sampled patterns, fewer rows (--rows), or raise --max-pairs");
    }

    /// <summary>A count for people: with digit groups up to 10^12, else "about 1.9e+55".</summary>
    private static string Count(System.Numerics.BigInteger value) => value < System.Numerics.BigInteger.Pow(10, 12)
        ? value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
        : "about " + ((double)value).ToString("0.0e+0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Exact patterns: records beta_max = rho3(y), the dual constraint at v = y bounded over every pattern pair
    /// (<see cref="ThreeLayerCertificate.Rho"/>): at and above it the zero network is optimal (y itself is dual feasible and
    /// certifies 1/2 ||y||^2), and the result is replaced by the zero network. The bound is tight to the accuracy of the
    /// support problems' multipliers, so beta_max may sit a few parts in 10^8 above the exact threshold.
    /// </summary>
    public override TrainingResult Complete(TrainingResult result, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(result); ArgumentNullException.ThrowIfNull(data);
        if (result.Arrangement is not { Sampled: false } inner || result.Program is not ThreeLayerReluProgram program || data.Y is not { } y) return result;
        var arch = Architecture(result.Model, data.Columns);
        double betaMax = ThreeLayerCertificate.Rho(arch.StackedPatches(data.X).X, inner.Chambers, program.OuterChambers, y);
        return TrainingGuards.AboveBetaMax(result, y, betaMax, meta => ThreeLayerReluNetwork.Create(arch, [], [], meta));
    }

    /// <summary>beta_max of the three-layer model on the data (see <see cref="Complete"/>): exact patterns, then rho3(y).</summary>
    /// <exception cref="InputException">No targets, or too many pattern pairs.</exception>
    public double BetaMax(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(options);
        var y = data.Y ?? throw new InputException($"the data '{data.Source}' has no target column; beta_max needs targets");
        CheckSize(data, model, options with { Sample = null });
        var x = Architecture(model, data.Columns).StackedPatches(data.X).X;
        var patterns = DoubleArrangement.Enumerate(x, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false }, data.Rows);
        return ThreeLayerCertificate.Rho(x, patterns.Inner.Chambers, patterns.OuterChambers, y);
    }

    /// <inheritdoc/>
    public override TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var arch = Architecture(model, data.Columns);
        var y = data.Y ?? throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        var x = arch.StackedPatches(data.X).X;
        var patterns = options.Sample is int k
            ? DoubleArrangement.Sample(x, k, options.Seed, data.Rows)
            : DoubleArrangement.Enumerate(x, new ArrangementOptions
            {
                MaxPatterns = options.MaxPatterns, IndependentCount = false,
                Progress = options.Progress is null ? null : (done, total) => options.Progress("enumerating chambers", done, total),
            }, data.Rows);
        double enumeration = clock.Elapsed.TotalSeconds;
        // Thin first-layer chambers (numerical slivers) stay out of the program, as for two layers; the certificate checks them.
        var thick = patterns.InnerChambers.Where(c => !ChamberCone.IsThin(x, c)).ToArray();
        var program = ThreeLayerReluProgram.Build(x, y, model.Beta, patterns.OuterChambers, thick);
        var solveClock = Stopwatch.StartNew();
        var solution = FamilyTraining.Solve(program.Problem, options);
        double solve = solveClock.Elapsed.TotalSeconds;
        double primal = program.Objective(solution.X, y);

        string trainedBy = options.Sample is null ? "ecnn train --layers 3 (exact convex program over every pattern pair)" : $"ecnn train --layers 3 --sample {options.Sample} (upper bound)";
        var meta = FamilyTraining.Metadata(data, model, trainedBy, solution, data.Rows,
            [new("layers", 3), new("pattern_pairs", patterns.PatternPairs)]);
        var network = Recover(arch, program, solution.X, options.PruneTolerance, meta);
        double recovered = network.Objective(data.X, ClassTargets.Column(y), model.Beta);
        FamilyTraining.RecordObjective(network, recovered);
        return new TrainingResult
        {
            Model = model, Status = solution.Status, Primal = primal, Dual = solution.DualObjective,
            RelativeGap = FamilyTraining.RelativeGap(primal, solution.DualObjective),
            Network = network, RecoveredObjective = recovered, Targets = ClassTargets.Column(y),
            Program = program, Solution = solution, DualCandidate = FamilyTraining.DualCandidate(solution, data.Rows, 1),
            Arrangement = patterns.Inner, ThinChambers = patterns.InnerChambers.Count - thick.Length, PatternPairs = patterns.PatternPairs,
            PreparePhase = "enumeration", PrepareSeconds = enumeration, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// One second-layer unit per nonzero group (s, i): with T = sum of the group's block norms, each block a (rho = +-1)
    /// becomes a first-layer neuron u = (a/T)/sqrt(||a/T||) with weight rho sqrt(||a/T||) (so ||W||_F = ||w|| = 1), and the
    /// unit's output weight is s T. The unit computes s T (sum rho (X a/T)_+)_+ = s (sum rho D_j X a)_+ = s D_i h, its
    /// block's share of the program's fit, and its regularizer beta ||W||_F ||w|| |c| = beta T is the group's penalty.
    /// </summary>
    private static ThreeLayerReluNetwork Recover(NetworkArchitecture arch, ThreeLayerReluProgram program, ReadOnlySpan<double> solution, double tolerance,
        IReadOnlyDictionary<string, JsonNode?> meta)
    {
        var neurons = new List<FirstLayerNeuron>();
        var units = new List<double>();
        foreach (var (sign, blocks) in program.Groups(solution, tolerance))
        {
            double total = blocks.Sum(b => Norm(b.A));
            foreach (var (rho, a) in blocks)
            {
                double share = Norm(a) / total, root = Math.Sqrt(share);
                neurons.Add(new FirstLayerNeuron(a.Select(v => v / total / root).ToArray(), rho * root, units.Count));
            }
            units.Add(sign * total);
        }
        return ThreeLayerReluNetwork.Create(arch, neurons, units, meta);
    }

    /// <inheritdoc/>
    public override Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var three = Fitting<ThreeLayerReluNetwork>(network, data);
        var x = three.Architecture.StackedPatches(data.X).X;
        var inner = CertificateChambers(x, request);
        var outer = ArrangementEnumerator.Enumerate(DoubleArrangement.OuterBasis(x, inner.Chambers, data.Rows), new ArrangementOptions
        {
            MaxPatterns = request.MaxPatterns, IndependentCount = false, Cancellation = request.Cancellation,
        });
        var y = data.Y!;
        var f = three.Outputs(data.X);
        double objective = three.Objective(data.X, ClassTargets.Column(y), beta);
        var residual = new double[y.Length];
        for (int i = 0; i < y.Length; i++) residual[i] = y[i] - f[i, 0];
        var candidates = new List<double[]> { residual };
        if (request.Candidate is { } v && v.GetLength(0) == y.Length && v.GetLength(1) == 1)
            candidates.Add(Enumerable.Range(0, y.Length).Select(i => v[i, 0]).ToArray());
        int pairs = inner.Chambers.Count(c => !c.IsAllZero) * outer.Chambers.Count(c => !c.IsAllZero);
        return Certificate.Best(candidates.Where(c => c.All(double.IsFinite)).Select(c =>
        {
            double rho = ThreeLayerCertificate.Rho(x, inner.Chambers, outer.Chambers, c, request.Cancellation);
            var (bound, _, scale) = OptimalityVerifier.ScaledBound(y, beta, rho, c);
            return Certificate.FromBound(objective, bound, rho, scale, pairs, request.Tolerance);
        }).DefaultIfEmpty(Certificate.FromBound(objective, 0, double.PositiveInfinity, 0, pairs, request.Tolerance)));
    }

    /// <inheritdoc/>
    public override INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons)
    {
        ArgumentNullException.ThrowIfNull(data);
        var arch = Architecture(model, data.Columns);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        if (neurons < 1) throw new InputException($"the network needs at least 1 unit, got {neurons}");
        return new ThreeLayerNonconvexObjective(arch, data.X, data.Y, model.Beta, neurons, neurons);
    }
}
