using System.Diagnostics;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// Gated ReLU networks (<see cref="GatedReluNetwork"/>: fixed gates, the model of the peer group-lasso solvers) with weight
/// decay, fully connected or convolutional: the gates are the chambers of the data's arrangement (every activation
/// pattern a generic gate can have on the training rows; sampled with <see cref="TrainingOptions.Sample"/>) -&gt; the
/// unconstrained group lasso (<see cref="GatedReluProgram"/>) -&gt; the block-structured solve -&gt; one neuron per nonzero
/// block (gate: the chamber's witness direction; u = w_i/sqrt||w_i||, weight sqrt||w_i||) -&gt; a dual certificate over
/// every chamber: t v is dual feasible when ||sum_k X_k'D_ik t v|| &lt;= beta for every chamber i (an exact norm each).
/// The bound holds over gated networks of any width whose gates lie inside chambers (generic gates).
/// </summary>
public sealed class GatedReluFamily() : NetworkFamily("gated_relu", ActivationKind.GatedRelu,
    new FamilyText("1/2||f(X)-y||^2 + beta/2 sum(||u||^2 + w^2), fixed gates", "convex optimum", " over every chamber (gate)", "gated networks of any width", ""))
{
    /// <inheritdoc/>
    public override INetwork Read(JsonObject document, string source) => GatedReluNetwork.Read(document, source);

    /// <inheritdoc/>
    public override NetworkArchitecture Architecture(ModelSpec model, int inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Classes is not null) throw new InputException("classes apply to polynomial networks only for now; a gated ReLU network fits the target column as a regression");
        if (model.Image is { Pool: not 0 }) throw new InputException($"pooling regions (pool {model.Image.Pool}) are not supported for gated CNNs: the gated CNN sums every patch");
        return Shape(model, inputs, 1, sumPooling: true);
    }

    /// <inheritdoc/>
    public override void CheckSize(Dataset data, ModelSpec model, TrainingOptions options) =>
        TrainingGuards.CheckReluProgramSize(Architecture(model, data.Columns).StackedPatches(data.X).X, data.Rows, options.Sample, options.MaxMemoryBytes ?? TrainingGuards.DefaultMemoryLimit);

    /// <inheritdoc/>
    public override TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options)
    {
        var clock = Stopwatch.StartNew();
        var arch = Architecture(model, data.Columns);
        var y = data.Y ?? throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        var x = arch.StackedPatches(data.X).X;
        var arrangement = TrainingChambers(x, options);
        double enumeration = clock.Elapsed.TotalSeconds;
        // Gates must be representable in doubles, so numerical slivers (ChamberCone.ThinWidth) are left out. Unlike in the
        // ReLU program this can change the optimum by more than O(width) (a gate's weights are not confined to its cone),
        // and the certificate, which checks every chamber, then says how much: honestly not certified.
        var thick = arrangement.Chambers.Where(c => !ChamberCone.IsThin(x, c)).ToArray();
        var program = GatedReluProgram.Build(x, y, model.Beta, thick, data.Rows);
        var solveClock = Stopwatch.StartNew();
        var solution = FamilyTraining.Solve(program.Problem, options, options.StructuredSolver ? BlockAngularKktSolver.Factory(program.Layout) : null);
        double solve = solveClock.Elapsed.TotalSeconds;
        double primal = program.Objective(solution.X, y);

        // One neuron per nonzero block: w_i = u w with ||u|| = w = sqrt||w_i|| (the weight decay's balance).
        var neurons = new List<GatedNeuron>();
        foreach (var (gate, w) in program.Support(solution.X, options.PruneTolerance))
        {
            double root = Math.Sqrt(Math.Sqrt(w.Sum(v => v * v)));
            neurons.Add(new GatedNeuron(ChamberCone.Centre(x, program.Gates[gate]), w.Select(v => v / root).ToArray(), root));
        }
        string trainedBy = options.Sample is null ? "ecnn train --activation gated (exact group lasso over every chamber)" : $"ecnn train --activation gated --sample {options.Sample} (upper bound)";
        var meta = FamilyTraining.Metadata(data, model, trainedBy, solution, data.Rows);
        var network = GatedReluNetwork.Create(arch, neurons, meta);
        double recovered = network.Objective(data.X, ClassTargets.Column(y), model.Beta);
        FamilyTraining.RecordObjective(network, recovered);
        return new TrainingResult
        {
            Model = model, Status = solution.Status, Primal = primal, Dual = solution.DualObjective,
            RelativeGap = FamilyTraining.RelativeGap(primal, solution.DualObjective),
            Network = network, RecoveredObjective = recovered, Targets = ClassTargets.Column(y),
            Program = program, Solution = solution, DualCandidate = FamilyTraining.DualCandidate(solution, data.Rows, 1),
            Arrangement = arrangement, ThinChambers = arrangement.Chambers.Count - thick.Length,
            PreparePhase = "enumeration", PrepareSeconds = enumeration, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <inheritdoc/>
    public override Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var gated = Fitting<GatedReluNetwork>(network, data);
        var x = gated.Architecture.StackedPatches(data.X).X;
        var arrangement = CertificateChambers(x, request);
        var y = data.Y!;
        var f = gated.Outputs(data.X);
        double objective = gated.Objective(data.X, ClassTargets.Column(y), beta);
        var residual = new double[y.Length];
        for (int i = 0; i < y.Length; i++) residual[i] = y[i] - f[i, 0];
        var candidates = new List<double[]> { residual };
        if (request.Candidate is { } v && v.GetLength(0) == y.Length && v.GetLength(1) == 1)
            candidates.Add(Enumerable.Range(0, y.Length).Select(i => v[i, 0]).ToArray());
        return Certificate.Best(candidates.Select(c =>
        {
            var (bound, rho, scale) = LowerBound(x, data.Rows, y, beta, arrangement.Chambers, c);
            return Certificate.FromBound(objective, bound, rho, scale, arrangement.Chambers.Count, request.Tolerance);
        }));
    }

    /// <summary>
    /// The dual bound from candidate v: rho = max over chambers of ||sum over active rows j of x_j v_(j mod n)|| (inflated by a
    /// relative 1e-12 against rounding), t = clamp(v'y/||v||^2, 0, beta/rho), bound -1/2||t v - y||^2 + 1/2||y||^2.
    /// </summary>
    internal static (double LowerBound, double Rho, double Scale) LowerBound(double[,] x, int n, double[] y, double beta, IReadOnlyList<Chamber> chambers, double[] v)
    {
        int rows = x.GetLength(0), d = x.GetLength(1);
        var c = new double[d];
        double rho = 0;
        foreach (var ch in chambers)
        {
            // c = sum_k X_k'D_ik v.
            Array.Clear(c);
            for (int j = 0; j < rows; j++)
            {
                double vj = v[j % n];
                if (ch[j] && vj != 0) for (int k = 0; k < d; k++) c[k] += x[j, k] * vj;
            }
            double s = 0;
            foreach (var e in c) s += e * e;
            rho = Math.Max(rho, Math.Sqrt(s));
        }
        return OptimalityVerifier.ScaledBound(y, beta, rho * (1 + 1e-12), v);
    }

    /// <inheritdoc/>
    public override INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons)
    {
        var arch = Architecture(model, data.Columns);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        if (neurons < 1) throw new InputException($"the network needs at least 1 neuron, got {neurons}");
        var x = arch.StackedPatches(data.X).X;
        // The gates of the first-order runs: chambers' centres, spread over the enumeration order.
        var chambers = Chambers(data, arch, x);
        if (chambers.Length == 0) throw new InputException("the data has no chamber with an active row; every gate would be off");
        var gates = Enumerable.Range(0, neurons).Select(j => ChamberCone.Centre(x, chambers[(int)((long)j * chambers.Length / neurons)])).ToArray();
        return new GatedNonconvexObjective(arch, data.X, data.Y, model.Beta, gates);
    }

    // The chambers with an active row, per data set and architecture: the runs of a comparison share one enumeration.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Dataset, Dictionary<string, Chamber[]>> _chambers = new();

    private Chamber[] Chambers(Dataset data, NetworkArchitecture arch, double[,] x)
    {
        var byShape = _chambers.GetValue(data, _ => []);
        lock (byShape)
        {
            string key = arch.Describe();
            if (!byShape.TryGetValue(key, out var chambers))
                byShape[key] = chambers = ArrangementEnumerator.Enumerate(x, new ArrangementOptions { IndependentCount = false }).Chambers.Where(c => !c.IsAllZero).ToArray();
            return chambers;
        }
    }
}

/// <summary>
/// The nonconvex objective of a gated ReLU network with fixed gates g_j in the parameters theta = [u_1; ...; u_m; w_1 ... w_m]:
/// <code>
///   L(theta) = 1/2 sum_i (f(x_i) - y_i)^2 + beta/2 (||U||_F^2 + ||w||^2),   f(x) = sum_j w_j sum_k 1[x_k'g_j &gt;= 0] x_k'u_j.
/// </code>
/// </summary>
public sealed class GatedNonconvexObjective : FirstOrderObjective
{
    private readonly double[][] _x;     // per sample, its K patches
    private readonly double[] _y;
    private readonly bool[][] _open;    // per sample, gate j open on patch k at j K + k
    private readonly double[][] _gates;
    private readonly double[] _a;       // m scratch: sum_k open x_k'u_j of one sample
    private readonly NetworkArchitecture _architecture;
    private readonly int _p, _k, _m;
    private readonly double _beta;

    /// <summary>The objective on features X and targets y for the given gates (one per neuron).</summary>
    public GatedNonconvexObjective(NetworkArchitecture architecture, double[,] x, double[] y, double beta, double[][] gates) : base(y.Length)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(gates);
        _architecture = architecture; _p = architecture.PatchLength; _k = architecture.Patches; _m = gates.Length; _beta = beta;
        _x = architecture.ExtractPatches(x); _y = (double[])y.Clone(); _gates = gates; _a = new double[_m];
        // 1[x_ik'g_j >= 0], computed once: the gates are fixed.
        _open = _x.Select(xi =>
        {
            var open = new bool[_m * _k];
            for (int j = 0; j < _m; j++)
                for (int q = 0; q < _k; q++)
                {
                    double s = 0;
                    for (int c = 0; c < _p; c++) s += xi[q * _p + c] * gates[j][c];
                    open[j * _k + q] = s >= 0;
                }
            return open;
        }).ToArray();
    }

    /// <inheritdoc/>
    public override int Parameters => _m * (_p + 1);
    /// <inheritdoc/>
    public override string Description => " on the gated network";
    /// <inheritdoc/>
    protected override string Layout => $"m (p + 1) with m = {_m}, p = {_p}";

    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight)
    {
        int p = _p, m = _m, kk = _k;
        var u = theta[..(m * p)];
        var w = theta[(m * p)..];
        bool grad = !gradient.IsEmpty;
        // Regularizer beta/2 ||theta||^2, gradient beta theta.
        double reg = 0;
        for (int t = 0; t < theta.Length; t++) reg += theta[t] * theta[t];
        if (grad) for (int t = 0; t < theta.Length; t++) gradient[t] = _beta * theta[t];
        double loss = 0;
        foreach (int i in batch)
        {
            var xi = _x[i];
            var open = _open[i];
            // a_j = sum_k open_jk x_k'u_j, f = sum_j w_j a_j.
            double f = 0;
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int q = 0; q < kk; q++)
                {
                    if (!open[j * kk + q]) continue;
                    for (int c = 0; c < p; c++) s += xi[q * p + c] * u[j * p + c];
                }
                _a[j] = s;
                f += w[j] * s;
            }
            double r = f - _y[i];
            loss += r * r;
            if (!grad) continue;
            // dL/dw_j += c r a_j, dL/du_j += c r w_j sum_k open_jk x_k.
            double cr = weight * r;
            for (int j = 0; j < m; j++)
            {
                gradient[m * p + j] += cr * _a[j];
                double cw = cr * w[j];
                if (cw == 0) continue;
                for (int q = 0; q < kk; q++)
                {
                    if (!open[j * kk + q]) continue;
                    for (int c = 0; c < p; c++) gradient[j * p + c] += cw * xi[q * p + c];
                }
            }
        }
        return weight * loss / 2 + _beta / 2 * reg;
    }

    /// <summary>u_j ~ N(0, s^2 I / p), w_j ~ N(0, s^2 / m).</summary>
    public override void Initialize(Span<double> theta, double scale, Random rng)
    {
        CheckLength(theta.Length);
        InitializeTwoLayer(theta, _p, _m, scale, rng);
    }

    /// <inheritdoc/>
    public override INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        CheckLength(theta.Length);
        var neurons = new GatedNeuron[_m];
        for (int j = 0; j < _m; j++) neurons[j] = new GatedNeuron(_gates[j], theta.Slice(j * _p, _p).ToArray(), theta[_m * _p + j]);
        return GatedReluNetwork.Create(_architecture, neurons, metadata);
    }
}
