using System.Numerics;

namespace ExactConvexNN.Numerics;

/// <summary>
/// Exact integer-vector helpers for sign decisions: a row of doubles is an exact dyadic vector, so a
/// positive power-of-two multiple of it is an integer vector with the same hyperplane and the same signs.
/// </summary>
public static class ExactVector
{
    /// <summary>Row <paramref name="row"/> of <paramref name="x"/> as an exact integer vector (see <see cref="ExactRows.ToIntegers"/>).</summary>
    public static BigInteger[] FromRow(double[,] x, int row)
    {
        var r = new double[x.GetLength(1)];
        for (int j = 0; j < r.Length; j++) r[j] = x[row, j];
        return ExactRows.ToIntegers(r);
    }

    /// <summary>
    /// The canonical normal of the hyperplane {g : v'g = 0}: the primitive multiple of v whose first nonzero
    /// entry is positive. Two nonzero vectors span the same hyperplane exactly when these are equal.
    /// </summary>
    public static BigInteger[] HyperplaneKey(ReadOnlySpan<BigInteger> v)
    {
        var r = v.ToArray();
        ExactRows.Canonicalize(r);
        return r;
    }

    /// <summary>True when every entry is zero.</summary>
    public static bool IsZero(ReadOnlySpan<BigInteger> v)
    {
        foreach (var a in v) if (!a.IsZero) return false;
        return true;
    }

    /// <summary>The smallest positive integer multiple of a rational vector, divided by its gcd (a primitive integer vector in the same direction).</summary>
    public static BigInteger[] ClearDenominators(ReadOnlySpan<Rational> v)
    {
        var lcm = BigInteger.One;
        foreach (var r in v) lcm = lcm / BigInteger.GreatestCommonDivisor(lcm, r.Denominator) * r.Denominator;
        var z = new BigInteger[v.Length];
        for (int i = 0; i < v.Length; i++) z[i] = v[i].Numerator * (lcm / v[i].Denominator);
        ExactRows.Reduce(z);
        return z;
    }
}
