using System.Globalization;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Writes a conic problem as an SDPA sparse file (<c>.dat-s</c>), the input of CSDP, SDPA and SDPT3, so that the programs the
/// project builds can be solved by those solvers beside its own. SDPA's primal is <c>min c'y s.t. Σ F_i y_i - F_0 ⪰ 0</c>
/// (see <see cref="SdpaReader"/>): free variables and linear matrix inequalities only, so the problem is rewritten first:
/// <list type="number">
/// <item>each equality row (zero cone) is solved for a variable of its own (one that no other equality row contains; the one
/// with the largest coefficient), and that variable is substituted everywhere: <c>x_j = (b_r - Σ_k a_rk x_k) / a_rj</c>;</item>
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

    /// <summary>Writes <paramref name="problem"/> (minimization) in SDPA sparse form; <paramref name="comment"/> becomes the first line.</summary>
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

        // 1. Equality rows: a pivot of its own for each (in no other equality row), the largest coefficient.
        var zeroCount = new int[n];
        var zeroRows = new List<(int Col, double Value)>[m];
        for (int j = 0; j < n; j++)
            for (int k = a.ColumnPointers[j]; k < a.ColumnPointers[j + 1]; k++)
            {
                int r = a.RowIndices[k];
                if (!zero[r] || a.Values[k] == 0) continue;
                zeroCount[j]++;
                (zeroRows[r] ??= []).Add((j, a.Values[k]));
            }
        var pivotRow = new int[n];
        Array.Fill(pivotRow, -1);
        var pivotOf = new int[m];
        for (int r = 0; r < m; r++)
        {
            if (!zero[r]) continue;
            int best = -1;
            foreach (var (col, v) in zeroRows[r] ?? [])
                if (zeroCount[col] == 1 && (best < 0 || Math.Abs(v) > Math.Abs(A(zeroRows[r]!, best))))
                    best = col;
            if (best < 0)
                throw new InputException(zeroRows[r] is null
                    ? $"equality row {r + 1} has no variables (0 = {problem.B[r].ToString("R", CultureInfo.InvariantCulture)}); remove it"
                    : $"equality row {r + 1} has no variable of its own (each of its variables is in another equality row); SDPA needs the equalities eliminated first");
            pivotRow[best] = r; pivotOf[r] = best;
        }

        // x_j = c_j + Σ_k d_jk x_k for a pivot j of row r: c_j = b_r / a_rj, d_jk = -a_rk / a_rj.
        var kept = Enumerable.Range(0, n).Where(j => pivotRow[j] < 0).ToList();
        var keptIndex = new int[n];
        Array.Fill(keptIndex, -1);
        for (int i = 0; i < kept.Count; i++) keptIndex[kept[i]] = i;
        bool quadratic = diagonalP.Any(v => v != 0);
        int vars = kept.Count + (quadratic ? 1 : 0), tVar = kept.Count;
        if (vars == 0) throw new InputException("every variable is fixed by the equality rows: there is nothing left for SDPA to optimize");
        Affine Expression(int j)
        {
            if (pivotRow[j] < 0) return new Affine(0, [(keptIndex[j], 1.0)]);
            int r = pivotRow[j];
            double arj = A(zeroRows[r]!, j);
            return new Affine(problem.B[r] / arj, [.. zeroRows[r]!.Where(e => e.Col != j).Select(e => (keptIndex[e.Col], -e.Value / arj))]);
        }
        var pivotExpression = new Affine?[n];
        for (int j = 0; j < n; j++) if (pivotRow[j] >= 0) pivotExpression[j] = Expression(j);

        // Objective c'y + constant: q_j x_j with x_j substituted.
        var c = new double[vars];
        double constant = problem.ObjectiveConstant;
        for (int j = 0; j < n; j++)
        {
            double qj = problem.Q[j];
            if (qj == 0) continue;
            var e = pivotExpression[j] ?? new Affine(0, [(keptIndex[j], 1.0)]);
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
                var e = pivotExpression[j] ?? new Affine(0, [(keptIndex[j], 1.0)]);
                rows[r].Add(-a.Values[k], e);
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
            int order = terms.Count + 1, block = blockSizes.Count + 1;
            blockSizes.Add(order);
            for (int i = 0; i < terms.Count; i++)
            {
                entries.Add((0, block, i, i, -1.0));
                var e = (pivotExpression[terms[i]] ?? new Affine(0, [(keptIndex[terms[i]], 1.0)])).Scaled(Math.Sqrt(diagonalP[terms[i]]));
                Put(entries, block, i, terms.Count, e, 1.0);
            }
            entries.Add((tVar + 1, block, terms.Count, terms.Count, 2.0));
        }

        WriteText(writer, comment, vars, blockSizes, c, entries);
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

        public Affine Scaled(double w) => new(w * Constant, [.. Terms.Select(t => (t.Var, w * t.Coef))]);
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
    private static void WriteText(TextWriter w, string? comment, int vars, List<int> blockSizes, double[] c, List<(int Mat, int Block, int I, int J, double Value)> entries)
    {
        var inv = CultureInfo.InvariantCulture;
        w.Write("\"");
        w.Write((comment ?? "written by ExactConvexNN").Replace('\n', ' '));
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
