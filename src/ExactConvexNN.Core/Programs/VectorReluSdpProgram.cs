using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Programs;

/// <summary>
/// A semidefinite RELAXATION of the vector-output two-layer ReLU network problem
/// <code>
///   p* = min 1/2 ||sum_j (X u_j)_+ w_j' - Y||_F^2 + beta/2 sum_j (||u_j||^2 + ||w_j||^2),   w_j in R^K.
/// </code>
/// Its exact convex form (Sahiner, Ergen, Pauly &amp; Pilanci, ICLR 2021) is min 1/2 ||sum_i D_i X V_i - Y||^2 +
/// beta sum_i ||V_i||_(K_i) with the gauge of conv{u g' : F_i u &gt;= 0, ||u|| &lt;= 1, ||g|| &lt;= 1} (F_i the signed
/// facet rows (2 D_i - I) x_j of chamber i), a copositive program. Here each gauge is replaced by its lifted bound
/// <code>
///   ||V||_rel = min (tr A + tr B)/2  s.t.  W = [[A, V], [V', B]] PSD (order d + K),  F_i A F_i' &gt;= 0 elementwise,
/// </code>
/// and for an atom u g' (F u &gt;= 0) the point A = u u', B = g g' is feasible, so ||V||_rel &lt;= ||V||_(K_i) and the
/// program's optimum p_rel is at most p*. The diagonal of F A F' is nonnegative for every PSD A, so only the pairs r &lt; s
/// are rows.
/// <para>
/// Conic form (min 1/2 x'Px + q'x s.t. Ax + s = b, s in K). Variables: the residual e (n K, index i K + t), then per
/// block b the svec of W_b ((d+K)(d+K+1)/2). Rows: n K equality rows e_it - sum_b sum_c [D_b]_i x_ic V_b[c, t] = -y_it
/// (zero cone); per block -svec(W_b) + s = 0 (PSD cone), then for each pair r &lt; s of its rows
/// -&lt;(F_r F_s' + F_s F_r')/2, A_b&gt; + s = 0 (nonnegative cone). P = diag(1 on e), q = beta/2 on every diagonal entry of W_b.
/// The blocks meet only in the equality rows: the block-angular KKT solver applies.
/// </para>
/// </summary>
public sealed class VectorReluSdpProgram : Models.IConvexProgram
{
    private static readonly double Sqrt2 = Math.Sqrt(2.0);

    /// <summary>The conic program.</summary>
    public ConicProblem Problem { get; }
    /// <summary>Samples n.</summary>
    public int Samples { get; }
    /// <summary>Outputs K.</summary>
    public int Outputs { get; }
    /// <summary>Columns d of X (with the bias column, if any).</summary>
    public int Features { get; }
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>The chamber of each block (the all-zero chamber, which adds nothing, is left out).</summary>
    public IReadOnlyList<Chamber> Blocks { get; }
    /// <summary>The rows j whose signed rows F_r = (2 D - I)_jj x_j describe each block's cone (<see cref="ChamberCone.Rows"/>).</summary>
    public IReadOnlyList<int[]> BlockRows { get; }
    /// <summary>Order d + K of each block's matrix W.</summary>
    public int MatrixOrder => Features + Outputs;
    /// <summary>svec dimension of each block's matrix.</summary>
    public int BlockDimension => MatrixOrder * (MatrixOrder + 1) / 2;
    /// <summary>The block-angular structure for <see cref="BlockAngularKktSolver"/>: e and the equality rows couple the blocks.</summary>
    public BlockAngularLayout Layout => new(Samples * Outputs, Samples * Outputs, _colOffset, _rowOffset);
    /// <summary>How the recovered network relates to the blocks (set by the family after recovery; null before).</summary>
    public VectorRecoveryReport? Recovery { get; set; }

    private readonly double[,] _x, _y;
    private readonly int[] _rowOffset, _colOffset;

    private VectorReluSdpProgram(ConicProblem problem, double[,] x, double[,] y, double beta, Chamber[] blocks, int[][] rows, int[] rowOffset, int[] colOffset)
    {
        Problem = problem; _x = x; _y = y; Beta = beta; Blocks = blocks; BlockRows = rows; _rowOffset = rowOffset; _colOffset = colOffset;
        Samples = y.GetLength(0); Outputs = y.GetLength(1); Features = x.GetLength(1);
    }

    /// <summary>Index of the first variable (svec of W_b) of block b.</summary>
    public int BlockVariable(int b) => _colOffset[b];

    /// <summary>The pairs (r, s), r &lt; s, of positions in <see cref="BlockRows"/>[b] whose products F_r'A F_s are rows, in row order.</summary>
    public static IEnumerable<(int R, int S)> Pairs(int rows)
    {
        for (int r = 0; r < rows; r++)
            for (int s = r + 1; s < rows; s++) yield return (r, s);
    }

    /// <summary>The signed rows F (m x d) of a chamber: F_r = x_j for j in the chamber's pattern, -x_j otherwise.</summary>
    public static double[,] SignedRows(double[,] x, Chamber chamber, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(chamber); ArgumentNullException.ThrowIfNull(rows);
        int d = x.GetLength(1);
        var f = new double[rows.Length, d];
        for (int r = 0; r < rows.Length; r++)
        {
            double sign = chamber[rows[r]] ? 1 : -1;
            for (int c = 0; c < d; c++) f[r, c] = sign * x[rows[r], c];
        }
        return f;
    }

    /// <summary>
    /// Builds the relaxation for features <paramref name="x"/> (n x d, the bias column appended if wanted), targets
    /// <paramref name="y"/> (n x K) and the given exact chambers (each block keeps its facet rows, see <see cref="ChamberCone.Rows"/>).
    /// </summary>
    /// <exception cref="InputException">beta is negative or not finite, the sizes disagree, or the program is too large.</exception>
    public static VectorReluSdpProgram Build(double[,] x, double[,] y, double beta, IReadOnlyList<Chamber> chambers)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(chambers);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        int n = x.GetLength(0), d = x.GetLength(1), k = y.GetLength(1);
        if (y.GetLength(0) != n) throw new InputException($"{n} samples but {y.GetLength(0)} targets");
        if (k < 1) throw new InputException("the targets have no columns");
        if (chambers.Any(c => c.Rows != n)) throw new InputException($"the chambers were enumerated for other data (not {n} rows)");
        var nonzero = ChamberCone.NonzeroRows(x);
        var blocks = chambers.Where(c => !c.IsAllZero).ToArray();
        var rows = blocks.Select(c => ChamberCone.Rows(x, c, nonzero)).ToArray();
        int q = d + k, dim = q * (q + 1) / 2, nc = n * k;
        var rowOffset = new int[blocks.Length + 1];
        var colOffset = new int[blocks.Length + 1];
        long m = nc, nvars = nc, nnz = nc;
        for (int b = 0; b < blocks.Length; b++)
        {
            long pairs = (long)rows[b].Length * (rows[b].Length - 1) / 2;
            rowOffset[b] = (int)Math.Min(m, int.MaxValue); m += dim + pairs;
            colOffset[b] = (int)Math.Min(nvars, int.MaxValue); nvars += dim;
            nnz += dim + (long)d * k * n + pairs * d * (d + 1) / 2;
        }
        if (m > int.MaxValue / 2 || nvars > int.MaxValue / 2 || nnz > int.MaxValue / 2)
            throw new InputException($"the relaxation would have {nvars:N0} variables and {nnz:N0} nonzeros; use fewer samples (--rows) or features");
        rowOffset[^1] = (int)m; colOffset[^1] = (int)nvars;

        var t = new List<(int, int, double)>((int)nnz);
        for (int j = 0; j < nc; j++) t.Add((j, j, 1.0));
        var cones = new List<ConeSpec> { new ZeroConeSpec(nc) };
        var qv = new double[nvars];
        for (int b = 0; b < blocks.Length; b++)
        {
            int c0 = colOffset[b], r0 = rowOffset[b];
            var chamber = blocks[b];
            var f = SignedRows(x, chamber, rows[b]);
            // Coupling: V[c, t] = W[d + t, c] = svec / sqrt2 enters e_it - sum (D X V)_it = -y_it with -[D]_i x_ic / sqrt2.
            for (int c = 0; c < d; c++)
                for (int o = 0; o < k; o++)
                {
                    int col = c0 + PsdCone.SvecIndex(d + o, c, q);
                    for (int i = 0; i < n; i++)
                        if (chamber[i] && x[i, c] != 0) t.Add((i * k + o, col, -x[i, c] / Sqrt2));
                }
            // -svec(W) + s = 0, s in PSD; q = beta/2 on the diagonal (beta (tr A + tr B) / 2).
            for (int l = 0; l < dim; l++) t.Add((r0 + l, c0 + l, -1.0));
            for (int a = 0; a < q; a++) qv[c0 + PsdCone.SvecIndex(a, a, q)] = beta / 2;
            cones.Add(new PsdConeSpec(q));
            // F_r'A F_s = sum_a F_ra F_sa A_aa + sum_(a > c) (F_ra F_sc + F_rc F_sa) A_ac, A_ac = svec / sqrt2; row -that + s = 0, s >= 0.
            int row = r0 + dim, pairs = 0;
            foreach (var (r, s) in Pairs(rows[b].Length))
            {
                for (int c = 0; c < d; c++)
                {
                    double diag = f[r, c] * f[s, c];
                    if (diag != 0) t.Add((row, c0 + PsdCone.SvecIndex(c, c, q), -diag));
                    for (int a = c + 1; a < d; a++)
                    {
                        double off = (f[r, a] * f[s, c] + f[r, c] * f[s, a]) / Sqrt2;
                        if (off != 0) t.Add((row, c0 + PsdCone.SvecIndex(a, c, q), -off));
                    }
                }
                row++; pairs++;
            }
            if (pairs > 0) cones.Add(new NonnegativeConeSpec(pairs));
        }
        var a_ = CscMatrix.FromTriplets((int)m, (int)nvars, t);
        var bv = new double[m];
        for (int i = 0; i < n; i++) for (int o = 0; o < k; o++) bv[i * k + o] = -y[i, o];
        var pCol = new int[nvars + 1]; var pRow = new int[nc]; var pVal = new double[nc];
        for (int j = 0; j < nc; j++) { pRow[j] = j; pVal[j] = 1; }
        for (long c = 0; c < nvars; c++) pCol[c + 1] = (int)Math.Min(c + 1, nc);
        var problem = ConicProblem.Create(CscMatrix.Create((int)nvars, (int)nvars, pCol, pRow, pVal), qv, a_, bv, cones);
        return new VectorReluSdpProgram(problem, (double[,])x.Clone(), (double[,])y.Clone(), beta, blocks, rows, rowOffset, colOffset);
    }

    /// <summary>The matrix W_b of block b in a solution vector.</summary>
    public Matrix<double> BlockMatrix(ReadOnlySpan<double> solution, int b)
    {
        CheckSolution(solution.Length);
        int q = MatrixOrder, v0 = BlockVariable(b);
        return SvecMatrix.Read(solution, v0, q);
    }

    /// <summary>The multipliers of block b's pair rows (one per <see cref="Pairs"/> entry) in the solver's z.</summary>
    public double[] PairMultipliers(ReadOnlySpan<double> z, int b)
    {
        int m = BlockRows[b].Length, count = m * (m - 1) / 2, r0 = _rowOffset[b] + BlockDimension;
        return z.Slice(r0, count).ToArray();
    }

    /// <summary>The relaxation's predictions F (n x K): F = sum_b D_b X V_b.</summary>
    public double[,] Predictions(ReadOnlySpan<double> solution)
    {
        CheckSolution(solution.Length);
        int n = Samples, d = Features, k = Outputs, q = MatrixOrder;
        var f = new double[n, k];
        for (int b = 0; b < Blocks.Count; b++)
        {
            int v0 = BlockVariable(b);
            var chamber = Blocks[b];
            for (int i = 0; i < n; i++)
            {
                if (!chamber[i]) continue;
                for (int o = 0; o < k; o++)
                {
                    double s = 0;
                    for (int c = 0; c < d; c++) s += _x[i, c] * solution[v0 + PsdCone.SvecIndex(d + o, c, q)];
                    f[i, o] += s / Sqrt2;
                }
            }
        }
        return f;
    }

    /// <summary>The relaxation's objective 1/2 ||F - Y||^2 + beta/2 sum_b tr W_b, recomputed from the blocks.</summary>
    public double Objective(ReadOnlySpan<double> solution)
    {
        int q = MatrixOrder;
        double trace = 0;
        for (int b = 0; b < Blocks.Count; b++)
            for (int a = 0; a < q; a++) trace += solution[BlockVariable(b) + PsdCone.SvecIndex(a, a, q)];
        return ClassTargets.SquaredLoss(Predictions(solution), _y) + Beta / 2 * trace;
    }

    /// <summary>
    /// Neurons from every block by one of two decompositions, each with the sign that puts u nearest its chamber's cone:
    /// <see cref="VectorDecomposition.Eigen"/>, W_b = sum_k z_k z_k' with z = (a; g), neuron (a, g) rescaled to equal norms
    /// (weight decay ||a|| ||g|| &lt;= (||a||^2 + ||g||^2)/2, so at most the block's penalty); or
    /// <see cref="VectorDecomposition.Svd"/>, V_b = sum_k s_k a_k g_k', neuron (sqrt(s_k) a_k, sqrt(s_k) g_k) (weight decay
    /// ||V_b||_* &lt;= (tr A + tr B)/2). Either gives exactly the block's D_b X V_b when each a lies in the chamber's
    /// cone. Terms below <paramref name="relativeTolerance"/> times the largest over the blocks are dropped.
    /// </summary>
    public (List<VectorNeuron> Neurons, VectorRecoveryReport Report) RecoverNeurons(ReadOnlySpan<double> solution, VectorDecomposition decomposition, double relativeTolerance = 1e-8)
    {
        CheckSolution(solution.Length);
        int d = Features, k = Outputs;
        var terms = new List<(int Block, double[] A, double[] G, double Size)>();
        var ranks = new int[Blocks.Count];
        double largest = 0;
        var matrices = new Matrix<double>[Blocks.Count];
        var evds = new MathNet.Numerics.LinearAlgebra.Factorization.Evd<double>[Blocks.Count];
        for (int b = 0; b < Blocks.Count; b++)
        {
            matrices[b] = BlockMatrix(solution, b);
            if (decomposition != VectorDecomposition.Eigen) continue;
            evds[b] = matrices[b].Evd(Symmetricity.Symmetric);
            largest = Math.Max(largest, evds[b].EigenValues.Max(e => e.Real));
        }
        double keep = relativeTolerance * largest;
        for (int b = 0; b < Blocks.Count; b++)
        {
            var w = matrices[b];
            if (decomposition == VectorDecomposition.Eigen)
            {
                var evd = evds[b];
                var z = new List<double[]>();
                for (int e = 0; e < w.RowCount; e++)
                {
                    double lambda = evd.EigenValues[e].Real;
                    if (lambda > keep) z.Add((evd.EigenVectors.Column(e) * Math.Sqrt(lambda)).ToArray());
                }
                if (z.Count > 1) Rotate(z, SignedRows(_x, Blocks[b], BlockRows[b]), d);
                foreach (var zk in z)
                {
                    double size = zk.Sum(v => v * v);
                    terms.Add((b, zk[..d], zk[d..], size));
                    largest = Math.Max(largest, size);
                }
            }
            else
            {
                var v = w.SubMatrix(0, d, d, k);
                var svd = v.Svd(computeVectors: true);
                for (int e = 0; e < svd.S.Count; e++)
                {
                    double s = svd.S[e];
                    if (!(s > 0)) continue;
                    double root = Math.Sqrt(s);
                    terms.Add((b, (svd.U.Column(e) * root).ToArray(), (svd.VT.Row(e) * root).ToArray(), s));
                    largest = Math.Max(largest, s);
                }
            }
        }
        var neurons = new List<VectorNeuron>();
        var outside = new bool[Blocks.Count];
        double drop = relativeTolerance * largest;
        foreach (var (b, a, g, size) in terms)
        {
            if (size <= drop) continue;
            double na = Norm(a), ng = Norm(g);
            if (na == 0 || ng == 0) continue;
            var f = SignedRows(_x, Blocks[b], BlockRows[b]);
            double plus = ConeSlack(f, a), minus = ConeSlack(f, a.Select(v => -v).ToArray());
            double sign = minus > plus ? -1 : 1;
            if (Math.Max(plus, minus) < -ConeTolerance) outside[b] = true;
            ranks[b]++;
            // Balanced scaling: ||u|| = ||w|| = sqrt(||a|| ||g||).
            double su = sign * Math.Sqrt(ng / na), sw = sign * Math.Sqrt(na / ng);
            neurons.Add(new VectorNeuron(a.Select(v => v * su).ToArray(), g.Select(v => v * sw).ToArray()));
        }
        int used = ranks.Count(r => r > 0);
        var report = new VectorRecoveryReport(decomposition, Blocks.Count, used, ranks.Count(r => r == 1),
            Enumerable.Range(0, Blocks.Count).Count(b => ranks[b] > 0 && !outside[b]), ranks.Length == 0 ? 0 : ranks.Max());
        return (neurons, report);
    }

    /// <summary>
    /// Rotates a factorization W = sum_k z_k z_k' (any rotation of the z_k keeps the sum) so that the first-layer parts
    /// a_k = z_k[0..d) lie in the cone {F a &gt;= 0} up to sign: Jacobi-like sweeps over the pairs (z_p, z_q), each set to
    /// the rotation angle (a grid of 180 angles, then a local refinement) that maximizes the smaller of the two slacks. A
    /// block of the relaxation whose A part is a sum of cone atoms of this rank is then split into those atoms.
    /// </summary>
    private static void Rotate(List<double[]> z, double[,] f, int d)
    {
        double Slack(double[] zk) { var a = zk[..d]; return Math.Max(ConeSlack(f, a), ConeSlack(f, a.Select(v => -v).ToArray())); }
        double[] Turn(double[] p, double[] q, double c, double s) => p.Select((v, i) => c * v + s * q[i]).ToArray();
        for (int sweep = 0; sweep < 3; sweep++)
        {
            bool changed = false;
            for (int p = 0; p < z.Count; p++)
                for (int q = p + 1; q < z.Count; q++)
                {
                    double Score(double t) => Math.Min(Slack(Turn(z[p], z[q], Math.Cos(t), Math.Sin(t))), Slack(Turn(z[q], z[p], Math.Cos(t), -Math.Sin(t))));
                    double best = Score(0), bestT = 0;
                    const int grid = 180;
                    for (int g = 1; g < grid; g++)
                    {
                        double t = Math.PI * g / grid, v = Score(t);
                        if (v > best) (best, bestT) = (v, t);
                    }
                    for (double h = Math.PI / grid; h > 1e-10; h /= 2)
                        foreach (double t in new[] { bestT - h, bestT + h })
                        {
                            double v = Score(t);
                            if (v > best) (best, bestT) = (v, t);
                        }
                    if (bestT == 0) continue;
                    double c = Math.Cos(bestT), s = Math.Sin(bestT);
                    (z[p], z[q]) = (Turn(z[p], z[q], c, s), Turn(z[q], z[p], c, -s));
                    changed = true;
                }
            if (!changed) break;
        }
    }

    /// <summary>Directions whose smallest normalized slack min_r F_r'a / (||F_r|| ||a||) is above minus this count as in the cone.</summary>
    public const double ConeTolerance = 1e-7;

    /// <summary>min_r F_r'a / (||F_r|| ||a||) over the signed rows F (1 without rows): at least 0 exactly when a is in the cone.</summary>
    public static double ConeSlack(double[,] f, double[] a)
    {
        ArgumentNullException.ThrowIfNull(f); ArgumentNullException.ThrowIfNull(a);
        int m = f.GetLength(0), d = f.GetLength(1);
        double na = Norm(a), slack = 1;
        if (na == 0) return 0;
        for (int r = 0; r < m; r++)
        {
            double dot = 0, nr = 0;
            for (int c = 0; c < d; c++) { dot += f[r, c] * a[c]; nr += f[r, c] * f[r, c]; }
            if (nr > 0) slack = Math.Min(slack, dot / (Math.Sqrt(nr) * na));
        }
        return slack;
    }

    private static double Norm(double[] v) => Numerics.VectorNorm.Norm(v);

    private void CheckSolution(int length)
    {
        if (length != Problem.Variables) throw new ArgumentException($"the solution has {length} entries, the program {Problem.Variables} variables");
    }

    /// <inheritdoc/>
    public string Describe() => $"{Problem.Variables:N0} variables, {Problem.Constraints:N0} rows, {Blocks.Count:N0} PSD blocks of order {MatrixOrder} (SDP relaxation)";

    /// <inheritdoc/>
    public JsonObject Details(ReadOnlySpan<double> solution)
    {
        var o = new JsonObject
        {
            ["vector_output"] = true,
            ["relaxation"] = "sdp",
            ["psd_blocks"] = Blocks.Count,
            ["psd_order"] = MatrixOrder,
            ["pair_rows"] = Problem.Constraints - Samples * Outputs - (long)Blocks.Count * BlockDimension,
        };
        if (Recovery is { } r)
        {
            o["decomposition"] = r.Decomposition == VectorDecomposition.Eigen ? "eigen" : "svd";
            o["blocks_used"] = r.BlocksUsed;
            o["rank_one_blocks"] = r.RankOneBlocks;
            o["blocks_in_cone"] = r.BlocksInCone;
            o["max_block_rank"] = r.MaxRank;
        }
        return o;
    }
}

/// <summary>How neurons are read from a block W = [[A, V], [V', B]] of the relaxation.</summary>
public enum VectorDecomposition
{
    /// <summary>The eigenvectors of W.</summary>
    Eigen,
    /// <summary>The singular vectors of V.</summary>
    Svd,
}

/// <summary>What the recovery found in the blocks of a relaxation's solution.</summary>
/// <param name="Decomposition">How the neurons were read.</param>
/// <param name="Blocks">Blocks of the program.</param>
/// <param name="BlocksUsed">Blocks that gave at least one neuron.</param>
/// <param name="RankOneBlocks">Blocks that gave exactly one neuron (rank one above the drop tolerance).</param>
/// <param name="BlocksInCone">Blocks every neuron of which lies in the block's chamber cone (its D X V is then reproduced exactly).</param>
/// <param name="MaxRank">The largest number of neurons one block gave.</param>
public sealed record VectorRecoveryReport(VectorDecomposition Decomposition, int Blocks, int BlocksUsed, int RankOneBlocks, int BlocksInCone, int MaxRank);
