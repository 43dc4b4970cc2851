using ExactConvexNN.Numerics;
using System.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// A central arrangement of distinct hyperplanes {h : a'h = 0} in R^k, each given by its canonical primitive
/// integer normal (see <see cref="ExactRows.Canonicalize"/>): the working form of both the enumerator and the
/// independent counter.
/// </summary>
internal sealed class CentralArrangement
{
    public int Dimension { get; }
    public BigInteger[][] Normals { get; }
    public int Count => Normals.Length;

    public CentralArrangement(int dimension, BigInteger[][] normals) { Dimension = dimension; Normals = normals; }

    /// <summary>
    /// The restriction to hyperplane H = Normals[h] of the hyperplanes with index &gt;= <paramref name="firstOther"/>
    /// (other than h), as an arrangement in R^(k-1). Coordinates on H: drop coordinate j, the first nonzero of a = Normals[h]
    /// (a_j &gt; 0 since a is canonical). For another normal b, b'h on H equals (1/a_j) c'h_(-j) with
    /// c_i = a_j b_i - b_j a_i (i != j): c is canonicalized and deduplicated; Map[b] is its index, Orientation[b] the sign
    /// relating c to its canonical form, so that sign(b'Lift(q)) = Orientation[b] * sign(canonical_c'q).
    /// </summary>
    public Restriction Restrict(int h, int firstOther = 0)
    {
        var a = Normals[h];
        int k = Dimension, j = 0;
        while (a[j].IsZero) j++;
        var aj = a[j];
        var map = new int[Count];
        var orientation = new sbyte[Count];
        var index = new Dictionary<BigInteger[], int>(VectorComparer.Instance);
        var list = new List<BigInteger[]>();
        for (int b = 0; b < Count; b++)
        {
            map[b] = -1;
            if (b == h || b < firstOther) continue;
            var nb = Normals[b];
            var c = new BigInteger[k - 1];
            // c_i = a_j b_i - b_j a_i over the coordinates i != j of H.
            for (int i = 0, t = 0; i < k; i++)
            {
                if (i == j) continue;
                c[t++] = aj * nb[i] - nb[j] * a[i];
            }
            int o = ExactRows.Canonicalize(c);
            if (o == 0) throw new InvalidOperationException("parallel normals in a deduplicated arrangement");
            if (!index.TryGetValue(c, out int id)) { id = list.Count; index.Add(c, id); list.Add(c); }
            map[b] = id;
            orientation[b] = (sbyte)o;
        }
        return new Restriction(new CentralArrangement(k - 1, list.ToArray()), map, orientation, j, h);
    }

    /// <summary>
    /// Lifts a point q of H (coordinates without j) to R^k: P_i = a_j q_i (i != j), P_j = -sum_{i != j} a_i q_i,
    /// a positive multiple of the point of H whose other coordinates are q, so a'P = 0.
    /// </summary>
    public BigInteger[] Lift(Restriction r, ReadOnlySpan<BigInteger> q)
    {
        var a = Normals[r.Hyperplane];
        int k = Dimension, j = r.PivotCoordinate;
        var p = new BigInteger[k];
        BigInteger sum = BigInteger.Zero;
        for (int i = 0, t = 0; i < k; i++)
        {
            if (i == j) continue;
            p[i] = a[j] * q[t];
            sum += a[i] * q[t];
            t++;
        }
        p[j] = -sum;
        return p;
    }
}

/// <summary>The restriction of an arrangement to one of its hyperplanes, with the map back to the original indices.</summary>
internal sealed record Restriction(CentralArrangement Arrangement, int[] Map, sbyte[] Orientation, int PivotCoordinate, int Hyperplane);

/// <summary>Value equality for integer vectors (hyperplane normals).</summary>
internal sealed class VectorComparer : IEqualityComparer<BigInteger[]>
{
    public static readonly VectorComparer Instance = new();
    public bool Equals(BigInteger[]? x, BigInteger[]? y) => x!.AsSpan().SequenceEqual(y);
    public int GetHashCode(BigInteger[] v)
    {
        var h = new HashCode();
        foreach (var e in v) h.Add(e);
        return h.ToHashCode();
    }
}

/// <summary>Value equality for packed sign vectors.</summary>
internal sealed class BitsComparer : IEqualityComparer<ulong[]>
{
    public static readonly BitsComparer Instance = new();
    public bool Equals(ulong[]? x, ulong[]? y) => x!.AsSpan().SequenceEqual(y);
    public int GetHashCode(ulong[] v)
    {
        ulong h = 1469598103934665603UL;
        foreach (var w in v) h = (h ^ w) * 1099511628211UL ^ (w >> 29);
        return (int)(h ^ (h >> 32));
    }
}
