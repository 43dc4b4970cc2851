using System.Numerics;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using static ExactConvexNN.Tests.Core.Arrangements.ArrangementTestData;

namespace ExactConvexNN.Tests.Core.Arrangements;

/// <summary>The width of a chamber's cone (max over unit g of the smallest unit-normal slack) and the thin chambers it finds.</summary>
public class ChamberConeTests
{
    private static Chamber Only(double[,] x, string pattern) =>
        ArrangementEnumerator.Enumerate(x).Chambers.Single(c => c.ToString() == pattern);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void PositiveOrthantOfTheIdentityHasWidthOneOverRootD(int d)
    {
        var x = new double[d, d];
        for (int i = 0; i < d; i++) x[i, i] = 1;
        var orthant = Only(x, new string('1', d));
        Assert.Equal(1 / Math.Sqrt(d), ChamberCone.Width(x, orthant), 12);
    }

    [Theory]
    [InlineData(30.0)]
    [InlineData(60.0)]
    [InlineData(150.0)]
    [InlineData(179.0)]
    public void PlanarWedgeOfAngleThetaHasWidthSinHalfTheta(double degrees)
    {
        // Two lines through the origin with normals e2 and (sin t, -cos t): the chamber between them has angle t.
        double t = degrees * Math.PI / 180;
        var x = Matrix([0, 1], [-Math.Sin(t), Math.Cos(t)]);
        var wedge = ArrangementEnumerator.Enumerate(x).Chambers
            .Select(c => ChamberCone.Width(x, c)).ToArray();
        // Four chambers: two of angle t, two of angle pi - t.
        Assert.Equal(4, wedge.Length);
        Assert.Equal(2, wedge.Count(w => Math.Abs(w - Math.Sin(t / 2)) < 1e-12));
        Assert.Equal(2, wedge.Count(w => Math.Abs(w - Math.Cos(t / 2)) < 1e-12));
    }

    [Fact]
    public void HalfSpaceHasWidthOne()
    {
        var x = Matrix([3, 4]);
        foreach (var c in ArrangementEnumerator.Enumerate(x).Chambers) Assert.Equal(1.0, ChamberCone.Width(x, c), 12);
    }

    [Fact]
    public void WidthIsAtLeastTheSlackOfTheWitness()
    {
        // The witness is a point of the cone, so its smallest unit-normal slack bounds the width from below.
        for (int seed = 0; seed < 6; seed++)
        {
            var x = seed % 2 == 0 ? Gaussian(9, 3, seed) : SmallIntegers(9, 3, 3, seed);
            foreach (var c in ArrangementEnumerator.Enumerate(x).Chambers)
            {
                var g = c.WitnessDirection();
                double slack = double.PositiveInfinity;
                for (int j = 0; j < x.GetLength(0); j++)
                {
                    double dot = 0, norm = 0;
                    for (int k = 0; k < 3; k++) { dot += x[j, k] * g[k]; norm += x[j, k] * x[j, k]; }
                    if (norm > 0) slack = Math.Min(slack, (c[j] ? 1 : -1) * dot / Math.Sqrt(norm));
                }
                Assert.True(ChamberCone.Width(x, c) >= Math.Min(1, slack) - 1e-12, $"seed {seed} chamber {c}");
            }
        }
    }

    [Fact]
    public void DecimalCollinearPointsMakeThinChambersThatKeepEveryRow()
    {
        // (7.6, 3), (6.9, 3.2), (6.2, 3.4) are collinear in decimal (the middle is the midpoint) but not as doubles:
        // with a bias column their three planes meet in a sliver chamber, which the exact enumeration finds.
        var x = Matrix([7.6, 3, 1], [6.9, 3.2, 1], [6.2, 3.4, 1], [5, 2, 1]);
        var exact = ArrangementEnumerator.Enumerate(x);
        var thin = exact.Chambers.Where(c => ChamberCone.IsThin(x, c)).ToArray();
        Assert.NotEmpty(thin);
        var all = ChamberCone.NonzeroRows(x);
        foreach (var c in thin)
        {
            AssertWitnessRecomputesPattern(x, c);
            Assert.Equal(all, ChamberCone.Rows(x, c, all));
        }
        // A chamber of points in general position is not thin and keeps its facets.
        var general = Matrix([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]);
        foreach (var c in ArrangementEnumerator.Enumerate(general).Chambers)
        {
            Assert.False(ChamberCone.IsThin(general, c));
            Assert.Equal(c.FacetRows, ChamberCone.Rows(general, c, ChamberCone.NonzeroRows(general)));
        }
    }

    [Fact]
    public void ThinChambersOfIrisAreRealSliversNotRoundingNoise()
    {
        // Each thin chamber is a true chamber (its exact witness recomputes its pattern), and every chamber that is not
        // thin is at least 1e-6 wide: the width separates slivers from the rest by orders of magnitude.
        var data = CsvDataReader.Read(CliHarness.Problems("iris_sepal.csv")).WithBias();
        var x = data.X;
        var chambers = ArrangementEnumerator.Enumerate(x, new ArrangementOptions { IndependentCount = false }).Chambers;
        var widths = chambers.Select(c => ChamberCone.Width(x, c)).ToArray();
        Assert.Contains(widths, w => w < ChamberCone.ThinWidth);
        Assert.All(widths.Where(w => w >= ChamberCone.ThinWidth), w => Assert.True(w > 1e-6, $"width {w}"));
        // IsThin (witness shortcut, then the width) agrees with the width on every chamber.
        for (int i = 0; i < chambers.Count; i++) Assert.Equal(widths[i] < ChamberCone.ThinWidth, ChamberCone.IsThin(x, chambers[i]));
        foreach (var c in chambers.Where((c, i) => widths[i] < ChamberCone.ThinWidth).Take(50)) AssertWitnessRecomputesPattern(x, c);
    }
}
