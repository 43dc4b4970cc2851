using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Tests.Core.Arrangements;

public class ConvolutionTests
{
    /// <summary>Pixel ids 1, 2, 3, ... so that every value names its (sample, channel, row, column) uniquely.</summary>
    private static double[] Ids(int count) => Enumerable.Range(1, count).Select(v => (double)v).ToArray();

    [Theory]
    [InlineData(5, 3, 1, 0)]
    [InlineData(5, 3, 2, 1)]
    [InlineData(8, 3, 1, 0)]
    [InlineData(8, 4, 3, 2)]
    [InlineData(6, 6, 1, 0)]
    [InlineData(4, 5, 2, 1)] // the filter fits only thanks to the padding
    public void PatchCountAndContentsFollowTheDefinition(int size, int f, int s, int p)
    {
        const int n = 2, channels = 2;
        var images = Ids(n * channels * size * size);
        var pm = Convolution.Patches2D(images, n, channels, size, size, f, s, p);
        int side = (size + 2 * p - f) / s + 1;
        Assert.Equal(side * side, pm.PatchesPerSample);
        Assert.Equal((n * side * side, channels * f * f), (pm.X.GetLength(0), pm.X.GetLength(1)));
        for (int row = 0; row < pm.X.GetLength(0); row++)
        {
            var (i, k) = pm.RowSource(row);
            Assert.Equal(row, pm.RowOf(i, k));
            Assert.Equal(k * n + i, row); // patch-major: [X_1; ...; X_K]
            int top = (k / side) * s - p, left = (k % side) * s - p;
            int col = 0;
            for (int c = 0; c < channels; c++)
                for (int dy = 0; dy < f; dy++)
                    for (int dx = 0; dx < f; dx++, col++)
                    {
                        int y = top + dy, x = left + dx;
                        bool inside = y >= 0 && y < size && x >= 0 && x < size;
                        double expected = inside ? 1 + ((i * channels + c) * size + y) * size + x : 0;
                        Assert.Equal(expected, pm.X[row, col]);
                    }
        }
    }

    [Fact]
    public void PaddingAddsZerosAroundTheImage()
    {
        // A 2 x 2 image of ones with padding 1 and a 2 x 2 filter: 9 patches; the corner patch sees one pixel,
        // the edge patches two, the centre patch all four.
        var pm = Convolution.Patches2D(Enumerable.Repeat(1.0, 4).ToArray(), 1, 1, 2, 2, 2, 1, 1);
        var sums = Enumerable.Range(0, 9).Select(k => Enumerable.Range(0, 4).Sum(c => pm.X[pm.RowOf(0, k), c])).ToArray();
        Assert.Equal(new double[] { 1, 2, 1, 2, 4, 2, 1, 2, 1 }, sums);
    }

    [Fact]
    public void RectangularImagesHaveSeparateOutputHeightAndWidth()
    {
        var pm = Convolution.Patches2D(Ids(3 * 4), 1, 1, 3, 4, 2, 1, 0);
        Assert.Equal((2, 3), (pm.OutputHeight, pm.OutputWidth));
        Assert.Equal(new double[] { 6, 7, 10, 11 }, Enumerable.Range(0, 4).Select(c => pm.X[pm.RowOf(0, 4), c]).ToArray());
    }

    [Fact]
    public void DatasetColumnsAreThePixels()
    {
        var rows = new[] { Ids(9), Ids(9).Select(v => -v).ToArray() };
        var pm = Convolution.Patches2D(Dataset.FromRows(rows), 1, 3, 3, 2, 1, 0);
        var direct = Convolution.Patches2D(rows.SelectMany(r => r).ToArray(), 2, 1, 3, 3, 2, 1, 0);
        Assert.Equal(direct.X, pm.X);
        Assert.Equal(4, pm.PatchesPerSample);
        Assert.Equal(new double[] { -1, -2, -4, -5 }, Enumerable.Range(0, 4).Select(c => pm.X[pm.RowOf(1, 0), c]).ToArray());
    }

    [Theory]
    [InlineData(7, 3, 1, 0)]
    [InlineData(7, 3, 2, 1)]
    [InlineData(5, 5, 1, 2)]
    public void OneDimensionalPatchesFollowTheDefinition(int length, int f, int s, int p)
    {
        const int n = 3, channels = 2;
        var pm = Convolution.Patches1D(Ids(n * channels * length), n, channels, length, f, s, p);
        int outLen = (length + 2 * p - f) / s + 1;
        Assert.Equal((1, outLen), (pm.OutputHeight, pm.OutputWidth));
        for (int row = 0; row < pm.X.GetLength(0); row++)
        {
            var (i, k) = pm.RowSource(row);
            for (int c = 0; c < channels; c++)
                for (int dx = 0; dx < f; dx++)
                {
                    int t = k * s + dx - p;
                    double expected = t >= 0 && t < length ? 1 + (i * channels + c) * length + t : 0;
                    Assert.Equal(expected, pm.X[row, c * f + dx]);
                }
        }
    }

    [Fact]
    public void InvalidShapesAreRejectedWithOneLineMessages()
    {
        var img = new double[16];
        void Bad(Action a, string fragment)
        {
            var e = Assert.Throws<InputException>(a);
            Assert.Contains(fragment, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        Bad(() => Convolution.Patches2D(img, 1, 1, 4, 4, 5, 1, 0), "larger than the padded image");
        Bad(() => Convolution.Patches2D(img, 1, 1, 4, 4, 2, 0, 0), "stride 0");
        Bad(() => Convolution.Patches2D(img, 1, 1, 4, 4, 2, 1, -1), "padding -1");
        Bad(() => Convolution.Patches2D(img, 1, 1, 4, 4, 0, 1, 0), "filter size 0");
        Bad(() => Convolution.Patches2D(img, 1, 1, 4, 5, 2, 1, 0), "20 expected");
        Bad(() => Convolution.Patches2D(Dataset.FromRows([new double[10]]), 1, 3, 3, 2, 1, 0), "10 feature columns");
        Bad(() => Convolution.Patches2D(Dataset.FromRows([new double[9]]).WithBias(), 1, 3, 3, 2, 1, 0), "before adding the bias");
        Bad(() => Convolution.Patches1D(new double[6], 2, 1, 3, 4, 1, 0), "longer than the padded signal");
        Bad(() => Convolution.Patches1D(new double[6], 2, 1, 4, 2, 1, 0), "8 expected");
    }

    [Fact]
    public void ConvolutionalPatternsAreChambersOfThePatchMatrix()
    {
        // A 1-D signal (1, -1, 2) with a size-2 filter: patches (1, -1) and (-1, 2); their arrangement has
        // 4 chambers, so a convolutional neuron has 4 activation patterns over the 2 patches.
        var pm = Convolution.Patches1D([1, -1, 2], 1, 1, 3, 2, 1, 0);
        var a = IncrementalEnumerator.Enumerate(pm.X);
        Assert.Equal(4, a.Chambers.Count);
        IncrementalEnumeratorTests.AssertChambersAreExact(pm.X, a);
    }
}
