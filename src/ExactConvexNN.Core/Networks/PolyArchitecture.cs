using System.Globalization;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// The polynomial activation sigma(t) = a t^2 + b t + c of Bartan &amp; Pilanci. The defaults (0.09, 0.5, 0.47) are
/// close to the ReLU for moderate inputs (sigma(0) = 0.47, sigma(+-2) = 1.83, -0.17).
/// </summary>
/// <param name="A">Quadratic coefficient a.</param>
/// <param name="B">Linear coefficient b.</param>
/// <param name="C">Constant c.</param>
public sealed record PolynomialActivation(double A = PolynomialActivation.DefaultA, double B = PolynomialActivation.DefaultB, double C = PolynomialActivation.DefaultC)
{
    /// <summary>Default quadratic coefficient.</summary>
    public const double DefaultA = 0.09;
    /// <summary>Default linear coefficient.</summary>
    public const double DefaultB = 0.5;
    /// <summary>Default constant.</summary>
    public const double DefaultC = 0.47;

    /// <summary>The default activation 0.09 t^2 + 0.5 t + 0.47.</summary>
    public static PolynomialActivation Default { get; } = new();

    /// <summary>sigma(t) = a t^2 + b t + c.</summary>
    public double Value(double t) => (A * t + B) * t + C;

    /// <summary>sigma'(t) = 2 a t + b.</summary>
    public double Derivative(double t) => 2 * A * t + B;

    /// <summary>Checks that the coefficients are finite.</summary>
    /// <exception cref="InputException">A coefficient is NaN or infinite.</exception>
    public PolynomialActivation Validated()
    {
        if (!double.IsFinite(A) || !double.IsFinite(B) || !double.IsFinite(C))
            throw new InputException($"the polynomial coefficients must be finite, got a={A}, b={B}, c={C}; for example --poly 0.09,0.5,0.47");
        return this;
    }

    /// <summary>Parses "a,b,c" (invariant culture, three finite numbers).</summary>
    /// <exception cref="InputException">Not three finite numbers.</exception>
    public static PolynomialActivation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var v = new double[parts.Length];
        if (parts.Length != 3 || parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) && double.IsFinite(v[i])).Contains(false))
            throw new InputException($"--poly '{text}' is not of the form a,b,c with three finite numbers (sigma(t) = a t^2 + b t + c); for example --poly 0.09,0.5,0.47");
        return new PolynomialActivation(v[0], v[1], v[2]);
    }

    /// <summary>"a,b,c" in the invariant culture.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{A:R},{B:R},{C:R}");
}

/// <summary>
/// Image geometry of a two-layer CNN: C x H x W inputs (channel-major pixel columns), f x f filters with stride and
/// zero padding, and non-overlapping average pooling over pool x pool tiles of the output grid (the last tile of a row
/// or column may be smaller). Pool 0, or a pool at least the size of the grid, is global average pooling.
/// </summary>
/// <param name="Channels">Channels C.</param>
/// <param name="Height">Image height H.</param>
/// <param name="Width">Image width W.</param>
/// <param name="Filter">Filter side f (filters are C x f x f).</param>
/// <param name="Stride">Stride of the filter positions.</param>
/// <param name="Padding">Zero padding on every side.</param>
/// <param name="Pool">Side of the average-pooling tiles of the output grid; 0 for global average pooling.</param>
public sealed record ImageShape(int Channels, int Height, int Width, int Filter, int Stride = 1, int Padding = 0, int Pool = 0)
{
    /// <summary>Rows of the convolution's output grid.</summary>
    public int OutputHeight => (Height + 2 * Padding - Filter) / Stride + 1;
    /// <summary>Columns of the convolution's output grid.</summary>
    public int OutputWidth => (Width + 2 * Padding - Filter) / Stride + 1;
    /// <summary>Pixels per image C H W.</summary>
    public int Pixels => Channels * Height * Width;
    /// <summary>Length of one patch C f f.</summary>
    public int PatchLength => Channels * Filter * Filter;
    /// <summary>Pool tile side actually used (the grid size for global pooling).</summary>
    public int EffectivePool => Pool <= 0 ? Math.Max(OutputHeight, OutputWidth) : Pool;

    /// <summary>Checks the shape (positive sizes, the filter fits, pool &gt;= 0).</summary>
    /// <exception cref="InputException">Any size is out of range.</exception>
    public ImageShape Validated()
    {
        if (Channels < 1 || Height < 1 || Width < 1)
            throw new InputException($"--image {Channels},{Height},{Width} needs positive channels, height and width; for example --image 1,8,8");
        if (Filter < 1) throw new InputException($"--filter {Filter} is not positive; give a filter size of at least 1");
        if (Stride < 1) throw new InputException($"--stride {Stride} is less than 1; give a stride of at least 1");
        if (Padding < 0) throw new InputException($"--padding {Padding} is negative; give 0 or more");
        if (Filter > Height + 2 * Padding || Filter > Width + 2 * Padding)
            throw new InputException($"--filter {Filter} is larger than the {Height} x {Width} image (padding {Padding}); use a filter of at most {Math.Min(Height, Width) + 2 * Padding}");
        if (Pool < 0) throw new InputException($"--pool {Pool} is negative; give a pool size >= 1, or 0 for global average pooling");
        return this;
    }
}

/// <summary>
/// The shape of a two-layer polynomial-activation network: fully connected (one "patch", the whole input row with an
/// optional trailing 1 for a first-layer bias, and one pooling region) or convolutional (patches of an image, average
/// pooling regions, each pooled value with its own second-layer weight), and the number of outputs.
/// <code>
///   f_o(x) = sum_j sum_r w_{j,r,o} (1/|P_r|) sum_{k in P_r} sigma(x_k'u_j),   ||u_j||_2 = 1
/// </code>
/// </summary>
public sealed class PolyArchitecture
{
    /// <summary>Feature columns of the data (without a bias column).</summary>
    public int Inputs { get; }
    /// <summary>Fully connected only: x is extended by a trailing 1 (the bias is the last entry of each u_j).</summary>
    public bool Bias { get; }
    /// <summary>Outputs O (1 for scalar regression and binary classification).</summary>
    public int Outputs { get; }
    /// <summary>The image geometry of a CNN; null for a fully connected network.</summary>
    public ImageShape? Image { get; }
    /// <summary>Length p of a patch (of a first-layer weight u_j).</summary>
    public int PatchLength { get; }
    /// <summary>Patches per sample K (1 when fully connected).</summary>
    public int Patches { get; }
    /// <summary>The patches of each pooling region (patch numbers row-major over the output grid).</summary>
    public IReadOnlyList<int[]> Regions { get; }
    /// <summary>Second-layer weights per neuron: regions times outputs, index r O + o.</summary>
    public int WeightsPerNeuron => Regions.Count * Outputs;

    private PolyArchitecture(int inputs, bool bias, int outputs, ImageShape? image, int patchLength, int patches, int[][] regions)
    { Inputs = inputs; Bias = bias; Outputs = outputs; Image = image; PatchLength = patchLength; Patches = patches; Regions = regions; }

    /// <summary>A fully connected network on <paramref name="inputs"/> features.</summary>
    /// <exception cref="InputException">No inputs or no outputs.</exception>
    public static PolyArchitecture FullyConnected(int inputs, bool bias = false, int outputs = 1)
    {
        if (inputs < 1) throw new InputException($"a network needs at least one input, got {inputs}");
        if (outputs < 1) throw new InputException($"a network needs at least one output, got {outputs}");
        return new PolyArchitecture(inputs, bias, outputs, null, inputs + (bias ? 1 : 0), 1, [[0]]);
    }

    /// <summary>A two-layer CNN on images of the given shape (pixels channel-major, then row, then column).</summary>
    /// <exception cref="InputException">The shape is invalid or there are no outputs.</exception>
    public static PolyArchitecture Convolutional(ImageShape image, int outputs = 1)
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
        return new PolyArchitecture(image.Pixels, false, outputs, image, image.PatchLength, oh * ow, regions.Select(l => l.ToArray()).ToArray());
    }

    /// <summary>
    /// The patches of every sample: entry i is sample i's K patches, flat (patch k at k p .. k p + p - 1). Fully
    /// connected: the row itself (with a trailing 1 when <see cref="Bias"/>).
    /// </summary>
    /// <exception cref="InputException">The data does not have <see cref="Inputs"/> columns.</exception>
    public double[][] ExtractPatches(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (d != Inputs)
            throw new InputException(Image is { } img
                ? $"the data has {d} feature columns but an image of {img.Channels} x {img.Height} x {img.Width} has {img.Pixels} pixels; check --image C,H,W"
                : $"the data has {d} feature columns but the network takes {Inputs}");
        int p = PatchLength, k = Patches;
        var result = new double[n][];
        if (Image is null)
        {
            for (int i = 0; i < n; i++)
            {
                var row = result[i] = new double[p];
                for (int j = 0; j < d; j++) row[j] = x[i, j];
                if (Bias) row[d] = 1.0;
            }
            return result;
        }
        var flat = new double[(long)n * d];
        for (int i = 0, t = 0; i < n; i++) for (int j = 0; j < d; j++) flat[t++] = x[i, j];
        var im = Image;
        var pm = Convolution.Patches2D(flat, n, im.Channels, im.Height, im.Width, im.Filter, im.Stride, im.Padding);
        for (int i = 0; i < n; i++)
        {
            var row = result[i] = new double[k * p];
            for (int q = 0; q < k; q++)
            {
                int src = pm.RowOf(i, q);
                for (int c = 0; c < p; c++) row[q * p + c] = pm.X[src, c];
            }
        }
        return result;
    }

    /// <summary>A short description ("fully connected, 4 inputs" or "CNN 1x8x8, 3x3 filters stride 1, 4 pooling regions").</summary>
    public string Describe() => Image is { } im
        ? $"CNN {im.Channels}x{im.Height}x{im.Width}, {im.Filter}x{im.Filter} filters stride {im.Stride} padding {im.Padding}, {Patches} patches, {Regions.Count} average-pooling region{(Regions.Count == 1 ? "" : "s")}, {Outputs} output{(Outputs == 1 ? "" : "s")}"
        : $"fully connected, {Inputs} input{(Inputs == 1 ? "" : "s")}{(Bias ? " + bias" : "")}, {Outputs} output{(Outputs == 1 ? "" : "s")}";
}

/// <summary>
/// Class labels as regression targets: K = 2 gives one output with targets -1 (label 0) and +1 (label 1), predicted
/// class 1 when f &gt; 0; K &gt; 2 gives K outputs with one-hot targets, predicted class the largest output.
/// </summary>
public static class ClassTargets
{
    /// <summary>Outputs used for K classes: 1 for K = 2, K otherwise.</summary>
    public static int Outputs(int classes) => classes == 2 ? 1 : classes;

    /// <summary>The n x O target matrix of integer labels 0..K-1.</summary>
    /// <exception cref="InputException">K &lt; 2 or a label that is not an integer in 0..K-1.</exception>
    public static double[,] Encode(ReadOnlySpan<double> labels, int classes)
    {
        if (classes < 2) throw new InputException($"--classes needs at least 2 classes, got {classes}");
        int o = Outputs(classes);
        var y = new double[labels.Length, o];
        for (int i = 0; i < labels.Length; i++)
        {
            double l = labels[i];
            if (l != Math.Floor(l) || l < 0 || l >= classes)
                throw new InputException($"sample {i + 1} has label {l.ToString(CultureInfo.InvariantCulture)}, but --classes {classes} needs labels 0..{classes - 1}");
            if (classes == 2) y[i, 0] = l == 1 ? 1 : -1;
            else y[i, (int)l] = 1;
        }
        return y;
    }

    /// <summary>The predicted class of one sample's outputs.</summary>
    /// <exception cref="ArgumentException">The outputs do not have <see cref="Outputs"/>(<paramref name="classes"/>) entries.</exception>
    public static int Decode(ReadOnlySpan<double> outputs, int classes)
    {
        if (classes < 2 || outputs.Length != Outputs(classes)) throw new ArgumentException($"{classes} classes need {Outputs(Math.Max(classes, 2))} outputs, got {outputs.Length}");
        if (classes == 2) return outputs[0] > 0 ? 1 : 0;
        int best = 0;
        for (int k = 1; k < outputs.Length; k++) if (outputs[k] > outputs[best]) best = k;
        return best;
    }

    /// <summary>Fraction of rows of <paramref name="f"/> (n x O) whose decoded class equals the label.</summary>
    /// <exception cref="ArgumentException">The numbers of rows and labels differ, or f has the wrong number of columns.</exception>
    public static double Accuracy(double[,] f, ReadOnlySpan<double> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(f);
        int n = f.GetLength(0), o = f.GetLength(1);
        if (labels.Length != n) throw new ArgumentException($"{n} predictions but {labels.Length} labels");
        if (n == 0) return double.NaN;
        var row = new double[o];
        int right = 0;
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < o; k++) row[k] = f[i, k];
            if (Decode(row, classes) == labels[i]) right++;
        }
        return (double)right / n;
    }

    /// <summary>Scalar targets as an n x 1 matrix.</summary>
    public static double[,] Column(ReadOnlySpan<double> y)
    {
        var m = new double[y.Length, 1];
        for (int i = 0; i < y.Length; i++) m[i, 0] = y[i];
        return m;
    }
}
