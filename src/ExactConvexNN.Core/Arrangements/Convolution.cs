using ExactConvexNN.Data;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// The stacked patch matrix of a convolutional layer: one row per (patch position, sample), holding the
/// C x f x f (or C x f) input values that the filter sees there. A convolutional ReLU neuron with filter u
/// is active on patch k of sample i exactly when that row's inner product with u is nonnegative, so the
/// activation patterns of the layer are the chambers of this matrix's arrangement.
/// </summary>
/// <remarks>
/// Row order is patch-major, <c>[X_1; X_2; ...; X_K]</c>: row <c>k * n + i</c> is patch k of sample i,
/// where patches are numbered row-major over the output grid (<c>k = outRow * OutputWidth + outCol</c>; in
/// one dimension k is the output position). Column order within a patch is channel-major, then filter row,
/// then filter column: column <c>(c * f + dy) * f + dx</c> (in one dimension <c>c * f + dx</c>). Positions
/// outside the image (padding) contribute zeros.
/// </remarks>
public sealed class PatchMatrix
{
    /// <summary>The stacked matrix, (n K) x (C f f) in two dimensions or (n K) x (C f) in one.</summary>
    public required double[,] X { get; init; }
    /// <summary>Number of samples n.</summary>
    public required int Samples { get; init; }
    /// <summary>Number of patches per sample K (= OutputHeight * OutputWidth).</summary>
    public int PatchesPerSample => OutputHeight * OutputWidth;
    /// <summary>Rows of the output grid (1 for one-dimensional signals).</summary>
    public required int OutputHeight { get; init; }
    /// <summary>Columns of the output grid (the output length for one-dimensional signals).</summary>
    public required int OutputWidth { get; init; }

    /// <summary>The sample and patch of a row of <see cref="X"/> (patch-major order).</summary>
    public (int Sample, int Patch) RowSource(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, X.GetLength(0));
        return (row % Samples, row / Samples);
    }

    /// <summary>The row of <see cref="X"/> holding patch <paramref name="patch"/> of sample <paramref name="sample"/>.</summary>
    public int RowOf(int sample, int patch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sample, Samples);
        ArgumentOutOfRangeException.ThrowIfNegative(patch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(patch, PatchesPerSample);
        return patch * Samples + sample;
    }
}

/// <summary>Builds <see cref="PatchMatrix"/> objects from images (n x C x H x W) or signals (n x C x L).</summary>
public static class Convolution
{
    /// <summary>
    /// Patches of n images stored row-major as one flat array: sample, then channel, then row, then column
    /// (index <c>((i * C + c) * H + y) * W + x</c>).
    /// </summary>
    /// <exception cref="InputException">Sizes are inconsistent, the filter does not fit, or stride &lt; 1.</exception>
    public static PatchMatrix Patches2D(ReadOnlySpan<double> images, int samples, int channels, int height, int width,
        int filter, int stride, int padding)
    {
        CheckShape(samples, channels, height, width, filter, stride, padding);
        long expected = (long)samples * channels * height * width;
        if (images.Length != expected)
            throw new InputException($"{images.Length} pixel values given but {samples} x {channels} x {height} x {width} = {expected} expected; check the image shape");
        return Build(images, samples, channels, height, width, filter, stride, padding);
    }

    /// <summary>
    /// Patches of the images in a data set whose C*H*W feature columns are the pixels (channel, then row,
    /// then column), such as the 8 x 8 digits (columns <c>p{row}_{col}</c>).
    /// </summary>
    /// <exception cref="InputException">The column count is not C*H*W, the filter does not fit, or stride &lt; 1.</exception>
    public static PatchMatrix Patches2D(Dataset data, int channels, int height, int width, int filter, int stride, int padding)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data.Rows, channels, height, width, filter, stride, padding);
        long pixels = (long)channels * height * width;
        if (data.Columns != pixels)
            throw new InputException($"the data has {data.Columns} feature columns but an image of {channels} x {height} x {width} has {pixels} pixels; " +
                (data.HasBias ? "build patches before adding the bias column" : "check the channels, height and width"));
        var flat = new double[data.Rows * pixels];
        for (int i = 0, t = 0; i < data.Rows; i++)
            for (int j = 0; j < data.Columns; j++) flat[t++] = data.X[i, j];
        return Build(flat, data.Rows, channels, height, width, filter, stride, padding);
    }

    /// <summary>
    /// Patches of n one-dimensional signals stored flat: sample, then channel, then position
    /// (index <c>(i * C + c) * L + t</c>). The result has OutputHeight = 1.
    /// </summary>
    /// <exception cref="InputException">Sizes are inconsistent, the filter does not fit, or stride &lt; 1.</exception>
    public static PatchMatrix Patches1D(ReadOnlySpan<double> signals, int samples, int channels, int length,
        int filter, int stride, int padding)
    {
        CheckCommon(samples, channels, filter, stride, padding);
        if (length < 1) throw new InputException($"signal length {length} is not positive; give a length of at least 1");
        if (filter > length + 2 * padding)
            throw new InputException($"filter of size {filter} is longer than the padded signal ({length} + 2 x {padding}); use a smaller filter or more padding");
        long expected = (long)samples * channels * length;
        if (signals.Length != expected)
            throw new InputException($"{signals.Length} values given but {samples} x {channels} x {length} = {expected} expected; check the signal shape");
        // A signal of length L is an image of height 1 with a 1 x f filter; only the width is padded.
        int outW = (length + 2 * padding - filter) / stride + 1;
        int cols = channels * filter;
        var x = new double[samples * outW, cols];
        for (int k = 0; k < outW; k++)
            for (int i = 0; i < samples; i++)
            {
                int row = k * samples + i;
                // x[row, c f + dx] = signal_i[c, k s + dx - p] (zero outside 0..L-1).
                for (int c = 0; c < channels; c++)
                {
                    int baseIdx = (i * channels + c) * length;
                    for (int dx = 0; dx < filter; dx++)
                    {
                        int t = k * stride + dx - padding;
                        if (t >= 0 && t < length) x[row, c * filter + dx] = signals[baseIdx + t];
                    }
                }
            }
        return new PatchMatrix { X = x, Samples = samples, OutputHeight = 1, OutputWidth = outW };
    }

    private static PatchMatrix Build(ReadOnlySpan<double> images, int samples, int channels, int height, int width,
        int filter, int stride, int padding)
    {
        int outH = (height + 2 * padding - filter) / stride + 1;
        int outW = (width + 2 * padding - filter) / stride + 1;
        int patches = outH * outW, cols = channels * filter * filter;
        var x = new double[samples * patches, cols];
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                int k = oy * outW + ox;
                for (int i = 0; i < samples; i++)
                {
                    int row = k * samples + i;
                    // x[row, (c f + dy) f + dx] = image_i[c, oy s + dy - p, ox s + dx - p] (zero outside the image).
                    for (int c = 0; c < channels; c++)
                        for (int dy = 0; dy < filter; dy++)
                        {
                            int y = oy * stride + dy - padding;
                            if (y < 0 || y >= height) continue;
                            int baseIdx = ((i * channels + c) * height + y) * width;
                            for (int dx = 0; dx < filter; dx++)
                            {
                                int xx = ox * stride + dx - padding;
                                if (xx >= 0 && xx < width) x[row, (c * filter + dy) * filter + dx] = images[baseIdx + xx];
                            }
                        }
                }
            }
        return new PatchMatrix { X = x, Samples = samples, OutputHeight = outH, OutputWidth = outW };
    }

    private static void CheckShape(int samples, int channels, int height, int width, int filter, int stride, int padding)
    {
        CheckCommon(samples, channels, filter, stride, padding);
        if (height < 1 || width < 1)
            throw new InputException($"image size {height} x {width} is not positive; give a height and width of at least 1");
        if (filter > height + 2 * padding || filter > width + 2 * padding)
            throw new InputException($"filter of size {filter} is larger than the padded image ({height} x {width} with padding {padding}); use a smaller filter or more padding");
    }

    private static void CheckCommon(int samples, int channels, int filter, int stride, int padding)
    {
        if (samples < 0) throw new InputException($"sample count {samples} is negative; give a count of at least 0");
        if (channels < 1) throw new InputException($"channel count {channels} is not positive; give at least 1 channel");
        if (filter < 1) throw new InputException($"filter size {filter} is not positive; give a filter size of at least 1");
        if (stride < 1) throw new InputException($"stride {stride} is less than 1; give a stride of at least 1");
        if (padding < 0) throw new InputException($"padding {padding} is negative; give a padding of 0 or more");
    }
}
