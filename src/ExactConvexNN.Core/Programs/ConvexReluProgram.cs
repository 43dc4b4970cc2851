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
    /// <summary>Samples n (the equality rows; row j of X belongs to sample j mod n).</summary>
    public int Samples { get; }
    /// <summary>Rows of X: n K patch rows (n when fully connected).</summary>
    public int Rows => _x.GetLength(0);
    /// <summary>Columns d of X (including a bias column, if any).</summary>
    public int Features { get; }
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>The chambers, one block each (the all-zero chamber, which adds nothing, is left out).</summary>
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

    private readonly int[] _rowOffset;
    private readonly double[,] _x;

    /// <summary>
    /// The block-angular structure for <see cref="BlockAngularKktSolver"/>: the residual e and the n equality rows couple
    /// the blocks; each block's variables [t, u, s, v] appear only in its own cone rows and the equality rows.
    /// </summary>
    public BlockAngularLayout Layout
    {
        get
        {
            int nb = Blocks.Count;
            var cols = new int[nb + 1]; var rows = new int[nb + 1];
            for (int b = 0; b <= nb; b++)
            {
                cols[b] = Samples + b * 2 * (Features + 1);
                rows[b] = b < nb ? _rowOffset[b] : Problem.Constraints;
            }
            return new BlockAngularLayout(Samples, Samples, cols, rows);
        }
    }

    /// <summary>Index of the first variable of block b ([t, u, s, v], 2(d+1) variables).</summary>
    public int BlockVariable(int b) => Samples + b * 2 * (Features + 1);

    private ConvexReluProgram(ConicProblem problem, double[,] x, int samples, double beta, Chamber[] blocks, int[][] rows, int[] rowOffset, bool reduced)
    {
        Problem = problem; _x = x; Samples = samples; Features = x.GetLength(1); Beta = beta;
        Blocks = blocks; BlockRows = rows; _rowOffset = rowOffset; FacetReduced = reduced;
        SignRows = 2L * rows.Sum(r => (long)r.Length);
    }

    /// <summary>
    /// Builds the program for features <paramref name="x"/> (n x d, with the bias column already appended if wanted),
    /// targets <paramref name="y"/> and the given chambers. With <paramref name="reduceToFacets"/> each block keeps its
    /// facet rows (chambers found by sampling have none recorded, and thin chambers cannot trust theirs in doubles: both
    /// keep every nonzero row, see <see cref="ChamberCone"/>).
    /// </summary>
    /// <param name="x">The features (n x d) or the stacked patch matrix (n K x d, patch-major).</param>
    /// <param name="y">The targets (length n).</param>
    /// <param name="beta">The regularization strength.</param>
    /// <param name="chambers">The chambers of the arrangement of <paramref name="x"/>'s rows, one block each.</param>
    /// <param name="reduceToFacets">Keep only each chamber's facet rows.</param>
    /// <param name="samples">The number of samples n when <paramref name="x"/> stacks K patches per sample; null for n = rows.</param>
    /// <exception cref="InputException">beta is negative or not finite, or the sizes disagree.</exception>
    public static ConvexReluProgram Build(double[,] x, double[] y, double beta, IReadOnlyList<Chamber> chambers, bool reduceToFacets = true, int? samples = null)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(chambers);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        int rowsX = x.GetLength(0), d = x.GetLength(1), n = samples ?? rowsX;
        if (n < 1 ? rowsX != 0 : rowsX % n != 0) throw new InputException($"{rowsX} patch rows are not a whole number of patches for {n} samples");
        if (y.Length != n) throw new InputException($"{n} samples but {y.Length} targets");
        if (chambers.Any(c => c.Rows != rowsX)) throw new InputException($"the chambers were enumerated for other data (not {rowsX} rows)");

        var nonzeroRows = ChamberCone.NonzeroRows(x);
        var blocks = chambers.Where(c => !c.IsAllZero).ToArray();
        long facetClock = SolverProfile.Start();
        var rows = blocks.Select(c => reduceToFacets ? ChamberCone.Rows(x, c, nonzeroRows) : nonzeroRows).ToArray();
        SolverProfile.Stop(ProfilePhase.FacetRows, facetClock);
        int nb = blocks.Length, width = 2 * (d + 1);

        // Row layout: n equality rows, then per block [SOC u (d+1), SOC v (d+1), sign rows u, sign rows v].
        var rowOffset = new int[nb];
        long m = n;
        for (int b = 0; b < nb; b++) { rowOffset[b] = checked((int)m); m += 2 * (d + 1) + 2L * rows[b].Length; }
        int rowsTotal = checked((int)m);
        long nvars = n + (long)nb * width;
        if (nvars > int.MaxValue / 2) throw new InputException($"the program would have {nvars:N0} variables; use fewer samples or --sample K");

        // Nonzeros: e (1 each), t/s (1 each), u/v columns: equality rows of the active patch rows' samples + 1 SOC row + sign rows.
        long nnz = n;
        var activeRowsOfBlock = new int[nb][];
        for (int b = 0; b < nb; b++)
        {
            activeRowsOfBlock[b] = nonzeroRows.Where(j => blocks[b][j]).ToArray();
            long perColumn = activeRowsOfBlock[b].Length + 1 + rows[b].Length;
            nnz += 2 + 2L * d * perColumn;
        }
        // Per column, the equality-row entries sum the active patch rows of each sample: coefficient[s] = sum_{j = s mod n} x_jk.
        var coefficient = new double[n];
        var seen = new bool[n];
        var touched = new List<int>();
        var colPtr = new int[nvars + 1];
        var rowIdx = new int[checked((int)nnz)];
        var vals = new double[nnz];
        int p = 0, col = 0;
        // e: identity in the equality rows.
        for (int j = 0; j < n; j++) { rowIdx[p] = j; vals[p++] = 1; colPtr[++col] = p; }
        for (int b = 0; b < nb; b++)
        {
            var chamber = blocks[b];
            int r0 = rowOffset[b];
            for (int side = 0; side < 2; side++)
            {
                // side 0: u (enters the residual with -D X), side 1: v (with +D X).
                double sign = side == 0 ? -1 : 1;
                int socRow = r0 + side * (d + 1);
                int signRow0 = r0 + 2 * (d + 1) + side * rows[b].Length;
                // t_i or s_i: -1 in the first row of its cone.
                rowIdx[p] = socRow; vals[p++] = -1; colPtr[++col] = p;
                for (int k = 0; k < d; k++)
                {
                    if (rowsX == n)
                        foreach (int j in activeRowsOfBlock[b])
                        {
                            if (x[j, k] == 0) continue;
                            rowIdx[p] = j; vals[p++] = sign * x[j, k];
                        }
                    else
                    {
                        foreach (int j in activeRowsOfBlock[b])
                        {
                            if (x[j, k] == 0) continue;
                            int s0 = j % n;
                            if (!seen[s0]) { seen[s0] = true; touched.Add(s0); }
                            coefficient[s0] += x[j, k];
                        }
                        touched.Sort();
                        foreach (int s0 in touched)
                        {
                            rowIdx[p] = s0; vals[p++] = sign * coefficient[s0];
                            coefficient[s0] = 0; seen[s0] = false;
                        }
                        touched.Clear();
                    }
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
        Array.Resize(ref rowIdx, p); Array.Resize(ref vals, p);
        var a = CscMatrix.Create(rowsTotal, (int)nvars, colPtr, rowIdx, vals);

        var q = new double[nvars];
        for (int b = 0; b < nb; b++) { int v0 = n + b * width; q[v0] = beta; q[v0 + d + 1] = beta; }
        var bvec = new double[rowsTotal];
        for (int j = 0; j < n; j++) bvec[j] = -y[j];
        var pDiag = new int[nvars + 1]; var pRows = new int[n]; var pVals = new double[n];
        for (int j = 0; j < n; j++) { pRows[j] = j; pVals[j] = 1; }
        for (int c = 0; c < nvars; c++) pDiag[c + 1] = Math.Min(c + 1, n);
        var pm = CscMatrix.Create((int)nvars, (int)nvars, pDiag, pRows, pVals);

        var cones = new List<ConeSpec> { new ZeroConeSpec(n) };
        for (int b = 0; b < nb; b++)
        {
            cones.Add(new SecondOrderConeSpec(d + 1));
            cones.Add(new SecondOrderConeSpec(d + 1));
            if (rows[b].Length > 0) cones.Add(new NonnegativeConeSpec(2 * rows[b].Length));
        }
        // y'y/2 is not a constant of this form: the residual e carries the whole loss.
        var problem = ConicProblem.Create(pm, q, a, bvec, cones);
        return new ConvexReluProgram(problem, x, n, beta, blocks, rows, rowOffset, reduceToFacets);
    }

    /// <summary>The convex objective 1/2 ||sum_i D_i X (u_i - v_i) - y||^2 + beta sum_i (||u_i|| + ||v_i||) at a solution vector, recomputed from the blocks.</summary>
    public double Objective(ReadOnlySpan<double> solution, ReadOnlySpan<double> y)
    {
        int n = Samples, d = Features, rowsX = Rows;
        var f = new double[n];
        double penalty = 0;
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            var u = solution.Slice(v0 + 1, d); var v = solution.Slice(v0 + d + 2, d);
            penalty += Norm(u) + Norm(v);
            for (int j = 0; j < rowsX; j++)
            {
                if (!Blocks[b][j]) continue;
                double z = 0;
                for (int k = 0; k < d; k++) z += _x[j, k] * (u[k] - v[k]);
                f[j % n] += z;
            }
        }
        double loss = 0;
        for (int j = 0; j < n; j++) loss += (f[j] - y[j]) * (f[j] - y[j]);
        return loss / 2 + Beta * penalty;
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
        double largest = 0;
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            largest = Math.Max(largest, Math.Max(Norm(solution.Slice(v0 + 1, d)), Norm(solution.Slice(v0 + d + 2, d))));
        }
        var neurons = new List<Neuron>();
        if (largest == 0) return neurons;
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            Add(solution.Slice(v0 + 1, d), +1);
            Add(solution.Slice(v0 + d + 2, d), -1);
        }
        return neurons;

        void Add(ReadOnlySpan<double> u, int sign)
        {
            double norm = Norm(u);
            if (norm <= relativeTolerance * largest) return;
            double root = Math.Sqrt(norm);
            var weights = new double[u.Length];
            for (int k = 0; k < u.Length; k++) weights[k] = u[k] / root;
            neurons.Add(new Neuron(weights, sign * root));
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

    private static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var e in v) s += e * e;
        return Math.Sqrt(s);
    }
}
