using System.CommandLine;
using System.Globalization;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Options;

/// <summary>
/// The flags that describe the model, declared and parsed once for train and compare (and the shape flags for
/// arrangements): <c>--beta</c>, <c>--bias</c>, <c>--activation relu|poly</c>, <c>--poly a,b,c</c>, <c>--classes K</c>,
/// <c>--loss squared|hinge|logistic|l1|huber</c> with <c>--huber-delta M</c>, <c>--batch-norm</c>,
/// <c>--image C,H,W</c> or <c>--signal C,L</c> with <c>--filter --stride --padding --pool</c>.
/// </summary>
public sealed class ModelOptions
{
    private readonly Option<double?> _beta = new("--beta") { Description = "regularization beta (>= 0), required: weight decay beta/2 on both layers (relu), beta ||w||_1 with unit-norm first layer (poly)", Required = true };
    private readonly Option<bool> _bias = new("--bias") { Description = "give every neuron a bias (appends a column of ones; fully connected networks only)" };
    private readonly Option<string> _activation = new("--activation") { Description = "relu (convex program of Pilanci & Ergen), poly (sigma(t) = a t^2 + b t + c, SDP of Bartan & Pilanci) or gated (gated ReLU: fixed gates, group lasso)", DefaultValueFactory = _ => "relu" };
    private readonly Option<string?> _poly = new("--poly") { Description = "poly only: coefficients a,b,c of sigma(t) = a t^2 + b t + c (default 0.09,0.5,0.47)" };
    private readonly Option<int?> _classes = new("--classes") { Description = "relu or poly: K classes, targets are labels 0..K-1 (K = 2: one output with targets -1/+1; K > 2: K outputs, one-hot, and for relu K sub-networks)" };
    private readonly Option<string> _loss = new("--loss") { Description = "relu only: squared (default), hinge or logistic (classifiers: need --classes; logistic is the cross-entropy for K > 2), l1 or huber", DefaultValueFactory = _ => "squared" };
    private readonly Option<double?> _huberDelta = new("--huber-delta") { Description = "--loss huber: the threshold M (1/2 r^2 for |r| <= M, linear beyond; default 1)" };
    private readonly Option<int> _layers = new("--layers") { Description = "relu only: layers of weights, 2 (one hidden layer) or 3 (three-layer network of parallel units, exact over the double arrangement; fully connected)", DefaultValueFactory = _ => 2 };
    private readonly Option<bool> _vectorOutput = new("--vector-output") { Description = "relu, squared loss, fully connected: one network whose hidden neurons feed every output (w_j in R^K; with --classes K > 2 the K one-hot outputs), trained by an SDP relaxation that brackets the optimum (docs/vector-output.md)" };
    private readonly Option<bool> _batchNorm = new("--batch-norm") { Description = "relu only: batch normalization before the ReLU over the training batch, (gamma (Xu - mean)/||Xu - mean||_2 + alpha)_+ w, weight decay on gamma, alpha and w (Ergen et al., ICLR 2022); fully connected, any --loss and --classes, no --bias" };
    private readonly ShapeOptions _shape = new();
    private readonly bool _withBeta;

    /// <summary>The model flags; without <paramref name="betaRequired"/> there is no --beta (a command that sets beta itself, such as path).</summary>
    public ModelOptions(bool betaRequired = true) => _withBeta = betaRequired;

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        if (_withBeta) command.Options.Add(_beta);
        foreach (var o in new Option[] { _bias, _activation, _poly, _classes, _loss, _huberDelta, _layers, _vectorOutput, _batchNorm }) command.Options.Add(o);
        _shape.AddTo(command);
    }

    /// <summary>The --bias flag (for commands that need it before the model, such as the first-order baseline's defaults).</summary>
    public bool Bias(ParseResult pr) => pr.GetValue(_bias);

    /// <summary>The model of the command line, checked (flags of the other family are refused).</summary>
    /// <param name="pr">The parse result.</param>
    /// <param name="reluOnly">Options of the command that apply to --activation relu only.</param>
    /// <exception cref="InputException">An unknown activation, a misplaced option, or malformed values.</exception>
    public ModelSpec Parse(ParseResult pr, params Option[] reluOnly)
    {
        double beta = !_withBeta ? 0 : pr.GetValue(_beta) ?? throw new InputException("--beta is required; for example --beta 0.01");
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"--beta must be a finite number >= 0, got {beta.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.01");
        string act = (pr.GetValue(_activation) ?? "relu").Trim().ToLowerInvariant();
        if (act is "gated_relu") act = "gated";
        if (act is not ("relu" or "poly" or "gated")) throw new InputException($"--activation '{pr.GetValue(_activation)}' is not relu, poly or gated");
        bool poly = act == "poly";
        var loss = LossFunction.Parse(pr.GetValue(_loss) ?? "squared");
        if (loss != LossKind.Squared && act != "relu") throw new InputException($"--loss {LossFunction.Name(loss)} applies to --activation relu only; the {act} networks train the squared loss");
        if (Given(pr, _huberDelta) && loss != LossKind.Huber) throw new InputException("--huber-delta applies to --loss huber only");
        if (!poly)
        {
            if (Given(pr, _poly)) throw new InputException($"{_poly.Name} applies to --activation poly only");
            if (act == "gated" && Given(pr, _classes)) throw new InputException($"{_classes.Name} applies to --activation relu or poly only");
        }
        else
            foreach (var o in reluOnly)
                if (Given(pr, o)) throw new InputException($"{o.Name} applies to --activation relu only");
        int layers = pr.GetValue(_layers);
        if (layers is not (2 or 3)) throw new InputException($"--layers must be 2 or 3, got {layers}; for deeper CNNs train block by block with --layerwise J");
        if (layers == 3 && act != "relu") throw new InputException($"--layers 3 applies to --activation relu only, not {act}");
        bool vector = pr.GetValue(_vectorOutput);
        if (vector && act != "relu") throw new InputException($"--vector-output applies to --activation relu only, not {act}");
        if (vector && layers != 2) throw new InputException("--vector-output trains two-layer networks; drop --layers 3");
        if (vector && loss != LossKind.Squared) throw new InputException($"--vector-output trains the squared loss, not {LossFunction.Name(loss)}; drop --loss (with --classes K the targets are one-hot)");
        int? k = pr.GetValue(_classes);
        if (k is int kk && kk < 2) throw new InputException($"--classes needs at least 2 classes, got {kk}");
        var shape = _shape.Parse(pr);
        bool bias = pr.GetValue(_bias);
        if (vector && shape is not null) throw new InputException("--vector-output networks are fully connected for now; drop --image/--signal");
        if (shape is not null && bias) throw new InputException("--bias applies to fully connected networks only; a CNN with --image or --signal has none");
        bool batchNorm = pr.GetValue(_batchNorm);
        if (batchNorm && vector) throw new InputException("--vector-output networks have no batch normalization yet; drop --batch-norm or --vector-output");
        if (batchNorm)
        {
            if (act != "relu") throw new InputException($"--batch-norm applies to --activation relu only, not {act}");
            if (layers != 2) throw new InputException("--batch-norm applies to two-layer networks; drop --layers 3");
            if (shape is not null) throw new InputException("--batch-norm applies to fully connected networks; drop --image/--signal");
            if (bias) throw new InputException("--batch-norm has its own shift alpha per neuron (BN centres x'u, which removes a bias); drop --bias");
        }
        if (!poly && shape is { Pool: not 0 }) throw new InputException($"--pool applies to --activation poly only for now: the ReLU CNN sums every patch (global pooling)");
        return new ModelSpec
        {
            Beta = beta, Bias = bias, Classes = k, BatchNorm = batchNorm, Image = shape, Layers = layers, Loss = loss, VectorOutput = vector, HuberDelta = pr.GetValue(_huberDelta) ?? 1.0,
            Activation = act switch { "poly" => ActivationKind.Poly, "gated" => ActivationKind.GatedRelu, _ => ActivationKind.Relu },
            Poly = pr.GetValue(_poly) is string text ? PolynomialActivation.Parse(text) : PolynomialActivation.Default,
        };
    }

    internal static bool Given(ParseResult pr, Option o) => pr.GetResult(o) is { Implicit: false };
}

/// <summary>
/// <c>--image C,H,W</c> or <c>--signal C,L</c> with <c>--filter f --stride s --padding p --pool q</c>: the convolutional
/// shape, parsed once (invariant culture) for every command that takes it.
/// </summary>
public sealed class ShapeOptions
{
    private readonly Option<string?> _image = new("--image") { Description = "each row is an image C,H,W (channel-major pixels): a two-layer CNN on its f x f patches" };
    private readonly Option<string?> _signal = new("--signal") { Description = "each row is a signal C,L (channel-major): a two-layer CNN on its length-f windows" };
    private readonly Option<int> _filter = new("--filter") { Description = "filter size f for --image/--signal", DefaultValueFactory = _ => 3 };
    private readonly Option<int> _stride = new("--stride") { Description = "stride for --image/--signal", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _padding = new("--padding") { Description = "zero padding for --image/--signal", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _pool = new("--pool") { Description = "pooling over pool x pool tiles of the output grid for --image/--signal (0: global pooling; poly only)", DefaultValueFactory = _ => 0 };
    private readonly bool _withPool;

    /// <summary>Shape options, with <c>--pool</c> unless <paramref name="withPool"/> is false.</summary>
    public ShapeOptions(bool withPool = true) => _withPool = withPool;

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _image, _signal, _filter, _stride, _padding }) command.Options.Add(o);
        if (_withPool) command.Options.Add(_pool);
    }

    /// <summary>The shape, or null without --image/--signal (then --filter, --stride, --padding and --pool are refused).</summary>
    /// <exception cref="InputException">Both shapes, malformed values, or a shape option without a shape.</exception>
    public ImageShape? Parse(ParseResult pr)
    {
        string? image = pr.GetValue(_image), signal = pr.GetValue(_signal);
        if (image is not null && signal is not null) throw new InputException("give either --image C,H,W or --signal C,L, not both");
        if (image is null && signal is null)
        {
            foreach (var o in new Option[] { _filter, _stride, _padding, _pool })
                if (ModelOptions.Given(pr, o)) throw new InputException($"{o.Name} needs --image C,H,W or --signal C,L");
            return null;
        }
        int f = pr.GetValue(_filter), s = pr.GetValue(_stride), p = pr.GetValue(_padding), q = _withPool ? pr.GetValue(_pool) : 0;
        if (image is not null)
        {
            var v = Ints(image, "--image", "C,H,W (for example 1,8,8)", 3);
            return new ImageShape(v[0], v[1], v[2], f, s, p, q).Validated();
        }
        var w = Ints(signal!, "--signal", "C,L (for example 1,15)", 2);
        return ImageShape.ForSignal(w[0], w[1], f, s, p, q).Validated();
    }

    private static int[] Ints(string text, string option, string form, int count)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        if (parts.Length != count || parts.Select((t, i) => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) && values[i] > 0).Contains(false))
            throw new InputException($"{option} '{text}' is not of the form {form} with positive whole numbers");
        return values;
    }
}
