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

    private static Arbitrary<Case> Cases(int maxN = 10, int maxD = 4) => Arb.From(
        from n in Gen.Choose(1, maxN)
        from d in Gen.Choose(1, maxD)
        from range in Gen.Choose(1, 3)
        from seed in Gen.Choose(0, 1_000_000)
        select new Case(n, d, range, seed));

    private static void Check(Property p) => p.Check(Config.QuickThrowOnFailure.WithMaxTest(60));

    [Fact]
    public void EveryWitnessRecomputesItsPatternAndCountMatchesZaslavsky() => Check(Prop.ForAll(Cases(), c =>
    {
        var x = c.X;
        var a = ArrangementEnumerator.Enumerate(x);
        Assert.Equal(a.ExpectedChambers, (BigInteger)a.Chambers.Count);
        Assert.Equal(a.Chambers.Count, Patterns(a).Count);
        foreach (var ch in a.Chambers) AssertWitnessRecomputesPattern(x, ch);
    }));

    [Trait("Category", "Slow")]
    [Fact]
    public void FlatByFlatEnumerationFindsTheChambersAndFacetsOfRestrictionByRestriction() => Check(Prop.ForAll(Cases(maxN: 11, maxD: 6), c =>
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
    }));

    [Fact]
    public void PermutingRowsPermutesThePatterns() => Check(Prop.ForAll(Cases(), c =>
    {
        var x = c.X;
        int n = c.N, d = c.D;
        var perm = Enumerable.Range(0, n).OrderBy(i => (i * 7919 + c.Seed) % 101).ThenBy(i => i).ToArray();
        var y = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) y[i, j] = x[perm[i], j];
        var expected = Patterns(ArrangementEnumerator.Enumerate(x))
            .Select(p => new string(Enumerable.Range(0, n).Select(i => p[perm[i]]).ToArray())).ToHashSet();
        Assert.True(expected.SetEquals(Patterns(ArrangementEnumerator.Enumerate(y))), c.ToString());
    }));

    [Fact]
    public void PositiveRowScalingChangesNothing() => Check(Prop.ForAll(Cases(), c =>
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
    }));

    [Fact]
    public void InvertibleColumnChangeAndZeroColumnChangeNothing() => Check(Prop.ForAll(Cases(maxD: 3), c =>
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
    }));

    [Fact]
    public void ComplementsOnNonzeroRowsComeInPairs() => Check(Prop.ForAll(Cases(), c =>
    {
        var x = c.X;
        var zero = Enumerable.Range(0, c.N).Select(i => Enumerable.Range(0, c.D).All(j => x[i, j] == 0)).ToArray();
        var patterns = Patterns(ArrangementEnumerator.Enumerate(x));
        foreach (var p in patterns)
        {
            var complement = new string(p.Select((ch, i) => zero[i] ? '1' : ch == '1' ? '0' : '1').ToArray());
            Assert.Contains(complement, patterns);
        }
    }));

    [Fact]
    public void SampledPatternsAreAlwaysExactChambers() => Check(Prop.ForAll(Cases(), c =>
    {
        var x = c.X;
        var exact = Patterns(ArrangementEnumerator.Enumerate(x));
        var sampled = ArrangementEnumerator.Sample(x, 50, c.Seed);
        Assert.Subset(exact, Patterns(sampled));
    }));

    [Fact]
    public void FacetRowsDescribeTheSameCone() => Check(Prop.ForAll(Cases(maxN: 8, maxD: 3), c =>
    {
        // Every exact pattern's chamber is cut out by its facet rows alone: no other exact chamber agrees with it on
        // all facet rows (otherwise the facet inequalities would not determine the chamber).
        var a = ArrangementEnumerator.Enumerate(c.X);
        foreach (var ch in a.Chambers)
            foreach (var other in a.Chambers)
                if (!ReferenceEquals(ch, other))
                    Assert.False(ch.FacetRows!.All(j => ch[j] == other[j]), $"{c}: facets of {ch} do not separate it from {other}");
    }));

    [Fact]
    public void CrossingEachFacetLeadsToAChamberThatDiffersOnlyThere() => Check(Prop.ForAll(Cases(), c =>
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
    }));
}

/// <summary>The two enumerators are independent algorithms (restriction recursion vs incremental exact-LP splits): they must agree.</summary>
public class EnumeratorAgreementTests
{
    [Fact]
    public void RestrictionAndIncrementalEnumeratorsFindTheSamePatternsAndFacets() =>
        Prop.ForAll(Arb.From(
            from n in Gen.Choose(1, 9)
            from d in Gen.Choose(1, 4)
            from range in Gen.Choose(1, 3)
            from seed in Gen.Choose(0, 1_000_000)
            select (n, d, range, seed)), c =>
        {
            var x = SmallIntegers(c.n, c.d, c.range, c.seed);
            var fast = ArrangementEnumerator.Enumerate(x);
            var slow = IncrementalEnumerator.Enumerate(x);
            Assert.True(Patterns(fast).SetEquals(Patterns(slow)), $"{c}");
            var facetsSlow = slow.Chambers.ToDictionary(ch => ch.ToString(), ch => ch.FacetRows!);
            foreach (var ch in fast.Chambers) Assert.Equal(facetsSlow[ch.ToString()], ch.FacetRows!);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));

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
