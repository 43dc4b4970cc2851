using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn path DATA --betas B1,B2,... | --path N [model options] [--json]</c>: the regularization path, each beta trained
/// and certified (<see cref="ModelPath.Run"/>); with <c>--path N</c>, N betas log-spaced from beta_max down by 1000.
/// </summary>
public static class PathCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var betas = new Option<string?>("--betas") { Description = "the betas, comma-separated (for example 1,0.1,0.01)" };
        var count = new Option<int?>("--path") { Description = "N betas log-spaced from beta_max (ReLU: the smallest beta with the zero network optimal) down to beta_max / 1000" };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse exact enumeration above this estimated number of chambers", DefaultValueFactory = _ => ArrangementOptions.DefaultMaxPatterns };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cold = new Option<bool>("--cold") { Description = "relu: train every beta from scratch instead of warm-starting from the previous beta's chambers (same certified results, slower)" };
        var svg = new Option<FileInfo?>("--svg") { Description = "draw neurons, objective, training error and (with --rows) test error against beta into this SVG file" };
        var cmd = new Command("path", "Train and certify a network at several betas: neurons, objective, training and test error along the regularization path.") { data, betas, count, maxPatterns, json, cold, svg };
        var model = new ModelOptions(betaRequired: false);
        model.AddTo(cmd);
        var dataOptions = new DataOptions();
        dataOptions.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            string? list = pr.GetValue(betas);
            int? n = pr.GetValue(count);
            if ((list is null) == (n is null)) throw new InputException("give either --betas B1,B2,... or --path N");
            var selection = dataOptions.Selection(pr);
            var spec = DataOptions.ImplyClasses(model.Parse(pr), selection);
            var svgFile = pr.GetValue(svg);
            CliRunner.CheckOutput(svgFile, pr.GetValue(data)!);
            var raw = CsvDataReader.Read(pr.GetValue(data)!.FullName, dataOptions.Target(pr));
            var dataset = selection.Apply(raw);
            // With --rows, the rows outside the range are held out: the test error.
            var test = selection.Rest(raw);
            var options = new TrainingOptions { MaxPatterns = limit };
            double[] values = list is not null ? ParseBetas(list) : ModelPath.LogSpaced(dataset, spec, n!.Value, options);
            bool asJson = pr.GetValue(json);
            var path = Progress.Run("path", !asJson, report => ModelPath.Run(dataset, spec, values, options, report, warm: !pr.GetValue(cold)));
            if (asJson)
            {
                Console.WriteLine(Json.Text(new JsonObject
                {
                    ["activation"] = spec.ActivationName,
                    ["path"] = new JsonArray(path.Select(r => (JsonNode)new JsonObject
                    {
                        ["beta"] = r.Model.Beta,
                        ["objective"] = Json.Num(r.RecoveredObjective),
                        ["training_error"] = Json.Num(TrainingError(r, dataset)),
                        ["test_error"] = test is null ? null : Json.Num(TestError(r, test)),
                        ["neurons"] = r.Network.NeuronCount,
                        ["lower_bound"] = Json.Num(r.Certificate?.LowerBound),
                        ["certified_optimal"] = r.Certificate?.CertifiedOptimal ?? false,
                        ["status"] = r.Status.ToName(),
                        ["seconds"] = r.Seconds,
                    }).ToArray()),
                }));
            }
            else
            {
                Console.WriteLine($"{"beta",12} {"objective",14} {"training error",15}{(test is null ? "" : $" {"test error",11}")} {"neurons",8} {"lower bound",14} {"certified",9} {"seconds",8}");
                foreach (var r in path)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Model.Beta,12:G6} {r.RecoveredObjective,14:G10} {TrainingError(r, dataset),15:G6}{(test is null ? "" : string.Create(CultureInfo.InvariantCulture, $" {TestError(r, test),11:G6}"))} {r.Network.NeuronCount,8} {r.Certificate?.LowerBound ?? double.NaN,14:G10} {(r.Certificate?.CertifiedOptimal == true ? "yes" : "no"),9} {r.Seconds,8:F2}"));
            }
            if (svgFile is not null)
            {
                var points = path.Where(r => r.Model.Beta > 0).Select(r => new PathPoint(r.Model.Beta, r.Network.NeuronCount, r.RecoveredObjective, TrainingError(r, dataset),
                    test is null ? null : TestError(r, test), r.Certificate?.CertifiedOptimal == true)).ToArray();
                string model = $"{spec.ActivationName}{(spec.Bias ? ", bias" : "")}, n = {dataset.Rows}{(test is null ? "" : $", {test.Rows} held-out rows")}";
                CliRunner.WriteFileAtomically(svgFile.FullName, PathSvg.Render(points, $"Regularization path: {Path.GetFileName(pr.GetValue(data)!.Name)}", model));
                if (!asJson) Console.WriteLine($"saved           {svgFile}");
            }
            return path.All(r => r.Status == SolverStatus.Solved && r.Certificate?.CertifiedOptimal == true) ? CliRunner.Success : CliRunner.NotSolved;
        }));
        return cmd;
    }

    /// <summary>The mean squared error of the network on its training data: 2/(n O) times the loss 1/2 ||F - Y||^2.</summary>
    private static double TrainingError(TrainingResult r, Dataset data) =>
        2 * ClassTargets.SquaredLoss(r.Network.Outputs(data.X), r.Targets) / r.Targets.Length;

    /// <summary>The mean squared error of the network on held-out rows (regression; NaN for classifiers, whose targets are coded).</summary>
    private static double TestError(TrainingResult r, Dataset test) => r.Model.Classes is null && test.Y is not null
        ? 2 * ClassTargets.SquaredLoss(r.Network.Outputs(test.X), ClassTargets.Column(test.Y)) / test.Rows
        : double.NaN;

    private static double[] ParseBetas(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        if (parts.Length == 0 || parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i]) && values[i] >= 0).Contains(false))
            throw new InputException($"--betas '{text}' is not a list of finite numbers >= 0 (for example 1,0.1,0.01)");
        return values;
    }
}
