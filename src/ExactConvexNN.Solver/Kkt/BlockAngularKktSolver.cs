using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Solver.Kkt;

/// <summary>
/// The layout of a block-angular program: coupling variables x_c (columns [0, CouplingVariables)) and coupling rows
/// (rows [0, CouplingRows)), then blocks b whose columns [BlockColumns[b], BlockColumns[b+1]) and rows
/// [BlockRows[b], BlockRows[b+1]) touch nothing else except the coupling rows.
/// </summary>
/// <param name="CouplingVariables">Number of coupling variables (first columns).</param>
/// <param name="CouplingRows">Number of coupling rows (first rows).</param>
/// <param name="BlockColumns">Column boundaries, length blocks + 1, starting at CouplingVariables and ending at n.</param>
/// <param name="BlockRows">Row boundaries, length blocks + 1, starting at CouplingRows and ending at m.</param>
public sealed record BlockAngularLayout(int CouplingVariables, int CouplingRows, int[] BlockColumns, int[] BlockRows)
{
    /// <summary>Number of blocks.</summary>
    public int Blocks => BlockColumns.Length - 1;

    /// <summary>
    /// Optional: a basis B (<see cref="CouplingRows"/> x <see cref="CouplingBasisColumns"/>, row-major) of which the coupling
    /// columns are said to be scaled copies: the entries of column j in the coupling rows are ρ_i B[i, f_j] β_j over the
    /// rows of its block (f_j = <see cref="CouplingFeature"/>[j]), for row scales ρ shared by all blocks and a scale β_j per
    /// column (the ReLU programs: G_b = diag(loss coefficients) D_b X [I, -I]; after equilibration the scales change, the
    /// form does not). <see cref="BlockAngularKktSolver"/> verifies the claim entry by entry on the matrix it is given and
    /// then keeps only B, the row scales and the rows each block touches, instead of a copy of every block's coupling
    /// entries; a block whose entries do not fit keeps its copy. Null: every block keeps its copy.
    /// </summary>
    public double[]? CouplingBasis { get; init; }

    /// <summary>Columns of <see cref="CouplingBasis"/>.</summary>
    public int CouplingBasisColumns { get; init; }

    /// <summary>Per column of A, the column of <see cref="CouplingBasis"/> its coupling entries scale, or -1 (see there).</summary>
    public int[]? CouplingFeature { get; init; }
}

/// <summary>
/// A structured KKT solver for block-angular programs: blocks coupled only through a few coupling rows, and a
/// quadratic objective that is diagonal and positive on the coupling variables (zero on the blocks). The system
/// <c>[[P, A'], [A, -H]] [x; z] = [r_x; r_z]</c>, H = W'W, is solved exactly by eliminating, per block b,
/// z_b = H_b^-1 (A_b x_b - r_zb) and x_b = S_b^-1 (r~_b - G_b' z_0) with S_b = A_b' H_b^-1 A_b (small, dense,
/// positive definite because each block's rows include cones over all its variables), and then the coupling
/// multipliers from the dense Schur complement
/// <code>
///   M = H_0 + A_0c P_c^-1 A_0c' + sum_b G_b S_b^-1 G_b',    G_b = rows of the coupling constraints on block b,
/// </code>
/// assembled as a sum of thin outer products Z_b Z_b' (Z_b = G_b R_b with R_b R_b' the coupling part of S_b^-1) by
/// a SIMD rank-k kernel, and factored by Cholesky. No regularization is needed; solutions are refined against the
/// true system. Cost per factorization: O(n_c^2 sum_b k_b) for n_c coupling rows and k_b coupling columns per block.
/// </summary>
public sealed class BlockAngularKktSolver : IKktSolver, IRefinementTarget, IConstraintOperator
{
    private readonly int _chunkColumns;             // columns of Z_b Z_b' summed per rank-k update (SolverSettings.BlockAngularChunkColumns)
    private readonly int _n, _m, _nc, _mc, _blocks;
    private readonly BlockAngularLayout _layout;
    private readonly CompositeCone _cones;
    private readonly CscMatrix _a, _p;
    private readonly double[] _pc;                 // diagonal of P on the coupling variables
    private readonly int[] _blockCones;            // cone index boundaries per block (cones of block b: [_blockCones[b], _blockCones[b+1]))
    private readonly int _couplingConeEnd;         // cones [0, _couplingConeEnd) lie in the coupling rows
    private readonly int[] _aPtr, _aCol;           // A_b by rows (CSR over the block rows: row i >= n_c at [_aPtr[i - n_c], _aPtr[i - n_c + 1]), columns local to the block)
    private readonly double[] _aVal;
    private readonly int[] _jOffset, _jLocal;      // coupling columns of each block (local indices)
    private readonly double[] _l, _r;              // per block: L^-1 for S_b = L L' (w x w) and the Cholesky factor of V'Q_bV (r x r)
    private readonly int[] _rank, _zCols;          // numerical rank r_b of G_b; prefix sums of r_b in the formation order
    private readonly int[] _order;                 // blocks in the order of the Schur complement formation (similar coupling rows together)
    private readonly double[] _v;                  // per block: V_b (k x r_b, row-major), an orthonormal basis of range(G_b')
    private readonly int[] _vOffset;
    private readonly int[] _redOffset, _redValOffset, _redRows;   // per block: the coupling rows G_b touches, where its values start
    private readonly double[] _redVal;             // per explicit block: G_b V_b on those rows (rows x r_b, row-major)
    private readonly double[] _basis;              // the scaled coupling basis X̃ (n_c x _basisColumns, row-major): rows ρ_i B_i
    private readonly int _basisColumns;
    private readonly double[] _t;                  // per implicit block: T_b (basis columns x r_b, row-major), G_b V_b = X̃[rows] T_b
    private readonly int[] _tOffset;               // per block: where T_b starts, -1 for a block with its own copy (_redVal)
    private readonly int[] _lOffset, _rOffset;
    private readonly double[] _m0, _mFactor;       // Schur complement (n_c x n_c) and its factor
    private readonly int[] _chunkStart;             // first block of each chunk of the Schur complement formation, and _blocks
    private readonly double[] _couplingBlock;
    private readonly double[] _sol, _res, _corr, _rhs, _hz, _hhz, _residualSource;
    private readonly Scratch[] _scratch;           // one per worker: blocks are processed in parallel
    private readonly int[] _parts;                 // block ranges of the workers

    /// <summary>Work arrays of one worker.</summary>
    private sealed class Scratch(int scratch, int colBuf, int coupling, int chunkColumns, bool accumulator)
    {
        public readonly double[] Work = new double[scratch], Work2 = new double[scratch], ColBuf = new double[colBuf];
        public readonly double[] Z0 = new double[coupling];
        // Schur complement formation: the compacted chunk Z_U (|U| x k), its product, the own accumulator, the row maps.
        public readonly double[] Chunk = new double[coupling * chunkColumns], Product = new double[coupling * coupling];
        public readonly double[] M = accumulator ? new double[coupling * coupling] : [];
        public readonly int[] RowPos = new int[coupling], RowList = new int[coupling];
        public bool Ok;
    }
    private readonly IterativeRefinement _refinement;
    private bool _factored;
    private bool _accurate;                       // a solve with the current factorization met the refinement tolerance unrefined

    private BlockAngularKktSolver(BlockAngularLayout layout, CscMatrix p, CscMatrix a, CompositeCone cones, SolverSettings settings,
        double[] pc, int[] blockCones, int couplingConeEnd, int[] aPtr, int[] aCol, double[] aVal, int[] jOffset, int[] jLocal,
        int[] lOffset, int[] rOffset, int maxWidth, int maxHeight,
        int[] rank, double[] v, int[] vOffset, int[] redOffset, int[] redValOffset, int[] redRows, double[] redVal,
        double[] basis, int basisColumns, double[] t, int[] tOffset)
    {
        _basis = basis; _basisColumns = basisColumns; _t = t; _tOffset = tOffset;
        _layout = layout; _p = p; _a = a; _cones = cones; _pc = pc;
        _n = a.Columns; _m = a.Rows; _nc = layout.CouplingRows; _mc = layout.CouplingVariables; _blocks = layout.Blocks;
        _blockCones = blockCones; _couplingConeEnd = couplingConeEnd; _aPtr = aPtr; _aCol = aCol; _aVal = aVal;
        _jOffset = jOffset; _jLocal = jLocal;
        _lOffset = lOffset; _rOffset = rOffset;
        _l = new double[lOffset[^1]]; _r = new double[rOffset[^1]];
        _rank = rank; _v = v; _vOffset = vOffset; _redOffset = redOffset; _redValOffset = redValOffset; _redRows = redRows; _redVal = redVal;
        _order = FormationOrder(_nc, _blocks, redOffset, redRows, settings.BlockAngularChunkColumns / Math.Max(1, rank.DefaultIfEmpty(1).Max()));
        _zCols = new int[_blocks + 1];
        for (int k = 0; k < _blocks; k++) _zCols[k + 1] = _zCols[k] + rank[_order[k]];
        _m0 = new double[_nc * _nc]; _mFactor = new double[_nc * _nc];
        int scratch = Math.Max(maxWidth * maxHeight, maxWidth * maxWidth) + 2 * maxHeight + 2 * maxWidth;
        _chunkColumns = settings.BlockAngularChunkColumns;
        _couplingBlock = new double[Enumerable.Range(0, couplingConeEnd).Select(k => cones.Cones[k].HessianBlockLength).DefaultIfEmpty(0).Max()];
        _sol = new double[_n + _m]; _res = new double[_n + _m]; _corr = new double[_n + _m]; _rhs = new double[_n + _m]; _hz = new double[_m]; _hhz = new double[_m]; _residualSource = new double[_n + _m];
        int workers = Math.Clamp(Environment.ProcessorCount, 1, settings.MaxWorkers);
        _scratch = Enumerable.Range(0, workers).Select(p => new Scratch(scratch, Math.Max(maxHeight, maxWidth), _nc, _chunkColumns, p > 0)).ToArray();
        // Chunks: consecutive blocks with at most _chunkColumns columns of Z in all.
        var starts = new List<int> { 0 };
        for (int k = 0, filled = 0; k < _blocks; k++)
        {
            if (filled + rank[_order[k]] > _chunkColumns) { starts.Add(k); filled = 0; }
            filled += rank[_order[k]];
        }
        if (starts[^1] != _blocks) starts.Add(_blocks);
        _chunkStart = [.. starts];
        // Contiguous block ranges of about equal work (rows + coupled entries).
        _parts = new int[workers + 1];
        long total = 0;
        for (int b = 0; b < _blocks; b++) total += BlockWork(b);
        long acc = 0; int part = 1;
        for (int b = 0; b < _blocks && part < workers; b++)
        {
            acc += BlockWork(b);
            if (acc * workers >= total * part) _parts[part++] = b + 1;
        }
        for (; part <= workers; part++) _parts[part] = _blocks;
        _refinement = new IterativeRefinement(settings);
    }

    private long BlockWork(int b) =>
        (long)(_layout.BlockColumns[b + 1] - _layout.BlockColumns[b]) * (_layout.BlockRows[b + 1] - _layout.BlockRows[b]) + 4L * _rank[b] * (_redOffset[b + 1] - _redOffset[b]);

    /// <summary>Runs body(worker, firstBlock, endBlock) over the workers' block ranges in parallel.</summary>
    private void ForEachPart(Action<Scratch, int, int> body)
    {
        if (_scratch.Length == 1) { body(_scratch[0], 0, _blocks); return; }
        Parallel.For(0, _scratch.Length, p => body(_scratch[p], _parts[p], _parts[p + 1]));
    }

    /// <summary>A factory for <see cref="ConicSolver.Solve"/> that builds this solver for the given layout.</summary>
    public static KktSolverFactory Factory(BlockAngularLayout layout) => (p, a, cones, settings) => Create(layout, p, a, cones, settings);

    /// <summary>Validates that the data has the block-angular structure of <paramref name="layout"/> and prepares the solver.</summary>
    /// <exception cref="ArgumentException">The layout does not fit the data (an entry outside the structure, a cone across blocks, P not diagonal positive on the coupling variables, a zero cone inside a block), or a cone is nonsymmetric (exponential).</exception>
    public static BlockAngularKktSolver Create(BlockAngularLayout layout, CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(layout); ArgumentNullException.ThrowIfNull(pUpper); ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(cones);
        if (!cones.IsSymmetric) throw new ArgumentException("the block-angular KKT solver supports symmetric cones only; solve a program with exponential cones with the default quasi-definite KKT solver");
        settings ??= new SolverSettings();
        var (blockCones, couplingConeEnd) = Analyze(layout, pUpper, a, cones);
        return Assemble(layout, pUpper, a, cones, settings, blockCones, couplingConeEnd);
    }

    /// <summary>
    /// Analysis: checks that the pattern of P and A and the cones have the block-angular structure of the layout (P
    /// diagonal on the coupling variables and zero elsewhere; cones inside the coupling rows or inside one block, no zero
    /// cone in a block; coupling variables only in coupling rows; block columns only in their block's rows and the
    /// coupling rows) and returns each block's cone range and the end of the coupling cones.
    /// </summary>
    private static (int[] BlockCones, int CouplingConeEnd) Analyze(BlockAngularLayout layout, CscMatrix pUpper, CscMatrix a, CompositeCone cones)
    {
        int n = a.Columns, m = a.Rows, nb = layout.Blocks, nc = layout.CouplingRows, mc = layout.CouplingVariables;
        var bc = layout.BlockColumns; var br = layout.BlockRows;
        if (bc.Length != br.Length || bc.Length < 1 || bc[0] != mc || bc[^1] != n || br[0] != nc || br[^1] != m)
            throw new ArgumentException("the block layout does not cover the program's columns and rows");
        for (int b = 0; b < nb; b++)
            if (bc[b + 1] <= bc[b] || br[b + 1] < br[b]) throw new ArgumentException($"block {b} has no columns or negative rows");
        if (cones.Dimension != m) throw new ArgumentException("cone dimension differs from the rows of A");

        // P: diagonal on the coupling variables, zero elsewhere.
        for (int j = 0; j < n; j++)
            for (int q = pUpper.ColumnPointers[j]; q < pUpper.ColumnPointers[j + 1]; q++)
                if (pUpper.Values[q] != 0 && (pUpper.RowIndices[q] != j || j >= mc))
                    throw new ArgumentException("P must be diagonal on the coupling variables and zero on the blocks");

        // Cones: first those inside the coupling rows, then each block's, never across a boundary; no zero cone in a block.
        var blockCones = new int[nb + 1];
        int k = 0;
        while (k < cones.Cones.Count && cones.Offset(k) < nc)
        {
            if (cones.Offset(k) + cones.Cones[k].Dimension > nc) throw new ArgumentException("a cone crosses the coupling rows");
            k++;
        }
        int couplingConeEnd = k;
        for (int b = 0; b < nb; b++)
        {
            blockCones[b] = k;
            while (k < cones.Cones.Count && cones.Offset(k) < br[b + 1])
            {
                if (cones.Offset(k) + cones.Cones[k].Dimension > br[b + 1]) throw new ArgumentException($"a cone crosses the rows of block {b}");
                if (cones.Cones[k] is ZeroCone) throw new ArgumentException($"block {b} has equality rows; only coupling rows may");
                k++;
            }
        }
        blockCones[nb] = k;

        // A: coupling variables only in coupling rows; block rows touch only their block's columns.
        int rowBlock(int row) { int lo = 0, hi = nb - 1; while (lo < hi) { int mid = (lo + hi + 1) / 2; if (br[mid] <= row) lo = mid; else hi = mid - 1; } return lo; }
        for (int j = 0; j < mc; j++)
            for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1]; q++)
                if (a.RowIndices[q] >= nc) throw new ArgumentException($"coupling variable {j} appears in a block row");
        for (int b = 0; b < nb; b++)
            for (int j = bc[b]; j < bc[b + 1]; j++)
                for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1]; q++)
                {
                    int i = a.RowIndices[q];
                    if (i >= nc && (i < br[b] || i >= br[b + 1])) throw new ArgumentException($"column {j} of block {b} appears in row {i} of block {rowBlock(i)}");
                }
        return (blockCones, couplingConeEnd);
    }

    /// <summary>
    /// Assembly of the fixed data in the solver's layout: P_c, the dense blocks A_b, the coupling columns G_b with their
    /// numerical rank (G_b = (G_b V_b) V_b'), and the storage of the per-block factors; the factorization is done by
    /// <see cref="Update"/>.
    /// </summary>
    private static BlockAngularKktSolver Assemble(BlockAngularLayout layout, CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings settings,
        int[] blockCones, int couplingConeEnd)
    {
        double rankTolerance = settings.BlockAngularRankTolerance;
        int n = a.Columns, nb = layout.Blocks, nc = layout.CouplingRows, mc = layout.CouplingVariables;
        var bc = layout.BlockColumns; var br = layout.BlockRows;
        // P_c: the diagonal of P on the coupling variables (Analyze checked that P has no other entries).
        var pc = new double[mc];
        for (int j = 0; j < mc; j++)
            for (int q = pUpper.ColumnPointers[j]; q < pUpper.ColumnPointers[j + 1]; q++)
                if (pUpper.Values[q] != 0) pc[j] = pUpper.Values[q];
        if (pc.Any(v => !(v > 0))) throw new ArgumentException("P must be positive on every coupling variable");

        // A_b by rows (CSR) and the coupling columns G_b (Analyze checked that block rows touch only their block's columns).
        int maxW = 0, maxH = 0;
        for (int b = 0; b < nb; b++) { maxW = Math.Max(maxW, bc[b + 1] - bc[b]); maxH = Math.Max(maxH, br[b + 1] - br[b]); }
        int m = a.Rows;
        var aPtr = new int[m - nc + 1];
        for (int j = mc; j < n; j++)
            for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1]; q++)
                if (a.RowIndices[q] >= nc && a.Values[q] != 0) aPtr[a.RowIndices[q] - nc + 1]++;
        for (int i = 0; i < m - nc; i++) aPtr[i + 1] += aPtr[i];
        var aCol = new int[aPtr[m - nc]]; var aVal = new double[aPtr[m - nc]];
        var aNext = aPtr[..^1].ToArray();
        // The coupling columns of each block (those with a nonzero entry in a coupling row) and G_b by columns: the
        // coupling entries of a column are the start of its entries in A (rows sorted), so G_b is read in place, never
        // copied (the ReLU programs have tens to hundreds of millions of coupling entries).
        int coupledColumns = 0;
        for (int j = mc; j < n; j++)
            for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1] && a.RowIndices[q] < nc; q++)
                if (a.Values[q] != 0) { coupledColumns++; break; }
        var jLocal = new int[coupledColumns]; var jOffset = new int[nb + 1];
        var gPtr = new int[coupledColumns]; var gEnd = new int[coupledColumns]; var gRow = a.RowIndices; var gVal = a.Values;
        for (int b = 0, t = 0; b < nb; b++)
        {
            jOffset[b] = t;
            for (int j = bc[b]; j < bc[b + 1]; j++)
            {
                int q0 = a.ColumnPointers[j], qc = q0; bool nonzero = false;
                for (; qc < a.ColumnPointers[j + 1] && a.RowIndices[qc] < nc; qc++) nonzero |= a.Values[qc] != 0;
                for (int q = qc; q < a.ColumnPointers[j + 1]; q++)
                {
                    double v = a.Values[q];
                    if (v == 0) continue;
                    int at = aNext[a.RowIndices[q] - nc]++; aCol[at] = j - bc[b]; aVal[at] = v;
                }
                if (nonzero) { jLocal[t] = j - bc[b]; gPtr[t] = q0; gEnd[t] = qc; t++; }
            }
            if (b == nb - 1) jOffset[nb] = t;
        }
        // Numerical rank of each G_b: G_b = (G_b V_b) V_b' with V_b the eigenvectors of G_b'G_b whose eigenvalues are
        // not negligible (BlockAngularRankTolerance relative, default 1e-24: only directions G_b maps to rounding noise are dropped). The Schur complement
        // then needs r_b columns per block instead of k_b (for the ReLU programs r_b = d, k_b = 2d).
        // First pass: the coupling rows each block touches (sorted) and its rank; second pass: V_b and G_b V_b.
        var rank = new int[nb]; var vOffset = new int[nb + 1];
        var redOffset = new int[nb + 1]; var redValOffset = new int[nb + 1];
        var mark = new int[nc]; Array.Fill(mark, -1);
        var pos = new int[nc];
        int maxK = 0;
        for (int b = 0; b < nb; b++) maxK = Math.Max(maxK, jOffset[b + 1] - jOffset[b]);
        long rowTotal = 0;
        for (int b = 0; b < nb; b++)
        {
            for (int t = jOffset[b]; t < jOffset[b + 1]; t++)
                for (int q = gPtr[t]; q < gEnd[t]; q++)
                    if (mark[gRow[q]] != b) { mark[gRow[q]] = b; rowTotal++; }
        }
        if (rowTotal > int.MaxValue) throw new ArgumentException($"the blocks touch {rowTotal} coupling rows in all, more than {int.MaxValue}");
        var redRows = new int[rowTotal];
        Array.Fill(mark, -1);
        var c = new double[maxK * maxK]; var values = new double[maxK]; var vectors = new double[maxK * maxK];
        var keep = new int[maxK];
        var vectorsAll = new double[jOffset[nb] * maxK];   // V_b of every block (k_b x r_b), before compaction
        double[] gd = [];
        long valTotal = 0, vTotal = 0;
        for (int b = 0; b < nb; b++)
        {
            int kb = jOffset[b + 1] - jOffset[b];
            int r0 = b == 0 ? 0 : redOffset[b], count = 0;
            redOffset[b] = r0;
            for (int t = jOffset[b]; t < jOffset[b + 1]; t++)
                for (int q = gPtr[t]; q < gEnd[t]; q++)
                    if (mark[gRow[q]] != b) { mark[gRow[q]] = b; redRows[r0 + count++] = gRow[q]; }
            var rows = redRows.AsSpan(r0, count);
            rows.Sort();
            for (int i = 0; i < count; i++) pos[rows[i]] = i;
            redOffset[b + 1] = r0 + count;
            // G_b on its rows, row-major (count x k_b), and C = G_b'G_b.
            if (gd.Length < count * kb) gd = new double[Math.Max(count * kb, 2 * gd.Length)];
            var g = gd.AsSpan(0, count * kb);
            g.Clear();
            for (int t = 0; t < kb; t++)
                for (int q = gPtr[jOffset[b] + t]; q < gEnd[jOffset[b] + t]; q++) g[pos[gRow[q]] * kb + t] = gVal[q];
            var cb = c.AsSpan(0, kb * kb);
            cb.Clear();
            for (int i = 0; i < count; i++)
            {
                var gi = g.Slice(i * kb, kb);
                for (int t = 0; t < kb; t++)
                {
                    double v = gi[t];
                    if (v == 0) continue;
                    for (int u = 0; u < kb; u++) cb[t * kb + u] += v * gi[u];
                }
            }
            int rb = 0;
            if (kb > 0)
            {
                DenseKernels.SymmetricEigen(cb, kb, values.AsSpan(0, kb), vectors.AsSpan(0, kb * kb));
                double top = 0;
                for (int e = 0; e < kb; e++) top = Math.Max(top, values[e]);
                for (int e = 0; e < kb; e++) if (values[e] > rankTolerance * top && values[e] > 0) keep[rb++] = e;
            }
            rank[b] = rb;
            // V_b (k_b x r_b, row-major) into this block's slot.
            var vb = vectorsAll.AsSpan(jOffset[b] * maxK, kb * rb);
            for (int t = 0; t < kb; t++) for (int e = 0; e < rb; e++) vb[t * rb + e] = vectors[t * kb + keep[e]];
            valTotal += (long)count * rb; vTotal += (long)kb * rb;
        }
        // Blocks whose coupling entries are scaled copies of the layout's basis keep T_b instead of G_b V_b.
        var (basis, basisColumns, beta, implicitBlock) = ScaledBasis(layout, a, nc, jOffset, jLocal, gPtr, gEnd, gRow, gVal);
        var tOffset = new int[nb]; long tTotal = 0;
        for (int b = 0; b < nb; b++)
        {
            tOffset[b] = implicitBlock[b] ? (int)tTotal : -1;
            if (implicitBlock[b]) { tTotal += (long)basisColumns * rank[b]; valTotal -= (long)(redOffset[b + 1] - redOffset[b]) * rank[b]; }
        }
        if (valTotal > int.MaxValue || tTotal > int.MaxValue) throw new ArgumentException($"the reduced coupling blocks hold {valTotal + tTotal} entries, more than {int.MaxValue}");
        var vAll = new double[vTotal]; var redVal = new double[valTotal]; var tAll = new double[tTotal];
        for (int b = 0, vo = 0, ro = 0; b < nb; b++)
        {
            int kb = jOffset[b + 1] - jOffset[b], rb = rank[b], count = redOffset[b + 1] - redOffset[b];
            vOffset[b] = vo; redValOffset[b] = ro;
            var vb = vectorsAll.AsSpan(jOffset[b] * maxK, kb * rb);
            vb.CopyTo(vAll.AsSpan(vo)); vo += kb * rb;
            if (rb == 0) continue;
            if (implicitBlock[b])
            {
                // T_b[f, e] = sum over the block's coupled columns t with feature f of β_t V_b[t, e].
                var tb = tAll.AsSpan(tOffset[b], basisColumns * rb);
                for (int t = 0; t < kb; t++)
                {
                    int f = layout.CouplingFeature![bc[b] + jLocal[jOffset[b] + t]];
                    double bt = beta[jOffset[b] + t];
                    for (int e = 0; e < rb; e++) tb[f * rb + e] += bt * vb[t * rb + e];
                }
                continue;
            }
            var rows = redRows.AsSpan(redOffset[b], count);
            for (int i = 0; i < count; i++) pos[rows[i]] = i;
            // (G_b V_b)_(i, e) = sum_t G_b(i, t) V_b(t, e), from the columns of G_b.
            var red = redVal.AsSpan(ro, count * rb);
            for (int t = 0; t < kb; t++)
                for (int q = gPtr[jOffset[b] + t]; q < gEnd[jOffset[b] + t]; q++)
                {
                    int i = pos[gRow[q]]; double v = gVal[q];
                    for (int e = 0; e < rb; e++) red[i * rb + e] += v * vb[t * rb + e];
                }
            ro += count * rb;
        }
        vOffset[nb] = (int)vTotal; redValOffset[nb] = (int)valTotal;
        var lOffset = new int[nb + 1]; var rOffset = new int[nb + 1];
        for (int b = 0; b < nb; b++)
        {
            int w = bc[b + 1] - bc[b], kb = jOffset[b + 1] - jOffset[b];
            lOffset[b + 1] = lOffset[b] + w * w; rOffset[b + 1] = rOffset[b] + rank[b] * rank[b];
            if (rank[b] > settings.BlockAngularChunkColumns) throw new ArgumentException($"block {b} has rank {rank[b]} in the coupling rows, more than {settings.BlockAngularChunkColumns}");
        }
        return new BlockAngularKktSolver(layout, pUpper, a, cones, settings, pc, blockCones, couplingConeEnd, aPtr, aCol, aVal,
            jOffset, jLocal, lOffset, rOffset, maxW, maxH,
            rank, vAll, vOffset, redOffset, redValOffset, redRows, redVal, basis, basisColumns, tAll, tOffset);
    }

    /// <summary>
    /// Checks the layout's claim that coupling columns are scaled copies of its basis (<see cref="BlockAngularLayout.CouplingBasis"/>)
    /// against the coupling entries G (by columns: entries [gPtr[t], gEnd[t]) of gRow and gVal; coupled column t of block b is t in [jOffset[b], jOffset[b+1])).
    /// Row scales ρ are found by propagation (a column whose rows include one with a known ρ gets β_t from it and gives ρ to its
    /// other rows; a column with none waits, and when no column can proceed, the first waiting one fixes ρ = 1 on its first
    /// row). Then every entry is checked against ρ_i B[i, f_t] β_t (relative <see cref="BasisTolerance"/>), and a column's
    /// entries must be exactly its block's coupling rows where B[·, f_t] is nonzero. Returns the scaled basis
    /// X̃ = diag(ρ) B (rows never given a scale are zero), β, and the blocks that passed.
    /// </summary>
    private static (double[] Basis, int Columns, double[] Beta, bool[] Implicit) ScaledBasis(BlockAngularLayout layout, CscMatrix a, int nc,
        int[] jOffset, int[] jLocal, int[] gPtr, int[] gEnd, int[] gRow, double[] gVal)
    {
        int nb = layout.Blocks, d = layout.CouplingBasisColumns;
        var fits = new bool[nb];
        var bas = layout.CouplingBasis; var feature = layout.CouplingFeature;
        if (bas is null || feature is null || d < 1) return ([], 0, [], fits);
        if (bas.Length != (long)nc * d || feature.Length != a.Columns)
            throw new ArgumentException($"the coupling basis is {bas.Length} values for {nc} rows x {d} columns and {feature.Length} column features for {a.Columns} columns");
        var bc = layout.BlockColumns;
        int Feature(int b, int t) => feature[bc[b] + jLocal[t]];
        // Candidate blocks: every coupled column names a basis column.
        for (int b = 0; b < nb; b++)
        {
            fits[b] = jOffset[b + 1] > jOffset[b];
            for (int t = jOffset[b]; t < jOffset[b + 1] && fits[b]; t++) fits[b] = Feature(b, t) >= 0 && Feature(b, t) < d;
        }
        var rho = new double[nc];
        var beta = new double[jOffset[nb]];
        // Propagation: β_t = g / (ρ_i B[i, f]) at a row with a known ρ, then ρ_i = g / (B[i, f] β_t) at the others.
        bool pending = true;
        while (pending)
        {
            pending = false; bool progress = false; int firstWaiting = -1, firstWaitingBlock = -1;
            for (int b = 0; b < nb; b++)
            {
                if (!fits[b]) continue;
                for (int t = jOffset[b]; t < jOffset[b + 1]; t++)
                {
                    if (beta[t] != 0) continue;
                    int f = Feature(b, t);
                    int known = -1;
                    for (int q = gPtr[t]; q < gEnd[t] && known < 0; q++)
                        if (rho[gRow[q]] != 0 && bas[gRow[q] * d + f] != 0) known = q;
                    if (known < 0)
                    {
                        if (firstWaiting < 0) { firstWaiting = t; firstWaitingBlock = b; }
                        pending = true; continue;
                    }
                    beta[t] = gVal[known] / (rho[gRow[known]] * bas[gRow[known] * d + f]);
                    if (!(double.IsFinite(beta[t]) && beta[t] != 0)) { fits[b] = false; break; }
                    for (int q = gPtr[t]; q < gEnd[t]; q++)
                    {
                        int i = gRow[q]; double bx = bas[i * d + f];
                        if (rho[i] == 0 && bx != 0) rho[i] = gVal[q] / (bx * beta[t]);
                    }
                    progress = true;
                }
            }
            if (pending && !progress)
            {
                // No waiting column shares a row with a known scale: start a new component at the first waiting one.
                int f = Feature(firstWaitingBlock, firstWaiting), i0 = -1;
                for (int q = gPtr[firstWaiting]; q < gEnd[firstWaiting] && i0 < 0; q++) if (bas[gRow[q] * d + f] != 0) i0 = gRow[q];
                if (i0 < 0) fits[firstWaitingBlock] = false; else rho[i0] = 1;
            }
        }
        // Verification: every entry of every candidate block, and its pattern.
        var mark = new int[nc]; Array.Fill(mark, -1);
        var touched = new int[nc];
        for (int b = 0; b < nb; b++)
        {
            if (!fits[b]) continue;
            int rowsTouched = 0;
            for (int t = jOffset[b]; t < jOffset[b + 1]; t++)
                for (int q = gPtr[t]; q < gEnd[t]; q++) if (mark[gRow[q]] != b) { mark[gRow[q]] = b; touched[rowsTouched++] = gRow[q]; }
            for (int t = jOffset[b]; t < jOffset[b + 1] && fits[b]; t++)
            {
                int f = Feature(b, t);
                for (int q = gPtr[t]; q < gEnd[t] && fits[b]; q++)
                {
                    int i = gRow[q];
                    double model = rho[i] * bas[i * d + f] * beta[t];
                    fits[b] = Math.Abs(gVal[q] - model) <= BasisTolerance * Math.Abs(gVal[q]);
                }
                // The column's entries are all of the block's rows where B[·, f] is nonzero.
                int expected = 0;
                for (int k = 0; k < rowsTouched; k++) if (bas[touched[k] * d + f] != 0) expected++;
                if (expected != gEnd[t] - gPtr[t]) fits[b] = false;
            }
        }
        var scaled = new double[nc * d];
        for (int i = 0; i < nc; i++)
            for (int f = 0; f < d; f++) scaled[i * d + f] = rho[i] * bas[i * d + f];
        return (scaled, d, beta, fits);
    }

    /// <summary>Relative agreement required between a coupling entry and its basis form (see <see cref="ScaledBasis"/>).</summary>
    private const double BasisTolerance = 1e-12;

    /// <summary>Blocks whose coupling columns are kept as the layout's scaled basis (<see cref="BlockAngularLayout.CouplingBasis"/>) rather than copied.</summary>
    public int BasisBlocks => _tOffset.Count(t => t >= 0);

    /// <summary>"block_angular".</summary>
    public string Name => "block_angular";
    /// <inheritdoc/>
    public int Variables => _n;
    /// <inheritdoc/>
    public int Constraints => _m;

    /// <inheritdoc/>
    public bool Update(ICone cones)
    {
        _factored = false; _accurate = false;
        long t0 = SolverProfile.Start();
        AssembleCouplingTerms();
        bool ok = FactorBlocks();
        SolverProfile.Stop(ProfilePhase.BlockFactor, t0);
        if (!ok) return false;
        t0 = SolverProfile.Start();
        AssembleSchurComplement();
        SolverProfile.Stop(ProfilePhase.SchurFormation, t0);
        t0 = SolverProfile.Start();
        _factored = FactorSchurComplement();
        SolverProfile.Stop(ProfilePhase.SchurFactor, t0);
        return _factored;
    }

    /// <summary>Assembly of M = H_0 + A_0c P_c^-1 A_0c' (coupling cones' W'W; coupling variables' columns), lower triangle.</summary>
    private void AssembleCouplingTerms()
    {
        var m = _m0.AsSpan();
        m.Clear();
        // M = H_0 + A_0c P_c^-1 A_0c' (coupling cones' W'W; coupling variables' columns).
        for (int k = 0; k < _couplingConeEnd; k++)
        {
            var c = _cones.Cones[k]; int o = _cones.Offset(k);
            var block = _couplingBlock.AsSpan(0, c.HessianBlockLength);
            c.GetHessianBlock(block);
            for (int r = 0; r < c.Dimension; r++)
                if (c.HasDiagonalScaling) m[(o + r) * _nc + o + r] += block[r];
                else for (int i = 0; i <= r; i++) m[(o + r) * _nc + o + i] += block[r * (r + 1) / 2 + i];
        }
        for (int j = 0; j < _mc; j++)
        {
            double inv = 1.0 / _pc[j];
            int q0 = _a.ColumnPointers[j], q1 = _a.ColumnPointers[j + 1];
            for (int q = q0; q < q1; q++)
                for (int t = q0; t <= q; t++)
                {
                    int i = _a.RowIndices[q], l = _a.RowIndices[t];
                    m[Math.Max(i, l) * _nc + Math.Min(i, l)] += _a.Values[q] * _a.Values[t] * inv;
                }
        }
    }

    /// <summary>Factorization of every block (in parallel): S_b = L L', (S_b^-1)_JJ = R R'. False when one fails.</summary>
    private bool FactorBlocks()
    {
        ForEachPart((w, b0, b1) =>
        {
            w.Ok = true;
            for (int b = b0; b < b1 && w.Ok; b++) w.Ok = FactorBlock(b, w);
        });
        foreach (var w in _scratch) if (!w.Ok) return false;
        return true;
    }

    /// <summary>
    /// Assembly of the Schur complement: M += Σ_b Z_b Z_b' (Z_b = G_b R), a chunk of blocks at a time, the chunks shared
    /// out among the workers, each into its own accumulator (worker 0 into M itself), summed at the end. A chunk keeps only
    /// the union U of the coupling rows its blocks touch (each block's rows are those of its chamber's active samples, about
    /// half): Z_U is |U| x k, the product Z_U Z_U' is |U|² k / 2 instead of n_c² k / 2, and it is added to M on U x U.
    /// </summary>
    private void AssembleSchurComplement()
    {
        int chunks = _chunkStart.Length - 1;
        if (_scratch.Length == 1 || chunks < 2) { for (int c = 0; c < chunks; c++) AccumulateChunk(c, _scratch[0], _m0); return; }
        Parallel.For(0, _scratch.Length, p =>
        {
            var w = _scratch[p];
            var acc = p == 0 ? _m0 : w.M;
            if (p != 0) Array.Clear(w.M);
            for (int c = p; c < chunks; c += _scratch.Length) AccumulateChunk(c, w, acc);
        });
        // M += Σ_p M_p (lower triangle).
        for (int p = 1; p < _scratch.Length; p++)
            for (int i = 0; i < _nc; i++)
                VectorOps.Axpy(1.0, _scratch[p].M.AsSpan(i * _nc, i + 1), _m0.AsSpan(i * _nc, i + 1));
    }

    /// <summary>
    /// The order of the blocks in the Schur complement formation: blocks whose coupling rows are alike next to each other,
    /// so that each chunk's union of rows stays small. Each block gets the random projection p_b = Σ_{i in rows(b)} h_i
    /// (h_i Gaussian in R^8, fixed seed: the distance between two projections estimates the Hamming distance of the row
    /// sets), and the blocks are ordered as the leaves of a k-d tree on these points (recursive median splits on the
    /// widest coordinate) down to groups of about <paramref name="leaf"/> blocks. Analysis only, once per solve.
    /// </summary>
    private static int[] FormationOrder(int nc, int blocks, int[] redOffset, int[] redRows, int leaf)
    {
        const int dims = 8;
        var order = new int[blocks];
        for (int b = 0; b < blocks; b++) order[b] = b;
        if (blocks <= Math.Max(2, leaf)) return order;
        var rng = new Random(12345);
        var h = new double[nc * dims];
        for (int i = 0; i < h.Length; i++) h[i] = rng.NextDouble() * 2 - 1;
        var p = new double[blocks * dims];
        for (int b = 0; b < blocks; b++)
            for (int i = redOffset[b]; i < redOffset[b + 1]; i++)
                for (int k = 0; k < dims; k++) p[b * dims + k] += h[redRows[i] * dims + k];
        var keys = new double[blocks];
        Split(0, blocks);
        return order;

        void Split(int lo, int hi)
        {
            if (hi - lo <= Math.Max(2, leaf)) return;
            int best = 0; double width = -1;
            for (int k = 0; k < dims; k++)
            {
                double mn = double.PositiveInfinity, mx = double.NegativeInfinity;
                for (int t = lo; t < hi; t++) { double v = p[order[t] * dims + k]; mn = Math.Min(mn, v); mx = Math.Max(mx, v); }
                if (mx - mn > width) { width = mx - mn; best = k; }
            }
            for (int t = lo; t < hi; t++) keys[t] = p[order[t] * dims + best];
            Array.Sort(keys, order, lo, hi - lo);
            int mid = lo + (hi - lo) / 2;
            Split(lo, mid); Split(mid, hi);
        }
    }

    /// <summary>acc[U x U] += Z_U Z_U' for the blocks of chunk c (lower triangle), U the union of their coupling rows.</summary>
    private void AccumulateChunk(int c, Scratch w, double[] acc)
    {
        int from = _chunkStart[c], to = _chunkStart[c + 1];
        int filled = _zCols[to] - _zCols[from];
        if (filled == 0) return;
        // U: mark the rows, then list them in increasing order (so the lower triangle maps to the lower triangle).
        var pos = w.RowPos; var rows = w.RowList;
        for (int k = from; k < to; k++)
            for (int i = _redOffset[_order[k]]; i < _redOffset[_order[k] + 1]; i++) pos[_redRows[i]] = 1;
        int u = 0;
        for (int i = 0; i < _nc; i++)
            if (pos[i] != 0) { pos[i] = u; rows[u++] = i; }
        var z = w.Chunk.AsSpan(0, u * filled);
        z.Clear();
        for (int k = from; k < to; k++) WriteZ(_order[k], z, filled, _zCols[k] - _zCols[from], pos);
        var t = w.Product.AsSpan(0, u * u);
        t.Clear();
        DenseKernels.SymmetricRankKUpdateLowerSerial(t, u, z, filled);
        // acc[U_a, U_b] += T[a, b] for b <= a; then clear the marks.
        for (int a = 0; a < u; a++)
        {
            var ta = t.Slice(a * u, a + 1);
            int rowBase = rows[a] * _nc;
            for (int b = 0; b <= a; b++) acc[rowBase + rows[b]] += ta[b];
        }
        for (int a = 0; a < u; a++) pos[rows[a]] = 0;
    }

    /// <summary>
    /// Factorization of the Schur complement M = L L' (Cholesky, on a copy). Near the optimum M can be numerically singular
    /// (coupling rows whose W'W and block terms all vanish along a direction) and rounding can leave a pivot at or below
    /// zero: the factorization is then repeated with such pivots replaced by a huge one
    /// (<see cref="DenseKernels.CholeskyLower(Span{double}, int, double, out int)"/>), and the solves are refined against the
    /// true system as always.
    /// </summary>
    private bool FactorSchurComplement()
    {
        _m0.CopyTo(_mFactor, 0);
        if (DenseKernels.CholeskyLower(_mFactor, _nc)) return true;
        _m0.CopyTo(_mFactor, 0);
        return DenseKernels.CholeskyLower(_mFactor, _nc, TinyPivotRatio, out _);
    }

    /// <summary>A Schur complement pivot at most this fraction of its diagonal entry is rounding noise (see <see cref="FactorSchurComplement"/>).</summary>
    private const double TinyPivotRatio = 1e-13;

    /// <summary>
    /// S_b = B'B with B = W^-1 A_b (cone by cone, column by column) as L L' from a QR of B, kept as L^-1 (a block's
    /// solves are then two small triangular matrix-vector products, <see cref="DenseKernels.SolveWithInverseFactor"/>), and the coupling part (S_b^-1)_JJ = Y'Y with
    /// Y = L^-1 E_J as R R' from a QR of Y: orthogonal factorizations, so the wide range of W near the end of the
    /// iterations is not squared.
    /// </summary>
    private bool FactorBlock(int b, Scratch sc)
    {
        int w = _layout.BlockColumns[b + 1] - _layout.BlockColumns[b];
        int h = _layout.BlockRows[b + 1] - _layout.BlockRows[b];
        int r0 = _layout.BlockRows[b];
        // Dense A_b (row-major) from its rows, in Work2 until Y needs it.
        var a = sc.Work2.AsSpan(0, w * h);
        a.Clear();
        for (int i = 0; i < h; i++)
            for (int q = _aPtr[r0 - _nc + i]; q < _aPtr[r0 - _nc + i + 1]; q++) a[i * w + _aCol[q]] = _aVal[q];
        var bm = sc.Work.AsSpan(0, h * w);       // B, column-major: column c at [c*h, c*h+h)
        var col = sc.ColBuf.AsSpan(0, h);
        for (int c = 0; c < w; c++)
        {
            for (int i = 0; i < h; i++) col[i] = a[i * w + c];
            for (int k = _blockCones[b]; k < _blockCones[b + 1]; k++)
            {
                var cone = _cones.Cones[k]; int o = _cones.Offset(k) - r0;
                cone.MultiplyWInverseTranspose(col.Slice(o, cone.Dimension), bm.Slice(c * h + o, cone.Dimension));
            }
        }
        // S_b = L L' (L in Work2, A_b is no longer needed), then L^-1, kept for the solves.
        var l = sc.Work2.AsSpan(0, w * w);
        if (!DenseKernels.QrLowerFactor(bm, h, w, l)) return false;
        var lInverse = _l.AsSpan(_lOffset[b], w * w);
        DenseKernels.InvertLower(l, w, lInverse);
        int kb = _jOffset[b + 1] - _jOffset[b], rb = _rank[b];
        if (rb == 0) return true;
        // Y V_b (column-major w x r_b) with Y = L^-1 E_J (the block's coupled columns of L^-1); its Gram is V_b' Q_b V_b = R R'.
        var yv = sc.Work2.AsSpan(0, w * rb);
        var v = _v.AsSpan(_vOffset[b], kb * rb);
        yv.Clear();
        for (int k = 0; k < rb; k++)
            for (int t = 0; t < kb; t++)
            {
                double vt = v[t * rb + k];
                if (vt == 0) continue;
                int jt = _jLocal[_jOffset[b] + t];
                var out_ = yv.Slice(k * w, w);
                for (int i = jt; i < w; i++) out_[i] += vt * lInverse[i * w + jt];
            }
        return DenseKernels.QrLowerFactor(yv, w, rb, _r.AsSpan(_rOffset[b], rb * rb));
    }

    /// <summary>Columns [c0, c0 + r_b) of the (zeroed) chunk (row stride <paramref name="stride"/>) get Z_b = (G_b V_b) R on the rows G_b touches, at their compact positions <paramref name="pos"/>.</summary>
    private void WriteZ(int b, Span<double> chunk, int stride, int c0, int[] pos)
    {
        int rb = _rank[b];
        var rf = _r.AsSpan(_rOffset[b], rb * rb);
        if (_tOffset[b] >= 0)
        {
            // Z_b = X̃[rows] (T_b R): TR = T_b R (basis columns x r_b, R lower triangular), then a row of X̃ times TR per row.
            int dc = _basisColumns;
            Span<double> tr = stackalloc double[dc * rb];
            var tb = _t.AsSpan(_tOffset[b], dc * rb);
            for (int f = 0; f < dc; f++)
                for (int e = 0; e < rb; e++)
                {
                    double acc = 0;
                    for (int t = e; t < rb; t++) acc += tb[f * rb + t] * rf[t * rb + e];
                    tr[f * rb + e] = acc;
                }
            for (int i = _redOffset[b]; i < _redOffset[b + 1]; i++)
            {
                var xi = _basis.AsSpan(_redRows[i] * dc, dc);
                var z = chunk.Slice(pos[_redRows[i]] * stride + c0, rb);
                for (int e = 0; e < rb; e++)
                {
                    double acc = 0;
                    for (int f = 0; f < dc; f++) acc += xi[f] * tr[f * rb + e];
                    z[e] = acc;
                }
            }
            return;
        }
        for (int i = _redOffset[b]; i < _redOffset[b + 1]; i++)
        {
            var g = _redVal.AsSpan(_redValOffset[b] + (i - _redOffset[b]) * rb, rb);
            var z = chunk.Slice(pos[_redRows[i]] * stride + c0, rb);
            // z_s = sum_{t >= s} g_t R[t, s] (R lower triangular).
            for (int s = 0; s < rb; s++)
            {
                double acc = 0;
                for (int t = s; t < rb; t++) acc += g[t] * rf[t * rb + s];
                z[s] = acc;
            }
        }
    }

    /// <inheritdoc/>
    public bool Solve(ReadOnlySpan<double> rhsX, ReadOnlySpan<double> rhsZ, Span<double> x, Span<double> z)
    {
        if (!_factored) return false;
        var sol = _sol.AsSpan();
        rhsX.CopyTo(_rhs); rhsZ.CopyTo(_rhs.AsSpan(_n));
        SolveOnce(_rhs, _sol);
        // Iterative refinement against the exact system, while it pays; skipped once a solve with this factorization
        // needed no correction (SolverSettings.RefinementTrustAccurateFactorization).
        _refinement.RunUnlessAccurate(this, VectorOps.NormInf(_rhs), ref _accurate);
        sol[.._n].CopyTo(x); sol[_n..].CopyTo(z);
        return VectorOps.AllFinite(sol);
    }

    /// <summary>One elimination pass: rhs = [r_x; r_z] to sol = [x; z] (blocks in parallel).</summary>
    private void SolveOnce(double[] rhs, double[] sol)
    {
        long t0 = SolverProfile.Start();
        // Per block: t_b = S_b^-1 r~_b with r~_b = r_b + A_b' H_b^-1 r_zb (kept in x_b); each worker sums G_b t_b.
        ForEachPart((w, b0, b1) =>
        {
            Array.Clear(w.Z0);
            for (int b = b0; b < b1; b++) EliminateBlock(b, rhs, sol, w);
        });
        // z0 = M^-1 (A_0c P_c^-1 r_c - r_0 + sum_b G_b t_b).
        var z0 = sol.AsSpan(_n, _nc);
        for (int i = 0; i < _nc; i++) z0[i] = -rhs[_n + i];
        foreach (var w in _scratch) VectorOps.Axpy(1.0, w.Z0, z0);
        for (int j = 0; j < _mc; j++)
        {
            double v = rhs[j] / _pc[j];
            for (int q = _a.ColumnPointers[j]; q < _a.ColumnPointers[j + 1]; q++) z0[_a.RowIndices[q]] += _a.Values[q] * v;
        }
        DenseKernels.CholeskySolve(_mFactor, _nc, z0);
        // x_c = P_c^-1 (r_c - A_0c' z0).
        for (int j = 0; j < _mc; j++)
        {
            double v = rhs[j];
            for (int q = _a.ColumnPointers[j]; q < _a.ColumnPointers[j + 1]; q++) v -= _a.Values[q] * z0[_a.RowIndices[q]];
            sol[j] = v / _pc[j];
        }
        ForEachPart((w, b0, b1) =>
        {
            for (int b = b0; b < b1; b++) BackSubstituteBlock(b, rhs, sol, w);
        });
        SolverProfile.Stop(ProfilePhase.SolvePass, t0);
    }

    /// <summary>x_b = t_b = S_b^-1 (r_b + A_b' H_b^-1 r_zb) and w.Z0 += G_b t_b.</summary>
    private void EliminateBlock(int b, double[] rhs, double[] sol, Scratch w)
    {
        int c0 = _layout.BlockColumns[b], width = _layout.BlockColumns[b + 1] - c0;
        int r0 = _layout.BlockRows[b], h = _layout.BlockRows[b + 1] - r0;
        var tb = sol.AsSpan(c0, width);
        var hinv = w.Work.AsSpan(0, h);
        ApplyHInverse(b, rhs.AsSpan(_n + r0, h), hinv, w);
        var rt = w.Work2.AsSpan(0, width);
        rhs.AsSpan(c0, width).CopyTo(rt);
        // r~_b = r_b + A_b' hinv; t_b = S_b^-1 r~_b.
        AddBlockTransposeProduct(b, hinv, rt, 1.0);
        DenseKernels.SolveWithInverseFactor(_l.AsSpan(_lOffset[b], width * width), width, rt, w.Work2.AsSpan(width, width), tb);
        AddCouplingProduct(b, tb, w.Z0, w.ColBuf);
    }

    /// <summary>x_b = t_b - S_b^-1 G_b' z0, then z_b = H_b^-1 (A_b x_b - r_zb).</summary>
    private void BackSubstituteBlock(int b, double[] rhs, double[] sol, Scratch w)
    {
        int c0 = _layout.BlockColumns[b], width = _layout.BlockColumns[b + 1] - c0;
        int r0 = _layout.BlockRows[b], h = _layout.BlockRows[b + 1] - r0;
        var z0 = sol.AsSpan(_n, _nc);
        var g = w.Work2.AsSpan(0, width);
        var sg = w.Work2.AsSpan(width, width);
        g.Clear();
        CouplingTransposeProduct(b, z0, g, w.ColBuf);
        DenseKernels.SolveWithInverseFactor(_l.AsSpan(_lOffset[b], width * width), width, g, w.Work2.AsSpan(2 * width, width), sg);
        var xb = sol.AsSpan(c0, width);
        for (int c = 0; c < width; c++) xb[c] -= sg[c];
        var v2 = w.Work.AsSpan(0, h);
        // v2 = A_b x_b - r_zb, row by row.
        for (int i = 0; i < h; i++) v2[i] = AddBlockRow(r0 + i, xb, -rhs[_n + r0 + i], 1.0);
        ApplyHInverse(b, v2, sol.AsSpan(_n + r0, h), w);
    }

    /// <summary>acc += G_b y_J = (G_b V_b)(V_b' y_J) over the rows G_b touches (y_J: the block's coupled entries of y).</summary>
    private void AddCouplingProduct(int b, ReadOnlySpan<double> yb, Span<double> acc, Span<double> tmp)
    {
        int rb = _rank[b];
        if (rb == 0) return;
        var c = tmp[..rb];
        ReduceCoupled(b, yb, c);
        int i0 = _redOffset[b], i1 = _redOffset[b + 1];
        var rows = _redRows.AsSpan(i0, i1 - i0);
        if (_tOffset[b] >= 0)
        {
            // acc[row_i] += X̃_i · e with e = T_b c.
            Span<double> e = stackalloc double[_basisColumns];
            MultiplyT(b, c, e);
            AddBasisProduct(rows, e, acc);
            return;
        }
        var g = _redVal.AsSpan(_redValOffset[b], (i1 - i0) * rb);
        // acc[row_i] += (G_b V_b)_i · c, unrolled for the common ranks 3 and 4.
        if (rb == 3)
        {
            double c0 = c[0], c1 = c[1], c2 = c[2];
            for (int i = 0; i < rows.Length; i++) acc[rows[i]] += g[3 * i] * c0 + g[3 * i + 1] * c1 + g[3 * i + 2] * c2;
        }
        else if (rb == 4)
        {
            double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
            for (int i = 0; i < rows.Length; i++) acc[rows[i]] += g[4 * i] * c0 + g[4 * i + 1] * c1 + g[4 * i + 2] * c2 + g[4 * i + 3] * c3;
        }
        else
            for (int i = 0; i < rows.Length; i++)
            {
                var gi = g.Slice(i * rb, rb);
                double sum = 0;
                for (int k = 0; k < rb; k++) sum += gi[k] * c[k];
                acc[rows[i]] += sum;
            }
    }

    /// <summary>out_J = G_b' z0 = V_b ((G_b V_b)' z0) on the block's coupled entries (others untouched).</summary>
    private void CouplingTransposeProduct(int b, ReadOnlySpan<double> z0, Span<double> outb, Span<double> tmp)
    {
        int kb = _jOffset[b + 1] - _jOffset[b], rb = _rank[b];
        if (rb == 0) { for (int t = 0; t < kb; t++) outb[_jLocal[_jOffset[b] + t]] = 0; return; }
        var c = tmp[..rb];
        c.Clear();
        int i0 = _redOffset[b], i1 = _redOffset[b + 1];
        var rows = _redRows.AsSpan(i0, i1 - i0);
        if (_tOffset[b] >= 0)
        {
            // c = T_b' (X̃[rows]' z0[rows]).
            Span<double> sx = stackalloc double[_basisColumns];
            BasisTransposeProduct(rows, z0, sx);
            MultiplyTTransposed(b, sx, c);
        }
        else
        {
        var g = _redVal.AsSpan(_redValOffset[b], (i1 - i0) * rb);
        // c = (G_b V_b)' z0 over the rows G_b touches, unrolled for the common ranks 3 and 4.
        if (rb == 3)
        {
            double c0 = 0, c1 = 0, c2 = 0;
            for (int i = 0; i < rows.Length; i++) { double zi = z0[rows[i]]; c0 += g[3 * i] * zi; c1 += g[3 * i + 1] * zi; c2 += g[3 * i + 2] * zi; }
            c[0] = c0; c[1] = c1; c[2] = c2;
        }
        else if (rb == 4)
        {
            double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
            for (int i = 0; i < rows.Length; i++) { double zi = z0[rows[i]]; c0 += g[4 * i] * zi; c1 += g[4 * i + 1] * zi; c2 += g[4 * i + 2] * zi; c3 += g[4 * i + 3] * zi; }
            c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3;
        }
        else
            for (int i = 0; i < rows.Length; i++)
            {
                double zi = z0[rows[i]];
                if (zi == 0) continue;
                var gi = g.Slice(i * rb, rb);
                for (int k = 0; k < rb; k++) c[k] += gi[k] * zi;
            }
        }
        ExpandCoupled(b, c, outb);
    }

    /// <summary>
    /// Both coupling products of a block with a scaled basis in one pass over its rows: acc += G_b y_J and out_J = G_b' z0
    /// (as <see cref="AddCouplingProduct"/> and <see cref="CouplingTransposeProduct"/>): with e = T_b V_b' y_J,
    /// acc[r] += X̃_r · e and s += X̃_r z0[r] over the rows r, then out_J = V_b T_b' s.
    /// </summary>
    private void BasisProducts(int b, ReadOnlySpan<double> yb, ReadOnlySpan<double> z0, Span<double> acc, Span<double> outb, Span<double> tmp)
    {
        int kb = _jOffset[b + 1] - _jOffset[b], rb = _rank[b], dc = _basisColumns;
        if (rb == 0) { for (int t = 0; t < kb; t++) outb[_jLocal[_jOffset[b] + t]] = 0; return; }
        // c = V_b' y_J, e = T_b c.
        var c = tmp[..rb];
        ReduceCoupled(b, yb, c);
        Span<double> e = stackalloc double[dc];
        Span<double> sx = stackalloc double[dc];
        MultiplyT(b, c, e);
        var rows = _redRows.AsSpan(_redOffset[b], _redOffset[b + 1] - _redOffset[b]);
        var x = _basis;
        if (dc == 3)
        {
            double e0 = e[0], e1 = e[1], e2 = e[2], s0 = 0, s1 = 0, s2 = 0;
            foreach (int r in rows)
            {
                double x0 = x[3 * r], x1 = x[3 * r + 1], x2 = x[3 * r + 2], zr = z0[r];
                acc[r] += x0 * e0 + x1 * e1 + x2 * e2;
                s0 += x0 * zr; s1 += x1 * zr; s2 += x2 * zr;
            }
            sx[0] = s0; sx[1] = s1; sx[2] = s2;
        }
        else
        {
            AddBasisProduct(rows, e, acc);
            BasisTransposeProduct(rows, z0, sx);
        }
        // out_J = V_b (T_b' s).
        MultiplyTTransposed(b, sx, c);
        ExpandCoupled(b, c, outb);
    }

    /// <summary>c = V_b' y_J (the block's coupled entries of y in the basis of range(G_b')).</summary>
    private void ReduceCoupled(int b, ReadOnlySpan<double> yb, Span<double> c)
    {
        int kb = _jOffset[b + 1] - _jOffset[b], rb = _rank[b];
        var v = _v.AsSpan(_vOffset[b], kb * rb);
        c.Clear();
        for (int t = 0; t < kb; t++)
        {
            double yt = yb[_jLocal[_jOffset[b] + t]];
            if (yt == 0) continue;
            for (int k = 0; k < rb; k++) c[k] += v[t * rb + k] * yt;
        }
    }

    /// <summary>out_J = V_b c on the block's coupled entries.</summary>
    private void ExpandCoupled(int b, ReadOnlySpan<double> c, Span<double> outb)
    {
        int kb = _jOffset[b + 1] - _jOffset[b], rb = _rank[b];
        var v = _v.AsSpan(_vOffset[b], kb * rb);
        for (int t = 0; t < kb; t++)
        {
            double sum = 0;
            for (int k = 0; k < rb; k++) sum += v[t * rb + k] * c[k];
            outb[_jLocal[_jOffset[b] + t]] = sum;
        }
    }

    /// <summary>e = T_b c (a basis block: basis columns x r_b).</summary>
    private void MultiplyT(int b, ReadOnlySpan<double> c, Span<double> e)
    {
        int rb = _rank[b], dc = _basisColumns;
        var tb = _t.AsSpan(_tOffset[b], dc * rb);
        for (int f = 0; f < dc; f++)
        {
            double sum = 0;
            for (int k = 0; k < rb; k++) sum += tb[f * rb + k] * c[k];
            e[f] = sum;
        }
    }

    /// <summary>c = T_b' s (a basis block).</summary>
    private void MultiplyTTransposed(int b, ReadOnlySpan<double> s, Span<double> c)
    {
        int rb = _rank[b], dc = _basisColumns;
        var tb = _t.AsSpan(_tOffset[b], dc * rb);
        c[..rb].Clear();
        for (int f = 0; f < dc; f++)
            for (int k = 0; k < rb; k++) c[k] += tb[f * rb + k] * s[f];
    }

    /// <summary>acc[rows[i]] += X̃_(rows[i]) · e (the scaled basis rows; unrolled for 3 and 4 basis columns).</summary>
    private void AddBasisProduct(ReadOnlySpan<int> rows, ReadOnlySpan<double> e, Span<double> acc)
    {
        var x = _basis;
        switch (_basisColumns)
        {
            case 3:
            {
                double e0 = e[0], e1 = e[1], e2 = e[2];
                foreach (int r in rows) acc[r] += x[3 * r] * e0 + x[3 * r + 1] * e1 + x[3 * r + 2] * e2;
                break;
            }
            case 4:
            {
                double e0 = e[0], e1 = e[1], e2 = e[2], e3 = e[3];
                foreach (int r in rows) acc[r] += x[4 * r] * e0 + x[4 * r + 1] * e1 + x[4 * r + 2] * e2 + x[4 * r + 3] * e3;
                break;
            }
            default:
            {
                int dc = _basisColumns;
                foreach (int r in rows) acc[r] += DenseKernels.Dot(x.AsSpan(r * dc, dc), e);
                break;
            }
        }
    }

    /// <summary>s = X̃[rows]' z[rows] (unrolled for 3 and 4 basis columns).</summary>
    private void BasisTransposeProduct(ReadOnlySpan<int> rows, ReadOnlySpan<double> z, Span<double> s)
    {
        var x = _basis;
        switch (_basisColumns)
        {
            case 3:
            {
                double s0 = 0, s1 = 0, s2 = 0;
                foreach (int r in rows) { double zr = z[r]; s0 += x[3 * r] * zr; s1 += x[3 * r + 1] * zr; s2 += x[3 * r + 2] * zr; }
                s[0] = s0; s[1] = s1; s[2] = s2;
                break;
            }
            case 4:
            {
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                foreach (int r in rows) { double zr = z[r]; s0 += x[4 * r] * zr; s1 += x[4 * r + 1] * zr; s2 += x[4 * r + 2] * zr; s3 += x[4 * r + 3] * zr; }
                s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
                break;
            }
            default:
            {
                int dc = _basisColumns;
                s.Clear();
                foreach (int r in rows) VectorOps.Axpy(z[r], x.AsSpan(r * dc, dc), s);
                break;
            }
        }
    }

    /// <summary>y = H_b^-1 v = W^-1 (W^-1 v) over the cones of block b (W symmetric).</summary>
    private void ApplyHInverse(int b, ReadOnlySpan<double> v, Span<double> y, Scratch w)
    {
        int r0 = _layout.BlockRows[b];
        var tmp = w.ColBuf.AsSpan(0, v.Length);
        for (int k = _blockCones[b]; k < _blockCones[b + 1]; k++)
        {
            var cone = _cones.Cones[k]; int o = _cones.Offset(k) - r0, d = cone.Dimension;
            // (W'W)^-1 = W^-1 W^-T.
            cone.MultiplyWInverseTranspose(v.Slice(o, d), tmp.Slice(o, d));
            cone.MultiplyWInverse(tmp.Slice(o, d), y.Slice(o, d));
        }
    }

    /// <summary>_res = b - K sol for K = [[P, A'], [A, -W'W]], block by block in parallel; returns ||_res||_inf.</summary>
    double IRefinementTarget.ComputeResidual()
    {
        long t0 = SolverProfile.Start();
        double[] x = _residualSource;
        _sol.CopyTo(x, 0);
        // Blocks: r_xb = b_xb - A_b' z_b - G_b' z_0;  r_zb = b_zb - A_b x_b + W'W z_b;  each worker sums G_b x_b.
        ForEachPart((w, b0, b1) =>
        {
            Array.Clear(w.Z0);
            for (int b = b0; b < b1; b++) BlockResidual(b, x, w);
        });
        var r = _res.AsSpan();
        var z0 = x.AsSpan(_n, _nc);
        // Coupling rows: r_z0 = b_z0 - A_0c x_c - sum_b G_b x_b + H_0 z_0.
        for (int i = 0; i < _nc; i++) r[_n + i] = _rhs[_n + i];
        foreach (var w in _scratch) VectorOps.Axpy(-1.0, w.Z0, r.Slice(_n, _nc));
        for (int k = 0; k < _couplingConeEnd; k++)
        {
            var c = _cones.Cones[k]; int o = _cones.Offset(k), d = c.Dimension;
            c.MultiplyW(z0.Slice(o, d), _hz.AsSpan(o, d));
            c.MultiplyWTranspose(_hz.AsSpan(o, d), _hhz.AsSpan(o, d));
            for (int i = 0; i < d; i++) r[_n + o + i] += _hhz[o + i];
        }
        // Coupling variables: r_xc = b_xc - P_c x_c - A_0c' z_0, and their share of the coupling rows.
        for (int j = 0; j < _mc; j++)
        {
            double v = _rhs[j] - _pc[j] * x[j];
            for (int q = _a.ColumnPointers[j]; q < _a.ColumnPointers[j + 1]; q++)
            {
                v -= _a.Values[q] * z0[_a.RowIndices[q]];
                r[_n + _a.RowIndices[q]] -= _a.Values[q] * x[j];
            }
            r[j] = v;
        }
        SolverProfile.Stop(ProfilePhase.RefinementResidual, t0);
        return VectorOps.NormInf(r);
    }

    /// <summary>
    /// y = Â x by blocks (in parallel): y_b = A_b x_b on each block's rows, y_0 = A_0c x_c + sum_b G_b x_b on the coupling
    /// rows (G_b x_b = (G_b V_b)(V_b' x_J), from the scaled basis where the block has one).
    /// </summary>
    public void Multiply(ReadOnlySpan<double> x, Span<double> y)
    {
        long t0 = SolverProfile.Start();
        x.CopyTo(_residualSource);
        var xs = _residualSource;
        var result = _res;
        ForEachPart((w, b0, b1) =>
        {
            Array.Clear(w.Z0);
            for (int b = b0; b < b1; b++)
            {
                int c0 = _layout.BlockColumns[b], r0 = _layout.BlockRows[b], h = _layout.BlockRows[b + 1] - r0;
                var xb = xs.AsSpan(c0, _layout.BlockColumns[b + 1] - c0);
                // y_b = A_b x_b, row by row.
                for (int i = 0; i < h; i++) result[r0 + i] = AddBlockRow(r0 + i, xb, 0.0, 1.0);
                AddCouplingProduct(b, xb, w.Z0, w.ColBuf);
            }
        });
        // y_0 = sum over the workers of sum_b G_b x_b + A_0c x_c.
        var y0 = result.AsSpan(0, _nc);
        y0.Clear();
        foreach (var w in _scratch) VectorOps.Axpy(1.0, w.Z0, y0);
        for (int j = 0; j < _mc; j++)
            for (int q = _a.ColumnPointers[j]; q < _a.ColumnPointers[j + 1]; q++) y0[_a.RowIndices[q]] += _a.Values[q] * xs[j];
        result.AsSpan(0, _m).CopyTo(y);
        SolverProfile.Stop(ProfilePhase.StructuredProduct, t0);
    }

    /// <summary>y = Â' z by blocks (in parallel): y_c = A_0c' z_0, y_b = A_b' z_b + G_b' z_0.</summary>
    public void MultiplyTransposed(ReadOnlySpan<double> z, Span<double> y)
    {
        long t0 = SolverProfile.Start();
        z.CopyTo(_residualSource.AsSpan(0, _m));
        var zs = _residualSource;
        var result = _res;
        ForEachPart((w, b0, b1) =>
        {
            for (int b = b0; b < b1; b++)
            {
                int c0 = _layout.BlockColumns[b], width = _layout.BlockColumns[b + 1] - c0;
                int r0 = _layout.BlockRows[b], h = _layout.BlockRows[b + 1] - r0;
                var yb = result.AsSpan(c0, width);
                // y_b = G_b' z_0 on the coupled entries (zero elsewhere), then += A_b' z_b.
                yb.Clear();
                CouplingTransposeProduct(b, zs.AsSpan(0, _nc), yb, w.ColBuf);
                AddBlockTransposeProduct(b, zs.AsSpan(r0, h), yb, 1.0);
            }
        });
        for (int j = 0; j < _mc; j++)
        {
            double sum = 0;
            for (int q = _a.ColumnPointers[j]; q < _a.ColumnPointers[j + 1]; q++) sum += _a.Values[q] * zs[_a.RowIndices[q]];
            result[j] = sum;
        }
        result.AsSpan(0, _n).CopyTo(y);
        SolverProfile.Stop(ProfilePhase.StructuredProduct, t0);
    }

    /// <summary>_corr = K^-1 _res by one elimination pass.</summary>
    void IRefinementTarget.SolveCorrection() => SolveOnce(_res, _corr);

    /// <summary>sol += sign · _corr.</summary>
    void IRefinementTarget.AddCorrection(double sign) => VectorOps.Axpy(sign, _corr, _sol);

    private void BlockResidual(int b, double[] x, Scratch w)
    {
        int c0 = _layout.BlockColumns[b], width = _layout.BlockColumns[b + 1] - c0;
        int r0 = _layout.BlockRows[b], h = _layout.BlockRows[b + 1] - r0;
        var xb = x.AsSpan(c0, width); var zb = x.AsSpan(_n + r0, h); var z0 = x.AsSpan(_n, _nc);
        var rx = _res.AsSpan(c0, width); var rz = _res.AsSpan(_n + r0, h);
        _rhs.AsSpan(c0, width).CopyTo(rx);
        // r_xb -= A_b' z_b.
        AddBlockTransposeProduct(b, zb, rx, -1.0);
        // r_xb -= G_b' z_0 and the coupling rows collect G_b x_b.
        var gz = w.Work2.AsSpan(0, width);
        if (_tOffset[b] >= 0) BasisProducts(b, xb, z0, w.Z0, gz, w.ColBuf);
        else { CouplingTransposeProduct(b, z0, gz, w.ColBuf); AddCouplingProduct(b, xb, w.Z0, w.ColBuf); }
        for (int t = _jOffset[b]; t < _jOffset[b + 1]; t++) rx[_jLocal[t]] -= gz[_jLocal[t]];
        // r_zb = b_zb - A_b x_b + W (W z_b).
        var wz = w.ColBuf.AsSpan(0, h); var wwz = w.Work2.AsSpan(0, h);
        for (int k = _blockCones[b]; k < _blockCones[b + 1]; k++)
        {
            var cone = _cones.Cones[k]; int o = _cones.Offset(k) - r0, d = cone.Dimension;
            cone.MultiplyW(zb.Slice(o, d), wz.Slice(o, d));
            cone.MultiplyWTranspose(wz.Slice(o, d), wwz.Slice(o, d));
        }
        for (int i = 0; i < h; i++) rz[i] = AddBlockRow(r0 + i, xb, _rhs[_n + r0 + i] + wwz[i], -1.0);
    }

    /// <summary>
    /// sum + sign (A_b x_b)_i for block row <paramref name="row"/>, accumulated entry by entry onto <paramref name="sum"/>
    /// (sign ±1: each term is ±a x exactly).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private double AddBlockRow(int row, ReadOnlySpan<double> xb, double sum, double sign)
    {
        for (int q = _aPtr[row - _nc]; q < _aPtr[row - _nc + 1]; q++) sum += sign * _aVal[q] * xb[_aCol[q]];
        return sum;
    }

    /// <summary>y_b += sign A_b' z_b row by row (z_b on the block's rows; zero entries skipped; sign ±1).</summary>
    private void AddBlockTransposeProduct(int b, ReadOnlySpan<double> zb, Span<double> yb, double sign)
    {
        int p0 = _layout.BlockRows[b] - _nc;
        for (int i = 0; i < zb.Length; i++)
        {
            double zi = zb[i];
            if (zi == 0) continue;
            for (int q = _aPtr[p0 + i]; q < _aPtr[p0 + i + 1]; q++) yb[_aCol[q]] += sign * _aVal[q] * zi;
        }
    }
}
