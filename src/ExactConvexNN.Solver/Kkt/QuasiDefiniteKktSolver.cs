using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Solver.Kkt;

/// <summary>
/// The generic KKT solver: the quasi-definite matrix
/// <c>K = [[P + εI, A'], [A, -(W'W + εI)]]</c> is assembled once as an upper-triangle CSC pattern
/// (P's upper triangle and diagonal, A' above the cone block, and the cone blocks: a diagonal for
/// zero/orthant cones, a dense upper triangle for second-order cones) with a map from each packed W'W entry
/// to its position, so an update only rewrites the cone block. The backend factors K with dynamic
/// regularization; solutions are refined iteratively against the unregularized matrix (ε = 0).
/// </summary>
public sealed class QuasiDefiniteKktSolver : IKktSolver
{
    private const double RefinementAbsoluteTolerance = 1e-12;
    private const double RefinementRelativeTolerance = 1e-12;
    private const double RefinementStopRatio = 5.0;

    private readonly int _n, _m;
    private readonly CscMatrix _k;          // shares _values: K with the static regularization
    private readonly double[] _values;
    private readonly int[] _diagonal;       // position of K(i, i)
    private readonly int[] _coneMap;        // packed W'W index -> position in _values
    private readonly double[] _block;       // packed W'W
    private readonly sbyte[] _signs;
    private readonly double _epsilon, _dynEps, _dynDelta;
    private readonly int _refinementSteps;
    private readonly ILdlFactorization _ldl;
    private readonly double[] _rhs, _sol, _res, _corr;

    private QuasiDefiniteKktSolver(int n, int m, CscMatrix k, int[] diagonal, int[] coneMap, int hessianLength,
        SolverSettings settings, Func<CscMatrix, ILdlFactorization> backend)
    {
        _n = n; _m = m; _k = k; _values = k.Values; _diagonal = diagonal; _coneMap = coneMap;
        _block = new double[hessianLength];
        _signs = new sbyte[n + m];
        for (int i = 0; i < n + m; i++) _signs[i] = (sbyte)(i < n ? 1 : -1);
        _epsilon = settings.StaticRegularization;
        _dynEps = settings.DynamicRegularizationEpsilon;
        _dynDelta = settings.DynamicRegularizationDelta;
        _refinementSteps = settings.RefinementSteps;
        _ldl = backend(k);
        if (_ldl.Dimension != n + m) throw new ArgumentException($"the LDL backend has dimension {_ldl.Dimension}, expected {n + m}");
        _rhs = new double[n + m]; _sol = new double[n + m]; _res = new double[n + m]; _corr = new double[n + m];
    }

    /// <summary>
    /// Builds the KKT pattern for <paramref name="pUpper"/> (upper triangle of P, n x n), <paramref name="a"/> (m x n)
    /// and the cone product, and runs the backend's symbolic analysis.
    /// </summary>
    /// <param name="pUpper">Upper triangle of P (n x n).</param>
    /// <param name="a">Constraint matrix A (m x n).</param>
    /// <param name="cones">The cone product (dimension m); its diagonal/dense structure fixes the pattern.</param>
    /// <param name="settings">Regularization and refinement settings (defaults when null).</param>
    /// <param name="backend">Creates the LDL backend from the upper pattern (default: <see cref="SparseLdl"/> with AMD ordering).</param>
    /// <exception cref="ArgumentException">Dimensions disagree.</exception>
    public static QuasiDefiniteKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings? settings = null,
        Func<CscMatrix, ILdlFactorization>? backend = null)
    {
        ArgumentNullException.ThrowIfNull(pUpper); ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(cones);
        settings ??= new SolverSettings();
        backend ??= pattern => SparseLdl.Create(pattern);
        int n = a.Columns, m = a.Rows;
        if (pUpper.Rows != n || pUpper.Columns != n) throw new ArgumentException($"P is {pUpper.Rows}x{pUpper.Columns} but A has {n} columns");
        if (cones.Dimension != m) throw new ArgumentException($"the cones have dimension {cones.Dimension} but A has {m} rows");

        // Column counts: P's upper entries plus a diagonal, then A' entries and the cone block.
        int N = n + m;
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
        for (int k = 0; k < cones.Cones.Count; k++)
        {
            var c = cones.Cones[k]; int o = cones.Offset(k);
            for (int r = 0; r < c.Dimension; r++) colPtr[n + o + r + 1] += c.HasDiagonalScaling ? 1 : r + 1;
        }
        for (int j = 0; j < N; j++) colPtr[j + 1] += colPtr[j];
        int nnz = colPtr[N];
        var rowIdx = new int[nnz];
        var values = new double[nnz];
        var diagonal = new int[N];
        var next = (int[])colPtr.Clone();

        // P block: its values are fixed; the diagonal is appended when P lacks it.
        for (int j = 0; j < n; j++)
        {
            bool diag = false;
            for (int p = pUpper.ColumnPointers[j]; p < pUpper.ColumnPointers[j + 1]; p++)
            {
                int i = pUpper.RowIndices[p];
                if (i > j) continue;
                int q = next[j]++;
                rowIdx[q] = i; values[q] = pUpper.Values[p];
                if (i == j) { diag = true; diagonal[j] = q; }
            }
            if (!diag) { int q = next[j]++; rowIdx[q] = j; diagonal[j] = q; }
        }
        // A' block: row r of A is column n + r of K (columns of A visited in increasing order keep rows sorted).
        for (int j = 0; j < n; j++)
            for (int p = a.ColumnPointers[j]; p < a.ColumnPointers[j + 1]; p++)
            {
                int q = next[n + a.RowIndices[p]]++;
                rowIdx[q] = j; values[q] = a.Values[p];
            }
        // Cone blocks: packed W'W index -> position.
        var coneMap = new int[cones.HessianBlockLength];
        for (int k = 0; k < cones.Cones.Count; k++)
        {
            var c = cones.Cones[k]; int o = cones.Offset(k), h = cones.HessianOffset(k);
            for (int r = 0; r < c.Dimension; r++)
            {
                int col = n + o + r;
                if (c.HasDiagonalScaling)
                {
                    int q = next[col]++; rowIdx[q] = col; coneMap[h + r] = q; diagonal[col] = q;
                }
                else
                    for (int i = 0; i <= r; i++)
                    {
                        int q = next[col]++; rowIdx[q] = n + o + i; coneMap[h + r * (r + 1) / 2 + i] = q;
                        if (i == r) diagonal[col] = q;
                    }
            }
        }
        // Static regularization on the (fixed) P block: P + εI.
        for (int j = 0; j < n; j++) values[diagonal[j]] += settings.StaticRegularization;
        var kMatrix = CscMatrix.Create(N, N, colPtr, rowIdx, values);
        return new QuasiDefiniteKktSolver(n, m, kMatrix, diagonal, coneMap, cones.HessianBlockLength, settings, backend);
    }

    /// <inheritdoc/>
    public int Variables => _n;
    /// <inheritdoc/>
    public int Constraints => _m;

    /// <summary>The factorization backend.</summary>
    public ILdlFactorization Backend => _ldl;

    /// <inheritdoc/>
    public bool Update(ICone cones)
    {
        // Cone block: -(W'W + εI).
        cones.GetHessianBlock(_block);
        for (int h = 0; h < _block.Length; h++) _values[_coneMap[h]] = -_block[h];
        for (int r = 0; r < _m; r++) _values[_diagonal[_n + r]] -= _epsilon;
        return _ldl.Factor(_values, _signs, _dynEps, _dynDelta);
    }

    /// <inheritdoc/>
    public bool Solve(ReadOnlySpan<double> rhsX, ReadOnlySpan<double> rhsZ, Span<double> x, Span<double> z)
    {
        var b = _rhs.AsSpan(); var sol = _sol.AsSpan();
        rhsX.CopyTo(b); rhsZ.CopyTo(b[_n..]);
        b.CopyTo(sol);
        _ldl.Solve(sol);
        double bNorm = VectorOps.NormInf(b);
        double resNorm = Residual(sol);
        // Iterative refinement against the unregularized K: sol += K_reg^-1 (b - K sol) while it helps.
        for (int step = 0; step < _refinementSteps; step++)
        {
            if (!(resNorm > RefinementAbsoluteTolerance + RefinementRelativeTolerance * bNorm)) break;
            _res.CopyTo(_corr, 0);
            _ldl.Solve(_corr);
            for (int i = 0; i < sol.Length; i++) sol[i] += _corr[i];
            double newNorm = Residual(sol);
            if (!(newNorm < resNorm))
            {
                // No improvement: undo the correction and stop.
                for (int i = 0; i < sol.Length; i++) sol[i] -= _corr[i];
                break;
            }
            bool slow = resNorm < RefinementStopRatio * newNorm;
            resNorm = newNorm;
            if (slow) break;
        }
        sol[.._n].CopyTo(x); sol[_n..].CopyTo(z);
        return VectorOps.AllFinite(sol);
    }

    /// <summary>_res = b - K0 sol with K0 the unregularized matrix (K minus ±ε on the diagonal); returns ||_res||_inf.</summary>
    private double Residual(ReadOnlySpan<double> sol)
    {
        var r = _res.AsSpan();
        _rhs.CopyTo(r);
        _k.MultiplySymmetricUpper(sol, r, -1.0, 1.0);
        // Remove the static regularization: K0 = K - diag(+ε on x, -ε on z).
        for (int i = 0; i < _n; i++) r[i] += _epsilon * sol[i];
        for (int i = _n; i < r.Length; i++) r[i] -= _epsilon * sol[i];
        return VectorOps.NormInf(r);
    }
}
