using static ExactConvexNN.Numerics.VectorNorm;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Programs;

/// <summary>
/// The convex program of Pilanci and Ergen (ICML 2020) for a two-layer ReLU network with scalar output and squared loss:
/// <code>
///   minimize  1/2 || sum_i D_i X (u_i - v_i) - y ||^2 + beta sum_i (||u_i||_2 + ||v_i||_2)
///   s.t.      (2 D_i - I) X u_i >= 0,  (2 D_i - I) X v_i >= 0,
/// </code>
/// one block (u_i, v_i) per chamber D_i of the arrangement. Its optimal value equals the optimum of the network
/// objective 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2) (the weight decay beta/2 on both layers becomes
/// beta on the group norms after the rescaling |w_j| = ||u_j||, which is optimal). With facet reduction each block
/// keeps only its chamber's facet rows, which describe the same cone.
/// <para>
/// Conic form (min 1/2 x'Px + q'x s.t. Ax + s = b, s in K). Variables: the residual e (n), then per block
/// [t_i, u_i (d), s_i, v_i (d)]. Rows: n equality rows e - sum_i D_i X (u_i - v_i) = -y (zero cone); per block the
/// second-order cones (t_i, u_i) and (s_i, v_i) (rows -I), then the sign rows -(2D-I)_jj x_j'u_i and the same for v_i
/// (nonnegative cones). P = diag(1 on e), q = beta on every t_i and s_i.
/// </para>
/// <para>
/// Other losses and several outputs (<see cref="Build(double[,], double[,], double, IReadOnlyList{Chamber}, Models.LossFunction, bool, int?)"/>):
/// minimize L(F, Y) + beta sum_(i,o) (||u_io|| + ||v_io||) with F_o = sum_i D_i X (u_io - v_io), one block per chamber
/// and output (O scalar sub-networks that share nothing but the loss), and the loss's conic form as the coupling part
/// (<see cref="ConicLoss"/>): the blocks' outputs enter its rows where the squared loss has its equality rows.
/// </para>
/// <para>
/// The two-layer ReLU CNN of Ergen &amp; Pilanci (f(x) = sum_j w_j sum_k (x_k'u_j)_+) has the same program over the
/// stacked patch matrix X = [X_1; ...; X_K] (patch-major, <see cref="PatchMatrix"/>): D_i runs over the chambers of
/// the arrangement of all n K patch rows, and the residual of sample s sums the rows of its K patches,
/// e_s = sum_i sum_k (D_ik X_k (u_i - v_i))_s - y_s. Fully connected networks are the case K = 1.
/// </para>
/// </summary>
public sealed class ConvexReluProgram : Models.IConvexProgram
{
    /// <summary>The conic program.</summary>
    public ConicProblem Problem { get; }
    /// <summary>Samples n (row j of X belongs to sample j mod n).</summary>
    public int Samples { get; }
    /// <summary>Outputs O (one block per chamber and output).</summary>
    public int OutputCount { get; }
    /// <summary>Rows of X: n K patch rows (n when fully connected).</summary>
    public int Rows => _x.GetLength(0);
    /// <summary>Columns d of X (including a bias column, if any).</summary>
    public int Features { get; }
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>The loss.</summary>
    public Models.LossFunction Loss { get; }
    /// <summary>The chamber of each block (block b feeds output b mod O; the all-zero chamber, which adds nothing, is left out).</summary>
    public IReadOnlyList<Chamber> Blocks { get; }
    /// <summary>Sign rows used by each block: its facet rows, or every nonzero row without reduction, for chambers found by
    /// sampling and for thin chambers (<see cref="ChamberCone.Rows"/>).</summary>
    public IReadOnlyList<int[]> BlockRows { get; }
    /// <summary>Number of sign rows the program has (both u and v of every block).</summary>
    public long SignRows { get; }
    /// <summary>Number of sign rows the unreduced program would have: 2 n K per block.</summary>
    public long UnreducedSignRows => 2L * Rows * Blocks.Count;
    /// <summary>True when blocks keep only their facet rows.</summary>
    public bool FacetReduced { get; }

    private readonly int[] _rowOffset;       // first row of each chamber block, then of each loss block, then the end
    private readonly int[] _colOffset;       // first column of each chamber block, then of each loss block, then the end
    private readonly double[,] _x;
    private readonly double[,] _y;
    private readonly ConicLoss _conic;

    /// <summary>
    /// The block-angular structure for <see cref="BlockAngularKktSolver"/>: the loss's coupling variables and rows (for the
    /// squared loss the residual e and the n O equality rows) couple the blocks; each chamber block's variables
    /// [t, u, s, v] and each sample's loss variables appear only in their own rows and the coupling rows.
    /// </summary>
    public BlockAngularLayout Layout
    {
        get
        {
            var basis = CouplingBasis();
            return new(_conic.CouplingVariables, _conic.CouplingRows, _colOffset, _rowOffset)
            {
                CouplingBasis = basis, CouplingBasisColumns = Features, CouplingFeature = basis is null ? null : CouplingFeatures(),
            };
        }
    }

    /// <summary>
    /// The basis of the coupling columns for <see cref="BlockAngularLayout.CouplingBasis"/>: row r of the loss's coupling
    /// rows is x_s for the sample s whose loss rows include r (column k of u_i or v_i has the entries c_r x_sk over the
    /// chamber's active samples, c_r the loss coefficient). Null for a CNN (a sample's entry sums its active patches) or when
    /// a coupling row belongs to several samples.
    /// </summary>
    private double[]? CouplingBasis()
    {
        int n = Samples, d = Features, nc = _conic.CouplingRows;
        if (Rows != n) return null;
        var owner = new int[nc]; Array.Fill(owner, -1);
        for (int s = 0; s < n; s++)
            for (int o = 0; o < OutputCount; o++)
                foreach (var (r, _) in _conic.F[s * OutputCount + o])
                {
                    if (owner[r] >= 0 && owner[r] != s) return null;
                    owner[r] = s;
                }
        var basis = new double[nc * d];
        for (int r = 0; r < nc; r++)
            if (owner[r] >= 0) for (int k = 0; k < d; k++) basis[r * d + k] = _x[owner[r], k];
        return basis;
    }

    /// <summary>Per column: feature k for u_i[k] and v_i[k] of every chamber block, -1 for the rest.</summary>
    private int[] CouplingFeatures()
    {
        int d = Features;
        var feature = new int[_colOffset[^1]];
        Array.Fill(feature, -1);
        for (int b = 0; b < Blocks.Count; b++)
            for (int k = 0; k < d; k++) { feature[_colOffset[b] + 1 + k] = k; feature[_colOffset[b] + d + 2 + k] = k; }
        return feature;
    }

    /// <summary>
    /// True when the program fits <see cref="BlockAngularKktSolver"/> (<see cref="Layout"/>): every loss but the logistic and
    /// cross-entropy ones, whose exponential cones are nonsymmetric and need the general KKT solver.
    /// </summary>
    public bool FitsBlockAngular => _conic.Symmetric;

    /// <summary>Index of the first variable of chamber block b ([t, u, s, v], 2(d+1) variables).</summary>
    public int BlockVariable(int b) => _colOffset[b];

    /// <summary>The output block b feeds.</summary>
    public int BlockOutput(int b) => b % OutputCount;

    private ConvexReluProgram(ConicProblem problem, double[,] x, double[,] y, int samples, double beta, Models.LossFunction loss, ConicLoss conic,
        Chamber[] blocks, int[][] rows, int[] rowOffset, int[] colOffset, bool reduced)
    {
        Problem = problem; _x = x; _y = y; Samples = samples; OutputCount = y.GetLength(1); Features = x.GetLength(1); Beta = beta;
        Loss = loss; _conic = conic;
        Blocks = blocks; BlockRows = rows; _rowOffset = rowOffset; _colOffset = colOffset; FacetReduced = reduced;
        SignRows = 2L * rows.Sum(r => (long)r.Length);
    }

    /// <summary>
    /// Builds the squared-loss program with one output for features <paramref name="x"/> (n x d, with the bias column
    /// already appended if wanted), targets <paramref name="y"/> and the given chambers; see the general overload.
    /// </summary>
    /// <exception cref="InputException">beta is negative or not finite, or the sizes disagree.</exception>
    public static ConvexReluProgram Build(double[,] x, double[] y, double beta, IReadOnlyList<Chamber> chambers, bool reduceToFacets = true, int? samples = null)
    {
        ArgumentNullException.ThrowIfNull(y);
        return Build(x, ClassTargets.Column(y), beta, chambers, Models.LossFunction.Create(Models.LossKind.Squared), reduceToFacets, samples);
    }

    /// <summary>
    /// Builds the program for features <paramref name="x"/> (n x d, with the bias column already appended if wanted),
    /// encoded targets <paramref name="y"/> (n x O), the loss and the given chambers. With <paramref name="reduceToFacets"/>
    /// each block keeps its facet rows (chambers found by sampling have none recorded, and thin chambers cannot trust
    /// theirs in doubles: both keep every nonzero row, see <see cref="ChamberCone"/>).
    /// </summary>
    /// <param name="x">The features (n x d) or the stacked patch matrix (n K x d, patch-major).</param>
    /// <param name="y">The encoded targets (n x O).</param>
    /// <param name="beta">The regularization strength.</param>
    /// <param name="chambers">The chambers of the arrangement of <paramref name="x"/>'s rows, one block each per output.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="reduceToFacets">Keep only each chamber's facet rows.</param>
    /// <param name="samples">The number of samples n when <paramref name="x"/> stacks K patches per sample; null for n = rows.</param>
    /// <exception cref="InputException">beta is negative or not finite, the sizes disagree, or the loss has no conic form yet.</exception>
    public static ConvexReluProgram Build(double[,] x, double[,] y, double beta, IReadOnlyList<Chamber> chambers, Models.LossFunction loss, bool reduceToFacets = true, int? samples = null)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(chambers); ArgumentNullException.ThrowIfNull(loss);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        int rowsX = x.GetLength(0), d = x.GetLength(1), n = samples ?? rowsX, o = y.GetLength(1);
        if (n < 1 ? rowsX != 0 : rowsX % n != 0) throw new InputException($"{rowsX} patch rows are not a whole number of patches for {n} samples");
        if (y.GetLength(0) != n) throw new InputException($"{n} samples but {y.GetLength(0)} targets");
        if (o < 1) throw new InputException("the targets have no columns");
        if (chambers.Any(c => c.Rows != rowsX)) throw new InputException($"the chambers were enumerated for other data (not {rowsX} rows)");
        var conic = ConicLoss.Build(loss, y);

        var nonzeroRows = ChamberCone.NonzeroRows(x);
        var distinct = chambers.Where(c => !c.IsAllZero).ToArray();
        long facetClock = SolverProfile.Start();
        var distinctRows = distinct.Select(c => reduceToFacets ? ChamberCone.Rows(x, c, nonzeroRows) : nonzeroRows).ToArray();
        SolverProfile.Stop(ProfilePhase.FacetRows, facetClock);
        // One block per chamber and output, chamber-major: block b is chamber b / O feeding output b mod O.
        int nb = checked(distinct.Length * o), width = 2 * (d + 1);
        var blocks = new Chamber[nb];
        var rows = new int[nb][];
        for (int b = 0; b < nb; b++) { blocks[b] = distinct[b / o]; rows[b] = distinctRows[b / o]; }
        int lossBlocks = conic.BlockVariables > 0 ? n : 0;
        int mc = conic.CouplingVariables, nc = conic.CouplingRows;

        // Row layout: coupling rows, then per chamber block [SOC u (d+1), SOC v (d+1), sign rows u, sign rows v], then the loss blocks.
        var rowOffset = new int[nb + lossBlocks + 1];
        var colOffset = new int[nb + lossBlocks + 1];
        long m = nc, nvars = mc;
        for (int b = 0; b < nb; b++)
        {
            rowOffset[b] = checked((int)m); m += 2 * (d + 1) + 2L * rows[b].Length;
            colOffset[b] = checked((int)Math.Min(nvars, int.MaxValue)); nvars += width;
        }
        for (int s = 0; s < lossBlocks; s++)
        {
            rowOffset[nb + s] = checked((int)m); m += conic.BlockRows;
            colOffset[nb + s] = checked((int)Math.Min(nvars, int.MaxValue)); nvars += conic.BlockVariables;
        }
        if (nvars > int.MaxValue / 2 || m > int.MaxValue / 2) throw new InputException($"the program would have {nvars:N0} variables; use fewer samples or --sample K");
        int rowsTotal = (int)m;
        rowOffset[^1] = rowsTotal; colOffset[^1] = (int)nvars;

        // Nonzeros: coupling columns, t/s (1 each), u/v columns: the loss rows of the active samples + 1 SOC row + sign rows, loss blocks.
        int fRows = conic.F.Length == 0 ? 0 : conic.F.Max(r => r.Length);
        long nnz = conic.CouplingColumns.Sum(c => (long)c.Count);
        var activeRowsOfChamber = new int[distinct.Length][];
        for (int c = 0; c < distinct.Length; c++)
        {
            activeRowsOfChamber[c] = nonzeroRows.Where(j => distinct[c][j]).ToArray();
            long perColumn = (long)Math.Min(activeRowsOfChamber[c].Length, n) * fRows + 1 + distinctRows[c].Length;
            nnz += o * (2 + 2L * d * perColumn);
        }
        for (int s = 0; s < lossBlocks; s++)
            for (int c = 0; c < conic.BlockVariables; c++) nnz += conic.BlockCoupling[s][c].Count + conic.BlockOwn[c].Count;
        if (nnz > int.MaxValue / 2) throw new InputException($"the program would have {nnz:N0} nonzeros; use fewer samples or --sample K");
        // Per column, the loss-row entries sum the active patch rows of each sample: coefficient[s] = sum_{j = s mod n} x_jk.
        var coefficient = new double[n];
        var seen = new bool[n];
        var touched = new List<int>();
        var colPtr = new int[nvars + 1];
        var rowIdx = new int[nnz];
        var vals = new double[nnz];
        int p = 0, col = 0;
        for (int j = 0; j < mc; j++)
        {
            foreach (var (r, v) in conic.CouplingColumns[j]) { rowIdx[p] = r; vals[p++] = v; }
            colPtr[++col] = p;
        }
        for (int b = 0; b < nb; b++)
        {
            var chamber = blocks[b];
            int output = b % o;
            int r0 = rowOffset[b];
            var active = activeRowsOfChamber[b / o];
            for (int side = 0; side < 2; side++)
            {
                // side 0: u (f gains D X u), side 1: v (f loses D X v).
                double sign = side == 0 ? 1 : -1;
                int socRow = r0 + side * (d + 1);
                int signRow0 = r0 + 2 * (d + 1) + side * rows[b].Length;
                // t_i or s_i: -1 in the first row of its cone.
                rowIdx[p] = socRow; vals[p++] = -1; colPtr[++col] = p;
                for (int k = 0; k < d; k++)
                {
                    foreach (int j in active)
                    {
                        if (x[j, k] == 0) continue;
                        int s0 = j % n;
                        if (!seen[s0]) { seen[s0] = true; touched.Add(s0); }
                        coefficient[s0] += x[j, k];
                    }
                    if (rowsX != n) touched.Sort();
                    foreach (int s0 in touched)
                    {
                        foreach (var (r, coef) in conic.F[s0 * o + output]) { rowIdx[p] = r; vals[p++] = sign * coef * coefficient[s0]; }
                        coefficient[s0] = 0; seen[s0] = false;
                    }
                    touched.Clear();
                    rowIdx[p] = socRow + 1 + k; vals[p++] = -1;
                    var signRows = rows[b];
                    for (int t = 0; t < signRows.Length; t++)
                    {
                        int j = signRows[t];
                        if (x[j, k] == 0) continue;
                        // s = (2D - I)_jj x_j'u >= 0, so A = -(2D - I)_jj x_j'.
                        rowIdx[p] = signRow0 + t; vals[p++] = chamber[j] ? -x[j, k] : x[j, k];
                    }
                    colPtr[++col] = p;
                }
            }
        }
        for (int s = 0; s < lossBlocks; s++)
            for (int c = 0; c < conic.BlockVariables; c++)
            {
                foreach (var (r, v) in conic.BlockCoupling[s][c]) { rowIdx[p] = r; vals[p++] = v; }
                foreach (var (r, v) in conic.BlockOwn[c]) { rowIdx[p] = rowOffset[nb + s] + r; vals[p++] = v; }
                colPtr[++col] = p;
            }
        Array.Resize(ref rowIdx, p); Array.Resize(ref vals, p);
        var a = CscMatrix.Create(rowsTotal, (int)nvars, colPtr, rowIdx, vals);

        var q = new double[nvars];
        for (int b = 0; b < nb; b++) { int v0 = colOffset[b]; q[v0] = beta; q[v0 + d + 1] = beta; }
        for (int s = 0; s < lossBlocks; s++)
            for (int c = 0; c < conic.BlockVariables; c++) q[colOffset[nb + s] + c] = conic.BlockCost[c];
        var bvec = new double[rowsTotal];
        conic.CouplingRhs.CopyTo(bvec, 0);
        for (int s = 0; s < lossBlocks; s++) conic.BlockRhs.CopyTo(bvec, rowOffset[nb + s]);
        var pDiag = new int[nvars + 1]; var pRows = new int[mc]; var pVals = new double[mc];
        for (int j = 0; j < mc; j++) { pRows[j] = j; pVals[j] = conic.CouplingQuadratic[j]; }
        for (int c = 0; c < nvars; c++) pDiag[c + 1] = Math.Min(c + 1, mc);
        var pm = CscMatrix.Create((int)nvars, (int)nvars, pDiag, pRows, pVals);

        var cones = new List<ConeSpec>(conic.CouplingCones);
        for (int b = 0; b < nb; b++)
        {
            cones.Add(new SecondOrderConeSpec(d + 1));
            cones.Add(new SecondOrderConeSpec(d + 1));
            if (rows[b].Length > 0) cones.Add(new NonnegativeConeSpec(2 * rows[b].Length));
        }
        for (int s = 0; s < lossBlocks; s++) cones.AddRange(conic.BlockCones);
        // y'y/2 is not a constant of this form: the loss variables carry the whole loss.
        var problem = ConicProblem.Create(pm, q, a, bvec, cones);
        return new ConvexReluProgram(problem, x, (double[,])y.Clone(), n, beta, loss, conic, blocks, rows, rowOffset, colOffset, reduceToFacets);
    }

    /// <summary>The outputs F (n x O) of a solution vector: F_o = sum over output o's blocks of D_i X (u_i - v_i).</summary>
    public double[,] Outputs(ReadOnlySpan<double> solution)
    {
        int n = Samples, d = Features, rowsX = Rows;
        var f = new double[n, OutputCount];
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b), output = BlockOutput(b);
            var u = solution.Slice(v0 + 1, d); var v = solution.Slice(v0 + d + 2, d);
            for (int j = 0; j < rowsX; j++)
            {
                if (!Blocks[b][j]) continue;
                double z = 0;
                for (int k = 0; k < d; k++) z += _x[j, k] * (u[k] - v[k]);
                f[j % n, output] += z;
            }
        }
        return f;
    }

    /// <summary>The convex objective L(F, Y) + beta sum_i (||u_i|| + ||v_i||) at a solution vector, recomputed from the blocks and the program's targets.</summary>
    public double Objective(ReadOnlySpan<double> solution)
    {
        double penalty = 0;
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            penalty += Norm(solution.Slice(v0 + 1, Features)) + Norm(solution.Slice(v0 + Features + 2, Features));
        }
        return Loss.Value(Outputs(solution), _y) + Beta * penalty;
    }

    /// <summary>The convex objective with targets <paramref name="y"/> (one output) in place of the program's.</summary>
    public double Objective(ReadOnlySpan<double> solution, ReadOnlySpan<double> y)
    {
        if (OutputCount != 1 || y.Length != Samples) throw new ArgumentException($"{y.Length} targets for {Samples} samples and {OutputCount} outputs");
        double penalty = 0;
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            penalty += Norm(solution.Slice(v0 + 1, Features)) + Norm(solution.Slice(v0 + Features + 2, Features));
        }
        return Loss.Value(Outputs(solution), ClassTargets.Column(y)) + Beta * penalty;
    }

    /// <summary>The dual candidate V (n x O) of the solver's multipliers: -grad L at the optimum, in the verifier's convention.</summary>
    public double[,] DualCandidate(ReadOnlySpan<double> z) => _conic.DualCandidate(z, Samples, OutputCount);

    /// <summary>max(||u_b||, ||v_b||) of every block b of the solution x, in block order.</summary>
    public double[] BlockNorms(ReadOnlySpan<double> solution)
    {
        int d = Features;
        var norms = new double[Blocks.Count];
        for (int b = 0; b < norms.Length; b++)
        {
            int v0 = BlockVariable(b);
            norms[b] = Math.Max(Norm(solution.Slice(v0 + 1, d)), Norm(solution.Slice(v0 + d + 2, d)));
        }
        return norms;
    }

    /// <summary>
    /// Neurons from the nonzero blocks: u_i gives (u_i / sqrt||u_i||, +sqrt||u_i||), v_i gives (v_i / sqrt||v_i||, -sqrt||v_i||).
    /// Blocks whose norm is below <paramref name="relativeTolerance"/> times the largest are pruned.
    /// </summary>
    /// <param name="solution">The program's x.</param>
    /// <param name="inputs">Number of input features (d without the bias column).</param>
    /// <param name="bias">Whether the last column of X is the bias column of ones.</param>
    /// <param name="relativeTolerance">Pruning threshold relative to the largest block norm.</param>
    public List<Neuron> RecoverNeurons(ReadOnlySpan<double> solution, int inputs, bool bias, double relativeTolerance = 1e-6)
    {
        int d = Features;
        if (inputs + (bias ? 1 : 0) != d) throw new ArgumentException($"inputs {inputs} with bias {bias} do not match the program's {d} columns");
        double largest = BlockNorms(solution).DefaultIfEmpty(0).Max();
        var neurons = new List<Neuron>();
        if (largest == 0) return neurons;
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            Add(solution.Slice(v0 + 1, d), +1, BlockOutput(b));
            Add(solution.Slice(v0 + d + 2, d), -1, BlockOutput(b));
        }
        return neurons;

        void Add(ReadOnlySpan<double> u, int sign, int output)
        {
            double norm = Norm(u);
            if (norm <= relativeTolerance * largest) return;
            double root = Math.Sqrt(norm);
            var weights = new double[u.Length];
            for (int k = 0; k < u.Length; k++) weights[k] = u[k] / root;
            neurons.Add(new Neuron(weights, sign * root, output));
        }
    }

    /// <inheritdoc/>
    public string Describe() =>
        $"{Problem.Variables:N0} variables, {Problem.Constraints:N0} rows, {SignRows:N0} sign rows ({UnreducedSignRows:N0} without facet reduction)";

    /// <inheritdoc/>
    public System.Text.Json.Nodes.JsonObject Details(ReadOnlySpan<double> solution) => new()
    {
        ["sign_rows"] = SignRows,
        ["unreduced_sign_rows"] = UnreducedSignRows,
        ["patch_rows"] = Rows,
    };
}
