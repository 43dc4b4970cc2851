using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Commands;

/// <summary><c>ecnn predict NET.json DATA [--target NAME] [--json]</c>: predictions of a saved network, and the loss when the data has targets.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var net = new Argument<FileInfo>("network") { Description = "network file written by 'ecnn train --out'" };
        var data = new Argument<FileInfo>("data") { Description = "CSV file with the network's features, and optionally a target column (last, or --target)" };
        var target = new Option<string?>("--target") { Description = "name of the target column" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("predict", "Print a trained network's predictions on data (and the loss when the data has targets).") { net, data, target, json };
        var selection = new DataSelectionOptions();
        selection.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            var netPath = pr.GetValue(net)!.FullName;
            if (File.Exists(netPath) && PolyNetwork.IsPolyDocument(File.ReadAllText(netPath)))
                return PredictPoly(PolyNetwork.Load(netPath), pr.GetValue(data)!.FullName, pr.GetValue(target), selection.Parse(pr), pr.GetValue(json));
            var network = TwoLayerReluNetwork.Load(netPath);
            var path = pr.GetValue(data)!.FullName;
            string? name = pr.GetValue(target);
            // Without --target: a file with exactly the network's inputs has no target; one more column is the target.
            var probe = CsvDataReader.Read(path, name, name is null ? TargetMode.None : TargetMode.Named);
            var dataset = selection.Parse(pr).Apply(name is null && probe.Columns == network.Inputs + 1 ? CsvDataReader.Read(path) : probe);
            if (dataset.Columns != network.Inputs)
                throw new InputException($"the data has {dataset.Columns} feature columns but the network takes {network.Inputs}; give data with the training features (and the target last)");
            var f = network.Predict(dataset.X);
            double? loss = null;
            if (dataset.Y is not null) loss = f.Zip(dataset.Y, (a, b) => (a - b) * (a - b)).Sum() / 2;
            if (pr.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["predictions"] = new JsonArray(f.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
                    ["loss"] = loss,
                    ["mse"] = loss is double l ? 2 * l / f.Length : null,
                };
                if (loss is double l2 && network.Metadata.TryGetValue("beta", out var betaNode) && betaNode is not null)
                    o["objective"] = l2 + network.Regularizer(betaNode.GetValue<double>());
                Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var v in f) Console.WriteLine(v.ToString("G10", CultureInfo.InvariantCulture));
                if (loss is double l) Console.Error.WriteLine($"loss 1/2||f(X)-y||^2 = {l:G10}, mean squared error {2 * l / f.Length:G6}");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>Predictions of a polynomial network; loss, objective and (when it classifies) accuracy when the data has targets.</summary>
    private static int PredictPoly(PolyNetwork network, string path, string? name, DataSelection select, bool asJson)
    {
        int inputs = network.Architecture.Inputs, o = network.Architecture.Outputs;
        var probe = CsvDataReader.Read(path, name, name is null ? TargetMode.None : TargetMode.Named);
        var dataset = select.Apply(name is null && probe.Columns == inputs + 1 ? CsvDataReader.Read(path) : probe);
        if (dataset.Columns != inputs)
            throw new InputException($"the data has {dataset.Columns} feature columns but the network takes {inputs}; give data with the training features (and the target last)");
        var f = network.Predict(dataset.X);
        int n = f.GetLength(0);
        double? loss = null, accuracy = null;
        if (dataset.Y is not null)
        {
            loss = PolyNetwork.Loss(f, network.Targets(dataset.Y));
            if (network.Classes is int k) accuracy = ClassTargets.Accuracy(f, dataset.Y, k);
        }
        var row = new double[o];
        int[]? predicted = network.Classes is int kc
            ? Enumerable.Range(0, n).Select(i => { for (int t = 0; t < o; t++) row[t] = f[i, t]; return ClassTargets.Decode(row, kc); }).ToArray()
            : null;
        if (asJson)
        {
            var result = new JsonObject
            {
                ["predictions"] = new JsonArray(Enumerable.Range(0, n).Select(i => o == 1
                    ? (JsonNode)JsonValue.Create(f[i, 0])
                    : new JsonArray(Enumerable.Range(0, o).Select(t => (JsonNode)JsonValue.Create(f[i, t])).ToArray())).ToArray()),
                ["loss"] = loss,
                ["mse"] = loss is double l ? 2 * l / (n * o) : null,
            };
            if (predicted is not null) result["classes"] = new JsonArray(predicted.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
            if (accuracy is double a) result["accuracy"] = a;
            if (loss is double l2 && network.Metadata.TryGetValue("beta", out var betaNode) && betaNode is not null)
                result["objective"] = l2 + network.Regularizer(betaNode.GetValue<double>());
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                var line = string.Join(",", Enumerable.Range(0, o).Select(t => f[i, t].ToString("G10", CultureInfo.InvariantCulture)));
                Console.WriteLine(predicted is null ? line : $"{line}  class {predicted[i]}");
            }
            if (loss is double l) Console.Error.WriteLine($"loss 1/2||f(X)-y||^2 = {l:G10}, mean squared error {2 * l / (n * o):G6}" + (accuracy is double a ? $", accuracy {a:P2}" : ""));
        }
        return 0;
    }
}
