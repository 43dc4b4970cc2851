using System.Xml.Linq;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Tests.Core.Visualization;

public class ArrangementSvgTests
{
    private static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    private static XDocument Parse(string svg) => XDocument.Parse(svg); // throws on malformed XML

    private static string[] Texts(XDocument doc, string cls) =>
        doc.Descendants(Ns + "text").Where(e => (string?)e.Attribute("class") == cls).Select(e => e.Value).ToArray();

    private static int Hyperplanes(XDocument doc) =>
        doc.Descendants().Count(e => (string?)e.Attribute("class") == "hyperplane");

    private static string Complement(string p) => new(p.Select(c => c == '1' ? '0' : '1').ToArray());

    [Fact]
    public void ThreePointPictureHasOneLinePerHyperplaneAndOneLabelPerChamber()
    {
        var x = IncrementalEnumeratorTests.M([2, 2], [3, 3], [1, 0]);
        var a = IncrementalEnumerator.Enumerate(x);
        var doc = Parse(ArrangementSvg.Render(x, a));
        Assert.Equal(2, doc.Descendants(Ns + "line").Count());
        Assert.Equal(2, Hyperplanes(doc));
        Assert.Equal(new[] { "000", "001", "110", "111" }, Texts(doc, "chamber").OrderBy(s => s, StringComparer.Ordinal));
        Assert.Equal(new[] { "1", "2", "3" }, Texts(doc, "point-label"));
        Assert.Contains("n = 3, d = 2, 4 chambers", doc.Root!.Element(Ns + "title")!.Value);
    }

    [Fact]
    public void RankTwoDataInThreeColumnsIsDrawnInItsRowSpace()
    {
        // Rows in the plane g3 = g1 + g2 (rank 2 in R^3): 4 distinct lines, 8 sectors.
        var x = IncrementalEnumeratorTests.M([1, 0, 1], [0, 1, 1], [1, 1, 2], [1, -1, 0]);
        var a = IncrementalEnumerator.Enumerate(x);
        Assert.Equal(2, a.Rank);
        var doc = Parse(ArrangementSvg.Render(x, a));
        Assert.Equal(4, Hyperplanes(doc));
        Assert.Equal(a.Chambers.Select(c => c.ToString()).Order(), Texts(doc, "chamber").Order());
    }

    [Fact]
    public void RankThreePictureLabelsEveryChamberOrItsAntipode()
    {
        // XOR with a bias column: 4 planes in general position in R^3, 14 chambers.
        var ds = CsvDataReader.Read(Path.Combine(CsvDataReaderTests.RepoRoot(), "problems", "xor.csv")).WithBias();
        var a = IncrementalEnumerator.Enumerate(ds.X);
        Assert.Equal(14, a.Chambers.Count);
        var doc = Parse(ArrangementSvg.Render(ds.X, a));
        Assert.Equal(4, Hyperplanes(doc));
        var labels = Texts(doc, "chamber");
        var patterns = a.Chambers.Select(c => c.ToString()).ToHashSet();
        Assert.All(labels, l => Assert.Contains(l, patterns));
        Assert.Equal(labels.Length, labels.Distinct().Count());
        Assert.All(patterns, p => Assert.True(labels.Contains(p) || labels.Contains(Complement(p)), $"neither {p} nor its antipode is labelled"));
    }

    [Fact]
    public void ManyChambersSkipLabelsAndSayWhy()
    {
        var x = IncrementalEnumeratorTests.M([1, 0], [0, 1], [1, 1], [1, -1], [1, 2]);
        var a = IncrementalEnumerator.Enumerate(x);
        var doc = Parse(ArrangementSvg.Render(x, a, new SvgOptions { MaxLabels = 5 }));
        Assert.Empty(Texts(doc, "chamber"));
        Assert.Contains(Texts(doc, "caption"), c => c.Contains("labels omitted"));
    }

    [Fact]
    public void OtherRanksAreRejected()
    {
        var x3 = IncrementalEnumeratorTests.M([1, 0, 0], [0, 1, 0], [0, 0, 1]);
        var x4 = new double[4, 4];
        for (int i = 0; i < 4; i++) x4[i, i] = 1;
        var e = Assert.Throws<InputException>(() => ArrangementSvg.Render(x4, IncrementalEnumerator.Enumerate(x4)));
        Assert.Contains("pictures need rank 2 or 3", e.Message);
        var line = IncrementalEnumeratorTests.M([1, 2], [2, 4]);
        Assert.Throws<InputException>(() => ArrangementSvg.Render(line, IncrementalEnumerator.Enumerate(line)));
        // An arrangement of other data (3 columns) does not belong to a 2-column matrix.
        Assert.Throws<InputException>(() => ArrangementSvg.Render(line, IncrementalEnumerator.Enumerate(x3)));
    }

    /// <summary>Renders the pictures of problems/; writes them there when ECNN_WRITE_PICTURES=1.</summary>
    [Fact]
    public void ProblemPicturesRender()
    {
        string dir = Path.Combine(CsvDataReaderTests.RepoRoot(), "problems");
        foreach (var (file, bias) in new[] { ("three_point", false), ("five_directions", false), ("xor", true) })
        {
            var ds = CsvDataReader.Read(Path.Combine(dir, file + ".csv"));
            if (bias) ds = ds.WithBias();
            var a = IncrementalEnumerator.Enumerate(ds.X);
            string svg = ArrangementSvg.Render(ds.X, a, new SvgOptions { Title = bias ? $"{file}.csv with bias: {a.Chambers.Count} chambers" : null });
            Parse(svg);
            if (Environment.GetEnvironmentVariable("ECNN_WRITE_PICTURES") == "1")
                File.WriteAllText(Path.Combine(dir, file + (bias ? "_bias" : "") + ".svg"), svg);
        }
    }
}
