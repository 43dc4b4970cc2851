using ExactConvexNN.Models;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// The losses' conjugates, on which every certificate rests: h(V) = inf_F L(F) + &lt;V, F&gt; is below L(F) + &lt;V, F&gt; for
/// every F and V in its domain (Fenchel-Young), and attains it at V = -grad L(F) for the differentiable losses.
/// </summary>
public class LossFunctionTests
{
    public sealed record Case(LossKind Kind, int Classes, int N, int Seed)
    {
        public LossFunction Loss => LossFunction.Create(Kind, Kind is LossKind.Hinge or LossKind.Logistic ? Classes : null, 0.7);
        public override string ToString() => $"{Kind} K={Classes} n={N} seed={Seed}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from kind in Gen.Elements(LossKind.Squared, LossKind.Hinge, LossKind.Logistic, LossKind.L1, LossKind.Huber)
            from k in Gen.Elements(2, 3, 4)
            from n in Gen.Choose(1, 8)
            from seed in Gen.Choose(0, 1_000_000)
            select new Case(kind, k, n, seed));
    }

    private static (double[,] F, double[,] Y) Draw(Case c, Random rng)
    {
        var loss = c.Loss;
        var labels = Enumerable.Range(0, c.N).Select(_ => loss.Classes is int k ? rng.Next(k) : 4 * rng.NextDouble() - 2).ToArray();
        var y = loss.Targets(labels);
        var f = new double[y.GetLength(0), y.GetLength(1)];
        for (int i = 0; i < f.GetLength(0); i++)
            for (int j = 0; j < f.GetLength(1); j++) f[i, j] = 6 * rng.NextDouble() - 3;
        return (f, y);
    }

    private static double Inner(double[,] a, double[,] b)
    {
        double s = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) s += a[i, j] * b[i, j];
        return s;
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 200)]
    public void TheConjugateBoundIsBelowTheLossPlusTheLinearTermEverywhere(Case c)
    {
        var rng = new Random(c.Seed);
        var loss = c.Loss;
        var (f, y) = Draw(c, rng);
        var (g, _) = Draw(c, rng);
        // Any candidate, moved into the domain, scaled by t in [0, reach].
        var v = loss.Feasible(g, y);
        double t = Math.Min(1, loss.Reach(v, y)) * rng.NextDouble();
        for (int i = 0; i < v.GetLength(0); i++)
            for (int j = 0; j < v.GetLength(1); j++) v[i, j] *= t;
        double h = loss.Conjugate(v, y);
        Assert.True(double.IsFinite(h), $"{c}: h = {h} for a feasible candidate");
        Assert.True(h <= loss.Value(f, y) + Inner(v, f) + 1e-9, $"{c}: h = {h} above L(F) + <V, F> = {loss.Value(f, y) + Inner(v, f)}");
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 200)]
    public void TheNegativeGradientAttainsTheConjugateForDifferentiableLosses(Case c)
    {
        if (c.Kind is LossKind.Hinge or LossKind.L1) return;
        var rng = new Random(c.Seed);
        var loss = c.Loss;
        var (f, y) = Draw(c, rng);
        var v = loss.NegativeGradient(f, y);
        var feasible = loss.Feasible(v, y);
        for (int i = 0; i < v.GetLength(0); i++)
            for (int j = 0; j < v.GetLength(1); j++)
                // An absolute tolerance, not Assert.Equal's rounding to 12 decimals: the cross-entropy's renormalization moves
                // an entry by an ulp, which can fall on either side of a rounding boundary.
                Assert.True(Math.Abs(v[i, j] - feasible[i, j]) <= 1e-12, $"{c}: entry ({i}, {j}) moved from {v[i, j]} to {feasible[i, j]}");
        double h = loss.Conjugate(v, y), attained = loss.Value(f, y) + Inner(v, f);
        Assert.True(Math.Abs(h - attained) <= 1e-9 * Math.Max(1, Math.Abs(attained)), $"{c}: h = {h}, L(F) + <V, F> = {attained}");
    }

    [Fact]
    public void TheConjugatesOfOneSampleAreTheDocumentedFormulas()
    {
        double[,] plus = { { 1 } }, minus = { { -1 } }, y = { { 0.5 } };
        var hinge = LossFunction.Create(LossKind.Hinge, 2);
        Assert.Equal(0.3, hinge.Conjugate(new[,] { { 0.3 } }, plus), 12);
        Assert.Equal(double.NegativeInfinity, hinge.Conjugate(new[,] { { 0.3 } }, minus));
        var logistic = LossFunction.Create(LossKind.Logistic, 2);
        Assert.Equal(Math.Log(2), logistic.Conjugate(new[,] { { -0.5 } }, minus), 12);
        Assert.Equal(0.5 * 0.2, LossFunction.Create(LossKind.L1).Conjugate(new[,] { { 0.2 } }, y), 12);
        Assert.Equal(double.NegativeInfinity, LossFunction.Create(LossKind.L1).Conjugate(new[,] { { 1.5 } }, y));
        Assert.Equal(0.5 * 0.4 - 0.08, LossFunction.Create(LossKind.Huber).Conjugate(new[,] { { 0.4 } }, y), 12);
        var ce = LossFunction.Create(LossKind.Logistic, 3);
        // p = e_0 - v = (1/3, 1/3, 1/3): h = ln 3.
        Assert.Equal(Math.Log(3), ce.Conjugate(new[,] { { 2.0 / 3, -1.0 / 3, -1.0 / 3 } }, new double[,] { { 1, 0, 0 } }), 12);
    }
}
