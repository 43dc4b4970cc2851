using System.Globalization;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// Input geometry of a two-layer CNN: C x H x W images (channel-major pixel columns) with f x f filters, or C x L
/// signals (<see cref="Signal"/>: height 1, 1 x f filters, padding on both ends), with stride and zero padding, and
/// non-overlapping pooling over pool x pool tiles of the output grid (the last tile of a row or column may be smaller).
/// Pool 0, or a pool at least the size of the grid, is global pooling.
/// </summary>
/// <param name="Channels">Channels C.</param>
/// <param name="Height">Image height H (1 for a signal).</param>
/// <param name="Width">Image width W (the length L of a signal).</param>
/// <param name="Filter">Filter side f (filters are C x f x f, or C x f for a signal).</param>
/// <param name="Stride">Stride of the filter positions.</param>
/// <param name="Padding">Zero padding on every side (both ends of a signal).</param>
/// <param name="Pool">Side of the pooling tiles of the output grid; 0 for global pooling.</param>
public sealed record ImageShape(int Channels, int Height, int Width, int Filter, int Stride = 1, int Padding = 0, int Pool = 0)
{
    /// <summary>True for a one-dimensional signal C x L (Height 1, filters 1 x f, no vertical padding).</summary>
    public bool Signal { get; init; }

    /// <summary>A signal of <paramref name="channels"/> x <paramref name="length"/> values with filters of length <paramref name="filter"/>.</summary>
    public static ImageShape ForSignal(int channels, int length, int filter, int stride = 1, int padding = 0, int pool = 0) =>
        new(channels, 1, length, filter, stride, padding, pool) { Signal = true };

    /// <summary>Filter rows: f for images, 1 for signals.</summary>
    public int FilterHeight => Signal ? 1 : Filter;
    /// <summary>Rows of the convolution's output grid (1 for a signal).</summary>
    public int OutputHeight => Signal ? 1 : (Height + 2 * Padding - Filter) / Stride + 1;
    /// <summary>Columns of the convolution's output grid.</summary>
    public int OutputWidth => (Width + 2 * Padding - Filter) / Stride + 1;
    /// <summary>Values per sample C H W.</summary>
    public int Pixels => Channels * Height * Width;
    /// <summary>Length of one patch: C f f (C f for a signal).</summary>
    public int PatchLength => Channels * FilterHeight * Filter;
    /// <summary>Pool tile side actually used (the grid size for global pooling).</summary>
    public int EffectivePool => Pool <= 0 ? Math.Max(OutputHeight, OutputWidth) : Pool;

    /// <summary>"C,H,W" for an image, "C,L" for a signal (the command-line form).</summary>
    public string ShapeText => Signal
        ? string.Create(CultureInfo.InvariantCulture, $"{Channels},{Width}")
        : string.Create(CultureInfo.InvariantCulture, $"{Channels},{Height},{Width}");

    /// <summary>Checks the shape (positive sizes, the filter fits, pool &gt;= 0).</summary>
    /// <exception cref="InputException">Any size is out of range.</exception>
    public ImageShape Validated()
    {
        string flag = Signal ? "--signal" : "--image";
        if (Channels < 1 || Height < 1 || Width < 1 || (Signal && Height != 1))
            throw new InputException(Signal
                ? $"--signal {ShapeText} needs positive channels and length; for example --signal 1,15"
                : $"--image {ShapeText} needs positive channels, height and width; for example --image 1,8,8");
        if (Filter < 1) throw new InputException($"--filter {Filter} is not positive; give a filter size of at least 1");
        if (Stride < 1) throw new InputException($"--stride {Stride} is less than 1; give a stride of at least 1");
        if (Padding < 0) throw new InputException($"--padding {Padding} is negative; give 0 or more");
        if (Signal ? Filter > Width + 2 * Padding : Filter > Height + 2 * Padding || Filter > Width + 2 * Padding)
            throw new InputException(Signal
                ? $"--filter {Filter} is longer than the signal of length {Width} (padding {Padding}); use a filter of at most {Width + 2 * Padding}"
                : $"--filter {Filter} is larger than the {Height} x {Width} image (padding {Padding}); use a filter of at most {Math.Min(Height, Width) + 2 * Padding}");
        if (Padding >= Filter) throw new InputException($"--padding {Padding} is not smaller than the filter {Filter}: the extra rows and columns would only add patches of zeros; use a padding of at most {Filter - 1}");
        if (Pool < 0) throw new InputException($"--pool {Pool} is negative; give a pool size >= 1, or 0 for global pooling");
        if ((long)Channels * Height * Width > MaxValues)
            throw new InputException($"{flag} {ShapeText} has {(long)Channels * Height * Width:N0} values per sample, more than {MaxValues:N0}; use a smaller shape");
        return this;
    }

    /// <summary>Largest number of values per sample accepted (a guard against shapes whose patches cannot be stored).</summary>
    public const long MaxValues = 1L << 24;
}

/// <summary>
/// The shape of a two-layer network, shared by every family: fully connected (one "patch", the whole input row with an
/// optional trailing 1 for a first-layer bias, and one pooling region) or convolutional (patches of an image or signal,
/// pooling regions, each pooled value with its own second-layer weight), and the number of outputs.
/// <code>
///   f_o(x) = sum_j sum_r w_{j,r,o} pool_{k in P_r} act(x_k'u_j),   pool = average (poly) or sum (relu)
/// </code>
/// </summary>
public sealed class NetworkArchitecture
{
    /// <summary>Feature columns of the data (without a bias column).</summary>
    public int Inputs { get; }
    /// <summary>Fully connected only: x is extended by a trailing 1 (the bias is the last entry of each u_j).</summary>
    public bool Bias { get; }
    /// <summary>Outputs O (1 for scalar regression and binary classification).</summary>
    public int Outputs { get; }
    /// <summary>The image or signal geometry of a CNN; null for a fully connected network.</summary>
    public ImageShape? Image { get; }
    /// <summary>True when a pooling region sums its patches' activations; false when it averages them.</summary>
    public bool SumPooling { get; }
    /// <summary>Length p of a patch (of a first-layer weight u_j).</summary>
    public int PatchLength { get; }
    /// <summary>Patches per sample K (1 when fully connected).</summary>
    public int Patches { get; }
    /// <summary>The patches of each pooling region (patch numbers row-major over the output grid).</summary>
    public IReadOnlyList<int[]> Regions { get; }
    /// <summary>Second-layer weights per neuron: regions times outputs, index r O + o.</summary>
    public int WeightsPerNeuron => Regions.Count * Outputs;
    /// <summary>"fc" or "cnn" (the network file's "architecture").</summary>
    public string Kind => Image is null ? "fc" : "cnn";

    private NetworkArchitecture(int inputs, bool bias, int outputs, ImageShape? image, bool sum, int patchLength, int patches, int[][] regions)
    { Inputs = inputs; Bias = bias; Outputs = outputs; Image = image; SumPooling = sum; PatchLength = patchLength; Patches = patches; Regions = regions; }

    /// <summary>A fully connected network on <paramref name="inputs"/> features.</summary>
    /// <exception cref="InputException">No inputs or no outputs.</exception>
    public static NetworkArchitecture FullyConnected(int inputs, bool bias = false, int outputs = 1)
    {
        if (inputs < 1) throw new InputException($"a network needs at least one input, got {inputs}");
        if (outputs < 1) throw new InputException($"a network needs at least one output, got {outputs}");
        return new NetworkArchitecture(inputs, bias, outputs, null, false, inputs + (bias ? 1 : 0), 1, [[0]]);
    }

    /// <summary>A two-layer CNN on images or signals of the given shape (values channel-major, then row, then column).</summary>
    /// <param name="image">The geometry.</param>
    /// <param name="outputs">Outputs O.</param>
    /// <param name="sumPooling">Pooling regions sum their activations (the ReLU CNN of Ergen &amp; Pilanci) instead of averaging them.</param>
    /// <exception cref="InputException">The shape is invalid or there are no outputs.</exception>
    public static NetworkArchitecture Convolutional(ImageShape image, int outputs = 1, bool sumPooling = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        image.Validated();
        if (outputs < 1) throw new InputException($"a network needs at least one output, got {outputs}");
        int oh = image.OutputHeight, ow = image.OutputWidth, pool = image.EffectivePool;
        int th = (oh + pool - 1) / pool, tw = (ow + pool - 1) / pool;
        var regions = new List<int>[th * tw];
        for (int r = 0; r < regions.Length; r++) regions[r] = [];
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) regions[oy / pool * tw + ox / pool].Add(oy * ow + ox);
        return new NetworkArchitecture(image.Pixels, false, outputs, image, sumPooling, image.PatchLength, oh * ow, regions.Select(l => l.ToArray()).ToArray());
    }

    /// <summary>
    /// The stacked patch matrix [X_1; ...; X_K] (patch-major: row k n + i is patch k of sample i; see
    /// <see cref="PatchMatrix"/>), whose arrangement's chambers are the activation patterns of one neuron. Fully
    /// connected: X itself, with the bias column when <see cref="Bias"/>.
    /// </summary>
    /// <exception cref="InputException">The data does not have <see cref="Inputs"/> columns.</exception>
    public PatchMatrix StackedPatches(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckColumns(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (Image is null)
        {
            var m = new double[n, PatchLength];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++) m[i, j] = x[i, j];
                if (Bias) m[i, d] = 1.0;
            }
            return new PatchMatrix { X = m, Samples = n, OutputHeight = 1, OutputWidth = 1 };
        }
        var flat = new double[(long)n * d];
        for (int i = 0, t = 0; i < n; i++) for (int j = 0; j < d; j++) flat[t++] = x[i, j];
        var im = Image;
        return im.Signal
            ? Convolution.Patches1D(flat, n, im.Channels, im.Width, im.Filter, im.Stride, im.Padding)
            : Convolution.Patches2D(flat, n, im.Channels, im.Height, im.Width, im.Filter, im.Stride, im.Padding);
    }

    /// <summary>
    /// The patches of every sample: entry i is sample i's K patches, flat (patch k at k p .. k p + p - 1). Fully
    /// connected: the row itself (with a trailing 1 when <see cref="Bias"/>).
    /// </summary>
    /// <exception cref="InputException">The data does not have <see cref="Inputs"/> columns.</exception>
    public double[][] ExtractPatches(double[,] x)
    {
        var pm = StackedPatches(x);
        int n = pm.Samples, p = PatchLength, k = Patches;
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var row = result[i] = new double[k * p];
            for (int q = 0; q < k; q++)
            {
                int src = q * n + i;
                for (int c = 0; c < p; c++) row[q * p + c] = pm.X[src, c];
            }
        }
        return result;
    }

    private void CheckColumns(double[,] x)
    {
        int d = x.GetLength(1);
        if (d != Inputs)
            throw new InputException(Image is { } img
                ? $"the data has {d} feature columns but {(img.Signal ? "a signal" : "an image")} of {img.ShapeText.Replace(",", " x ", StringComparison.Ordinal)} has {img.Pixels} values; check {(img.Signal ? "--signal C,L" : "--image C,H,W")}"
                : $"the data has {d} feature columns but the network takes {Inputs}");
    }

    /// <summary>A short description ("fully connected, 4 inputs" or "CNN 1x8x8, 3x3 filters stride 1, 4 pooling regions").</summary>
    public string Describe()
    {
        if (Image is not { } im)
            return $"fully connected, {Inputs} input{(Inputs == 1 ? "" : "s")}{(Bias ? " + bias" : "")}, {Outputs} output{(Outputs == 1 ? "" : "s")}";
        string shape = im.Signal ? $"signal {im.Channels}x{im.Width}, {im.Filter}-tap filters" : $"{im.Channels}x{im.Height}x{im.Width}, {im.Filter}x{im.Filter} filters";
        string pooling = SumPooling ? "sum-pooling" : "average-pooling";
        return $"CNN {shape} stride {im.Stride} padding {im.Padding}, {Patches} patches, {Regions.Count} {pooling} region{(Regions.Count == 1 ? "" : "s")}, {Outputs} output{(Outputs == 1 ? "" : "s")}";
    }
}
