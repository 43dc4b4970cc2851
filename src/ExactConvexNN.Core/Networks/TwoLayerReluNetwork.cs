using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>One hidden neuron: output <paramref name="Output"/> of f gets (x'u)_+ * w.</summary>
/// <param name="U">First-layer weights (length d, including the bias weight when the network has a bias).</param>
/// <param name="W">Second-layer weight.</param>
/// <param name="Output">The output the neuron feeds (0 for a scalar network; a K-output network is K sub-networks).</param>
public sealed record Neuron(double[] U, double W, int Output = 0)
{
    /// <summary>The second-layer weights as a vector over <paramref name="outputs"/> outputs: W at <see cref="Output"/>, 0 elsewhere.</summary>
    public double[] OutputWeights(int outputs)
    {
        var w = new double[outputs];
        w[Output] = W;
        return w;
    }
}

/// <summary>
/// A two-layer ReLU network and its training objective loss(f(X), Y) + beta/2 sum_j (||u_j||^2 + w_j^2) (the squared
/// loss 1/2 ||f(X) - y||^2 unless the file or model names another): fully connected, f(x) = sum_j (x'u_j)_+ w_j (with
/// <see cref="Bias"/>, x is extended by a trailing 1 and the first-layer bias is the last entry of each u_j), or
/// convolutional (Ergen &amp; Pilanci), f(x) = sum_j w_j sum_k (x_k'u_j)_+ over the patches x_k of an image or signal
/// (<see cref="NetworkArchitecture.Convolutional"/> with global sum pooling), each u_j a filter. With O &gt; 1 outputs
/// (a K-class classifier) it is O scalar sub-networks that share nothing: each neuron feeds one output
/// (<see cref="Neuron.Output"/>), which is what the convex program trains (its blocks decouple by output, the loss couples
/// them).
/// </summary>
public sealed class TwoLayerReluNetwork : INetwork
{
    /// <summary>The neurons (filters of a CNN).</summary>
    public IReadOnlyList<Neuron> Neurons { get; }
    /// <summary>The shape: fully connected, or a CNN with one global sum-pooling region.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>Number of input features d (without the bias column).</summary>
    public int Inputs => Architecture.Inputs;
    /// <summary>True when each neuron has a first-layer bias (x is extended by a 1).</summary>
    public bool Bias => Architecture.Bias;

    /// <summary>Free-form facts kept in the network file: beta, data source, training objective, ...</summary>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }

    /// <inheritdoc/>
    public string Activation => "relu";
    /// <inheritdoc/>
    public int NeuronCount => Neurons.Count;
    /// <inheritdoc/>
    public int? Classes { get; }

    private TwoLayerReluNetwork(IReadOnlyList<Neuron> neurons, NetworkArchitecture architecture, IReadOnlyDictionary<string, JsonNode?> metadata, int? classes)
    { Neurons = neurons; Architecture = architecture; Metadata = metadata; Classes = classes; }

    /// <summary>Validates (every u has length d (+1 with bias), every value finite) and builds a fully connected network.</summary>
    public static TwoLayerReluNetwork Create(IReadOnlyList<Neuron> neurons, int inputs, bool bias, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        if (inputs < 1) throw new ArgumentException($"a network needs at least one input, got {inputs}");
        return Create(NetworkArchitecture.FullyConnected(inputs, bias), neurons, metadata);
    }

    /// <summary>
    /// Validates (every u has the patch length, every value finite, every neuron's output one of the architecture's, one
    /// pooling region, classes that fit the outputs) and builds the network.
    /// </summary>
    /// <exception cref="ArgumentException">A weight of the wrong length or not finite, or an architecture a ReLU network does not have.</exception>
    public static TwoLayerReluNetwork Create(NetworkArchitecture architecture, IReadOnlyList<Neuron> neurons, IReadOnlyDictionary<string, JsonNode?>? metadata = null, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(neurons);
        if (architecture.Regions.Count != 1 || (architecture.Image is not null && !architecture.SumPooling))
            throw new ArgumentException("a ReLU network has, as a CNN, one global sum-pooling region");
        if (classes is int k && (k < 2 || ClassTargets.Outputs(k) != architecture.Outputs))
            throw new ArgumentException($"{k} classes need {ClassTargets.Outputs(Math.Max(k, 2))} outputs, the network has {architecture.Outputs}");
        if (classes is null && architecture.Outputs != 1)
            throw new ArgumentException($"a ReLU network with {architecture.Outputs} outputs is a classifier: it needs \"classes\"");
        int width = architecture.PatchLength;
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U.Length != width) throw new ArgumentException($"neuron {j + 1} has {nrn.U.Length} first-layer weights, expected {width}");
            if (!double.IsFinite(nrn.W) || nrn.U.Any(v => !double.IsFinite(v))) throw new ArgumentException($"neuron {j + 1} has a non-finite weight");
            if ((uint)nrn.Output >= (uint)architecture.Outputs) throw new ArgumentException($"neuron {j + 1} feeds output {nrn.Output}, but the network has {architecture.Outputs}");
        }
        return new TwoLayerReluNetwork(neurons.ToArray(), architecture, metadata ?? new Dictionary<string, JsonNode?>(), classes);
    }

    /// <summary>f(x) for one sample of d features (fully connected networks with one output).</summary>
    public double Predict(ReadOnlySpan<double> x)
    {
        if (Architecture.Image is not null) throw new InvalidOperationException("a convolutional network predicts from whole rows: use Predict(double[,])");
        if (Architecture.Outputs != 1) throw new InvalidOperationException("a network with several outputs predicts through Outputs(double[,])");
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

    /// <summary>Predictions for every row of the feature matrix (which must have <see cref="Inputs"/> columns); one output only.</summary>
    public double[] Predict(double[,] x)
    {
        if (Architecture.Outputs != 1) throw new InvalidOperationException("a network with several outputs predicts through Outputs(double[,])");
        var f = Outputs(x);
        var column = new double[f.GetLength(0)];
        for (int i = 0; i < column.Length; i++) column[i] = f[i, 0];
        return column;
    }

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (d != Inputs) throw new InputException($"the data has {d} feature columns but the network takes {Inputs}; use data with the network's features (and --bias only if the network has one)");
        var f = new double[n, Architecture.Outputs];
        if (Architecture.Image is null)
        {
            // f(x_i)_o = sum over the neurons j of output o of (x_i'u_j)_+ w_j, with the bias weight last.
            for (int i = 0; i < n; i++)
                foreach (var nrn in Neurons)
                {
                    double z = Bias ? nrn.U[Inputs] : 0;
                    for (int c = 0; c < Inputs; c++) z += x[i, c] * nrn.U[c];
                    if (z > 0) f[i, nrn.Output] += z * nrn.W;
                }
            return f;
        }
        // f(x_i) = sum_j w_j sum_k (x_ik'u_j)_+.
        var patches = Architecture.ExtractPatches(x);
        int p = Architecture.PatchLength, kk = Architecture.Patches;
        for (int i = 0; i < n; i++)
            foreach (var nrn in Neurons)
            {
                double s = 0;
                for (int q = 0; q < kk; q++)
                {
                    double z = 0;
                    for (int c = 0; c < p; c++) z += patches[i][q * p + c] * nrn.U[c];
                    if (z > 0) s += z;
                }
                f[i, nrn.Output] += s * nrn.W;
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

    /// <summary>The training objective loss(f(X), Y) + beta/2 sum_j (||u_j||^2 + w_j^2) for encoded targets Y (n x O).</summary>
    public double Objective(double[,] x, double[,] y, double beta, Models.LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return loss.Value(Outputs(x), y) + Regularizer(beta);
    }

    /// <summary>The objective on a data set (features without the bias column, targets required).</summary>
    public double Objective(Dataset data, double beta)
    {
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; the objective needs targets");
        return Objective(data.X, data.Y, beta);
    }

    /// <summary>The network as a JSON document (format "ecnn-network", version 1, see <see cref="NetworkJson"/>).</summary>
    public string ToJson() => NetworkJson.Write(this, Neurons.Select(n => (n.U, n.OutputWeights(Architecture.Outputs))));

    /// <summary>Reads a network file written by <see cref="ToJson"/> (or by another tool in the same format).</summary>
    /// <exception cref="InputException">The file is missing, not JSON, or not a valid network.</exception>
    public static TwoLayerReluNetwork Load(string path) => Read(NetworkJson.ReadFile(path), path);

    /// <summary>Parses a network JSON document; <paramref name="source"/> names it in error messages.</summary>
    public static TwoLayerReluNetwork Parse(string json, string source = "(network)") => Read(NetworkJson.ParseObject(json, source), source);

    /// <summary>The network of a parsed document.</summary>
    /// <exception cref="InputException">Not a valid ReLU network.</exception>
    public static TwoLayerReluNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        string activation = NetworkJson.Activation(o, source);
        if (activation != "relu") throw new InputException($"network file '{source}' has activation '{activation}'; only relu networks are read here");
        var arch = NetworkJson.ReadArchitecture(o, source, sumPooling: true);
        int outputs = arch.Outputs;
        int? classes = NetworkJson.Get<int?>(o, "classes", source, required: false);
        var neurons = new List<Neuron>();
        foreach (var (u, w) in NetworkJson.ReadNeurons(o, source))
        {
            int feeds = NetworkJson.OutputOf(w, outputs, neurons.Count, source);
            neurons.Add(new Neuron(u, w[feeds], feeds));
        }
        try { return Create(arch, neurons, NetworkJson.Metadata(o), classes); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }
}
