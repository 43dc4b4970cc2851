namespace ExactConvexNN.Solver.Linear;

/// <summary>Numeric scheme of <see cref="SparseLdl"/>.</summary>
public enum SparseLdlScheme
{
    /// <summary><see cref="DenseTail"/> when the trailing dense block of L is large and carries much of the work, else <see cref="UpLooking"/>.</summary>
    Auto,
    /// <summary>Every row of L by the up-looking (QDLDL) sparse triangular solve.</summary>
    UpLooking,
    /// <summary>
    /// The rows before the trailing block of columns whose part of L is dense up-looking; the block's Schur complement
    /// S = K22 - L21 D1 L21' formed densely and factored by the blocked dense L D L' (whatever the block's size).
    /// </summary>
    DenseTail,
}

/// <summary>
/// Sparse L D L' factorization of a symmetric quasi-definite K, factoring P K P' = L D L' with L unit lower
/// triangular. <see cref="Create(CscMatrix, FillReducingOrdering, SparseLdlScheme)"/> does the symbolic analysis once (fill-reducing
/// permutation, permuted upper pattern, elimination tree, column counts of L, map from K's entries to the
/// permuted matrix); <see cref="Factor"/> is an up-looking numeric factorization (the QDLDL scheme: row k of L
/// from a sparse triangular solve whose pattern is the reach of column k of P K P' in the elimination tree)
/// with dynamic regularization. When L ends in a dense block of s columns (<see cref="SparseLdlScheme.DenseTail"/>),
/// the rows of that block take only their part in the earlier columns (L21) from the triangular solve; the block is the
/// dense Schur complement S = K22 - L21 D1 L21', updated group by group (earlier columns sharing their rows in the block)
/// by a tiled product, and factored by <see cref="DenseKernels.LdlLower"/> with the same dynamic regularization.
/// Factor and Solve allocate nothing (apart from the dense kernels' worker threads).
/// </summary>
public sealed class SparseLdl : ILdlFactorization
{
    /// <summary>Smallest dense trailing block <see cref="SparseLdlScheme.Auto"/> factors densely.</summary>
    public const int AutoDenseTailMinimum = 200;
    /// <summary>Share of the factorization work (sum of squared column counts) the dense block and its rows must carry under <see cref="SparseLdlScheme.Auto"/>.</summary>
    public const double AutoDenseTailWorkShare = 0.3;
    // Columns of one group that go through the Schur update at once (the inner dimension of the tiled product).
    private const int GroupChunk = 256;

    private readonly int _n;
    private readonly int _nnzK;
    private readonly int[] _perm;
    // Permuted upper triangle: column j holds rows i <= j; _map[p] is where K's entry p lands.
    private readonly int[] _aColPtr, _aRowIdx, _map;
    private readonly double[] _aValues;
    private readonly int[] _parent;
    // L strictly below the diagonal, column-wise; rows within a column increase. Columns t..n-1 (the dense tail)
    // are empty here: their part of L is in _dense.
    private readonly int[] _lColPtr, _lRowIdx;
    private readonly double[] _lValues;
    private readonly double[] _d, _dInv;
    // Dense tail: columns t..n-1 (s = n - t). For j < t, column j holds its rows < t in [_lColPtr[j], _l11End[j]) and its
    // rows in the tail after them. _dense is S, then L22 (row-major s x s lower triangle, unit diagonal implied).
    private readonly int _t;
    private readonly int[] _l11End;
    private readonly double[] _dense, _denseWork, _groupW;
    private readonly sbyte[] _tailSigns;
    private readonly int[] _tailMap;
    // Groups of columns < t with rows in the tail: _groupCols[_groupPtr[g] ..] with the group's root first, whose rows in
    // the tail hold those of every other member (a member's parent is a member or the root).
    private readonly int[] _groupPtr, _groupCols;
    // Rows of L21, fixed by the symbolic analysis: tail row t+r reaches columns _reachCol[_reachPtr[r] ..] in topological
    // order, and L(t+r, _reachCol[e]) goes to _lValues[_reachPos[e]]. Tail rows _tailParts[w] .. _tailParts[w+1]-1 (local)
    // are solved by worker w with its own dense vector _tailY[w].
    private readonly int[] _reachPtr, _reachCol, _reachPos, _tailParts;
    private readonly double[][] _tailY;
    // Numeric workspace.
    private readonly double[] _y;
    private readonly int[] _flag, _stack, _path, _lNext;
    private bool _factored;

    private SparseLdl(CscMatrix upper, int[] perm, SparseLdlScheme scheme)
    {
        int n = _n = upper.Columns;
        _nnzK = upper.NonZeros;
        _perm = perm;
        var s = Symbolic.Analyze(upper, perm);
        (_aColPtr, _aRowIdx, _map, _parent) = (s.ColPtr, s.RowIdx, s.Map, s.Parent);
        _aValues = new double[_nnzK];
        _d = new double[n]; _dInv = new double[n]; _y = new double[n];
        _flag = new int[n]; _stack = new int[n]; _path = new int[n]; _lNext = new int[n];

        // Dense tail: the longest run of last columns j with n-1-j entries (all rows below the diagonal).
        int t = n;
        while (t > 0 && s.ColumnCounts[t - 1] == n - t) t--;
        int tail = n - t;
        // Rows of the tail in the earlier columns: the reach of each tail row restricted to columns < t (only when the tail
        // may be factored densely).
        var tailCount = new int[t];
        if (tail > 0 && (scheme == SparseLdlScheme.DenseTail || scheme == SparseLdlScheme.Auto && tail >= AutoDenseTailMinimum))
        {
            Array.Fill(_flag, -1);
            for (int k = t; k < n; k++)
                for (int p = _aColPtr[k]; p < _aColPtr[k + 1]; p++)
                    for (int i = _aRowIdx[p]; i < t && _flag[i] != k; i = _parent[i]) { tailCount[i]++; _flag[i] = k; }
        }
        if (!UseDenseTail(scheme, s.ColumnCounts, t, tailCount)) { t = n; tail = 0; tailCount = new int[n]; }
        _t = t;

        _lColPtr = new int[n + 1];
        _l11End = new int[t];
        long nnzL = 0;
        for (int i = 0; i < n; i++)
        {
            _lColPtr[i] = (int)nnzL;
            if (i < t) { nnzL += s.ColumnCounts[i]; _l11End[i] = (int)(nnzL - tailCount[i]); }
        }
        if (nnzL + (long)tail * (tail - 1) / 2 > Array.MaxLength) throw new ArgumentException($"L would hold {nnzL + (long)tail * (tail - 1) / 2} entries, more than an array can");
        _lColPtr[n] = (int)nnzL;
        _lRowIdx = new int[nnzL]; _lValues = new double[nnzL];

        (_reachPtr, _reachCol, _reachPos, _tailParts) = tail > 0 ? TailReach(t, tailCount) : ([0], [], [], [0]);
        _tailY = new double[_tailParts.Length - 1][];
        for (int w = 0; w < _tailY.Length; w++) _tailY[w] = w == 0 ? _y : new double[t];
        (_groupPtr, _groupCols) = tail > 0 ? Groups(t, tailCount, _parent) : ([0], []);
        int maxRows = 0, maxCols = 0;
        for (int g = 0; g + 1 < _groupPtr.Length; g++)
        {
            maxRows = Math.Max(maxRows, tailCount[_groupCols[_groupPtr[g]]]);
            maxCols = Math.Max(maxCols, Math.Min(GroupChunk, _groupPtr[g + 1] - _groupPtr[g]));
        }
        _groupW = new double[2 * maxRows * maxCols];
        _dense = new double[(long)tail * tail];
        _denseWork = new double[DenseKernels.LdlWorkLength(tail)];
        _tailSigns = new sbyte[tail];
        _tailMap = new int[tail];
    }

    /// <summary>
    /// Whether to factor the tail of s = n - t dense columns densely: always when forced, never when it is empty or too large
    /// for one array, and under <see cref="SparseLdlScheme.Auto"/> when s &gt;= <see cref="AutoDenseTailMinimum"/> and the
    /// tail's work plus the Schur updates from its rows in earlier columns carry <see cref="AutoDenseTailWorkShare"/> of the total.
    /// </summary>
    private static bool UseDenseTail(SparseLdlScheme scheme, int[] columnCounts, int t, int[] tailCount)
    {
        long tail = columnCounts.Length - t;
        if (scheme == SparseLdlScheme.UpLooking || tail == 0 || tail * tail > Array.MaxLength) return false;
        if (scheme == SparseLdlScheme.DenseTail) return true;
        if (tail < AutoDenseTailMinimum) return false;
        // Work ~ sum of squared column counts: the tail's own, and the tail rows' share of the earlier columns.
        double total = 0, dense = 0;
        for (int j = 0; j < columnCounts.Length; j++)
        {
            double c = columnCounts[j];
            total += c * c;
            dense += j >= t ? c * c : (double)tailCount[j] * tailCount[j];
        }
        return dense >= AutoDenseTailWorkShare * total;
    }

    /// <summary>
    /// The pattern of L21 (rows t..n-1 in the columns &lt; t): for each tail row, its reach in the elimination tree stopped at
    /// the tail, in topological order, with the position of each entry in its column (after the column's rows &lt; t, rows
    /// increasing); fills those row indices of L. Also cuts the tail rows into contiguous parts of about equal solve work
    /// (sum of the reached columns' counts &lt; t), one per worker when the work is large.
    /// </summary>
    private (int[] Ptr, int[] Col, int[] Pos, int[] Parts) TailReach(int t, int[] tailCount)
    {
        int n = _n, tail = n - t;
        var ptr = new int[tail + 1];
        long total = 0;
        for (int i = 0; i < t; i++) total += tailCount[i];
        var col = new int[total]; var pos = new int[total];
        var next = new int[t];
        for (int i = 0; i < t; i++) next[i] = _l11End[i];
        var work = new double[tail + 1];
        Array.Fill(_flag, -1);
        int e = 0;
        for (int k = t; k < n; k++)
        {
            int top = n;
            for (int p = _aColPtr[k]; p < _aColPtr[k + 1]; p++)
            {
                int len = 0;
                for (int i = _aRowIdx[p]; i < t && _flag[i] != k; i = _parent[i]) { _path[len++] = i; _flag[i] = k; }
                while (len > 0) _stack[--top] = _path[--len];
            }
            work[k - t + 1] = work[k - t];
            for (int q = top; q < n; q++)
            {
                int i = _stack[q];
                col[e] = i; pos[e] = next[i]++;
                _lRowIdx[pos[e++]] = k;
                work[k - t + 1] += _l11End[i] - _lColPtr[i] + 1;
            }
            ptr[k - t + 1] = e;
        }
        int workers = work[tail] < 1e6 ? 1 : Math.Clamp(Environment.ProcessorCount, 1, 8);
        var parts = new int[workers + 1];
        for (int w = 1, r = 0; w <= workers; w++)
        {
            while (r < tail && work[r] < work[tail] * w / workers) r++;
            parts[w] = w == workers ? tail : r;
        }
        return (ptr, col, pos, parts);
    }

    /// <summary>
    /// Groups of the columns j &lt; t with rows in the tail, for the Schur update: going down from t-1, column j joins the
    /// group of its parent when the parent is &lt; t and j has at least 90 % of the tail rows of that group's root (its
    /// tail rows are a subset of them: the pattern of a column is in its parent's); else it starts a group.
    /// </summary>
    private static (int[] Ptr, int[] Cols) Groups(int t, int[] tailCount, int[] parent)
    {
        var group = new int[t];
        var roots = new List<int>();
        for (int j = t - 1; j >= 0; j--)
        {
            group[j] = -1;
            if (tailCount[j] == 0) continue;
            int pj = parent[j];
            if (pj >= 0 && pj < t && group[pj] >= 0 && 10L * tailCount[j] >= 9L * tailCount[roots[group[pj]]]) group[j] = group[pj];
            else { group[j] = roots.Count; roots.Add(j); }
        }
        var ptr = new int[roots.Count + 1];
        for (int j = 0; j < t; j++) if (group[j] >= 0) ptr[group[j] + 1]++;
        for (int g = 0; g < roots.Count; g++) ptr[g + 1] += ptr[g];
        var cols = new int[ptr[^1]];
        var next = ptr[..^1];
        // Descending order puts each root first.
        for (int j = t - 1; j >= 0; j--) if (group[j] >= 0) cols[next[group[j]]++] = j;
        return (ptr, cols);
    }

    /// <summary>The symbolic analysis shared by <see cref="SparseLdl"/> and <see cref="CountNonZerosL"/>.</summary>
    private readonly record struct Symbolic(int[] ColPtr, int[] RowIdx, int[] Map, int[] Parent, int[] ColumnCounts)
    {
        public static Symbolic Analyze(CscMatrix upper, int[] perm)
        {
            int n = upper.Columns, nnz = upper.NonZeros;
            var iperm = new int[n];
            for (int k = 0; k < n; k++) iperm[perm[k]] = k;

            // Permuted upper pattern: K(i,j) goes to (min(pi,pj), max(pi,pj)) with pi = iperm[i]; map[p] is its position.
            var aColPtr = new int[n + 1];
            var colPtr = upper.ColumnPointers; var rowIdx = upper.RowIndices;
            for (int j = 0; j < n; j++)
                for (int p = colPtr[j]; p < colPtr[j + 1]; p++)
                    aColPtr[Math.Max(iperm[rowIdx[p]], iperm[j]) + 1]++;
            for (int j = 0; j < n; j++) aColPtr[j + 1] += aColPtr[j];
            var aRowIdx = new int[nnz]; var map = new int[nnz];
            var next = aColPtr.AsSpan(0, n).ToArray();
            for (int j = 0; j < n; j++)
                for (int p = colPtr[j]; p < colPtr[j + 1]; p++)
                {
                    int pi = iperm[rowIdx[p]], pj = iperm[j];
                    int q = next[Math.Max(pi, pj)]++;
                    aRowIdx[q] = Math.Min(pi, pj);
                    map[p] = q;
                }

            // Elimination tree and column counts: row k of L is the union of the tree paths from each i in column k
            // of P K P' (i < k) up to k; every node met on those paths gains one entry (row k) in its column.
            var parent = new int[n];
            var flag = new int[n];
            var colCount = new int[n];
            Array.Fill(parent, -1);
            for (int k = 0; k < n; k++)
            {
                flag[k] = k;
                for (int p = aColPtr[k]; p < aColPtr[k + 1]; p++)
                    for (int i = aRowIdx[p]; flag[i] != k; i = parent[i])
                    {
                        if (parent[i] == -1) parent[i] = k;
                        colCount[i]++;
                        flag[i] = k;
                    }
            }
            return new Symbolic(aColPtr, aRowIdx, map, parent, colCount);
        }
    }

    /// <summary>
    /// Number of entries strictly below the diagonal that L would have for this pattern and pivot order, computed
    /// from the elimination tree without allocating L (to compare orderings).
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is invalid or <paramref name="permutation"/> is not a permutation of 0..n-1.</exception>
    public static long CountNonZerosL(CscMatrix upperPattern, ReadOnlySpan<int> permutation)
    {
        var perm = ValidatedPermutation(upperPattern, permutation);
        long total = 0;
        foreach (int c in Symbolic.Analyze(upperPattern, perm).ColumnCounts) total += c;
        return total;
    }

    private static int[] ValidatedPermutation(CscMatrix upperPattern, ReadOnlySpan<int> permutation)
    {
        LdlContract.ValidateUpperPattern(upperPattern);
        if (!FillReducingOrderings.IsPermutation(permutation, upperPattern.Columns))
            throw new ArgumentException($"the pivot order is not a permutation of 0..{upperPattern.Columns - 1}", nameof(permutation));
        return permutation.ToArray();
    }

    /// <summary>
    /// Symbolic analysis of the pattern of K's upper triangle (diagonal entries optional) under the given
    /// fill-reducing ordering. Values of <paramref name="upperPattern"/> are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not square or has entries below the diagonal.</exception>
    public static SparseLdl Create(CscMatrix upperPattern, FillReducingOrdering ordering = FillReducingOrdering.Amd, SparseLdlScheme scheme = SparseLdlScheme.Auto)
    {
        var perm = FillReducingOrderings.Compute(upperPattern, ordering);
        return new SparseLdl(upperPattern, perm, scheme);
    }

    /// <summary>Symbolic analysis with an explicit pivot order: <paramref name="permutation"/>[k] is the original index of the k-th pivot.</summary>
    /// <exception cref="ArgumentException">The pattern is invalid or <paramref name="permutation"/> is not a permutation of 0..n-1.</exception>
    public static SparseLdl Create(CscMatrix upperPattern, ReadOnlySpan<int> permutation, SparseLdlScheme scheme = SparseLdlScheme.Auto)
        => new(upperPattern, ValidatedPermutation(upperPattern, permutation), scheme);

    /// <inheritdoc/>
    public int Dimension => _n;

    /// <inheritdoc/>
    public int RegularizedPivots { get; private set; }

    /// <summary>Number of entries of L strictly below the diagonal (fixed by the symbolic analysis; the dense tail included).</summary>
    public int NonZerosL => _lColPtr[_n] + DenseTailSize * (DenseTailSize - 1) / 2;

    /// <summary>Order of the trailing block factored densely (<see cref="SparseLdlScheme.DenseTail"/>); 0 when every row is up-looking.</summary>
    public int DenseTailSize => _n - _t;

    /// <summary>The pivot order: Permutation[k] is the original row of K factored k-th.</summary>
    public ReadOnlySpan<int> Permutation => _perm;

    /// <summary>The pivots D of the last factorization, in permuted order.</summary>
    public ReadOnlySpan<double> D => _d;

    /// <summary>Number of positive entries of D in the last factorization (the inertia's positive count).</summary>
    public int PositivePivots { get; private set; }

    /// <summary>A copy of the strictly lower part of L from the last factorization (the unit diagonal is implied), for diagnostics.</summary>
    public CscMatrix LowerFactor()
    {
        int n = _n, t = _t, tail = n - t;
        int nnz = NonZerosL;
        var colPtr = new int[n + 1]; var rowIdx = new int[nnz]; var values = new double[nnz];
        Array.Copy(_lRowIdx, rowIdx, _lColPtr[n]); Array.Copy(_lValues, values, _lColPtr[n]);
        Array.Copy(_lColPtr, colPtr, t + 1);
        int q = _lColPtr[n];
        for (int j = t; j < n; j++)
        {
            colPtr[j] = q;
            for (int r = j + 1; r < n; r++) { rowIdx[q] = r; values[q++] = _dense[(long)(r - t) * tail + (j - t)]; }
        }
        colPtr[n] = q;
        return CscMatrix.Create(n, n, colPtr, rowIdx, values);
    }

    /// <inheritdoc/>
    public bool Factor(ReadOnlySpan<double> upperValues, ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta)
    {
        LdlContract.ValidateFactorArguments(_n, _nnzK, upperValues, signs, regEpsilon, regDelta);
        _factored = false;
        RegularizedPivots = 0;
        PositivePivots = 0;
        // Scatter K's values into P K P'.
        for (int p = 0; p < _nnzK; p++)
        {
            double v = upperValues[p];
            if (!double.IsFinite(v)) return false;
            _aValues[_map[p]] = v;
        }

        int n = _n, t = _t;
        var y = _y.AsSpan(); var flag = _flag.AsSpan(); var stack = _stack.AsSpan(); var path = _path.AsSpan();
        var lNext = _lNext.AsSpan(); var lRow = _lRowIdx.AsSpan(); var lVal = _lValues.AsSpan();
        for (int i = 0; i < n; i++) { lNext[i] = _lColPtr[i]; flag[i] = -1; }
        y.Clear();
        for (int k = 0; k < t; k++)
        {
            // y = column k of P K P' above the diagonal; the pattern of row k of L is its reach in the
            // elimination tree, stacked in topological order (descendants before ancestors) in stack[top..n).
            double dk = 0;
            int top = n;
            flag[k] = k;
            for (int p = _aColPtr[k]; p < _aColPtr[k + 1]; p++)
            {
                int i = _aRowIdx[p];
                if (i == k) { dk += _aValues[p]; continue; }
                y[i] += _aValues[p];
                int len = 0;
                for (; flag[i] != k; i = _parent[i]) { path[len++] = i; flag[i] = k; }
                while (len > 0) stack[--top] = path[--len];
            }
            // Sparse triangular solve L(0:k,0:k) D z = y: for each i in the reach, L(k,i) = y_i / d_i,
            // y_r -= L(r,i) y_i for the entries r of column i so far, and d_k -= L(k,i) y_i.
            for (int q = top; q < n; q++)
            {
                int i = stack[q];
                double yi = y[i];
                y[i] = 0;
                for (int p = _lColPtr[i]; p < lNext[i]; p++) y[lRow[p]] -= lVal[p] * yi;
                double lki = yi * _dInv[i];
                dk -= lki * yi;
                int e = lNext[i]++;
                lRow[e] = k; lVal[e] = lki;
            }
            if (!SetPivot(k, dk, signs[_perm[k]], regEpsilon, regDelta)) return false;
        }
        if (t < n && !FactorDenseTail(signs, regEpsilon, regDelta)) return false;
        _factored = true;
        return true;
    }

    /// <summary>Regularizes pivot k and stores it; false when it is not finite.</summary>
    private bool SetPivot(int k, double dk, sbyte sign, double regEpsilon, double regDelta)
    {
        if (LdlContract.Regularize(ref dk, sign, regEpsilon, regDelta)) RegularizedPivots++;
        if (!double.IsFinite(dk)) return false;
        _d[k] = dk;
        _dInv[k] = 1.0 / dk;
        if (dk > 0) PositivePivots++;
        return true;
    }

    /// <summary>
    /// The tail rows t..n-1 once columns 0..t-1 hold their rows &lt; t: L21 by sparse triangular solves with L11, the dense
    /// Schur complement S = K22 - L21 D1 L21' (group by group), and its blocked dense factorization into _dense.
    /// </summary>
    private bool FactorDenseTail(ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta)
    {
        int n = _n, t = _t, tail = n - t;
        var lRow = _lRowIdx.AsSpan(); var lVal = _lValues.AsSpan();
        var dense = _dense.AsSpan();
        // Rows of L21 and K22 into S, the tail rows split across workers when the work is large.
        dense.Clear();
        if (_tailY.Length == 1) SolveTailRows(0, dense);
        else
            unsafe
            {
                fixed (double* dp = dense)
                {
                    nint addr = (nint)dp;
                    int len = dense.Length;
                    Parallel.For(0, _tailY.Length, w => SolveTailRows(w, new Span<double>((double*)addr, len)));
                }
            }
        // S -= W D W' for each group: W holds the members' tail rows on the rows of the root (zeros where a member has none).
        var map = _tailMap.AsSpan();
        for (int g = 0; g + 1 < _groupPtr.Length; g++)
        {
            int root = _groupCols[_groupPtr[g]];
            var rows = lRow[_l11End[root].._lColPtr[root + 1]];
            int m = rows.Length;
            for (int a = 0; a < m; a++) map[a] = rows[a] - t;
            for (int c0 = _groupPtr[g]; c0 < _groupPtr[g + 1]; c0 += GroupChunk)
            {
                int w = Math.Min(GroupChunk, _groupPtr[g + 1] - c0);
                var wl = _groupW.AsSpan(0, m * w); var wd = _groupW.AsSpan(m * w, m * w);
                wl.Clear(); wd.Clear();
                for (int c = 0; c < w; c++)
                {
                    int j = _groupCols[c0 + c], a = 0;
                    double dj = _d[j];
                    for (int p = _l11End[j]; p < _lColPtr[j + 1]; p++)
                    {
                        while (rows[a] != lRow[p]) a++;
                        wl[a * w + c] = lVal[p];
                        wd[a * w + c] = lVal[p] * dj;
                    }
                }
                DenseKernels.SubtractProductLower(dense, tail, wd, w, wl, w, m, w, map[..m]);
            }
        }

        // S = L22 D2 L22' with the pivots' expected signs by original row.
        var tailSigns = _tailSigns.AsSpan();
        for (int a = 0; a < tail; a++) tailSigns[a] = signs[_perm[t + a]];
        var d2 = _d.AsSpan(t);
        if (!DenseKernels.LdlLower(dense, tail, tailSigns, regEpsilon, regDelta, d2, _denseWork, out int regularized)) return false;
        RegularizedPivots += regularized;
        for (int k = t; k < n; k++)
        {
            _dInv[k] = 1.0 / _d[k];
            if (_d[k] > 0) PositivePivots++;
        }
        return true;
    }

    /// <summary>
    /// Rows of L21 for the tail rows of part w: L11 D1 z = K(0:t, k) along the precomputed reach (L(k,i) = z_i), with worker
    /// w's dense vector (left zeroed); K(t:n, k) goes to row k - t of S in <paramref name="dense"/>.
    /// </summary>
    private void SolveTailRows(int w, Span<double> dense)
    {
        int t = _t, tail = _n - t;
        var y = _tailY[w].AsSpan(); var lRow = _lRowIdx.AsSpan(); var lVal = _lValues.AsSpan();
        for (int r = _tailParts[w]; r < _tailParts[w + 1]; r++)
        {
            int k = t + r;
            for (int p = _aColPtr[k]; p < _aColPtr[k + 1]; p++)
            {
                int i = _aRowIdx[p];
                if (i >= t) dense[r * tail + (i - t)] += _aValues[p];
                else y[i] += _aValues[p];
            }
            for (int e = _reachPtr[r]; e < _reachPtr[r + 1]; e++)
            {
                int i = _reachCol[e];
                double yi = y[i];
                y[i] = 0;
                for (int p = _lColPtr[i]; p < _l11End[i]; p++) y[lRow[p]] -= lVal[p] * yi;
                lVal[_reachPos[e]] = yi * _dInv[i];
            }
        }
    }

    /// <inheritdoc/>
    public void Solve(Span<double> rhs)
    {
        LdlContract.ValidateSolve(_n, rhs.Length, _factored);
        int n = _n, t = _t;
        var w = _y.AsSpan();
        // w = P b
        for (int k = 0; k < n; k++) w[k] = rhs[_perm[k]];
        // L w' = w (forward, column-oriented) over the sparse columns, whose rows reach into the tail
        for (int i = 0; i < t; i++)
        {
            double wi = w[i];
            if (wi == 0) continue;
            for (int p = _lColPtr[i]; p < _lColPtr[i + 1]; p++) w[_lRowIdx[p]] -= _lValues[p] * wi;
        }
        // w = D^-1 w
        for (int i = 0; i < t; i++) w[i] *= _dInv[i];
        // The dense tail: L22 D2 L22' w' = w
        DenseKernels.LdlSolve(_dense, n - t, _d.AsSpan(t), w[t..]);
        // L' w' = w (backward, dot products with the columns of L)
        for (int i = t - 1; i >= 0; i--)
        {
            double s = w[i];
            for (int p = _lColPtr[i]; p < _lColPtr[i + 1]; p++) s -= _lValues[p] * w[_lRowIdx[p]];
            w[i] = s;
        }
        // x = P' w; leave the workspace zeroed for the next Factor.
        for (int k = 0; k < n; k++) { rhs[_perm[k]] = w[k]; w[k] = 0; }
    }
}
