using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>One gated neuron: it contributes 1[x'g &gt;= 0] (x'u) w (summed over the patches of a CNN).</summary>
/// <param name="Gate">The fixed gate g (length p).</param>
/// <param name="U">First-layer weights (length p).</param>
/// <param name="W">Second-layer weight.</param>
public sealed record GatedNeuron(double[] Gate, double[] U, double W);

/// <summary>
/// A gated ReLU network (the model of the peer group-lasso solvers): f(x) = sum_j w_j sum_k 1[x_k'g_j &gt;= 0] (x_k'u_j),
/// with fixed gates g_j and trained weights (u_j, w_j), weight decay beta/2 sum_j (||u_j||^2 + w_j^2). A different network
/// from the ReLU one (the gate and the linear part have separate weights); with g_j = u_j it is the ReLU network.
/// </summary>
public sealed class GatedReluNetwork : INetwork
{
    /// <summary>The neurons.</summary>
    public IReadOnlyList<GatedNeuron> Neurons { get; }
    /// <inheritdoc/>
    public NetworkArchitecture Architecture { get; }
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }
    /// <inheritdoc/>
    public string Activation => "gated_relu";
    /// <inheritdoc/>
    public int NeuronCount => Neurons.Count;
    /// <inheritdoc/>
    public int? Classes => null;

    private GatedReluNetwork(IReadOnlyList<GatedNeuron> neurons, NetworkArchitecture architecture, IReadOnlyDictionary<string, JsonNode?> metadata)
    { Neurons = neurons; Architecture = architecture; Metadata = metadata; }

    /// <summary>Validates (lengths, finite values, one output and one pooling region) and builds the network.</summary>
    /// <exception cref="ArgumentException">A weight or gate of the wrong length or not finite, or an architecture a gated network does not have.</exception>
    public static GatedReluNetwork Create(NetworkArchitecture architecture, IReadOnlyList<GatedNeuron> neurons, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(neurons);
        if (architecture.Outputs != 1 || architecture.Regions.Count != 1)
            throw new ArgumentException("a gated ReLU network has one output and, as a CNN, one global sum-pooling region");
        int p = architecture.PatchLength;
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U.Length != p || nrn.Gate.Length != p) throw new ArgumentException($"neuron {j + 1} has {nrn.U.Length} weights and a gate of {nrn.Gate.Length}, expected {p} each");
            if (!double.IsFinite(nrn.W) || nrn.U.Any(v => !double.IsFinite(v)) || nrn.Gate.Any(v => !double.IsFinite(v)))
                throw new ArgumentException($"neuron {j + 1} has a non-finite weight or gate");
        }
        return new GatedReluNetwork(neurons.ToArray(), architecture, metadata ?? new Dictionary<string, JsonNode?>());
    }

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x)
    {
        var patches = Architecture.ExtractPatches(x);
        int n = patches.Length, p = Architecture.PatchLength, kk = Architecture.Patches;
        var f = new double[n, 1];
        for (int i = 0; i < n; i++)
            foreach (var nrn in Neurons)
            {
                // sum_k 1[x_k'g >= 0] x_k'u, times w.
                double s = 0;
                for (int q = 0; q < kk; q++)
                {
                    double gz = 0, z = 0;
                    for (int c = 0; c < p; c++) { gz += patches[i][q * p + c] * nrn.Gate[c]; z += patches[i][q * p + c] * nrn.U[c]; }
                    if (gz >= 0) s += z;
                }
                f[i, 0] += s * nrn.W;
            }
        return f;
    }

    /// <summary>beta/2 sum_j (||u_j||^2 + w_j^2).</summary>
    public double Regularizer(double beta) => beta / 2 * Neurons.Sum(nrn => nrn.U.Sum(v => v * v) + nrn.W * nrn.W);

    /// <summary>The network file ("activation": "gated_relu", each neuron with its "gate").</summary>
    public string ToJson() => NetworkJson.Write(this, Neurons.Select(n => (n.U, new[] { n.W })), null,
        j => new JsonObject { ["gate"] = new JsonArray(Neurons[j].Gate.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) });

    /// <summary>The network of a parsed document.</summary>
    /// <exception cref="InputException">Not a valid gated ReLU network.</exception>
    public static GatedReluNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        string activation = NetworkJson.Activation(o, source);
        if (activation != "gated_relu") throw new InputException($"network file '{source}' has activation '{activation}', not 'gated_relu'");
        var arch = NetworkJson.ReadArchitecture(o, source, sumPooling: true);
        var neurons = new List<GatedNeuron>();
        foreach (var (u, w) in NetworkJson.ReadNeurons(o, source))
        {
            if (w.Length != 1) throw new InputException($"network file '{source}': neuron {neurons.Count + 1} of a gated ReLU network needs one number \"w\"");
            neurons.Add(new GatedNeuron(NetworkJson.NeuronArray(o, neurons.Count, "gate", source), u, w[0]));
        }
        try { return Create(arch, neurons, NetworkJson.Metadata(o)); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }
}
