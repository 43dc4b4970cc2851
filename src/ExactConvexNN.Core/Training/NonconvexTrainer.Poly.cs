using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Training;

/// <summary>
/// The nonconvex objective of a width-m polynomial network (<see cref="NetworkArchitecture"/>) in the parameters
/// theta = [v_1; ...; v_m; w_1; ...; w_m] (v_j of length p, w_j of length R O), with u_j = v_j / ||v_j|| so that the
/// unit-norm constraint holds for every theta:
/// <code>
///   L(theta) = 1/2 sum_{i,o} (f_o(x_i) - y_io)^2 + beta sum_j ||w_j||_1,
///   f_o(x_i) = sum_j sum_r w_{j,r,o} (1/|P_r|) sum_{k in P_r} sigma(x_ik'u_j).
/// </code>
/// The gradient uses the subgradient sign(w) (0 at 0) of the l1 term; dL/dv_j = (I - u_j u_j') dL/du_j / ||v_j||.
/// Holds scratch space for one evaluation at a time (not thread-safe).
/// </summary>
public sealed class PolyNonconvexObjective : FirstOrderObjective
{
    private readonly double[][] _patches;
    private readonly double[,] _y;
    private readonly double[] _u, _gu, _act, _avg, _res, _coef;

    /// <summary>The network shape.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>The activation.</summary>
    public PolynomialActivation Activation { get; }
    /// <summary>Hidden neurons m.</summary>
    public int Neurons { get; }
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>Number of classes K when the network classifies; null for regression.</summary>
    public int? Classes { get; }
    /// <inheritdoc/>
    public override string Description => " on the polynomial network";
    /// <inheritdoc/>
    protected override string Layout => $"m (p + R O) with m = {Neurons}";
    /// <summary>Number of parameters m (p + R O).</summary>
    public override int Parameters => Neurons * (Architecture.PatchLength + Architecture.WeightsPerNeuron);

    private PolyNonconvexObjective(double[][] patches, double[,] y, NetworkArchitecture arch, PolynomialActivation act, double beta, int m, int? classes) : base(patches.Length)
    {
        _patches = patches; _y = y; Architecture = arch; Activation = act; Beta = beta; Neurons = m; Classes = classes;
        int p = arch.PatchLength;
        _u = new double[m * p]; _gu = new double[m * p];
        _act = new double[arch.Patches]; _avg = new double[m * arch.Regions.Count];
        _res = new double[arch.Outputs]; _coef = new double[arch.Regions.Count];
    }

    /// <summary>Validates and builds the objective for patches (from <see cref="NetworkArchitecture.ExtractPatches"/>) and targets Y (n x O).</summary>
    /// <exception cref="InputException">A bad beta, no neurons, or sizes that disagree.</exception>
    public static PolyNonconvexObjective Create(double[][] patches, double[,] y, NetworkArchitecture architecture, PolynomialActivation activation, double beta, int neurons, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(patches); ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(activation);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        if (neurons < 1) throw new InputException($"the network needs at least 1 neuron, got {neurons}; try --neurons 10");
        activation.Validated();
        if (y.GetLength(0) != patches.Length || y.GetLength(1) != architecture.Outputs)
            throw new InputException($"{patches.Length} samples and {architecture.Outputs} outputs but the targets are {y.GetLength(0)} x {y.GetLength(1)}");
        int len = architecture.Patches * architecture.PatchLength;
        for (int i = 0; i < patches.Length; i++)
            if (patches[i] is null || patches[i].Length != len) throw new InputException($"sample {i + 1} has {patches[i]?.Length ?? 0} patch values, expected {len}");
        return new PolyNonconvexObjective(patches, y, architecture, activation, beta, neurons, classes);
    }

    /// <summary>The body of <see cref="FirstOrderObjective.Value"/> and the gradients: weight * 1/2 sum over the batch + the l1 term (trusted arguments).</summary>
    public override double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight)
    {
        var arch = Architecture;
        int m = Neurons, p = arch.PatchLength, nr = arch.Regions.Count, o = arch.Outputs, kk = arch.Patches, wl = nr * o;
        var v = theta[..(m * p)];
        var w = theta[(m * p)..];
        bool grad = !gradient.IsEmpty;
        // u_j = v_j / ||v_j||.
        var norms = new double[m];
        for (int j = 0; j < m; j++)
        {
            double s = 0;
            for (int c = 0; c < p; c++) s += v[j * p + c] * v[j * p + c];
            norms[j] = Math.Sqrt(s);
            for (int c = 0; c < p; c++) _u[j * p + c] = v[j * p + c] / norms[j];
        }
        double reg = 0;
        foreach (double e in w) reg += Math.Abs(e);
        if (grad)
        {
            gradient.Clear();
            Array.Clear(_gu);
            var gw0 = gradient[(m * p)..];
            for (int t = 0; t < w.Length; t++) gw0[t] = Beta * Math.Sign(w[t]);
        }
        var gw = grad ? gradient[(m * p)..] : Span<double>.Empty;
        double loss = 0;
        foreach (int i in batch)
        {
            var xi = _patches[i];
            // A_jr = avg_{k in P_r} sigma(x_ik'u_j); f_o = sum_j sum_r w_{j,r,o} A_jr.
            Array.Clear(_res);
            for (int j = 0; j < m; j++)
            {
                for (int q = 0; q < kk; q++)
                {
                    double z = 0;
                    for (int c = 0; c < p; c++) z += xi[q * p + c] * _u[j * p + c];
                    _act[q] = Activation.Value(z);
                }
                for (int r = 0; r < nr; r++)
                {
                    double s = 0;
                    foreach (int q in arch.Regions[r]) s += _act[q];
                    s /= arch.Regions[r].Length;
                    _avg[j * nr + r] = s;
                    for (int t = 0; t < o; t++) _res[t] += w[j * wl + r * o + t] * s;
                }
            }
            for (int t = 0; t < o; t++) { _res[t] -= _y[i, t]; loss += _res[t] * _res[t]; }
            if (!grad) continue;
            // dL/dw_{j,r,o} += c res_o A_jr;  dL/du_j += c sum_r (sum_o res_o w_{j,r,o}) / |P_r| sum_{k in P_r} sigma'(x_ik'u_j) x_ik.
            for (int j = 0; j < m; j++)
            {
                for (int r = 0; r < nr; r++)
                {
                    double cr = 0;
                    for (int t = 0; t < o; t++)
                    {
                        gw[j * wl + r * o + t] += weight * _res[t] * _avg[j * nr + r];
                        cr += _res[t] * w[j * wl + r * o + t];
                    }
                    _coef[r] = weight * cr / arch.Regions[r].Length;
                }
                for (int r = 0; r < nr; r++)
                {
                    if (_coef[r] == 0) continue;
                    foreach (int q in arch.Regions[r])
                    {
                        double z = 0;
                        for (int c = 0; c < p; c++) z += xi[q * p + c] * _u[j * p + c];
                        double f = _coef[r] * Activation.Derivative(z);
                        for (int c = 0; c < p; c++) _gu[j * p + c] += f * xi[q * p + c];
                    }
                }
            }
        }
        if (grad)
        {
            // dL/dv_j = (g - u (u'g)) / ||v_j||.
            for (int j = 0; j < m; j++)
            {
                double ug = 0;
                for (int c = 0; c < p; c++) ug += _u[j * p + c] * _gu[j * p + c];
                for (int c = 0; c < p; c++) gradient[j * p + c] = (_gu[j * p + c] - _u[j * p + c] * ug) / norms[j];
            }
        }
        return weight * loss / 2 + Beta * reg;
    }

    /// <summary>v_j ~ N(0, I), w_j ~ N(0, s^2 / m).</summary>
    public override void Initialize(Span<double> theta, double scale, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        CheckLength(theta.Length);
        int m = Neurons, p = Architecture.PatchLength;
        double sw = scale / Math.Sqrt(m);
        for (int t = 0; t < m * p; t++) theta[t] = NonconvexTrainer.Gaussian(rng);
        for (int t = m * p; t < theta.Length; t++) theta[t] = sw * NonconvexTrainer.Gaussian(rng);
    }

    /// <inheritdoc/>
    public override INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null) => Unpack(theta, Classes, metadata);

    /// <summary>The network of packed parameters (first-layer weights normalized).</summary>
    public PolyNetwork Unpack(ReadOnlySpan<double> theta, int? classes = null, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        CheckLength(theta.Length);
        int m = Neurons, p = Architecture.PatchLength, wl = Architecture.WeightsPerNeuron;
        var neurons = new PolyNeuron[m];
        for (int j = 0; j < m; j++)
        {
            var u = theta.Slice(j * p, p).ToArray();
            double s = Math.Sqrt(u.Sum(e => e * e));
            for (int c = 0; c < p; c++) u[c] /= s;
            neurons[j] = new PolyNeuron(u, theta.Slice(m * p + j * wl, wl).ToArray());
        }
        return PolyNetwork.Create(Architecture, Activation, neurons, classes, metadata);
    }
}
