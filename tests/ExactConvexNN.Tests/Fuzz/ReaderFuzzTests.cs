using System.IO.Compression;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using Xunit.Abstractions;

namespace ExactConvexNN.Tests.Fuzz;

/// <summary>
/// Every reader, fed mutated copies of the files shipped under problems/ (see <see cref="FuzzKit"/>), either parses or
/// refuses with a one-line <see cref="InputException"/>, within the time bound. A few hundred cases per reader in CI;
/// set <c>ECNN_FUZZ_CASES</c> (and optionally <c>ECNN_FUZZ_SEED</c>) for a longer run.
/// </summary>
public class ReaderFuzzTests(ITestOutputHelper log)
{
    private static List<(string Name, string Text)> Seeds(string folder, params string[] patterns) =>
        patterns.SelectMany(p => Directory.GetFiles(CliHarness.Problems(folder), p, SearchOption.AllDirectories))
            .Where(f => new FileInfo(f).Length <= 64 * 1024) // small files keep each case fast
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(CliHarness.Problems(), f), File.ReadAllText(f)))
            .ToList();

    private static IReadOnlyList<(string, string)> CsvSeeds => Seeds("", "*.csv");
    private static IReadOnlyList<(string, string)> CbfSeeds => Seeds("solver", "*.cbf");
    private static IReadOnlyList<(string, string)> QpsSeeds => Seeds("solver", "*.qps");
    private static IReadOnlyList<(string, string)> SdpaSeeds => Seeds("sdp", "*.dat-s");

    private void RunAndAssert(string reader, Func<Random, FuzzKit.Case> next, int ci = 300)
    {
        var report = FuzzKit.Run(reader, FuzzKit.Cases(ci), FuzzKit.Seed, next);
        log.WriteLine(report.ToString());
        Assert.True(report.Failures.Count == 0, $"{report}:\n{string.Join("\n", report.Failures.Take(20))}");
        // The mutations reach both outcomes: some inputs still parse, some are refused.
        Assert.True(report.Parsed > 0 && report.Refused > 0, report.ToString());
    }

    [Fact]
    public void MutatedCsvFilesParseOrAreRefusedWithOneLine() =>
        RunAndAssert("csv", FuzzKit.TextCases(CsvSeeds, text => CsvDataReader.Parse(new StringReader(text), "fuzz.csv")));

    [Fact]
    public void MutatedCbfFilesParseOrAreRefusedWithOneLine() =>
        RunAndAssert("cbf", FuzzKit.TextCases(CbfSeeds, text => CbfReader.Read(new StringReader(text), "fuzz", "fuzz.cbf")));

    [Fact]
    public void MutatedQpsFilesParseOrAreRefusedWithOneLine() =>
        RunAndAssert("qps", FuzzKit.TextCases([.. QpsSeeds, FixedFormatSeed], text => QpsReader.Read(new StringReader(text), "fuzz", "fuzz.qps")));

    [Fact]
    public void MutatedSdpaFilesParseOrAreRefusedWithOneLine() =>
        RunAndAssert("sdpa", FuzzKit.TextCases(SdpaSeeds, text => SdpaReader.Read(new StringReader(text), "fuzz", "fuzz.dat-s")));

    /// <summary>A fixed-format MPS file with spaces in names, so the fixed-column path is fuzzed too.</summary>
    private static (string, string) FixedFormatSeed => ("fixed-format.qps", string.Join("\n",
        "NAME          FIXED",
        "ROWS",
        " N  COST",
        " L  LIM 1",
        " E  MY EQN",
        "COLUMNS",
        "    X 1       COST               1.5   LIM 1                1.",
        "    X 2       COST               -2.   MY EQN               1.",
        "RHS",
        "    RHS 1     LIM 1               4.   MY EQN               2.",
        "RANGES",
        "    RNG 1     MY EQN              3.",
        "BOUNDS",
        " UP BND 1     X 1                 3.",
        "QUADOBJ",
        "    X 1       X 1                 2.",
        "    X 1       X 2                 .5",
        "    X 2       X 2                 4.",
        "ENDATA",
        ""));

    /// <summary>Gzip files of every kind with damaged compressed bytes, read from disk through the same opener as the CLI.</summary>
    [Fact]
    public void DamagedGzipFilesOfEveryFormatAreRefusedWithOneLineUnlessTheTextComesOutWhole()
    {
        string dir = Directory.CreateTempSubdirectory("ecnn-fuzz-gz-").FullName;
        try
        {
            var seeds = new List<(string Name, string Ext, string Text, byte[] Gz)>();
            foreach (var (list, ext) in new[] { (CsvSeeds, ".csv"), (CbfSeeds, ".cbf"), (QpsSeeds, ".qps"), (SdpaSeeds, ".dat-s") })
                foreach (var (name, text) in list) seeds.Add((name, ext, text, GzipInputTests.Gzip(System.Text.Encoding.UTF8.GetBytes(text))));
            int k = 0;
            var report = FuzzKit.Run("gzip", FuzzKit.Cases(150), FuzzKit.Seed, rng =>
            {
                var (name, ext, original, gz) = seeds[rng.Next(seeds.Count)];
                var (bytes, how) = FuzzKit.MutateBytes(gz, rng);
                string path = Path.Combine(dir, $"case{k++}{ext}.gz");
                File.WriteAllBytes(path, bytes);
                void Parse()
                {
                    // A change the checksum cannot see (unused padding bits, bytes after the compressed data) must leave the text whole.
                    using (var reader = InputText.Open(path))
                        if (reader.ReadToEnd() is var text && text != original)
                            throw new InvalidOperationException($"damaged gzip data was read as {text.Length} characters instead of {original.Length}");
                    if (ext == ".csv") CsvDataReader.Read(path); else ProblemFile.Read(path);
                }
                return new FuzzKit.Case($"{name}.gz; {how}", Parse, target => { File.Copy(path, target + ext + ".gz", true); return target + ext + ".gz"; });
            });
            log.WriteLine(report.ToString());
            Assert.True(report.Failures.Count == 0, $"{report}:\n{string.Join("\n", report.Failures.Take(20))}");
            Assert.True(report.Refused > report.Parsed, report.ToString());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Network files written by the library, as seeds for the network JSON parsers.</summary>
    private static IReadOnlyList<(string, string)> ReluNetworkSeeds =>
    [
        ("relu-bias.json", TwoLayerReluNetwork.Create([new Neuron([1.5, -2, 0.25], 1), new Neuron([0, 1, -1], -0.5)], 2, bias: true,
            new Dictionary<string, JsonNode?> { ["beta"] = 0.01, ["data"] = "xor.csv" }).ToJson()),
        ("relu.json", TwoLayerReluNetwork.Create([new Neuron([1e-3, 2e5], 3)], 2, bias: false).ToJson()),
    ];

    private static IReadOnlyList<(string, string)> PolyNetworkSeeds =>
    [
        ("poly.json", PolyNetwork.Create(NetworkArchitecture.FullyConnected(2, bias: true), new PolynomialActivation(0.09, 0.5, 0.47),
            [new PolyNeuron([1, -1, 0.5], [2]), new PolyNeuron([0.25, 0, 1], [-1])]).ToJson()),
        ("poly-classes.json", PolyNetwork.Create(NetworkArchitecture.FullyConnected(2, outputs: 3), new PolynomialActivation(1, 0, 0),
            [new PolyNeuron([1, 2], [1, 2, 3])], classes: 3).ToJson()),
        ("poly-cnn.json", PolyNetwork.Create(NetworkArchitecture.Convolutional(new ImageShape(1, 4, 4, 2, Stride: 2, Pool: 2)),
            new PolynomialActivation(1, 1, 0), [new PolyNeuron([1, 0, 0, 1], [0.5])]).ToJson()),
    ];

    [Fact]
    public void MutatedReluNetworkFilesParseOrAreRefusedWithOneLine() =>
        RunAndAssert("relu-json", FuzzKit.TextCases(ReluNetworkSeeds, text => TwoLayerReluNetwork.Parse(text, "fuzz.json")));

    [Fact]
    public void MutatedPolyNetworkFilesParseOrAreRefusedWithOneLine() =>
        RunAndAssert("poly-json", FuzzKit.TextCases(PolyNetworkSeeds, text => PolyNetwork.Parse(text, "fuzz.json")));

    // ---- the harness itself ----

    [Fact]
    public void TheHarnessReportsOtherExceptionsMultiLineMessagesAndSlowParses()
    {
        Assert.Null(FuzzKit.Check(() => { }).Failure);
        Assert.Null(FuzzKit.Check(() => throw new InputException("bad; fix it")).Failure);
        #pragma warning disable CA2201 // the harness must name the runtime's own exception types
        Assert.Contains("NullReferenceException", FuzzKit.Check(() => throw new NullReferenceException()).Failure);
#pragma warning restore CA2201
        Assert.Contains("spans lines", FuzzKit.Check(() => throw new InputException("bad\nfix")).Failure);
        Assert.Contains("no answer", FuzzKit.Check(() => Thread.Sleep(FuzzKit.Limit + TimeSpan.FromSeconds(1))).Failure);
    }

    [Fact]
    public void MutationsAreDeterministicForASeedAndChangeTheText()
    {
        const string text = "VER\n3\nVAR\n2 1\nF 2\nOBJACOORD\n1\n0 1.5\n";
        var a = Enumerable.Range(0, 50).Select(_ => 0).Select((_, i) => FuzzKit.Mutate(text, new Random(i))).ToList();
        var b = Enumerable.Range(0, 50).Select(_ => 0).Select((_, i) => FuzzKit.Mutate(text, new Random(i))).ToList();
        Assert.Equal(a, b);
        Assert.True(a.Count(m => m.Text != text) >= 45);
    }
}
