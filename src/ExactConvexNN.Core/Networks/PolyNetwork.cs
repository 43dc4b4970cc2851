using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>One hidden neuron of a polynomial network: a unit-norm filter u and its second-layer weights.</summary>
/// <param name="U">First-layer weights (length p = the patch length, including the bias weight when fully connected with a bias).</param>
/// <param name="W">Second-layer weights, one per (pooling region r, output o), index r O + o.</param>
public sealed record PolyNeuron(double[] U, double[] W);

/// <summary>
/// A two-layer network with polynomial activation sigma(t) = a t^2 + b t + c (fully connected or convolutional with
/// average pooling, see <see cref="PolyArchitecture"/>) and its training objective
/// <code>
///   1/2 sum_{i,o} (f_o(x_i) - y_io)^2 + beta sum_j ||w_j||_1,   f_o(x) = sum_j sum_r w_{j,r,o} avg_{k in P_r} sigma(x_k'u_j).
/// </code>
/// The unit norm ||u_j|| = 1 is part of the model of Bartan &amp; Pilanci; <see cref="Create"/> does not enforce it
/// (the objective is defined for any u), <see cref="MaxNormDeviation"/> reports it.
/// </summary>
public sealed class PolyNetwork
{
    /// <summary>The shape: inputs, bias, outputs, image geometry and pooling regions.</summary>
    public PolyArchitecture Architecture { get; }
    /// <summary>The activation coefficients.</summary>
    public PolynomialActivation Activation { get; }
    /// <summary>The neurons.</summary>
    public IReadOnlyList<PolyNeuron> Neurons { get; }
    /// <summary>Number of classes K when the network classifies (labels 0..K-1, see <see cref="ClassTargets"/>); null for regression.</summary>
    public int? Classes { get; }
    /// <summary>Free-form facts kept in the network file: beta, data source, objective, ...</summary>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }

    private PolyNetwork(PolyArchitecture architecture, PolynomialActivation activation, IReadOnlyList<PolyNeuron> neurons, int? classes, IReadOnlyDictionary<string, JsonNode?> metadata)
    { Architecture = architecture; Activation = activation; Neurons = neurons; Classes = classes; Metadata = metadata; }

    /// <summary>Validates (weight lengths, finite values, classes consistent with the outputs) and builds the network.</summary>
    /// <exception cref="ArgumentException">A neuron has the wrong number of weights or a non-finite weight, or the classes do not match the outputs.</exception>
    public static PolyNetwork Create(PolyArchitecture architecture, PolynomialActivation activation, IReadOnlyList<PolyNeuron> neurons,
        int? classes = null, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(activation); ArgumentNullException.ThrowIfNull(neurons);
        if (!double.IsFinite(activation.A) || !double.IsFinite(activation.B) || !double.IsFinite(activation.C))
            throw new ArgumentException("the polynomial coefficients must be finite");
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U is null || nrn.U.Length != architecture.PatchLength) throw new ArgumentException($"neuron {j + 1} has {nrn.U?.Length ?? 0} first-layer weights, expected {architecture.PatchLength}");
            if (nrn.W is null || nrn.W.Length != architecture.WeightsPerNeuron) throw new ArgumentException($"neuron {j + 1} has {nrn.W?.Length ?? 0} second-layer weights, expected {architecture.WeightsPerNeuron} (regions x outputs)");
            if (nrn.U.Any(v => !double.IsFinite(v)) || nrn.W.Any(v => !double.IsFinite(v))) throw new ArgumentException($"neuron {j + 1} has a non-finite weight");
        }
        if (classes is int k && (k < 2 || ClassTargets.Outputs(k) != architecture.Outputs))
            throw new ArgumentException($"{k} classes need {(k < 2 ? "at least 2 classes" : $"{ClassTargets.Outputs(k)} outputs")}, the network has {architecture.Outputs}");
        return new PolyNetwork(architecture, activation, neurons.ToArray(), classes, metadata ?? new Dictionary<string, JsonNode?>());
    }

    /// <summary>Predictions f (n x O) for every row of the feature matrix (which must have <see cref="PolyArchitecture.Inputs"/> columns).</summary>
    /// <exception cref="InputException">The data has the wrong number of columns.</exception>
    public double[,] Predict(double[,] x) => PredictPatches(Architecture.ExtractPatches(x));

    /// <summary>Predictions from patches already extracted by <see cref="PolyArchitecture.ExtractPatches"/>.</summary>
    public double[,] PredictPatches(double[][] patches)
    {
        ArgumentNullException.ThrowIfNull(patches);
        var arch = Architecture;
        int n = patches.Length, p = arch.PatchLength, o = arch.Outputs, k = arch.Patches;
        for (int i = 0; i < n; i++)
            if (patches[i] is null || patches[i].Length != k * p) throw new ArgumentException($"sample {i + 1} has {patches[i]?.Length ?? 0} patch values, expected {k} x {p}");
        var f = new double[n, o];
        var act = new double[k];
        for (int i = 0; i < n; i++)
        {
            var xi = patches[i];
            foreach (var nrn in Neurons)
            {
                // act_k = sigma(x_k'u); f_o += sum_r w_{r,o} avg_{k in P_r} act_k.
                for (int q = 0; q < k; q++)
                {
                    double z = 0;
                    for (int c = 0; c < p; c++) z += xi[q * p + c] * nrn.U[c];
                    act[q] = Activation.Value(z);
                }
                for (int r = 0; r < arch.Regions.Count; r++)
                {
                    var region = arch.Regions[r];
                    double avg = 0;
                    foreach (int q in region) avg += act[q];
                    avg /= region.Length;
                    for (int t = 0; t < o; t++) f[i, t] += nrn.W[r * o + t] * avg;
                }
            }
        }
        return f;
    }

    /// <summary>beta sum_j ||w_j||_1.</summary>
    public double Regularizer(double beta) => beta * Neurons.Sum(nrn => nrn.W.Sum(Math.Abs));

    /// <summary>Largest | ||u_j|| - 1 | over the neurons (0 for none).</summary>
    public double MaxNormDeviation() => Neurons.Count == 0 ? 0 : Neurons.Max(nrn => Math.Abs(Math.Sqrt(nrn.U.Sum(v => v * v)) - 1));

    /// <summary>1/2 ||F - Y||_F^2 for predictions and targets of the same n x O shape.</summary>
    public static double Loss(double[,] f, double[,] y)
    {
        if (f.GetLength(0) != y.GetLength(0) || f.GetLength(1) != y.GetLength(1))
            throw new ArgumentException($"predictions are {f.GetLength(0)} x {f.GetLength(1)} but targets {y.GetLength(0)} x {y.GetLength(1)}");
        double loss = 0;
        for (int i = 0; i < f.GetLength(0); i++)
            for (int t = 0; t < f.GetLength(1); t++) loss += (f[i, t] - y[i, t]) * (f[i, t] - y[i, t]);
        return loss / 2;
    }

    /// <summary>The objective 1/2 ||f(X) - Y||^2 + beta sum_j ||w_j||_1 for targets Y (n x O).</summary>
    public double Objective(double[,] x, double[,] y, double beta) => Loss(Predict(x), y) + Regularizer(beta);

    /// <summary>
    /// The targets of a data set for this network: the target column itself (one output), or the encoded labels when
    /// the network classifies.
    /// </summary>
    /// <exception cref="InputException">No targets, or labels outside 0..K-1.</exception>
    public double[,] Targets(double[] y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (Classes is int k) return ClassTargets.Encode(y, k);
        if (Architecture.Outputs != 1) throw new InputException($"the network has {Architecture.Outputs} outputs but no classes; its targets cannot come from one column");
        return ClassTargets.Column(y);
    }

    /// <summary>The network as a JSON document (format "ecnn-network", version 1, activation "poly").</summary>
    public string ToJson()
    {
        var arch = Architecture;
        bool scalar = arch.WeightsPerNeuron == 1;
        var o = new JsonObject
        {
            ["format"] = "ecnn-network",
            ["version"] = 1,
            ["activation"] = "poly",
            ["poly"] = new JsonObject { ["a"] = Activation.A, ["b"] = Activation.B, ["c"] = Activation.C },
            ["inputs"] = arch.Inputs,
            ["bias"] = arch.Bias,
            ["outputs"] = arch.Outputs,
        };
        if (Classes is int k) o["classes"] = k;
        if (arch.Image is { } im)
            o["image"] = new JsonObject
            {
                ["channels"] = im.Channels, ["height"] = im.Height, ["width"] = im.Width,
                ["filter"] = im.Filter, ["stride"] = im.Stride, ["padding"] = im.Padding, ["pool"] = im.Pool,
            };
        o["neurons"] = new JsonArray(Neurons.Select(nrn => (JsonNode)new JsonObject
        {
            ["u"] = new JsonArray(nrn.U.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            ["w"] = scalar ? JsonValue.Create(nrn.W[0]) : new JsonArray(nrn.W.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
        }).ToArray());
        foreach (var (key, v) in Metadata) o[key] = v?.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>True when a network JSON document declares "activation": "poly" (false for relu files and unreadable text).</summary>
    public static bool IsPolyDocument(string json)
    {
        try { return JsonNode.Parse(json) is JsonObject o && o["activation"] is JsonValue v && v.TryGetValue(out string? s) && s == "poly"; }
        catch (JsonException) { return false; }
    }

    /// <summary>Reads a network file written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InputException">The file is missing, not JSON, or not a valid polynomial network.</exception>
    public static PolyNetwork Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"network file '{path}' not found; train one with 'ecnn train DATA --activation poly --beta B --out {path}'");
        return Parse(File.ReadAllText(path), path);
    }

    private static readonly string[] OwnKeys = ["format", "version", "activation", "poly", "inputs", "bias", "outputs", "classes", "image", "neurons"];

    /// <summary>Parses a polynomial network document; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InputException">Not JSON, or not a valid polynomial network.</exception>
    public static PolyNetwork Parse(string json, string source = "(network)")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InputException($"network file '{source}' is not valid JSON ({e.Message.Split('.')[0]})"); }
        if (root is not JsonObject o) throw new InputException($"network file '{source}' must hold a JSON object");
        string? activation = Get<string>(o, "activation", source, required: false);
        if (activation != "poly") throw new InputException($"network file '{source}' has activation '{activation ?? "relu"}', not 'poly'");
        if (o["poly"] is not JsonObject po) throw new InputException($"network file '{source}' needs \"poly\": {{\"a\": number, \"b\": number, \"c\": number}}");
        var act = new PolynomialActivation(Get<double>(po, "a", source), Get<double>(po, "b", source), Get<double>(po, "c", source));
        int inputs = Get<int>(o, "inputs", source);
        bool bias = Get<bool?>(o, "bias", source, required: false) ?? false;
        int outputs = Get<int?>(o, "outputs", source, required: false) ?? 1;
        int? classes = Get<int?>(o, "classes", source, required: false);
        PolyArchitecture arch;
        try
        {
            if (o["image"] is JsonObject im)
            {
                var shape = new ImageShape(Get<int>(im, "channels", source), Get<int>(im, "height", source), Get<int>(im, "width", source),
                    Get<int>(im, "filter", source), Get<int?>(im, "stride", source, false) ?? 1, Get<int?>(im, "padding", source, false) ?? 0,
                    Get<int?>(im, "pool", source, false) ?? 0);
                if (bias) throw new InputException("a convolutional network has no first-layer bias");
                arch = PolyArchitecture.Convolutional(shape, outputs);
                if (arch.Inputs != inputs) throw new InputException($"\"inputs\" is {inputs} but the image has {arch.Inputs} pixels");
            }
            else arch = PolyArchitecture.FullyConnected(inputs, bias, outputs);
        }
        catch (InputException e) { throw new InputException($"network file '{source}': {e.Message}"); }
        if (o["neurons"] is not JsonArray arr) throw new InputException($"network file '{source}' needs a \"neurons\" array of {{\"u\": [...], \"w\": number or [...]}}");
        var neurons = new List<PolyNeuron>();
        for (int j = 0; j < arr.Count; j++)
        {
            if (arr[j] is not JsonObject nj || nj["u"] is not JsonArray u || nj["w"] is null)
                throw new InputException($"network file '{source}': neuron {j + 1} needs \"u\" (an array) and \"w\" (a number or an array)");
            try
            {
                var uu = u.Select(v => v!.GetValue<double>()).ToArray();
                var ww = nj["w"] is JsonArray wa ? wa.Select(v => v!.GetValue<double>()).ToArray() : [nj["w"]!.GetValue<double>()];
                neurons.Add(new PolyNeuron(uu, ww));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            { throw new InputException($"network file '{source}': neuron {j + 1} has a non-numeric weight"); }
        }
        var meta = o.Where(kv => !OwnKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        try { return Create(arch, act, neurons, classes, meta); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }

    private static T Get<T>(JsonObject o, string key, string source, bool required = true) => NetworkJson.Get<T>(o, key, source, required);
}
