using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>One hidden neuron of a vector-output ReLU network: every output o of f gets (x'u)_+ w_o.</summary>
/// <param name="U">First-layer weights (length d, including the bias weight when the network has a bias).</param>
/// <param name="W">Second-layer weights, one per output.</param>
public sealed record VectorNeuron(double[] U, double[] W);

/// <summary>
/// A two-layer ReLU network whose hidden neurons are shared by all O outputs, fully connected:
/// <code>
///   f(x) = sum_j (x'u_j)_+ w_j',   w_j in R^O,   objective 1/2 ||f(X) - Y||_F^2 + beta/2 sum_j (||u_j||^2 + ||w_j||^2)
/// </code>
/// (with a bias, x is extended by a trailing 1). Unlike <see cref="TwoLayerReluNetwork"/> with several outputs (O
/// sub-networks that share nothing), each neuron here feeds every output. Its file is the ReLU network file with
/// <c>"vector_output": true</c> and <c>"w"</c> an array of O numbers (a number when O = 1).
/// </summary>
public sealed class VectorReluNetwork : INetwork
{
    /// <summary>The file key that marks a vector-output network.</summary>
    public const string FileKey = "vector_output";

    /// <summary>The neurons.</summary>
    public IReadOnlyList<VectorNeuron> Neurons { get; }
    /// <inheritdoc/>
    public NetworkArchitecture Architecture { get; }
    /// <inheritdoc/>
    public string Activation => "relu";
    /// <inheritdoc/>
    public int NeuronCount => Neurons.Count;
    /// <inheritdoc/>
    public int? Classes { get; }
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }

    private VectorReluNetwork(NetworkArchitecture architecture, IReadOnlyList<VectorNeuron> neurons, int? classes, IReadOnlyDictionary<string, JsonNode?> metadata)
    { Architecture = architecture; Neurons = neurons; Classes = classes; Metadata = metadata; }

    /// <summary>Validates (fully connected, weights of the right lengths and finite, classes that fit the outputs) and builds the network.</summary>
    /// <exception cref="ArgumentException">A weight of the wrong length or not finite, a CNN, or classes that do not fit the outputs.</exception>
    public static VectorReluNetwork Create(NetworkArchitecture architecture, IReadOnlyList<VectorNeuron> neurons, int? classes = null, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(neurons);
        if (architecture.Image is not null) throw new ArgumentException("a vector-output ReLU network is fully connected");
        if (classes is int k && (k < 2 || ClassTargets.Outputs(k) != architecture.Outputs))
            throw new ArgumentException($"{k} classes need {(k < 2 ? "at least 2 classes" : $"{ClassTargets.Outputs(k)} outputs")}, the network has {architecture.Outputs}");
        if (classes is null && architecture.Outputs != 1)
            throw new ArgumentException($"a network with {architecture.Outputs} outputs takes its targets from \"classes\" (one-hot); give \"classes\"");
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U is null || nrn.U.Length != architecture.PatchLength) throw new ArgumentException($"neuron {j + 1} has {nrn.U?.Length ?? 0} first-layer weights, expected {architecture.PatchLength}");
            if (nrn.W is null || nrn.W.Length != architecture.Outputs) throw new ArgumentException($"neuron {j + 1} has {nrn.W?.Length ?? 0} output weights, expected {architecture.Outputs}");
            if (nrn.U.Any(v => !double.IsFinite(v)) || nrn.W.Any(v => !double.IsFinite(v))) throw new ArgumentException($"neuron {j + 1} has a non-finite weight");
        }
        return new VectorReluNetwork(architecture, neurons.ToArray(), classes, metadata ?? new Dictionary<string, JsonNode?>());
    }

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1), inputs = Architecture.Inputs, o = Architecture.Outputs;
        if (d != inputs) throw new InputException($"the data has {d} feature columns but the network takes {inputs}; use data with the network's features (and --bias only if the network has one)");
        var f = new double[n, o];
        // f(x_i) = sum_j (x_i'u_j)_+ w_j', with the bias weight last.
        for (int i = 0; i < n; i++)
            foreach (var nrn in Neurons)
            {
                double z = Architecture.Bias ? nrn.U[inputs] : 0;
                for (int c = 0; c < inputs; c++) z += x[i, c] * nrn.U[c];
                if (z <= 0) continue;
                for (int t = 0; t < o; t++) f[i, t] += z * nrn.W[t];
            }
        return f;
    }

    /// <summary>beta/2 sum_j (||u_j||^2 + ||w_j||^2).</summary>
    public double Regularizer(double beta) => beta / 2 * Neurons.Sum(nrn => nrn.U.Sum(v => v * v) + nrn.W.Sum(v => v * v));

    /// <inheritdoc/>
    public string ToJson() => NetworkJson.Write(this, Neurons.Select(n => (n.U, n.W)), new JsonObject { [FileKey] = true });

    /// <summary>True when a parsed network document is a vector-output ReLU network (<c>"vector_output": true</c>).</summary>
    public static bool Describes(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document[FileKey] is JsonValue v && v.TryGetValue(out bool b) && b;
    }

    /// <summary>The network of a parsed document.</summary>
    /// <exception cref="InputException">Not a valid vector-output ReLU network.</exception>
    public static VectorReluNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        string activation = NetworkJson.Activation(o, source);
        if (activation != "relu") throw new InputException($"network file '{source}' has \"{FileKey}\" and activation '{activation}'; vector-output networks are relu");
        if (NetworkJson.Layers(o, source) != 2) throw new InputException($"network file '{source}' has \"{FileKey}\"; vector-output networks have 2 layers");
        var arch = NetworkJson.ReadArchitecture(o, source, sumPooling: true);
        int? classes = NetworkJson.Get<int?>(o, "classes", source, required: false);
        var neurons = NetworkJson.ReadNeurons(o, source).Select(n => new VectorNeuron(n.U, n.W)).ToList();
        try { return Create(arch, neurons, classes, NetworkJson.Metadata(o)); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }
}
