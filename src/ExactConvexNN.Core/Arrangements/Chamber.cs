using System.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// One chamber (full-dimensional region) of the central arrangement {g : x_j'g = 0}: the set of g with
/// a fixed sign pattern of Xg. Its activation pattern is D = diag(1[Xg &gt;= 0]) over all n rows
/// (a zero row is always active, since 0 &gt;= 0).
/// </summary>
public sealed class Chamber
{
    private readonly ulong[] _bits;

    /// <summary>Number of data rows n.</summary>
    public int Rows { get; }

    /// <summary>
    /// A point strictly inside the chamber, exactly: an integer vector g in R^d (only its direction matters)
    /// with x_j'g != 0 for every nonzero row x_j, and 1[x_j'g &gt;= 0] equal to the pattern.
    /// </summary>
    public BigInteger[] Witness { get; }

    /// <summary>
    /// Rows whose inequalities (2D-I)_jj x_j'g &gt;= 0 are irredundant for the chamber's closed cone: one row
    /// (the first) for each hyperplane that carries a facet. Sorted ascending. Null when the chamber was found by
    /// sampling, which does not determine facets.
    /// </summary>
    public int[]? FacetRows { get; }

    /// <summary>True when no row is active (Xg &lt; 0 on every row): the chamber adds nothing to a program.</summary>
    public bool IsAllZero { get; }

    /// <summary>Builds a chamber from its pattern bits (bit j of the packed words = row j active).</summary>
    public Chamber(int rows, ulong[] patternBits, BigInteger[] witness, int[]? facetRows)
    {
        Rows = rows; _bits = patternBits; Witness = witness; FacetRows = facetRows;
        bool any = false;
        for (int j = 0; j < rows && !any; j++) any = this[j];
        IsAllZero = !any;
    }

    /// <summary>Whether row j is active (1[x_j'g &gt;= 0]).</summary>
    public bool this[int row] => (_bits[row >> 6] >> (row & 63) & 1UL) != 0;

    /// <summary>The pattern bits, packed 64 rows per word (row j is bit j % 64 of word j / 64).</summary>
    public ReadOnlySpan<ulong> PatternBits => _bits;

    /// <summary>The pattern as booleans.</summary>
    public bool[] Pattern()
    {
        var p = new bool[Rows];
        for (int j = 0; j < Rows; j++) p[j] = this[j];
        return p;
    }

    /// <summary>The witness as a unit vector in doubles (for display and warm starts; the exact witness is <see cref="Witness"/>).</summary>
    public double[] WitnessDirection()
    {
        int maxBits = 0;
        foreach (var w in Witness) maxBits = Math.Max(maxBits, (int)BigInteger.Abs(w).GetBitLength());
        int shift = Math.Max(0, maxBits - 60);
        var g = Witness.Select(w => (double)(w >> shift)).ToArray();
        double norm = Math.Sqrt(g.Sum(v => v * v));
        if (norm > 0) for (int i = 0; i < g.Length; i++) g[i] /= norm;
        return g;
    }

    /// <summary>The pattern as a string of 0s and 1s, row 1 first ("0110").</summary>
    public override string ToString() => new(Enumerable.Range(0, Rows).Select(j => this[j] ? '1' : '0').ToArray());
}
