using System.Globalization;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Models;

/// <summary>
/// A convex training loss L(F, Y) = sum_s l(F_s, Y_s) over the samples' outputs F_s (O of them) and encoded targets
/// Y_s, with what the pipeline needs of it: the value and gradient (first-order baseline), the target encoding, and
/// the convex conjugate for certificates. A certificate's lower bound is
/// <code>
///   h(V) = inf_F L(F, Y) + &lt;V, F&gt; = -L*(-V),
/// </code>
/// for any V that is dual feasible over every chamber; h is concave and V = -grad L(F) at the network's outputs is the
/// natural candidate (the residual Y - F for the squared loss). Per sample (s = y v for a +-1 target y):
/// <list type="bullet">
/// <item>squared, 1/2 (f - y)^2: h = v y - v^2/2, every v;</item>
/// <item>l1, |f - y|: h = v y on |v| &lt;= 1;</item>
/// <item>huber with delta M (1/2 r^2 for |r| &lt;= M, else M |r| - M^2/2, r = f - y): h = v y - v^2/2 on |v| &lt;= M;</item>
/// <item>hinge, max(0, 1 - y f): h = s on 0 &lt;= s &lt;= 1;</item>
/// <item>logistic, log(1 + exp(-y f)): h = -s ln s - (1 - s) ln(1 - s) on 0 &lt;= s &lt;= 1;</item>
/// <item>cross-entropy (K outputs, label c), logsumexp(f) - f_c: with p = e_c - v, h = -sum_k p_k ln p_k on the
/// simplex p &gt;= 0, sum_k p_k = 1.</item>
/// </list>
/// Outside those sets h is -infinity; candidates are first moved into them (<see cref="Feasible"/>), which keeps them
/// valid since every set is convex and contains 0.
/// </summary>
public sealed class LossFunction
{
    /// <summary>The loss.</summary>
    public LossKind Kind { get; }
    /// <summary>The Huber loss's threshold M (quadratic for |r| &lt;= M, linear beyond).</summary>
    public double HuberDelta { get; }
    /// <summary>Number of classes for a classification loss; null for regression.</summary>
    public int? Classes { get; }

    private LossFunction(LossKind kind, double huberDelta, int? classes) { Kind = kind; HuberDelta = huberDelta; Classes = classes; }

    /// <summary>The loss of a model.</summary>
    public static LossFunction For(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new LossFunction(model.Loss, model.HuberDelta, model.Classes);
    }

    /// <summary>
    /// The loss a network was trained with: its file's "loss" (squared when absent) and "huber_delta", and its classes.
    /// </summary>
    /// <exception cref="InputException">A "loss" that is not a known name.</exception>
    public static LossFunction Of(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var kind = LossKind.Squared;
        if (network.Metadata.TryGetValue("loss", out var node) && node is not null)
        {
            if (node is not System.Text.Json.Nodes.JsonValue value || !value.TryGetValue(out string? name))
                throw new InputException("the network file's \"loss\" must be a name: squared, hinge, logistic, l1 or huber");
            kind = Parse(name);
        }
        double delta = network.Metadata.TryGetValue("huber_delta", out var d) && d is System.Text.Json.Nodes.JsonValue dv && dv.TryGetValue(out double m) ? m : 1.0;
        if (kind == LossKind.Huber && !(double.IsFinite(delta) && delta > 0))
            throw new InputException("the network file's \"huber_delta\" must be a number > 0");
        if (kind is LossKind.Hinge or LossKind.Logistic && network.Classes is null)
            throw new InputException($"the network file has loss {Name(kind)} but no \"classes\"; a classifier's file gives its number of classes");
        return new LossFunction(kind, delta, network.Classes);
    }

    /// <summary>The keys a trained network's file records about its loss: "loss", and "huber_delta" for the Huber loss.</summary>
    public IEnumerable<KeyValuePair<string, System.Text.Json.Nodes.JsonNode?>> FileKeys()
    {
        yield return new("loss", Name(Kind));
        if (Kind == LossKind.Huber) yield return new("huber_delta", HuberDelta);
    }

    /// <summary>The loss <paramref name="kind"/> (<paramref name="classes"/> for hinge and logistic, which classify).</summary>
    public static LossFunction Create(LossKind kind, int? classes = null, double huberDelta = 1.0) => new(kind, huberDelta, classes);

    /// <summary>True for the cross-entropy (softmax) loss: logistic with more than two classes.</summary>
    public bool CrossEntropy => Kind == LossKind.Logistic && Classes is > 2;

    /// <summary>The loss's name in output and files: squared, hinge, logistic, l1, huber.</summary>
    public static string Name(LossKind kind) => kind switch
    {
        LossKind.Hinge => "hinge",
        LossKind.Logistic => "logistic",
        LossKind.L1 => "l1",
        LossKind.Huber => "huber",
        _ => "squared",
    };

    /// <summary>The loss named <paramref name="name"/> (as <see cref="Name"/> writes it).</summary>
    /// <exception cref="InputException">An unknown name.</exception>
    public static LossKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "squared" => LossKind.Squared,
            "hinge" => LossKind.Hinge,
            "logistic" or "cross_entropy" or "cross-entropy" => LossKind.Logistic,
            "l1" => LossKind.L1,
            "huber" => LossKind.Huber,
            _ => throw new InputException($"--loss '{name}' is not squared, hinge, logistic, l1 or huber"),
        };
    }

    /// <summary>The loss as a formula of the network's outputs f and targets y.</summary>
    public string Formula => Kind switch
    {
        LossKind.Hinge => "sum max(0, 1 - y f) (y = -1/+1, one-vs-rest for K > 2)",
        LossKind.Logistic => CrossEntropy ? "sum (logsumexp(f) - f_label) (cross-entropy)" : "sum log(1 + exp(-y f)) (y = -1/+1)",
        LossKind.L1 => "||f(X) - y||_1",
        LossKind.Huber => string.Create(CultureInfo.InvariantCulture, $"sum huber_{HuberDelta:G6}(f - y)"),
        _ => "1/2||f(X)-y||^2",
    };

    /// <summary>
    /// Checks the model's loss against its classes: hinge and logistic classify, so they need classes; a Huber threshold
    /// must be positive.
    /// </summary>
    /// <exception cref="InputException">A classification loss without classes, or a bad threshold.</exception>
    public static void Validate(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Enum.IsDefined(model.Loss)) throw new InputException($"unknown loss {model.Loss}");
        if (model.Loss is LossKind.Hinge or LossKind.Logistic && model.Classes is null)
            throw new InputException($"--loss {Name(model.Loss)} classifies: give --classes K with labels 0..K-1 in the target column (or pick the classes with --labels L1,L2,...)");
        if (model.Loss == LossKind.Huber && !(double.IsFinite(model.HuberDelta) && model.HuberDelta > 0))
            throw new InputException($"the Huber threshold must be a finite number > 0, got {model.HuberDelta.ToString(CultureInfo.InvariantCulture)}; for example --huber-delta 1");
    }

    /// <summary>Outputs O of a network with this loss: K for K &gt; 2 classes, else 1.</summary>
    public int Outputs => Classes is int k ? ClassTargets.Outputs(k) : 1;

    /// <summary>
    /// The encoded targets (n x O) of the target column: the column itself for regression; for classes, -1/+1 with two
    /// classes, and for K &gt; 2 one-hot (squared, l1, huber, logistic as cross-entropy) or -1/+1 one-vs-rest (hinge).
    /// </summary>
    /// <exception cref="InputException">A label that is not an integer in 0..K-1.</exception>
    public double[,] Targets(ReadOnlySpan<double> y)
    {
        if (Classes is not int k) return ClassTargets.Column(y);
        var t = ClassTargets.Encode(y, k);
        if (Kind == LossKind.Hinge && k > 2)
            for (int i = 0; i < t.GetLength(0); i++)
                for (int j = 0; j < t.GetLength(1); j++) t[i, j] = 2 * t[i, j] - 1;
        return t;
    }

    /// <summary>L(F, Y) summed over the samples.</summary>
    public double Value(double[,] f, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(f); ArgumentNullException.ThrowIfNull(y);
        CheckShapes(f, y);
        int n = f.GetLength(0), o = f.GetLength(1);
        var fs = new double[o]; var ys = new double[o];
        double total = 0;
        for (int s = 0; s < n; s++)
        {
            for (int k = 0; k < o; k++) { fs[k] = f[s, k]; ys[k] = y[s, k]; }
            total += Sample(fs, ys, Span<double>.Empty);
        }
        return total;
    }

    /// <summary>One sample's loss l(f, y), and its gradient (a subgradient at kinks) into <paramref name="gradient"/> when it is not empty.</summary>
    public double Sample(ReadOnlySpan<double> f, ReadOnlySpan<double> y, Span<double> gradient)
    {
        int o = f.Length;
        bool grad = !gradient.IsEmpty;
        double value = 0;
        switch (Kind)
        {
            case LossKind.Logistic when CrossEntropy:
            {
                // logsumexp(f) - f_c, gradient softmax(f) - e_c (y one-hot).
                double max = double.NegativeInfinity;
                for (int k = 0; k < o; k++) max = Math.Max(max, f[k]);
                double sum = 0;
                for (int k = 0; k < o; k++) sum += Math.Exp(f[k] - max);
                double lse = max + Math.Log(sum);
                for (int k = 0; k < o; k++)
                {
                    if (y[k] == 1) value += lse - f[k];
                    if (grad) gradient[k] = Math.Exp(f[k] - lse) - y[k];
                }
                return value;
            }
            default:
                for (int k = 0; k < o; k++)
                {
                    double r = f[k] - y[k], g;
                    switch (Kind)
                    {
                        case LossKind.Hinge:
                        {
                            double margin = 1 - y[k] * f[k];
                            value += Math.Max(0, margin);
                            g = margin > 0 ? -y[k] : 0;
                            break;
                        }
                        case LossKind.Logistic:
                        {
                            double z = -y[k] * f[k];
                            value += Softplus(z);
                            g = -y[k] * Sigmoid(z);
                            break;
                        }
                        case LossKind.L1:
                            value += Math.Abs(r);
                            g = Math.Sign(r);
                            break;
                        case LossKind.Huber:
                        {
                            double m = HuberDelta, a = Math.Abs(r);
                            value += a <= m ? r * r / 2 : m * a - m * m / 2;
                            g = Math.Clamp(r, -m, m);
                            break;
                        }
                        default:
                            value += r * r / 2;
                            g = r;
                            break;
                    }
                    if (grad) gradient[k] = g;
                }
                return value;
        }
    }

    /// <summary>-grad L(F, Y) at the outputs F (a subgradient's negative at kinks): the natural dual candidate.</summary>
    public double[,] NegativeGradient(double[,] f, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(f); ArgumentNullException.ThrowIfNull(y);
        CheckShapes(f, y);
        int n = f.GetLength(0), o = f.GetLength(1);
        var v = new double[n, o];
        var fs = new double[o]; var ys = new double[o]; var g = new double[o];
        for (int s = 0; s < n; s++)
        {
            for (int k = 0; k < o; k++) { fs[k] = f[s, k]; ys[k] = y[s, k]; }
            Sample(fs, ys, g);
            for (int k = 0; k < o; k++) v[s, k] = -g[k];
        }
        return v;
    }

    /// <summary>
    /// -grad L(0, Y), the candidate whose dual constraint gives beta_max (the zero network is optimal for beta at or above
    /// its largest support value). For l1 a zero residual takes the subgradient 0.
    /// </summary>
    public double[,] NegativeGradientAtZero(double[,] y)
    {
        ArgumentNullException.ThrowIfNull(y);
        return NegativeGradient(new double[y.GetLength(0), y.GetLength(1)], y);
    }

    /// <summary>
    /// The candidate moved into the domain of h (per coordinate a clamp, for the cross-entropy the nearest point of the
    /// simplex by clipping and renormalizing p = e_c - v): a copy, every entry finite (non-finite entries become 0).
    /// </summary>
    public double[,] Feasible(double[,] v, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(v); ArgumentNullException.ThrowIfNull(y);
        CheckShapes(v, y);
        int n = v.GetLength(0), o = v.GetLength(1);
        var w = new double[n, o];
        for (int s = 0; s < n; s++)
        {
            if (CrossEntropy)
            {
                double sum = 0;
                var p = new double[o];
                for (int k = 0; k < o; k++) { p[k] = double.IsFinite(v[s, k]) ? Math.Max(0, y[s, k] - v[s, k]) : 0; sum += p[k]; }
                for (int k = 0; k < o; k++)
                {
                    double pk = sum > 0 && double.IsFinite(sum) ? p[k] / sum : y[s, k];
                    w[s, k] = y[s, k] - pk;
                }
                continue;
            }
            for (int k = 0; k < o; k++)
            {
                double x = double.IsFinite(v[s, k]) ? v[s, k] : 0, yk = y[s, k];
                w[s, k] = Kind switch
                {
                    LossKind.Hinge or LossKind.Logistic => yk * Math.Clamp(yk * x, 0, 1),
                    LossKind.L1 => Math.Clamp(x, -1, 1),
                    LossKind.Huber => Math.Clamp(x, -HuberDelta, HuberDelta),
                    _ => x,
                };
            }
        }
        return w;
    }

    /// <summary>The largest t &gt;= 0 with t V in the domain of h, for V in it (infinity for the squared loss).</summary>
    public double Reach(double[,] v, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(v); ArgumentNullException.ThrowIfNull(y);
        double reach = double.PositiveInfinity;
        int n = v.GetLength(0), o = v.GetLength(1);
        for (int s = 0; s < n; s++)
        {
            if (CrossEntropy)
            {
                // p_c(t) = 1 - t v_c stays >= 0 (the other p_k = -t v_k only grow).
                for (int k = 0; k < o; k++) if (y[s, k] == 1 && v[s, k] > 0) reach = Math.Min(reach, 1 / v[s, k]);
                continue;
            }
            for (int k = 0; k < o; k++)
            {
                double a = Kind switch
                {
                    LossKind.Hinge or LossKind.Logistic => y[s, k] * v[s, k],
                    LossKind.L1 => Math.Abs(v[s, k]),
                    LossKind.Huber => Math.Abs(v[s, k]) / HuberDelta,
                    _ => 0,
                };
                if (a > 0) reach = Math.Min(reach, 1 / a);
            }
        }
        return reach;
    }

    /// <summary>h(V) = inf_F L(F, Y) + &lt;V, F&gt; for V in its domain (see the class summary); -infinity outside.</summary>
    public double Conjugate(double[,] v, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(v); ArgumentNullException.ThrowIfNull(y);
        CheckShapes(v, y);
        int n = v.GetLength(0), o = v.GetLength(1);
        double h = 0;
        for (int s = 0; s < n; s++)
        {
            if (CrossEntropy)
            {
                for (int k = 0; k < o; k++)
                {
                    double p = y[s, k] - v[s, k];
                    if (p < 0 || p > 1) return double.NegativeInfinity;
                    h += Entropy(p);
                }
                continue;
            }
            for (int k = 0; k < o; k++)
            {
                double x = v[s, k], yk = y[s, k];
                switch (Kind)
                {
                    case LossKind.Hinge:
                    case LossKind.Logistic:
                    {
                        double t = yk * x;
                        if (t < 0 || t > 1) return double.NegativeInfinity;
                        h += Kind == LossKind.Hinge ? t : Entropy(t) + Entropy(1 - t);
                        break;
                    }
                    case LossKind.L1:
                        if (Math.Abs(x) > 1) return double.NegativeInfinity;
                        h += x * yk;
                        break;
                    case LossKind.Huber:
                        if (Math.Abs(x) > HuberDelta) return double.NegativeInfinity;
                        h += x * yk - x * x / 2;
                        break;
                    default:
                        h += x * yk - x * x / 2;
                        break;
                }
            }
        }
        return h;
    }

    /// <summary>
    /// The best bound max_{0 &lt;= t &lt;= limit} h(t V) for V in the domain of h: in closed form for the squared loss
    /// (t = &lt;V, Y&gt; / ||V||^2 clamped), else by golden-section search on the concave function of t (every t in the
    /// range gives a valid bound, so the search only needs to come close). Returns the bound and its t.
    /// </summary>
    public (double Bound, double Scale) BestScaledBound(double[,] v, double[,] y, double limit)
    {
        ArgumentNullException.ThrowIfNull(v); ArgumentNullException.ThrowIfNull(y);
        double hi = Math.Min(limit, Reach(v, y));
        if (!(hi > 0)) return (Conjugate(Scaled(v, 0), y), 0);
        if (Kind == LossKind.Squared)
        {
            double vy = 0, vv = 0;
            for (int s = 0; s < v.GetLength(0); s++)
                for (int k = 0; k < v.GetLength(1); k++) { vy += v[s, k] * y[s, k]; vv += v[s, k] * v[s, k]; }
            double t = vv == 0 ? 0 : Math.Clamp(vy / vv, 0, hi);
            return (Conjugate(Scaled(v, t), y), t);
        }
        if (double.IsPositiveInfinity(hi)) hi = 1e6;
        double lo = 0, a = hi - Golden * (hi - lo), b = lo + Golden * (hi - lo);
        double fa = Conjugate(Scaled(v, a), y), fb = Conjugate(Scaled(v, b), y);
        for (int it = 0; it < 80 && hi - lo > 1e-14 * Math.Max(1, hi); it++)
        {
            if (fa < fb) { lo = a; a = b; fa = fb; b = lo + Golden * (hi - lo); fb = Conjugate(Scaled(v, b), y); }
            else { hi = b; b = a; fb = fa; a = hi - Golden * (hi - lo); fa = Conjugate(Scaled(v, a), y); }
        }
        var best = (Bound: fa, Scale: a);
        if (fb > best.Bound) best = (fb, b);
        double atLimit = Conjugate(Scaled(v, Math.Min(limit, Reach(v, y))), y);
        if (atLimit > best.Bound) best = (atLimit, Math.Min(limit, Reach(v, y)));
        return best;
    }

    private const double Golden = 0.6180339887498949;

    private static double[,] Scaled(double[,] v, double t)
    {
        var w = new double[v.GetLength(0), v.GetLength(1)];
        for (int s = 0; s < w.GetLength(0); s++)
            for (int k = 0; k < w.GetLength(1); k++) w[s, k] = t * v[s, k];
        return w;
    }

    /// <summary>-p ln p (0 at p = 0).</summary>
    private static double Entropy(double p) => p <= 0 ? 0 : -p * Math.Log(p);

    /// <summary>log(1 + exp(z)) without overflow.</summary>
    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));

    /// <summary>1 / (1 + exp(-z)) without overflow.</summary>
    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    private static void CheckShapes(double[,] f, double[,] y)
    {
        if (f.GetLength(0) != y.GetLength(0) || f.GetLength(1) != y.GetLength(1))
            throw new ArgumentException($"outputs are {f.GetLength(0)} x {f.GetLength(1)} but targets {y.GetLength(0)} x {y.GetLength(1)}");
    }
}
