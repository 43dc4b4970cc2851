using ExactConvexNN.Solver;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Cli.Reports;

/// <summary>
/// The picture of <see cref="ConvergenceSvg"/> as a PNG, drawn with ScottPlot: the excess objective - optimum of every
/// run against the epoch on a log axis whose bottom edge is the global optimum (runs at the optimum to rounding lie on
/// it), the certification tolerance (relative 1e-6) dashed, one colour and legend entry per run.
/// </summary>
public static class ConvergencePng
{
    /// <summary>Width and height of the picture in pixels.</summary>
    public const int Width = 960, Height = 560;

    /// <summary>The PNG bytes of the curves against <paramref name="optimum"/>.</summary>
    /// <exception cref="InputException">No curves, an empty curve, or a non-finite optimum.</exception>
    public static byte[] Render(IReadOnlyList<ConvergenceCurve> curves, double optimum, string title, string subtitle)
    {
        // The same axis as the SVG: log10 of the excess, bottom edge at least 1e-7 relative, excess below it drawn on it.
        var (yLo, yHi) = ConvergenceSvg.Axis(curves, optimum);
        double scale = Math.Max(Math.Abs(optimum), 1e-12);
        double LogExcess(double v) => double.IsFinite(v) ? Math.Clamp(Math.Log10(Math.Max(v - optimum, Math.Pow(10, yLo))), yLo, yHi) : yHi;

        var plot = new ScottPlot.Plot();
        plot.Title($"{title}\n{subtitle}", size: 14);
        plot.XLabel("epoch");
        plot.YLabel("objective - global optimum");
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < curves.Count; i++)
        {
            var h = curves[i].History;
            var xs = Enumerable.Range(0, h.Count).Select(e => (double)e).ToArray();
            var ys = h.Select(LogExcess).ToArray();
            var line = plot.Add.ScatterLine(xs, ys, palette.GetColor(i));
            line.LineWidth = 1.5f;
            double final = h[^1] - optimum;
            line.LegendText = $"{curves[i].Label}: {(final <= 1e-6 * scale ? "optimal" : $"+{(final / scale).ToString("0.0E+0", System.Globalization.CultureInfo.InvariantCulture)} relative")}";
        }
        var optimumLine = plot.Add.HorizontalLine(yLo, 3, ScottPlot.Colors.Black);
        optimumLine.LegendText = $"global optimum {optimum:G8} (certified)";
        var tolerance = plot.Add.HorizontalLine(Math.Log10(1e-6 * scale), 1.5f, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        tolerance.LegendText = "tolerance 1e-6 relative";

        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => y == yLo ? "optimum" : $"1e{y:0}",
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(yLo - 0.05 * (yHi - yLo), yHi);
        plot.Axes.SetLimitsX(0, Math.Max(1, curves.Max(c => c.History.Count) - 1));
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }
}
