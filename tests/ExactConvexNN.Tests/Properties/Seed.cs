using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests;

/// <summary>
/// The seed of a <see cref="Random"/> that builds one case of a property (uniform in 0..1,000,000, no shrinking: a
/// seed has no smaller neighbour worth trying). Converts to int, so a property body reads <c>new Random(seed)</c>.
/// </summary>
public readonly record struct Seed(int Value)
{
    /// <summary>The seed as an int.</summary>
    public static implicit operator int(Seed s) => s.Value;

    /// <inheritdoc/>
    public override string ToString() => $"seed={Value}";
}

/// <summary>The generator of <see cref="Seed"/> for <c>[Property(Arbitrary = new[] { typeof(SeedArbitrary) })]</c>.</summary>
public static class SeedArbitrary
{
    /// <summary>Seeds uniform in 0..1,000,000.</summary>
    public static Arbitrary<Seed> Seeds() => Gen.Choose(0, 1_000_000).Select(v => new Seed(v)).ToArbitrary();
}
