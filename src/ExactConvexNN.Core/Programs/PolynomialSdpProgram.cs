using System.Text.Json.Nodes;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Programs;

/// <summary>
/// The semidefinite program of Bartan &amp; Pilanci for a two-layer network with polynomial activation
/// sigma(t) = a t^2 + b t + c, unit-norm first-layer weights and squared loss plus beta ||w||_1. For one output and
/// one pooling region:
/// <code>
///   minimize  1/2 ||yhat - y||^2 + beta (Z4 + Z4')    over Z, Z' PSD of order p + 1, Z = [[Z1, Z2], [Z2', Z4]]
///   yhat_i  = a x_i'(Z1 - Z1')x_i + b x_i'(Z2 - Z2') + c (Z4 - Z4') = &lt;M(x_i), Z - Z'&gt;,
///   s.t.      tr(Z1) = Z4,  tr(Z1') = Z4',        M(x) = [[a x x', b/2 x], [b/2 x', c]].
/// </code>
/// Its optimal value equals the network optimum (the lift is exact; <see cref="NeuralDecomposition"/> recovers the
/// neurons). With several outputs o and average-pooling regions r (a CNN), yhat_io = sum_r &lt;M_ir, Z_ro - Z'_ro&gt; with
/// M_ir = (1/|P_r|) sum_{k in P_r} M(x_ik), one pair (Z_ro, Z'_ro) per (region, output): the l1 penalty on every
/// second-layer weight makes the neurons of different (region, output) pairs independent.
/// <para>
/// Conic form (min 1/2 x'Px + q'x s.t. Ax + s = b, s in K). Variables: the residuals e (n O, index i O + o), then per
/// block (r, o, side) the svec of Z (side 0) or Z' (side 1), D = (p+1)(p+2)/2 each, block index 2 (r O + o) + side.
/// Rows: n O equality rows e_io - sum_r svec(M_ir)'(z_ro - z'_ro) = -y_io, one trace row per block
/// tr(Z1) - Z4 = 0 (zero cone); then -svec(Z) + s = 0, s in PSD, per block. P = diag(1 on e), q = beta on each Z4.
/// </para>
/// </summary>
public sealed class PolynomialSdpProgram : Models.IConvexProgram
{
    private static readonly double Sqrt2 = Math.Sqrt(2.0);

    /// <summary>The conic program.</summary>
    public ConicProblem Problem { get; }
    /// <summary>The network shape.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>The activation.</summary>
    public PolynomialActivation Activation { get; }
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>Samples n.</summary>
    public int Samples { get; }
    /// <summary>Order p + 1 of each PSD matrix.</summary>
    public int MatrixOrder => Architecture.PatchLength + 1;
    /// <summary>svec dimension D of each PSD matrix.</summary>
    public int BlockDimension => MatrixOrder * (MatrixOrder + 1) / 2;
    /// <summary>Number of PSD blocks: 2 per (region, output).</summary>
    public int Blocks => 2 * Architecture.WeightsPerNeuron;

    private readonly double[] _m;       // svec(M_ir) for sample i, region r at (i R + r) D
    private readonly double[,] _y;      // n x O targets

    private PolynomialSdpProgram(ConicProblem problem, NetworkArchitecture arch, PolynomialActivation act, double beta, double[] m, double[,] y)
    { Problem = problem; Architecture = arch; Activation = act; Beta = beta; _m = m; _y = y; Samples = y.GetLength(0); }

    /// <summary>Index of the first variable of block (region r, output o, side 0 for Z or 1 for Z').</summary>
    public int BlockVariable(int region, int output, int side) =>
        Samples * Architecture.Outputs + (2 * (region * Architecture.Outputs + output) + side) * BlockDimension;

    /// <summary>
    /// Builds the program for patches (from <see cref="NetworkArchitecture.ExtractPatches"/>) and targets Y (n x O).
    /// </summary>
    /// <exception cref="InputException">beta is negative or not finite, the activation is not finite, or the sizes disagree.</exception>
    public static PolynomialSdpProgram Build(double[][] patches, double[,] y, NetworkArchitecture architecture, PolynomialActivation activation, double beta)
    {
        ArgumentNullException.ThrowIfNull(patches); ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(architecture); ArgumentNullException.ThrowIfNull(activation);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}; try --beta 0.01");
        activation.Validated();
        int n = patches.Length, o = architecture.Outputs, p = architecture.PatchLength, kk = architecture.Patches;
        if (y.GetLength(0) != n) throw new InputException($"{n} samples but {y.GetLength(0)} targets");
        if (y.GetLength(1) != o) throw new InputException($"the network has {o} outputs but the targets have {y.GetLength(1)} columns");
        for (int i = 0; i < n; i++)
            if (patches[i] is null || patches[i].Length != kk * p) throw new InputException($"sample {i + 1} has {patches[i]?.Length ?? 0} patch values, expected {kk} x {p}");
        var regions = architecture.Regions;
        int nr = regions.Count, k = p + 1, dim = k * (k + 1) / 2;
        long nvars = (long)n * o + 2L * nr * o * dim;
        if (nvars > int.MaxValue / 4) throw new InputException($"the program would have {nvars:N0} variables; use fewer samples, smaller filters or larger pooling regions");

        // svec(M_ir), M_ir = (1/|P_r|) sum_{k in P_r} [[a x x', b/2 x], [b/2 x', c]] (off-diagonals times √2).
        var m = new double[(long)n * nr * dim];
        for (int i = 0; i < n; i++)
            for (int r = 0; r < nr; r++)
            {
                var dst = m.AsSpan((i * nr + r) * dim, dim);
                double inv = 1.0 / regions[r].Length;
                foreach (int q in regions[r])
                {
                    var x = patches[i].AsSpan(q * p, p);
                    for (int col = 0; col < p; col++)
                    {
                        dst[PsdCone.SvecIndex(col, col, k)] += inv * activation.A * x[col] * x[col];
                        for (int row = col + 1; row < p; row++) dst[PsdCone.SvecIndex(row, col, k)] += inv * Sqrt2 * activation.A * x[row] * x[col];
                        dst[PsdCone.SvecIndex(p, col, k)] += inv * Sqrt2 * activation.B / 2 * x[col];
                    }
                    dst[PsdCone.SvecIndex(p, p, k)] += inv * activation.C;
                }
            }

        int eqRows = n * o, blocks = 2 * nr * o, zeroRows = eqRows + blocks;
        int rows = zeroRows + blocks * dim;
        var t = new List<(int, int, double)>((int)Math.Min(int.MaxValue / 2, (long)n * blocks * dim + n * o + 2L * blocks * dim));
        for (int j = 0; j < eqRows; j++) t.Add((j, j, 1.0));
        int v0 = eqRows;
        for (int r = 0; r < nr; r++)
            for (int out_ = 0; out_ < o; out_++)
                for (int side = 0; side < 2; side++)
                {
                    int blk = 2 * (r * o + out_) + side;
                    // Z enters yhat with +M (so the equality row e - yhat = -y gets -M), Z' with -M.
                    double sign = side == 0 ? -1 : 1;
                    for (int l = 0; l < dim; l++)
                    {
                        int col = v0 + blk * dim + l;
                        for (int i = 0; i < n; i++)
                        {
                            double a = m[(i * nr + r) * dim + l];
                            if (a != 0) t.Add((i * o + out_, col, sign * a));
                        }
                        t.Add((zeroRows + blk * dim + l, col, -1.0));
                    }
                    // tr(Z1) - Z4 = 0.
                    for (int c = 0; c < p; c++) t.Add((eqRows + blk, v0 + blk * dim + PsdCone.SvecIndex(c, c, k), 1.0));
                    t.Add((eqRows + blk, v0 + blk * dim + PsdCone.SvecIndex(p, p, k), -1.0));
                }
        var a_ = CscMatrix.FromTriplets(rows, (int)nvars, t);
        var q_ = new double[nvars];
        for (int blk = 0; blk < blocks; blk++) q_[v0 + blk * dim + PsdCone.SvecIndex(p, p, k)] = beta;
        var b = new double[rows];
        for (int i = 0; i < n; i++) for (int out_ = 0; out_ < o; out_++) b[i * o + out_] = -y[i, out_];
        var pCol = new int[nvars + 1]; var pRow = new int[eqRows]; var pVal = new double[eqRows];
        for (int j = 0; j < eqRows; j++) { pRow[j] = j; pVal[j] = 1; }
        for (int c = 0; c < nvars; c++) pCol[c + 1] = Math.Min(c + 1, eqRows);
        var pm = CscMatrix.Create((int)nvars, (int)nvars, pCol, pRow, pVal);
        var cones = new List<ConeSpec> { new ZeroConeSpec(zeroRows) };
        for (int blk = 0; blk < blocks; blk++) cones.Add(new PsdConeSpec(k));
        var problem = ConicProblem.Create(pm, q_, a_, b, cones);
        return new PolynomialSdpProgram(problem, architecture, activation, beta, m, (double[,])y.Clone());
    }

    /// <summary>The matrix smat of block (r, o, side) in a solution vector.</summary>
    public Matrix<double> BlockMatrix(ReadOnlySpan<double> solution, int region, int output, int side)
    {
        CheckSolution(solution.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(region); ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(region, Architecture.Regions.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(output); ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(output, Architecture.Outputs);
        if (side is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(side), "side is 0 (Z) or 1 (Z')");
        int k = MatrixOrder, v0 = BlockVariable(region, output, side);
        return SvecMatrix.Read(solution, v0, k);
    }

    /// <summary>yhat (n x O) of a solution: yhat_io = sum_r &lt;M_ir, Z_ro - Z'_ro&gt;.</summary>
    public double[,] Predictions(ReadOnlySpan<double> solution)
    {
        CheckSolution(solution.Length);
        int n = Samples, o = Architecture.Outputs, nr = Architecture.Regions.Count, dim = BlockDimension;
        var f = new double[n, o];
        for (int r = 0; r < nr; r++)
            for (int out_ = 0; out_ < o; out_++)
            {
                var z = solution.Slice(BlockVariable(r, out_, 0), dim);
                var zp = solution.Slice(BlockVariable(r, out_, 1), dim);
                for (int i = 0; i < n; i++)
                {
                    var mi = _m.AsSpan((i * nr + r) * dim, dim);
                    double s = 0;
                    for (int l = 0; l < dim; l++) s += mi[l] * (z[l] - zp[l]);
                    f[i, out_] += s;
                }
            }
        return f;
    }

    /// <summary>The SDP objective 1/2 ||yhat - y||^2 + beta sum (Z4 + Z4') at a solution vector, recomputed from the blocks.</summary>
    public double Objective(ReadOnlySpan<double> solution)
    {
        int k = MatrixOrder, last = PsdCone.SvecIndex(k - 1, k - 1, k);
        double penalty = 0;
        for (int r = 0; r < Architecture.Regions.Count; r++)
            for (int out_ = 0; out_ < Architecture.Outputs; out_++)
                penalty += solution[BlockVariable(r, out_, 0) + last] + solution[BlockVariable(r, out_, 1) + last];
        return PolyNetwork.Loss(Predictions(solution), _y) + Beta * penalty;
    }

    /// <summary>Largest |tr(Z1) - Z4| over the blocks of a solution vector.</summary>
    public double TraceResidual(ReadOnlySpan<double> solution)
    {
        CheckSolution(solution.Length);
        double worst = 0;
        int k = MatrixOrder;
        for (int r = 0; r < Architecture.Regions.Count; r++)
            for (int out_ = 0; out_ < Architecture.Outputs; out_++)
                for (int side = 0; side < 2; side++)
                {
                    int v0 = BlockVariable(r, out_, side);
                    double s = -solution[v0 + PsdCone.SvecIndex(k - 1, k - 1, k)];
                    for (int c = 0; c < k - 1; c++) s += solution[v0 + PsdCone.SvecIndex(c, c, k)];
                    worst = Math.Max(worst, Math.Abs(s));
                }
        return worst;
    }

    /// <summary>
    /// Neurons by <see cref="NeuralDecomposition"/> of every block: a term t² [u;1][u;1]' of Z_ro gives a neuron u with
    /// weight +t² on (r, o) and 0 elsewhere; of Z'_ro, weight -t². Eigenvalues and weights below
    /// <paramref name="relativeTolerance"/> times the largest diagonal entry over the blocks are dropped.
    /// </summary>
    /// <param name="solution">The program's x.</param>
    /// <param name="classes">Classes of the network (null for regression).</param>
    /// <param name="metadata">Facts for the network file.</param>
    /// <param name="relativeTolerance">Drop threshold relative to the largest diagonal entry (at least 0).</param>
    public PolyNetwork RecoverNetwork(ReadOnlySpan<double> solution, int? classes = null, IReadOnlyDictionary<string, JsonNode?>? metadata = null, double relativeTolerance = 1e-8)
    {
        CheckSolution(solution.Length);
        if (!(relativeTolerance >= 0)) throw new ArgumentException($"the tolerance must be >= 0, got {relativeTolerance}");
        var arch = Architecture;
        int o = arch.Outputs, nr = arch.Regions.Count;
        var mats = new Matrix<double>[nr, o, 2];
        double largest = 0;
        for (int r = 0; r < nr; r++)
            for (int out_ = 0; out_ < o; out_++)
                for (int side = 0; side < 2; side++)
                {
                    var z = mats[r, out_, side] = BlockMatrix(solution, r, out_, side);
                    for (int c = 0; c < z.RowCount; c++) largest = Math.Max(largest, z[c, c]);
                }
        var neurons = new List<PolyNeuron>();
        double drop = relativeTolerance * largest;
        for (int r = 0; r < nr; r++)
            for (int out_ = 0; out_ < o; out_++)
                for (int side = 0; side < 2; side++)
                    foreach (var term in NeuralDecomposition.Decompose(mats[r, out_, side], drop))
                    {
                        var w = new double[arch.WeightsPerNeuron];
                        w[r * o + out_] = side == 0 ? term.Weight : -term.Weight;
                        neurons.Add(new PolyNeuron(term.U, w));
                    }
        return PolyNetwork.Create(arch, Activation, neurons, classes, metadata);
    }

    private void CheckSolution(int length)
    {
        if (length != Problem.Variables) throw new ArgumentException($"the solution has {length} entries, the program {Problem.Variables} variables");
    }

    /// <inheritdoc/>
    public string Describe() => $"{Problem.Variables:N0} variables, {Problem.Constraints:N0} rows, {Blocks} PSD blocks of order {MatrixOrder}";

    /// <inheritdoc/>
    public System.Text.Json.Nodes.JsonObject Details(ReadOnlySpan<double> solution)
    {
        double trace = TraceResidual(solution);
        return new()
        {
            ["poly"] = new System.Text.Json.Nodes.JsonObject { ["a"] = Activation.A, ["b"] = Activation.B, ["c"] = Activation.C },
            ["psd_blocks"] = Blocks,
            ["psd_order"] = MatrixOrder,
            ["trace_residual"] = double.IsFinite(trace) ? trace : null,
        };
    }
}
