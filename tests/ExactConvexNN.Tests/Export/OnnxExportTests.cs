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

    /// <summary>Every family and architecture that exists, by name.</summary>
    public static TheoryData<string> Networks() =>
    [
        "relu fc", "relu fc bias", "relu cnn image", "relu cnn image stride padding", "relu cnn signal",
        "poly fc", "poly fc bias", "poly fc 3 classes", "poly cnn image pool 3 classes", "poly cnn signal pool", "relu fc no neurons",
        "gated fc bias", "gated cnn image", "gated fc no neurons",
        "three-layer fc bias", "three-layer cnn signal", "three-layer fc no units", "batch-norm fc",
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
        "batch-norm fc" => BatchNorm(3, 5, 18),
        _ => throw new ArgumentException(name),
    };

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
