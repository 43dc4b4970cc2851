using System.Numerics;
using ExactConvexNN.Arrangements;
using FsCheck;
using FsCheck.Fluent;
using static ExactConvexNN.Tests.Core.Arrangements.ArrangementTestData;

namespace ExactConvexNN.Tests.Core.Arrangements;

/// <summary>
/// Invariances of the exact chamber set on random small integer data (degenerate by construction: small ranges give
/// repeated rows, multiples, zero rows and many concurrent hyperplanes) and on Gaussian data.
/// </summary>
public class ArrangementPropertyTests
{
    /// <summary>A random case: n rows, d columns, entries in [-range, range], from a seed.</summary>
    public sealed record Case(int N, int D, int Range, int Seed)
    {
        public double[,] X => SmallIntegers(N, D, Range, Seed);
        public override string ToString() => $"n={N} d={D} range={Range} seed={Seed}";
    }

    private static Arbitrary<Case> Cases(int maxN, int maxD) => Arb.From(
        from n in Gen.Choose(1, maxN)
        from d in Gen.Choose(1, maxD)
        from range in Gen.Choose(1, 3)
        from seed in Gen.Choose(0, 1_000_000)
        select new Case(n, d, range, seed));

    /// <summary>Cases with n &lt;= 10, d &lt;= 4.</summary>
    public static class Small { public static Arbitrary<Case> Cases() => ArrangementPropertyTests.Cases(10, 4); }
    /// <summary>Cases with n &lt;= 10, d &lt;= 3.</summary>
    public static class ThreeColumns { public static Arbitrary<Case> Cases() => ArrangementPropertyTests.Cases(10, 3); }
    /// <summary>Cases with n &lt;= 8, d &lt;= 3 (every pair of chambers is compared).</summary>
    public static class EightRowsThreeColumns { public static Arbitrary<Case> Cases() => ArrangementPropertyTests.Cases(8, 3); }

    private const int Tests = 60;

    [Property(Arbitrary = new[] { typeof(Small) }, MaxTest = Tests)]
    public void EveryWitnessRecomputesItsPatternAndCountMatchesZaslavsky(Case c)
    {
        var x = c.X;
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(a.ExpectedChambers, (BigInteger)a.Chambers.Count);
        Assert.Equal(a.Chambers.Count, Patterns(a).Count);
        foreach (var ch in a.Chambers) AssertWitnessRecomputesPattern(x, ch);
    }

    /// <summary>Cases with n &lt;= 11, d &lt;= 6 (both exact enumeration methods compared).</summary>
    public static class ElevenRowsSixColumns { public static Arbitrary<Case> Cases() => ArrangementPropertyTests.Cases(11, 6); }

    [Trait("Category", "Slow")]
    [Property(Arbitrary = new[] { typeof(ElevenRowsSixColumns) }, MaxTest = Tests)]
    public void FlatByFlatEnumerationFindsTheChambersAndFacetsOfRestrictionByRestriction(Case c)
    {
        // Both exact methods on every rank (1 forces flats everywhere, int.MaxValue never): same patterns, same facet
        // rows, witnesses inside their chambers.
        var x = c.X;
        var byFlats = ArrangementEnumerator.Enumerate(x, new ArrangementOptions(), flatRecursionFromRank: 1);
        var byRestrictions = ArrangementEnumerator.Enumerate(x, new ArrangementOptions(), flatRecursionFromRank: int.MaxValue);
        Assert.Equal(byRestrictions.ExpectedChambers, (BigInteger)byFlats.Chambers.Count);
        var facets = byRestrictions.Chambers.ToDictionary(ch => ch.ToString(), ch => string.Join(",", ch.FacetRows!));
        foreach (var ch in byFlats.Chambers)
        {
            Assert.True(facets.TryGetValue(ch.ToString(), out var rows), $"{c}: pattern {ch} not found by restriction");
            Assert.Equal(rows, string.Join(",", ch.FacetRows!));
            AssertWitnessRecomputesPattern(x, ch);
        }
    }

    [Property(Arbitrary = new[] { typeof(Small) }, MaxTest = Tests)]
    public void PermutingRowsPermutesThePatterns(Case c)
    {
        var x = c.X;
        int n = c.N, d = c.D;
        var perm = Enumerable.Range(0, n).OrderBy(i => (i * 7919 + c.Seed) % 101).ThenBy(i => i).ToArray();
        var y = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) y[i, j] = x[perm[i], j];
        var expected = Patterns(ArrangementEnumerator.Enumerate(x))
            .Select(p => new string(Enumerable.Range(0, n).Select(i => p[perm[i]]).ToArray())).ToHashSet();
        Assert.True(expected.SetEquals(Patterns(ArrangementEnumerator.Enumerate(y))), c.ToString());
    }

    [Property(Arbitrary = new[] { typeof(Small) }, MaxTest = Tests)]
    public void PositiveRowScalingChangesNothing(Case c)
    {
        var x = c.X;
        var y = (double[,])x.Clone();
        var rng = new Random(c.Seed);
        for (int i = 0; i < c.N; i++)
        {
            double s = Math.Pow(2, rng.Next(-40, 40)) * (1 + rng.Next(0, 7));
            for (int j = 0; j < c.D; j++) y[i, j] *= s;
        }
        Assert.True(Patterns(ArrangementEnumerator.Enumerate(x)).SetEquals(Patterns(ArrangementEnumerator.Enumerate(y))), c.ToString());
    }

    [Property(Arbitrary = new[] { typeof(ThreeColumns) }, MaxTest = Tests)]
    public void InvertibleColumnChangeAndZeroColumnChangeNothing(Case c)
    {
        var x = c.X;
        int n = c.N, d = c.D;
        // A = unit upper triangular with small integer entries times a column permutation: invertible, and X A is
        // computed exactly in doubles because every entry is a small integer.
        var rng = new Random(c.Seed);
        var a = new double[d, d];
        for (int i = 0; i < d; i++) { a[i, i] = 1; for (int j = i + 1; j < d; j++) a[i, j] = rng.Next(-2, 3); }
        var xa = new double[n, d + 1];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += x[i, k] * a[k, (j + 1) % d];
                xa[i, j] = s;
            }
        var before = Patterns(ArrangementEnumerator.Enumerate(x));
        Assert.True(before.SetEquals(Patterns(ArrangementEnumerator.Enumerate(xa))), c.ToString());
    }

    [Property(Arbitrary = new[] { typeof(Small) }, MaxTest = Tests)]
    public void ComplementsOnNonzeroRowsComeInPairs(Case c)
    {
        var x = c.X;
        var zero = Enumerable.Range(0, c.N).Select(i => Enumerable.Range(0, c.D).All(j => x[i, j] == 0)).ToArray();
        var patterns = Patterns(ArrangementEnumerator.Enumerate(x));
        foreach (var p in patterns)
        {
            var complement = new string(p.Select((ch, i) => zero[i] ? '1' : ch == '1' ? '0' : '1').ToArray());
            Assert.Contains(complement, patterns);
        }
    }

    [Property(Arbitrary = new[] { typeof(Small) }, MaxTest = Tests)]
    public void SampledPatternsAreAlwaysExactChambers(Case c)
    {
        var x = c.X;
        var exact = Patterns(ArrangementEnumerator.Enumerate(x));
        var sampled = ArrangementEnumerator.Sample(x, 50, c.Seed);
        Assert.Subset(exact, Patterns(sampled));
    }

    [Property(Arbitrary = new[] { typeof(EightRowsThreeColumns) }, MaxTest = Tests)]
    public void FacetRowsDescribeTheSameCone(Case c)
    {
        // Every exact pattern's chamber is cut out by its facet rows alone: no other exact chamber agrees with it on
        // all facet rows (otherwise the facet inequalities would not determine the chamber).
        var a = ArrangementEnumerator.Enumerate(c.X);
        foreach (var ch in a.Chambers)
            foreach (var other in a.Chambers)
                if (!ReferenceEquals(ch, other))
                    Assert.False(ch.FacetRows!.All(j => ch[j] == other[j]), $"{c}: facets of {ch} do not separate it from {other}");
    }

    [Property(Arbitrary = new[] { typeof(Small) }, MaxTest = Tests)]
    public void CrossingEachFacetLeadsToAChamberThatDiffersOnlyThere(Case c)
    {
        // A facet row is irredundant: the neighbour across it differs exactly on the rows of that hyperplane.
        var a = ArrangementEnumerator.Enumerate(c.X);
        var patterns = Patterns(a);
        foreach (var ch in a.Chambers)
            foreach (int f in ch.FacetRows!)
            {
                int h = a.RowHyperplane[f];
                var neighbour = new string(Enumerable.Range(0, c.N).Select(j => a.RowHyperplane[j] == h ? (ch[j] ? '0' : '1') : (ch[j] ? '1' : '0')).ToArray());
                Assert.Contains(neighbour, patterns);
            }
    }
}

/// <summary>The two enumerators are independent algorithms (restriction recursion vs incremental exact-LP splits): they must agree.</summary>
public class EnumeratorAgreementTests
{
    /// <summary>Cases with n &lt;= 9, d &lt;= 4.</summary>
    public static class Cases
    {
        public static Arbitrary<ArrangementPropertyTests.Case> Small() => Arb.From(
            from n in Gen.Choose(1, 9)
            from d in Gen.Choose(1, 4)
            from range in Gen.Choose(1, 3)
            from seed in Gen.Choose(0, 1_000_000)
            select new ArrangementPropertyTests.Case(n, d, range, seed));
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 40)]
    public void RestrictionAndIncrementalEnumeratorsFindTheSamePatternsAndFacets(ArrangementPropertyTests.Case c)
    {
        var x = c.X;
        var fast = ArrangementEnumerator.Enumerate(x);
        var slow = IncrementalEnumerator.Enumerate(x);
        Assert.True(Patterns(fast).SetEquals(Patterns(slow)), $"{c}");
        var facetsSlow = slow.Chambers.ToDictionary(ch => ch.ToString(), ch => ch.FacetRows!);
        foreach (var ch in fast.Chambers) Assert.Equal(facetsSlow[ch.ToString()], ch.FacetRows!);
    }

    [Fact]
    public void EnumeratorsAgreeOnGaussianData()
    {
        for (int seed = 0; seed < 5; seed++)
        {
            var x = Gaussian(8, 3, seed);
            Assert.True(Patterns(ArrangementEnumerator.Enumerate(x)).SetEquals(Patterns(IncrementalEnumerator.Enumerate(x))));
        }
    }
}
