using System.Globalization;
using System.Security;
using System.Text;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Visualization;

/// <summary>One curve of <see cref="ConvergenceSvg.Render"/>: a label and the objective after each epoch (entry 0 = start).</summary>
/// <param name="Label">Short text drawn at the curve's end, e.g. "seed 3".</param>
/// <param name="History">Objective values, at least one.</param>
public sealed record ConvergenceCurve(string Label, IReadOnlyList<double> History);

/// <summary>
/// Draws training curves against the global optimum as an SVG, written directly (no library): the y axis is the excess
/// objective - optimum on a log scale (so the last digits of convergence stay visible), the x axis is the epoch. The
/// optimum is the bottom edge, drawn thick and labelled; the certification tolerance (relative 1e-6) is a dashed line;
/// every curve is labelled at its end with its label and final relative excess (labels pushed apart so they never overlap).
/// </summary>
public static class ConvergenceSvg
{
    internal static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

    private const int Width = 860, Height = 520, Left = 80, Right = 200, Top = 56, Bottom = 64;

    /// <summary>
    /// The log10 range of the excess axis, shared by every renderer of the picture: excess e = objective - optimum on a
    /// log axis whose bottom edge stands for the optimum; the axis reaches at least 1e-7 relative below, and anything
    /// closer than the bottom edge (a run at the optimum to rounding) sits on it.
    /// </summary>
    /// <exception cref="InputException">No curves, an empty curve, or a non-finite optimum.</exception>
    public static (double YLo, double YHi) Axis(IReadOnlyList<ConvergenceCurve> curves, double optimum)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0 || curves.Any(c => c.History.Count == 0)) throw new InputException("the convergence picture needs at least one run with at least one objective value");
        if (!double.IsFinite(optimum)) throw new InputException($"the optimum must be finite, got {optimum}");
        double scale = Math.Max(Math.Abs(optimum), 1e-12);
        var finite = curves.SelectMany(c => c.History).Where(double.IsFinite).DefaultIfEmpty(optimum).ToArray();
        double top = Math.Max(finite.Max() - optimum, 1e-6 * scale);
        double lowest = Math.Max(finite.Min() - optimum, 1e-10 * scale);
        return (Math.Floor(Math.Log10(Math.Min(lowest, 1e-7 * scale))), Math.Ceiling(Math.Log10(top)));
    }

    /// <summary>Renders the curves against <paramref name="optimum"/>.</summary>
    /// <param name="curves">At least one curve with at least one value each.</param>
    /// <param name="optimum">The global optimum (the convex program's value).</param>
    /// <param name="title">The title line.</param>
    /// <param name="subtitle">A second, smaller line (data, beta, method).</param>
    /// <exception cref="InputException">No curves, an empty curve, or a non-finite optimum.</exception>
    public static string Render(IReadOnlyList<ConvergenceCurve> curves, double optimum, string title, string subtitle)
    {
        var (yLo, yHi) = Axis(curves, optimum);
        double scale = Math.Max(Math.Abs(optimum), 1e-12);
        double floor = Math.Pow(10, yLo);
        double Excess(double v) => Math.Max(v - optimum, floor);
        int epochs = curves.Max(c => c.History.Count) - 1;
        double xMax = Math.Max(1, epochs);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double e) => Left + e / xMax * plotW;
        double Y(double excess) => Top + (yHi - Math.Log10(excess)) / (yHi - yLo) * plotH;

        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        s.Append(c, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        s.Append(c, $"<text x=\"{Left}\" y=\"24\" font-size=\"17\" font-weight=\"bold\">{Esc(title)}</text>\n");
        s.Append(c, $"<text x=\"{Left}\" y=\"43\" font-size=\"12\" fill=\"#555\">{Esc(subtitle)}</text>\n");

        // Grid and y ticks at every power of ten.
        for (double k = yLo; k <= yHi; k++)
        {
            double y = Y(Math.Pow(10, k));
            s.Append(c, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Left + plotW}\" y2=\"{y:F1}\" stroke=\"#e6e6e6\"/>\n");
            s.Append(c, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" font-size=\"11\" text-anchor=\"end\">1e{k:F0}</text>\n");
        }
        foreach (double e in Ticks(xMax))
        {
            double x = X(e);
            s.Append(c, $"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Top + plotH}\" stroke=\"#f0f0f0\"/>\n");
            s.Append(c, $"<text x=\"{x:F1}\" y=\"{Top + plotH + 16}\" font-size=\"11\" text-anchor=\"middle\">{e:G6}</text>\n");
        }
        s.Append(c, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
        s.Append(c, $"<text x=\"{Left + plotW / 2:F1}\" y=\"{Height - 18}\" font-size=\"13\" text-anchor=\"middle\">epoch</text>\n");
        s.Append(c, $"<text transform=\"translate(22 {Top + plotH / 2:F1}) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">objective − global optimum (log scale)</text>\n");

        // The optimum is the bottom edge; the certification tolerance (relative gap 1e-6) is a dashed line above it.
        double yRef = Y(1e-6 * scale);
        s.Append(c, $"<line x1=\"{Left}\" y1=\"{yRef:F1}\" x2=\"{Left + plotW}\" y2=\"{yRef:F1}\" stroke=\"#444\" stroke-dasharray=\"5 4\"/>\n");
        s.Append(c, $"<text x=\"{Left + 8}\" y=\"{yRef - 5:F1}\" font-size=\"11\" fill=\"#444\">1e-6 relative: a certificate calls runs below this line optimal</text>\n");
        s.Append(c, $"<line x1=\"{Left}\" y1=\"{Top + plotH}\" x2=\"{Left + plotW}\" y2=\"{Top + plotH}\" stroke=\"black\" stroke-width=\"3\"/>\n");
        s.Append(c, $"<text x=\"{Left + 8}\" y=\"{Top + plotH - 7}\" font-size=\"13\" font-weight=\"bold\">global optimum {optimum:G8} (convex program): runs that reach it lie on this line</text>\n");

        // Curves, then end labels pushed apart vertically.
        var ends = new List<(double Y, string Text, string Color)>();
        for (int r = 0; r < curves.Count; r++)
        {
            var h = curves[r].History;
            string color = Palette[r % Palette.Length];
            var path = new StringBuilder();
            int stride = Math.Max(1, h.Count / 1500);
            int last = -1;
            for (int e = 0; e < h.Count; e += stride) { if (double.IsFinite(h[e])) { path.Append(c, $"{(path.Length == 0 ? "M" : " L")}{X(e):F1},{Y(Excess(h[e])):F1}"); last = e; } }
            if (last != h.Count - 1 && double.IsFinite(h[^1])) { path.Append(c, $" L{X(h.Count - 1):F1},{Y(Excess(h[^1])):F1}"); last = h.Count - 1; }
            if (last < 0) continue;
            s.Append(c, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" stroke-opacity=\"0.85\"/>\n");
            double rel = (h[last] - optimum) / scale;
            ends.Add((Y(Excess(h[last])), $"{curves[r].Label}: +{Math.Max(rel, 0).ToString("0.0e+0", CultureInfo.InvariantCulture)}", color));
            s.Append(c, $"<circle cx=\"{X(last):F1}\" cy=\"{Y(Excess(h[last])):F1}\" r=\"3\" fill=\"{color}\"/>\n");
        }
        var placed = Spread(ends.Select(e => e.Y).ToArray(), 14, Top + 6, Top + plotH);
        var order = Enumerable.Range(0, ends.Count).OrderBy(i => ends[i].Y).ToArray();
        for (int k = 0; k < order.Length; k++)
        {
            var (y, text, color) = ends[order[k]];
            double ly = placed[k];
            s.Append(c, $"<line x1=\"{Left + plotW + 4}\" y1=\"{y:F1}\" x2=\"{Left + plotW + 14}\" y2=\"{ly:F1}\" stroke=\"{color}\" stroke-opacity=\"0.6\" stroke-dasharray=\"2 2\"/>\n");
            s.Append(c, $"<text x=\"{Left + plotW + 17}\" y=\"{ly + 4:F1}\" font-size=\"11\" fill=\"{color}\">{Esc(text)}</text>\n");
        }
        s.Append(c, $"<text x=\"{Left + plotW + 17}\" y=\"{Top - 6}\" font-size=\"11\" fill=\"#555\">run: final relative excess</text>\n");
        s.Append("</svg>\n");
        return s.ToString();
    }

    /// <summary>Positions for labels wanted at <paramref name="wanted"/> (any order), sorted and at least <paramref name="gap"/> apart within [lo, hi].</summary>
    private static double[] Spread(double[] wanted, double gap, double lo, double hi)
    {
        var want = wanted.OrderBy(v => v).ToArray();
        var y = (double[])want.Clone();
        // Push apart downwards, then move the whole stack so it is centred on the wanted positions, then keep it inside.
        for (int k = 1; k < y.Length; k++) y[k] = Math.Max(y[k], y[k - 1] + gap);
        double shift = y.Length == 0 ? 0 : want.Average() - y.Average();
        for (int k = 0; k < y.Length; k++) y[k] += shift;
        for (int k = 0; k < y.Length; k++) y[k] = Math.Max(y[k], k == 0 ? lo : y[k - 1] + gap);
        for (int k = y.Length - 1; k >= 0; k--) y[k] = Math.Min(y[k], k == y.Length - 1 ? hi : y[k + 1] - gap);
        return y;
    }

    /// <summary>About five round ticks from 0 to max.</summary>
    internal static IEnumerable<double> Ticks(double max)
    {
        double raw = max / 5, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (double e = 0; e <= max + 1e-9; e += step) yield return e;
    }

    internal static string Esc(string text) => SecurityElement.Escape(text) ?? "";
}
