using static ExactConvexNN.Numerics.VectorNorm;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Programs;

/// <summary>
/// The convex program of a three-layer ReLU network f(x) = sum_k sigma_k T_k ((x'W_k)_+ w_k)_+ with unit-norm first two
/// layers (the derivation is in docs/three-layer.md):
/// <code>
///   minimize  1/2 || sum_(s,i) s D_i sum_j D_j X (u_sij - v_sij) - y ||^2 + beta sum (||u_sij|| + ||v_sij||)
///   s.t.      (2 D_j - I) X u_sij &gt;= 0,  (2 D_j - I) X v_sij &gt;= 0            (the first layer's patterns)
///             (2 D_i - I) sum_j D_j X (u_sij - v_sij) &gt;= 0  for each (s, i)   (the second layer's patterns)
/// </code>
/// over the sign s = +-1 of the output weight, the outer (second-layer) chambers D_i and the inner (first-layer)
/// chambers D_j of the <see cref="DoubleArrangement"/>. A u with D_i D_j = 0 adds nothing to the fit and only tightens
/// the outer rows, so it is left out; every v is kept (it may cancel other neurons outside D_i).
/// <para>
/// Conic form (min 1/2 x'Px + q'x s.t. Ax + s = b, s in K). Variables: the residual e (n), then per block
/// [t, a (d)] with a = u or v. Rows: n equality rows e - sum s rho D_i D_j X a = -y (rho = +1 for u, -1 for v; zero
/// cone); the outer rows -(2D_i - I)_rr sum rho (D_j X a)_r of each group (s, i), on the rows r some block of the
/// group can reach (nonnegative cone); per block the second-order cone (t, a) and its chamber's sign rows
/// -(2D_j - I)_rr x_r'a (nonnegative cone; <see cref="ChamberCone.Rows"/>). P = diag(1 on e), q = beta on every t.
/// </para>
/// </summary>
public sealed class ThreeLayerReluProgram : Models.IConvexProgram
{
    private readonly double[][,] _a;   // A_j = sum_k D_jk X_k (n x d), one per inner chamber

    /// <summary>One block: output sign s, outer chamber i, inner chamber j, rho = +1 (u) or -1 (v).</summary>
    public readonly record struct Block(int Sign, int Outer, int Inner, int Rho);

    /// <summary>The conic program.</summary>
    public ConicProblem Problem { get; }
    /// <summary>Samples n.</summary>
    public int Samples { get; }
    /// <summary>Columns d of X (the patch length of a CNN; with the bias column, if any).</summary>
    public int Features { get; }
    /// <summary>Regularization strength beta.</summary>
    public double Beta { get; }
    /// <summary>The second-layer patterns D_i.</summary>
    public IReadOnlyList<Chamber> OuterChambers { get; }
    /// <summary>The first-layer patterns D_j.</summary>
    public IReadOnlyList<Chamber> InnerChambers { get; }
    /// <summary>The blocks, in variable order.</summary>
    public IReadOnlyList<Block> Blocks { get; }
    /// <summary>Rows of the outer (second-layer) constraints.</summary>
    public int OuterRows { get; }
    /// <summary>Sign rows of the first layer, over every block.</summary>
    public long SignRows { get; }

    private ThreeLayerReluProgram(ConicProblem problem, double[][,] a, int samples, int features, double beta, Chamber[] outer, Chamber[] inner, Block[] blocks, int outerRows, long signRows)
    {
        Problem = problem; _a = a; Samples = samples; Features = features; Beta = beta; OuterChambers = outer; InnerChambers = inner; Blocks = blocks; OuterRows = outerRows; SignRows = signRows;
    }

    /// <summary>Index of the first variable ([t, a], d + 1 variables) of block <paramref name="b"/>.</summary>
    public int BlockVariable(int b) => Samples + b * (Features + 1);

    /// <summary>
    /// Builds the program on X (n x d, or the stacked patch rows [X_1; ...; X_K] of a CNN, row r belonging to sample
    /// r mod n), targets y, beta and the two layers' chambers (all-zero ones are skipped): the inner chambers over X's
    /// rows, the outer ones over the n samples.
    /// </summary>
    /// <exception cref="InputException">beta is negative or not finite, or the sizes disagree.</exception>
    public static ThreeLayerReluProgram Build(double[,] x, double[] y, double beta, IReadOnlyList<Chamber> outerChambers, IReadOnlyList<Chamber> innerChambers)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(outerChambers); ArgumentNullException.ThrowIfNull(innerChambers);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}");
        int n = y.Length, rows = x.GetLength(0);
        if (n < 1 || rows % n != 0) throw new InputException($"{rows} patch rows are not a whole number of patches for {n} samples");
        if (outerChambers.Any(c => c.Rows != n) || innerChambers.Any(c => c.Rows != rows)) throw new InputException($"the chambers were enumerated for other data (not {n} samples and {rows} rows)");
        var outer = outerChambers.Where(c => !c.IsAllZero).ToArray();
        var inner = innerChambers.Where(c => !c.IsAllZero).ToArray();
        var a = Assemble(x, n, outer, inner, [1, -1], y, beta, null);
        return new ThreeLayerReluProgram(a.Problem, a.Aggregated, n, x.GetLength(1), beta, outer, inner, a.Blocks, a.OuterRows, a.SignRows);
    }

    /// <summary>
    /// The support problem of one second-layer pattern D_i and sign s: maximize s v'D_i h over h = sum_j D_j X (u_j - v_j)
    /// with the cone rows of both layers and sum ||u_j|| + ||v_j|| &lt;= 1, as a minimization. Its outer rows' multipliers
    /// lambda &gt;= 0 make r = s D_i v + (2 D_i - I) lambda a vector whose two-layer rho bounds the support value from above
    /// (docs/three-layer.md). Returns the problem and, for each data row r, the index of its outer row (-1 if none).
    /// </summary>
    public static (ConicProblem Problem, int[] OuterRowOf) SupportProblem(double[,] x, Chamber outer, int sign, IReadOnlyList<Chamber> innerChambers, ReadOnlySpan<double> v)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(outer); ArgumentNullException.ThrowIfNull(innerChambers);
        var inner = innerChambers.Where(c => !c.IsAllZero).ToArray();
        int n = v.Length;
        var a = Assemble(x, n, [outer], inner, [sign], null, 0, v.ToArray());
        var rowOf = new int[n];
        for (int r = 0; r < n; r++) rowOf[r] = a.GroupRow.TryGetValue((sign, 0, r), out int row) ? row : -1;
        return (a.Problem, rowOf);
    }

    private sealed record Assembly(ConicProblem Problem, Block[] Blocks, int OuterRows, long SignRows, Dictionary<(int S, int I, int R), int> GroupRow, double[][,] Aggregated);

    /// <summary>
    /// A_j = sum_k D_jk X_k (n x d): row t sums the chamber's active patch rows of sample t (D_j X when fully connected).
    /// The fit of a block is D_i A_j a and the second layer's input sum_j A_j (u_j - v_j).
    /// </summary>
    public static double[,] Aggregate(double[,] x, int samples, Chamber chamber)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(chamber);
        int rows = x.GetLength(0), d = x.GetLength(1);
        var a = new double[samples, d];
        for (int r = 0; r < rows; r++)
            if (chamber[r]) for (int k = 0; k < d; k++) a[r % samples, k] += x[r, k];
        return a;
    }

    /// <summary>
    /// The conic form over the blocks of the given signs and chambers. With targets y (training): the residual e and its n
    /// equality rows first, P = diag(1 on e), q = beta on every t. With a support vector v instead: one row sum t &lt;= 1
    /// first and q = -s rho X'D_i D_j v on each a (maximize s v'D_i h).
    /// </summary>
    private static Assembly Assemble(double[,] x, int n, Chamber[] outer, Chamber[] inner, int[] signs, double[]? y, double beta, double[]? support)
    {
        int d = x.GetLength(1);
        var agg = inner.Select(c => Aggregate(x, n, c)).ToArray();
        bool fit = y is not null;
        int lead = fit ? n : 0;                 // the e variables
        int leadRows = fit ? n : 1;             // equality rows, or the ball row
        var blocks = new List<Block>();
        foreach (int s in signs)
            for (int i = 0; i < outer.Length; i++)
                for (int j = 0; j < inner.Length; j++)
                {
                    if (Meets(outer[i], agg[j])) blocks.Add(new Block(s, i, j, 1));
                    blocks.Add(new Block(s, i, j, -1));
                }
        long nvars = lead + (long)blocks.Count * (d + 1);
        if (nvars > int.MaxValue / 4) throw new InputException($"the three-layer program would have {nvars:N0} variables; use fewer rows or --sample");

        // Row layout: the lead rows, then the outer rows of each group (s, i), then per block its cone and sign rows.
        var nonzero = ChamberCone.NonzeroRows(x);
        var reachable = new bool[n];
        for (int t = 0; t < n; t++) reachable[t] = agg.Any(a => Enumerable.Range(0, d).Any(k => a[t, k] != 0));
        var innerRows = inner.Select(c => ChamberCone.Rows(x, c, nonzero)).ToArray();
        var groupRow = new Dictionary<(int S, int I, int R), int>();
        int row = leadRows;
        foreach (int s in signs)
            for (int i = 0; i < outer.Length; i++)
                for (int r = 0; r < n; r++)
                    if (reachable[r]) groupRow[(s, i, r)] = row++;
        int outerRows = row - leadRows;
        var blockRow = new int[blocks.Count];
        long signRows = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            blockRow[b] = row;
            row += d + 1 + innerRows[blocks[b].Inner].Length;
            signRows += innerRows[blocks[b].Inner].Length;
        }
        int m = row;

        var colPtr = new List<int> { 0 };
        var rowIdx = new List<int>();
        var vals = new List<double>();
        var q = new double[nvars];
        for (int r = 0; r < lead; r++) { rowIdx.Add(r); vals.Add(1); colPtr.Add(rowIdx.Count); }
        for (int b = 0; b < blocks.Count; b++)
        {
            var (s, i, j, rho) = blocks[b];
            int t0 = lead + b * (d + 1);
            // t: the ball row (support) and -1 in its cone's first row.
            if (!fit) { rowIdx.Add(0); vals.Add(1); }
            rowIdx.Add(blockRow[b]); vals.Add(-1); colPtr.Add(rowIdx.Count);
            q[t0] = fit ? beta : 0;
            var signsOfJ = innerRows[j];
            for (int k = 0; k < d; k++)
            {
                // Column of a_k, rows in increasing order: equality rows, outer rows, cone row, sign rows.
                var aj = agg[j];
                double dot = 0;
                for (int r = 0; r < n; r++)
                {
                    if (!outer[i][r] || aj[r, k] == 0) continue;
                    if (fit) { rowIdx.Add(r); vals.Add(-s * rho * aj[r, k]); }
                    else dot += aj[r, k] * support![r];
                }
                if (!fit) q[t0 + 1 + k] = -s * rho * dot;
                for (int r = 0; r < n; r++)
                    if (aj[r, k] != 0 && groupRow.TryGetValue((s, i, r), out int gr))
                    { rowIdx.Add(gr); vals.Add(-(outer[i][r] ? 1 : -1) * rho * aj[r, k]); }
                rowIdx.Add(blockRow[b] + 1 + k); vals.Add(-1);
                for (int t = 0; t < signsOfJ.Length; t++)
                {
                    int r = signsOfJ[t];
                    if (x[r, k] != 0) { rowIdx.Add(blockRow[b] + d + 1 + t); vals.Add(-(inner[j][r] ? 1 : -1) * x[r, k]); }
                }
                colPtr.Add(rowIdx.Count);
            }
        }
        var a = CscMatrix.Create(m, (int)nvars, colPtr.ToArray(), rowIdx.ToArray(), vals.ToArray());
        var bvec = new double[m];
        if (fit) for (int r = 0; r < n; r++) bvec[r] = -y![r];
        else bvec[0] = 1;
        var pCol = new int[nvars + 1]; var pRows = new int[lead]; var pVals = new double[lead];
        for (int r = 0; r < lead; r++) { pRows[r] = r; pVals[r] = 1; }
        for (int c = 0; c < nvars; c++) pCol[c + 1] = Math.Min(c + 1, lead);
        var p = CscMatrix.Create((int)nvars, (int)nvars, pCol, pRows, pVals);
        var cones = new List<ConeSpec> { fit ? new ZeroConeSpec(n) : new NonnegativeConeSpec(1) };
        if (outerRows > 0) cones.Add(new NonnegativeConeSpec(outerRows));
        for (int b = 0; b < blocks.Count; b++)
        {
            cones.Add(new SecondOrderConeSpec(d + 1));
            int sr = innerRows[blocks[b].Inner].Length;
            if (sr > 0) cones.Add(new NonnegativeConeSpec(sr));
        }
        return new Assembly(ConicProblem.Create(p, q, a, bvec, cones), blocks.ToArray(), outerRows, signRows, groupRow, agg);
    }

    /// <summary>True when D_i A_j is not zero: a positive neuron of chamber j can reach a row the outer pattern passes.</summary>
    private static bool Meets(Chamber outer, double[,] aggregated)
    {
        for (int r = 0; r < aggregated.GetLength(0); r++)
            if (outer[r]) for (int k = 0; k < aggregated.GetLength(1); k++) if (aggregated[r, k] != 0) return true;
        return false;
    }

    /// <summary>The program's fit sum_(s,i) s D_i sum_j D_j X (u - v) and penalty sum ||a|| at a solution.</summary>
    public (double[] Fit, double Penalty) Evaluate(ReadOnlySpan<double> solution)
    {
        int n = Samples, d = Features;
        var f = new double[n];
        double penalty = 0;
        for (int b = 0; b < Blocks.Count; b++)
        {
            var (s, i, j, rho) = Blocks[b];
            var a = solution.Slice(BlockVariable(b) + 1, d);
            penalty += Norm(a);
            for (int r = 0; r < n; r++)
            {
                if (!OuterChambers[i][r]) continue;
                double z = 0;
                for (int k = 0; k < d; k++) z += _a[j][r, k] * a[k];
                f[r] += s * rho * z;
            }
        }
        return (f, penalty);
    }

    /// <summary>1/2 ||fit - y||^2 + beta sum ||a||, recomputed from the solution's blocks.</summary>
    public double Objective(ReadOnlySpan<double> solution, ReadOnlySpan<double> y)
    {
        var (f, penalty) = Evaluate(solution);
        double loss = 0;
        for (int r = 0; r < f.Length; r++) loss += (f[r] - y[r]) * (f[r] - y[r]);
        return loss / 2 + Beta * penalty;
    }

    /// <summary>
    /// The sub-networks of a solution: one per group (s, i) whose blocks are not all below <paramref name="relativeTolerance"/>
    /// of the largest block norm; each lists its blocks' (rho, a) with their group's sign.
    /// </summary>
    public List<(int Sign, List<(int Rho, double[] A)> Neurons)> Groups(ReadOnlySpan<double> solution, double relativeTolerance)
    {
        int d = Features;
        double largest = 0;
        for (int b = 0; b < Blocks.Count; b++) largest = Math.Max(largest, Norm(solution.Slice(BlockVariable(b) + 1, d)));
        var groups = new Dictionary<(int, int), List<(int, double[])>>();
        for (int b = 0; b < Blocks.Count && largest > 0; b++)
        {
            var a = solution.Slice(BlockVariable(b) + 1, d);
            if (Norm(a) <= relativeTolerance * largest) continue;
            var key = (Blocks[b].Sign, Blocks[b].Outer);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add((Blocks[b].Rho, a.ToArray()));
        }
        return groups.Select(g => (g.Key.Item1, g.Value)).ToList();
    }

    /// <inheritdoc/>
    public string Describe() =>
        $"{Problem.Variables:N0} variables, {Problem.Constraints:N0} rows, {Blocks.Count:N0} blocks over {OuterChambers.Count:N0} x {InnerChambers.Count:N0} pattern pairs, {OuterRows:N0} second-layer rows";

    /// <inheritdoc/>
    public JsonObject Details(ReadOnlySpan<double> solution) => new()
    {
        ["outer_patterns"] = OuterChambers.Count, ["inner_patterns"] = InnerChambers.Count, ["blocks"] = Blocks.Count,
        ["outer_rows"] = OuterRows, ["sign_rows"] = SignRows,
    };
}
