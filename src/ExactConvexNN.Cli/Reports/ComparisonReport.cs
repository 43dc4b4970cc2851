using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Visualization;
using Spectre.Console;

namespace ExactConvexNN.Cli.Reports;

/// <summary>The output of <c>ecnn compare</c> for every family: JSON, a table (Spectre on a terminal, plain text otherwise) and the SVG.</summary>
public static class ComparisonReport
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>The JSON object of a comparison.</summary>
    public static JsonObject ToJson(Comparison c, NonconvexOptions o, string? svg)
    {
        var exact = c.Exact;
        var cert = exact.Certificate!;
        return new JsonObject
        {
            ["activation"] = exact.Model.ActivationName,
            ["batch_norm"] = exact.Model.BatchNorm,
            ["optimum"] = new JsonObject
            {
                ["objective"] = Json.Num(c.Optimum),
                ["network_objective"] = Json.Num(exact.RecoveredObjective),
                ["program_value"] = Json.Num(exact.Primal),
                ["lower_bound"] = Json.Num(cert.LowerBound),
                ["certified_relative_gap"] = Json.Num(cert.RelativeGap),
                ["certified_optimal"] = cert.CertifiedOptimal,
                ["dual"] = Json.Num(exact.Dual),
                ["relative_gap"] = Json.Num(exact.RelativeGap),
                ["neurons"] = exact.Network.NeuronCount,
                ["regions"] = exact.Chambers ?? exact.PoolingRegions,
                ["chambers"] = exact.Chambers,
                ["pooling_regions"] = exact.PoolingRegions,
                ["accuracy"] = Json.Num(exact.TrainAccuracy),
                ["status"] = exact.Status.ToName(),
                ["seconds"] = exact.Seconds,
            },
            ["runs"] = new JsonArray(c.Runs.Select(r => (JsonNode)new JsonObject
            {
                ["seed"] = r.Seed,
                ["objective"] = Json.Num(r.Result.Objective),
                ["excess"] = Json.Num(r.Result.Objective - c.Optimum),
                ["relative_excess"] = Json.Num((r.Result.Objective - c.Optimum) / c.Scale),
                ["lower_bound"] = Json.Num(r.Certificate.LowerBound),
                ["gap"] = Json.Num(r.Certificate.Gap),
                ["relative_gap"] = Json.Num(r.Certificate.RelativeGap),
                ["certified_optimal"] = r.Certificate.CertifiedOptimal,
                ["accuracy"] = Json.Num(r.Accuracy),
                ["history_length"] = r.Result.History.Length,
                ["steps"] = r.Result.Steps,
                ["diverged"] = r.Result.Diverged,
                ["seconds"] = r.Result.Seconds,
            }).ToArray()),
            ["below_optimum"] = c.Below.Count,
            ["beta"] = exact.Model.Beta,
            ["bias"] = exact.Model.Bias,
            ["optimizer"] = NonconvexTrainer.Name(o.Optimizer),
            ["neurons"] = o.Neurons,
            ["epochs"] = o.Epochs,
            ["learning_rate"] = c.LearningRate,
            ["svg"] = svg,
        };
    }

    /// <summary>Prints the table of runs and the summary lines.</summary>
    public static void WriteTable(Comparison c, NonconvexOptions o, string? svg)
    {
        var exact = c.Exact;
        var cert = exact.Certificate!;
        var text = ModelRegistry.For(exact.Model).Text;
        string method = NonconvexTrainer.Name(o.Optimizer);
        bool classes = exact.Model.Classes is not null;
        string Acc(double? a) => a is double v ? v.ToString("P2", Ci) : "";
        string Rel(double v) => ((v - c.Optimum) / c.Scale).ToString("E2", Ci);
        var header = new List<string> { "run", "final objective", "above optimum (rel.)", "own lower bound", "certified gap (rel.)", "certified" };
        if (classes) header.Add("train accuracy");
        var rows = new List<string[]>
        {
            Row($"exact ({exact.Network.NeuronCount} neurons{(exact.Status == SolverStatus.Solved ? "" : ", " + exact.Status.ToName())})",
                exact.RecoveredObjective, cert.LowerBound, cert.RelativeGap, cert.CertifiedOptimal, exact.TrainAccuracy),
        };
        foreach (var r in c.Runs)
            rows.Add(Row($"{method} seed {r.Seed}{(r.Result.Diverged ? " (diverged)" : "")}", r.Result.Objective,
                r.Certificate.LowerBound, r.Certificate.RelativeGap, r.Certificate.CertifiedOptimal, r.Accuracy));
        string[] Row(string name, double objective, double bound, double gap, bool certified, double? accuracy)
        {
            var cells = new List<string> { name, objective.ToString("G10", Ci), Rel(objective), bound.ToString("G10", Ci), gap.ToString("E2", Ci), certified ? "yes" : "no" };
            if (classes) cells.Add(Acc(accuracy));
            return cells.ToArray();
        }
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
            string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((v, j) => j == 0 ? v.PadRight(widths[j]) : v.PadLeft(widths[j]))).TrimEnd();
            Console.WriteLine(Line(header));
            foreach (var row in rows) Console.WriteLine(Line(row));
        }
        string proof = cert.CertifiedOptimal
            ? $"certified: between the lower bound and the exact network's {exact.RecoveredObjective.ToString("G10", Ci)}"
            : $"{text.ProgramValue}, status {exact.Status.ToName()}, NOT certified";
        string regions = exact.Chambers is int ch ? $"{ch} chambers" : exact.Network.Architecture.Describe();
        Console.WriteLine(string.Create(Ci, $"global optimum {c.Optimum:G10} ({proof}; {regions}); runs: m = {o.Neurons}, lr {c.LearningRate:G3}, {o.Epochs} epochs, beta {exact.Model.Beta:G4}"));
        Console.WriteLine($"own lower bound: each run's certificate from its own residual{text.BoundMethod} (no convex solve needed)");
        if (svg is not null) Console.WriteLine($"saved {svg}");
    }

    /// <summary>The SVG of every run's objective - optimum against the epoch.</summary>
    public static string Svg(Comparison c, NonconvexOptions o, string dataName, int rows)
    {
        var (curves, title, subtitle) = Picture(c, o, dataName, rows);
        return ConvergenceSvg.Render(curves, c.Optimum, title, subtitle);
    }

    /// <summary>The PNG of the same picture as <see cref="Svg"/> (ScottPlot).</summary>
    public static byte[] Png(Comparison c, NonconvexOptions o, string dataName, int rows)
    {
        var (curves, title, subtitle) = Picture(c, o, dataName, rows);
        return ConvergencePng.Render(curves, c.Optimum, title, subtitle);
    }

    private static (ConvergenceCurve[] Curves, string Title, string Subtitle) Picture(Comparison c, NonconvexOptions o, string dataName, int rows)
    {
        var exact = c.Exact;
        string method = NonconvexTrainer.Name(o.Optimizer);
        string title = $"{method} from {c.Runs.Count} random initializations vs the global optimum ({exact.Model.ActivationName})";
        var arch = exact.Network.Architecture;
        string shape = arch.Image is null ? $"d = {arch.Inputs}{(arch.Bias ? " + bias" : "")}" : arch.Describe();
        string subtitle = string.Create(Ci, $"{dataName}: n = {rows}, {shape}, beta = {exact.Model.Beta:G4}; m = {o.Neurons} neurons, lr {c.LearningRate:G3}, {o.Epochs} epochs");
        var curves = c.Runs.Select(r => new ConvergenceCurve($"seed {r.Seed}", r.Result.History)).ToArray();
        return (curves, title, subtitle);
    }
}
