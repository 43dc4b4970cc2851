using System.Xml.Linq;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Tests.Core.Visualization;

/// <summary><see cref="LayerwiseSvg"/>: well-formed SVG with a marker per layer and method, hollow for sampled convex blocks.</summary>
public class LayerwiseSvgTests
{
    [Fact]
    public void EveryLayerOfEveryMethodHasAMarkerAndSampledConvexBlocksAreHollow()
    {
        var data = LayerwiseTrainingTests.Images();
        var spec = LayerwiseTrainingTests.Spec(2);
        var runs = new[] { LayerwiseTraining.Convex(data, data, spec, LayerwiseTrainingTests.Options), LayerwiseTraining.Adam(data, data, spec, LayerwiseTrainingTests.Options) };
        var svg = XDocument.Parse(LayerwiseSvg.Render(runs, "title", "subtitle"));
        var circles = svg.Descendants().Where(e => e.Name.LocalName == "circle").ToArray();
        // Objective and test accuracy: two markers per layer and method.
        Assert.Equal(2 * 2 * 2, circles.Length);
        int sampled = runs[0].Layers.Count(l => !l.Exact);
        Assert.Equal(sampled, circles.Count(c => (string?)c.Attribute("fill") == "white"));
        Assert.Throws<InputException>(() => LayerwiseSvg.Render([], "t", "s"));
    }
}
