using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn train DATA --layerwise J --image C,H,W --filter f [--stride s] [--padding p] --beta B [--feature-pool q]
/// [--features C] [--sample K] [--neurons m] [--epochs E] [--lr L] [--no-baseline] [--rows ...] [--labels A,B] [--out NET.json] [--json]</c>:
/// J convex two-layer CNN blocks trained in sequence (<see cref="LayerwiseTraining.Convex"/>) and, side by side, the same
/// stack trained layerwise by Adam (<see cref="LayerwiseTraining.Adam"/>); per block the objective, train and test accuracy
/// (the rows outside --rows are the test rows), neurons, exactness and time.
/// </summary>
public sealed class LayerwiseTrain
{
    private readonly Option<int?> _layers = new("--layerwise") { Description = "train J convex two-layer CNN blocks in sequence, each on the frozen feature maps of the one before (needs --image); Adam trains the same stack as the baseline" };
    private readonly Option<int> _featurePool = new("--feature-pool") { Description = "--layerwise: average-pool each block's feature maps over q x q tiles before the next block (1: none)", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _features = new("--features") { Description = "--layerwise: at most this many filters of a block (largest |w| ||u|| first) become the next block's channels", DefaultValueFactory = _ => 8 };
    private readonly Option<long> _exactLimit = new("--exact-limit") { Description = "--layerwise: a block is solved over every chamber when their estimate is at most this, else over random patterns: --sample K (default 50) for block 1, as many as keep a later block's program the size of block 1's (at most 8K)", DefaultValueFactory = _ => 1_000 };
    private readonly Option<int> _neurons = new("--neurons") { Description = "--layerwise: filters of each Adam block (default: --features)" };
    private readonly Option<int> _epochs = new("--epochs") { Description = "--layerwise: full-batch Adam epochs per block", DefaultValueFactory = _ => 500 };
    private readonly Option<double?> _lr = new("--lr") { Description = "--layerwise: Adam's learning rate (default 1e-2)" };
    private readonly Option<bool> _noBaseline = new("--no-baseline") { Description = "--layerwise: skip the Adam baseline" };

    /// <summary>Adds the options to the train command.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _layers, _featurePool, _features, _exactLimit, _neurons, _epochs, _lr, _noBaseline }) command.Options.Add(o);
    }

    /// <summary>True when --layerwise is given; otherwise refuses the options that only it takes.</summary>
    /// <exception cref="InputException">A layerwise option without --layerwise.</exception>
    public bool Requested(ParseResult pr)
    {
        ArgumentNullException.ThrowIfNull(pr);
        if (pr.GetValue(_layers) is not null) return true;
        foreach (var o in new Option[] { _featurePool, _features, _exactLimit, _neurons, _epochs, _lr, _noBaseline })
            if (ModelOptions.Given(pr, o)) throw new InputException($"{o.Name} applies to --layerwise J only");
        return false;
    }

    /// <summary>Parses the stack from the command line (before any data is read).</summary>
    /// <exception cref="InputException">Bad values, or a model that is not a ReLU CNN on images.</exception>
    public LayerwiseSpec Spec(ParseResult pr, ModelSpec model, DataSelection selection)
    {
        ArgumentNullException.ThrowIfNull(pr); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(selection);
        int layers = pr.GetValue(_layers) ?? 0;
        if (layers < 1) throw new InputException($"--layerwise {layers} is not a number of blocks; give 1 or more, for example --layerwise 3");
        if (model.Image is null) throw new InputException("--layerwise needs an image shape: add --image C,H,W --filter f (for example --image 1,8,8 --filter 3 --stride 2 --padding 1)");
        if (model.Activation != ActivationKind.Relu || model.BatchNorm) throw new InputException("--layerwise trains ReLU blocks; drop --activation");
        if (selection.Labels is { Count: > 2 }) throw new InputException($"--layerwise classifies two labels for now; give --labels A,B (got {selection.Labels.Count} labels)");
        return new LayerwiseSpec
        {
            Beta = model.Beta, Image = model.Image, Layers = layers, FeaturePool = pr.GetValue(_featurePool), MaxFeatures = pr.GetValue(_features),
            Classes = selection.Labels is { Count: 2 } ? 2 : null,
        }.Validated();
    }

    /// <summary>Parses how the blocks are trained.</summary>
    /// <exception cref="InputException">Bad values.</exception>
    public LayerwiseOptions Options(ParseResult pr, LayerwiseSpec spec, TrainingOptions training, int? sample)
    {
        ArgumentNullException.ThrowIfNull(pr); ArgumentNullException.ThrowIfNull(spec);
        long limit = pr.GetValue(_exactLimit);
        if (limit < 0) throw new InputException($"--exact-limit {limit} is negative; give 0 (always sample) or more");
        int neurons = pr.GetValue(_neurons) is int m && ModelOptions.Given(pr, _neurons) ? m : spec.MaxFeatures;
        if (neurons < 1) throw new InputException($"--neurons {neurons} is less than 1");
        int epochs = pr.GetValue(_epochs);
        if (epochs < 1) throw new InputException($"--epochs {epochs} is less than 1");
        return new LayerwiseOptions
        {
            Training = training, ExactLimit = limit, Sample = sample ?? 50,
            Adam = new NonconvexOptions { Optimizer = NonconvexOptimizer.Adam, Neurons = neurons, Epochs = epochs, LearningRate = pr.GetValue(_lr), Seed = training.Seed },
        };
    }

    /// <summary>Trains both stacks, prints the table (or JSON), writes the convex stack; returns the exit code.</summary>
    public int Run(ParseResult pr, LayerwiseSpec spec, LayerwiseOptions options, Dataset train, Dataset? test, FileInfo? outFile, bool asJson)
    {
        ArgumentNullException.ThrowIfNull(pr); ArgumentNullException.ThrowIfNull(options); ArgumentNullException.ThrowIfNull(train);
        if (train.Rows > 5000) throw new InputException($"--layerwise on {train.Rows} training rows is too large for convex blocks; select fewer with --rows (for example --rows :300)");
        var convex = LayerwiseTraining.Convex(train, test, spec, options, r => { if (!asJson) Console.Error.WriteLine($"convex block {r.Layer}: {LayerwiseReport.Line(r)}"); });
        LayerwiseResult? adam = pr.GetValue(_noBaseline) ? null
            : LayerwiseTraining.Adam(train, test, spec, options, r => { if (!asJson) Console.Error.WriteLine($"adam block {r.Layer}: {LayerwiseReport.Line(r)}"); });
        int exit = convex.Layers.All(l => l.Status == SolverStatus.Solved.ToName()) ? CliRunner.Success : CliRunner.NotSolved;
        bool keepOld = outFile is not null && exit != CliRunner.Success && File.Exists(outFile.FullName);
        if (outFile is not null && !keepOld) CliRunner.WriteFileAtomically(outFile.FullName, convex.Network.ToJson());
        string? saved = keepOld ? null : outFile?.ToString();
        Console.WriteLine(asJson
            ? Json.Text(LayerwiseReport.ToJson(spec, options, convex, adam, train, test, saved))
            : LayerwiseReport.ToText(spec, options, convex, adam, train, test, saved));
        if (exit != CliRunner.Success)
            Console.Error.WriteLine($"not solved: a convex block's status is not solved{(keepOld ? $"; '{outFile}' was left unchanged" : "")} (exit code {CliRunner.NotSolved})");
        return exit;
    }
}

/// <summary>The output of <c>ecnn train --layerwise</c>: a table per block, convex and Adam side by side, or JSON.</summary>
public static class LayerwiseReport
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>One block in a line (the progress lines on stderr).</summary>
    public static string Line(LayerReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return string.Create(Ci, $"input {r.Input}, objective {r.Objective:G8}, train {Pct(r.TrainAccuracy)}, test {Pct(r.TestAccuracy)}, {r.Neurons} neurons ({r.Features} kept), {(r.Chambers is int c ? (r.Exact ? $"exact, {c} chambers" : $"{c} sampled patterns") : "first order")}, {r.Seconds:F1} s");
    }

    private static string Pct(double? v) => v is double a ? a.ToString("P1", Ci) : "-";

    /// <summary>The JSON object: the stack, <c>layers</c> (convex), <c>baseline_layers</c> (Adam, or null), sizes.</summary>
    public static JsonObject ToJson(LayerwiseSpec spec, LayerwiseOptions options, LayerwiseResult convex, LayerwiseResult? adam, Dataset train, Dataset? test, string? networkFile)
    {
        ArgumentNullException.ThrowIfNull(spec); ArgumentNullException.ThrowIfNull(options); ArgumentNullException.ThrowIfNull(convex); ArgumentNullException.ThrowIfNull(train);
        return new JsonObject
        {
            ["layerwise"] = spec.Layers,
            ["image"] = spec.Image.ShapeText,
            ["filter"] = spec.Image.Filter,
            ["stride"] = spec.Image.Stride,
            ["padding"] = spec.Image.Padding,
            ["feature_pool"] = spec.FeaturePool,
            ["max_features"] = spec.MaxFeatures,
            ["beta"] = spec.Beta,
            ["classes"] = spec.Classes,
            ["train_rows"] = train.Rows,
            ["test_rows"] = test?.Rows,
            ["exact_limit"] = options.ExactLimit,
            ["sample"] = options.Sample,
            ["layers"] = Layers(convex),
            ["baseline"] = adam?.Method,
            ["baseline_neurons"] = adam is null ? null : options.Adam.Neurons,
            ["baseline_epochs"] = adam is null ? null : options.Adam.Epochs,
            ["baseline_layers"] = adam is null ? null : Layers(adam),
            ["network"] = networkFile,
        };
    }

    private static JsonArray Layers(LayerwiseResult result) => new(result.Layers.Select(r => (JsonNode)new JsonObject
    {
        ["layer"] = r.Layer,
        ["input"] = r.Input,
        ["objective"] = Json.Num(r.Objective),
        ["loss"] = Json.Num(r.Loss),
        ["train_accuracy"] = Json.Num(r.TrainAccuracy),
        ["test_accuracy"] = Json.Num(r.TestAccuracy),
        ["neurons"] = r.Neurons,
        ["features"] = r.Features,
        ["capped"] = r.Capped,
        ["exact"] = r.Exact,
        ["upper_bound_only"] = result.Method == "convex" && !r.Exact,
        ["certified_optimal"] = r.CertifiedOptimal,
        ["chambers"] = r.Chambers,
        ["status"] = r.Status,
        ["seconds"] = r.Seconds,
    }).ToArray());

    /// <summary>The text table.</summary>
    public static string ToText(LayerwiseSpec spec, LayerwiseOptions options, LayerwiseResult convex, LayerwiseResult? adam, Dataset train, Dataset? test, string? networkFile)
    {
        ArgumentNullException.ThrowIfNull(spec); ArgumentNullException.ThrowIfNull(options); ArgumentNullException.ThrowIfNull(convex); ArgumentNullException.ThrowIfNull(train);
        var s = new System.Text.StringBuilder();
        var im = spec.Image;
        s.AppendLine(string.Create(Ci, $"layerwise: {spec.Layers} blocks of two-layer ReLU CNNs on {im.ShapeText} images, {im.Filter}x{im.Filter} filters stride {im.Stride} padding {im.Padding}, feature pool {spec.FeaturePool}, at most {spec.MaxFeatures} filters passed on, beta {spec.Beta:G6}"));
        s.AppendLine(string.Create(Ci, $"data: {train.Rows} training rows, {(test is null ? "no test rows (give --rows to hold some out)" : $"{test.Rows} test rows")}; {(spec.Classes is null ? "targets: the target column" : "targets -1/+1 (the two labels), class by the sign")}"));
        s.AppendLine(string.Create(Ci, $"convex blocks: every chamber when at most {options.ExactLimit:N0} are estimated, else sampled patterns ({options.Sample} for block 1, a later block as many as keep its program that size; the value is then an UPPER BOUND on the block's convex optimum)"));
        if (adam is not null) s.AppendLine(string.Create(Ci, $"baseline: the same blocks trained by {adam.Method} ({options.Adam.Neurons} filters, {options.Adam.Epochs} full-batch epochs, lr {options.Adam.LearningRate ?? 1e-2:G3})"));
        s.AppendLine();
        s.AppendLine("layer  input      | convex: objective   train    test   neurons(kept)  chambers      s | " + (adam is null ? "" : $"{adam.Method}: objective   train    test      s"));
        for (int i = 0; i < convex.Layers.Count; i++)
        {
            var c = convex.Layers[i];
            string chambers = c.Chambers is int k ? (c.Exact ? $"{k} exact" : $"{k} sampled") : "-";
            s.Append(string.Create(Ci, $"{c.Layer,5}  {c.Input,-10} | {c.Objective,17:G8} {Pct(c.TrainAccuracy),7} {Pct(c.TestAccuracy),7} {c.Neurons,6}({c.Features}){"",5} {chambers,-12} {c.Seconds,6:F1} |"));
            if (adam is not null && i < adam.Layers.Count)
            {
                var a = adam.Layers[i];
                s.Append(string.Create(Ci, $" {a.Objective,15:G8} {Pct(a.TrainAccuracy),7} {Pct(a.TestAccuracy),7} {a.Seconds,6:F1}"));
            }
            s.AppendLine();
        }
        s.AppendLine();
        s.AppendLine("objective: each block's own 1/2||f(H)-y||^2 + beta/2 sum(||u||^2 + w^2) on its input H (the frozen features of the blocks before it);");
        s.AppendLine("the stack of depth j predicts with block j's head. A layerwise stack has no global certificate.");
        if (networkFile is not null) s.AppendLine($"network: the convex stack written to {networkFile} (ecnn predict evaluates it)");
        return s.ToString().TrimEnd();
    }
}
