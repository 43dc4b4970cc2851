using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Kkt;

/// <summary>
/// The Schur-complement ("normal equations") KKT solver of the semidefinite codes (CSDP, SDPT3, SeDuMi). Every cone
/// row except the equality rows E of zero cones is eliminated with z_K = H^-1 (A_K x - r_K), H = W'W, leaving the
/// quasi-definite system of order n + |E|
/// <code>
///   [[P + εI + A_K' H^-1 A_K, A_E'], [A_E, -εI]] [x; z_E] = [r_x + A_K' H^-1 r_K; r_E],
/// </code>
/// factored by L D L': dense (SIMD, threads) when the reduced matrix is small or mostly full, as for SDPA problems, and
/// sparse (<see cref="SparseLdl"/> with its fill-reducing ordering) when it is large and sparse, as for semidefinite
/// programs over svec variables with many small blocks. For a semidefinite block the entries of A_K' H^-1 A_K are
/// M_ij = &lt;A_i, G^-1 A_j G^-1&gt; with G the NT scaling matrix: the k x k congruence (dense A_j) or a sum over the
/// nonzeros of A_j (sparse A_j, O(nnz k²)), then one inner product per pair of columns over the nonzeros of A_i.
/// Second-order cones use W^-1 twice; nonnegative rows add a_r a_r' / h_r.
/// <para>
/// When the semidefinite blocks are large and the variables few (SDPA problems: n = the number of constraint matrices),
/// this replaces the factorization of a dense svec x svec block, O(svec³) = O(k⁶), by O(n k³ + n² nnz + n³).
/// Solutions are refined iteratively against the full unregularized system [[P, A'], [A, -W'W]] (with W'W = W W applied
/// by the cones, never formed), so the conditioning of the reduced matrix costs refinement steps rather than accuracy
/// when a step helps. Buffers are allocated in <see cref="Create"/>; <see cref="Update"/> and <see cref="Solve"/>
/// allocate nothing beyond the parallel split of long factor columns.
/// </para>
/// </summary>
public sealed class SchurComplementKktSolver : IKktSolver, IRefinementTarget
{
    private enum Kind : byte { Zero, Diagonal, Dense }

    private readonly int _n, _m, _order;
    private readonly CompositeCone _cones;
    private readonly CscMatrix _p, _a;
    private readonly Kind[] _kind;
    private readonly int[] _eqRows;                         // E index -> row of A
    private readonly int[] _rowPtr, _rowCol;                // A by rows (CSR), for diagonal cones and E rows
    private readonly double[] _rowVal;
    // Dense cones: the columns of A touching the cone (ascending) with their entries (row within the cone, value).
    private readonly int[][] _touched, _entryPtr, _entryRow;
    private readonly double[][] _entryVal;
    private readonly double[] _hDiag;                       // W'W diagonal on the rows of diagonal cones
    private readonly double[] _kd, _d, _work;               // reduced matrix: dense row-major lower (-> L), or sparse values; pivots; work
    private readonly int[]? _positions;                     // sparse: value index of each contribution, in the order of Update
    private readonly SparseLdl? _sparse;
    private readonly sbyte[] _signs;
    private readonly double[] _v, _h;                       // dense work of the largest dense cone
    private readonly double[] _b, _t, _hz, _resX, _resZ, _corrX, _corrZ;
    private readonly double[] _rhsX, _rhsZ, _solX, _solZ;      // the system being solved and its solution, for the refinement
    private readonly double _epsilon, _dynEps, _dynDelta;
    private bool _cholesky;                                  // dense _kd holds the modified Cholesky factor L L' (see Factor), not L D L'
    private readonly IterativeRefinement _refinement;
    private readonly int _psdSparseRatio;

    private SchurComplementKktSolver(CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings settings, long contributions, bool forceSparse)
    {
        _p = pUpper; _a = a; _cones = cones;
        _n = a.Columns; _m = a.Rows;
        int count = cones.Cones.Count;
        _kind = new Kind[count];
        var rowKind = new Kind[_m];
        var rowCone = new int[_m];
        var eq = new List<int>();
        int maxDense = 0;
        for (int c = 0; c < count; c++)
        {
            var cone = cones.Cones[c];
            _kind[c] = cone is ZeroCone ? Kind.Zero : cone.HasDiagonalScaling ? Kind.Diagonal : Kind.Dense;
            if (_kind[c] == Kind.Dense) maxDense = Math.Max(maxDense, cone.Dimension);
            for (int r = cones.Offset(c); r < cones.Offset(c + 1); r++)
            {
                rowKind[r] = _kind[c]; rowCone[r] = c;
                if (_kind[c] == Kind.Zero) eq.Add(r);
            }
        }
        _eqRows = [.. eq];
        _order = _n + _eqRows.Length;

        // A by rows.
        var at = a.Transpose();
        _rowPtr = at.ColumnPointers; _rowCol = at.RowIndices; _rowVal = at.Values;

        // Dense cones: touched columns and their entries, from A's columns (rows ascending within a column).
        _touched = new int[count][]; _entryPtr = new int[count][]; _entryRow = new int[count][]; _entryVal = new double[count][];
        var cols = new List<int>[count]; var ptrs = new List<int>[count]; var rows = new List<int>[count]; var vals = new List<double>[count];
        for (int c = 0; c < count; c++)
            if (_kind[c] == Kind.Dense) { cols[c] = []; ptrs[c] = [0]; rows[c] = []; vals[c] = []; }
        for (int j = 0; j < _n; j++)
        {
            for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1]; q++)
            {
                int r = a.RowIndices[q], c = rowCone[r];
                if (rowKind[r] != Kind.Dense) continue;
                if (cols[c].Count == 0 || cols[c][^1] != j) { cols[c].Add(j); ptrs[c].Add(ptrs[c][^1]); }
                rows[c].Add(r - cones.Offset(c)); vals[c].Add(a.Values[q]);
                ptrs[c][^1]++;
            }
        }
        for (int c = 0; c < count; c++)
            if (_kind[c] == Kind.Dense) { _touched[c] = [.. cols[c]]; _entryPtr[c] = [.. ptrs[c]]; _entryRow[c] = [.. rows[c]]; _entryVal[c] = [.. vals[c]]; }

        _hDiag = new double[_m];
        (_kd, _positions, _sparse) = Analyze(contributions, forceSparse || !UseDense(_order, contributions, settings));
        _d = new double[_order]; _work = new double[DenseKernels.LdlWorkLength(_order)];
        _signs = new sbyte[_order];
        for (int i = 0; i < _order; i++) _signs[i] = (sbyte)(i < _n ? 1 : -1);
        _v = new double[maxDense]; _h = new double[maxDense];
        _b = new double[_order];
        _t = new double[_m]; _hz = new double[_m]; _resZ = new double[_m]; _corrZ = new double[_m];
        _resX = new double[_n]; _corrX = new double[_n];
        _epsilon = settings.StaticRegularization;
        _dynEps = settings.DynamicRegularizationEpsilon;
        _dynDelta = settings.DynamicRegularizationDelta;
        _refinement = new IterativeRefinement(settings with { RefinementSteps = settings.SchurComplementRefinement.Steps, RefinementStopRatio = settings.SchurComplementRefinement.StopRatio });
        _psdSparseRatio = settings.PsdSparseHessianInverseRatio;
        _rhsX = new double[_n]; _solX = new double[_n]; _rhsZ = new double[_m]; _solZ = new double[_m];
    }

    /// <summary>
    /// Validates the dimensions and builds the solver for <paramref name="pUpper"/> (upper triangle of P, n x n),
    /// <paramref name="a"/> (m x n) and the cone product.
    /// </summary>
    /// <param name="pUpper">Upper triangle of P (n x n).</param>
    /// <param name="a">Constraint matrix A (m x n).</param>
    /// <param name="cones">The cone product (dimension m); <see cref="Update"/> must be given the same object.</param>
    /// <param name="settings">Regularization and refinement settings (defaults when null).</param>
    /// <param name="forceSparse">Store the reduced matrix sparsely whatever its size and density (tests and benchmarks).</param>
    /// <exception cref="ArgumentException">Dimensions disagree, or the reduced matrix is too large to store (see <see cref="Fits"/>).</exception>
    public static SchurComplementKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings? settings = null, bool forceSparse = false)
    {
        ArgumentNullException.ThrowIfNull(pUpper); ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(cones);
        int n = a.Columns, m = a.Rows;
        if (pUpper.Rows != n || pUpper.Columns != n) throw new ArgumentException($"P is {pUpper.Rows}x{pUpper.Columns} but A has {n} columns");
        if (cones.Dimension != m) throw new ArgumentException($"the cones have dimension {cones.Dimension} but A has {m} rows");
        settings ??= new SolverSettings();
        var (order, contributions) = Estimate(a, pUpper, cones.Cones.Select(c => c is ZeroCone ? Kind.Zero : c.HasDiagonalScaling ? Kind.Diagonal : Kind.Dense).ToArray(),
            cones.Cones.Select(c => c.Dimension).ToArray());
        if (!Feasible(order, contributions, settings))
            throw new ArgumentException($"the reduced system would have order {order} with {contributions:N0} entry contributions (dense above order {settings.SchurComplementMaxDenseOrder}, sparse above {settings.SchurComplementMaxSparseContributions:N0}); use the quasi-definite KKT solver");
        return new SchurComplementKktSolver(pUpper, a, cones, settings, contributions, forceSparse);
    }

    /// <summary>Dense storage up to <see cref="SolverSettings.SchurComplementAlwaysDenseOrder"/>, and up to the dense limit when more than a tenth of the entries are filled.</summary>
    private static bool UseDense(long order, long contributions, SolverSettings settings) =>
        order <= settings.SchurComplementAlwaysDenseOrder || (order <= settings.SchurComplementMaxDenseOrder && contributions > order * order / 10);

    private static bool Feasible(long order, long contributions, SolverSettings settings) =>
        order <= settings.SchurComplementMaxDenseOrder || contributions <= settings.SchurComplementMaxSparseContributions;

    /// <summary>Order n + |E| and the number of entry contributions of the reduced matrix, from the structure of P, A and the cones (no values).</summary>
    private static (long Order, long Contributions) Estimate(CscMatrix a, CscMatrix pUpper, Kind[] kinds, int[] dims)
    {
        int m = a.Rows;
        var rowKind = new Kind[m]; var rowCone = new int[m];
        int eq = 0;
        for (int c = 0, o = 0; c < kinds.Length; o += dims[c], c++)
            for (int r = o; r < o + dims[c]; r++) { rowKind[r] = kinds[c]; rowCone[r] = c; if (kinds[c] == Kind.Zero) eq++; }
        // Touched columns per dense cone, nonzeros per row.
        var touched = new long[kinds.Length]; var last = new int[kinds.Length]; Array.Fill(last, -1);
        var rowCount = new long[m];
        for (int j = 0; j < a.Columns; j++)
            for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1]; q++)
            {
                int r = a.RowIndices[q], c = rowCone[r];
                rowCount[r]++;
                if (rowKind[r] == Kind.Dense && last[c] != j) { last[c] = j; touched[c]++; }
            }
        // P's upper entries and the diagonal, the pairs of each nonnegative row, an equality row's entries and diagonal,
        // the pairs of columns touching each dense cone: exactly the contributions that Visit enumerates.
        long count = a.Columns;
        for (int j = 0; j < pUpper.Columns; j++)
            for (int q = pUpper.ColumnPointers[j]; q < pUpper.ColumnPointers[j + 1]; q++) if (pUpper.RowIndices[q] <= j) count++;
        for (int r = 0; r < m; r++)
            count += rowKind[r] switch { Kind.Diagonal => rowCount[r] * (rowCount[r] + 1) / 2, Kind.Zero => rowCount[r] + 1, _ => 0 };
        for (int c = 0; c < kinds.Length; c++) count += touched[c] * (touched[c] + 1) / 2;
        return (a.Columns + eq, count);
    }

    /// <summary>
    /// Analysis of the reduced matrix's storage: dense row-major (order²), or the sparse pattern of its contributions with
    /// the symbolic analysis (fill-reducing ordering) of <see cref="SparseLdl"/>.
    /// </summary>
    private (double[] Values, int[]? Positions, SparseLdl? Sparse) Analyze(long contributions, bool sparse)
    {
        if (!sparse) return (new double[(long)_order * _order], null, null);
        var (positions, pattern) = SparsePattern(contributions);
        return (new double[pattern.NonZeros], positions, SparseLdl.Create(pattern));
    }

    /// <summary>
    /// The sparse pattern (upper CSC; the lower entry (row, col) of a contribution is the upper entry (col, row)) and the
    /// value index of every contribution, in the order in which <see cref="Update"/> adds them.
    /// </summary>
    private (int[] Positions, CscMatrix Pattern) SparsePattern(long contributions)
    {
        int N = _order;
        var keys = new long[contributions];
        int c = 0;
        Visit((row, col) => keys[c++] = (long)row * N + col);
        if (c != contributions) throw new InvalidOperationException($"the reduced pattern has {c} contributions, {contributions} were counted");
        var unique = (long[])keys.Clone();
        Array.Sort(unique);
        int u = 0;
        for (int i = 0; i < unique.Length; i++) if (i == 0 || unique[i] != unique[i - 1]) unique[u++] = unique[i];
        Array.Resize(ref unique, u);
        var positions = new int[contributions];
        for (long i = 0; i < contributions; i++) positions[i] = Array.BinarySearch(unique, keys[i]);
        // Sorted by (row, col) = by (upper column, upper row): CSC order.
        var colPtr = new int[N + 1]; var rowIdx = new int[u];
        for (int i = 0; i < u; i++) { colPtr[(int)(unique[i] / N) + 1]++; rowIdx[i] = (int)(unique[i] % N); }
        for (int j = 0; j < N; j++) colPtr[j + 1] += colPtr[j];
        return (positions, CscMatrix.Create(N, N, colPtr, rowIdx, new double[u]));
    }

    /// <summary>Calls <paramref name="add"/>(row, col), row &gt;= col, for every contribution, in the order of <see cref="Update"/>.</summary>
    private void Visit(Action<int, int> add)
    {
        for (int j = 0; j < _n; j++)
        {
            for (int q = _p.ColumnPointers[j]; q < _p.ColumnPointers[j + 1]; q++) if (_p.RowIndices[q] <= j) add(j, _p.RowIndices[q]);
            add(j, j);
        }
        for (int c = 0; c < _kind.Length; c++)
        {
            if (_kind[c] == Kind.Diagonal)
                for (int row = _cones.Offset(c); row < _cones.Offset(c + 1); row++)
                    for (int p = _rowPtr[row]; p < _rowPtr[row + 1]; p++)
                        for (int q = _rowPtr[row]; q <= p; q++) add(_rowCol[p], _rowCol[q]);
            if (_kind[c] == Kind.Dense)
            {
                var touched = _touched[c];
                for (int t = 0; t < touched.Length; t++)
                    for (int u = t; u < touched.Length; u++) add(touched[u], touched[t]);
            }
        }
        for (int e = 0; e < _eqRows.Length; e++)
        {
            int r = _eqRows[e];
            for (int q = _rowPtr[r]; q < _rowPtr[r + 1]; q++) add(_n + e, _rowCol[q]);
            add(_n + e, _n + e);
        }
    }

    /// <summary>
    /// Whether the reduced matrix of <paramref name="problem"/> can be stored: densely up to order
    /// <see cref="SolverSettings.SchurComplementMaxDenseOrder"/>, sparsely up to
    /// <see cref="SolverSettings.SchurComplementMaxSparseContributions"/> entry contributions (defaults when <paramref name="settings"/> is null).
    /// </summary>
    public static bool Fits(ConicProblem problem, SolverSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var (order, contributions) = Estimate(problem);
        return Feasible(order, contributions, settings ?? new SolverSettings());
    }

    private static (long Order, long Contributions) Estimate(ConicProblem problem) =>
        Estimate(problem.A, problem.P, problem.Cones.Select(c => c switch { ZeroConeSpec => Kind.Zero, NonnegativeConeSpec => Kind.Diagonal, _ => Kind.Dense }).ToArray(),
            problem.Cones.Select(c => c.Dimension).ToArray());

    /// <summary>
    /// Whether this solver is the default for <paramref name="problem"/>: it has a semidefinite cone, its reduced matrix
    /// fits (<see cref="Fits"/>), and the reduced matrix has at most <see cref="SolverSettings.SchurComplementSizeRatio"/>
    /// (default 2) times the entries of the quasi-definite system
    /// (nnz P + nnz A + m plus the dense W'W blocks). That holds for SDPA problems (m² against svec² per block) and for
    /// programs over svec variables (each block's clique is its own svec block), where the Schur complement is also
    /// the more accurate of the two near a rank-deficient optimum; it fails when a small cone is shared by many variables.
    /// </summary>
    public static bool IsPreferredFor(ConicProblem problem, SolverSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        settings ??= new SolverSettings();
        if (!problem.Cones.Any(c => c is PsdConeSpec)) return false;
        var (order, contributions) = Estimate(problem);
        if (!Feasible(order, contributions, settings)) return false;
        double quasiDefinite = problem.P.NonZeros + problem.A.NonZeros + problem.Constraints
            + problem.Cones.Where(c => c is SecondOrderConeSpec or PsdConeSpec).Sum(c => (double)c.Dimension * (c.Dimension + 1) / 2);
        return contributions <= settings.SchurComplementSizeRatio * quasiDefinite;
    }

    /// <summary>"schur_complement".</summary>
    public string Name => "schur_complement";
    /// <inheritdoc/>
    public int Variables => _n;
    /// <inheritdoc/>
    public int Constraints => _m;
    /// <summary>True: z is eliminated through H^-1 (see <see cref="IKktSolver.SlackFromPrimalEquation"/>).</summary>
    public bool SlackFromPrimalEquation => true;
    /// <summary>True when the reduced matrix is stored and factored sparsely.</summary>
    public bool IsSparse => _sparse is not null;
    /// <summary>Order n + |E| of the reduced matrix.</summary>
    public int Order => _order;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="cones"/> is not the product given at creation.</exception>
    public bool Update(ICone cones)
    {
        if (!ReferenceEquals(cones, _cones)) throw new ArgumentException("Update needs the cone product the KKT solver was created with");
        long t0 = SolverProfile.Start();
        bool assembled = Assemble();
        SolverProfile.Stop(ProfilePhase.SchurFormation, t0);
        if (!assembled) return false;
        t0 = SolverProfile.Start();
        bool factored = Factor();
        SolverProfile.Stop(ProfilePhase.SchurFactor, t0);
        return factored;
    }

    /// <summary>
    /// Assembly of the reduced matrix for the current scaling: M = P + εI + A_K' H^-1 A_K (diagonal and dense cones), A_E
    /// below it and -εI on its diagonal. False when an entry is not finite.
    /// </summary>
    private bool Assemble()
    {
        var k = _kd.AsSpan();
        k.Clear();
        int c = 0;   // contribution counter (sparse storage), in the order of Visit
        // M = P + εI (P's upper entry (i, j) is the lower entry (j, i)).
        for (int j = 0; j < _n; j++)
        {
            for (int q = _p.ColumnPointers[j]; q < _p.ColumnPointers[j + 1]; q++)
                if (_p.RowIndices[q] <= j) k[Slot(ref c, j, _p.RowIndices[q])] += _p.Values[q];
            k[Slot(ref c, j, j)] += _epsilon;
        }
        for (int cone = 0; cone < _kind.Length; cone++)
        {
            if (_kind[cone] == Kind.Diagonal && !AddDiagonalCone(_cones.Cones[cone], _cones.Offset(cone), k, ref c)) return false;
            if (_kind[cone] == Kind.Dense) AddDenseCone(cone, _cones.Cones[cone], k, ref c);
        }
        // A_E below M, -εI on its diagonal.
        for (int e = 0; e < _eqRows.Length; e++)
        {
            int row = _n + e, r = _eqRows[e];
            for (int q = _rowPtr[r]; q < _rowPtr[r + 1]; q++) k[Slot(ref c, row, _rowCol[q])] += _rowVal[q];
            k[Slot(ref c, row, row)] -= _epsilon;
        }
        return VectorOps.AllFinite(k);
    }

    /// <summary>
    /// Numeric factorization L D L' of the reduced matrix (sparse or dense), with dynamic regularization of the pivots.
    /// Dense and without equality rows, M = P + εI + A_K' H^-1 A_K is positive definite in exact arithmetic, but near the
    /// optimum of a program without a strictly feasible point its condition number passes 1/eps: pivots of rounding size
    /// (far above the absolute regularization threshold when M's entries are large) make the entries of L grow until they
    /// overflow. The factorization is then repeated as a Cholesky with such pivots replaced by a huge one
    /// (<see cref="DenseKernels.CholeskyLower(Span{double}, int, double, out int)"/>, Wright's modified Cholesky), which
    /// drops the numerically null directions; the solves are refined against the true system as always.
    /// </summary>
    private bool Factor()
    {
        _cholesky = false;
        if (_sparse is not null) return _sparse.Factor(_kd, _signs, _dynEps, _dynDelta);
        if (DenseKernels.LdlLower(_kd, _order, _signs, _dynEps, _dynDelta, _d, _work, out _) && VectorOps.AllFinite(_kd)) return true;
        if (_eqRows.Length > 0 || !Assemble()) return false;
        _cholesky = DenseKernels.CholeskyLower(_kd, _order, TinyPivotRatio, out _) && VectorOps.AllFinite(_kd);
        return _cholesky;
    }

    /// <summary>A pivot of the reduced matrix at most this fraction of its diagonal entry is rounding noise (see <see cref="Factor"/>).</summary>
    private const double TinyPivotRatio = 1e-13;

    /// <summary>Index of the lower entry (row, col) in the storage: row-major when dense, the c-th contribution's value when sparse.</summary>
    private int Slot(ref int c, int row, int col) => _positions is null ? row * _order + col : _positions[c++];

    /// <summary>M += Σ_r a_r a_r' / h_r over the rows r of a diagonal cone, h = diag(W'W).</summary>
    private bool AddDiagonalCone(ICone cone, int offset, Span<double> k, ref int c)
    {
        int dim = cone.Dimension;
        var h = _hDiag.AsSpan(offset, dim);
        cone.GetHessianBlock(h);
        for (int r = 0; r < dim; r++)
        {
            double inv = 1.0 / h[r];
            if (!double.IsFinite(inv)) return false;
            int row = offset + r, p0 = _rowPtr[row], p1 = _rowPtr[row + 1];
            // Columns of a row are ascending, so (col_p, col_q) with q <= p is in the lower triangle.
            for (int p = p0; p < p1; p++)
            {
                double f = _rowVal[p] * inv; int cp = _rowCol[p];
                for (int q = p0; q <= p; q++) k[Slot(ref c, cp, _rowCol[q])] += f * _rowVal[q];
            }
        }
        return true;
    }

    /// <summary>M_ij += a_i' H^-1 a_j over the columns touching a dense (second-order or semidefinite) cone.</summary>
    private void AddDenseCone(int c, ICone cone, Span<double> k, ref int slot)
    {
        int dim = cone.Dimension;
        var touched = _touched[c]; var ptr = _entryPtr[c]; var rows = _entryRow[c]; var vals = _entryVal[c];
        var h = _h.AsSpan(0, dim);
        for (int t = 0; t < touched.Length; t++)
        {
            // h = H^-1 a_j for column j = touched[t].
            HessianInverseOfColumn(cone, rows.AsSpan(ptr[t], ptr[t + 1] - ptr[t]), vals.AsSpan(ptr[t], ptr[t + 1] - ptr[t]), h);
            int j = touched[t];
            // M_ij += a_i' h for the touched columns i >= j.
            for (int u = t; u < touched.Length; u++)
            {
                double s = 0;
                for (int e = ptr[u]; e < ptr[u + 1]; e++) s += vals[e] * h[rows[e]];
                k[Slot(ref slot, touched[u], j)] += s;
            }
        }
    }

    /// <summary>h = H^-1 a for a column a of a dense cone given by its entries (row within the cone, value).</summary>
    private void HessianInverseOfColumn(ICone cone, ReadOnlySpan<int> rows, ReadOnlySpan<double> vals, Span<double> h)
    {
        int dim = cone.Dimension;
        // The sparse form costs about nnz k² against the congruence's k³ with a larger constant: it is faster below about 3.5 k nonzeros (measured).
        if (cone is PsdCone psd && rows.Length < _psdSparseRatio * psd.MatrixOrder)
        {
            psd.MultiplyHessianInverseSparse(rows, vals, h);
            return;
        }
        var v = _v.AsSpan(0, dim);
        v.Clear();
        for (int e = 0; e < rows.Length; e++) v[rows[e]] = vals[e];
        ApplyHessianInverse(cone, v, h);
    }

    /// <summary>y = (W'W)^-1 x on one dense cone (a single congruence for a semidefinite cone, W^-1 W^-T otherwise).</summary>
    private void ApplyHessianInverse(ICone cone, ReadOnlySpan<double> x, Span<double> y)
    {
        if (cone is PsdCone psd) { psd.MultiplyHessianInverse(x, y); return; }
        var w = _v.AsSpan(0, cone.Dimension);
        // (W'W)^-1 = W^-1 W^-T.
        if (x.Overlaps(w)) { cone.MultiplyWInverseTranspose(x, y); cone.MultiplyWInverse(y, w); w.CopyTo(y); return; }
        cone.MultiplyWInverseTranspose(x, w);
        cone.MultiplyWInverse(w, y);
    }

    /// <summary>y = H^-1 x on every eliminated row, 0 on the equality rows.</summary>
    private void ApplyHessianInverseAll(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int c = 0; c < _kind.Length; c++)
        {
            var cone = _cones.Cones[c]; int o = _cones.Offset(c), dim = cone.Dimension;
            var xs = x.Slice(o, dim); var ys = y.Slice(o, dim);
            switch (_kind[c])
            {
                case Kind.Zero: ys.Clear(); break;
                case Kind.Diagonal: for (int r = 0; r < dim; r++) ys[r] = xs[r] / _hDiag[o + r]; break;
                default: ApplyHessianInverse(cone, xs, ys); break;
            }
        }
    }

    /// <inheritdoc/>
    public bool Solve(ReadOnlySpan<double> rhsX, ReadOnlySpan<double> rhsZ, Span<double> x, Span<double> z)
    {
        long t0 = SolverProfile.Start();
        rhsX.CopyTo(_rhsX); rhsZ.CopyTo(_rhsZ);
        ReducedSolve(_rhsX, _rhsZ, _solX, _solZ);
        // Iterative refinement against the unregularized system: (x, z) += K_reg^-1 (r - K (x, z)) while it helps.
        _refinement.Run(this, Math.Max(VectorOps.NormInf(rhsX), VectorOps.NormInf(rhsZ)));
        _solX.CopyTo(x); _solZ.CopyTo(z);
        SolverProfile.Stop(ProfilePhase.SolvePass, t0);
        return VectorOps.AllFinite(x) && VectorOps.AllFinite(z);
    }

    /// <summary>
    /// One solve with the factorization: the reduced system, then z_K = H^-1 (A_K x - r_K). With
    /// <paramref name="rzZeroOnCones"/> (a refinement residual, zero on the eliminated rows) the term A' H^-1 r_K is zero
    /// and its congruences are skipped.
    /// </summary>
    private void ReducedSolve(ReadOnlySpan<double> rx, ReadOnlySpan<double> rz, Span<double> x, Span<double> z, bool rzZeroOnCones = false)
    {
        // b = [r_x + A' H^-1 r_K; r_E] (H^-1 r is zero on the equality rows).
        var b = _b.AsSpan();
        rx.CopyTo(b);
        if (!rzZeroOnCones)
        {
            ApplyHessianInverseAll(rz, _t);
            _a.MultiplyTransposed(_t, b[.._n], 1.0, 1.0);
        }
        for (int e = 0; e < _eqRows.Length; e++) b[_n + e] = rz[_eqRows[e]];
        if (_sparse is not null) _sparse.Solve(b);
        else if (_cholesky) DenseKernels.CholeskySolve(_kd, _order, b);
        else DenseKernels.LdlSolve(_kd, _order, _d, b);
        b[.._n].CopyTo(x);
        // z_K = H^-1 (A x - r)_K, z_E from the reduced solution.
        _a.Multiply(x, _hz);
        for (int i = 0; i < _m; i++) _hz[i] -= rz[i];
        ApplyHessianInverseAll(_hz, z);
        for (int e = 0; e < _eqRows.Length; e++) z[_eqRows[e]] = b[_n + e];
    }

    /// <summary>
    /// _resX = r_x - P x - A'z and _resZ = r_E - A_E x on the equality rows; returns the larger infinity norm. The
    /// eliminated rows are left at zero: z_K = H^-1 (A x - r_K) satisfies them by construction (also after each
    /// correction, whose z_K part is H^-1 A δx), so their computed residual r_K - A x + W'W z would be only the rounding
    /// of W'W H^-1, which grows like 1/μ and would hide whether a correction improves the rows that carry the error.
    /// </summary>
    double IRefinementTarget.ComputeResidual()
    {
        ReadOnlySpan<double> rx = _rhsX, rz = _rhsZ, x = _solX, z = _solZ;
        rx.CopyTo(_resX);
        _p.MultiplySymmetricUpper(x, _resX, -1.0, 1.0);
        _a.MultiplyTransposed(z, _resX, -1.0, 1.0);
        Array.Clear(_resZ);
        for (int e = 0; e < _eqRows.Length; e++)
        {
            int r = _eqRows[e];
            double v = rz[r];
            for (int q = _rowPtr[r]; q < _rowPtr[r + 1]; q++) v -= _rowVal[q] * x[_rowCol[q]];
            _resZ[r] = v;
        }
        return Math.Max(VectorOps.NormInf(_resX), VectorOps.NormInf(_resZ));
    }

    /// <summary>(_corrX, _corrZ) = K_reg^-1 (_resX, _resZ) through the reduced system.</summary>
    void IRefinementTarget.SolveCorrection() => ReducedSolve(_resX, _resZ, _corrX, _corrZ, rzZeroOnCones: true);

    /// <summary>(x, z) += sign · (_corrX, _corrZ).</summary>
    void IRefinementTarget.AddCorrection(double sign)
    {
        VectorOps.Axpy(sign, _corrX, _solX);
        VectorOps.Axpy(sign, _corrZ, _solZ);
    }
}
