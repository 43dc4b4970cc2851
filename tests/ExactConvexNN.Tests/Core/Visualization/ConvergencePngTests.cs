using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Tests.Cli;
using ExactConvexNN.Visualization;
using SkiaSharp;

namespace ExactConvexNN.Tests.Visualization;

/// <summary><c>ecnn compare --png</c> and <see cref="ConvergencePng"/>: a decodable PNG of the stated size that shows every run.</summary>
[Collection("Console")]
public class ConvergencePngTests
{
    /// <summary>Pixels close to the colour (anti-aliased lines are blended with the white background at their edges).</summary>
    private static int Pixels(SKBitmap bitmap, SKColor colour) =>
        Enumerable.Range(0, bitmap.Height).Sum(y => Enumerable.Range(0, bitmap.Width).Count(x =>
        {
            var p = bitmap.GetPixel(x, y);
            return Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) < 30;
        }));

    [Fact]
    public void EveryRunIsDrawnInItsOwnColourOnAPictureOfTheStatedSize()
    {
        var curves = new[]
        {
            new ConvergenceCurve("seed 1", [5.0, 2.0, 1.5, 1.2]),
            new ConvergenceCurve("seed 2", [9.0, 3.0, 1.0 + 1e-9, 1.0]),
        };
        using var bitmap = SKBitmap.Decode(ConvergencePng.Render(curves, 1.0, "title", "subtitle"));
        Assert.NotNull(bitmap);
        Assert.Equal((ConvergencePng.Width, ConvergencePng.Height), (bitmap.Width, bitmap.Height));
        // Category10's first two colours: one curve each (and a legend sample).
        Assert.True(Pixels(bitmap, SKColor.Parse("#1f77b4")) > 100, "the first run is not drawn");
        Assert.True(Pixels(bitmap, SKColor.Parse("#ff7f0e")) > 100, "the second run is not drawn");
        Assert.Equal(0, Pixels(bitmap, SKColor.Parse("#2ca02c")));   // no third run, no third colour
    }

    [Fact]
    public void CompareWritesThePngBesideTheSvg()
    {
        var dir = CliHarness.TempDir();
        string png = Path.Combine(dir, "runs.png"), svg = Path.Combine(dir, "runs.svg");
        var (exit, _, err) = CliHarness.Run("compare", CliHarness.Problems("three_point.csv"), "--beta", "0.1", "--inits", "2", "--epochs", "50", "--svg", svg, "--png", png);
        Assert.True(exit == 0, err);
        Assert.True(File.Exists(svg));
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((ConvergencePng.Width, ConvergencePng.Height), (bitmap.Width, bitmap.Height));
        Assert.True(Pixels(bitmap, SKColor.Parse("#ff7f0e")) > 100);
    }

    [Fact]
    public void APngPathThatIsAFolderIsOneLineAndExitCode2()
    {
        var dir = CliHarness.TempDir();
        var (exit, output, err) = CliHarness.Run("compare", CliHarness.Problems("three_point.csv"), "--beta", "0.1", "--inits", "1", "--epochs", "5", "--png", dir);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }
}
