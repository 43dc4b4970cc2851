using System.CommandLine;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn compare DATA --beta B [model options] [--neurons M] [--inits K] [--optimizer gd|sgd|adam] [--epochs E] [--lr L] [--svg FILE] [--png FILE] [--json]</c>:
/// the certified global optimum of the model (<see cref="ModelComparison.Run"/>) against K seeded runs of a first-order
/// method on the same nonconvex network, each with its own certificate. A run below the optimum beyond rounding would
/// mean a wrong optimum: it is reported and the exit code is 1. An exact solve that ends unsolved (time_limit,
/// max_iterations, almost_solved, ...) gives exit code 3.
/// </summary>
public static class CompareCommand
{
    /// <summary>Relative slack under the optimum that counts as rounding (<see cref="ModelComparison.Rounding"/>).</summary>
    public const double Rounding = ModelComparison.Rounding;

    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var neurons = new Option<int>("--neurons") { Description = "hidden neurons m of the nonconvex runs", DefaultValueFactory = _ => 10 };
        var inits = new Option<int>("--inits") { Description = "number of nonconvex runs (seeds S, S+1, ...)", DefaultValueFactory = _ => 10 };
        var optimizer = new Option<string>("--optimizer") { Description = "gd (full batch), sgd (minibatches) or adam", DefaultValueFactory = _ => "adam" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the data per run", DefaultValueFactory = _ => 2000 };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default 1e-2 for adam, 1/||X||_F^2 (at most 1e-2) for gd and sgd)" };
        var batch = new Option<int?>("--batch-size") { Description = "samples per step (default: all for gd and adam, min(n, 16) for sgd)" };
        var initScale = new Option<double>("--init-scale") { Description = "initialization scale s: u ~ N(0, s^2/d), w ~ N(0, s^2/m)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "seed of the first run", DefaultValueFactory = _ => 1 };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse exact enumeration above this estimated number of chambers", DefaultValueFactory = _ => ArrangementOptions.DefaultMaxPatterns };
        var svg = new Option<FileInfo?>("--svg") { Description = "write the objective - optimum of every run against the epoch (log scale) as an SVG picture" };
        var png = new Option<FileInfo?>("--png") { Description = "write the same picture as --svg as a PNG image" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var timeLimit = new Option<double>("--time-limit") { Description = "wall-clock limit in seconds of the exact solve (its status is then time_limit, exit code 3)", DefaultValueFactory = _ => double.PositiveInfinity };
        var maxMemory = TrainCommand.MaxMemoryOption();
        var cmd = new Command("compare", "Compare first-order training (gd, sgd, adam) from random initializations with the certified global optimum.")
        {
            data, neurons, inits, optimizer, epochs, lr, batch, initScale, seed, maxPatterns, svg, png, json, timeLimit, maxMemory,
        };
        var model = new ModelOptions();
        model.AddTo(cmd);
        var dataOptions = new DataOptions();
        dataOptions.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(pr, () =>
        {
            int k = pr.GetValue(inits);
            if (k < 1) throw new InputException($"--inits must be at least 1, got {k}");
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            var file = pr.GetValue(data)!;
            double seconds = SolverOptions.TimeLimit(pr, timeLimit);
            long? memory = TrainCommand.MaxMemory(pr, maxMemory);
            var svgFile = pr.GetValue(svg);
            CliRunner.CheckOutput(svgFile, file);
            var pngFile = pr.GetValue(png);
            CliRunner.CheckOutput(pngFile, file);
            var options = new NonconvexOptions
            {
                Neurons = pr.GetValue(neurons), Optimizer = NonconvexTrainer.Parse(pr.GetValue(optimizer)!),
                LearningRate = pr.GetValue(lr), Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch), InitScale = pr.GetValue(initScale),
            };
            var selection = dataOptions.Selection(pr);
            var spec = DataOptions.ImplyClasses(model.Parse(pr, maxPatterns), selection);
            var dataset = selection.Apply(CsvDataReader.Read(file.FullName, dataOptions.Target(pr)));
            bool asJson = pr.GetValue(json);
            var comparison = Progress.RunPhases("preparing", !asJson, report => ModelComparison.Run(dataset, spec, options, k, pr.GetValue(seed),
                new TrainingOptions { MaxPatterns = limit, Progress = report, MaxMemoryBytes = memory, Solver = new SolverSettings { TimeLimitSeconds = seconds } }, (done, total) => report("training runs", done, total)));
            if (svgFile is not null)
                CliRunner.WriteFileAtomically(svgFile.FullName, ComparisonReport.Svg(comparison, options, Path.GetFileName(dataset.Source), dataset.Rows));
            if (pngFile is not null)
                CliRunner.WriteFileAtomically(pngFile.FullName, ComparisonReport.Png(comparison, options, Path.GetFileName(dataset.Source), dataset.Rows));
            if (asJson) Console.WriteLine(Json.Text(ComparisonReport.ToJson(comparison, options, svgFile?.ToString())));
            else ComparisonReport.WriteTable(comparison, options, svgFile?.ToString());
            foreach (var r in comparison.Below)
                Console.Error.WriteLine($"error: run with seed {r.Seed} reached {r.Result.Objective:G10}, below the exact optimum {comparison.Optimum:G10}: the exact solve is not optimal (status {comparison.Exact.Status.ToName()})");
            if (comparison.Below.Count > 0) return CliRunner.Inconsistent;
            return CliRunner.ExitCode(comparison.Exact.Status);
        }));
        return cmd;
    }
}
