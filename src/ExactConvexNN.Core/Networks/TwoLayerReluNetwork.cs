using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>One hidden neuron: f contributes (x'u)_+ * w.</summary>
/// <param name="U">First-layer weights (length d, including the bias weight when the network has a bias).</param>
/// <param name="W">Second-layer weight.</param>
public sealed record Neuron(double[] U, double W);

/// <summary>
/// A two-layer ReLU network f(x) = sum_j (x'u_j)_+ w_j with scalar output, and its training objective
/// 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2). With <see cref="Bias"/>, x is extended by a trailing 1
/// (the first-layer bias is the last entry of each u_j).
/// </summary>
public sealed class TwoLayerReluNetwork
{
    /// <summary>The neurons.</summary>
    public IReadOnlyList<Neuron> Neurons { get; }
    /// <summary>Number of input features d (without the bias column).</summary>
    public int Inputs { get; }
    /// <summary>True when each neuron has a first-layer bias (x is extended by a 1).</summary>
    public bool Bias { get; }

    /// <summary>Free-form facts kept in the network file: beta, data source, training objective, ...</summary>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }

    private TwoLayerReluNetwork(IReadOnlyList<Neuron> neurons, int inputs, bool bias, IReadOnlyDictionary<string, JsonNode?> metadata)
    { Neurons = neurons; Inputs = inputs; Bias = bias; Metadata = metadata; }

    /// <summary>Validates (every u has length d (+1 with bias), every value finite) and builds the network.</summary>
    public static TwoLayerReluNetwork Create(IReadOnlyList<Neuron> neurons, int inputs, bool bias, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(neurons);
        if (inputs < 1) throw new ArgumentException($"a network needs at least one input, got {inputs}");
        int width = inputs + (bias ? 1 : 0);
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U.Length != width) throw new ArgumentException($"neuron {j + 1} has {nrn.U.Length} first-layer weights, expected {width}");
            if (!double.IsFinite(nrn.W) || nrn.U.Any(v => !double.IsFinite(v))) throw new ArgumentException($"neuron {j + 1} has a non-finite weight");
        }
        return new TwoLayerReluNetwork(neurons.ToArray(), inputs, bias, metadata ?? new Dictionary<string, JsonNode?>());
    }

    /// <summary>f(x) for one sample of d features.</summary>
    public double Predict(ReadOnlySpan<double> x)
    {
        double f = 0;
        foreach (var nrn in Neurons)
        {
            // (x'u)_+ w, with the bias weight last.
            double z = Bias ? nrn.U[Inputs] : 0;
            for (int i = 0; i < Inputs; i++) z += x[i] * nrn.U[i];
            if (z > 0) f += z * nrn.W;
        }
        return f;
    }

    /// <summary>Predictions for every row of the feature matrix (which must have <see cref="Inputs"/> columns).</summary>
    public double[] Predict(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        if (d != Inputs) throw new InputException($"the data has {d} feature columns but the network takes {Inputs}; use data with the network's features (and --bias only if the network has one)");
        var row = new double[d];
        var f = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) row[j] = x[i, j];
            f[i] = Predict(row);
        }
        return f;
    }

    /// <summary>beta/2 sum_j (||u_j||^2 + w_j^2).</summary>
    public double Regularizer(double beta) => beta / 2 * Neurons.Sum(nrn => nrn.U.Sum(v => v * v) + nrn.W * nrn.W);

    /// <summary>The training objective 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2) on a data set with targets.</summary>
    public double Objective(double[,] x, double[] y, double beta)
    {
        var f = Predict(x);
        if (y.Length != f.Length) throw new ArgumentException($"{f.Length} samples but {y.Length} targets");
        double loss = 0;
        for (int i = 0; i < f.Length; i++) loss += (f[i] - y[i]) * (f[i] - y[i]);
        return loss / 2 + Regularizer(beta);
    }

    /// <summary>The objective on a data set (features without the bias column, targets required).</summary>
    public double Objective(Dataset data, double beta)
    {
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; the objective needs targets");
        return Objective(data.X, data.Y, beta);
    }

    /// <summary>The network as a JSON document (format "ecnn-network", version 1).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["format"] = "ecnn-network",
            ["version"] = 1,
            ["activation"] = "relu",
            ["inputs"] = Inputs,
            ["bias"] = Bias,
            ["neurons"] = new JsonArray(Neurons.Select(nrn => (JsonNode)new JsonObject
            {
                ["u"] = new JsonArray(nrn.U.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
                ["w"] = nrn.W,
            }).ToArray()),
        };
        foreach (var (k, v) in Metadata) o[k] = v?.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a network file written by <see cref="ToJson"/> (or by another tool in the same format).</summary>
    /// <exception cref="InputException">The file is missing, not JSON, or not a valid network.</exception>
    public static TwoLayerReluNetwork Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"network file '{path}' not found; train one with 'ecnn train DATA --beta B --out {path}'");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses a network JSON document; <paramref name="source"/> names it in error messages.</summary>
    public static TwoLayerReluNetwork Parse(string json, string source = "(network)")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InputException($"network file '{source}' is not valid JSON ({e.Message.Split('.')[0]}); write it as {{\"inputs\": d, \"bias\": false, \"neurons\": [{{\"u\": [...], \"w\": 1}}]}}"); }
        if (root is not JsonObject o) throw new InputException($"network file '{source}' must hold a JSON object with \"inputs\", \"bias\" and \"neurons\"");
        string? activation = Get<string>(o, "activation", source, required: false);
        if (activation is not null && activation != "relu") throw new InputException($"network file '{source}' has activation '{activation}'; only relu networks are read here");
        int inputs = Get<int>(o, "inputs", source);
        bool bias = Get<bool?>(o, "bias", source, required: false) ?? false;
        if (o["neurons"] is not JsonArray arr) throw new InputException($"network file '{source}' needs a \"neurons\" array of {{\"u\": [...], \"w\": number}}");
        var neurons = new List<Neuron>();
        for (int j = 0; j < arr.Count; j++)
        {
            if (arr[j] is not JsonObject nj || nj["u"] is not JsonArray u) throw new InputException($"network file '{source}': neuron {j + 1} needs \"u\" (an array) and \"w\" (a number)");
            double[] weights;
            try { weights = u.Select(v => v!.GetValue<double>()).ToArray(); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            { throw new InputException($"network file '{source}': neuron {j + 1} has a non-numeric entry in \"u\""); }
            double w = Get<double>(nj, "w", $"{source}: neuron {j + 1}");
            neurons.Add(new Neuron(weights, w));
        }
        var meta = o.Where(kv => kv.Key is not ("format" or "version" or "activation" or "inputs" or "bias" or "neurons"))
            .ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        try { return Create(neurons, inputs, bias, meta); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }

    private static T Get<T>(JsonObject o, string key, string source, bool required = true) => NetworkJson.Get<T>(o, key, source, required);
}
