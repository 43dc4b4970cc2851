using System.CommandLine;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli;

/// <summary>
/// The options that turn feature rows into convolutional patches: <c>--image C,H,W</c> or <c>--signal C,L</c> with
/// <c>--filter f --stride s --padding p</c>. Without --image/--signal the features are used as they are.
/// </summary>
public sealed class ConvolutionOptions
{
    private readonly Option<string?> _image = new("--image") { Description = "treat each row as an image C,H,W (channel-major pixels) and use its f x f patches" };
    private readonly Option<string?> _signal = new("--signal") { Description = "treat each row as a signal C,L (channel-major) and use its length-f patches" };
    private readonly Option<int> _filter = new("--filter") { Description = "filter size f for --image/--signal", DefaultValueFactory = _ => 3 };
    private readonly Option<int> _stride = new("--stride") { Description = "stride for --image/--signal", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _padding = new("--padding") { Description = "zero padding for --image/--signal", DefaultValueFactory = _ => 0 };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _image, _signal, _filter, _stride, _padding }) command.Options.Add(o);
    }

    /// <summary>The matrix to enumerate: the features, or the stacked patch matrix [X_1; ...; X_K], and a description.</summary>
    public (double[,] X, string Description) Apply(ParseResult pr, Dataset data)
    {
        string? image = pr.GetValue(_image), signal = pr.GetValue(_signal);
        if (image is not null && signal is not null) throw new InputException("give either --image C,H,W or --signal C,L, not both");
        int f = pr.GetValue(_filter), s = pr.GetValue(_stride), p = pr.GetValue(_padding);
        if (image is not null)
        {
            var (c, h, w) = Parse3(image, "--image", "C,H,W (for example 1,8,8)");
            var patches = Convolution.Patches2D(data, c, h, w, f, s, p);
            return (patches.X, $"{patches.PatchesPerSample} patches {c}x{f}x{f} per image, stride {s}, padding {p}");
        }
        if (signal is not null)
        {
            var parts = Ints(signal, "--signal", "C,L (for example 1,32)", 2);
            int c = parts[0], l = parts[1];
            if ((long)c * l != data.Columns) throw new InputException($"--signal {c},{l} needs {c * l} feature columns but the data has {data.Columns}");
            var flat = new double[data.Rows * data.Columns];
            for (int i = 0; i < data.Rows; i++) for (int j = 0; j < data.Columns; j++) flat[i * data.Columns + j] = data.X[i, j];
            var patches = Convolution.Patches1D(flat, data.Rows, c, l, f, s, p);
            return (patches.X, $"{patches.PatchesPerSample} patches {c}x{f} per signal, stride {s}, padding {p}");
        }
        return (data.X, "features");
    }

    private static (int, int, int) Parse3(string text, string option, string form)
    {
        var v = Ints(text, option, form, 3);
        return (v[0], v[1], v[2]);
    }

    private static int[] Ints(string text, string option, string form, int count)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        if (parts.Length != count || parts.Select((t, i) => int.TryParse(t, out values[i]) && values[i] > 0).Contains(false))
            throw new InputException($"{option} '{text}' is not of the form {form} with positive whole numbers");
        return values;
    }
}
