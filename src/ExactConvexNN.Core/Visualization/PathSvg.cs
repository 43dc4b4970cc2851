using System.Globalization;
using System.Text;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Visualization;

/// <summary>One beta of a regularization path for <see cref="PathSvg.Render"/>.</summary>
/// <param name="Beta">The weight decay (positive).</param>
/// <param name="Neurons">Neurons of the trained network.</param>
/// <param name="Objective">The network's training objective.</param>
/// <param name="TrainingError">Mean squared error on the training rows.</param>
/// <param name="TestError">Mean squared error on held-out rows, or null without them.</param>
/// <param name="Certified">Whether the network is certified optimal.</param>
public sealed record PathPoint(double Beta, int Neurons, double Objective, double TrainingError, double? TestError, bool Certified);

/// <summary>
/// Draws a regularization path as an SVG, written directly (no library): panels of neurons, objective, training error and
/// (when there are held-out rows) test error against beta on a log axis, largest beta on the left as the path is traced;
/// certified points filled, others hollow. The tick steps are those of <see cref="ConvergenceSvg"/>.
/// </summary>
public static class PathSvg
{
    private const int PanelW = 400, PanelH = 250, Left = 70, Gap = 40, Top = 64, Bottom = 50;

    /// <summary>Renders the path.</summary>
    /// <param name="points">At least one point, every beta positive and every value finite.</param>
    /// <param name="title">The title line.</param>
    /// <param name="subtitle">A second, smaller line (data, model).</param>
    /// <exception cref="InputException">No points, a beta that is not positive, or a value that is not finite.</exception>
    public static string Render(IReadOnlyList<PathPoint> points, string title, string subtitle)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new InputException("the path picture needs at least one beta");
        if (points.Any(p => !(p.Beta > 0) || !double.IsFinite(p.Beta)))
            throw new InputException("the path picture puts beta on a log axis: every beta must be positive (leave out beta 0)");
        var panels = new List<(string Name, Func<PathPoint, double> Value)>
        {
            ("neurons", p => p.Neurons), ("objective", p => p.Objective), ("training error (MSE)", p => p.TrainingError),
        };
        if (points.Any(p => p.TestError is not null)) panels.Add(("test error (MSE)", p => p.TestError ?? double.NaN));
        if (points.Any(p => !double.IsFinite(p.Objective) || !double.IsFinite(p.TrainingError) || p.TestError is double t && !double.IsFinite(t)))
            throw new InputException("the path picture needs finite objectives and errors at every beta");
        double lo = Math.Floor(Math.Log10(points.Min(p => p.Beta))), hi = Math.Ceiling(Math.Log10(points.Max(p => p.Beta)));
        if (hi == lo) hi = lo + 1;
        int columns = 2, rows = (panels.Count + 1) / 2;
        int width = Left + columns * (PanelW + Gap), height = Top + rows * (PanelH + Bottom);
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        s.Append(c, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        s.Append(c, $"<text x=\"{Left}\" y=\"24\" font-size=\"17\" font-weight=\"bold\">{ConvergenceSvg.Esc(title)}</text>\n");
        s.Append(c, $"<text x=\"{Left}\" y=\"43\" font-size=\"12\" fill=\"#555\">{ConvergenceSvg.Esc(subtitle)}</text>\n");
        for (int k = 0; k < panels.Count; k++)
        {
            var (name, value) = panels[k];
            double x0 = Left + k % columns * (PanelW + Gap), y0 = Top + k / columns * (PanelH + Bottom);
            var shown = points.Where(p => double.IsFinite(value(p))).OrderByDescending(p => p.Beta).ToArray();
            double yMax = Math.Max(shown.Select(value).DefaultIfEmpty(0).Max(), 1e-300);
            var ticks = ConvergenceSvg.Ticks(yMax).ToList();
            double top = Math.Max(yMax, ticks[^1]);
            // Largest beta on the left: the path starts at beta_max with the zero network.
            double X(double beta) => x0 + (hi - Math.Log10(beta)) / (hi - lo) * PanelW;
            double Y(double v) => y0 + PanelH - v / top * PanelH;
            foreach (double t in ticks)
            {
                s.Append(c, $"<line x1=\"{x0}\" y1=\"{Y(t):F1}\" x2=\"{x0 + PanelW}\" y2=\"{Y(t):F1}\" stroke=\"#ececec\"/>\n");
                s.Append(c, $"<text x=\"{x0 - 5}\" y=\"{Y(t) + 4:F1}\" font-size=\"10\" text-anchor=\"end\">{t:G4}</text>\n");
            }
            for (double e = lo; e <= hi; e++)
            {
                s.Append(c, $"<line x1=\"{X(Math.Pow(10, e)):F1}\" y1=\"{y0}\" x2=\"{X(Math.Pow(10, e)):F1}\" y2=\"{y0 + PanelH}\" stroke=\"#f2f2f2\"/>\n");
                s.Append(c, $"<text x=\"{X(Math.Pow(10, e)):F1}\" y=\"{y0 + PanelH + 14}\" font-size=\"10\" text-anchor=\"middle\">1e{e:F0}</text>\n");
            }
            s.Append(c, $"<rect x=\"{x0}\" y=\"{y0}\" width=\"{PanelW}\" height=\"{PanelH}\" fill=\"none\" stroke=\"#333\"/>\n");
            s.Append(c, $"<text x=\"{x0 + 6}\" y=\"{y0 + 15}\" font-size=\"12\" font-weight=\"bold\">{ConvergenceSvg.Esc(name)}</text>\n");
            s.Append(c, $"<text x=\"{x0 + PanelW / 2}\" y=\"{y0 + PanelH + 30}\" font-size=\"11\" text-anchor=\"middle\">beta (log scale, decreasing)</text>\n");
            string color = ConvergenceSvg.Palette[k % ConvergenceSvg.Palette.Length];
            if (shown.Length > 1)
                s.Append(c, $"<path d=\"{string.Join(" ", shown.Select((p, i) => string.Create(c, $"{(i == 0 ? "M" : "L")}{X(p.Beta):F1},{Y(value(p)):F1}")))}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\"/>\n");
            foreach (var p in shown)
                s.Append(c, $"<circle cx=\"{X(p.Beta):F1}\" cy=\"{Y(value(p)):F1}\" r=\"3.2\" fill=\"{(p.Certified ? color : "white")}\" stroke=\"{color}\"/>\n");
        }
        s.Append(c, $"<text x=\"{width - 10}\" y=\"24\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">filled: certified optimal; hollow: not certified</text>\n");
        s.Append("</svg>\n");
        return s.ToString();
    }
}
