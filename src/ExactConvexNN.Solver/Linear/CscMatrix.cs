namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// An immutable sparse matrix in compressed sparse column form: column j holds the entries
/// <c>RowIndices[ColumnPointers[j] .. ColumnPointers[j+1])</c> with values at the same positions.
/// Row indices within a column are strictly increasing (no duplicates).
/// </summary>
public sealed class CscMatrix
{
    /// <summary>Number of rows.</summary>
    public int Rows { get; }
    /// <summary>Number of columns.</summary>
    public int Columns { get; }
    /// <summary>Column pointers, length <see cref="Columns"/> + 1.</summary>
    public int[] ColumnPointers { get; }
    /// <summary>Row index of each stored entry.</summary>
    public int[] RowIndices { get; }
    /// <summary>Value of each stored entry.</summary>
    public double[] Values { get; }
    /// <summary>Number of stored entries.</summary>
    public int NonZeros => ColumnPointers[Columns];

    private CscMatrix(int rows, int columns, int[] colPtr, int[] rowIdx, double[] values)
    {
        Rows = rows; Columns = columns; ColumnPointers = colPtr; RowIndices = rowIdx; Values = values;
    }

    /// <summary>Validates the arrays (sizes, monotone pointers, sorted in-range row indices, finite values) and builds the matrix. The arrays are taken, not copied.</summary>
    /// <exception cref="ArgumentException">The arrays do not describe a valid CSC matrix.</exception>
    public static CscMatrix Create(int rows, int columns, int[] columnPointers, int[] rowIndices, double[] values)
    {
        ArgumentNullException.ThrowIfNull(columnPointers);
        ArgumentNullException.ThrowIfNull(rowIndices);
        ArgumentNullException.ThrowIfNull(values);
        if (rows < 0 || columns < 0) throw new ArgumentException($"matrix size {rows}x{columns} is negative");
        if (columnPointers.Length != columns + 1) throw new ArgumentException($"column pointers have length {columnPointers.Length}, expected {columns + 1}");
        if (columnPointers[0] != 0) throw new ArgumentException("column pointers must start at 0");
        int nnz = columnPointers[columns];
        if (rowIndices.Length < nnz || values.Length < nnz) throw new ArgumentException($"{nnz} entries declared but row indices/values hold {rowIndices.Length}/{values.Length}");
        for (int j = 0; j < columns; j++)
        {
            int start = columnPointers[j], end = columnPointers[j + 1];
            if (end < start) throw new ArgumentException($"column pointers decrease at column {j}");
            for (int p = start; p < end; p++)
            {
                int i = rowIndices[p];
                if ((uint)i >= (uint)rows) throw new ArgumentException($"row index {i} in column {j} is outside 0..{rows - 1}");
                if (p > start && i <= rowIndices[p - 1]) throw new ArgumentException($"row indices in column {j} are not strictly increasing");
                if (!double.IsFinite(values[p])) throw new ArgumentException($"entry ({i},{j}) is not finite");
            }
        }
        return new CscMatrix(rows, columns, columnPointers, rowIndices, values);
    }

    /// <summary>Builds a matrix from (row, column, value) triplets; duplicate positions are summed.</summary>
    public static CscMatrix FromTriplets(int rows, int columns, IEnumerable<(int Row, int Column, double Value)> triplets)
    {
        ArgumentNullException.ThrowIfNull(triplets);
        var list = triplets.ToList();
        foreach (var (r, c, v) in list)
        {
            if ((uint)r >= (uint)rows || (uint)c >= (uint)columns) throw new ArgumentException($"triplet ({r},{c}) is outside a {rows}x{columns} matrix");
            if (!double.IsFinite(v)) throw new ArgumentException($"triplet ({r},{c}) is not finite");
        }
        list.Sort((a, b) => a.Column != b.Column ? a.Column.CompareTo(b.Column) : a.Row.CompareTo(b.Row));
        var colPtr = new int[columns + 1];
        var rowIdx = new List<int>(list.Count);
        var vals = new List<double>(list.Count);
        int k = 0;
        for (int j = 0; j < columns; j++)
        {
            colPtr[j] = rowIdx.Count;
            while (k < list.Count && list[k].Column == j)
            {
                int r = list[k].Row; double v = 0;
                while (k < list.Count && list[k].Column == j && list[k].Row == r) v += list[k++].Value;
                rowIdx.Add(r); vals.Add(v);
            }
        }
        colPtr[columns] = rowIdx.Count;
        return new CscMatrix(rows, columns, colPtr, rowIdx.ToArray(), vals.ToArray());
    }

    /// <summary>The all-zero matrix of the given size.</summary>
    public static CscMatrix Zeros(int rows, int columns) => new(rows, columns, new int[columns + 1], [], []);

    /// <summary>The n x n identity.</summary>
    public static CscMatrix Identity(int n)
    {
        var colPtr = new int[n + 1]; var rowIdx = new int[n]; var vals = new double[n];
        for (int i = 0; i < n; i++) { colPtr[i + 1] = i + 1; rowIdx[i] = i; vals[i] = 1; }
        return new CscMatrix(n, n, colPtr, rowIdx, vals);
    }

    /// <summary>The entry at (row, column), zero if not stored.</summary>
    public double this[int row, int column]
    {
        get
        {
            int lo = ColumnPointers[column], hi = ColumnPointers[column + 1];
            int p = Array.BinarySearch(RowIndices, lo, hi - lo, row);
            return p >= 0 ? Values[p] : 0.0;
        }
    }

    /// <summary>The transpose, in CSC form.</summary>
    public CscMatrix Transpose()
    {
        int nnz = NonZeros;
        var count = new int[Rows + 1];
        for (int p = 0; p < nnz; p++) count[RowIndices[p] + 1]++;
        for (int i = 0; i < Rows; i++) count[i + 1] += count[i];
        var colPtr = (int[])count.Clone();
        var rowIdx = new int[nnz]; var vals = new double[nnz];
        var next = (int[])count.Clone();
        for (int j = 0; j < Columns; j++)
            for (int p = ColumnPointers[j]; p < ColumnPointers[j + 1]; p++)
            {
                int q = next[RowIndices[p]]++;
                rowIdx[q] = j; vals[q] = Values[p];
            }
        return new CscMatrix(Columns, Rows, colPtr, rowIdx, vals);
    }

    /// <summary>Products with at least this many stored entries run on several threads (<see cref="Multiply"/>, <see cref="MultiplyTransposed"/>).</summary>
    public const int ParallelNonZeros = 1 << 20;

    /// <summary>
    /// For A x on several threads: row boundaries that split the entries about evenly, and for every column the position of
    /// its first entry at or below each inner boundary (row indices are sorted within a column). Built on first use; the
    /// pattern never changes (in-place scaling changes values only).
    /// </summary>
    private sealed class RowSplit(int parts, int[] boundaries, int[] starts)
    {
        public readonly int Parts = parts;
        public readonly int[] Boundaries = boundaries;   // parts + 1 row boundaries, from 0 to Rows
        public readonly int[] Starts = starts;           // (parts - 1) x Columns: Starts[(t - 1) Columns + j] = first entry of column j in part t
    }
    private RowSplit? _rowSplit;

    /// <summary>Threads a pass over the stored entries uses: 1 below <see cref="ParallelNonZeros"/>, else the cores (at most 8).</summary>
    internal int Workers() => NonZeros < ParallelNonZeros ? 1 : Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>The first column of part <paramref name="t"/> of <paramref name="parts"/> column ranges with about equal entries (<see cref="Columns"/> for t = parts).</summary>
    internal int PartStart(int t, int parts) => t >= parts ? Columns : ColumnAt((long)NonZeros * t / parts);

    private RowSplit SplitRows(int parts)
    {
        var split = _rowSplit;
        if (split is not null && split.Parts == parts) return split;
        int nnz = NonZeros;
        var perRow = new long[Rows + 1];
        for (int p = 0; p < nnz; p++) perRow[RowIndices[p]]++;
        var boundaries = new int[parts + 1];
        boundaries[parts] = Rows;
        long acc = 0; int t = 1;
        for (int i = 0; i < Rows && t < parts; i++)
        {
            acc += perRow[i];
            while (t < parts && acc * parts >= (long)nnz * t) boundaries[t++] = i + 1;
        }
        for (; t < parts; t++) boundaries[t] = Rows;
        var starts = new int[(parts - 1) * Columns];
        for (int j = 0; j < Columns; j++)
        {
            int p = ColumnPointers[j], end = ColumnPointers[j + 1];
            for (int u = 1; u < parts; u++)
            {
                while (p < end && RowIndices[p] < boundaries[u]) p++;
                starts[(u - 1) * Columns + j] = p;
            }
        }
        split = new RowSplit(parts, boundaries, starts);
        _rowSplit = split;
        return split;
    }

    /// <summary>y = alpha * A x + beta * y (rows split over threads for large matrices; the same sums in the same order either way).</summary>
    public void Multiply(ReadOnlySpan<double> x, Span<double> y, double alpha = 1.0, double beta = 0.0)
    {
        if (x.Length != Columns || y.Length != Rows) throw new ArgumentException("dimension mismatch in A x");
        int workers = Workers();
        if (workers == 1)
        {
            MultiplyRows(x, y, alpha, beta, 0, Rows, ColumnPointers, 0, ColumnPointers, 1);
            return;
        }
        var split = SplitRows(workers);
        MultiplyParallel(split, x, y, alpha, beta);
    }

    private unsafe void MultiplyParallel(RowSplit split, ReadOnlySpan<double> x, Span<double> y, double alpha, double beta)
    {
        fixed (double* px = x, py = y)
        {
            nint xp = (nint)px, yp = (nint)py;
            int xl = x.Length, yl = y.Length;
            Parallel.For(0, split.Parts, t =>
            {
                var xs = new ReadOnlySpan<double>((double*)xp, xl);
                var ys = new Span<double>((double*)yp, yl);
                int[] lo = t == 0 ? ColumnPointers : split.Starts, hi = t == split.Parts - 1 ? ColumnPointers : split.Starts;
                int loOff = t == 0 ? 0 : (t - 1) * Columns, hiOff = t == split.Parts - 1 ? 1 : t * Columns;
                MultiplyRows(xs, ys, alpha, beta, split.Boundaries[t], split.Boundaries[t + 1], lo, loOff, hi, hiOff);
            });
        }
    }

    /// <summary>y[r0..r1) = alpha A x + beta y on those rows, column j's entries there being [lo[loOff + j], hi[hiOff + j]).</summary>
    private void MultiplyRows(ReadOnlySpan<double> x, Span<double> y, double alpha, double beta, int r0, int r1, int[] lo, int loOff, int[] hi, int hiOff)
    {
        var yr = y[r0..r1];
        if (beta == 0) yr.Clear(); else if (beta != 1) for (int i = 0; i < yr.Length; i++) yr[i] *= beta;
        for (int j = 0; j < Columns; j++)
        {
            double xj = alpha * x[j];
            if (xj == 0) continue;
            for (int p = lo[loOff + j], end = hi[hiOff + j]; p < end; p++) y[RowIndices[p]] += Values[p] * xj;
        }
    }

    /// <summary>y = alpha * A' x + beta * y (columns split over threads for large matrices).</summary>
    public void MultiplyTransposed(ReadOnlySpan<double> x, Span<double> y, double alpha = 1.0, double beta = 0.0)
    {
        if (x.Length != Rows || y.Length != Columns) throw new ArgumentException("dimension mismatch in A' x");
        int workers = Workers();
        if (workers == 1) { MultiplyTransposedColumns(x, y, alpha, beta, 0, Columns); return; }
        MultiplyTransposedParallel(workers, x, y, alpha, beta);
    }

    private unsafe void MultiplyTransposedParallel(int workers, ReadOnlySpan<double> x, Span<double> y, double alpha, double beta)
    {
        // Column ranges of about equal entries.
        fixed (double* px = x, py = y)
        {
            nint xp = (nint)px, yp = (nint)py;
            int xl = x.Length, yl = y.Length;
            Parallel.For(0, workers, t =>
            {
                MultiplyTransposedColumns(new ReadOnlySpan<double>((double*)xp, xl), new Span<double>((double*)yp, yl), alpha, beta, PartStart(t, workers), PartStart(t + 1, workers));
            });
        }
    }

    /// <summary>The first column whose entries start at or after position <paramref name="entry"/>.</summary>
    private int ColumnAt(long entry)
    {
        int lo = 0, hi = Columns;
        while (lo < hi) { int mid = (lo + hi) / 2; if (ColumnPointers[mid] < entry) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private void MultiplyTransposedColumns(ReadOnlySpan<double> x, Span<double> y, double alpha, double beta, int c0, int c1)
    {
        for (int j = c0; j < c1; j++)
        {
            double s = 0;
            for (int p = ColumnPointers[j]; p < ColumnPointers[j + 1]; p++) s += Values[p] * x[RowIndices[p]];
            y[j] = alpha * s + (beta == 0 ? 0 : beta * y[j]);
        }
    }

    /// <summary>
    /// y = alpha * S x + beta * y for the symmetric S whose upper triangle (including the diagonal) this matrix stores.
    /// Entries below the diagonal, if any, are ignored.
    /// </summary>
    public void MultiplySymmetricUpper(ReadOnlySpan<double> x, Span<double> y, double alpha = 1.0, double beta = 0.0)
    {
        if (Rows != Columns || x.Length != Columns || y.Length != Rows) throw new ArgumentException("dimension mismatch in symmetric multiply");
        if (beta == 0) y.Clear(); else if (beta != 1) for (int i = 0; i < y.Length; i++) y[i] *= beta;
        for (int j = 0; j < Columns; j++)
            for (int p = ColumnPointers[j]; p < ColumnPointers[j + 1]; p++)
            {
                int i = RowIndices[p];
                if (i > j) continue;
                double v = alpha * Values[p];
                y[i] += v * x[j];
                if (i != j) y[j] += v * x[i];
            }
    }

    /// <summary>Dense copy, row-major [row, column].</summary>
    public double[,] ToDense()
    {
        var d = new double[Rows, Columns];
        for (int j = 0; j < Columns; j++)
            for (int p = ColumnPointers[j]; p < ColumnPointers[j + 1]; p++) d[RowIndices[p], j] = Values[p];
        return d;
    }
}
