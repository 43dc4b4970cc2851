using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// The network file (format "ecnn-network", version 1), written and read once for every family:
/// <code>
///   { "format": "ecnn-network", "version": 1, "activation": "relu" | "poly", ["poly": {a, b, c}],
///     "architecture": "fc" | "cnn", "inputs": d, "bias": bool, "outputs": O, ["classes": K],
///     ["image": {channels, height, width, filter, stride, padding, pool}] | ["signal": {channels, length, filter, stride, padding, pool}],
///     "neurons": [ {"u": [...], "w": number or [R O numbers]} ], ...metadata }
/// </code>
/// Only "inputs" and "neurons" are required; other keys are kept as metadata.
/// </summary>
public static class NetworkJson
{
    /// <summary>The keys the format itself defines (everything else is metadata).</summary>
    private static readonly string[] OwnKeys = ["format", "version", "activation", "poly", "architecture", "inputs", "bias", "outputs", "classes", "image", "signal", "neurons", "layers", "units", "batch_norm", "vector_output"];

    /// <summary>The file of a network with the given neurons (u_j, w_j) and family-specific keys.</summary>
    internal static string Write(INetwork network, IEnumerable<(double[] U, double[] W)> neurons, JsonObject? familyKeys = null,
        Func<int, JsonObject?>? neuronKeys = null)
    {
        var arch = network.Architecture;
        var o = new JsonObject
        {
            ["format"] = "ecnn-network",
            ["version"] = 1,
            ["activation"] = network.Activation,
        };
        if (familyKeys is not null) foreach (var (k, v) in familyKeys) o[k] = v?.DeepClone();
        o["architecture"] = arch.Kind;
        o["inputs"] = arch.Inputs;
        o["bias"] = arch.Bias;
        o["outputs"] = arch.Outputs;
        if (network.Classes is int k2) o["classes"] = k2;
        if (arch.Image is { } im)
            o[im.Signal ? "signal" : "image"] = im.Signal
                ? new JsonObject { ["channels"] = im.Channels, ["length"] = im.Width, ["filter"] = im.Filter, ["stride"] = im.Stride, ["padding"] = im.Padding, ["pool"] = im.Pool }
                : new JsonObject { ["channels"] = im.Channels, ["height"] = im.Height, ["width"] = im.Width, ["filter"] = im.Filter, ["stride"] = im.Stride, ["padding"] = im.Padding, ["pool"] = im.Pool };
        bool scalar = arch.WeightsPerNeuron == 1;
        o["neurons"] = new JsonArray(neurons.Select((n, j) =>
        {
            var neuron = new JsonObject
            {
                ["u"] = new JsonArray(n.U.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
                ["w"] = scalar ? JsonValue.Create(n.W[0]) : new JsonArray(n.W.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            };
            foreach (var (k, v) in neuronKeys?.Invoke(j) ?? []) neuron[k] = v?.DeepClone();
            return (JsonNode)neuron;
        }).ToArray());
        foreach (var (key, v) in network.Metadata) o[key] = v?.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a network file's text as a JSON object.</summary>
    /// <exception cref="InputException">The file is missing or not a JSON object.</exception>
    public static JsonObject ReadFile(string path)
    {
        if (!File.Exists(path)) throw new InputException($"network file '{path}' not found; train one with 'ecnn train DATA --beta B --out {path}'");
        return ParseObject(File.ReadAllText(path), path);
    }

    /// <summary>Parses a network document as a JSON object; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InputException">Not JSON, or not an object.</exception>
    public static JsonObject ParseObject(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
            // Objects are read lazily; a repeated key only shows when they are: read them all here.
            Walk(root);
        }
        catch (JsonException e)
        {
            string why = string.Join(' ', e.Message.Split('.')[0].Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
            throw new InputException($"network file '{source}' is not valid JSON ({why}); write it as {{\"inputs\": d, \"bias\": false, \"neurons\": [{{\"u\": [...], \"w\": 1}}]}}");
        }
        catch (ArgumentException)
        {
            throw new InputException($"network file '{source}' repeats a key inside one object; give each key once");
        }
        return root as JsonObject ?? throw new InputException($"network file '{source}' must hold a JSON object with \"inputs\", \"bias\" and \"neurons\"");
    }

    /// <summary>Reads every object and array of the document (which makes the parser check each object's keys).</summary>
    private static void Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o: foreach (var (_, v) in o) Walk(v); break;
            case JsonArray a: foreach (var v in a) Walk(v); break;
        }
    }

    /// <summary>The document's "activation" ("relu" when absent).</summary>
    /// <exception cref="InputException">"activation" is not a string.</exception>
    public static string Activation(JsonObject o, string source) => Get<string>(o, "activation", source, required: false) ?? "relu";

    /// <summary>The document's "layers" (2 when absent): 3 for a three-layer network.</summary>
    /// <exception cref="InputException">"layers" is not 2 or 3.</exception>
    public static int Layers(JsonObject o, string source)
    {
        int layers = Get<int?>(o, "layers", source, required: false) ?? 2;
        if (layers is not (2 or 3)) throw new InputException($"network file '{source}' has \"layers\": {layers}; ecnn reads networks of 2 or 3 layers");
        return layers;
    }

    /// <summary>The architecture the document declares ("image" or "signal" make a CNN).</summary>
    /// <exception cref="InputException">Missing or ill-typed sizes, or an inconsistent shape.</exception>
    internal static NetworkArchitecture ReadArchitecture(JsonObject o, string source, bool sumPooling)
    {
        int inputs = Get<int>(o, "inputs", source);
        bool bias = Get<bool?>(o, "bias", source, required: false) ?? false;
        int outputs = Get<int?>(o, "outputs", source, required: false) ?? 1;
        string? kind = Get<string>(o, "architecture", source, required: false);
        try
        {
            ImageShape? shape = null;
            if (o["image"] is JsonObject im)
                shape = new ImageShape(Get<int>(im, "channels", source), Get<int>(im, "height", source), Get<int>(im, "width", source),
                    Get<int>(im, "filter", source), Get<int?>(im, "stride", source, false) ?? 1, Get<int?>(im, "padding", source, false) ?? 0,
                    Get<int?>(im, "pool", source, false) ?? 0);
            else if (o["signal"] is JsonObject sg)
                shape = ImageShape.ForSignal(Get<int>(sg, "channels", source), Get<int>(sg, "length", source), Get<int>(sg, "filter", source),
                    Get<int?>(sg, "stride", source, false) ?? 1, Get<int?>(sg, "padding", source, false) ?? 0, Get<int?>(sg, "pool", source, false) ?? 0);
            if (kind is not (null or "fc" or "cnn")) throw new InputException($"\"architecture\" is '{kind}'; use \"fc\" or \"cnn\"");
            if (kind == "cnn" && shape is null) throw new InputException("\"architecture\": \"cnn\" needs \"image\" or \"signal\"");
            if (shape is null) return NetworkArchitecture.FullyConnected(inputs, bias, outputs);
            if (bias) throw new InputException("a convolutional network has no first-layer bias");
            var arch = NetworkArchitecture.Convolutional(shape, outputs, sumPooling);
            if (arch.Inputs != inputs) throw new InputException($"\"inputs\" is {inputs} but the {(shape.Signal ? "signal" : "image")} has {arch.Inputs} values");
            return arch;
        }
        catch (InputException e) when (!e.Message.StartsWith("network file", StringComparison.Ordinal))
        {
            throw new InputException($"network file '{source}': {e.Message}");
        }
    }

    /// <summary>The neurons (u_j, w_j) of the document; "w" may be a number or an array.</summary>
    /// <exception cref="InputException">A missing or non-numeric weight.</exception>
    internal static List<(double[] U, double[] W)> ReadNeurons(JsonObject o, string source)
    {
        if (o["neurons"] is not JsonArray arr) throw new InputException($"network file '{source}' needs a \"neurons\" array of {{\"u\": [...], \"w\": number}}");
        var neurons = new List<(double[], double[])>();
        for (int j = 0; j < arr.Count; j++)
        {
            if (arr[j] is not JsonObject nj || nj["u"] is not JsonArray u || nj["w"] is null)
                throw new InputException($"network file '{source}': neuron {j + 1} needs \"u\" (an array) and \"w\" (a number or an array)");
            try
            {
                var uu = u.Select(v => v!.GetValue<double>()).ToArray();
                var ww = nj["w"] is JsonArray wa ? wa.Select(v => v!.GetValue<double>()).ToArray() : [nj["w"]!.GetValue<double>()];
                neurons.Add((uu, ww));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            { throw new InputException($"network file '{source}': neuron {j + 1} has a non-numeric weight"); }
        }
        return neurons;
    }

    /// <summary>The numbers of the array <paramref name="key"/> of neuron <paramref name="j"/> (a family's own per-neuron key, such as a gate).</summary>
    /// <exception cref="InputException">The key is missing or not an array of numbers.</exception>
    internal static double[] NeuronArray(JsonObject o, int j, string key, string source)
    {
        if (o["neurons"] is not JsonArray arr || j >= arr.Count || arr[j] is not JsonObject nj || nj[key] is not JsonArray values)
            throw new InputException($"network file '{source}': neuron {j + 1} needs \"{key}\" (an array of numbers)");
        try { return values.Select(v => v!.GetValue<double>()).ToArray(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        { throw new InputException($"network file '{source}': neuron {j + 1} has a non-numeric \"{key}\""); }
    }

    /// <summary>
    /// The output a neuron of a network with <paramref name="outputs"/> sub-networks feeds: the one nonzero entry of its
    /// "w" (0 when all are 0). A K-output ReLU network is K sub-networks: each neuron feeds one output.
    /// </summary>
    /// <exception cref="InputException">"w" has another length, or several nonzero entries.</exception>
    internal static int OutputOf(double[] w, int outputs, int j, string source)
    {
        if (w.Length != outputs)
            throw new InputException(outputs == 1
                ? $"network file '{source}': neuron {j + 1} needs one number \"w\""
                : $"network file '{source}': neuron {j + 1} needs \"w\" with {outputs} numbers, one per output");
        int feeds = Array.FindIndex(w, v => v != 0);
        if (feeds >= 0 && Array.FindLastIndex(w, v => v != 0) != feeds)
            throw new InputException($"network file '{source}': neuron {j + 1} feeds several outputs; a network with {outputs} outputs is {outputs} sub-networks, each neuron with one nonzero output weight (split the neuron, one copy per output)");
        return Math.Max(feeds, 0);
    }

    /// <summary>The number <paramref name="key"/> of neuron <paramref name="j"/> (a family's own per-neuron scalar, such as a BN gamma).</summary>
    /// <exception cref="InputException">The key is missing or not a finite number.</exception>
    internal static double NeuronNumber(JsonObject o, int j, string key, string source)
    {
        if (o["neurons"] is not JsonArray arr || j >= arr.Count || arr[j] is not JsonObject nj || nj[key] is not JsonValue value
            || !value.TryGetValue(out double v) || !double.IsFinite(v))
            throw new InputException($"network file '{source}': neuron {j + 1} needs \"{key}\" (a finite number)");
        return v;
    }

    /// <summary>Every key of the document that the format does not define.</summary>
    internal static Dictionary<string, JsonNode?> Metadata(JsonObject o) =>
        o.Where(kv => !OwnKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());

    /// <summary>The value of <paramref name="key"/> as T; default when it is absent and not required.</summary>
    /// <exception cref="InputException">A required key is missing, or a key has the wrong type.</exception>
    public static T Get<T>(JsonObject o, string key, string source, bool required = true)
    {
        var node = o[key];
        if (node is null)
        {
            if (required) throw new InputException($"network file '{source}' is missing \"{key}\"");
            return default!;
        }
        try { return node.GetValue<T>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new InputException($"network file '{source}': \"{key}\" has the wrong type ({node.ToJsonString()})"); }
    }
}
