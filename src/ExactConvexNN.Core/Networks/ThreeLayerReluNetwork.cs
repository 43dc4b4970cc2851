using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>One first-layer neuron of a three-layer network: it feeds (x'U)_+ W into its second-layer unit.</summary>
/// <param name="U">First-layer weights (length d, with the bias weight last when the network has a bias).</param>
/// <param name="W">Weight into its unit.</param>
/// <param name="Unit">Index of its second-layer unit.</param>
public sealed record FirstLayerNeuron(double[] U, double W, int Unit);

/// <summary>
/// A three-layer ReLU network of parallel sub-networks (Ergen &amp; Pilanci, ICML 2021), fully connected or convolutional:
/// <code>
///   f(x) = sum_k c_k ( sum_(l in unit k) (x'u_l)_+ w_l )_+                  fully connected
///   f(x) = sum_k c_k ( sum_(l in unit k) w_l sum_q (x_q'u_l)_+ )_+          CNN: filters u_l over the patches x_q
/// </code>
/// unit k having first-layer weights W_k = [u_l], second-layer weights w_k = [w_l] and output weight c_k. Its training
/// objective is
/// <code>
///   1/2 ||f(X) - y||^2 + beta sum_k ||W_k||_F ||w_k||_2 |c_k|,
/// </code>
/// which is invariant to rescaling the layers of a unit and equals the weight decay beta/2 sum_k (||w_k||^2 + c_k^2) of
/// the normalization ||W_k||_F = 1 once w_k and c_k are balanced (the form the convex program is exact for; see
/// docs/three-layer.md). A two-layer network is the case of one neuron per unit with w = 1.
/// </summary>
public sealed class ThreeLayerReluNetwork : INetwork
{
    /// <summary>The first-layer neurons.</summary>
    public IReadOnlyList<FirstLayerNeuron> Neurons { get; }
    /// <summary>The output weights c_k of the second-layer units.</summary>
    public IReadOnlyList<double> UnitWeights { get; }
    /// <inheritdoc/>
    public NetworkArchitecture Architecture { get; }
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }
    /// <inheritdoc/>
    public string Activation => "relu";
    /// <inheritdoc/>
    public int Layers => 3;
    /// <summary>Number of second-layer units (parallel sub-networks) with at least one neuron.</summary>
    public int Units => UnitWeights.Count;
    /// <inheritdoc/>
    public int NeuronCount => Neurons.Count;
    /// <inheritdoc/>
    public int? Classes => null;

    private ThreeLayerReluNetwork(FirstLayerNeuron[] neurons, double[] unitWeights, NetworkArchitecture architecture, IReadOnlyDictionary<string, JsonNode?> metadata)
    { Neurons = neurons; UnitWeights = unitWeights; Architecture = architecture; Metadata = metadata; }

    /// <summary>Validates (fully connected, one output, weights of the input length, finite, units in range) and builds the network.</summary>
    /// <exception cref="ArgumentException">An invalid weight, unit index or architecture.</exception>
    public static ThreeLayerReluNetwork Create(NetworkArchitecture architecture, IReadOnlyList<FirstLayerNeuron> neurons, IReadOnlyList<double> unitWeights,
        IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(neurons); ArgumentNullException.ThrowIfNull(unitWeights);
        if (architecture.Outputs != 1 || architecture.Regions.Count != 1 || (architecture.Image is not null && !architecture.SumPooling))
            throw new ArgumentException("a three-layer ReLU network has one output and, as a CNN, one global sum over the patches");
        int p = architecture.PatchLength;
        for (int k = 0; k < unitWeights.Count; k++)
            if (!double.IsFinite(unitWeights[k])) throw new ArgumentException($"unit {k + 1} has a non-finite output weight");
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U.Length != p) throw new ArgumentException($"neuron {j + 1} has {nrn.U.Length} first-layer weights, expected {p}");
            if (!double.IsFinite(nrn.W) || nrn.U.Any(v => !double.IsFinite(v))) throw new ArgumentException($"neuron {j + 1} has a non-finite weight");
            if (nrn.Unit < 0 || nrn.Unit >= unitWeights.Count) throw new ArgumentException($"neuron {j + 1} feeds unit {nrn.Unit + 1}, but the network has {unitWeights.Count} units");
        }
        return new ThreeLayerReluNetwork(neurons.ToArray(), unitWeights.ToArray(), architecture, metadata ?? new Dictionary<string, JsonNode?>());
    }

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var rows = Architecture.ExtractPatches(x);
        int n = rows.Length, p = Architecture.PatchLength, patches = Architecture.Patches;
        var f = new double[n, 1];
        var h = new double[Units];
        for (int i = 0; i < n; i++)
        {
            // h_k = sum_(l in k) w_l sum_q (x_q'u_l)_+ over the patches q (one when fully connected), f = sum_k c_k (h_k)_+.
            Array.Clear(h);
            foreach (var nrn in Neurons)
                for (int q = 0; q < patches; q++)
                {
                    double z = 0;
                    for (int c = 0; c < p; c++) z += rows[i][q * p + c] * nrn.U[c];
                    if (z > 0) h[nrn.Unit] += z * nrn.W;
                }
            for (int k = 0; k < h.Length; k++) if (h[k] > 0) f[i, 0] += UnitWeights[k] * h[k];
        }
        return f;
    }

    /// <summary>beta sum_k ||W_k||_F ||w_k|| |c_k|.</summary>
    public double Regularizer(double beta)
    {
        var ww = new double[Units];
        var uu = new double[Units];
        foreach (var nrn in Neurons) { uu[nrn.Unit] += nrn.U.Sum(v => v * v); ww[nrn.Unit] += nrn.W * nrn.W; }
        double r = 0;
        for (int k = 0; k < Units; k++) r += Math.Sqrt(uu[k]) * Math.Sqrt(ww[k]) * Math.Abs(UnitWeights[k]);
        return beta * r;
    }

    /// <summary>The network file: "layers": 3, each neuron with its "unit", and "units": [{"c": output weight}].</summary>
    public string ToJson() => NetworkJson.Write(this, Neurons.Select(n => (n.U, new[] { n.W })),
        new JsonObject { ["layers"] = 3, ["units"] = new JsonArray(UnitWeights.Select(c => (JsonNode)new JsonObject { ["c"] = c }).ToArray()) },
        j => new JsonObject { ["unit"] = Neurons[j].Unit });

    /// <summary>The network of a parsed document ("layers": 3).</summary>
    /// <exception cref="InputException">Not a valid three-layer network.</exception>
    public static ThreeLayerReluNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        var arch = NetworkJson.ReadArchitecture(o, source, sumPooling: true);
        if (o["units"] is not JsonArray unitArray) throw new InputException($"network file '{source}' needs a \"units\" array of {{\"c\": number}} (the output weights)");
        var units = new double[unitArray.Count];
        for (int k = 0; k < units.Length; k++)
        {
            if (unitArray[k] is not JsonObject u || u["c"] is not JsonValue c || !c.TryGetValue(out units[k]))
                throw new InputException($"network file '{source}': unit {k + 1} needs a number \"c\"");
        }
        var neurons = new List<FirstLayerNeuron>();
        var list = NetworkJson.ReadNeurons(o, source);
        var arr = (JsonArray)o["neurons"]!;
        for (int j = 0; j < list.Count; j++)
        {
            var (u, w) = list[j];
            if (w.Length != 1) throw new InputException($"network file '{source}': neuron {j + 1} needs one number \"w\"");
            if (arr[j]!["unit"] is not JsonValue unit || !unit.TryGetValue(out int k))
                throw new InputException($"network file '{source}': neuron {j + 1} needs an integer \"unit\" (its second-layer unit, from 0)");
            neurons.Add(new FirstLayerNeuron(u, w[0], k));
        }
        try { return Create(arch, neurons, units, NetworkJson.Metadata(o)); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }
}
