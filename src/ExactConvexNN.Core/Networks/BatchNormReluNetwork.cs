using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// One neuron of a ReLU network with batch normalization before the ReLU: it contributes
/// (gamma (x'u - mean) / scale + alpha)_+ w, where mean and scale are the training batch's statistics of x'u.
/// </summary>
/// <param name="U">First-layer weights (length d; no bias: the normalization removes it, alpha shifts instead).</param>
/// <param name="Gamma">The BN scale gamma.</param>
/// <param name="Alpha">The BN shift alpha.</param>
/// <param name="Mean">The training batch's mean of x'u: 1'X u / n.</param>
/// <param name="Scale">The training batch's norm of the centred x'u: ||X u - mean 1||_2 (0: the normalized value is taken as 0).</param>
/// <param name="W">Second-layer weight.</param>
/// <param name="Output">The output the neuron feeds (0 for one output; a K-output classifier is K sub-networks).</param>
public sealed record BatchNormNeuron(double[] U, double Gamma, double Alpha, double Mean, double Scale, double W, int Output = 0);

/// <summary>
/// A two-layer ReLU network with batch normalization before the ReLU (Ergen, Sahiner, Ozturkler, Pauly, Mardani &amp;
/// Pilanci, ICLR 2022), fully connected:
/// <code>
///   f(X) = sum_j ( gamma_j (I - 1 1'/n) X u_j / ||(I - 1 1'/n) X u_j||_2 + alpha_j 1 )_+ w_j,
///   objective 1/2 ||f(X) - y||^2 + beta/2 sum_j (gamma_j^2 + alpha_j^2 + w_j^2),
/// </code>
/// the normalization over the n rows of the training batch (the paper's, by the Euclidean norm of the centred
/// pre-activation: gamma here is sqrt(n) times the gamma of a BN that divides by the standard deviation, with no
/// epsilon). The weight decay is on gamma, alpha and w; the first layer u_j is scale-invariant and not decayed. The
/// network keeps each neuron's batch statistics (<see cref="BatchNormNeuron.Mean"/>, <see cref="BatchNormNeuron.Scale"/>),
/// so that on its training rows it computes exactly the batch-normalized network and on new rows it applies the
/// training batch's normalization (as BN does at inference). Any loss of <see cref="Models.LossFunction"/> takes the place
/// of the squared one (the file's "loss"); with O &gt; 1 outputs (a K-class classifier) each neuron feeds one output
/// (<see cref="BatchNormNeuron.Output"/>), the sub-networks the ReLU program trains.
/// </summary>
public sealed class BatchNormReluNetwork : INetwork
{
    /// <summary>The activation's name in files and output.</summary>
    public const string ActivationName = "batch_norm_relu";

    /// <summary>The neurons.</summary>
    public IReadOnlyList<BatchNormNeuron> Neurons { get; }
    /// <inheritdoc/>
    public NetworkArchitecture Architecture { get; }
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }
    /// <inheritdoc/>
    public string Activation => ActivationName;
    /// <inheritdoc/>
    public int NeuronCount => Neurons.Count;
    /// <inheritdoc/>
    public int? Classes { get; }

    private BatchNormReluNetwork(IReadOnlyList<BatchNormNeuron> neurons, NetworkArchitecture architecture, IReadOnlyDictionary<string, JsonNode?> metadata, int? classes)
    { Neurons = neurons; Architecture = architecture; Metadata = metadata; Classes = classes; }

    /// <summary>
    /// Validates (lengths, finite values, scales &gt;= 0, every neuron's output one of the network's, classes that fit the
    /// outputs) and builds a network on <paramref name="inputs"/> features: one output, or K outputs for K &gt; 2 classes.
    /// </summary>
    /// <exception cref="ArgumentException">A weight of the wrong length, a value not finite, a negative scale, or an output out of range.</exception>
    public static BatchNormReluNetwork Create(int inputs, IReadOnlyList<BatchNormNeuron> neurons, IReadOnlyDictionary<string, JsonNode?>? metadata = null, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(neurons);
        if (inputs < 1) throw new ArgumentException($"a network needs at least one input, got {inputs}");
        if (classes is < 2) throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}");
        int outputs = classes is int k ? ClassTargets.Outputs(k) : 1;
        for (int j = 0; j < neurons.Count; j++)
        {
            var nrn = neurons[j] ?? throw new ArgumentException($"neuron {j + 1} is missing");
            if (nrn.U.Length != inputs) throw new ArgumentException($"neuron {j + 1} has {nrn.U.Length} first-layer weights, expected {inputs}");
            if (nrn.U.Any(v => !double.IsFinite(v)) || !double.IsFinite(nrn.Gamma) || !double.IsFinite(nrn.Alpha) || !double.IsFinite(nrn.Mean)
                || !double.IsFinite(nrn.Scale) || !double.IsFinite(nrn.W))
                throw new ArgumentException($"neuron {j + 1} has a non-finite weight or statistic");
            if (nrn.Scale < 0) throw new ArgumentException($"neuron {j + 1} has a negative scale {nrn.Scale}; the scale is a norm");
            if ((uint)nrn.Output >= (uint)outputs) throw new ArgumentException($"neuron {j + 1} feeds output {nrn.Output}, but the network has {outputs}");
        }
        return new BatchNormReluNetwork(neurons.ToArray(), NetworkArchitecture.FullyConnected(inputs, false, outputs), metadata ?? new Dictionary<string, JsonNode?>(), classes);
    }

    /// <summary>
    /// The batch statistics of x'u over the rows of <paramref name="x"/>: mean = 1'X u / n and scale = ||X u - mean 1||_2.
    /// </summary>
    public static (double Mean, double Scale) BatchStatistics(double[,] x, ReadOnlySpan<double> u)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        var h = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int c = 0; c < d; c++) s += x[i, c] * u[c];
            h[i] = s;
            mean += s;
        }
        mean /= Math.Max(n, 1);
        // scale = ||h - mean 1||.
        double ss = 0;
        foreach (double v in h) ss += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(ss));
    }

    /// <summary>The BN pre-activation of a neuron at x'u = <paramref name="z"/>: gamma (z - mean) / scale + alpha (alpha when the scale is 0).</summary>
    public static double PreActivation(BatchNormNeuron neuron, double z)
    {
        ArgumentNullException.ThrowIfNull(neuron);
        return neuron.Scale > 0 ? neuron.Gamma * (z - neuron.Mean) / neuron.Scale + neuron.Alpha : neuron.Alpha;
    }

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (d != Architecture.Inputs) throw new InputException($"the data has {d} feature columns but the network takes {Architecture.Inputs}; use data with the network's features");
        var f = new double[n, Architecture.Outputs];
        for (int i = 0; i < n; i++)
            foreach (var nrn in Neurons)
            {
                // (gamma (x'u - mean) / scale + alpha)_+ w, into the neuron's output.
                double z = 0;
                for (int c = 0; c < d; c++) z += x[i, c] * nrn.U[c];
                double a = PreActivation(nrn, z);
                if (a > 0) f[i, nrn.Output] += a * nrn.W;
            }
        return f;
    }

    /// <summary>
    /// The network with its batch statistics frozen, as the ReLU network with a first-layer bias that computes the same
    /// outputs on every row: gamma (x'u - mean) / scale + alpha = x'(gamma u / scale) + (alpha - gamma mean / scale)
    /// (alpha alone when the scale is 0). What BN computes at inference; not the same weight decay.
    /// </summary>
    public TwoLayerReluNetwork Inference()
    {
        int d = Architecture.Inputs;
        var neurons = Neurons.Select(nrn =>
        {
            double g = nrn.Scale > 0 ? nrn.Gamma / nrn.Scale : 0;
            var u = new double[d + 1];
            for (int c = 0; c < d; c++) u[c] = g * nrn.U[c];
            u[d] = nrn.Alpha - g * nrn.Mean;
            return new Neuron(u, nrn.W, nrn.Output);
        }).ToList();
        return TwoLayerReluNetwork.Create(NetworkArchitecture.FullyConnected(d, true, Architecture.Outputs), neurons, Metadata, Classes);
    }

    /// <summary>beta/2 sum_j (gamma_j^2 + alpha_j^2 + w_j^2): the first layer is not decayed (BN makes it scale-invariant).</summary>
    public double Regularizer(double beta) => beta / 2 * Neurons.Sum(nrn => nrn.Gamma * nrn.Gamma + nrn.Alpha * nrn.Alpha + nrn.W * nrn.W);

    /// <summary>
    /// True when every neuron's stored statistics are those of the rows of <paramref name="x"/> (relative 1e-9): the
    /// network then computes the batch-normalized network on that batch, and its objective there is the BN objective.
    /// </summary>
    public bool HasBatchStatisticsOf(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.GetLength(1) != Architecture.Inputs) return false;
        foreach (var nrn in Neurons)
        {
            var (mean, scale) = BatchStatistics(x, nrn.U);
            double tol = 1e-9 * (Math.Abs(mean) + scale + Math.Abs(nrn.Mean) + nrn.Scale) + 1e-300;
            if (Math.Abs(mean - nrn.Mean) > tol || Math.Abs(scale - nrn.Scale) > tol) return false;
        }
        return true;
    }

    /// <summary>
    /// The network file: "activation": "batch_norm_relu", "batch_norm" describing the normalization, and each neuron with
    /// "u", "w", "gamma", "alpha", "mean" and "scale".
    /// </summary>
    public string ToJson() => NetworkJson.Write(this, Neurons.Select(n => (n.U, OutputWeights(n))),
        new JsonObject
        {
            ["batch_norm"] = new JsonObject
            {
                ["placement"] = "before_relu",
                ["normalization"] = "l2",
                ["formula"] = "(gamma (x'u - mean) / scale + alpha)_+ w, mean and scale of x'u over the training batch, scale = ||X u - mean||_2",
            },
        },
        j => new JsonObject
        {
            ["gamma"] = Neurons[j].Gamma, ["alpha"] = Neurons[j].Alpha, ["mean"] = Neurons[j].Mean, ["scale"] = Neurons[j].Scale,
        });

    /// <summary>The second-layer weights of a neuron over the outputs: w at its output, 0 elsewhere.</summary>
    private double[] OutputWeights(BatchNormNeuron neuron)
    {
        var w = new double[Architecture.Outputs];
        w[neuron.Output] = neuron.W;
        return w;
    }

    /// <summary>The network of a parsed document.</summary>
    /// <exception cref="InputException">Not a valid batch-normalized ReLU network.</exception>
    public static BatchNormReluNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        string activation = NetworkJson.Activation(o, source);
        if (activation != ActivationName) throw new InputException($"network file '{source}' has activation '{activation}', not '{ActivationName}'");
        var arch = NetworkJson.ReadArchitecture(o, source, sumPooling: true);
        if (arch.Image is not null || arch.Bias)
            throw new InputException($"network file '{source}': a batch-normalized ReLU network is fully connected with no bias");
        int? classes = NetworkJson.Get<int?>(o, "classes", source, required: false);
        if (o["batch_norm"] is JsonObject bn && NetworkJson.Get<string>(bn, "normalization", source, required: false) is string norm && norm != "l2")
            throw new InputException($"network file '{source}': \"batch_norm\" has normalization '{norm}'; ecnn reads \"l2\" (the scale is ||X u - mean||_2)");
        var neurons = new List<BatchNormNeuron>();
        foreach (var (u, w) in NetworkJson.ReadNeurons(o, source))
        {
            int j = neurons.Count;
            int feeds = NetworkJson.OutputOf(w, arch.Outputs, j, source);
            neurons.Add(new BatchNormNeuron(u, NetworkJson.NeuronNumber(o, j, "gamma", source), NetworkJson.NeuronNumber(o, j, "alpha", source),
                NetworkJson.NeuronNumber(o, j, "mean", source), NetworkJson.NeuronNumber(o, j, "scale", source), w[feeds], feeds));
        }
        try
        {
            if (classes is null && arch.Outputs != 1) throw new ArgumentException($"a network with {arch.Outputs} outputs is a classifier: it needs \"classes\"");
            if (classes is int k && ClassTargets.Outputs(Math.Max(k, 2)) != arch.Outputs) throw new ArgumentException($"{k} classes need {ClassTargets.Outputs(Math.Max(k, 2))} outputs, the network has {arch.Outputs}");
            return Create(arch.Inputs, neurons, NetworkJson.Metadata(o), classes);
        }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
    }
}
