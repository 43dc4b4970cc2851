using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Data;

/// <summary>
/// <see cref="DataSelection"/>: the label filter keeps exactly the rows with the given targets, renumbered in the order
/// given; a split ":f" and "f:" partitions those rows in file order; the scale divides every feature.
/// </summary>
public class DataSelectionTests
{
    private static Dataset Labelled(Random rng, int n, int labels)
    {
        var x = new double[n, 3];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 3; j++) x[i, j] = rng.Next(-50, 50);
            y[i] = rng.Next(labels);
        }
        // Every label occurs at least once.
        for (int l = 0; l < labels && l < n; l++) y[l] = l;
        return Dataset.Create(x, y);
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void LabelsKeepTheirRowsInFileOrderRenumberedInTheOrderGiven(Seed seed)
    {
        var rng = new Random(seed);
        var data = Labelled(rng, 10 + rng.Next(40), 5);
        double a = rng.Next(5), b = (a + 1 + rng.Next(4)) % 5;
        var sel = new DataSelection { Labels = [a, b] }.Apply(data);
        var expected = Enumerable.Range(0, data.Rows).Where(i => data.Y![i] == a || data.Y![i] == b).ToArray();
        Assert.Equal(expected.Length, sel.Rows);
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.Equal(data.Y![expected[r]] == a ? 0.0 : 1.0, sel.Y![r]);
            for (int j = 0; j < 3; j++) Assert.Equal(data.X[expected[r], j], sel.X[r, j]);
        }
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void ComplementaryRowRangesPartitionTheRowsAndTheScaleDividesEveryFeature(Seed seed)
    {
        var rng = new Random(seed);
        var data = Labelled(rng, 10 + rng.Next(60), 3);   // both parts non-empty (an empty part is refused)
        double f = Math.Round(0.1 + 0.8 * rng.NextDouble(), 2), scale = 1 + rng.Next(20);
        string cut = f.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        var head = new DataSelection { Rows = RowRange.Parse(":" + cut), Scale = scale }.Apply(data);
        var tail = new DataSelection { Rows = RowRange.Parse(cut + ":"), Scale = scale }.Apply(data);
        Assert.Equal((int)Math.Floor(f * data.Rows + 1e-9), head.Rows);
        Assert.Equal(data.Rows, head.Rows + tail.Rows);
        for (int r = 0; r < data.Rows; r++)
        {
            var (part, i) = r < head.Rows ? (head, r) : (tail, r - head.Rows);
            Assert.Equal(data.Y![r], part.Y![i]);
            for (int j = 0; j < 3; j++) Assert.Equal(data.X[r, j] / scale, part.X[i, j]);
        }
    }

    [Theory]
    [InlineData("10:20", 10, 20)]
    [InlineData(":0.5", 0, 50)]
    [InlineData("0.25:", 25, 100)]
    [InlineData("90:500", 90, 100)]
    public void RowRangesAcceptFractionsAndRowCounts(string text, int start, int end) =>
        Assert.Equal((start, end), RowRange.Parse(text).Resolve(100));

    [Theory]
    [InlineData("0.5")]
    [InlineData("a:b")]
    [InlineData("1.5:")]
    [InlineData(":-3")]
    [InlineData("2.5e0:")]
    public void MalformedRowRangesAreRefused(string text) => Assert.Throws<InputException>(() => RowRange.Parse(text));

    [Fact]
    public void LabelsThatNoRowHasAreNamedWithTheTargetsThatExist()
    {
        var data = Labelled(new Random(1), 20, 3);
        var ex = Assert.Throws<InputException>(() => new DataSelection { Labels = [0, 7] }.Apply(data));
        Assert.Contains("target 7", ex.Message);
        Assert.Contains("0, 1, 2", ex.Message);
    }

    [Fact]
    public void ARangeThatSelectsNoRowIsRefused()
    {
        var ex = Assert.Throws<InputException>(() => new DataSelection { Rows = RowRange.Parse("0.9:0.1") }.Apply(Labelled(new Random(2), 20, 2)));
        Assert.Contains("selects no row", ex.Message);
    }

    [Fact]
    public void LabelsNeedATargetColumn() =>
        Assert.Throws<InputException>(() => new DataSelection { Labels = [0, 1] }.Apply(Dataset.Create(new double[2, 2])));
}
