using ExactConvexNN.Export;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Tests.Cli;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ExactConvexNN.Tests.Export;

/// <summary>
/// The ONNX model of every family and architecture, run by ONNX Runtime, predicts what <see cref="INetwork.Outputs"/>
/// predicts to 1e-9 on random data (the model computes in float64).
/// </summary>
[Collection("Console")]
public class OnnxExportTests
{
    private static double[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 1).ToArray();

    private static double[,] Data(Random rng, int n, int d)
    {
        var x = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i, j] = 3 * rng.NextDouble() - 1.5;
        return x;
    }

    private static TwoLayerReluNetwork Relu(NetworkArchitecture arch, int neurons, int seed)
    {
        var rng = new Random(seed);
        return TwoLayerReluNetwork.Create(arch, Enumerable.Range(0, neurons).Select(_ => new Neuron(Random(rng, arch.PatchLength), 2 * rng.NextDouble() - 1)).ToList());
    }

    private static PolyNetwork Poly(NetworkArchitecture arch, int neurons, int seed, int? classes = null)
    {
        var rng = new Random(seed);
        return PolyNetwork.Create(arch, new PolynomialActivation(0.3, -0.7, 0.2),
            Enumerable.Range(0, neurons).Select(_ => new PolyNeuron(Random(rng, arch.PatchLength), Random(rng, arch.WeightsPerNeuron))).ToList(), classes);
    }

    private static GatedReluNetwork Gated(NetworkArchitecture arch, int neurons, int seed)
    {
        var rng = new Random(seed);
        return GatedReluNetwork.Create(arch, Enumerable.Range(0, neurons)
            .Select(_ => new GatedNeuron(Random(rng, arch.PatchLength), Random(rng, arch.PatchLength), 2 * rng.NextDouble() - 1)).ToList());
    }

    private static ThreeLayerReluNetwork Three(NetworkArchitecture arch, int units, int perUnit, int seed)
    {
        var rng = new Random(seed);
        return ThreeLayerReluNetwork.Create(arch, Enumerable.Range(0, units * perUnit)
            .Select(l => new FirstLayerNeuron(Random(rng, arch.PatchLength), 2 * rng.NextDouble() - 1, l / perUnit)).ToList(),
            Enumerable.Range(0, units).Select(_ => 2 * rng.NextDouble() - 1).ToList());
    }

    /// <summary>
    /// A layerwise stack of random ReLU CNN blocks on <paramref name="image"/>: block b has <paramref name="neurons"/>[b]
    /// filters and keeps <paramref name="kept"/>[b] (in that channel order) for the next block, whose input is the
    /// feature map's shape (<see cref="LayerwiseNetwork.NextShape"/>).
    /// </summary>
    private static LayerwiseNetwork Layerwise(ImageShape image, int pool, int[] neurons, int[][] kept, int seed, int? classes = null)
    {
        var blocks = new List<LayerwiseBlock>();
        for (int b = 0; b < neurons.Length; b++)
        {
            blocks.Add(new LayerwiseBlock(Relu(NetworkArchitecture.Convolutional(image, sumPooling: true), neurons[b], seed + b), kept[b]));
            image = LayerwiseNetwork.NextShape(image, kept[b].Length, pool);
        }
        return LayerwiseNetwork.Create(blocks, pool, classes);
    }

    /// <summary>Every family and architecture that exists, by name.</summary>
    public static TheoryData<string> Networks() =>
    [
        "relu fc", "relu fc bias", "relu cnn image", "relu cnn image stride padding", "relu cnn signal",
        "poly fc", "poly fc bias", "poly fc 3 classes", "poly cnn image pool 3 classes", "poly cnn signal pool", "relu fc no neurons",
        "gated fc bias", "gated cnn image", "gated fc no neurons",
        "three-layer fc bias", "three-layer cnn signal", "three-layer fc no units", "vector-output fc bias 3 classes", "batch-norm fc",
        "layerwise 1 block", "layerwise 2 blocks pool 2", "layerwise 3 blocks stride padding 2 classes", "layerwise head no neurons",
    ];

    private static BatchNormReluNetwork BatchNorm(int inputs, int neurons, int seed)
    {
        var rng = new Random(seed);
        return BatchNormReluNetwork.Create(inputs, Enumerable.Range(0, neurons).Select(j => new BatchNormNeuron(Random(rng, inputs),
            2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, rng.NextDouble() - 0.5, j == 0 ? 0 : 0.5 + rng.NextDouble(), 2 * rng.NextDouble() - 1)).ToList());
    }

    private static INetwork Build(string name) => name switch
    {
        "relu fc" => Relu(NetworkArchitecture.FullyConnected(4), 5, 1),
        "relu fc bias" => Relu(NetworkArchitecture.FullyConnected(3, bias: true), 6, 2),
        "relu cnn image" => Relu(NetworkArchitecture.Convolutional(new ImageShape(1, 5, 5, 3), sumPooling: true), 3, 3),
        "relu cnn image stride padding" => Relu(NetworkArchitecture.Convolutional(new ImageShape(2, 6, 5, 3, Stride: 2, Padding: 1), sumPooling: true), 4, 4),
        "relu cnn signal" => Relu(NetworkArchitecture.Convolutional(ImageShape.ForSignal(2, 12, 4, stride: 1, padding: 2), sumPooling: true), 3, 5),
        "poly fc" => Poly(NetworkArchitecture.FullyConnected(4), 5, 6),
        "poly fc bias" => Poly(NetworkArchitecture.FullyConnected(3, bias: true), 4, 7),
        "poly fc 3 classes" => Poly(NetworkArchitecture.FullyConnected(3, bias: true, outputs: 3), 4, 8, classes: 3),
        "poly cnn image pool 3 classes" => Poly(NetworkArchitecture.Convolutional(new ImageShape(2, 6, 6, 3, Stride: 1, Padding: 1, Pool: 4), outputs: 3), 3, 9, classes: 3),
        "poly cnn signal pool" => Poly(NetworkArchitecture.Convolutional(ImageShape.ForSignal(1, 10, 3, stride: 2, padding: 1, pool: 2)), 2, 10),
        "relu fc no neurons" => Relu(NetworkArchitecture.FullyConnected(2), 0, 11),
        "gated fc bias" => Gated(NetworkArchitecture.FullyConnected(3, bias: true), 5, 12),
        "gated cnn image" => Gated(NetworkArchitecture.Convolutional(new ImageShape(1, 5, 5, 3, Stride: 2, Padding: 1), sumPooling: true), 4, 13),
        "gated fc no neurons" => Gated(NetworkArchitecture.FullyConnected(2), 0, 14),
        "three-layer fc bias" => Three(NetworkArchitecture.FullyConnected(3, bias: true), 3, 4, 15),
        "three-layer cnn signal" => Three(NetworkArchitecture.Convolutional(ImageShape.ForSignal(2, 9, 3, stride: 2, padding: 1), sumPooling: true), 2, 3, 16),
        "three-layer fc no units" => Three(NetworkArchitecture.FullyConnected(2), 0, 1, 17),
        "vector-output fc bias 3 classes" => Vector(NetworkArchitecture.FullyConnected(3, bias: true, outputs: 3), 5, 18),
        "batch-norm fc" => BatchNorm(3, 5, 22),
        "layerwise 1 block" => Layerwise(new ImageShape(1, 5, 5, 3), 1, [3], [[0, 1]], 18),
        // 8 x 8 -> 8 x 8 maps pooled to 4 x 4 (2 of 4 filters, out of order) -> the head.
        "layerwise 2 blocks pool 2" => Layerwise(new ImageShape(2, 8, 8, 3, Padding: 1), 2, [4, 3], [[3, 1], [0]], 19),
        // 9 x 7 at stride 2 -> 5 x 4 maps, no pooling -> 3 x 2 maps -> a 2 x 1 grid under the head.
        "layerwise 3 blocks stride padding 2 classes" => Layerwise(new ImageShape(1, 9, 7, 3, Stride: 2, Padding: 1), 1, [3, 4, 2], [[2, 0, 1], [1, 3], []], 20, classes: 2),
        // 6 x 6 -> 5 x 5 maps in 2 x 2 tiles: 3 x 3 tiles of 4, 2 and 1 patches.
        "layerwise head no neurons" => Layerwise(new ImageShape(1, 6, 6, 2), 2, [2, 0], [[1], []], 21),
        _ => throw new ArgumentException(name),
    };

    private static VectorReluNetwork Vector(NetworkArchitecture arch, int neurons, int seed)
    {
        var rng = new Random(seed);
        return VectorReluNetwork.Create(arch, Enumerable.Range(0, neurons).Select(_ => new VectorNeuron(Random(rng, arch.PatchLength), Random(rng, arch.Outputs))).ToList(), classes: 3);
    }

    /// <summary>The outputs of an ONNX model run by ONNX Runtime on float64 input "x".</summary>
    internal static double[,] RunOnnx(byte[] model, double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        using var session = new InferenceSession(model);
        var tensor = new DenseTensor<double>(x.Cast<double>().ToArray(), [n, d]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", tensor)]);
        var y = results.Single(r => r.Name == "y").AsTensor<double>();
        Assert.Equal(2, y.Rank);
        Assert.Equal(n, y.Dimensions[0]);
        var f = new double[n, y.Dimensions[1]];
        for (int i = 0; i < n; i++) for (int t = 0; t < f.GetLength(1); t++) f[i, t] = y[i, t];
        return f;
    }

    private static void AssertSameOutputs(double[,] expected, double[,] actual, string what)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int t = 0; t < expected.GetLength(1); t++)
                Assert.True(Math.Abs(expected[i, t] - actual[i, t]) <= 1e-9 * Math.Max(1, Math.Abs(expected[i, t])),
                    $"{what}: sample {i} output {t}: ONNX {actual[i, t]:R}, network {expected[i, t]:R}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntimePredictsWhatTheNetworkPredicts(string name)
    {
        var network = Build(name);
        var x = Data(new Random(name.Length), 17, network.Architecture.Inputs);
        var expected = network.Outputs(x);
        // The test would pass trivially on all-zero outputs: the networks with neurons must predict something.
        if (network.NeuronCount > 0) Assert.Contains(expected.Cast<double>(), v => Math.Abs(v) > 1e-3);
        AssertSameOutputs(expected, RunOnnx(OnnxExport.ToOnnx(network), x), name);
    }

    [Fact]
    public void EveryPatchIndexCopiesTheInputThatExtractPatchesCopies()
    {
        var arch = NetworkArchitecture.Convolutional(new ImageShape(2, 5, 4, 3, Stride: 2, Padding: 1, Pool: 1));
        var index = OnnxExport.PatchIndex(arch);
        var x = Data(new Random(3), 2, arch.Inputs);
        var patches = arch.ExtractPatches(x);
        Assert.Equal(arch.Patches * arch.PatchLength, index.Length);
        for (int i = 0; i < 2; i++)
            for (int t = 0; t < index.Length; t++)
                Assert.Equal(index[t] == arch.Inputs ? 0.0 : x[i, (int)index[t]], patches[i][t]);
        Assert.Contains(index, v => v == arch.Inputs); // padding 1 reaches outside the image
    }

    [Fact]
    public void ExportCommandWritesAModelOfTheSavedNetwork()
    {
        var dir = CliHarness.TempDir();
        var network = Build("poly cnn image pool 3 classes");
        var json = Path.Combine(dir, "net.json");
        File.WriteAllText(json, network.ToJson());
        var onnx = Path.Combine(dir, "net.onnx");
        var (exit, output, err) = RunCli("export", json, "--onnx", onnx);
        Assert.True(exit == 0, err);
        Assert.Contains("net.onnx", output);
        var x = Data(new Random(5), 9, network.Architecture.Inputs);
        AssertSameOutputs(ModelRegistry.Load(json).Outputs(x), RunOnnx(File.ReadAllBytes(onnx), x), "export command");
    }

    /// <summary>A CSV with header x1..xd (and y when <paramref name="y"/> is given).</summary>
    private static void WriteCsv(string path, double[,] x, double[]? y)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var lines = new List<string> { string.Join(",", Enumerable.Range(1, d).Select(j => $"x{j}").Concat(y is null ? [] : ["y"])) };
        for (int i = 0; i < n; i++)
            lines.Add(string.Join(",", Enumerable.Range(0, d).Select(j => x[i, j].ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                .Concat(y is null ? [] : [y[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)])));
        File.WriteAllLines(path, lines);
    }

    [Fact]
    public void ALayerwiseStackTrainedByTheCliExportsToAModelThatPredictsWhatPredictPrints()
    {
        // 10 random 1 x 8 x 8 images with random targets; a 2-block stack (3 x 3 filters, stride 2, padding 1: 4 x 4
        // maps, pooled 2 x 2 to 2 x 2 images of 2 channels), then export, then predict --json on 12 other images.
        var dir = CliHarness.TempDir();
        var rng = new Random(22);
        var train = Path.Combine(dir, "train.csv");
        WriteCsv(train, Data(rng, 10, 64), Random(rng, 10));
        var net = Path.Combine(dir, "stack.json");
        var (exit, _, err) = CliHarness.Run("train", train, "--layerwise", "2", "--image", "1,8,8", "--filter", "3", "--stride", "2", "--padding", "1",
            "--feature-pool", "2", "--beta", "0.05", "--features", "2", "--sample", "8", "--no-baseline", "--out", net);
        Assert.True(exit == 0, err);
        var onnx = Path.Combine(dir, "stack.onnx");
        (exit, _, err) = RunCli("export", net, "--onnx", onnx);
        Assert.True(exit == 0, err);

        var x = Data(rng, 12, 64);
        var test = Path.Combine(dir, "test.csv");
        WriteCsv(test, x, null);
        var (pexit, pout, perr) = RunCli("predict", net, test, "--json");
        Assert.True(pexit == 0, perr);
        var predictions = System.Text.Json.Nodes.JsonNode.Parse(pout)!["predictions"]!.AsArray();
        var printed = new double[predictions.Count, 1];
        for (int i = 0; i < predictions.Count; i++) printed[i, 0] = (double)predictions[i]!;
        Assert.Contains(printed.Cast<double>(), v => Math.Abs(v) > 1e-3);
        AssertSameOutputs(printed, RunOnnx(File.ReadAllBytes(onnx), x), "layerwise stack from ecnn train");
    }

    [Theory]
    [InlineData("missing-format")]
    [InlineData("missing-file")]
    [InlineData("not-a-network")]
    [InlineData("output-is-a-folder")]
    public void BadInputIsOneLineAndExitCode2(string kind)
    {
        var dir = CliHarness.TempDir();
        var json = Path.Combine(dir, "net.json");
        File.WriteAllText(json, kind == "not-a-network" ? "{\"inputs\": 2, \"neurons\": [{\"u\": [1], \"w\": 1}]}" : Build("relu fc").ToJson());
        string[] args = kind switch
        {
            "missing-format" => ["export", json],
            "missing-file" => ["export", Path.Combine(dir, "absent.json"), "--onnx", Path.Combine(dir, "a.onnx")],
            "output-is-a-folder" => ["export", json, "--onnx", dir],
            _ => ["export", json, "--onnx", Path.Combine(dir, "a.onnx")],
        };
        var (exit, output, err) = RunCli(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "a.onnx")));
    }

    private static (int, string, string) RunCli(params string[] args) => CliHarness.Run(args);
}
