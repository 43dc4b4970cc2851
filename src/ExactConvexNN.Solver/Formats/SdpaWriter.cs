using System.Globalization;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Writes a conic problem as an SDPA sparse file (<c>.dat-s</c>), the input of CSDP, SDPA and SDPT3, so that the programs the
/// project builds can be solved by those solvers beside its own. SDPA's primal is <c>min c'y s.t. Σ F_i y_i - F_0 ⪰ 0</c>
/// (see <see cref="SdpaReader"/>): free variables and linear matrix inequalities only, so the problem is rewritten first:
/// <list type="number">
/// <item>the equality rows (zero cone) are eliminated one at a time: a row is solved for a variable that no other remaining
/// equality row contains (the one with the largest coefficient), <c>x_j = (b_r - Σ_k a_rk x_k) / a_rj</c>, and x_j is
/// substituted everywhere (for the polynomial-activation programs: the residuals e_i first, then Z4 = tr(Z1));</item>
/// <item>a diagonal quadratic term ½ Σ P_jj x_j² becomes t with the block <c>[[I, ℓ], [ℓ', 2t]] ⪰ 0</c>, ℓ_j = √P_jj x_j
/// (affine in the remaining variables), i.e. t ≥ ½ ||ℓ||²;</item>
/// <item>a nonnegative cone becomes a diagonal (LP) block, a semidefinite cone its matrix block (svec off-diagonals divided
/// by √2), a second-order cone (t, u) the arrow block <c>[[t, u'], [u, t I]] ⪰ 0</c>.</item>
/// </list>
/// The optimal value of the file plus the returned constant is the optimal value of the problem. The SDPA variables are
/// the problem's variables that were not substituted, in order, then t when there is a quadratic term
/// (<see cref="SdpaForm.Kept"/>).
/// </summary>
public static class SdpaWriter
{
    private static readonly double Sqrt2 = Math.Sqrt(2.0);

    /// <summary>What the rewriting kept: the problem's variable behind each SDPA variable (-1 for t), and the objective constant.</summary>
    /// <param name="Kept">Kept[i] is the problem variable that SDPA variable i + 1 stands for, or -1 for the epigraph variable t.</param>
    /// <param name="Constant">The problem's optimal value minus the file's (the problem's own constant and what the substitutions moved out of c'y).</param>
    public sealed record SdpaForm(int[] Kept, double Constant);

    /// <summary>
    /// Writes <paramref name="problem"/> (minimization) in SDPA sparse form; the first (comment) line is <paramref name="comment"/>
    /// followed by the objective constant ("the problem's optimum is this file's plus C").
    /// </summary>
    /// <exception cref="InputException">The problem has an exponential cone, a non-diagonal quadratic term, an equality row
    /// without a variable of its own, or no variable left after the eliminations (the message says which).</exception>
    public static SdpaForm Write(ConicProblem problem, TextWriter writer, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(writer);
        int n = problem.Variables, m = problem.Constraints;
        var a = problem.A;
        var zero = new bool[m];
        int offset = 0;
        foreach (var cone in problem.Cones)
        {
            if (cone is ExponentialConeSpec) throw new InputException("SDPA has no exponential cone; write the problem as CBF instead");
            if (cone is ZeroConeSpec) zero.AsSpan(offset, cone.Dimension).Fill(true);
            offset += cone.Dimension;
        }
        var diagonalP = DiagonalOf(problem.P);

        // 1. Equality rows, eliminated one at a time: a row is solved for a variable that no other remaining equality row
        // contains (the largest coefficient among them), until none is left.
        var remaining = new int[n];
        var zeroRows = new List<(int Col, double Value)>[m];
        for (int j = 0; j < n; j++)
            for (int k = a.ColumnPointers[j]; k < a.ColumnPointers[j + 1]; k++)
            {
                int r = a.RowIndices[k];
                if (!zero[r] || a.Values[k] == 0) continue;
                remaining[j]++;
                (zeroRows[r] ??= []).Add((j, a.Values[k]));
            }
        var pivotRow = new int[n];
        Array.Fill(pivotRow, -1);
        var order = new List<int>();
        var open = Enumerable.Range(0, m).Where(r => zero[r]).ToList();
        foreach (int r in open)
            if (zeroRows[r] is null)
                throw new InputException($"equality row {r + 1} has no variables (0 = {problem.B[r].ToString("R", CultureInfo.InvariantCulture)}); remove it");
        while (open.Count > 0)
        {
            int before = open.Count;
            open.RemoveAll(r =>
            {
                int best = -1; double bestValue = 0;
                foreach (var (col, v) in zeroRows[r]!)
                    if (remaining[col] == 1 && pivotRow[col] < 0 && Math.Abs(v) > bestValue) { best = col; bestValue = Math.Abs(v); }
                if (best < 0) return false;
                pivotRow[best] = r; order.Add(best);
                foreach (var (col, _) in zeroRows[r]!) remaining[col]--;
                return true;
            });
            if (open.Count == before)
                throw new InputException($"equality row {open[0] + 1} has no variable of its own (each of its variables is in another equality row); SDPA needs the equalities eliminated first");
        }

        var kept = Enumerable.Range(0, n).Where(j => pivotRow[j] < 0).ToList();
        var keptIndex = new int[n];
        Array.Fill(keptIndex, -1);
        for (int i = 0; i < kept.Count; i++) keptIndex[kept[i]] = i;
        bool quadratic = diagonalP.Any(v => v != 0);
        int vars = kept.Count + (quadratic ? 1 : 0), tVar = kept.Count;
        if (vars == 0) throw new InputException("every variable is fixed by the equality rows: there is nothing left for SDPA to optimize");
        // x_j = (b_r - Σ_{k≠j} a_rk x_k) / a_rj for the pivot j of row r, in the kept variables only: a pivot's row holds no
        // pivot chosen before it (that one was in no other open row), so resolving in reverse order of choice substitutes
        // only pivots already resolved.
        var expression = new Affine?[n];
        for (int t = order.Count - 1; t >= 0; t--)
        {
            int j = order[t], r = pivotRow[j];
            double arj = A(zeroRows[r]!, j);
            var e = new Affine(problem.B[r] / arj, []);
            foreach (var (col, v) in zeroRows[r]!)
                if (col != j) e.Add(-v / arj, expression[col] ?? Affine.Variable(keptIndex[col]));
            expression[j] = e.Compacted();
        }
        Affine Of(int j) => expression[j] ?? Affine.Variable(keptIndex[j]);

        // Objective c'y + constant: q_j x_j with x_j substituted.
        var c = new double[vars];
        double constant = problem.ObjectiveConstant;
        for (int j = 0; j < n; j++)
        {
            double qj = problem.Q[j];
            if (qj == 0) continue;
            var e = Of(j);
            constant += qj * e.Constant;
            foreach (var (k, d) in e.Terms) c[k] += qj * d;
        }
        if (quadratic) c[tVar] = 1.0;

        // 2./3. Blocks: (matno, block, i, j, value) entries of Σ y_k F_k - F_0; an affine s = const + Σ coef y goes in as
        // F_0 -= const, F_k += coef at the block positions the row maps to.
        var entries = new List<(int Mat, int Block, int I, int J, double Value)>();
        var blockSizes = new List<int>();
        // Cone rows: s = b - A x with the pivots substituted, one affine form per row.
        var rows = new Affine[m];
        for (int r = 0; r < m; r++) if (!zero[r]) rows[r] = new Affine(problem.B[r], []);
        for (int j = 0; j < n; j++)
            for (int k = a.ColumnPointers[j]; k < a.ColumnPointers[j + 1]; k++)
            {
                int r = a.RowIndices[k];
                if (zero[r] || a.Values[k] == 0) continue;
                // s_r -= a_rj x_j.
                rows[r].Add(-a.Values[k], Of(j));
            }
        offset = 0;
        foreach (var cone in problem.Cones)
        {
            int d = cone.Dimension;
            if (cone is ZeroConeSpec || d == 0) { offset += d; continue; }
            int block = blockSizes.Count + 1;
            switch (cone)
            {
                case NonnegativeConeSpec:
                    blockSizes.Add(-d);
                    for (int i = 0; i < d; i++) Put(entries, block, i, i, rows[offset + i], 1.0);
                    break;
                case PsdConeSpec psd:
                    blockSizes.Add(psd.MatrixOrder);
                    for (int col = 0; col < psd.MatrixOrder; col++)
                        for (int row = col; row < psd.MatrixOrder; row++)
                            Put(entries, block, col, row, rows[offset + Cones.PsdCone.SvecIndex(row, col, psd.MatrixOrder)], row == col ? 1.0 : 1.0 / Sqrt2);
                    break;
                case SecondOrderConeSpec:
                    // Arrow: X_00 = X_aa = t, X_0a = u_a.
                    blockSizes.Add(d);
                    for (int i = 0; i < d; i++) Put(entries, block, i, i, rows[offset], 1.0);
                    for (int i = 1; i < d; i++) Put(entries, block, 0, i, rows[offset + i], 1.0);
                    break;
                default:
                    throw new InputException($"SDPA cannot express a {cone.GetType().Name}");
            }
            offset += d;
        }
        if (quadratic)
        {
            // [[I, ℓ], [ℓ', 2t]], ℓ_j = √P_jj x_j over the j with P_jj > 0.
            var terms = Enumerable.Range(0, n).Where(j => diagonalP[j] != 0).ToList();
            int epigraphOrder = terms.Count + 1, block = blockSizes.Count + 1;
            blockSizes.Add(epigraphOrder);
            for (int i = 0; i < terms.Count; i++)
            {
                entries.Add((0, block, i, i, -1.0));
                Put(entries, block, i, terms.Count, Of(terms[i]), Math.Sqrt(diagonalP[terms[i]]));
            }
            entries.Add((tVar + 1, block, terms.Count, terms.Count, 2.0));
        }

        WriteText(writer, comment, constant, vars, blockSizes, c, entries);
        return new SdpaForm([.. kept, .. quadratic ? new[] { -1 } : []], constant);
    }

    /// <summary>The SDPA text of <paramref name="problem"/> and its form (see <see cref="Write"/>).</summary>
    public static (string Text, SdpaForm Form) ToText(ConicProblem problem, string? comment = null)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        var form = Write(problem, sw, comment);
        return (sw.ToString(), form);
    }

    /// <summary>An affine form constant + Σ coef y_k (k an SDPA variable, 0-based), terms possibly repeated.</summary>
    private sealed class Affine(double constant, List<(int Var, double Coef)> terms)
    {
        public double Constant { get; private set; } = constant;
        public List<(int Var, double Coef)> Terms { get; } = terms;

        /// <summary>this += w · other.</summary>
        public void Add(double w, Affine other)
        {
            Constant += w * other.Constant;
            foreach (var (k, d) in other.Terms) Terms.Add((k, w * d));
        }

        /// <summary>The form 1 · y_k.</summary>
        public static Affine Variable(int k) => new(0, [(k, 1.0)]);

        /// <summary>The same form with each variable once (coefficients summed, zeros dropped).</summary>
        public Affine Compacted()
        {
            var sum = new Dictionary<int, double>();
            foreach (var (k, d) in Terms) sum[k] = sum.GetValueOrDefault(k) + d;
            return new Affine(Constant, [.. sum.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value))]);
        }
    }

    /// <summary>Entries of the affine form times <paramref name="scale"/> at (i, j) of a block: F_0 gets -constant, F_k its coefficients.</summary>
    private static void Put(List<(int, int, int, int, double)> entries, int block, int i, int j, Affine form, double scale)
    {
        if (form.Constant != 0) entries.Add((0, block, i, j, -scale * form.Constant));
        foreach (var (k, d) in form.Terms) if (d != 0) entries.Add((k + 1, block, i, j, scale * d));
    }

    private static double A(List<(int Col, double Value)> row, int col)
    {
        foreach (var (c, v) in row) if (c == col) return v;
        return 0;
    }

    /// <summary>The diagonal of P (upper triangle stored), or an error when P has an off-diagonal entry.</summary>
    private static double[] DiagonalOf(Linear.CscMatrix p)
    {
        var d = new double[p.Columns];
        for (int j = 0; j < p.Columns; j++)
            for (int k = p.ColumnPointers[j]; k < p.ColumnPointers[j + 1]; k++)
            {
                if (p.Values[k] == 0) continue;
                if (p.RowIndices[k] != j) throw new InputException("SDPA can take a diagonal quadratic objective only (through one semidefinite block); this P has off-diagonal entries");
                d[j] += p.Values[k];
            }
        return d;
    }

    /// <summary>Header, sizes, c, then the entries summed by position, zeros dropped, in (matno, block, i, j) order.</summary>
    private static void WriteText(TextWriter w, string? comment, double constant, int vars, List<int> blockSizes, double[] c, List<(int Mat, int Block, int I, int J, double Value)> entries)
    {
        var inv = CultureInfo.InvariantCulture;
        w.Write("\"");
        w.Write((comment ?? "written by ExactConvexNN").Replace('\n', ' '));
        w.Write("; the problem's optimum is this file's plus ");
        w.Write(constant.ToString("R", inv));
        w.Write('\n');
        w.Write(vars.ToString(inv)); w.Write(" = mDIM\n");
        w.Write(blockSizes.Count.ToString(inv)); w.Write(" = nBLOCK\n");
        w.Write(string.Join(' ', blockSizes.Select(b => b.ToString(inv)))); w.Write(" = bLOCKsTRUCT\n");
        w.Write(string.Join(' ', c.Select(v => v.ToString("R", inv)))); w.Write('\n');
        entries.Sort((x, y) => (x.Mat, x.Block, x.I, x.J).CompareTo((y.Mat, y.Block, y.I, y.J)));
        for (int k = 0; k < entries.Count;)
        {
            var (mat, block, i, j, _) = entries[k];
            double sum = 0;
            for (; k < entries.Count && entries[k].Mat == mat && entries[k].Block == block && entries[k].I == i && entries[k].J == j; k++) sum += entries[k].Value;
            if (sum == 0) continue;
            w.Write(string.Create(inv, $"{mat} {block} {i + 1} {j + 1} {sum:R}\n"));
        }
    }
}
