using System.Text.Json.Nodes;
using ExactConvexNN.Networks;

namespace ExactConvexNN.Training;

/// <summary>
/// The nonconvex objective of a three-layer ReLU network with K units of m first-layer neurons each, in the parameters
/// theta = [U (K m p, neuron (k, l) at (k m + l) p); w (K m); c (K)]:
/// <code>
///   L(theta) = 1/2 sum_i (f(x_i) - y_i)^2 + beta/2 sum_k (||W_k||_F^2 ||w_k||^2 + c_k^2),
///   f(x) = sum_k c_k (sum_l w_kl sum_q (x_q'u_kl)_+)_+      (one patch x_q = x when fully connected).
/// </code>
/// Rescaling a unit's layers leaves f unchanged, and the smallest value of beta/2 (A B + c^2) over such rescalings is
/// beta sqrt(A B) |c| = beta ||W_k||_F ||w_k|| |c_k|, the network's regularizer (<see cref="ThreeLayerReluNetwork.Regularizer"/>):
/// the two objectives have the same minimum, and L is never below the network objective of the same weights. Smooth
/// away from the ReLU kinks (subgradient 0 there).
/// </summary>
public sealed class ThreeLayerNonconvexObjective : FirstOrderObjective
{
    private readonly double[][] _x;
    private readonly double[] _y;
    private readonly NetworkArchitecture _architecture;
    private readonly int _p, _k, _m, _q;
    private readonly double _beta;
    private readonly double[] _z, _s, _h, _a, _b;   // scratch: pre-activations (K m Q), sum_q (z)_+ (K m), unit inputs (K), ||W_k||^2, ||w_k||^2

    /// <summary>The objective on features X (n x d) and targets y, with <paramref name="units"/> units of <paramref name="perUnit"/> neurons.</summary>
    /// <exception cref="ArgumentException">Fewer than one unit or neuron, or sizes that disagree.</exception>
    public ThreeLayerNonconvexObjective(NetworkArchitecture architecture, double[,] x, double[] y, double beta, int units, int perUnit) : base(y?.Length ?? 0)
    {
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        if (units < 1 || perUnit < 1) throw new ArgumentException($"a three-layer network needs at least one unit of one neuron, got {units} x {perUnit}");
        if (x.GetLength(0) != y.Length) throw new ArgumentException($"{x.GetLength(0)} rows but {y.Length} targets");
        _architecture = architecture; _p = architecture.PatchLength; _q = architecture.Patches; _k = units; _m = perUnit; _beta = beta;
        _x = architecture.ExtractPatches(x); _y = (double[])y.Clone();
        _z = new double[units * perUnit * _q]; _s = new double[units * perUnit]; _h = new double[units]; _a = new double[units]; _b = new double[units];
    }

    /// <inheritdoc/>
    public override int Parameters => _k * _m * (_p + 1) + _k;
    /// <inheritdoc/>
    public override string Description => " on the three-layer network";
    /// <inheritdoc/>
    protected override string Layout => $"K m (p + 1) + K with K = {_k}, m = {_m}, p = {_p}";

    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient, ReadOnlySpan<int> batch, double weight)
    {
        int p = _p, km = _k * _m, m = _m;
        var u = theta[..(km * p)];
        var w = theta.Slice(km * p, km);
        var c = theta[(km * (p + 1))..];
        bool grad = !gradient.IsEmpty;
        // Regularizer beta/2 sum_k (A_k B_k + c_k^2), A_k = ||W_k||_F^2, B_k = ||w_k||^2.
        double reg = 0;
        for (int k = 0; k < _k; k++)
        {
            double a = 0, b = 0;
            for (int l = 0; l < m; l++)
            {
                int j = k * m + l;
                for (int t = 0; t < p; t++) a += u[j * p + t] * u[j * p + t];
                b += w[j] * w[j];
            }
            _a[k] = a; _b[k] = b;
            reg += a * b + c[k] * c[k];
        }
        if (grad)
        {
            // d/du_kl = beta B_k u_kl, d/dw_kl = beta A_k w_kl, d/dc_k = beta c_k.
            for (int j = 0; j < km; j++)
            {
                int k = j / m;
                for (int t = 0; t < p; t++) gradient[j * p + t] = _beta * _b[k] * u[j * p + t];
                gradient[km * p + j] = _beta * _a[k] * w[j];
            }
            for (int k = 0; k < _k; k++) gradient[km * (p + 1) + k] = _beta * c[k];
        }
        double loss = 0;
        foreach (int i in batch)
        {
            var xi = _x[i];
            // z_klq = x_q'u_kl, s_kl = sum_q (z_klq)_+, h_k = sum_l s_kl w_kl, f = sum_k c_k (h_k)_+.
            double f = 0;
            Array.Clear(_h);
            for (int j = 0; j < km; j++)
            {
                double sum = 0;
                for (int q = 0; q < _q; q++)
                {
                    double z = 0;
                    for (int t = 0; t < p; t++) z += xi[q * p + t] * u[j * p + t];
                    _z[j * _q + q] = z;
                    if (z > 0) sum += z;
                }
                _s[j] = sum;
                _h[j / m] += sum * w[j];
            }
            for (int k = 0; k < _k; k++) if (_h[k] > 0) f += c[k] * _h[k];
            double r = f - _y[i];
            loss += r * r;
            if (!grad) continue;
            // df/dc_k = (h_k)_+, df/dw_kl = c_k 1[h_k > 0] s_kl, df/du_kl = c_k 1[h_k > 0] w_kl sum_q 1[z_klq > 0] x_q.
            double cr = weight * r;
            for (int k = 0; k < _k; k++)
            {
                if (_h[k] <= 0) continue;
                gradient[km * (p + 1) + k] += cr * _h[k];
                double ck = cr * c[k];
                for (int l = 0; l < m; l++)
                {
                    int j = k * m + l;
                    if (_s[j] <= 0) continue;
                    gradient[km * p + j] += ck * _s[j];
                    double cw = ck * w[j];
                    for (int q = 0; q < _q; q++)
                        if (_z[j * _q + q] > 0) for (int t = 0; t < p; t++) gradient[j * p + t] += cw * xi[q * p + t];
                }
            }
        }
        return weight * loss / 2 + _beta / 2 * reg;
    }

    /// <summary>u ~ N(0, s^2 I / p), then w ~ N(0, s^2 / m), then c ~ N(0, s^2 / K).</summary>
    public override void Initialize(Span<double> theta, double scale, Random rng)
    {
        CheckLength(theta.Length);
        ArgumentNullException.ThrowIfNull(rng);
        int km = _k * _m;
        double su = scale / Math.Sqrt(_p), sw = scale / Math.Sqrt(_m), sc = scale / Math.Sqrt(_k);
        for (int t = 0; t < km * _p; t++) theta[t] = su * NonconvexTrainer.Gaussian(rng);
        for (int j = 0; j < km; j++) theta[km * _p + j] = sw * NonconvexTrainer.Gaussian(rng);
        for (int k = 0; k < _k; k++) theta[km * (_p + 1) + k] = sc * NonconvexTrainer.Gaussian(rng);
    }

    /// <inheritdoc/>
    public override INetwork UnpackNetwork(ReadOnlySpan<double> theta, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        CheckLength(theta.Length);
        int km = _k * _m, p = _p;
        var neurons = new FirstLayerNeuron[km];
        for (int j = 0; j < km; j++) neurons[j] = new FirstLayerNeuron(theta.Slice(j * p, p).ToArray(), theta[km * p + j], j / _m);
        return ThreeLayerReluNetwork.Create(_architecture, neurons, theta[(km * (p + 1))..].ToArray(), metadata);
    }
}
