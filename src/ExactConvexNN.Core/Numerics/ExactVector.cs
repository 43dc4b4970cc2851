using System.Numerics;

namespace ExactConvexNN.Numerics;

/// <summary>
/// Exact integer-vector helpers for sign decisions: a row of doubles is an exact dyadic vector, so a
/// positive power-of-two multiple of it is an integer vector with the same hyperplane and the same signs.
/// </summary>
public static class ExactVector
{
    /// <summary>
    /// The integer vector 2^s * x for the smallest s that makes every entry an integer (s may be negative,
    /// removing common factors of two). A positive multiple of x, so sign(x'g) = sign(result'g) for every g.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is NaN or infinite.</exception>
    public static BigInteger[] FromDoubles(ReadOnlySpan<double> x)
    {
        var m = new BigInteger[x.Length];
        var e = new int[x.Length];
        int minExp = int.MaxValue;
        for (int i = 0; i < x.Length; i++)
        {
            (m[i], e[i]) = Rational.Decompose(x[i]);
            if (!m[i].IsZero) minExp = Math.Min(minExp, e[i]);
        }
        // x_i = m_i 2^(e_i); scaled by 2^(-minExp) every entry is m_i 2^(e_i - minExp), an integer.
        var r = new BigInteger[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = m[i].IsZero ? BigInteger.Zero : m[i] << (e[i] - minExp);
        return r;
    }

    /// <summary>Row <paramref name="row"/> of <paramref name="x"/> as an exact integer vector (see <see cref="FromDoubles"/>).</summary>
    public static BigInteger[] FromRow(double[,] x, int row)
    {
        var r = new double[x.GetLength(1)];
        for (int j = 0; j < r.Length; j++) r[j] = x[row, j];
        return FromDoubles(r);
    }

    /// <summary>v divided by the gcd of its entries (v itself when it is zero): the primitive positive multiple.</summary>
    public static BigInteger[] Primitive(ReadOnlySpan<BigInteger> v)
    {
        var g = BigInteger.Zero;
        foreach (var a in v) g = BigInteger.GreatestCommonDivisor(g, a);
        var r = v.ToArray();
        if (g > BigInteger.One) for (int i = 0; i < r.Length; i++) r[i] /= g;
        return r;
    }

    /// <summary>
    /// The canonical normal of the hyperplane {g : v'g = 0}: the primitive multiple of v whose first nonzero
    /// entry is positive. Two nonzero vectors span the same hyperplane exactly when these are equal.
    /// </summary>
    public static BigInteger[] HyperplaneKey(ReadOnlySpan<BigInteger> v)
    {
        var r = Primitive(v);
        int first = Array.FindIndex(r, a => !a.IsZero);
        if (first >= 0 && r[first].Sign < 0) for (int i = 0; i < r.Length; i++) r[i] = -r[i];
        return r;
    }

    /// <summary>True when every entry is zero.</summary>
    public static bool IsZero(ReadOnlySpan<BigInteger> v)
    {
        foreach (var a in v) if (!a.IsZero) return false;
        return true;
    }

    /// <summary>The exact inner product a'b.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static BigInteger Dot(ReadOnlySpan<BigInteger> a, ReadOnlySpan<BigInteger> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths {a.Length} and {b.Length} differ");
        var s = BigInteger.Zero;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>The smallest positive integer multiple of a rational vector, divided by its gcd (a primitive integer vector in the same direction).</summary>
    public static BigInteger[] ClearDenominators(ReadOnlySpan<Rational> v)
    {
        var lcm = BigInteger.One;
        foreach (var r in v) lcm = lcm / BigInteger.GreatestCommonDivisor(lcm, r.Denominator) * r.Denominator;
        var z = new BigInteger[v.Length];
        for (int i = 0; i < v.Length; i++) z[i] = v[i].Numerator * (lcm / v[i].Denominator);
        return Primitive(z);
    }

    /// <summary>The exact rank of the matrix whose rows are <paramref name="rows"/> (each of length <paramref name="d"/>), by rational Gaussian elimination.</summary>
    /// <exception cref="ArgumentException">A row has the wrong length.</exception>
    public static int Rank(IReadOnlyList<BigInteger[]> rows, int d)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var m = new Rational[rows.Count, d];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"row {i} has {rows[i].Length} entries, expected {d}", nameof(rows));
            for (int j = 0; j < d; j++) m[i, j] = rows[i][j];
        }
        int rank = 0;
        for (int col = 0; col < d && rank < rows.Count; col++)
        {
            int piv = -1;
            for (int i = rank; i < rows.Count; i++) if (!m[i, col].IsZero) { piv = i; break; }
            if (piv < 0) continue;
            for (int j = col; j < d; j++) (m[rank, j], m[piv, j]) = (m[piv, j], m[rank, j]);
            // m_i. -= (m_i,col / m_rank,col) m_rank. for the rows below the pivot.
            for (int i = rank + 1; i < rows.Count; i++)
            {
                if (m[i, col].IsZero) continue;
                var f = m[i, col] / m[rank, col];
                for (int j = col; j < d; j++) m[i, j] -= f * m[rank, j];
            }
            rank++;
        }
        return rank;
    }
}
