using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>The regularization path: the model trained and certified at each beta, largest first.</summary>
public static class ModelPath
{
    /// <summary>
    /// <paramref name="count"/> betas log-spaced from beta_max down to beta_max / 1000 (ReLU with exact chambers: beta_max
    /// is the smallest beta at which the zero network is optimal, so the path starts where the network is empty).
    /// </summary>
    /// <exception cref="InputException">Fewer than 2 points, a family without beta_max, or data without targets.</exception>
    public static double[] LogSpaced(Dataset data, ModelSpec model, int count, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model);
        if (count < 2) throw new InputException($"a path needs at least 2 betas, got {count}");
        if (model.Activation != ActivationKind.Relu) throw new InputException("beta_max is computed for ReLU networks only; give the betas themselves");
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; a path needs targets");
        options ??= new TrainingOptions();
        if (model.BatchNorm) return Spaced(BatchNormReluFamily.BetaMax(data, model, options), count);
        var family = ModelRegistry.For(model);
        var arch = family.Architecture(model, data.Columns);
        var x = arch.StackedPatches(data.X).X;
        double betaMax = family is ThreeLayerReluFamily three
            ? three.BetaMax(data, model, options)
            : TrainingGuards.ReluBetaMax(x, model.Targets(data), LossFunction.For(model),
                ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false }));
        return Spaced(betaMax, count);
    }

    private static double[] Spaced(double betaMax, int count)
    {
        if (!(betaMax > 0)) throw new InputException("beta_max is 0 (the zero network fits the targets best at every beta); there is no path to trace");
        // beta_k = beta_max 1000^(-k / (count - 1)), k = 0 .. count - 1.
        return Enumerable.Range(0, count).Select(k => betaMax * Math.Pow(1000, -(double)k / (count - 1))).ToArray();
    }

    /// <summary>
    /// Trains and certifies the model at every beta (results in the order given), calling <paramref name="progress"/>
    /// with (done, total). With <paramref name="warm"/> (ReLU, two layers, squared loss, exact chambers) the path is warm-started
    /// (<see cref="RunWarm"/>); otherwise each beta is a cold <see cref="ModelPipeline.Train"/>.
    /// </summary>
    /// <exception cref="InputException">An invalid beta, model or data (each beta is checked before any training).</exception>
    public static IReadOnlyList<TrainingResult> Run(Dataset data, ModelSpec model, IReadOnlyList<double> betas, TrainingOptions? options = null,
        Action<int, int>? progress = null, bool warm = true)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count == 0) throw new InputException("a path needs at least one beta");
        foreach (double b in betas) (model with { Beta = b }).Validated();
        options ??= new TrainingOptions();
        // The warm path reads the previous optimum's support from the blocks of one output (squared loss, no classes); other
        // losses and classifiers are trained cold (each still over its own working set of chambers).
        if (warm && model.Activation == ActivationKind.Relu && !model.BatchNorm && model.Layers == 2 && model.Loss == LossKind.Squared && model.Classes is null
            && options.Sample is null && options.Certify && data.Y is not null)
            return RunWarm(data, model, betas, options, progress);
        var results = new List<TrainingResult>(betas.Count);
        foreach (double b in betas)
        {
            results.Add(ModelPipeline.Train(data, model with { Beta = b }, options));
            progress?.Invoke(results.Count, betas.Count);
        }
        return results;
    }

    /// <summary>
    /// The warm-started path. The interior-point method has no useful warm start (its iterates must stay central), so what
    /// is carried from one beta to the next is everything else: the chambers (enumerated once) and the previous optimum's
    /// support as the first working set of the next beta's training (<see cref="TrainingOptions.FirstWorkingSet"/>). The
    /// betas are trained from the largest down by <see cref="ModelPipeline.Train"/>, whose working set grows from there
    /// by its multipliers' violations (<see cref="ChamberScreening"/>) and whose network is certified over every chamber
    /// as in a cold training. So every result is certified as a cold one is; only the time differs.
    /// </summary>
    private static List<TrainingResult> RunWarm(Dataset data, ModelSpec model, IReadOnlyList<double> betas, TrainingOptions options, Action<int, int>? progress)
    {
        var clockAll = System.Diagnostics.Stopwatch.StartNew();
        var family = ModelRegistry.For(model);
        TrainingGuards.CheckMagnitudes(data);
        var x = family.Architecture(model, data.Columns).StackedPatches(data.X).X;
        var arrangement = options.Chambers ?? ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false });
        var shared = options with { Chambers = arrangement };
        double setup = clockAll.Elapsed.TotalSeconds;
        var results = new TrainingResult?[betas.Count];
        IReadOnlyList<Chamber>? support = null;
        int done = 0;
        foreach (int index in Enumerable.Range(0, betas.Count).OrderByDescending(i => betas[i]))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var r = ModelPipeline.Train(data, model with { Beta = betas[index] }, shared with { FirstWorkingSet = support });
            support = Support(r) ?? support;
            // The first beta also carries the shared work: the enumeration.
            results[index] = r with { Seconds = clock.Elapsed.TotalSeconds + (done == 0 ? setup : 0) };
            done++;
            progress?.Invoke(done, betas.Count);
        }
        return results.Select(r => r!).ToList();
    }

    /// <summary>The chambers whose blocks the solution uses (above 1e-6 of the largest norm); null when there are none.</summary>
    private static Chamber[]? Support(TrainingResult r)
    {
        if (r.Program is not Programs.ConvexReluProgram p) return null;
        var norms = p.BlockNorms(r.Solution.X);
        double largest = norms.DefaultIfEmpty(0).Max();
        var kept = Enumerable.Range(0, norms.Length).Where(b => largest > 0 && norms[b] > 1e-6 * largest).Select(b => p.Blocks[b]).Distinct().ToArray();
        return kept.Length == 0 ? null : kept;
    }
}
