using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;
using ExactConvexNN.Visualization;
using Spectre.Console;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn compare DATA --beta B [--neurons M] [--inits K] [--optimizer gd|sgd|adam] [--epochs E] [--lr L] [--bias] [--svg FILE] [--json]</c>:
/// the global optimum from the convex program against K seeded runs of a first-order method on the nonconvex objective,
/// each with its own certificate (a dual lower bound from its residual over every chamber, the convex program's chambers
/// reused). A run below the optimum beyond rounding would mean a wrong optimum: it is reported and the exit code is 1.
/// With <c>--activation poly</c> (and the model options of <c>ecnn train</c>) the optimum is the SDP of Bartan &amp; Pilanci and
/// the runs train the same polynomial network (no per-run certificate: the table shows the excess over the optimum).
/// </summary>
public static class CompareCommand
{
    /// <summary>Relative slack under the optimum that counts as rounding (the convex solve's tolerance is 1e-8).</summary>
    public const double Rounding = 1e-6;

    private sealed record Run(int Seed, NonconvexResult Result, Certificate Certificate);

    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var beta = new Option<double?>("--beta") { Description = "regularization beta (>= 0), required: weight decay beta/2 on both layers (relu), beta ||w||_1 with unit-norm first layer (poly)", Required = true };
        var bias = new Option<bool>("--bias") { Description = "give every neuron a bias (appends a column of ones)" };
        var target = new Option<string?>("--target") { Description = "name of the target column (default: the last column)" };
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
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("compare", "Compare first-order training (gd, sgd, adam) from random initializations with the certified global optimum.")
        {
            data, beta, bias, target, neurons, inits, optimizer, epochs, lr, batch, initScale, seed, maxPatterns, svg, json,
        };
        var model = new PolyModelOptions();
        model.AddTo(cmd);
        var selection = new DataSelectionOptions();
        selection.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            double b = pr.GetValue(beta) ?? throw new InputException("--beta is required; for example --beta 0.01");
            if (!double.IsFinite(b) || b < 0) throw new InputException($"--beta must be a finite number >= 0, got {b.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.01");
            int k = pr.GetValue(inits);
            if (k < 1) throw new InputException($"--inits must be at least 1, got {k}");
            var svgFile = pr.GetValue(svg);
            if (svgFile is not null && !Directory.Exists(svgFile.DirectoryName ?? "."))
                throw new InputException($"cannot write '{svgFile}': folder '{svgFile.DirectoryName}' does not exist");
            var options = new NonconvexOptions
            {
                Beta = b, Bias = pr.GetValue(bias), Neurons = pr.GetValue(neurons), Optimizer = NonconvexTrainer.Parse(pr.GetValue(optimizer)!),
                LearningRate = pr.GetValue(lr), Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch), InitScale = pr.GetValue(initScale),
            };
            var select = selection.Parse(pr);
            var polyModel = DataSelectionOptions.ImplyClasses(model.Parse(pr, b, options.Bias, maxPatterns), select);
            var dataset = select.Apply(CsvDataReader.Read(pr.GetValue(data)!.FullName, pr.GetValue(target)));
            // Every option is checked on the data before the (possibly long) convex solve.
            if (dataset.Y is null) throw new InputException($"the data '{dataset.Source}' has no target column; comparison needs targets (the last column, or --target NAME)");
            double rate = NonconvexTrainer.Validate(options, dataset).LearningRate;
            bool asJson = pr.GetValue(json);
            int first = pr.GetValue(seed);
            if (polyModel is not null)
            {
                // The architecture must fit the data and the labels the classes, before the solve.
                _ = polyModel.Architecture(dataset.Columns);
                if (polyModel.Classes is int kc) ClassTargets.Encode(dataset.Y, kc);
                return ComparePoly(dataset, polyModel, options, k, first, svgFile, asJson);
            }

            var convex = Progress.RunPhases("enumerating chambers", !asJson, report => ReluTrainer.Train(dataset, new TrainingOptions
            {
                Beta = b, Bias = options.Bias, MaxPatterns = pr.GetValue(maxPatterns), Progress = report,
            }));
            var optimumCert = OptimalityVerifier.Verify(dataset, b, convex.Network, convex.Arrangement, convex.DualCandidate);
            var runs = Progress.Run("training runs", !asJson, report =>
            {
                var result = new Run[k];
                int done = 0;
                Parallel.For(0, k, r =>
                {
                    var trained = NonconvexTrainer.Train(dataset, options with { Seed = first + r });
                    var cert = OptimalityVerifier.Verify(dataset, b, trained.Network, convex.Arrangement);
                    result[r] = new Run(first + r, trained, cert);
                    report(Interlocked.Increment(ref done), k);
                });
                return result;
            });

            double optimum = Optimum(convex, optimumCert);
            double slack = Rounding * Math.Max(Math.Abs(optimum), 1e-12);
            var below = runs.Where(r => r.Result.Objective < optimum - slack).ToArray();
            string method = NonconvexTrainer.Name(options.Optimizer);
            if (svgFile is not null)
            {
                string title = $"{method} from {k} random initializations vs the global optimum";
                string subtitle = $"{Path.GetFileName(dataset.Source)}: n = {dataset.Rows}, d = {dataset.Columns}{(options.Bias ? " + bias" : "")}, beta = {b:G4}; m = {options.Neurons} neurons, lr {rate:G3}, {options.Epochs} epochs";
                var curves = runs.Select(r => new ConvergenceCurve($"seed {r.Seed}", r.Result.History)).ToArray();
                CliRunner.WriteFileAtomically(svgFile.FullName, ConvergenceSvg.Render(curves, optimum, title, subtitle));
            }
            if (asJson) Console.WriteLine(ToJson(convex, optimumCert, runs, options, rate, svgFile).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else WriteTable(convex, optimumCert, runs, method, options, rate, svgFile);
            foreach (var r in below)
                Console.Error.WriteLine($"error: run with seed {r.Seed} reached {r.Result.Objective:G10}, below the convex optimum {optimum:G10}: the convex solve is not optimal (status {convex.Status.ToName()})");
            return below.Length == 0 ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>The SDP optimum of the polynomial network against K seeded first-order runs on the same network.</summary>
    private static int ComparePoly(Dataset dataset, PolyTrainingOptions model, NonconvexOptions options, int k, int first, FileInfo? svgFile, bool asJson)
    {
        var exact = PolyTrainer.Train(dataset, model);
        var exactCert = PolyOptimalityVerifier.VerifyBest(exact.Network, dataset.X, exact.Targets, options.Beta, [exact.DualCandidate, null]);
        var certs = new PolyCertificate[k];
        var runs = Progress.Run("training runs", !asJson, report =>
        {
            var result = new PolyNonconvexResult[k];
            int done = 0;
            Parallel.For(0, k, r =>
            {
                result[r] = NonconvexTrainer.TrainPoly(dataset, options with { Seed = first + r }, model);
                // Each run's own certificate, from its residual (no SDP needed).
                certs[r] = PolyOptimalityVerifier.Verify(result[r].Network, dataset.X, exact.Targets, options.Beta);
                report(Interlocked.Increment(ref done), k);
            });
            return result;
        });
        // Measured against the certified lower bound when the SDP network is certified (the SDP value can sit just below it).
        double optimum = exactCert.CertifiedOptimal ? exactCert.LowerBound : exact.Primal, scale = Math.Max(Math.Abs(optimum), 1e-12);
        double? Accuracy(PolyNetwork net) => model.Classes is int c ? ClassTargets.Accuracy(net.Predict(dataset.X), dataset.Y!, c) : null;
        string method = NonconvexTrainer.Name(options.Optimizer);
        double rate = NonconvexTrainer.Validate(options, dataset).LearningRate;
        var arch = exact.Program.Architecture;
        if (svgFile is not null)
        {
            string title = $"{method} from {k} random initializations vs the global optimum (poly)";
            string subtitle = $"{Path.GetFileName(dataset.Source)}: n = {dataset.Rows}, {arch.Describe()}, beta = {options.Beta:G4}; m = {options.Neurons} neurons, lr {rate:G3}, {options.Epochs} epochs";
            var curves = runs.Select((r, i) => new ConvergenceCurve($"seed {first + i}", r.History)).ToArray();
            CliRunner.WriteFileAtomically(svgFile.FullName, ConvergenceSvg.Render(curves, optimum, title, subtitle));
        }
        var ci = CultureInfo.InvariantCulture;
        if (asJson)
        {
            var o = new JsonObject
            {
                ["activation"] = "poly",
                ["optimum"] = new JsonObject
                {
                    ["objective"] = optimum,
                    ["network_objective"] = exact.RecoveredObjective,
                    ["program_value"] = exact.Primal,
                    ["lower_bound"] = exactCert.LowerBound,
                    ["certified_relative_gap"] = exactCert.RelativeGap,
                    ["certified_optimal"] = exactCert.CertifiedOptimal,
                    ["dual"] = double.IsFinite(exact.Dual) ? exact.Dual : null,
                    ["relative_gap"] = double.IsFinite(exact.RelativeGap) ? exact.RelativeGap : null,
                    ["neurons"] = exact.Network.Neurons.Count,
                    ["regions"] = arch.Regions.Count,
                    ["accuracy"] = exact.Accuracy,
                    ["status"] = exact.Status.ToName(),
                    ["seconds"] = exact.Seconds,
                },
                ["runs"] = new JsonArray(runs.Select((r, i) => (JsonNode)new JsonObject
                {
                    ["seed"] = first + i,
                    ["objective"] = r.Objective,
                    ["excess"] = r.Objective - optimum,
                    ["relative_excess"] = (r.Objective - optimum) / scale,
                    ["lower_bound"] = certs[i].LowerBound,
                    ["gap"] = certs[i].Gap,
                    ["relative_gap"] = certs[i].RelativeGap,
                    ["certified_optimal"] = certs[i].CertifiedOptimal,
                    ["accuracy"] = Accuracy(r.Network),
                    ["history_length"] = r.History.Length,
                    ["steps"] = r.Steps,
                    ["diverged"] = r.Diverged,
                    ["seconds"] = r.Seconds,
                }).ToArray()),
                ["below_optimum"] = runs.Count(r => r.Objective < optimum - Rounding * scale),
                ["beta"] = options.Beta,
                ["bias"] = options.Bias,
                ["optimizer"] = method,
                ["neurons"] = options.Neurons,
                ["epochs"] = options.Epochs,
                ["learning_rate"] = rate,
                ["svg"] = svgFile?.ToString(),
            };
            Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            string Acc(double? a) => a is double v ? v.ToString("P2", ci) : "";
            var rows = new List<string[]>
            {
                new[] { $"SDP ({exact.Network.Neurons.Count} neurons, {exact.Status.ToName()})", exact.RecoveredObjective.ToString("G10", ci),
                    ((exact.RecoveredObjective - optimum) / scale).ToString("E2", ci), exactCert.LowerBound.ToString("G10", ci),
                    exactCert.RelativeGap.ToString("E2", ci), exactCert.CertifiedOptimal ? "yes" : "no", Acc(exact.Accuracy) },
            };
            for (int i = 0; i < runs.Length; i++)
                rows.Add([$"{method} seed {first + i}{(runs[i].Diverged ? " (diverged)" : "")}", runs[i].Objective.ToString("G10", ci),
                    ((runs[i].Objective - optimum) / scale).ToString("E2", ci), certs[i].LowerBound.ToString("G10", ci),
                    certs[i].RelativeGap.ToString("E2", ci), certs[i].CertifiedOptimal ? "yes" : "no", Acc(Accuracy(runs[i].Network))]);
            string[] header = ["run", "final objective", "above optimum (rel.)", "own lower bound", "certified gap (rel.)", "certified", model.Classes is null ? "" : "train accuracy"];
            var widths = header.Select((h, j) => Math.Max(h.Length, rows.Max(r => r[j].Length))).ToArray();
            string Line(string[] cells) => string.Join("  ", cells.Select((v, j) => j == 0 ? v.PadRight(widths[j]) : v.PadLeft(widths[j]))).TrimEnd();
            Console.WriteLine(Line(header));
            foreach (var row in rows) Console.WriteLine(Line(row));
            string proof = exactCert.CertifiedOptimal
                ? $"certified: between the lower bound and the SDP network's {exact.RecoveredObjective.ToString("G10", ci)}"
                : $"SDP value, status {exact.Status.ToName()}, NOT certified";
            Console.WriteLine($"global optimum {optimum.ToString("G10", ci)} ({proof}; {arch.Describe()}); runs: m = {options.Neurons}, lr {rate:G3}, {options.Epochs} epochs, beta {options.Beta:G4}");
            Console.WriteLine("own lower bound: each run's certificate from its own residual (trust-region bound, no SDP needed)");
            if (svgFile is not null) Console.WriteLine($"saved {svgFile}");
        }
        var below = runs.Select((r, i) => (Run: r, Seed: first + i)).Where(t => t.Run.Objective < optimum - Rounding * scale).ToArray();
        foreach (var (r, s) in below)
            Console.Error.WriteLine($"error: run with seed {s} reached {r.Objective:G10}, below the SDP optimum {optimum:G10}: the SDP solve is not optimal (status {exact.Status.ToName()})");
        return below.Length == 0 ? 0 : 1;
    }

    private static JsonObject ToJson(TrainingResult convex, Certificate optimumCert, Run[] runs, NonconvexOptions o, double rate, FileInfo? svg)
    {
        double optimum = Optimum(convex, optimumCert), scale = Math.Max(Math.Abs(optimum), 1e-12);
        return new JsonObject
        {
            ["optimum"] = new JsonObject
            {
                ["objective"] = optimum,
                ["network_objective"] = convex.RecoveredObjective,
                ["program_value"] = convex.Primal,
                ["lower_bound"] = optimumCert.LowerBound,
                ["relative_gap"] = optimumCert.RelativeGap,
                ["certified_optimal"] = optimumCert.CertifiedOptimal,
                ["neurons"] = convex.Network.Neurons.Count,
                ["chambers"] = convex.Arrangement.Chambers.Count,
                ["status"] = convex.Status.ToName(),
                ["seconds"] = convex.Seconds,
            },
            ["runs"] = new JsonArray(runs.Select(r => (JsonNode)new JsonObject
            {
                ["seed"] = r.Seed,
                ["objective"] = r.Result.Objective,
                ["excess"] = r.Result.Objective - optimum,
                ["relative_excess"] = (r.Result.Objective - optimum) / scale,
                ["lower_bound"] = r.Certificate.LowerBound,
                ["gap"] = r.Certificate.Gap,
                ["relative_gap"] = r.Certificate.RelativeGap,
                ["certified_optimal"] = r.Certificate.CertifiedOptimal,
                ["history_length"] = r.Result.History.Length,
                ["steps"] = r.Result.Steps,
                ["diverged"] = r.Result.Diverged,
                ["seconds"] = r.Result.Seconds,
            }).ToArray()),
            ["below_optimum"] = runs.Count(r => r.Result.Objective < optimum - Rounding * scale),
            ["beta"] = o.Beta,
            ["bias"] = o.Bias,
            ["optimizer"] = NonconvexTrainer.Name(o.Optimizer),
            ["neurons"] = o.Neurons,
            ["epochs"] = o.Epochs,
            ["learning_rate"] = rate,
            ["svg"] = svg?.ToString(),
        };
    }

    /// <summary>
    /// The optimum runs are measured against: the certificate's lower bound when the exact network is certified (a proven
    /// bound within the tolerance of the optimum, so a run below it is a real contradiction), else the convex value.
    /// </summary>
    private static double Optimum(TrainingResult convex, Certificate cert) => cert.CertifiedOptimal ? cert.LowerBound : convex.Primal;

    private static void WriteTable(TrainingResult convex, Certificate optimumCert, Run[] runs, string method, NonconvexOptions o, double rate, FileInfo? svg)
    {
        double optimum = Optimum(convex, optimumCert), scale = Math.Max(Math.Abs(optimum), 1e-12);
        var ci = CultureInfo.InvariantCulture;
        string[] header = ["run", "final objective", "above optimum (rel.)", "own lower bound", "certified gap (rel.)", "certified"];
        var rows = new List<string[]>
        {
            new[] { $"exact ({convex.Network.Neurons.Count} neurons)", convex.RecoveredObjective.ToString("G10", ci), ((convex.RecoveredObjective - optimum) / scale).ToString("E2", ci),
                optimumCert.LowerBound.ToString("G10", ci), optimumCert.RelativeGap.ToString("E2", ci), optimumCert.CertifiedOptimal ? "yes" : "no" },
        };
        foreach (var r in runs)
            rows.Add([
                $"{method} seed {r.Seed}{(r.Result.Diverged ? " (diverged)" : "")}", r.Result.Objective.ToString("G10", ci),
                ((r.Result.Objective - optimum) / scale).ToString("E2", ci), r.Certificate.LowerBound.ToString("G10", ci),
                r.Certificate.RelativeGap.ToString("E2", ci), r.Certificate.CertifiedOptimal ? "yes" : "no",
            ]);
        string proof = optimumCert.CertifiedOptimal
            ? $"certified: between the lower bound and the exact network's {convex.RecoveredObjective.ToString("G10", ci)}"
            : $"convex program, status {convex.Status.ToName()}, NOT certified";
        var summary = $"global optimum {optimum.ToString("G10", ci)} ({proof}; {convex.Arrangement.Chambers.Count} chambers); runs: m = {o.Neurons}, lr {rate:G3}, {o.Epochs} epochs, beta {o.Beta:G4}";
        if (!Console.IsOutputRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var h in header) table.AddColumn(new TableColumn(h).RightAligned());
            table.Columns[0].LeftAligned();
            foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            console.Write(table);
        }
        else
        {
            var widths = header.Select((h, j) => Math.Max(h.Length, rows.Max(r => r[j].Length))).ToArray();
            string Line(string[] cells) => string.Join("  ", cells.Select((v, j) => j == 0 ? v.PadRight(widths[j]) : v.PadLeft(widths[j])));
            Console.WriteLine(Line(header));
            foreach (var row in rows) Console.WriteLine(Line(row));
        }
        Console.WriteLine(summary);
        Console.WriteLine("own lower bound: each run's certificate from its own residual over every chamber (no convex solve needed)");
        if (svg is not null) Console.WriteLine($"saved {svg}");
    }
}
