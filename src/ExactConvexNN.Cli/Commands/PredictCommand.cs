using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn predict NET.json DATA [--target NAME] [--json]</c>: outputs of a saved network of any family; with targets,
/// the loss (the file's "loss", squared when absent), the objective (when the file records its beta) and, for classifiers,
/// the accuracy and the confusion matrix.
/// </summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var net = new Argument<FileInfo>("network") { Description = "network file written by 'ecnn train --out'" };
        var data = new Argument<FileInfo>("data") { Description = "CSV file with the network's features, and optionally a target column (last, or --target)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("predict", "Print a trained network's predictions on data (and the loss, and the accuracy of a classifier, when the data has targets).") { net, data, json };
        var dataOptions = new DataOptions();
        dataOptions.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(pr, () =>
        {
            var network = ModelRegistry.Load(pr.GetValue(net)!.FullName);
            int inputs = network.Architecture.Inputs;
            var dataset = dataOptions.ReadForNetwork(pr, pr.GetValue(data)!.FullName, network, needTarget: false);
            if (dataset.Columns != inputs)
                throw new InputException($"the data has {dataset.Columns} feature columns but the network takes {inputs}; give data with the training features (and the target last)");
            var f = network.Outputs(dataset.X);
            int n = f.GetLength(0), o = f.GetLength(1);
            var lossFunction = LossFunction.Of(network);
            double? loss = null, squared = null, accuracy = null;
            int[,]? confusion = null;
            var predicted = network.PredictClasses(f);
            if (dataset.Y is not null)
            {
                loss = lossFunction.Value(f, lossFunction.Targets(dataset.Y));
                squared = ClassTargets.SquaredLoss(f, network.Targets(dataset.Y));
                if (network.Classes is int k)
                {
                    accuracy = ClassTargets.Accuracy(f, dataset.Y, k);
                    confusion = ClassTargets.Confusion(dataset.Y, predicted!, k);
                }
            }
            double? objective = loss is double l0 && network.FileBeta() is double b ? l0 + network.Regularizer(b) : null;
            if (pr.GetValue(json))
            {
                var result = new JsonObject
                {
                    ["predictions"] = new JsonArray(Enumerable.Range(0, n).Select(i => o == 1
                        ? (JsonNode)JsonValue.Create(f[i, 0])
                        : new JsonArray(Enumerable.Range(0, o).Select(t => (JsonNode)JsonValue.Create(f[i, t])).ToArray())).ToArray()),
                    ["loss"] = Json.Num(loss),
                    ["loss_name"] = LossFunction.Name(lossFunction.Kind),
                    ["mse"] = squared is double l ? Json.Num(2 * l / (n * o)) : null,
                };
                if (confusion is not null)
                    result["confusion"] = new JsonArray(Enumerable.Range(0, confusion.GetLength(0)).Select(t =>
                        (JsonNode)new JsonArray(Enumerable.Range(0, confusion.GetLength(1)).Select(q => (JsonNode)JsonValue.Create(confusion[t, q])).ToArray())).ToArray());
                if (predicted is not null) result["classes"] = new JsonArray(predicted.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
                if (accuracy is double a) result["accuracy"] = a;
                if (objective is double obj) result["objective"] = Json.Num(obj);
                Console.WriteLine(Json.Text(result));
                return 0;
            }
            for (int i = 0; i < n; i++)
            {
                var line = string.Join(",", Enumerable.Range(0, o).Select(t => f[i, t].ToString("G10", CultureInfo.InvariantCulture)));
                Console.WriteLine(predicted is null ? line : $"{line}  class {predicted[i]}");
            }
            if (loss is double l2 && squared is double sq)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"loss {lossFunction.Formula} = {l2:G10}, mean squared error {2 * sq / (n * o):G6}") + (accuracy is double a2 ? string.Create(CultureInfo.InvariantCulture, $", accuracy {a2:P2}") : ""));
            if (confusion is not null) Console.Error.Write(ConfusionText(confusion));
            return 0;
        }));
        return cmd;
    }

    /// <summary>The confusion matrix as text: one row per true label, one column per predicted class.</summary>
    internal static string ConfusionText(int[,] confusion)
    {
        int k = confusion.GetLength(0);
        int width = Math.Max(5, confusion.Cast<int>().DefaultIfEmpty(0).Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        var sb = new System.Text.StringBuilder("confusion matrix (rows: true label, columns: predicted class)\n");
        sb.Append("label".PadLeft(6));
        for (int q = 0; q < k; q++) sb.Append(q.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        sb.Append('\n');
        for (int t = 0; t < k; t++)
        {
            sb.Append(t.ToString(CultureInfo.InvariantCulture).PadLeft(6));
            for (int q = 0; q < k; q++) sb.Append(confusion[t, q].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
