using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Tests.Solver.Linear;

/// <summary>
/// A x and A' x against the entry-by-entry definition, on matrices below and above
/// <see cref="CscMatrix.ParallelNonZeros"/> (threads split the rows, or the columns, of the large ones), with skewed row
/// counts like the ReLU programs' (a few dense coupling rows above many sparse ones), alpha and beta.
/// </summary>
public class CscMatrixProductTests
{
    public static TheoryData<int, int, int, int> Sizes => new()
    {
        { 50, 40, 300, 0 },                 // small: one thread
        { 3000, 2000, 1_500_000, 0 },       // uniform, above the threshold
        { 20000, 9000, 1_300_000, 60 },     // 60 dense rows on top, like the coupling rows
        { 2000, 1, 0, 2000 },               // one column: every row in one column's entries
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ProductsEqualTheirDefinition(int rows, int columns, int scattered, int denseRows)
    {
        var rng = new Random(rows + 7 * columns);
        var entries = new Dictionary<(int, int), double>();
        for (int e = 0; e < scattered; e++) entries[(rng.Next(rows), rng.Next(columns))] = rng.NextDouble() - 0.5;
        for (int i = 0; i < denseRows; i++)
            for (int j = 0; j < columns; j++)
                if (rng.NextDouble() < 0.5) entries[(i, j)] = rng.NextDouble() - 0.5;
        var a = CscMatrix.FromTriplets(rows, columns, entries.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value)));
        var x = Enumerable.Range(0, columns).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var z = Enumerable.Range(0, rows).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var y0 = Enumerable.Range(0, rows).Select(_ => rng.NextDouble()).ToArray();
        var w0 = Enumerable.Range(0, columns).Select(_ => rng.NextDouble()).ToArray();
        const double alpha = -1.5, beta = 0.25;

        // y = alpha A x + beta y0 and w = alpha A' z + beta w0, summed entry by entry.
        var expectY = y0.Select(v => beta * v).ToArray();
        var expectW = w0.Select(v => beta * v).ToArray();
        foreach (var ((i, j), v) in entries)
        {
            expectY[i] += alpha * v * x[j];
            expectW[j] += alpha * v * z[i];
        }
        var y = (double[])y0.Clone();
        a.Multiply(x, y, alpha, beta);
        var w = (double[])w0.Clone();
        a.MultiplyTransposed(z, w, alpha, beta);
        for (int i = 0; i < rows; i++) Assert.Equal(expectY[i], y[i], 1e-12 * (1 + columns));
        for (int j = 0; j < columns; j++) Assert.Equal(expectW[j], w[j], 1e-12 * (1 + rows));

        Assert.True(columns < 100 || a.NonZeros >= CscMatrix.ParallelNonZeros, "the large cases must reach the threaded products");
        // beta = 0 overwrites whatever y held (NaN included).
        Array.Fill(y, double.NaN);
        a.Multiply(x, y);
        for (int i = 0; i < rows; i++) Assert.Equal((expectY[i] - beta * y0[i]) / alpha, y[i], 1e-11 * (1 + columns));
    }
}
