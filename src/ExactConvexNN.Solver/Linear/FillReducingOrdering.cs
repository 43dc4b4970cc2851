namespace ExactConvexNN.Solver.Linear;

/// <summary>How a sparse factorization permutes K before factoring it.</summary>
public enum FillReducingOrdering
{
    /// <summary>No permutation: pivots in the original order.</summary>
    Natural,
    /// <summary>Approximate minimum degree (<see cref="AmdOrdering"/>).</summary>
    Amd,
}

/// <summary>Computes the permutation that a <see cref="FillReducingOrdering"/> names.</summary>
public static class FillReducingOrderings
{
    /// <summary>
    /// The pivot order for the symmetric matrix whose upper triangle is <paramref name="symmetricUpperPattern"/>:
    /// perm[k] is the original index of the k-th pivot.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not square or has entries below the diagonal.</exception>
    public static int[] Compute(CscMatrix symmetricUpperPattern, FillReducingOrdering ordering)
    {
        LdlContract.ValidateUpperPattern(symmetricUpperPattern);
        return ordering switch
        {
            FillReducingOrdering.Natural => Natural(symmetricUpperPattern.Columns),
            FillReducingOrdering.Amd => AmdOrdering.Compute(symmetricUpperPattern),
            _ => throw new ArgumentOutOfRangeException(nameof(ordering), ordering, "unknown ordering"),
        };
    }

    /// <summary>The identity permutation of order <paramref name="n"/>.</summary>
    public static int[] Natural(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        return perm;
    }

    /// <summary>True when <paramref name="perm"/> holds each of 0..n-1 exactly once.</summary>
    public static bool IsPermutation(ReadOnlySpan<int> perm, int n)
    {
        if (perm.Length != n) return false;
        var seen = new bool[n];
        foreach (int p in perm)
        {
            if ((uint)p >= (uint)n || seen[p]) return false;
            seen[p] = true;
        }
        return true;
    }
}
