using System.Numerics;

namespace ExactConvexNN.Numerics;

/// <summary>
/// Exact integer arithmetic on data rows. A double is the dyadic rational m * 2^e, so each row can be scaled
/// by a positive power of two to an integer vector: the same hyperplane, the same signs. Every sign decision of
/// the arrangement layer is made on these integers.
/// </summary>
public static class ExactRows
{
    /// <summary>The row times the smallest power of two that makes every entry an integer (a positive scaling).</summary>
    public static BigInteger[] ToIntegers(ReadOnlySpan<double> row)
    {
        var parts = new (BigInteger M, int E)[row.Length];
        int minExp = int.MaxValue;
        for (int i = 0; i < row.Length; i++)
        {
            if (!double.IsFinite(row[i])) throw new ArgumentException($"value {row[i]} is not finite");
            parts[i] = Rational.Decompose(row[i]);
            if (!parts[i].M.IsZero) minExp = Math.Min(minExp, parts[i].E);
        }
        // x_i = m_i 2^(e_i); scaled by 2^(-minExp) every entry is m_i 2^(e_i - minExp), an integer.
        var result = new BigInteger[row.Length];
        for (int i = 0; i < row.Length; i++)
            result[i] = parts[i].M.IsZero ? BigInteger.Zero : parts[i].M << (parts[i].E - minExp);
        return result;
    }

    /// <summary>
    /// The primitive representative of the line through v: v divided by the gcd of its entries, negated if needed so
    /// that its first nonzero entry is positive. Returns the orientation (+1 if v is a positive multiple of the
    /// result, -1 if negative, 0 for the zero vector, which is returned unchanged).
    /// </summary>
    public static int Canonicalize(BigInteger[] v)
    {
        BigInteger g = BigInteger.Zero;
        int first = -1;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i].IsZero) continue;
            if (first < 0) first = i;
            g = g.IsZero ? BigInteger.Abs(v[i]) : BigInteger.GreatestCommonDivisor(g, v[i]);
        }
        if (first < 0) return 0;
        int orientation = v[first].Sign;
        if (!g.IsOne || orientation < 0)
        {
            var divisor = orientation < 0 ? -g : g;
            for (int i = 0; i < v.Length; i++) if (!v[i].IsZero) v[i] /= divisor;
        }
        return orientation;
    }

    /// <summary>Exact dot product.</summary>
    public static BigInteger Dot(ReadOnlySpan<BigInteger> a, ReadOnlySpan<BigInteger> b)
    {
        BigInteger s = BigInteger.Zero;
        for (int i = 0; i < a.Length; i++) if (!a[i].IsZero && !b[i].IsZero) s += a[i] * b[i];
        return s;
    }

    /// <summary>Divides an integer vector by the gcd of its entries (a positive scaling; zero stays zero).</summary>
    public static void Reduce(BigInteger[] v)
    {
        BigInteger g = BigInteger.Zero;
        foreach (var x in v) if (!x.IsZero) g = g.IsZero ? BigInteger.Abs(x) : BigInteger.GreatestCommonDivisor(g, x);
        if (g.IsZero || g.IsOne) return;
        for (int i = 0; i < v.Length; i++) v[i] /= g;
    }

    /// <summary>
    /// Exact rank and pivot columns of an integer matrix (rows given as vectors) by fraction-free (Bareiss) elimination.
    /// The pivot columns P are the first linearly independent columns: every column is a rational combination of them.
    /// </summary>
    public static (int Rank, int[] PivotColumns) RankAndPivots(IReadOnlyList<BigInteger[]> rows, int columns)
    {
        var work = rows.Select(r => (BigInteger[])r.Clone()).ToList();
        var pivots = new List<int>();
        BigInteger previous = BigInteger.One;
        int top = 0;
        for (int c = 0; c < columns && top < work.Count; c++)
        {
            int p = -1;
            for (int i = top; i < work.Count; i++) if (!work[i][c].IsZero) { p = i; break; }
            if (p < 0) continue;
            (work[top], work[p]) = (work[p], work[top]);
            var pivotRow = work[top];
            var pivot = pivotRow[c];
            // Bareiss step: a_ij <- (a_pp a_ij - a_ic a_pj) / previous pivot (exact division).
            for (int i = top + 1; i < work.Count; i++)
            {
                var row = work[i];
                var factor = row[c];
                for (int j = c; j < columns; j++)
                    row[j] = (pivot * row[j] - factor * pivotRow[j]) / previous;
            }
            previous = pivot;
            pivots.Add(c);
            top++;
        }
        return (pivots.Count, pivots.ToArray());
    }

    /// <summary>
    /// The rank of an integer matrix modulo the Mersenne prime 2^61 - 1: a lower bound on the rank over the
    /// rationals, equal to it unless the prime divides every maximal minor. Cheap (64-bit arithmetic), used for
    /// estimates only, never for exact results.
    /// </summary>
    public static int RankModPrime(IReadOnlyList<BigInteger[]> rows, int columns)
    {
        const ulong p = (1UL << 61) - 1;
        var work = rows.Select(r => r.Select(v => (ulong)(((v % p) + p) % p)).ToArray()).ToList();
        int rank = 0;
        for (int c = 0; c < columns && rank < work.Count; c++)
        {
            int piv = -1;
            for (int i = rank; i < work.Count; i++) if (work[i][c] != 0) { piv = i; break; }
            if (piv < 0) continue;
            (work[rank], work[piv]) = (work[piv], work[rank]);
            ulong inv = PowMod(work[rank][c], p - 2, p);
            for (int i = rank + 1; i < work.Count; i++)
            {
                if (work[i][c] == 0) continue;
                ulong f = MulMod(work[i][c], inv, p);
                for (int j = c; j < columns; j++)
                    work[i][j] = (work[i][j] + p - MulMod(f, work[rank][j], p)) % p;
            }
            rank++;
        }
        return rank;
    }

    private static ulong MulMod(ulong a, ulong b, ulong p) => (ulong)((UInt128)a * b % p);

    private static ulong PowMod(ulong a, ulong e, ulong p)
    {
        ulong r = 1;
        while (e > 0) { if ((e & 1) != 0) r = MulMod(r, a, p); a = MulMod(a, a, p); e >>= 1; }
        return r;
    }
}
