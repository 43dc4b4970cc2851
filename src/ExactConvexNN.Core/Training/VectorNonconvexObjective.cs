using System.Text.Json.Nodes;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Training;

/// <summary>
/// The nonconvex objective of a width-m vector-output ReLU network (fully connected) as a function of its packed
/// parameters theta = [u_1; ...; u_m; w_1; ...; w_m] (u_j of length p = d (+1 with a bias), w_j of length K):
/// <code>
///   L(theta) = 1/2 ||sum_j (X u_j)_+ w_j' - Y||_F^2 + beta/2 sum_j (||u_j||^2 + ||w_j||^2).
/// </code>
/// Its gradient uses the subgradient 0 of the ReLU at the kink. Not thread-safe (scratch space for one evaluation).
/// </summary>
public sealed class VectorNonconvexObjective : FirstOrderObjective
{
    private readonly double[][] _x;    // per sample, its row with the bias column
    private readonly double[,] _y;
    private readonly double[] _z, _f;  // m pre-activations and K outputs of one sample
    private readonly NetworkArchitecture _architecture;
    private readonly int? _classes;

    /// <summary>Inputs p per neuron (features plus the bias column).</summary>
    public int Width { get; }
    /// <summary>Outputs K.</summary>
    public int Outputs { get; }
    /// <summary>Hidden neurons m.</summary>
    public int Neurons { get; }
    /// <summary>Weight decay beta.</summary>
    public double Beta { get; }
    /// <inheritdoc/>
    public override int Parameters => Neurons * (Width + Outputs);
    /// <inheritdoc/>
    public override string Description => " on the vector-output network";
    /// <inheritdoc/>
    protected override string Layout => $"m (p + K) with m = {Neurons}, p = {Width}, K = {Outputs}";

    private VectorNonconvexObjective(double[][] x, double[,] y, NetworkArchitecture arch, int m, double beta, int? classes) : base(y.GetLength(0))
    {
        _x = x; _y = y; _architecture = arch; _classes = classes; Width = arch.PatchLength; Outputs = arch.Outputs; Neurons = m; Beta = beta;
        _z = new double[m]; _f = new double[Outputs];
    }

    /// <summary>Validates and builds the objective on features X (without the bias column) and targets Y (n x K).</summary>
    /// <exception cref="InputException">A bad beta, no neurons, a CNN, or sizes that disagree.</exception>
    public static VectorNonconvexObjective Create(NetworkArchitecture architecture, double[,] x, double[,] y, double beta, int neurons, int? classes)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        if (neurons < 1) throw new InputException($"the network needs at least 1 neuron, got {neurons}; try --neurons 10");
        if (architecture.Image is not null) throw new InputException("vector-output networks are fully connected");
        if (x.GetLength(0) != y.GetLength(0)) throw new InputException($"{x.GetLength(0)} samples but {y.GetLength(0)} targets");
        if (y.GetLength(1) != architecture.Outputs) throw new InputException($"{y.GetLength(1)} target columns for a network with {architecture.Outputs} outputs");
        return new VectorNonconvexObjective(architecture.ExtractPatches(x), (double[,])y.Clone(), architecture, neurons, beta, classes);
    }

    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight)
    {
        int p = Width, m = Neurons, k = Outputs;
        var u = theta[..(m * p)];
        var w = theta[(m * p)..];
        bool grad = !gradient.IsEmpty;
        // Regularizer beta/2 ||theta||^2, gradient beta theta.
        double reg = 0;
        for (int q = 0; q < theta.Length; q++) reg += theta[q] * theta[q];
        if (grad) for (int q = 0; q < theta.Length; q++) gradient[q] = Beta * theta[q];
        var gu = grad ? gradient[..(m * p)] : Span<double>.Empty;
        var gw = grad ? gradient[(m * p)..] : Span<double>.Empty;
        double loss = 0;
        foreach (int i in batch)
        {
            var xi = _x[i].AsSpan();
            // z_j = x_i'u_j, f = sum_j (z_j)_+ w_j.
            Array.Clear(_f);
            for (int j = 0; j < m; j++)
            {
                var uj = u.Slice(j * p, p);
                double s = 0;
                for (int c = 0; c < p; c++) s += xi[c] * uj[c];
                _z[j] = s;
                if (s > 0) for (int t = 0; t < k; t++) _f[t] += s * w[j * k + t];
            }
            // r = f - y_i; loss 1/2 ||r||^2.
            for (int t = 0; t < k; t++) { _f[t] -= _y[i, t]; loss += _f[t] * _f[t] / 2; }
            if (!grad) continue;
            // dL/dw_j += c (z_j)_+ r,  dL/du_j += c 1[z_j > 0] (w_j'r) x_i.
            for (int j = 0; j < m; j++)
            {
                double zj = _z[j];
                if (zj <= 0) continue;
                double wr = 0;
                for (int t = 0; t < k; t++) { wr += w[j * k + t] * _f[t]; gw[j * k + t] += weight * zj * _f[t]; }
                var gj = gu.Slice(j * p, p);
                for (int c = 0; c < p; c++) gj[c] += weight * wr * xi[c];
            }
        }
        return weight * loss + Beta / 2 * reg;
    }

    /// <summary>u_j ~ N(0, s^2 I / p), w_j ~ N(0, s^2 I / m).</summary>
    public override void Initialize(Span<double> theta, double scale, Random rng)
    {
        CheckLength(theta.Length);
        ArgumentNullException.ThrowIfNull(rng);
        int p = Width, m = Neurons;
        double su = scale / Math.Sqrt(p), sw = scale / Math.Sqrt(m);
        for (int q = 0; q < m * p; q++) theta[q] = su * NonconvexTrainer.Gaussian(rng);
        for (int q = m * p; q < theta.Length; q++) theta[q] = sw * NonconvexTrainer.Gaussian(rng);
    }

    /// <summary>The packed parameters of a network with this objective's architecture and width.</summary>
    public double[] Pack(VectorReluNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.NeuronCount != Neurons || network.Architecture.PatchLength != Width || network.Architecture.Outputs != Outputs)
            throw new ArgumentException($"the network ({network.NeuronCount} neurons) does not match the objective ({Neurons} neurons, width {Width}, {Outputs} outputs)");
        var theta = new double[Parameters];
        for (int j = 0; j < Neurons; j++)
        {
            network.Neurons[j].U.CopyTo(theta, j * Width);
            network.Neurons[j].W.CopyTo(theta, Neurons * Width + j * Outputs);
        }
        return theta;
    }

    /// <summary>The network of packed parameters (which must be finite).</summary>
    public VectorReluNetwork Unpack(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        CheckLength(theta.Length);
        var neurons = new VectorNeuron[Neurons];
        for (int j = 0; j < Neurons; j++)
            neurons[j] = new VectorNeuron(theta.Slice(j * Width, Width).ToArray(), theta.Slice(Neurons * Width + j * Outputs, Outputs).ToArray());
        return VectorReluNetwork.Create(_architecture, neurons, _classes, metadata);
    }

    /// <inheritdoc/>
    public override INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null) => Unpack(theta, metadata);

    /// <summary>
    /// Polishes <paramref name="start"/> by full-batch Adam on this objective (step <paramref name="learningRate"/>,
    /// <paramref name="epochs"/> epochs) and returns the iterate with the lowest objective seen (the start when none is lower).
    /// </summary>
    public (VectorReluNetwork Network, double Objective) Polish(VectorReluNetwork start, int epochs, double learningRate, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        var theta = Pack(start);
        double best = Value(theta);
        var bestTheta = (double[])theta.Clone();
        var (last, history, _, _) = NonconvexTrainer.Descend(theta, new Random(0), Samples, learningRate, Samples, NonconvexOptimizer.Adam, epochs,
            t => Value(t), Evaluate);
        if (history[^1] < best) { best = history[^1]; bestTheta = last; }
        return (Unpack(bestTheta, metadata), best);
    }
}
