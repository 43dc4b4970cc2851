using System.Diagnostics;
using System.Numerics;
using ExactConvexNN.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// A deliberately simple, independent chamber enumerator, used to cross-check the main one on small
/// inputs (n &lt;= ~12, d &lt;= ~4). It inserts the distinct hyperplanes one at a time and splits every
/// current chamber whose cone meets both open sides of the new hyperplane; each side is decided exactly by
/// <see cref="ExactSimplex.FindInterior"/> on all constraints inserted so far. Nothing is decided in floating
/// point: every row of doubles is first converted to an exact integer multiple of itself.
/// Cost: one small LP per chamber per hyperplane (slow, but obviously correct).
/// </summary>
public static class IncrementalEnumerator
{
    /// <summary>
    /// Enumerates the chambers of {g : x_j'g = 0} for the rows x_j of <paramref name="x"/> (n x d).
    /// Zero rows carry no hyperplane and are active (1) in every pattern. Chambers are sorted by pattern
    /// (row 1 most significant, 0 before 1); each has an exact integer witness and the rows of its facets.
    /// </summary>
    /// <exception cref="ArgumentException">An entry of <paramref name="x"/> is NaN or infinite, or d = 0.</exception>
    public static Arrangement Enumerate(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (d < 1) throw new ArgumentException("the data needs at least one column", nameof(x));
        var clock = Stopwatch.StartNew();

        // Distinct hyperplanes: canonical primitive normals; rowSign[j] = +1 when x_j is a positive multiple of its normal.
        var normals = new List<BigInteger[]>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var rowHyperplane = new int[n];
        var rowSign = new int[n];
        for (int j = 0; j < n; j++)
        {
            var r = ExactVector.FromRow(x, j);
            if (ExactVector.IsZero(r)) { rowHyperplane[j] = -1; continue; }
            var key = ExactVector.HyperplaneKey(r);
            string s = string.Join(",", key);
            if (!index.TryGetValue(s, out int k)) { k = normals.Count; index[s] = k; normals.Add(key); }
            rowHyperplane[j] = k;
            rowSign[j] = ExactRows.Dot(r, key).Sign;
        }
        int m = normals.Count;

        // Chambers so far: sign vector over the inserted hyperplanes (+1/-1) and an exact interior point.
        var first = new BigInteger[d];
        first[0] = BigInteger.One;
        var cells = new List<(sbyte[] Signs, BigInteger[] Witness)> { (new sbyte[m], first) };
        var constraints = new List<BigInteger[]>(m + 1);
        for (int k = 0; k < m; k++)
        {
            var h = normals[k];
            var minusH = h.Select(v => -v).ToArray();
            var next = new List<(sbyte[], BigInteger[])>(2 * cells.Count);
            foreach (var (signs, w) in cells)
            {
                // The open cone {g : signs_i h_i'g > 0, i < k} meets side +1 (resp. -1) of h when adding
                // +h'g > 0 (resp. -h'g > 0) keeps it feasible; the old witness settles its own side for free.
                int side = ExactRows.Dot(h, w).Sign;
                foreach (sbyte sigma in new sbyte[] { 1, -1 })
                {
                    BigInteger[] witness;
                    if (side == sigma) witness = w;
                    else
                    {
                        constraints.Clear();
                        for (int i = 0; i < k; i++) constraints.Add(signs[i] > 0 ? normals[i] : normals[i].Select(v => -v).ToArray());
                        constraints.Add(sigma > 0 ? h : minusH);
                        if (ExactSimplex.FindInterior(constraints, d, out witness) == FeasibilityStatus.Infeasible) continue;
                    }
                    var s = (sbyte[])signs.Clone();
                    s[k] = sigma;
                    next.Add((s, witness));
                }
            }
            cells = next;
        }

        // Facets: chambers whose sign vectors differ in hyperplane k alone are the two sides of a common facet on k.
        var bySigns = new HashSet<string>(cells.Select(c => SignKey(c.Signs)), StringComparer.Ordinal);
        var firstRow = new int[m];
        for (int j = n - 1; j >= 0; j--) if (rowHyperplane[j] >= 0) firstRow[rowHyperplane[j]] = j;

        int words = (n + 63) / 64;
        var chambers = new List<Chamber>(cells.Count);
        foreach (var (signs, w) in cells)
        {
            var bits = new ulong[words];
            for (int j = 0; j < n; j++)
            {
                int k = rowHyperplane[j];
                bool active = k < 0 || rowSign[j] * signs[k] > 0;
                if (active) bits[j >> 6] |= 1UL << (j & 63);
            }
            var facets = new List<int>();
            for (int k = 0; k < m; k++)
            {
                signs[k] = (sbyte)-signs[k];
                if (bySigns.Contains(SignKey(signs))) facets.Add(firstRow[k]);
                signs[k] = (sbyte)-signs[k];
            }
            facets.Sort();
            chambers.Add(new Chamber(n, bits, w, facets.ToArray()));
        }
        chambers.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));

        int rank = ExactRows.RankAndPivots(normals, d).Rank;
        return new Arrangement
        {
            Rows = n,
            Columns = d,
            Rank = rank,
            Hyperplanes = m,
            EstimatedChambers = ChamberRecursion.GeneralPositionCount(m, rank),
            RowHyperplane = rowHyperplane,
            Chambers = chambers,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static string SignKey(sbyte[] signs) => string.Concat(signs.Select(s => s > 0 ? '+' : '-'));
}
