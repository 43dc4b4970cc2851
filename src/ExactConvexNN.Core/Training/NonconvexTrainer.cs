using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Training;

/// <summary>The first-order method of <see cref="NonconvexTrainer"/>.</summary>
public enum NonconvexOptimizer
{
    /// <summary>Full-batch gradient descent: one step per epoch.</summary>
    GradientDescent,
    /// <summary>Minibatch stochastic gradient descent on a fresh random permutation every epoch.</summary>
    Sgd,
    /// <summary>Adam (Kingma &amp; Ba 2015) with beta1 = 0.9, beta2 = 0.999, eps = 1e-8, on minibatches (full batch by default).</summary>
    Adam,
}

/// <summary>Options of <see cref="NonconvexTrainer.Train"/>: the first-order method (the network and its beta are the <see cref="Models.ModelSpec"/>).</summary>
public sealed record NonconvexOptions
{
    /// <summary>Hidden neurons m.</summary>
    public int Neurons { get; init; } = 10;
    /// <summary>The method.</summary>
    public NonconvexOptimizer Optimizer { get; init; } = NonconvexOptimizer.Adam;
    /// <summary>Step size; null for the method's default (<see cref="DefaultLearningRate"/>).</summary>
    public double? LearningRate { get; init; }
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; init; } = 2000;
    /// <summary>Samples per step; null for the method's default (full batch for GD and Adam, min(n, 16) for SGD). Must be n for GD.</summary>
    public int? BatchSize { get; init; }
    /// <summary>Seed of the initialization and of the minibatch order.</summary>
    public int Seed { get; init; }
    /// <summary>Initialization scale s: u_j ~ N(0, s^2 I / d), w_j ~ N(0, s^2 / m) (d counts the bias column).</summary>
    public double InitScale { get; init; } = 1.0;

    /// <summary>The default step size of a method: 1e-3 for GD and SGD, 1e-2 for Adam.</summary>
    /// <remarks>
    /// Adam's steps are scale-free: 1e-2. Gradient descent and SGD step on 1/2 ||f(X) - y||^2, a sum over the samples whose
    /// curvature grows like ||X||^2: 1 / ||X||_F^2 (with the bias column; ||X||_F bounds the spectral norm), at most 1e-2,
    /// so that unnormalized data (iris: ||X||_F^2 = 6,700) neither diverges nor kills every neuron in its first steps.
    /// </remarks>
    public static double DefaultLearningRate(NonconvexOptimizer optimizer, Dataset data, bool bias)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (optimizer == NonconvexOptimizer.Adam) return 1e-2;
        double frobenius = bias ? data.Rows : 0;
        foreach (double v in data.X) frobenius += v * v;
        return frobenius > 0 ? Math.Min(1e-2, 1 / frobenius) : 1e-2;
    }
}

/// <summary>The outcome of <see cref="NonconvexTrainer.Train"/>.</summary>
public sealed record NonconvexResult
{
    /// <summary>The trained network (the last finite iterate), with its options in the metadata.</summary>
    public required INetwork Network { get; init; }
    /// <summary>Its training objective on the full data.</summary>
    public required double Objective { get; init; }
    /// <summary>The full objective at the initialization (entry 0) and after every epoch (entry e); stops at divergence.</summary>
    public required double[] History { get; init; }
    /// <summary>Parameter updates taken.</summary>
    public required long Steps { get; init; }
    /// <summary>True when the objective became non-finite (the step size is too large); the network is the last finite iterate.</summary>
    public required bool Diverged { get; init; }
    /// <summary>Wall-clock seconds.</summary>
    public required double Seconds { get; init; }
    /// <summary>The step size used (the option's, or the method's default for the data).</summary>
    public double LearningRate { get; init; }
}

/// <summary>
/// The nonconvex objective of a width-m network as a function of its packed parameters, the first-order baseline's view
/// of a family (<see cref="Models.INetworkFamily.Objective"/>). Holds scratch space for one evaluation at a time (not
/// thread-safe).
/// </summary>
public interface INonconvexObjective
{
    /// <summary>Samples n.</summary>
    int Samples { get; }
    /// <summary>Number of parameters.</summary>
    int Parameters { get; }
    /// <summary>Words for the network in "trained_by" ("" for the family's usual network, " on the polynomial network", ...).</summary>
    string Description { get; }
    /// <summary>The full objective L(theta).</summary>
    double Value(ReadOnlySpan<double> theta);
    /// <summary>L(theta) and its (sub)gradient written into <paramref name="gradient"/>.</summary>
    double Gradient(ReadOnlySpan<double> theta, Span<double> gradient);
    /// <summary>weight * 1/2 sum of the loss over the batch + the full regularizer, and its gradient when <paramref name="gradient"/> is not empty (trusted arguments: the trainer's inner loop).</summary>
    double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight);
    /// <summary>A seeded random initialization at scale <paramref name="scale"/>.</summary>
    void Initialize(Span<double> theta, double scale, Random rng);
    /// <summary>The network of packed parameters (which must be finite).</summary>
    INetwork Unpack(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null);
}

/// <summary>
/// The part of every family's nonconvex objective that does not depend on the network: the full-batch value and
/// gradient and the minibatch estimate, all through the family's <see cref="Evaluate"/>, with the argument checks.
/// </summary>
public abstract class FirstOrderObjective : INonconvexObjective
{
    private readonly int[] _all;    // 0..n-1, the full batch

    /// <summary>An objective over <paramref name="samples"/> samples.</summary>
    protected FirstOrderObjective(int samples)
    {
        Samples = samples;
        _all = new int[samples];
        for (int i = 0; i < samples; i++) _all[i] = i;
    }

    /// <inheritdoc/>
    public int Samples { get; }
    /// <inheritdoc/>
    public abstract int Parameters { get; }
    /// <inheritdoc/>
    public abstract string Description { get; }
    /// <summary>How the parameters are laid out, for error messages ("m (p + 1) with m = 4, p = 3").</summary>
    protected abstract string Layout { get; }

    /// <summary>The full objective L(theta).</summary>
    public double Value(ReadOnlySpan<double> theta)
    {
        CheckLength(theta.Length);
        return Evaluate(theta, Span<double>.Empty, _all, 1.0);
    }

    /// <summary>L(theta) and its (sub)gradient written into <paramref name="gradient"/>.</summary>
    public double Gradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        CheckLength(theta.Length); CheckLength(gradient.Length);
        return Evaluate(theta, gradient, _all, 1.0);
    }

    /// <summary>
    /// The unbiased minibatch estimate: (n/|B|) * 1/2 sum_{i in B} loss_i + the full regularizer, and its gradient.
    /// Batch entries are sample indices.
    /// </summary>
    public double Gradient(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch)
    {
        CheckLength(theta.Length); CheckLength(gradient.Length);
        if (batch.IsEmpty) throw new ArgumentException("the batch is empty");
        foreach (int i in batch) if ((uint)i >= (uint)Samples) throw new ArgumentOutOfRangeException(nameof(batch), $"sample index {i} is outside 0..{Samples - 1}");
        return Evaluate(theta, gradient, batch, (double)Samples / batch.Length);
    }

    /// <inheritdoc/>
    public abstract double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight);
    /// <inheritdoc/>
    public abstract void Initialize(Span<double> theta, double scale, Random rng);
    /// <inheritdoc/>
    public abstract INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null);

    INetwork INonconvexObjective.Unpack(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata) => UnpackNetwork(theta, metadata);

    /// <summary>
    /// The usual initialization of a width-m two-layer network packed as [u_1; ...; u_m; w_1 ... w_m] (u_j of length p):
    /// u_j ~ N(0, s^2 I / p), then w_j ~ N(0, s^2 / m), in that order of draws.
    /// </summary>
    protected static void InitializeTwoLayer(Span<double> theta, int p, int m, double scale, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double su = scale / Math.Sqrt(p), sw = scale / Math.Sqrt(m);
        for (int k = 0; k < m * p; k++) theta[k] = su * NonconvexTrainer.Gaussian(rng);
        for (int j = 0; j < m; j++) theta[m * p + j] = sw * NonconvexTrainer.Gaussian(rng);
    }

    /// <summary>Refuses a parameter vector of the wrong length.</summary>
    protected void CheckLength(int length)
    {
        if (length != Parameters) throw new ArgumentException($"expected {Parameters} parameters ({Layout}), got {length}");
    }
}

/// <summary>
/// The nonconvex objective of a width-m ReLU network (fully connected, or a CNN summing its K patches) as a function of
/// its packed parameters theta = [u_1; ...; u_m; w_1 ... w_m] (each u_j of length p, the patch length: d, +1 with a bias):
/// <code>
///   L(theta) = 1/2 sum_i (f(x_i) - y_i)^2 + beta/2 (||U||_F^2 + ||w||^2),   f(x) = sum_j w_j sum_k (x_k'u_j)_+,
/// </code>
/// or any other loss of <see cref="Models.LossFunction"/> in place of the squared one; with O outputs (a K-class
/// classifier) neuron j feeds output j mod O alone, the sub-networks the convex program trains. Its gradient uses the
/// subgradient 0 of the ReLU at the kink (and of the loss at its kinks). Holds scratch space for one evaluation at a time
/// (not thread-safe).
/// </summary>
public sealed class NonconvexObjective : FirstOrderObjective
{
    private readonly double[][] _x;   // per sample, its K patches (p each, the bias column included)
    private readonly double[,] _y;
    private readonly double[] _z;   // m K scratch: pre-activations of one sample
    private readonly double[] _f, _g, _ys;   // O scratch: one sample's outputs, loss gradient and targets
    private readonly Models.LossFunction _loss;
    private readonly NetworkArchitecture _architecture;

    /// <summary>Inputs p per neuron (features plus the bias column, or the patch length).</summary>
    public int Width { get; }
    /// <summary>Patches K per sample (1 when fully connected).</summary>
    public int Patches { get; }
    /// <summary>Hidden neurons m.</summary>
    public int Neurons { get; }
    /// <summary>Weight decay beta.</summary>
    public double Beta { get; }
    /// <summary>Whether the features carry a trailing 1.</summary>
    public bool Bias => _architecture.Bias;
    /// <summary>Number of parameters m (p + 1).</summary>
    public override int Parameters => Neurons * (Width + 1);
    /// <inheritdoc/>
    public override string Description => "";
    /// <inheritdoc/>
    protected override string Layout => $"m (p + 1) with m = {Neurons}, p = {Width}";

    private NonconvexObjective(double[][] x, double[,] y, NetworkArchitecture arch, int m, double beta, Models.LossFunction loss) : base(y.GetLength(0))
    {
        _x = x; _y = y; _architecture = arch; Width = arch.PatchLength; Patches = arch.Patches; Neurons = m; Beta = beta; _loss = loss;
        _z = new double[m * Patches];
        int o = y.GetLength(1);
        _f = new double[o]; _g = new double[o]; _ys = new double[o];
    }

    /// <summary>Validates and builds the objective of a fully connected network on a data set with targets (features without the bias column).</summary>
    /// <exception cref="InputException">No targets, a bad beta or no neurons.</exception>
    public static NonconvexObjective Create(Dataset data, double beta, bool bias, int neurons)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets (the last column, or --target NAME)");
        return Create(NetworkArchitecture.FullyConnected(data.Columns, bias), data.X, data.Y, beta, neurons);
    }

    /// <summary>Validates and builds the objective of a ReLU network of the given architecture on features X and targets y.</summary>
    /// <exception cref="InputException">A bad beta, no neurons, or sizes that disagree.</exception>
    public static NonconvexObjective Create(NetworkArchitecture architecture, double[,] x, double[] y, double beta, int neurons)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        if (neurons < 1) throw new InputException($"the network needs at least 1 neuron, got {neurons}; try --neurons 10");
        if (x.GetLength(0) != y.Length) throw new InputException($"{x.GetLength(0)} samples but {y.Length} targets");
        return Create(architecture, x, ClassTargets.Column(y), beta, neurons, Models.LossFunction.Create(Models.LossKind.Squared));
    }

    /// <summary>
    /// Validates and builds the objective of a ReLU network of the given architecture (O outputs) with
    /// <paramref name="loss"/> on features X and encoded targets Y (n x O); neuron j feeds output j mod O.
    /// </summary>
    /// <exception cref="InputException">A bad beta, fewer neurons than outputs, or sizes that disagree.</exception>
    public static NonconvexObjective Create(NetworkArchitecture architecture, double[,] x, double[,] y, double beta, int neurons, Models.LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(loss);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        int o = y.GetLength(1);
        if (neurons < Math.Max(1, o)) throw new InputException($"the network needs at least {Math.Max(1, o)} neurons (one per output), got {neurons}; try --neurons {Math.Max(10, 3 * o)}");
        if (x.GetLength(0) != y.GetLength(0)) throw new InputException($"{x.GetLength(0)} samples but {y.GetLength(0)} targets");
        if (o != architecture.Outputs) throw new InputException($"{o} target columns for a network with {architecture.Outputs} outputs");
        return new NonconvexObjective(architecture.ExtractPatches(x), (double[,])y.Clone(), architecture, neurons, beta, loss);
    }

    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight)
    {
        int p = Width, m = Neurons, kk = Patches;
        var u = theta[..(m * p)];
        var w = theta[(m * p)..];
        bool grad = !gradient.IsEmpty;
        // Regularizer beta/2 (||U||^2 + ||w||^2), gradient beta theta.
        double reg = 0;
        for (int k = 0; k < theta.Length; k++) reg += theta[k] * theta[k];
        if (grad) for (int k = 0; k < theta.Length; k++) gradient[k] = Beta * theta[k];
        var gu = grad ? gradient[..(m * p)] : Span<double>.Empty;
        var gw = grad ? gradient[(m * p)..] : Span<double>.Empty;
        var z = _z.AsSpan();
        double loss = 0;
        foreach (int i in batch)
        {
            var xi = _x[i].AsSpan();
            // z_jk = x_ik'u_j, f_o = sum over the neurons j of output o of w_j sum_k (z_jk)_+.
            int o = _f.Length;
            Array.Clear(_f);
            for (int j = 0; j < m; j++)
            {
                var uj = u.Slice(j * p, p);
                for (int q = 0; q < kk; q++)
                {
                    double s = 0;
                    var xq = xi.Slice(q * p, p);
                    for (int k = 0; k < p; k++) s += xq[k] * uj[k];
                    z[j * kk + q] = s;
                    if (s > 0) _f[j % o] += s * w[j];
                }
            }
            for (int t = 0; t < o; t++) _ys[t] = _y[i, t];
            loss += _loss.Sample(_f, _ys, grad ? _g : Span<double>.Empty);
            if (!grad) continue;
            // dL/dw_j += c g_o sum_k (z_jk)_+,  dL/du_j += c g_o w_j sum_k 1[z_jk > 0] x_ik, g = dl/df (the residual for the squared loss).
            for (int j = 0; j < m; j++)
            {
                double cr = weight * _g[j % o];
                double a = cr * w[j];
                var gj = gu.Slice(j * p, p);
                for (int q = 0; q < kk; q++)
                {
                    double zq = z[j * kk + q];
                    if (zq <= 0) continue;
                    gw[j] += cr * zq;
                    var xq = xi.Slice(q * p, p);
                    for (int k = 0; k < p; k++) gj[k] += a * xq[k];
                }
            }
        }
        return weight * loss + Beta / 2 * reg;
    }

    /// <summary>u_j ~ N(0, s^2 I / p), w_j ~ N(0, s^2 / m).</summary>
    public override void Initialize(Span<double> theta, double scale, Random rng)
    {
        CheckLength(theta.Length);
        InitializeTwoLayer(theta, Width, Neurons, scale, rng);
    }

    /// <summary>The packed parameters of <paramref name="network"/> (which must have this objective's architecture and width).</summary>
    public double[] Pack(TwoLayerReluNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Bias != Bias || network.Architecture.PatchLength != Width || network.Neurons.Count != Neurons
            || network.Neurons.Select((nrn, j) => nrn.Output != j % _f.Length).Any(b => b))
            throw new ArgumentException($"the network ({network.Neurons.Count} neurons, {network.Inputs} inputs, bias {network.Bias}) does not match the objective ({Neurons} neurons, width {Width}, bias {Bias})");
        var theta = new double[Parameters];
        for (int j = 0; j < Neurons; j++)
        {
            network.Neurons[j].U.CopyTo(theta, j * Width);
            theta[Neurons * Width + j] = network.Neurons[j].W;
        }
        return theta;
    }

    /// <summary>The network of packed parameters <paramref name="theta"/> (which must be finite).</summary>
    public TwoLayerReluNetwork Unpack(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        CheckLength(theta.Length);
        var neurons = new Neuron[Neurons];
        int o = _f.Length;
        for (int j = 0; j < Neurons; j++) neurons[j] = new Neuron(theta.Slice(j * Width, Width).ToArray(), theta[Neurons * Width + j], j % o);
        return TwoLayerReluNetwork.Create(_architecture, neurons, metadata, _loss.Classes);
    }

    /// <inheritdoc/>
    public override INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null) => Unpack(theta, metadata);
}

/// <summary>
/// The usual way to train the network that the pipeline (<see cref="Models.ModelPipeline"/>) trains exactly: first-order descent on the
/// nonconvex objective 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2) from a seeded random initialization.
/// Its result is only a local answer; <c>OptimalityVerifier</c> says how far from the global optimum it is.
/// </summary>
public static partial class NonconvexTrainer
{
    private const double AdamBeta1 = 0.9, AdamBeta2 = 0.999, AdamEpsilon = 1e-8;

    /// <summary>
    /// Trains the nonconvex network of <paramref name="model"/> (any family: its <see cref="Models.INetworkFamily.Objective"/>)
    /// on a data set with targets, by the first-order method of <paramref name="options"/>. Any network it returns is
    /// feasible for the nonconvex problem, so its objective is never below the exact optimum.
    /// </summary>
    /// <exception cref="InputException">Invalid options or model, or data without targets.</exception>
    public static NonconvexResult Train(Dataset data, Models.ModelSpec model, NonconvexOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(options);
        model.Validated();
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets (the last column, or --target NAME)");
        var (lr, batch) = Validate(options, data, model.Bias);
        var objective = Models.ModelRegistry.For(model).Objective(data, model, options.Neurons);
        int n = objective.Samples;

        var clock = Stopwatch.StartNew();
        var rng = new Random(options.Seed);
        var theta = new double[objective.Parameters];
        objective.Initialize(theta, options.InitScale, rng);
        var (last, history, steps, diverged) = Descend(theta, rng, n, lr, batch, options.Optimizer, options.Epochs,
            t => objective.Value(t), objective.Evaluate);

        var meta = new Dictionary<string, JsonNode?>
        {
            ["beta"] = model.Beta,
            ["data"] = data.Source,
            ["target"] = data.TargetName,
            ["features"] = new JsonArray(data.FeatureNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["trained_by"] = $"{Name(options.Optimizer)}{objective.Description} (lr {lr.ToString("G4", CultureInfo.InvariantCulture)}, {options.Epochs} epochs, batch {batch}, seed {options.Seed})",
            ["objective"] = history[^1],
        };
        foreach (var (key, value) in Models.LossFunction.For(model).FileKeys()) meta[key] = value;
        return new NonconvexResult
        {
            Network = objective.Unpack(last, meta), Objective = history[^1], History = history.ToArray(),
            Steps = steps, Diverged = diverged, Seconds = clock.Elapsed.TotalSeconds, LearningRate = lr,
        };
    }

    /// <summary>The checked objective's body: weight * 1/2 sum over the batch + regularizer, gradient written (trusted arguments).</summary>
    internal delegate double BatchEvaluator(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight);

    /// <summary>
    /// The first-order loop shared by the ReLU and the polynomial trainers: epochs of (minibatch) GD or Adam from
    /// <paramref name="theta"/> (updated in place), stopping at the first non-finite objective. Returns the last finite
    /// iterate, the objective history (initialization first), the steps taken and whether it diverged.
    /// </summary>
    internal static (double[] Last, List<double> History, long Steps, bool Diverged) Descend(double[] theta, Random rng, int n, double lr, int batch,
        NonconvexOptimizer optimizer, int epochs, Func<double[], double> value, BatchEvaluator evaluate)
    {
        var last = (double[])theta.Clone();
        var grad = new double[theta.Length];
        var m1 = optimizer == NonconvexOptimizer.Adam ? new double[theta.Length] : [];
        var m2 = optimizer == NonconvexOptimizer.Adam ? new double[theta.Length] : [];
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var history = new List<double>(epochs + 1) { value(theta) };
        long steps = 0;
        bool diverged = !double.IsFinite(history[0]);
        for (int epoch = 0; epoch < epochs && !diverged; epoch++)
        {
            if (batch < n) Shuffle(order, rng);
            for (int start = 0; start < n; start += batch)
            {
                var rows = order.AsSpan(start, Math.Min(batch, n - start));
                evaluate(theta, grad, rows, (double)n / rows.Length);
                steps++;
                if (optimizer == NonconvexOptimizer.Adam)
                {
                    // m1 = b1 m1 + (1-b1) g, m2 = b2 m2 + (1-b2) g^2, theta -= lr mhat / (sqrt(vhat) + eps).
                    double c1 = 1 - Math.Pow(AdamBeta1, steps), c2 = 1 - Math.Pow(AdamBeta2, steps);
                    for (int k = 0; k < theta.Length; k++)
                    {
                        m1[k] = AdamBeta1 * m1[k] + (1 - AdamBeta1) * grad[k];
                        m2[k] = AdamBeta2 * m2[k] + (1 - AdamBeta2) * grad[k] * grad[k];
                        theta[k] -= lr * (m1[k] / c1) / (Math.Sqrt(m2[k] / c2) + AdamEpsilon);
                    }
                }
                else
                {
                    // theta -= lr g.
                    for (int k = 0; k < theta.Length; k++) theta[k] -= lr * grad[k];
                }
            }
            double v = value(theta);
            if (!double.IsFinite(v) || !AllFinite(theta)) { diverged = true; break; }
            history.Add(v);
            theta.CopyTo(last, 0);
        }
        return (last, history, steps, diverged);
    }

    /// <summary>Checks the options for the data (with a first-layer bias column when <paramref name="bias"/>) and returns the step size and batch size they imply.</summary>
    /// <exception cref="InputException">A non-positive step size, epoch count or scale, or a batch size outside 1..n (or not n for GD).</exception>
    public static (double LearningRate, int BatchSize) Validate(NonconvexOptions options, Dataset data, bool bias)
    {
        ArgumentNullException.ThrowIfNull(options); ArgumentNullException.ThrowIfNull(data);
        int n = data.Rows;
        if (options.Neurons < 1) throw new InputException($"the network needs at least 1 neuron, got {options.Neurons}; try --neurons 10");
        // Parameters (d + 2 per neuron and output) in about six copies (weights, gradient, moments, best), and the n x m
        // activations twice: refused before any allocation when above the memory limit.
        long perRun = 8L * (6L * options.Neurons * (data.Columns + 2) + 2L * options.Neurons * n);
        long limit = Models.TrainingGuards.DefaultMemoryLimit / Math.Max(1, Environment.ProcessorCount);
        if (perRun > limit)
            throw new InputException($"{options.Neurons:N0} neurons on {n:N0} samples need about {Models.TrainingGuards.Gb(perRun)} per run, above the {Models.TrainingGuards.Gb(limit)} each of {Environment.ProcessorCount} parallel runs may use; use fewer neurons (at most about {Math.Max(1, (long)((double)options.Neurons * limit / perRun)):N0})");
        double lr = options.LearningRate ?? NonconvexOptions.DefaultLearningRate(options.Optimizer, data, bias);
        if (!double.IsFinite(lr) || lr <= 0) throw new InputException($"the learning rate must be a positive number, got {lr.ToString(CultureInfo.InvariantCulture)}; try --lr 0.01");
        if (options.Epochs < 1) throw new InputException($"training needs at least 1 epoch, got {options.Epochs}; try --epochs 2000");
        if (!double.IsFinite(options.InitScale) || options.InitScale <= 0) throw new InputException($"the initialization scale must be a positive number, got {options.InitScale.ToString(CultureInfo.InvariantCulture)}; try --init-scale 1");
        if (!Enum.IsDefined(options.Optimizer)) throw new InputException($"unknown optimizer {options.Optimizer}; use gd, sgd or adam");
        int batch = options.BatchSize ?? (options.Optimizer == NonconvexOptimizer.Sgd ? Math.Min(n, 16) : n);
        if (batch < 1 || batch > n) throw new InputException($"the batch size must be between 1 and n = {n}, got {batch}");
        if (options.Optimizer == NonconvexOptimizer.GradientDescent && batch != n)
            throw new InputException($"gradient descent uses the full batch (n = {n}); drop the batch size or use --optimizer sgd");
        return (lr, batch);
    }

    /// <summary>The command-line name of a method: gd, sgd or adam.</summary>
    public static string Name(NonconvexOptimizer optimizer) => optimizer switch
    {
        NonconvexOptimizer.GradientDescent => "gd",
        NonconvexOptimizer.Sgd => "sgd",
        _ => "adam",
    };

    /// <summary>Parses gd, sgd or adam.</summary>
    /// <exception cref="InputException">Another name.</exception>
    public static NonconvexOptimizer Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "gd" => NonconvexOptimizer.GradientDescent,
        "sgd" => NonconvexOptimizer.Sgd,
        "adam" => NonconvexOptimizer.Adam,
        _ => throw new InputException($"unknown optimizer '{name}'; use gd, sgd or adam"),
    };

    /// <summary>A standard normal draw (Box-Muller).</summary>
    internal static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void Shuffle(int[] order, Random rng)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int k = rng.Next(i + 1);
            (order[i], order[k]) = (order[k], order[i]);
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> v)
    {
        foreach (double a in v) if (!double.IsFinite(a)) return false;
        return true;
    }
}
