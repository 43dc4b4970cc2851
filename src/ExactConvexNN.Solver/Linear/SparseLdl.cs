namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// Sparse L D L' factorization of a symmetric quasi-definite K, factoring P K P' = L D L' with L unit lower
/// triangular. <see cref="Create(CscMatrix, FillReducingOrdering)"/> does the symbolic analysis once (fill-reducing
/// permutation, permuted upper pattern, elimination tree, column counts of L, map from K's entries to the
/// permuted matrix); <see cref="Factor"/> is an up-looking numeric factorization (the QDLDL scheme: row k of L
/// from a sparse triangular solve whose pattern is the reach of column k of P K P' in the elimination tree)
/// with dynamic regularization. Factor and Solve allocate nothing.
/// </summary>
public sealed class SparseLdl : ILdlFactorization
{
    private readonly int _n;
    private readonly int _nnzK;
    private readonly int[] _perm;
    // Permuted upper triangle: column j holds rows i <= j; _map[p] is where K's entry p lands.
    private readonly int[] _aColPtr, _aRowIdx, _map;
    private readonly double[] _aValues;
    private readonly int[] _parent;
    // L strictly below the diagonal, column-wise; rows within a column increase.
    private readonly int[] _lColPtr, _lRowIdx;
    private readonly double[] _lValues;
    private readonly double[] _d, _dInv;
    // Numeric workspace.
    private readonly double[] _y;
    private readonly int[] _flag, _stack, _path, _lNext;
    private bool _factored;

    private SparseLdl(CscMatrix upper, int[] perm)
    {
        int n = _n = upper.Columns;
        _nnzK = upper.NonZeros;
        _perm = perm;
        var s = Symbolic.Analyze(upper, perm);
        (_aColPtr, _aRowIdx, _map, _parent) = (s.ColPtr, s.RowIdx, s.Map, s.Parent);
        _lColPtr = new int[n + 1];
        long nnzL = 0;
        for (int i = 0; i < n; i++) { _lColPtr[i] = (int)nnzL; nnzL += s.ColumnCounts[i]; }
        if (nnzL > Array.MaxLength) throw new ArgumentException($"L would hold {nnzL} entries, more than an array can");
        _lColPtr[n] = (int)nnzL;
        _lRowIdx = new int[nnzL]; _lValues = new double[nnzL];
        _aValues = new double[_nnzK];
        _d = new double[n]; _dInv = new double[n]; _y = new double[n];
        _flag = new int[n]; _stack = new int[n]; _path = new int[n]; _lNext = new int[n];
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
    public static SparseLdl Create(CscMatrix upperPattern, FillReducingOrdering ordering = FillReducingOrdering.Amd)
    {
        var perm = FillReducingOrderings.Compute(upperPattern, ordering);
        return new SparseLdl(upperPattern, perm);
    }

    /// <summary>Symbolic analysis with an explicit pivot order: <paramref name="permutation"/>[k] is the original index of the k-th pivot.</summary>
    /// <exception cref="ArgumentException">The pattern is invalid or <paramref name="permutation"/> is not a permutation of 0..n-1.</exception>
    public static SparseLdl Create(CscMatrix upperPattern, ReadOnlySpan<int> permutation)
        => new(upperPattern, ValidatedPermutation(upperPattern, permutation));

    /// <inheritdoc/>
    public int Dimension => _n;

    /// <inheritdoc/>
    public int RegularizedPivots { get; private set; }

    /// <summary>Number of entries of L strictly below the diagonal (fixed by the symbolic analysis).</summary>
    public int NonZerosL => _lColPtr[_n];

    /// <summary>The pivot order: Permutation[k] is the original row of K factored k-th.</summary>
    public ReadOnlySpan<int> Permutation => _perm;

    /// <summary>The pivots D of the last factorization, in permuted order.</summary>
    public ReadOnlySpan<double> D => _d;

    /// <summary>Number of positive entries of D in the last factorization (the inertia's positive count).</summary>
    public int PositivePivots { get; private set; }

    /// <summary>A copy of the strictly lower part of L from the last factorization (the unit diagonal is implied), for diagnostics.</summary>
    public CscMatrix LowerFactor() =>
        CscMatrix.Create(_n, _n, (int[])_lColPtr.Clone(), (int[])_lRowIdx.Clone(), (double[])_lValues.Clone());

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

        int n = _n;
        var y = _y.AsSpan(); var flag = _flag.AsSpan(); var stack = _stack.AsSpan(); var path = _path.AsSpan();
        var lNext = _lNext.AsSpan(); var lRow = _lRowIdx.AsSpan(); var lVal = _lValues.AsSpan();
        for (int i = 0; i < n; i++) { lNext[i] = _lColPtr[i]; flag[i] = -1; }
        y.Clear();
        for (int k = 0; k < n; k++)
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
            for (int t = top; t < n; t++)
            {
                int i = stack[t];
                double yi = y[i];
                y[i] = 0;
                for (int p = _lColPtr[i]; p < lNext[i]; p++) y[lRow[p]] -= lVal[p] * yi;
                double lki = yi * _dInv[i];
                dk -= lki * yi;
                int q = lNext[i]++;
                lRow[q] = k; lVal[q] = lki;
            }
            if (LdlContract.Regularize(ref dk, signs[_perm[k]], regEpsilon, regDelta)) RegularizedPivots++;
            if (!double.IsFinite(dk)) return false;
            _d[k] = dk;
            _dInv[k] = 1.0 / dk;
            if (dk > 0) PositivePivots++;
        }
        _factored = true;
        return true;
    }

    /// <inheritdoc/>
    public void Solve(Span<double> rhs)
    {
        LdlContract.ValidateSolve(_n, rhs.Length, _factored);
        int n = _n;
        var w = _y.AsSpan();
        // w = P b
        for (int k = 0; k < n; k++) w[k] = rhs[_perm[k]];
        // L w' = w (forward, column-oriented)
        for (int i = 0; i < n; i++)
        {
            double wi = w[i];
            if (wi == 0) continue;
            for (int p = _lColPtr[i]; p < _lColPtr[i + 1]; p++) w[_lRowIdx[p]] -= _lValues[p] * wi;
        }
        // w = D^-1 w
        for (int i = 0; i < n; i++) w[i] *= _dInv[i];
        // L' w' = w (backward, dot products with the columns of L)
        for (int i = n - 1; i >= 0; i--)
        {
            double s = w[i];
            for (int p = _lColPtr[i]; p < _lColPtr[i + 1]; p++) s -= _lValues[p] * w[_lRowIdx[p]];
            w[i] = s;
        }
        // x = P' w; leave the workspace zeroed for the next Factor.
        for (int k = 0; k < n; k++) { rhs[_perm[k]] = w[k]; w[k] = 0; }
    }
}
