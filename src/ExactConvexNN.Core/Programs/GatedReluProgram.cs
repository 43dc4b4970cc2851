using static ExactConvexNN.Numerics.VectorNorm;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Programs;

/// <summary>
/// The convex program of a gated ReLU network (fixed gates g_i, one per chamber D_i = diag(1[X g_i &gt;= 0])): the
/// unconstrained group lasso
/// <code>
///   minimize  1/2 || sum_i D_i X w_i - y ||^2 + beta sum_i ||w_i||_2,
/// </code>
/// the convex program of Pilanci &amp; Ergen without its cone constraints (a different network: a gated neuron
/// 1[x'g &gt;= 0] (x'u) w is linear in x on each side of its gate). Its optimum equals that of the gated network with weight
/// decay beta/2 sum_j (||u_j||^2 + w_j^2) over neurons whose gates are among the g_i. As for <see cref="ConvexReluProgram"/>,
/// X may stack the K patches of each sample (patch-major): the residual of sample s sums its patch rows.
/// <para>
/// Conic form: variables e (n), then per gate [t_i, w_i (d)]; rows: n equality rows e - sum_i D_i X w_i = -y (zero
/// cone), then per gate the second-order cone (t_i, w_i). P = diag(1 on e), q = beta on every t_i.
/// </para>
/// </summary>
public sealed class GatedReluProgram : Models.IConvexProgram
{
    private readonly double[,] _x;

    /// <summary>The conic program.</summary>
    public ConicProblem Problem { get; }
    /// <summary>Samples n (row j of X belongs to sample j mod n).</summary>
    public int Samples { get; }
    /// <summary>Columns d of X.</summary>
    public int Features => _x.GetLength(1);
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>The gates' patterns, one block each.</summary>
    public IReadOnlyList<Chamber> Gates { get; }

    private GatedReluProgram(ConicProblem problem, double[,] x, int samples, double beta, Chamber[] gates)
    { Problem = problem; _x = x; Samples = samples; Beta = beta; Gates = gates; }

    /// <summary>Index of the first variable of gate block b ([t, w], d + 1 variables).</summary>
    public int BlockVariable(int b) => Samples + b * (Features + 1);

    /// <summary>The block-angular structure for <see cref="BlockAngularKktSolver"/>: e and the n equality rows couple the gates.</summary>
    public BlockAngularLayout Layout
    {
        get
        {
            int nb = Gates.Count, d = Features;
            var cols = new int[nb + 1]; var rows = new int[nb + 1];
            for (int b = 0; b <= nb; b++) { cols[b] = Samples + b * (d + 1); rows[b] = Samples + b * (d + 1); }
            return new BlockAngularLayout(Samples, Samples, cols, rows);
        }
    }

    /// <summary>Builds the program for features (or stacked patches) X, targets y and the gates' patterns.</summary>
    /// <exception cref="InputException">beta is negative or not finite, or the sizes disagree.</exception>
    public static GatedReluProgram Build(double[,] x, double[] y, double beta, IReadOnlyList<Chamber> gates, int? samples = null)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(gates);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}");
        int rowsX = x.GetLength(0), d = x.GetLength(1), n = samples ?? rowsX;
        if (n < 1 || rowsX % n != 0) throw new InputException($"{rowsX} patch rows are not a whole number of patches for {n} samples");
        if (y.Length != n) throw new InputException($"{n} samples but {y.Length} targets");
        if (gates.Any(c => c.Rows != rowsX)) throw new InputException($"the gates were enumerated for other data (not {rowsX} rows)");
        var blocks = gates.Where(c => !c.IsAllZero).ToArray();
        int nb = blocks.Length;
        long nvars = n + (long)nb * (d + 1);
        if (nvars > int.MaxValue / 2) throw new InputException($"the program would have {nvars:N0} variables; use fewer samples or fewer gates");

        var colPtr = new List<int> { 0 };
        var rowIdx = new List<int>();
        var vals = new List<double>();
        // e: identity in the equality rows.
        for (int j = 0; j < n; j++) { rowIdx.Add(j); vals.Add(1); colPtr.Add(rowIdx.Count); }
        var coefficient = new double[n];
        for (int b = 0; b < nb; b++)
        {
            int soc = n + b * (d + 1);
            // t_b: -1 in the first row of its cone.
            rowIdx.Add(soc); vals.Add(-1); colPtr.Add(rowIdx.Count);
            for (int k = 0; k < d; k++)
            {
                // Equality rows: -sum over the gate's active rows j of x_jk, summed per sample j mod n.
                Array.Clear(coefficient);
                for (int j = 0; j < rowsX; j++) if (blocks[b][j]) coefficient[j % n] += x[j, k];
                for (int s = 0; s < n; s++) if (coefficient[s] != 0) { rowIdx.Add(s); vals.Add(-coefficient[s]); }
                rowIdx.Add(soc + 1 + k); vals.Add(-1);
                colPtr.Add(rowIdx.Count);
            }
        }
        int m = n + nb * (d + 1);
        var a = CscMatrix.Create(m, (int)nvars, colPtr.ToArray(), rowIdx.ToArray(), vals.ToArray());
        var q = new double[nvars];
        for (int b = 0; b < nb; b++) q[n + b * (d + 1)] = beta;
        var bvec = new double[m];
        for (int j = 0; j < n; j++) bvec[j] = -y[j];
        var pCol = new int[nvars + 1]; var pRows = new int[n]; var pVals = new double[n];
        for (int j = 0; j < n; j++) { pRows[j] = j; pVals[j] = 1; }
        for (int c = 0; c < nvars; c++) pCol[c + 1] = Math.Min(c + 1, n);
        var p = CscMatrix.Create((int)nvars, (int)nvars, pCol, pRows, pVals);
        var cones = new List<ConeSpec> { new ZeroConeSpec(n) };
        for (int b = 0; b < nb; b++) cones.Add(new SecondOrderConeSpec(d + 1));
        return new GatedReluProgram(ConicProblem.Create(p, q, a, bvec, cones), x, n, beta, blocks);
    }

    /// <summary>1/2 ||sum_i D_i X w_i - y||^2 + beta sum_i ||w_i||, recomputed from the blocks of a solution.</summary>
    public double Objective(ReadOnlySpan<double> solution, ReadOnlySpan<double> y)
    {
        int n = Samples, d = Features, rowsX = _x.GetLength(0);
        var f = new double[n];
        double penalty = 0;
        for (int b = 0; b < Gates.Count; b++)
        {
            var w = solution.Slice(BlockVariable(b) + 1, d);
            penalty += Norm(w);
            for (int j = 0; j < rowsX; j++)
            {
                if (!Gates[b][j]) continue;
                double z = 0;
                for (int k = 0; k < d; k++) z += _x[j, k] * w[k];
                f[j % n] += z;
            }
        }
        double loss = 0;
        for (int j = 0; j < n; j++) loss += (f[j] - y[j]) * (f[j] - y[j]);
        return loss / 2 + Beta * penalty;
    }

    /// <summary>The nonzero blocks (above <paramref name="relativeTolerance"/> of the largest norm): gate index and w_i.</summary>
    public List<(int Gate, double[] W)> Support(ReadOnlySpan<double> solution, double relativeTolerance)
    {
        int d = Features;
        double largest = 0;
        for (int b = 0; b < Gates.Count; b++) largest = Math.Max(largest, Norm(solution.Slice(BlockVariable(b) + 1, d)));
        var support = new List<(int, double[])>();
        for (int b = 0; b < Gates.Count && largest > 0; b++)
        {
            var w = solution.Slice(BlockVariable(b) + 1, d);
            if (Norm(w) > relativeTolerance * largest) support.Add((b, w.ToArray()));
        }
        return support;
    }

    /// <inheritdoc/>
    public string Describe() => $"{Problem.Variables:N0} variables, {Problem.Constraints:N0} rows, {Gates.Count:N0} gates (no sign rows)";

    /// <inheritdoc/>
    public JsonObject Details(ReadOnlySpan<double> solution) => new() { ["gates"] = Gates.Count, ["patch_rows"] = _x.GetLength(0) };
}
