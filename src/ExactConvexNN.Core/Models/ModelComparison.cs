using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>One first-order run of a comparison: its seed, its result, its own certificate and (when classifying) its accuracy.</summary>
public sealed record ComparisonRun(int Seed, NonconvexResult Result, Certificate Certificate, double? Accuracy);

/// <summary>
/// The exact optimum against K seeded first-order runs on the same nonconvex network. <see cref="Optimum"/> is what runs
/// are measured against: the certificate's lower bound when the exact network is certified (a proven bound within the
/// tolerance of the optimum, so a run below it is a real contradiction), else the program's value.
/// </summary>
public sealed record Comparison
{
    /// <summary>The exact training (with its certificate).</summary>
    public required TrainingResult Exact { get; init; }
    /// <summary>The runs, in seed order.</summary>
    public required IReadOnlyList<ComparisonRun> Runs { get; init; }
    /// <summary>The value runs are measured against.</summary>
    public required double Optimum { get; init; }
    /// <summary>The step size the runs used.</summary>
    public required double LearningRate { get; init; }
    /// <summary>max(|optimum|, 1e-12): the scale of relative excesses.</summary>
    public double Scale => Math.Max(Math.Abs(Optimum), 1e-12);
    /// <summary>The runs that ended below the optimum beyond rounding (<see cref="ModelComparison.Rounding"/>): each would mean a wrong optimum.</summary>
    public IReadOnlyList<ComparisonRun> Below => Runs.Where(r => r.Result.Objective < Optimum - ModelComparison.Rounding * Scale).ToArray();
}

/// <summary>Compares first-order training from random initializations with the certified global optimum, for any family.</summary>
public static class ModelComparison
{
    /// <summary>Relative slack under the optimum that counts as rounding (the convex solve's tolerance is 1e-8).</summary>
    public const double Rounding = 1e-6;

    /// <summary>
    /// Trains the exact optimum, then <paramref name="runs"/> first-order runs (seeds <paramref name="firstSeed"/>, +1, ...) in
    /// parallel, each certified from its own residual (reusing the exact training's chambers).
    /// </summary>
    /// <param name="data">The data (with targets).</param>
    /// <param name="model">The model of both the exact training and the runs.</param>
    /// <param name="options">The first-order method (its seed is replaced by each run's).</param>
    /// <param name="runs">Number of runs K (at least 1).</param>
    /// <param name="firstSeed">The first run's seed.</param>
    /// <param name="training">How the exact training runs (its progress reports "enumerating chambers" and "solving").</param>
    /// <param name="progress">Called with (done, total) as runs finish.</param>
    /// <exception cref="InputException">Invalid options, model or data (checked before the exact solve).</exception>
    public static Comparison Run(Dataset data, ModelSpec model, NonconvexOptions options, int runs, int firstSeed = 1,
        TrainingOptions? training = null, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(options);
        if (runs < 1) throw new InputException($"a comparison needs at least 1 run, got {runs}");
        model.Validated();
        var family = ModelRegistry.For(model);
        // Every option is checked on the data before the (possibly long) exact solve.
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; comparison needs targets");
        double rate = NonconvexTrainer.Validate(options, data, model.Bias).LearningRate;
        family.Architecture(model, data.Columns);
        model.Targets(data);

        var exact = ModelPipeline.Train(data, model, (training ?? new TrainingOptions()) with { Certify = true });
        var certificate = exact.Certificate ?? throw new InputException("the comparison needs the exact chambers; sampled patterns give no certificate");
        var result = new ComparisonRun[runs];
        int done = 0;
        Parallel.For(0, runs, r =>
        {
            var trained = NonconvexTrainer.Train(data, model, options with { Seed = firstSeed + r });
            var cert = family.Certify(trained.Network, data, model.Beta, new CertificateRequest { Arrangement = exact.Arrangement });
            double? accuracy = model.Classes is int k ? ClassTargets.Accuracy(trained.Network.Outputs(data.X), data.Y, k) : null;
            result[r] = new ComparisonRun(firstSeed + r, trained, cert, accuracy);
            progress?.Invoke(Interlocked.Increment(ref done), runs);
        });
        double optimum = certificate.CertifiedOptimal ? certificate.LowerBound : exact.Primal;
        return new Comparison { Exact = exact, Runs = result, Optimum = optimum, LearningRate = rate };
    }
}
