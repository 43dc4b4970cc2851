using System.IO.Compression;
using System.Text;
using ExactConvexNN.Cli;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using static ExactConvexNN.Tests.Solver.Formats.FormatTestKit;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>Gzip-compressed input: CSV data and every problem format, and the refusal of truncated or damaged gzip files.</summary>
[Collection("Console")]
public sealed class GzipInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ecnn-gz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    internal static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    private static string ErrorOf(Action read)
    {
        var e = Assert.Throws<InputException>(read);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private const string Csv = "a,b,y\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n";

    [Fact]
    public void AGzippedCsvReadsLikeThePlainFile()
    {
        var ds = CsvDataReader.Read(WriteBytes("d.csv.gz", Gzip(Encoding.UTF8.GetBytes(Csv))));
        Assert.Equal(4, ds.Rows);
        Assert.Equal(new[] { 3.0, 6.0, 9.0, 12.0 }, ds.Y);
    }

    [Fact]
    public void AGzippedCsvCutAtAnyByteIsRefused()
    {
        var gz = Gzip(Encoding.UTF8.GetBytes(Csv));
        for (int cut = 0; cut < gz.Length; cut++)
        {
            var path = WriteBytes($"cut{cut}.csv.gz", gz[..cut]);
            var message = ErrorOf(() => CsvDataReader.Read(path));
            Assert.True(message.Contains("truncated") || message.Contains("not gzip"), $"cut {cut}: {message}");
        }
    }

    [Fact]
    public void AGzippedCsvCutExactlyAfterARowIsRefusedNotReadAsFewerRows()
    {
        // A flush after each row ends the compressed data on a byte boundary: cutting there leaves
        // a prefix that decompresses to whole rows (what a plain GZipStream reads without complaint).
        var ms = new MemoryStream();
        var cuts = new List<int>();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            foreach (var line in Csv.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                gz.Write(Encoding.UTF8.GetBytes(line + "\n"));
                gz.Flush();
                cuts.Add((int)ms.Length);
            }
        }
        var bytes = ms.ToArray();
        foreach (int cut in cuts.Skip(2))
        {
            using (var plain = new GZipStream(new MemoryStream(bytes[..cut]), CompressionMode.Decompress))
                Assert.EndsWith("\n", new StreamReader(plain).ReadToEnd()); // the premise: whole rows, no error
            var message = ErrorOf(() => CsvDataReader.Read(WriteBytes($"rows{cut}.csv.gz", bytes[..cut])));
            Assert.Contains("truncated", message);
        }
    }

    [Fact]
    public void RandomBytesAfterAValidGzipHeaderAreRefusedAsDamaged()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 20; trial++)
        {
            var bytes = new byte[10 + 300];
            rng.NextBytes(bytes);
            new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff }.CopyTo(bytes, 0);
            var message = ErrorOf(() => CsvDataReader.Read(WriteBytes($"r{trial}.csv.gz", bytes)));
            Assert.Contains("gzip", message);
        }
    }

    [Fact]
    public void AFlippedChecksumByteIsRefused()
    {
        var gz = Gzip(Encoding.UTF8.GetBytes(Csv));
        gz[^6] ^= 0x01; // inside the CRC-32 of the trailer
        Assert.Contains("gzip", ErrorOf(() => CsvDataReader.Read(WriteBytes("crc.csv.gz", gz))));
    }

    [Fact]
    public void AFileNamedGzThatIsNotGzipIsRefused()
    {
        var message = ErrorOf(() => CsvDataReader.Read(WriteBytes("plain.csv.gz", Encoding.UTF8.GetBytes(Csv))));
        Assert.Contains("not gzip", message);
    }

    [Theory]
    [InlineData("optimal/HS21.qps")]
    [InlineData("optimal/socp_rotated.cbf")]
    [InlineData("../sdp/theta_c5.dat-s")]
    public void EveryProblemFormatReadsTheSameGzipped(string file)
    {
        var plainPath = Path.GetFullPath(Path.Combine(ProblemSetTests.Root, file));
        var gzPath = WriteBytes(Path.GetFileName(plainPath) + ".gz", Gzip(File.ReadAllBytes(plainPath)));
        var plain = ProblemFile.Read(plainPath);
        var zipped = ProblemFile.Read(gzPath);
        Assert.Equal(plain.Format, zipped.Format);
        Assert.Equal(plain.Name, zipped.Name);
        Assert.Equal(plain.Maximize, zipped.Maximize);
        AssertSameProblem(plain.Problem, zipped.Problem);
    }

    [Theory]
    [InlineData("optimal/HS21.qps")]
    [InlineData("optimal/socp_rotated.cbf")]
    [InlineData("../sdp/theta_c5.dat-s")]
    public void ATruncatedGzippedProblemFileIsRefused(string file)
    {
        var plainPath = Path.GetFullPath(Path.Combine(ProblemSetTests.Root, file));
        var gz = Gzip(File.ReadAllBytes(plainPath));
        foreach (int cut in new[] { gz.Length / 3, gz.Length / 2, gz.Length - 8, gz.Length - 1 })
        {
            var path = WriteBytes($"cut{cut}-" + Path.GetFileName(plainPath) + ".gz", gz[..cut]);
            Assert.Contains("truncated", ErrorOf(() => ProblemFile.Read(path)));
        }
    }

    [Fact]
    public void SolveReadsAGzippedQpsAndRefusesATruncatedOneWithExitCode2()
    {
        var plainPath = Path.Combine(ProblemSetTests.Root, "optimal", "HS21.qps");
        var gz = Gzip(File.ReadAllBytes(plainPath));
        var (exit, output, _) = CliHarness.Run("solve", WriteBytes("HS21.qps.gz", gz));
        Assert.Equal(0, exit);
        Assert.StartsWith("HS21: solved", output);

        var (cutExit, cutOutput, error) = CliHarness.Run("solve", WriteBytes("cut.qps.gz", gz[..(gz.Length / 2)]));
        Assert.Equal(CliRunner.InputError, cutExit);
        Assert.Equal("", cutOutput);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("truncated", error);
    }
}
