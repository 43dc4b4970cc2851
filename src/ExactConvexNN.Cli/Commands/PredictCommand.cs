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
/// the loss, the objective (when the file records its beta) and, for classifiers, the accuracy.
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
            double? loss = null, accuracy = null;
            if (dataset.Y is not null)
            {
                loss = ClassTargets.SquaredLoss(f, network.Targets(dataset.Y));
                if (network.Classes is int k) accuracy = ClassTargets.Accuracy(f, dataset.Y, k);
            }
            var predicted = network.PredictClasses(f);
            double? objective = loss is double l0 && network.FileBeta() is double b ? l0 + network.Regularizer(b) : null;
            if (pr.GetValue(json))
            {
                var result = new JsonObject
                {
                    ["predictions"] = new JsonArray(Enumerable.Range(0, n).Select(i => o == 1
                        ? (JsonNode)JsonValue.Create(f[i, 0])
                        : new JsonArray(Enumerable.Range(0, o).Select(t => (JsonNode)JsonValue.Create(f[i, t])).ToArray())).ToArray()),
                    ["loss"] = Json.Num(loss),
                    ["mse"] = loss is double l ? Json.Num(2 * l / (n * o)) : null,
                };
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
            if (loss is double l2)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"loss 1/2||f(X)-y||^2 = {l2:G10}, mean squared error {2 * l2 / (n * o):G6}") + (accuracy is double a2 ? string.Create(CultureInfo.InvariantCulture, $", accuracy {a2:P2}") : ""));
            return 0;
        }));
        return cmd;
    }
}
