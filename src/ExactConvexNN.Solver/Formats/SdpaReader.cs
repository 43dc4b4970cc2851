using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Reads the SDPA sparse format (<c>.dat-s</c>, also <c>.sdpa</c>) of semidefinite programs:
/// <code>
///   "comment lines start with " or *
///   m                      number of scalar variables (the rest of the line is ignored, e.g. "= mDIM")
///   nblocks                number of diagonal blocks
///   b_1 ... b_nblocks      block sizes; a negative size -k is a diagonal (LP) block of k entries
///   c_1 ... c_m            the cost vector
///   matno blkno i j value  entries of F_matno (matno 0 = F_0) in block blkno at (i, j), 1-based, upper triangle
/// </code>
/// The separators { } ( ) and commas count as white space. Entries are symmetric: (i, j) and (j, i) name the same pair
/// of matrix entries; repeated entries are summed. In a diagonal block only i = j is allowed.
/// </summary>
/// <remarks>
/// SDPA's primal is <c>min c'x s.t. X = Σ_i F_i x_i - F_0 ⪰ 0</c> (its dual: <c>max &lt;F_0, Y&gt; s.t. &lt;F_i, Y&gt; = c_i, Y ⪰ 0</c>).
/// It maps to <c>A x + s = b</c> with <c>s = svec(X)</c> block by block: <c>A = -[svec(F_1) ... svec(F_m)]</c>, <c>b = -svec(F_0)</c>,
/// a <see cref="PsdConeSpec"/> for each matrix block and a <see cref="NonnegativeConeSpec"/> for each diagonal block, in file order.
/// The reported objective is SDPA's primal objective c'x. Note that CSDP, reading the same file, calls the other problem
/// its primal (<c>max tr(CX)</c> with C = F_0) and prints c'x as its "Dual objective value"; at an optimum the two agree.
/// </remarks>
public static class SdpaReader
{
    private static readonly char[] Separators = [' ', '\t', '\r', '\n', '\f', '\v', '{', '}', '(', ')', ','];

    /// <summary>Reads an SDPA sparse file, gzip-compressed or not (see <see cref="InputText"/>); the problem name is the file name without extension (and .gz).</summary>
    /// <exception cref="InputException">The file is missing or malformed.</exception>
    public static ProblemFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputException($"file not found: '{path}'; check the path");
        return InputText.Read(path, reader => Read(reader, Path.GetFileNameWithoutExtension(InputText.WithoutGz(path)), Path.GetFileName(path)));
    }

    /// <summary>Reads SDPA sparse text. <paramref name="label"/> prefixes error messages (usually the file name).</summary>
    /// <exception cref="InputException">The text is malformed; the message names the line and the fix.</exception>
    public static ProblemFile Read(TextReader reader, string name, string label = "SDPA")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var cur = new LineCursor(reader, label, l => l.TrimStart() is ['"' or '*', ..], Separators);
        if (!cur.MoveNext()) throw new InputException($"{label}: the file is empty; an SDPA file starts with m (the number of variables)");
        int m = cur.Integer(FirstToken(cur, "m"), "number of variables m", 1);
        int nblocks = cur.Integer(FirstToken(cur.NextTokens("the number of blocks"), cur, "nblocks"), "number of blocks", 1);

        // Block sizes (may span lines; text after the last one, e.g. "= bLOCKsTRUCT", is ignored).
        // The declared counts are checked against the lines that follow, not trusted for allocation.
        var sizeList = new List<int>();
        while (sizeList.Count < nblocks)
        {
            var t = cur.NextTokens("the block sizes");
            for (int p = 0; p < t.Length && sizeList.Count < nblocks; p++)
            {
                int v = cur.Integer(t[p], $"size of block {sizeList.Count + 1}", -int.MaxValue);
                if (v == 0) throw cur.Error($"block {sizeList.Count + 1} has size 0; use k > 0 for a k x k matrix block or -k for a diagonal block");
                sizeList.Add(v);
            }
        }
        int[] sizes = [.. sizeList];
        SizeLimits.Check(cur, (long)m + sizes.Where(v => v < 0).Sum(v => -(long)v), sizes.Where(v => v > 0), "the declared m and block sizes");

        // Cost vector (may span lines; nothing numeric may follow it on its last line).
        var cost = new List<double>();
        while (cost.Count < m)
        {
            var t = cur.NextTokens("the cost vector c");
            int p = 0;
            for (; p < t.Length && cost.Count < m; p++) cost.Add(cur.Number(t[p], $"c[{cost.Count + 1}]"));
            if (cost.Count == m && p < t.Length && double.TryParse(t[p], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                throw cur.Error($"the cost vector has more than m = {m} entries; fix m or the vector");
        }
        double[] c = [.. cost];

        // Rows: one svec block or diagonal per SDPA block, in order.
        var offsets = new int[nblocks + 1];
        var cones = new List<ConeSpec>(nblocks);
        for (int k = 0; k < nblocks; k++)
        {
            int size = Math.Abs(sizes[k]);
            cones.Add(sizes[k] > 0 ? new PsdConeSpec(size) : new NonnegativeConeSpec(size));
            offsets[k + 1] = offsets[k] + cones[k].Dimension;
        }
        int rows = offsets[nblocks];
        var b = new double[rows];
        var a = new List<(int, int, double)>();
        double sqrt2 = Math.Sqrt(2.0);
        while (cur.MoveNext())
        {
            var t = cur.Expect(cur.Tokens(), 5, "matno blkno i j value");
            int mat = cur.Integer(t[0], "matrix number", 0, m);
            int blk = cur.Integer(t[1], "block number", 1, nblocks) - 1;
            int size = Math.Abs(sizes[blk]);
            int i = cur.Integer(t[2], "row index i", 1, size) - 1, j = cur.Integer(t[3], "column index j", 1, size) - 1;
            double v = cur.Number(t[4], "value");
            int row; double coef;
            if (sizes[blk] < 0)
            {
                if (i != j) throw cur.Error($"block {blk + 1} is diagonal but the entry is at ({i + 1}, {j + 1}); use i = j in diagonal blocks");
                row = offsets[blk] + i; coef = 1.0;
            }
            else { row = offsets[blk] + PsdCone.SvecIndex(i, j, size); coef = i == j ? 1.0 : sqrt2; }
            // s = Σ F_i x_i - F_0: A = -svec(F_i), b = -svec(F_0).
            if (mat == 0) b[row] -= coef * v;
            else a.Add((row, mat - 1, -coef * v));
        }
        var problem = ConicProblem.Create(null, c, CscMatrix.FromTriplets(rows, m, a), b, cones);
        return new ProblemFile(problem, false, name, "sdpa");
    }

    private static string FirstToken(LineCursor cur, string field) => FirstToken(cur.Tokens(), cur, field);

    private static string FirstToken(string[] tokens, LineCursor cur, string field) =>
        tokens.Length > 0 ? tokens[0] : throw cur.Error($"expected {field} on this line");
}
