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
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            var network = TwoLayerReluNetwork.Load(pr.GetValue(net)!.FullName);
            var path = pr.GetValue(data)!.FullName;
            string? name = pr.GetValue(target);
            // Without --target: a file with exactly the network's inputs has no target; one more column is the target.
            var probe = CsvDataReader.Read(path, name, name is null ? TargetMode.None : TargetMode.Named);
            var dataset = name is null && probe.Columns == network.Inputs + 1 ? CsvDataReader.Read(path) : probe;
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
}
