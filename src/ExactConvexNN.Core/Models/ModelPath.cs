using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;

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
        var family = ModelRegistry.For(model);
        var arch = family.Architecture(model, data.Columns);
        var x = arch.StackedPatches(data.X).X;
        options ??= new TrainingOptions();
        double betaMax = family is ThreeLayerReluFamily three
            ? three.BetaMax(data, model, options)
            : TrainingGuards.ReluBetaMax(x, model.Targets(data), LossFunction.For(model),
                ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false }));
        if (!(betaMax > 0)) throw new InputException("beta_max is 0 (the zero network fits the targets best at every beta); there is no path to trace");
        // beta_k = beta_max 1000^(-k / (count - 1)), k = 0 .. count - 1.
        return Enumerable.Range(0, count).Select(k => betaMax * Math.Pow(1000, -(double)k / (count - 1))).ToArray();
    }

    /// <summary>Trains and certifies the model at every beta (in the order given), calling <paramref name="progress"/> with (done, total).</summary>
    /// <exception cref="InputException">An invalid beta, model or data (each beta is checked before any training).</exception>
    public static IReadOnlyList<TrainingResult> Run(Dataset data, ModelSpec model, IReadOnlyList<double> betas, TrainingOptions? options = null,
        Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count == 0) throw new InputException("a path needs at least one beta");
        foreach (double b in betas) (model with { Beta = b }).Validated();
        var results = new List<TrainingResult>(betas.Count);
        foreach (double b in betas)
        {
            results.Add(ModelPipeline.Train(data, model with { Beta = b }, options));
            progress?.Invoke(results.Count, betas.Count);
        }
        return results;
    }
}
