using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Solver.Kkt;

/// <summary>
/// The generic KKT solver: the quasi-definite matrix
/// <c>K = [[P + εI, A'], [A, -(W'W + E)]]</c> is assembled once as an upper-triangle CSC pattern
/// (P's upper triangle and diagonal, A' above the cone block, and the cone blocks: a diagonal for
/// zero/orthant cones, a dense upper triangle for second-order cones) with a map from each W'W entry
/// to its position, so an update only rewrites the cone block. A second-order cone of dimension above
/// the dense limit (default <see cref="SolverSettings.DenseSocMaxDimension"/>) uses the sparse expansion W'W = diag(d) + uu' - vv' with two extra
/// rows [v; u] of pivot signs (-1, +1): eliminating them restores -W'W, and the pattern grows linearly with the
/// cone. Neither form is the more accurate one in the last iterations on every problem: the dense block is, on many
/// mid-sized cones; the expansion is, on one large cone (a QP written as a rotated cone). So the dense block is the
/// default up to the limit, and <see cref="ConicSolver.Solve"/> solves again with the expansion when a problem with
/// such cones ends short of the tolerances. The backend factors K with dynamic regularization; solutions are refined iteratively against the
/// unregularized matrix (ε = 0, E = 0).
/// <para>
/// The constraint rows are regularized in proportion to their own diagonal: E_rr = ε min(1, (W'W)_rr), and ε on the
/// equality rows where (W'W)_rr = 0. A fixed ε is far larger than (W'W)_rr = s_r/z_r on the active rows near the end
/// (1e-12 and below), and then K_reg^-1 is a poor approximate inverse: each refinement step removes only a factor
/// (W'W)_rr/ε of the error, the linearized primal equation of the Newton direction is not met, and the iteration stalls
/// at a primal residual near 1e-6 while μ collapses (the LISWET and YAO problems of the Maros-Meszaros set). With the
/// proportional form each step removes a factor ε of the error, and the block stays negative definite.
/// </para>
/// </summary>
public sealed class QuasiDefiniteKktSolver : IKktSolver, IRefinementTarget
{

    private readonly int _n, _m;
    private readonly CompositeCone _cones;
    private readonly CscMatrix _k;          // shares _values: K with the static regularization
    private readonly double[] _values;
    private readonly int[] _diagonal;       // position of K(i, i), i < n + m
    private readonly int[] _coneMap;        // packed W'W index of the dense/diagonal cones -> position in _values
    private readonly int[] _blockOffset;    // per cone: start of its packed block in _block (dense/diagonal cones)
    private readonly int[] _expansionColumn; // per cone: position of its first v entry (expanded cones), else -1
    private readonly double[] _block, _d, _u, _v;
    private readonly sbyte[] _signs;
    private readonly double _epsilon, _primalEpsilon, _dynEps, _dynDelta;
    private readonly double[] _zReg;
    private readonly IterativeRefinement _refinement;
    private readonly ILdlFactorization _ldl;
    private readonly double[] _rhs, _sol, _res, _corr;

    /// <summary>
    /// The structure of K fixed by P, A and the cones: the upper CSC pattern, the position of each diagonal entry, where
    /// each packed W'W entry of a dense/diagonal cone goes, where each expanded cone's [v; u] columns start, and the pivot
    /// signs (+ on x and u rows, - on z and v rows).
    /// </summary>
    private sealed record Pattern(int N, int[] ColumnPointers, int[] RowIndices, int[] Diagonal, int[] ConeMap, int[] BlockOffset,
        int[] ExpansionColumn, sbyte[] Signs);

    private QuasiDefiniteKktSolver(int n, int m, CompositeCone cones, Pattern pattern, double[] values, SolverSettings settings,
        Func<CscMatrix, ILdlFactorization> backend)
    {
        _n = n; _m = m; _cones = cones; _diagonal = pattern.Diagonal; _coneMap = pattern.ConeMap;
        _blockOffset = pattern.BlockOffset; _expansionColumn = pattern.ExpansionColumn; _signs = pattern.Signs;
        _k = CscMatrix.Create(pattern.N, pattern.N, pattern.ColumnPointers, pattern.RowIndices, values);
        _values = _k.Values;
        _block = new double[_coneMap.Length];
        int maxExpanded = 0;
        for (int c = 0; c < cones.Cones.Count; c++) if (_expansionColumn[c] >= 0) maxExpanded = Math.Max(maxExpanded, cones.Cones[c].Dimension);
        _d = new double[maxExpanded]; _u = new double[maxExpanded]; _v = new double[maxExpanded];
        _epsilon = settings.StaticRegularization;
        _primalEpsilon = settings.PrimalStaticRegularization ?? settings.StaticRegularization;
        _zReg = new double[m];
        _dynEps = settings.DynamicRegularizationEpsilon;
        _dynDelta = settings.DynamicRegularizationDelta;
        _refinement = new IterativeRefinement(settings);
        // Symbolic analysis of the pattern (fill-reducing ordering, elimination tree, column counts) by the backend.
        _ldl = backend(_k);
        if (_ldl.Dimension != _k.Columns) throw new ArgumentException($"the LDL backend has dimension {_ldl.Dimension}, expected {_k.Columns}");
        int N = _k.Columns;
        _rhs = new double[N]; _sol = new double[N]; _res = new double[N]; _corr = new double[N];
    }

    /// <summary>
    /// Builds the KKT pattern for <paramref name="pUpper"/> (upper triangle of P, n x n), <paramref name="a"/> (m x n)
    /// and the cone product, and runs the backend's symbolic analysis.
    /// </summary>
    /// <param name="pUpper">Upper triangle of P (n x n).</param>
    /// <param name="a">Constraint matrix A (m x n).</param>
    /// <param name="cones">The cone product (dimension m); its structure fixes the pattern, and <see cref="Update"/> must be given the same object.</param>
    /// <param name="settings">Regularization and refinement settings (defaults when null).</param>
    /// <param name="backend">Creates the LDL backend from the upper pattern (default: <see cref="SparseLdl"/> with AMD ordering).</param>
    /// <param name="denseSocMaxDimension">Second-order cones up to this dimension get a dense W'W block, larger ones the sparse expansion (default: <see cref="SolverSettings.DenseSocMaxDimension"/>).</param>
    /// <exception cref="ArgumentException">Dimensions disagree.</exception>
    /// <exception cref="InputException">The system would have more entries than 32-bit indexing allows.</exception>
    public static QuasiDefiniteKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings? settings = null,
        Func<CscMatrix, ILdlFactorization>? backend = null, int? denseSocMaxDimension = null)
    {
        settings ??= new SolverSettings();
        int denseLimit = denseSocMaxDimension ?? settings.DenseSocMaxDimension;
        ArgumentOutOfRangeException.ThrowIfNegative(denseLimit, nameof(denseSocMaxDimension));
        ArgumentNullException.ThrowIfNull(pUpper); ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(cones);
        backend ??= pattern => SparseLdl.Create(pattern);
        int n = a.Columns, m = a.Rows;
        if (pUpper.Rows != n || pUpper.Columns != n) throw new ArgumentException($"P is {pUpper.Rows}x{pUpper.Columns} but A has {n} columns");
        if (cones.Dimension != m) throw new ArgumentException($"the cones have dimension {cones.Dimension} but A has {m} rows");
        // The entries of K, counted in 64 bits: a dense W'W block of a large cone (a semidefinite block of order k has
        // k(k+1)/2 rows) can exceed 32-bit indexing, and such a system could not be stored anyway.
        long entries = (long)pUpper.NonZeros + n + a.NonZeros;
        foreach (var cone in cones.Cones)
        {
            long d = cone.Dimension;
            entries += cone.HasDiagonalScaling || cone is SecondOrderCone && d > denseLimit ? 3 * d + 2 : d * (d + 1) / 2;
        }
        if (entries > int.MaxValue)
            throw new InputException($"the quasi-definite KKT system would have {entries:N0} entries, more than {int.MaxValue:N0}: a cone of dimension {cones.Cones.Max(c => c.Dimension):N0} is too large for it; use smaller semidefinite blocks");
        var pattern = Analyze(pUpper, a, cones, denseLimit);
        var values = Assemble(pattern, pUpper, a, cones, settings.PrimalStaticRegularization ?? settings.StaticRegularization);
        return new QuasiDefiniteKktSolver(n, m, cones, pattern, values, settings, backend);
    }

    /// <summary>
    /// Analysis: the upper CSC pattern of K = [[P + εI, A'], [A, -(W'W + εI)]] with the cone blocks (a diagonal for
    /// zero/orthant cones, a dense upper triangle for second-order cones up to <paramref name="denseLimit"/>, a diagonal
    /// plus two columns [v; u] for larger ones), and the maps that <see cref="Assemble"/> and <see cref="Update"/> fill.
    /// </summary>
    private static Pattern Analyze(CscMatrix pUpper, CscMatrix a, CompositeCone cones, int denseLimit)
    {
        bool IsExpanded(ICone cone) => cone is SecondOrderCone && cone.Dimension > denseLimit;
        int n = a.Columns, m = a.Rows, count = cones.Cones.Count;
        // Extra columns: two per expanded cone, after the n + m original ones.
        int extra = 0;
        for (int c = 0; c < count; c++) if (IsExpanded(cones.Cones[c])) extra += 2;
        int N = n + m + extra;
        var colPtr = new int[N + 1];
        for (int j = 0; j < n; j++)
        {
            int cnt = 0; bool diag = false;
            for (int p = pUpper.ColumnPointers[j]; p < pUpper.ColumnPointers[j + 1]; p++)
            {
                int i = pUpper.RowIndices[p];
                if (i <= j) { cnt++; diag |= i == j; }
            }
            colPtr[j + 1] = cnt + (diag ? 0 : 1);
        }
        for (int p = 0; p < a.NonZeros; p++) colPtr[n + a.RowIndices[p] + 1]++;
        for (int c = 0, e = n + m; c < count; c++)
        {
            var cone = cones.Cones[c]; int o = cones.Offset(c);
            bool expanded = IsExpanded(cone);
            for (int r = 0; r < cone.Dimension; r++) colPtr[n + o + r + 1] += cone.HasDiagonalScaling || expanded ? 1 : r + 1;
            if (expanded) { colPtr[e + 1] = cone.Dimension + 1; colPtr[e + 2] = cone.Dimension + 1; e += 2; }
        }
        for (int j = 0; j < N; j++) colPtr[j + 1] += colPtr[j];
        int nnz = colPtr[N];
        var rowIdx = new int[nnz];
        var diagonal = new int[n + m];
        var signs = new sbyte[N];
        for (int i = 0; i < n + m; i++) signs[i] = (sbyte)(i < n ? 1 : -1);
        var next = (int[])colPtr.Clone();

        // P block: its upper entries, and the diagonal appended when P lacks it.
        for (int j = 0; j < n; j++)
        {
            bool diag = false;
            for (int p = pUpper.ColumnPointers[j]; p < pUpper.ColumnPointers[j + 1]; p++)
            {
                int i = pUpper.RowIndices[p];
                if (i > j) continue;
                int q = next[j]++;
                rowIdx[q] = i;
                if (i == j) { diag = true; diagonal[j] = q; }
            }
            if (!diag) { int q = next[j]++; rowIdx[q] = j; diagonal[j] = q; }
        }
        // A' block: row r of A is column n + r of K (columns of A visited in increasing order keep rows sorted).
        for (int j = 0; j < n; j++)
            for (int p = a.ColumnPointers[j]; p < a.ColumnPointers[j + 1]; p++)
                rowIdx[next[n + a.RowIndices[p]]++] = j;
        // Cone blocks: packed W'W index -> position; expanded cones: diagonal plus the [v; u] columns.
        var blockOffset = new int[count + 1];
        var expansionColumn = new int[count];
        for (int c = 0; c < count; c++)
            blockOffset[c + 1] = blockOffset[c] + (IsExpanded(cones.Cones[c]) ? 0 : cones.Cones[c].HessianBlockLength);
        var coneMap = new int[blockOffset[count]];
        for (int c = 0, e = n + m; c < count; c++)
        {
            var cone = cones.Cones[c]; int o = cones.Offset(c), h = blockOffset[c];
            bool expanded = IsExpanded(cone);
            expansionColumn[c] = -1;
            for (int r = 0; r < cone.Dimension; r++)
            {
                int col = n + o + r;
                if (cone.HasDiagonalScaling || expanded)
                {
                    int q = next[col]++; rowIdx[q] = col; diagonal[col] = q;
                    if (!expanded) coneMap[h + r] = q;
                }
                else
                    for (int i = 0; i <= r; i++)
                    {
                        int q = next[col]++; rowIdx[q] = n + o + i; coneMap[h + r * (r + 1) / 2 + i] = q;
                        if (i == r) diagonal[col] = q;
                    }
            }
            if (expanded)
            {
                // Column e holds v (pivot -1), column e + 1 holds u (pivot +1): Schur complements add +vv' and -uu'.
                expansionColumn[c] = colPtr[e];
                for (int col = e; col <= e + 1; col++)
                {
                    for (int r = 0; r < cone.Dimension; r++) rowIdx[colPtr[col] + r] = n + o + r;
                    rowIdx[colPtr[col] + cone.Dimension] = col;
                }
                signs[e] = -1; signs[e + 1] = 1;
                e += 2;
            }
        }
        return new Pattern(N, colPtr, rowIdx, diagonal, coneMap, blockOffset, expansionColumn, signs);
    }

    /// <summary>
    /// Assembly of the fixed values: P + εI (its upper entries in pattern order), A' above the cone block, and the pivots
    /// -1 / +1 of the expansion columns; the cone blocks are written by <see cref="Update"/>.
    /// </summary>
    private static double[] Assemble(Pattern pattern, CscMatrix pUpper, CscMatrix a, CompositeCone cones, double epsilon)
    {
        int n = a.Columns;
        var values = new double[pattern.ColumnPointers[pattern.N]];
        var next = (int[])pattern.ColumnPointers.Clone();
        // P block in the order of Analyze (upper entries of each column, then the appended diagonal if any).
        for (int j = 0; j < n; j++)
            for (int p = pUpper.ColumnPointers[j]; p < pUpper.ColumnPointers[j + 1]; p++)
                if (pUpper.RowIndices[p] <= j) values[next[j]++] = pUpper.Values[p];
        // A' block.
        for (int j = 0; j < n; j++)
            for (int p = a.ColumnPointers[j]; p < a.ColumnPointers[j + 1]; p++)
                values[next[n + a.RowIndices[p]]++] = a.Values[p];
        // Expansion pivots: K(v, v) = -1, K(u, u) = +1 (the last entry of each of the two columns).
        for (int c = 0; c < cones.Cones.Count; c++)
        {
            int pv = pattern.ExpansionColumn[c];
            if (pv < 0) continue;
            int dim = cones.Cones[c].Dimension;
            values[pv + dim] = -1.0;
            values[pv + 2 * (dim + 1) - 1] = 1.0;
        }
        // Static regularization on the (fixed) P block: P + εI.
        for (int j = 0; j < n; j++) values[pattern.Diagonal[j]] += epsilon;
        return values;
    }

    /// <summary>"quasi_definite".</summary>
    public string Name => "quasi_definite";
    /// <inheritdoc/>
    public int Variables => _n;
    /// <inheritdoc/>
    public int Constraints => _m;

    /// <summary>Order of the assembled matrix: n + m plus two rows per expanded second-order cone.</summary>
    public int Dimension => _k.Columns;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="cones"/> is not the product given at creation.</exception>
    public bool Update(ICone cones)
    {
        if (!ReferenceEquals(cones, _cones)) throw new ArgumentException("Update needs the cone product the KKT solver was created with");
        AssembleConeBlocks();
        return Factor();
    }

    /// <summary>Assembly of the scaling-dependent part: -(W'W + εI) in the cone blocks, or -d and the [v; u] columns of an expanded cone.</summary>
    private void AssembleConeBlocks()
    {
        for (int c = 0; c < _expansionColumn.Length; c++)
        {
            var cone = _cones.Cones[c]; int o = _cones.Offset(c), dim = cone.Dimension;
            if (_expansionColumn[c] >= 0)
            {
                // Expanded: diagonal -d, column v, column u.
                ((SecondOrderCone)cone).GetHessianExpansion(_d.AsSpan(0, dim), _u.AsSpan(0, dim), _v.AsSpan(0, dim));
                int pv = _expansionColumn[c], pu = pv + dim + 1;
                for (int r = 0; r < dim; r++)
                {
                    _values[_diagonal[_n + o + r]] = -_d[r];
                    _values[pv + r] = _v[r];
                    _values[pu + r] = _u[r];
                }
            }
            else
            {
                // Packed block: -(W'W).
                var block = _block.AsSpan(_blockOffset[c], _blockOffset[c + 1] - _blockOffset[c]);
                cone.GetHessianBlock(block);
                for (int h = 0; h < block.Length; h++) _values[_coneMap[_blockOffset[c] + h]] = -block[h];
            }
        }
        // -(W'W + E) on the constraint rows, E_rr = ε min(1, (W'W)_rr) (ε on equality rows, where W'W is zero).
        for (int r = 0; r < _m; r++)
        {
            double h = -_values[_diagonal[_n + r]];
            _zReg[r] = h > 0 ? _epsilon * Math.Min(1.0, h) : _epsilon;
            _values[_diagonal[_n + r]] -= _zReg[r];
        }
    }

    /// <summary>Numeric factorization K = L D L' by the backend, with dynamic regularization of the pivots.</summary>
    private bool Factor() => _ldl.Factor(_values, _signs, _dynEps, _dynDelta);

    /// <inheritdoc/>
    public bool Solve(ReadOnlySpan<double> rhsX, ReadOnlySpan<double> rhsZ, Span<double> x, Span<double> z)
    {
        var b = _rhs.AsSpan(); var sol = _sol.AsSpan();
        rhsX.CopyTo(b); rhsZ.CopyTo(b[_n..]);
        b[(_n + _m)..].Clear();
        b.CopyTo(sol);
        _ldl.Solve(sol);
        // Iterative refinement against the unregularized K: sol += K_reg^-1 (b - K sol) while it helps.
        _refinement.Run(this, VectorOps.NormInf(b));
        sol[.._n].CopyTo(x); sol.Slice(_n, _m).CopyTo(z);
        return VectorOps.AllFinite(sol);
    }

    /// <summary>_res = b - K0 sol with K0 the unregularized matrix (K minus +ε on the x and -E on the z diagonals); returns ||_res||_inf.</summary>
    double IRefinementTarget.ComputeResidual()
    {
        var r = _res.AsSpan(); ReadOnlySpan<double> sol = _sol;
        _rhs.CopyTo(r);
        _k.MultiplySymmetricUpper(sol, r, -1.0, 1.0);
        // Remove the static regularization: K0 = K - diag(+ε on x, -E on z).
        for (int i = 0; i < _n; i++) r[i] += _primalEpsilon * sol[i];
        for (int i = _n; i < _n + _m; i++) r[i] -= _zReg[i - _n] * sol[i];
        return VectorOps.NormInf(r);
    }

    /// <summary>_corr = K_reg^-1 _res with the factorization.</summary>
    void IRefinementTarget.SolveCorrection()
    {
        _res.CopyTo(_corr, 0);
        _ldl.Solve(_corr);
    }

    /// <summary>sol += sign · _corr.</summary>
    void IRefinementTarget.AddCorrection(double sign) => VectorOps.Axpy(sign, _corr, _sol);
}
