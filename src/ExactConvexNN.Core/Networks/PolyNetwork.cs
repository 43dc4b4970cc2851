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
/// average pooling, see <see cref="NetworkArchitecture"/>) and its training objective
/// <code>
///   1/2 sum_{i,o} (f_o(x_i) - y_io)^2 + beta sum_j ||w_j||_1,   f_o(x) = sum_j sum_r w_{j,r,o} avg_{k in P_r} sigma(x_k'u_j).
/// </code>
/// The unit norm ||u_j|| = 1 is part of the model of Bartan &amp; Pilanci; <see cref="Create"/> does not enforce it
/// (the objective is defined for any u), <see cref="MaxNormDeviation"/> reports it.
/// </summary>
public sealed class PolyNetwork : INetwork
{
    /// <inheritdoc/>
    public string Activation => "poly";
    /// <inheritdoc/>
    public int NeuronCount => Neurons.Count;

    /// <summary>The shape: inputs, bias, outputs, image geometry and pooling regions.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>The activation coefficients.</summary>
    public PolynomialActivation Polynomial { get; }
    /// <summary>The neurons.</summary>
    public IReadOnlyList<PolyNeuron> Neurons { get; }
    /// <summary>Number of classes K when the network classifies (labels 0..K-1, see <see cref="ClassTargets"/>); null for regression.</summary>
    public int? Classes { get; }
    /// <summary>Free-form facts kept in the network file: beta, data source, objective, ...</summary>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }

    private PolyNetwork(NetworkArchitecture architecture, PolynomialActivation activation, IReadOnlyList<PolyNeuron> neurons, int? classes, IReadOnlyDictionary<string, JsonNode?> metadata)
    { Architecture = architecture; Polynomial = activation; Neurons = neurons; Classes = classes; Metadata = metadata; }

    /// <summary>Validates (weight lengths, finite values, classes consistent with the outputs) and builds the network.</summary>
    /// <exception cref="ArgumentException">A neuron has the wrong number of weights or a non-finite weight, or the classes do not match the outputs.</exception>
    public static PolyNetwork Create(NetworkArchitecture architecture, PolynomialActivation activation, IReadOnlyList<PolyNeuron> neurons,
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

    /// <summary>Predictions f (n x O) for every row of the feature matrix (which must have <see cref="NetworkArchitecture.Inputs"/> columns).</summary>
    /// <exception cref="InputException">The data has the wrong number of columns.</exception>
    public double[,] Predict(double[,] x) => PredictPatches(Architecture.ExtractPatches(x));

    /// <summary>Predictions from patches already extracted by <see cref="NetworkArchitecture.ExtractPatches"/>.</summary>
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
                    act[q] = Polynomial.Value(z);
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
    public static double Loss(double[,] f, double[,] y) => ClassTargets.SquaredLoss(f, y);

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x) => Predict(x);

    /// <summary>The objective 1/2 ||f(X) - Y||^2 + beta sum_j ||w_j||_1 for targets Y (n x O).</summary>
    public double Objective(double[,] x, double[,] y, double beta) => Loss(Predict(x), y) + Regularizer(beta);

    /// <summary>The targets of a data set for this network (see <see cref="NetworkExtensions.Targets"/>).</summary>
    public double[,] Targets(double[] y) => NetworkExtensions.Targets(this, y);

    /// <summary>The network as a JSON document (format "ecnn-network", version 1, activation "poly", see <see cref="NetworkJson"/>).</summary>
    public string ToJson() => NetworkJson.Write(this, Neurons.Select(n => (n.U, n.W)),
        new JsonObject { ["poly"] = new JsonObject { ["a"] = Polynomial.A, ["b"] = Polynomial.B, ["c"] = Polynomial.C } });

    /// <summary>True when a network JSON document declares "activation": "poly" (false for relu files and unreadable text).</summary>
    public static bool IsPolyDocument(string json)
    {
        try { return JsonNode.Parse(json) is JsonObject o && o["activation"] is JsonValue v && v.TryGetValue(out string? s) && s == "poly"; }
        catch (JsonException) { return false; }
    }

    /// <summary>Reads a network file written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InputException">The file is missing, not JSON, or not a valid polynomial network.</exception>
    public static PolyNetwork Load(string path) => Read(NetworkJson.ReadFile(path), path);

    /// <summary>Parses a polynomial network document; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InputException">Not JSON, or not a valid polynomial network.</exception>
    public static PolyNetwork Parse(string json, string source = "(network)") => Read(NetworkJson.ParseObject(json, source), source);

    /// <summary>The network of a parsed document.</summary>
    /// <exception cref="InputException">Not a valid polynomial network.</exception>
    public static PolyNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        string activation = NetworkJson.Activation(o, source);
        if (activation != "poly") throw new InputException($"network file '{source}' has activation '{activation}', not 'poly'");
        if (o["poly"] is not JsonObject po) throw new InputException($"network file '{source}' needs \"poly\": {{\"a\": number, \"b\": number, \"c\": number}}");
        var act = new PolynomialActivation(NetworkJson.Get<double>(po, "a", source), NetworkJson.Get<double>(po, "b", source), NetworkJson.Get<double>(po, "c", source));
        int? classes = NetworkJson.Get<int?>(o, "classes", source, required: false);
        var arch = NetworkJson.ReadArchitecture(o, source, sumPooling: false);
        var neurons = NetworkJson.ReadNeurons(o, source).Select(n => new PolyNeuron(n.U, n.W)).ToList();
        try { return Create(arch, act, neurons, classes, NetworkJson.Metadata(o)); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }
}
