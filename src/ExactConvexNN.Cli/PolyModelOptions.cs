using System.CommandLine;
using System.Globalization;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;

namespace ExactConvexNN.Cli;

/// <summary>
/// The options that choose the network family and, for <c>--activation poly</c>, its shape: <c>--poly a,b,c</c>,
/// <c>--classes K</c>, <c>--image C,H,W</c> with <c>--filter f --stride s --padding p --pool q</c>. Shared by
/// <c>ecnn train</c> and <c>ecnn compare</c>.
/// </summary>
public sealed class PolyModelOptions
{
    private readonly Option<string> _activation = new("--activation") { Description = "relu (convex program of Pilanci & Ergen) or poly (a t^2 + b t + c, SDP of Bartan & Pilanci)", DefaultValueFactory = _ => "relu" };
    private readonly Option<string?> _poly = new("--poly") { Description = "poly only: coefficients a,b,c of sigma(t) = a t^2 + b t + c (default 0.09,0.5,0.47)" };
    private readonly Option<int?> _classes = new("--classes") { Description = "poly only: K classes, targets are labels 0..K-1 (K = 2: one output with targets -1/+1; K > 2: K outputs, one-hot)" };
    private readonly Option<string?> _image = new("--image") { Description = "poly only: each row is an image C,H,W (channel-major pixels); trains a two-layer CNN with average pooling" };
    private readonly Option<int> _filter = new("--filter") { Description = "filter size f for --image", DefaultValueFactory = _ => 3 };
    private readonly Option<int> _stride = new("--stride") { Description = "stride for --image", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _padding = new("--padding") { Description = "zero padding for --image", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _pool = new("--pool") { Description = "average pooling over pool x pool tiles of the output grid for --image (0: global average pooling)", DefaultValueFactory = _ => 0 };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _activation, _poly, _classes, _image, _filter, _stride, _padding, _pool }) command.Options.Add(o);
    }

    /// <summary>
    /// The poly model of the command line, or null for relu. Options of the other family are refused:
    /// <paramref name="reluOnly"/> with poly, the poly options with relu, and the image options without --image.
    /// </summary>
    /// <exception cref="InputException">An unknown activation, a misplaced option, or malformed values.</exception>
    public PolyTrainingOptions? Parse(ParseResult pr, double beta, bool bias, params Option[] reluOnly)
    {
        string act = (pr.GetValue(_activation) ?? "relu").Trim().ToLowerInvariant();
        if (act is not ("relu" or "poly")) throw new InputException($"--activation '{pr.GetValue(_activation)}' is not relu or poly");
        bool Given(Option o) => pr.GetResult(o) is { Implicit: false };
        if (act == "relu")
        {
            foreach (var o in new Option[] { _poly, _classes, _image, _filter, _stride, _padding, _pool })
                if (Given(o)) throw new InputException($"{o.Name} applies to --activation poly only");
            return null;
        }
        foreach (var o in reluOnly)
            if (Given(o)) throw new InputException($"{o.Name} applies to --activation relu only");
        string? im = pr.GetValue(_image);
        if (im is null)
            foreach (var o in new Option[] { _filter, _stride, _padding, _pool })
                if (Given(o)) throw new InputException($"{o.Name} needs --image C,H,W");
        var activation = pr.GetValue(_poly) is string text ? PolynomialActivation.Parse(text) : PolynomialActivation.Default;
        int? k = pr.GetValue(_classes);
        if (k is int kk && kk < 2) throw new InputException($"--classes needs at least 2 classes, got {kk}");
        ImageShape? shape = null;
        if (im is not null)
        {
            var parts = im.Split(',', StringSplitOptions.TrimEntries);
            var v = new int[parts.Length];
            if (parts.Length != 3 || parts.Select((q, i) => int.TryParse(q, NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i]) && v[i] > 0).Contains(false))
                throw new InputException($"--image '{im}' is not of the form C,H,W (for example 1,8,8) with positive whole numbers");
            shape = new ImageShape(v[0], v[1], v[2], pr.GetValue(_filter), pr.GetValue(_stride), pr.GetValue(_padding), pr.GetValue(_pool)).Validated();
            if (bias) throw new InputException("--bias applies to fully connected networks only; a CNN with --image has none");
        }
        return new PolyTrainingOptions { Beta = beta, Activation = activation, Bias = bias, Classes = k, Image = shape };
    }
}
