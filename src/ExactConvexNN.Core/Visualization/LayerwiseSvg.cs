using System.Globalization;
using System.Text;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Visualization;

/// <summary>
/// Draws layerwise runs against depth as an SVG (no library): on the left each block's training objective (log scale),
/// on the right the stack's test accuracy (solid) and training accuracy (dashed), one colour per method. Convex blocks
/// solved over sampled patterns (an upper bound on the block's convex optimum) are drawn as hollow markers.
/// </summary>
public static class LayerwiseSvg
{
    private const int Width = 960, Height = 460, Top = 64, Bottom = 60, PanelW = 360, Gap = 110, Left = 80;

    /// <summary>Renders the runs (at least one, each with at least one layer).</summary>
    /// <exception cref="InputException">No runs, or a run without layers or with a non-positive objective.</exception>
    public static string Render(IReadOnlyList<LayerwiseResult> runs, string title, string subtitle)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0 || runs.Any(r => r.Layers.Count == 0)) throw new InputException("the layerwise picture needs at least one run with at least one layer");
        var objectives = runs.SelectMany(r => r.Layers.Select(l => l.Objective)).ToArray();
        if (objectives.Any(v => !(v > 0) || !double.IsFinite(v))) throw new InputException("the layerwise picture draws positive finite objectives on a log scale");
        int depth = runs.Max(r => r.Layers.Count);
        double yLo = Math.Floor(Math.Log10(objectives.Min())), yHi = Math.Ceiling(Math.Log10(objectives.Max()));
        if (yHi <= yLo) yHi = yLo + 1;
        var accuracies = runs.SelectMany(r => r.Layers.SelectMany(l => new[] { l.TestAccuracy, l.TrainAccuracy })).OfType<double>().ToArray();
        double aLo = accuracies.Length == 0 ? 0 : Math.Min(0.9, Math.Floor(accuracies.Min() * 20) / 20), aHi = 1.0;
        double plotH = Height - Top - Bottom;
        double X(int panel, double layer) => Left + panel * (PanelW + Gap) + (depth == 1 ? PanelW / 2.0 : (layer - 1) / (depth - 1) * PanelW);
        double YObj(double v) => Top + (yHi - Math.Log10(v)) / (yHi - yLo) * plotH;
        double YAcc(double a) => Top + (aHi - a) / (aHi - aLo) * plotH;

        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        s.Append(c, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        s.Append(c, $"<text x=\"{Left}\" y=\"24\" font-size=\"17\" font-weight=\"bold\">{ConvergenceSvg.Esc(title)}</text>\n");
        s.Append(c, $"<text x=\"{Left}\" y=\"43\" font-size=\"12\" fill=\"#555\">{ConvergenceSvg.Esc(subtitle)}</text>\n");
        for (int panel = 0; panel < 2; panel++)
        {
            double x0 = Left + panel * (PanelW + Gap);
            s.Append(c, $"<rect x=\"{x0}\" y=\"{Top}\" width=\"{PanelW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
            for (int l = 1; l <= depth; l++)
                s.Append(c, $"<text x=\"{X(panel, l):F1}\" y=\"{Top + plotH + 16}\" font-size=\"11\" text-anchor=\"middle\">{l}</text>\n");
            s.Append(c, $"<text x=\"{x0 + PanelW / 2.0:F1}\" y=\"{Height - 22}\" font-size=\"13\" text-anchor=\"middle\">layer (block) j</text>\n");
        }
        for (double k = yLo; k <= yHi; k++)
        {
            double y = YObj(Math.Pow(10, k));
            s.Append(c, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Left + PanelW}\" y2=\"{y:F1}\" stroke=\"#e6e6e6\"/>\n");
            s.Append(c, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" font-size=\"11\" text-anchor=\"end\">1e{k:F0}</text>\n");
        }
        s.Append(c, $"<text transform=\"translate(22 {Top + plotH / 2:F1}) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">block's training objective (log)</text>\n");
        double ax0 = Left + PanelW + Gap;
        foreach (double a in ConvergenceSvg.Ticks(aHi - aLo).Select(t => aLo + t))
        {
            double y = YAcc(a);
            s.Append(c, $"<line x1=\"{ax0}\" y1=\"{y:F1}\" x2=\"{ax0 + PanelW}\" y2=\"{y:F1}\" stroke=\"#e6e6e6\"/>\n");
            s.Append(c, $"<text x=\"{ax0 - 6}\" y=\"{y + 4:F1}\" font-size=\"11\" text-anchor=\"end\">{a * 100:F0}%</text>\n");
        }
        s.Append(c, $"<text transform=\"translate({ax0 - 48} {Top + plotH / 2:F1}) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">accuracy: test (solid), train (dashed)</text>\n");

        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            string color = ConvergenceSvg.Palette[r % ConvergenceSvg.Palette.Length];
            Polyline(s, run.Layers.Select(l => (X(0, l.Layer), YObj(l.Objective))), color, dashed: false);
            foreach (var l in run.Layers)
                s.Append(c, $"<circle cx=\"{X(0, l.Layer):F1}\" cy=\"{YObj(l.Objective):F1}\" r=\"4\" fill=\"{(run.Method == "convex" && !l.Exact ? "white" : color)}\" stroke=\"{color}\" stroke-width=\"1.6\"/>\n");
            Polyline(s, run.Layers.Where(l => l.TestAccuracy is not null).Select(l => (X(1, l.Layer), YAcc(l.TestAccuracy!.Value))), color, dashed: false);
            Polyline(s, run.Layers.Where(l => l.TrainAccuracy is not null).Select(l => (X(1, l.Layer), YAcc(l.TrainAccuracy!.Value))), color, dashed: true);
            foreach (var l in run.Layers.Where(l => l.TestAccuracy is not null))
                s.Append(c, $"<circle cx=\"{X(1, l.Layer):F1}\" cy=\"{YAcc(l.TestAccuracy!.Value):F1}\" r=\"3.5\" fill=\"{color}\"/>\n");
            double ly = Top + 16 + 16 * r;
            s.Append(c, $"<line x1=\"{Left + PanelW - 120}\" y1=\"{ly - 4}\" x2=\"{Left + PanelW - 100}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            s.Append(c, $"<text x=\"{Left + PanelW - 95}\" y=\"{ly}\" font-size=\"12\" fill=\"{color}\">{ConvergenceSvg.Esc(run.Method)}</text>\n");
        }
        s.Append(c, $"<text x=\"{Left}\" y=\"{Top - 6}\" font-size=\"11\" fill=\"#555\">hollow: sampled patterns, an upper bound on the block's convex optimum</text>\n");
        s.Append("</svg>\n");
        return s.ToString();
    }

    private static void Polyline(StringBuilder s, IEnumerable<(double X, double Y)> points, string color, bool dashed)
    {
        var p = points.ToArray();
        if (p.Length < 2) return;
        string d = string.Join(" ", p.Select((q, i) => string.Create(CultureInfo.InvariantCulture, $"{(i == 0 ? "M" : "L")}{q.X:F1},{q.Y:F1}")));
        s.Append(CultureInfo.InvariantCulture, $"<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{(dashed ? " stroke-dasharray=\"5 4\"" : "")}/>\n");
    }
}
