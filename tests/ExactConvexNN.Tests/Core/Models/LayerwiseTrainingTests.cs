using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>
/// Layerwise training: block 1 is the plain two-layer convex CNN, later blocks train on the frozen feature maps, and the
/// stack saved to a file predicts what it predicts in memory.
/// </summary>
public class LayerwiseTrainingTests
{
    /// <summary>Five random 1 x 2 x 3 images with labels 0/1 (2 x 2 filters, stride 2, padding 1: 4 patches of length 4, 2,320 chambers).</summary>
    internal static Dataset Images(int seed = 3, int n = 5)
    {
        var rng = new Random(seed);
        var x = new double[n, 6];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 6; j++) x[i, j] = Math.Round(2 * rng.NextDouble() - 1, 3);
            y[i] = i % 2;
        }
        return Dataset.Create(x, y);
    }

    internal static LayerwiseSpec Spec(int layers) => new()
    {
        Beta = 0.05, Image = new ImageShape(1, 2, 3, 2, 2, 1), Layers = layers, MaxFeatures = 2, Classes = 2,
    };

    internal static LayerwiseOptions Options => new() { Sample = 12, ExactLimit = 5_000, Adam = new() { Neurons = 2, Epochs = 50 } };

    [Fact]
    public void BlockOneOfTheStackIsThePlainTwoLayerConvexCnn()
    {
        var data = Images();
        var spec = Spec(2);
        var stack = LayerwiseTraining.Convex(data, null, spec, Options);
        Assert.True(stack.Layers[0].Exact);
        var targets = spec.Targets(data);
        var plain = ModelPipeline.Train(Dataset.Create(data.X, targets), new ModelSpec { Beta = spec.Beta, Image = spec.Image });
        var block = stack.Network.Blocks[0].Network;
        Assert.Equal(plain.RecoveredObjective, stack.Layers[0].Objective, 12);
        Assert.Equal(plain.Network.NeuronCount, block.NeuronCount);
        var f = block.Outputs(data.X);
        var g = plain.Network.Outputs(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(g[i, 0], f[i, 0], 12);
        Assert.True(plain.Certificate!.CertifiedOptimal);
        Assert.Equal(true, stack.Layers[0].CertifiedOptimal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void AStackSavedAndReadBackPredictsTheSameAsInMemory(int layers)
    {
        var data = Images();
        foreach (var result in new[] { LayerwiseTraining.Convex(data, null, Spec(layers), Options), LayerwiseTraining.Adam(data, null, Spec(layers), Options) })
        {
            var read = ModelRegistry.Read(NetworkJson.ParseObject(result.Network.ToJson(), "(stack)"), "(stack)");
            var stack = Assert.IsType<LayerwiseNetwork>(read);
            Assert.Equal(layers, stack.Blocks.Count);
            Assert.Equal(2, stack.Classes);
            var f = result.Network.Outputs(data.X);
            var g = stack.Outputs(data.X);
            for (int i = 0; i < data.Rows; i++) Assert.Equal(f[i, 0], g[i, 0], 12);
        }
    }

    [Fact]
    public void TheStacksLastObjectiveIsItsOwnObjectiveOnTheData()
    {
        var data = Images();
        var result = LayerwiseTraining.Convex(data, null, Spec(2), Options);
        var y = result.Network.Targets(data.Y!);
        Assert.Equal(result.Layers[^1].Objective, result.Network.Objective(data.X, y, 0.05), 9);
        Assert.True(result.Layers.All(l => l.Features <= 2 && l.Features == Math.Min(2, l.Neurons)));
    }

    [Fact]
    public void EachLaterBlockTakesTheKeptFiltersAsChannels()
    {
        var result = LayerwiseTraining.Adam(Images(), null, Spec(3), Options);
        var blocks = result.Network.Blocks;
        for (int b = 1; b < blocks.Count; b++)
            Assert.Equal(blocks[b - 1].Features.Count, blocks[b].Network.Architecture.Image!.Channels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(LayerwiseSpec.MaxLayers + 1)]
    public void AnOutOfRangeNumberOfLayersIsRefused(int layers) =>
        Assert.Throws<InputException>(() => (Spec(1) with { Layers = layers }).Validated());

    [Fact]
    public void FeatureMapsTooSmallForTheFilterAreRefusedBeforeTraining()
    {
        // 8 x 8 with 3 x 3 filters at stride 3 and no padding: 2 x 2 maps after block 1, too small for block 2's filter.
        var spec = new LayerwiseSpec { Beta = 0.1, Image = new ImageShape(1, 8, 8, 3, 3), Layers = 2 };
        var e = Assert.Throws<InputException>(() => spec.Validated());
        Assert.Contains("block 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyingAStackSaysItHasNoGlobalCertificate()
    {
        var data = Images();
        var result = LayerwiseTraining.Adam(data, null, Spec(2), Options);
        var e = Assert.Throws<InputException>(() => ModelPipeline.Verify(result.Network, data, 0.05));
        Assert.Contains("no global certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRestOfARowRangeIsTheRowsOutsideIt()
    {
        var data = Images(n: 10);
        var selection = new DataSelection { Rows = RowRange.Parse("2:0.7") };
        var rest = selection.Rest(data)!;
        Assert.Equal(10 - selection.Apply(data).Rows, rest.Rows);
        Assert.Equal(data.X[0, 0], rest.X[0, 0]);
        Assert.Equal(data.X[9, 5], rest.X[rest.Rows - 1, 5]);
        Assert.Null(new DataSelection().Rest(data));
    }

    [Fact]
    public void ASampledConvexBlockIsNeverAboveTheAdamRunWhosePatternsItGets()
    {
        // Every block sampled: each convex block's program holds the patterns of an Adam run on its own input.
        var data = Images(n: 8);
        var options = Options with { ExactLimit = 0, Sample = 3 };
        var convex = LayerwiseTraining.Convex(data, null, Spec(2), options);
        var block = 0;
        foreach (var layer in convex.Layers)
        {
            Assert.False(layer.Exact);
            var input = Dataset.Create(convex.Network.Features(data.X, block), Spec(2).Targets(data));
            var adam = ExactConvexNN.Training.NonconvexTrainer.Train(input, new ModelSpec { Beta = 0.05, Image = convex.Network.Blocks[block].Network.Architecture.Image }, options.Adam with { Seed = block });
            Assert.True(layer.Objective <= adam.Objective * (1 + 1e-6), $"block {layer.Layer}: {layer.Objective} above Adam's {adam.Objective}");
            block++;
        }
    }

    [Fact]
    public void GivenDirectionsAddTheirPatternsToTheSampledOnes()
    {
        var x = new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 2, -1 } };
        var direction = new[] { -1.0, 0.3 };
        var sampled = ExactConvexNN.Arrangements.ArrangementEnumerator.Sample(x, 1, seed: 7, directions: [direction]);
        // The first chamber is the direction's own pattern 1[x'g >= 0]: rows 2 only.
        Assert.Equal(new[] { false, true, false, false }, Enumerable.Range(0, 4).Select(i => sampled.Chambers[0][i]).ToArray());
    }
}
