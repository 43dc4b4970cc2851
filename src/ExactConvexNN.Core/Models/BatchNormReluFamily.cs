using System.Diagnostics;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// Two-layer ReLU networks with batch normalization before the ReLU (<see cref="BatchNormReluNetwork"/>; Ergen, Sahiner,
/// Ozturkler, Pauly, Mardani &amp; Pilanci, ICLR 2022), fully connected, squared loss:
/// <code>
///   min over u_j, gamma_j, alpha_j, w_j of 1/2 || sum_j (gamma_j (I - 1 1'/n) X u_j / ||(I - 1 1'/n) X u_j|| + alpha_j 1)_+ w_j - y ||^2
///                                          + beta/2 sum_j (gamma_j^2 + alpha_j^2 + w_j^2).
/// </code>
/// The data is whitened (<see cref="BatchNormWhitening"/>: A = [U 1] from the SVD of the centred X), which makes the model
/// exactly the ReLU network on A, so the pipeline is the ReLU one on A (chambers of A's rows, the block-structured solve,
/// recovery, pruning, beta_max and the dual certificate over every chamber of A, which bounds the BN objective from below
/// over networks of any width), and the neurons come back as BN neurons with their gamma, alpha and batch statistics.
/// </summary>
public sealed class BatchNormReluFamily() : NetworkFamily(BatchNormReluNetwork.ActivationName, ActivationKind.Relu,
    new FamilyText("1/2||f(X)-y||^2 + beta/2 sum(gamma^2 + alpha^2 + w^2), BN before the ReLU", "convex optimum", " over every chamber of the whitened data [U 1]",
        "BN networks of any width", " (whitened: u = V Sigma^-1 s)"))
{
    private static readonly ReluFamily Relu = new();

    /// <summary>ReLU models with <see cref="ModelSpec.BatchNorm"/>.</summary>
    public override bool Trains(ModelSpec model) => model is not null && model.Activation == ActivationKind.Relu && model.BatchNorm && model.Layers == Layers;

    /// <inheritdoc/>
    public override INetwork Read(JsonObject document, string source) => BatchNormReluNetwork.Read(document, source);

    /// <inheritdoc/>
    public override NetworkArchitecture Architecture(ModelSpec model, int inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validated();
        return NetworkArchitecture.FullyConnected(inputs, false);
    }

    /// <summary>The whitened data set: A = [U 1] with the targets, named after the data.</summary>
    private static Dataset Whitened(Dataset data, BatchNormWhitening whitening)
    {
        int r = whitening.Rank;
        var names = Enumerable.Range(1, r).Select(k => $"u{k}").Append("one").ToArray();
        return Dataset.Create(whitening.Whitened, data.Y, names, data.TargetName, data.Source);
    }

    /// <summary>
    /// The chambers of the whitened data A = [U 1], enumerated exactly on [X 1]: the two matrices have the same column
    /// space ([X 1] = A M with M invertible on it), so their arrangements have the same patterns and the same facet rows
    /// (a linear bijection maps the cones onto each other). [X 1] holds the user's numbers, which the enumerator reads
    /// exactly; A holds rounded singular vectors, whose own arrangement would add numerical slivers (rows that coincide or
    /// are collinear in X but not in A's rounding) that no BN neuron can realize. The chambers are returned labelled with
    /// A's shape (their witnesses stay in [X 1]'s coordinates; the program and the certificate use patterns and facets).
    /// </summary>
    private static Arrangement Chambers(Dataset data, BatchNormWhitening whitening, Func<double[,], Arrangement> enumerate)
    {
        var a = enumerate(data.WithBias().X);
        return new Arrangement
        {
            Rows = a.Rows, Columns = whitening.Rank + 1, Rank = a.Rank, Hyperplanes = a.Hyperplanes, RowHyperplane = a.RowHyperplane,
            Chambers = a.Chambers, ExpectedChambers = a.ExpectedChambers, CountMethod = a.CountMethod, EstimatedChambers = a.EstimatedChambers,
            Sampled = a.Sampled, SamplesDrawn = a.SamplesDrawn, SamplingStopped = a.SamplingStopped, Seconds = a.Seconds,
        };
    }

    /// <summary>The ReLU model on the whitened data: no bias (A has its column of ones), the same beta.</summary>
    private static ModelSpec ReluModel(ModelSpec model) => model with { BatchNorm = false, Bias = false };

    /// <inheritdoc/>
    public override void CheckSize(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(options);
        Architecture(model, data.Columns);
        // The program on A = [U 1] is at most the size of the ReLU program on [X 1] (same chambers, r + 1 <= d + 1 columns).
        TrainingGuards.CheckReluProgramSize(data.WithBias().X, data.Rows, options.Sample, options.MaxMemoryBytes ?? TrainingGuards.DefaultMemoryLimit, model.Outputs);
    }

    /// <summary>
    /// beta_max of the BN model: the smallest beta at which the zero network is optimal, the ReLU beta_max over every
    /// chamber of the whitened data.
    /// </summary>
    /// <exception cref="InputException">Data without targets, features that do not vary, or too many chambers.</exception>
    public static double BetaMax(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(options);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; beta_max needs targets");
        var whitening = BatchNormWhitening.Of(data.X);
        return TrainingGuards.ReluBetaMax(whitening.Whitened, model.Targets(data), LossFunction.For(model),
            Chambers(data, whitening, b => ArrangementEnumerator.Enumerate(b, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false })));
    }

    /// <inheritdoc/>
    public override TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        Architecture(model, data.Columns);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        var whitening = BatchNormWhitening.Of(data.X);
        var whitened = Whitened(data, whitening);
        // The ReLU network on A = [U 1] (trained, recovered, pruned; beta_max and the zero network above it), then its
        // neurons as BN neurons: the two objectives are the same function of the neurons.
        // Chambers given for other data (of X, not A) and first-layer directions (of X) are not used; exact chambers are
        // enumerated on [X 1] (sampled ones on A itself).
        bool ours = options.Chambers is { } given && given.Rows == data.Rows && given.Columns == whitening.Rank + 1;
        var enumeration = Stopwatch.StartNew();
        var chambers = ours ? options.Chambers : options.Sample is null ? Chambers(data, whitening, b => TrainingChambers(b, options with { Chambers = null })) : null;
        enumeration.Stop();
        var onA = options with { Directions = null, Chambers = chambers, WorkingSet = ours ? options.WorkingSet : null };
        var relu = Relu.Complete(Relu.Train(whitened, ReluModel(model), onA), whitened);
        var reluNetwork = (TwoLayerReluNetwork)relu.Network;
        var meta = new Dictionary<string, JsonNode?>(reluNetwork.Metadata)
        {
            ["features"] = new JsonArray(data.FeatureNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["trained_by"] = relu.Sampled
                ? $"ecnn train --batch-norm --sample {options.Sample} (upper bound)"
                : reluNetwork.NeuronCount == 0 && relu.BetaMax is double bm && model.Beta >= bm
                    ? $"ecnn train --batch-norm (beta >= beta_max = {bm.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}: the zero network)"
                    : "ecnn train --batch-norm (exact convex program over the whitened data [U 1])",
        };
        var network = BatchNormReluNetwork.Create(data.Columns, reluNetwork.Neurons.Select(n => whitening.Neuron(n.U, n.W, n.Output)).ToList(), meta, model.Classes);
        var f = network.Outputs(data.X);
        double recovered = LossFunction.For(model).Value(f, relu.Targets) + network.Regularizer(model.Beta);
        FamilyTraining.RecordObjective(network, recovered);
        return relu with
        {
            Model = model, Network = network, RecoveredObjective = recovered,
            TrainAccuracy = model.Classes is int k ? ClassTargets.Accuracy(f, data.Y, k) : null,
            PrepareSeconds = relu.PrepareSeconds + enumeration.Elapsed.TotalSeconds, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// The dual bound over every chamber of the whitened data A, from the network's residual and the request's candidate,
    /// against the network's own objective. The network's stored batch statistics must be the data's (otherwise it is
    /// not the batch-normalized network on this batch and the bound says nothing about it).
    /// </summary>
    public override Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var bn = Fitting<BatchNormReluNetwork>(network, data);
        if (!bn.HasBatchStatisticsOf(data.X))
            throw new InputException($"the network's batch statistics (each neuron's mean and scale) are not those of '{data.Source}'; a batch-normalized network is certified on the batch it was trained on");
        var whitening = BatchNormWhitening.Of(data.X);
        var a = whitening.Whitened;
        var arrangement = request.Arrangement is { } given && given.Rows == a.GetLength(0) && given.Columns == a.GetLength(1)
            ? given : Chambers(data, whitening, b => CertificateChambers(b, request with { Arrangement = null }));
        if (arrangement.Sampled) throw new InputException("verification needs every chamber; sampled chambers give no certificate");
        var loss = LossFunction.Of(bn);
        var y = loss.Targets(data.Y!);
        var f = bn.Outputs(data.X);
        double objective = loss.Value(f, y) + bn.Regularizer(beta);
        // Candidates: -grad L at the network's outputs (the residual for the squared loss), and the request's.
        var candidates = new List<double[,]> { loss.NegativeGradient(f, y) };
        if (request.Candidate is { } v && v.GetLength(0) == y.GetLength(0) && v.GetLength(1) == y.GetLength(1)) candidates.Add(v);
        return Certificate.Best(candidates.Select(c =>
        {
            var (bound, rho, scale) = OptimalityVerifier.LowerBound(a, data.Rows, y, beta, arrangement.Chambers, c, loss);
            return Certificate.FromBound(objective, bound, rho, scale, arrangement.Chambers.Count, request.Tolerance);
        }));
    }

    /// <inheritdoc/>
    public override INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model);
        Architecture(model, data.Columns);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        if (neurons < 1) throw new InputException($"the network needs at least 1 neuron, got {neurons}");
        BatchNormWhitening.Of(data.X); // refuses data whose features do not vary
        var y = model.Targets(data);
        int o = y.GetLength(1);
        if (neurons < o) throw new InputException($"the network needs at least {o} neurons (one per output), got {neurons}; try --neurons {Math.Max(10, 3 * o)}");
        return new BatchNormNonconvexObjective(data.X, y, model.Beta, neurons, LossFunction.For(model), model.Classes);
    }
}

/// <summary>
/// The nonconvex objective of the batch-normalized ReLU network (<see cref="BatchNormReluNetwork"/>), the normalization
/// over the whole training batch, in the parameters theta = [u_1; ...; u_m; gamma_1 .. gamma_m; alpha_1 .. alpha_m; w_1 .. w_m]:
/// <code>
///   h_j = (I - 1 1'/n) X u_j,  a_j = gamma_j h_j / ||h_j|| + alpha_j 1,  f = sum_j (a_j)_+ w_j,
///   L(theta) = 1/2 sum_i (f_i - y_i)^2 + beta/2 sum_j (gamma_j^2 + alpha_j^2 + w_j^2),
/// </code>
/// or any other loss of <see cref="LossFunction"/> in place of the squared one; with O outputs (a K-class classifier)
/// neuron j feeds output j mod O alone, the sub-networks the convex program trains.
/// A minibatch sums the loss over its rows only, but the normalization always uses every row (the model's statistics are
/// the full batch's), so the minibatch gradient is an unbiased estimate of the full one. A neuron with h_j = 0 has the
/// normalized value 0 and no gradient in u_j. Holds scratch space for one evaluation at a time (not thread-safe).
/// </summary>
public sealed class BatchNormNonconvexObjective : FirstOrderObjective
{
    private readonly double[,] _x;
    private readonly double[,] _xc;     // (I - 1 1'/n) X
    private readonly double[,] _y;      // n x O encoded targets
    private readonly LossFunction _loss;
    private readonly int? _classes;
    private readonly double[] _hat;     // n m: h_j / ||h_j||, column j at j n
    private readonly double[] _norm;    // m: ||h_j||
    private readonly double[] _dl;      // n O: dl/df of the batch's rows
    private readonly double[] _fs, _ys; // O: one row's outputs and targets
    private readonly double[] _g;       // n: scratch gradient of one neuron's normalized column
    private readonly int _n, _d, _m, _o;
    private readonly double _beta;

    /// <summary>
    /// The objective on features X and encoded targets Y (n x O) for <paramref name="neurons"/> neurons (at least O),
    /// with <paramref name="loss"/> and, for a classifier, its <paramref name="classes"/>.
    /// </summary>
    public BatchNormNonconvexObjective(double[,] x, double[,] y, double beta, int neurons, LossFunction loss, int? classes = null) : base(y.GetLength(0))
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(loss);
        _n = x.GetLength(0); _d = x.GetLength(1); _m = neurons; _o = y.GetLength(1); _beta = beta; _loss = loss; _classes = classes;
        _x = x; _y = (double[,])y.Clone();
        _xc = BatchNormWhitening.Centred(x);
        _hat = new double[_n * _m]; _norm = new double[_m]; _dl = new double[_n * _o]; _fs = new double[_o]; _ys = new double[_o]; _g = new double[_n];
    }

    /// <inheritdoc/>
    public override int Parameters => _m * (_d + 3);
    /// <inheritdoc/>
    public override string Description => " on the batch-normalized network";
    /// <inheritdoc/>
    protected override string Layout => $"m (d + 3) with m = {_m}, d = {_d}";

    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight)
    {
        int n = _n, d = _d, m = _m;
        var u = theta[..(m * d)];
        var gamma = theta.Slice(m * d, m);
        var alpha = theta.Slice(m * d + m, m);
        var w = theta.Slice(m * d + 2 * m, m);
        bool grad = !gradient.IsEmpty;
        // Regularizer beta/2 (||gamma||^2 + ||alpha||^2 + ||w||^2), gradient beta (0, gamma, alpha, w).
        double reg = 0;
        for (int t = m * d; t < theta.Length; t++) reg += theta[t] * theta[t];
        if (grad)
        {
            gradient[..(m * d)].Clear();
            for (int t = m * d; t < theta.Length; t++) gradient[t] = _beta * theta[t];
        }
        // hat_j = h_j / ||h_j||, h_j = Xc u_j (0 when h_j = 0).
        for (int j = 0; j < m; j++)
        {
            double ss = 0;
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int c = 0; c < d; c++) s += _xc[i, c] * u[j * d + c];
                _hat[j * n + i] = s;
                ss += s * s;
            }
            double norm = Math.Sqrt(ss);
            _norm[j] = norm;
            for (int i = 0; i < n; i++) _hat[j * n + i] = norm > 0 ? _hat[j * n + i] / norm : 0;
        }
        // f_io = sum over the neurons j of output o of (gamma_j hat_ij + alpha_j)_+ w_j on the batch's rows; dl_i = dl/df_i.
        int o = _o;
        double loss = 0;
        foreach (int i in batch)
        {
            Array.Clear(_fs);
            for (int j = 0; j < m; j++)
            {
                double a = gamma[j] * _hat[j * n + i] + alpha[j];
                if (a > 0) _fs[j % o] += a * w[j];
            }
            for (int t = 0; t < o; t++) _ys[t] = _y[i, t];
            loss += _loss.Sample(_fs, _ys, grad ? _dl.AsSpan(i * o, o) : Span<double>.Empty);
        }
        if (!grad) return weight * loss + _beta / 2 * reg;
        for (int j = 0; j < m; j++)
        {
            // g_a_i = c dl_i w_j 1[a_ij > 0]: dL/dw_j += c dl_i a_ij, dL/dgamma_j += g_a_i hat_ij, dL/dalpha_j += g_a_i, g_hat_i = gamma_j g_a_i.
            Array.Clear(_g);
            double gw = 0, gg = 0, ga = 0, dot = 0;
            foreach (int i in batch)
            {
                double hat = _hat[j * n + i];
                double a = gamma[j] * hat + alpha[j];
                if (a <= 0) continue;
                double cr = weight * _dl[i * o + j % o];
                gw += cr * a;
                double gai = cr * w[j];
                gg += gai * hat;
                ga += gai;
                _g[i] = gamma[j] * gai;
                dot += _g[i] * hat;
            }
            gradient[m * d + 2 * m + j] += gw;
            gradient[m * d + j] += gg;
            gradient[m * d + m + j] += ga;
            if (_norm[j] == 0 || gamma[j] == 0) continue;
            // dL/du_j = Xc' (g_hat - hat (hat'g_hat)) / ||h_j||.
            for (int i = 0; i < n; i++)
            {
                double gh = (_g[i] - _hat[j * n + i] * dot) / _norm[j];
                if (gh == 0) continue;
                for (int c = 0; c < d; c++) gradient[j * d + c] += _xc[i, c] * gh;
            }
        }
        return weight * loss + _beta / 2 * reg;
    }

    /// <summary>u_j ~ N(0, s^2 I / d), gamma_j ~ N(0, s^2), alpha_j ~ N(0, s^2 / n), w_j ~ N(0, s^2 / m), in that order of draws.</summary>
    public override void Initialize(Span<double> theta, double scale, Random rng)
    {
        CheckLength(theta.Length);
        ArgumentNullException.ThrowIfNull(rng);
        int m = _m, d = _d;
        double su = scale / Math.Sqrt(d), sa = scale / Math.Sqrt(_n), sw = scale / Math.Sqrt(m);
        for (int k = 0; k < m * d; k++) theta[k] = su * NonconvexTrainer.Gaussian(rng);
        for (int j = 0; j < m; j++) theta[m * d + j] = scale * NonconvexTrainer.Gaussian(rng);
        for (int j = 0; j < m; j++) theta[m * d + m + j] = sa * NonconvexTrainer.Gaussian(rng);
        for (int j = 0; j < m; j++) theta[m * d + 2 * m + j] = sw * NonconvexTrainer.Gaussian(rng);
    }

    /// <summary>The BN network of the parameters, with each neuron's statistics over the training batch.</summary>
    public override INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        CheckLength(theta.Length);
        int m = _m, d = _d;
        var neurons = new BatchNormNeuron[m];
        for (int j = 0; j < m; j++)
        {
            var u = theta.Slice(j * d, d).ToArray();
            var (mean, scale) = BatchNormReluNetwork.BatchStatistics(_x, u);
            neurons[j] = new BatchNormNeuron(u, theta[m * d + j], theta[m * d + m + j], mean, scale, theta[m * d + 2 * m + j], j % _o);
        }
        return BatchNormReluNetwork.Create(d, neurons, metadata, _classes);
    }
}
