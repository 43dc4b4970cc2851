using System.Globalization;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Bench;

/// <summary>
/// The "Peeking into the black box" experiment on 8x8 digits (problems/data/digits8x8.csv.gz): a binary pair (labels
/// mapped to -1/+1), pixels / 16, the first N rows of the pair train and the rest test. One stack of J blocks is trained
/// layerwise by the convex program (every chamber where the estimate fits, sampled patterns otherwise: an upper bound)
/// and one by Adam on the same blocks; the stack of depth j is the first j blocks, so one run of J blocks gives every
/// depth 1..J. Prints a markdown table per layer (objective, train and test accuracy, neurons, exactness, seconds) and
/// draws the objective and accuracies against depth.
/// Arguments: [--pair A,B] [--train N] [--layers J] [--beta B] [--filter f] [--stride s] [--padding p] [--feature-pool q]
/// [--features C] [--sample K] [--exact-limit L] [--neurons m] [--epochs E] [--lr L] [--seed S] [--svg FILE].
/// </summary>
public static class LayerwiseBench
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        string Arg(string name, string def) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : def; }
        double D(string name, string def) => double.Parse(Arg(name, def), Ci);
        int I(string name, string def) => int.Parse(Arg(name, def), Ci);
        string pair = Arg("--pair", "3,8");
        int rows = I("--train", "100"), layers = I("--layers", "5"), features = I("--features", "4");
        var spec = new LayerwiseSpec
        {
            Beta = D("--beta", "0.1"), Layers = layers, FeaturePool = I("--feature-pool", "1"), MaxFeatures = features, Classes = 2,
            Image = new ImageShape(1, 8, 8, I("--filter", "3"), I("--stride", "2"), I("--padding", "1")),
        }.Validated();
        var options = new LayerwiseOptions
        {
            Sample = I("--sample", "50"), ExactLimit = long.Parse(Arg("--exact-limit", "1000"), Ci),
            Training = new TrainingOptions { Seed = I("--seed", "0") },
            Adam = new NonconvexOptions { Optimizer = NonconvexOptimizer.Adam, Neurons = I("--neurons", features.ToString(Ci)), Epochs = I("--epochs", "2000"), LearningRate = D("--lr", "0.01"), Seed = I("--seed", "0") },
        };
        string svg = Arg("--svg", "layerwise_digits.svg");

        var root = FindProblems() ?? throw new DirectoryNotFoundException("problems/data not found above the current folder");
        var all = CsvDataReader.Read(Path.Combine(root, "data", "digits8x8.csv.gz"));
        var selection = new DataSelection { Labels = DataSelection.ParseLabels(pair), Scale = 16, Rows = RowRange.Parse($":{rows}") };
        var train = selection.Apply(all);
        var test = selection.Rest(all);
        Console.WriteLine(string.Create(Ci, $"8x8 digits {pair} (-1/+1), pixels / 16: {train.Rows} training rows, {test?.Rows ?? 0} test rows; {layers} blocks, {spec.Image.Filter}x{spec.Image.Filter} filters stride {spec.Image.Stride} padding {spec.Image.Padding}, feature pool {spec.FeaturePool}, at most {features} filters passed on, beta {spec.Beta}"));
        Console.WriteLine(string.Create(Ci, $"convex blocks: exact when at most {options.ExactLimit:N0} chambers are estimated, else sampled patterns (upper bound): {options.Sample} for block 1, later blocks as many as keep the program that size (at most 8x); adam: {options.Adam.Neurons} filters, {options.Adam.Epochs} full-batch epochs, lr {options.Adam.LearningRate}"));
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores");
        var convex = LayerwiseTraining.Convex(train, test, spec, options, r => Console.Error.WriteLine(string.Create(Ci, $"  convex block {r.Layer} done: {r.Seconds:F1} s")));
        var adam = LayerwiseTraining.Adam(train, test, spec, options, r => Console.Error.WriteLine(string.Create(Ci, $"  adam block {r.Layer} done: {r.Seconds:F1} s")));

        Console.WriteLine();
        Console.WriteLine("| layer | input | convex objective | train | test | neurons (kept) | patterns | s | adam objective | train | test | s |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < layers; i++)
        {
            var c = convex.Layers[i];
            var a = adam.Layers[i];
            string patterns = c.Exact ? $"{c.Chambers} exact{(c.CertifiedOptimal == true ? ", certified" : "")}" : $"{c.Chambers} sampled (upper bound)";
            Console.WriteLine(string.Create(Ci, $"| {c.Layer} | {c.Input} | {c.Objective:G6}{(c.Status == "solved" ? "" : $" ({c.Status})")} | {c.TrainAccuracy:P1} | {c.TestAccuracy:P1} | {c.Neurons} ({c.Features}) | {patterns} | {c.Seconds:F1} | {a.Objective:G6} | {a.TrainAccuracy:P1} | {a.TestAccuracy:P1} | {a.Seconds:F1} |"));
        }
        File.WriteAllText(svg, LayerwiseSvg.Render([convex, adam],
            $"Layerwise training on 8x8 digits {pair}: convex blocks vs Adam",
            string.Create(Ci, $"{train.Rows} train / {test?.Rows ?? 0} test rows, {spec.Image.Filter}x{spec.Image.Filter} filters stride {spec.Image.Stride} padding {spec.Image.Padding}, {features} filters passed on, beta {spec.Beta}, convex blocks over sampled patterns")));
        Console.WriteLine($"picture: {svg}");
    }

    private static string? FindProblems()
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems", "data"))) dir = dir.Parent;
        return dir is null ? null : Path.Combine(dir.FullName, "problems");
    }
}
