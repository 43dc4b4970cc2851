using System.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// The chambers of the central hyperplane arrangement {g : x_j'g = 0} of a data matrix X (n x d),
/// enumerated exactly, with the facts a user sees (rank, distinct hyperplanes) and an independent count.
/// </summary>
public sealed class Arrangement
{
    /// <summary>Number of rows n.</summary>
    public required int Rows { get; init; }
    /// <summary>Number of columns d.</summary>
    public required int Columns { get; init; }
    /// <summary>Rank of X (exact).</summary>
    public required int Rank { get; init; }
    /// <summary>Number of distinct hyperplanes (nonzero rows up to nonzero scaling).</summary>
    public required int Hyperplanes { get; init; }
    /// <summary>For each row, the index of its hyperplane, or -1 for a zero row.</summary>
    public required int[] RowHyperplane { get; init; }
    /// <summary>The chambers.</summary>
    public required IReadOnlyList<Chamber> Chambers { get; init; }
    /// <summary>The number of chambers by an independent count (Zaslavsky / closed form), or null when not computed.</summary>
    public BigInteger? ExpectedChambers { get; init; }
    /// <summary>How <see cref="ExpectedChambers"/> was obtained ("general position", "deletion-restriction").</summary>
    public string? CountMethod { get; init; }
    /// <summary>The closed-form estimate 2 sum_{k&lt;r} C(m-1, k) (exact in general position, an upper bound otherwise).</summary>
    public required BigInteger EstimatedChambers { get; init; }
    /// <summary>True when the chambers were found by random-direction sampling: a subset of the exact set, not all of it.</summary>
    public bool Sampled { get; init; }
    /// <summary>Sampling: the directions actually drawn (fewer than asked when the sampler stopped early, see <see cref="SamplingStopped"/>).</summary>
    public long? SamplesDrawn { get; init; }
    /// <summary>Sampling: why the sampler stopped before drawing every direction asked for (null when it drew them all).</summary>
    public string? SamplingStopped { get; init; }
    /// <summary>Wall-clock seconds of the enumeration.</summary>
    public double Seconds { get; init; }
}
