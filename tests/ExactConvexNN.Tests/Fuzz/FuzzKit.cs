using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the input readers: mutated copies of valid files (truncations, byte flips, numbers replaced by
/// or inserted as extreme values, duplicated and deleted lines) must each give a valid parse or an
/// <see cref="InputException"/> with a one-line message, within a time bound. Deterministic for a given seed.
/// </summary>
internal static partial class FuzzKit
{
    /// <summary>Cases per reader: <c>ECNN_FUZZ_CASES</c> when set (e.g. 10000 for a long run), else <paramref name="ci"/>.</summary>
    public static int Cases(int ci = 300) =>
        int.TryParse(Environment.GetEnvironmentVariable("ECNN_FUZZ_CASES"), out int n) && n > 0 ? n : ci;

    /// <summary>The base seed: <c>ECNN_FUZZ_SEED</c> when set, else a fixed one (so the CI run is reproducible).</summary>
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("ECNN_FUZZ_SEED"), out int s) ? s : 20240611;

    /// <summary>The time one parse may take.</summary>
    // A hang runs for minutes; a parse takes milliseconds. 10 s tells them apart even on a machine loaded several times
    // over (2 s did not: parses of a few hundred milliseconds waited that long for a core).
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Values that stress number and count parsing.</summary>
    public static readonly string[] Extremes =
    [
        "1e308", "1e400", "-1e400", "1e-400", "-0", "NaN", "nan", "Infinity", "-inf", "4000000000", "2147483647", "2147483648",
        "-2147483648", "1000000000", "65535", "65536", "-1", "0", "99999999999999999999", "0x10", "1,5", "",
    ];

    [GeneratedRegex(@"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();

    /// <summary>Outcome counts and failure descriptions of one fuzz run.</summary>
    public sealed record Report(string Reader, int Cases, int Parsed, int Refused, List<string> Failures, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"{Reader}: {Cases} cases in {Elapsed.TotalSeconds:F1} s: {Parsed} parsed, {Refused} refused with InputException, {Failures.Count} failures";
    }

    /// <summary>One to three random mutations of <paramref name="text"/>, and their description.</summary>
    public static (string Text, string How) Mutate(string text, Random rng)
    {
        var how = new List<string>();
        int count = 1 + rng.Next(3);
        for (int m = 0; m < count; m++)
        {
            switch (rng.Next(7))
            {
                case 0:
                {
                    int cut = rng.Next(text.Length + 1);
                    text = text[..cut];
                    how.Add($"truncate at {cut}");
                    break;
                }
                case 1:
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    if (bytes.Length == 0) break;
                    int at = rng.Next(bytes.Length);
                    byte was = bytes[at];
                    bytes[at] = rng.Next(2) == 0 ? (byte)(was ^ (1 << rng.Next(8))) : (byte)rng.Next(256);
                    text = Encoding.UTF8.GetString(bytes);
                    how.Add($"byte {at}: {was:x2} -> {bytes[at]:x2}");
                    break;
                }
                case 2 or 3:
                {
                    var numbers = NumberPattern().Matches(text);
                    if (numbers.Count == 0) break;
                    var hit = numbers[rng.Next(numbers.Count)];
                    string value = Extremes[rng.Next(Extremes.Length)];
                    text = text[..hit.Index] + value + text[(hit.Index + hit.Length)..];
                    how.Add($"number '{hit.Value}' at {hit.Index} -> '{value}'");
                    break;
                }
                case 4:
                {
                    int at = rng.Next(text.Length + 1);
                    string value = Extremes[rng.Next(Extremes.Length)];
                    string sep = rng.Next(2) == 0 ? " " : "\n";
                    text = text[..at] + sep + value + sep + text[at..];
                    how.Add($"insert '{value}' at {at}");
                    break;
                }
                case 5 or 6:
                {
                    var lines = text.Split('\n').ToList();
                    int i = rng.Next(lines.Count);
                    if (rng.Next(2) == 0) { lines.Insert(i, lines[i]); how.Add($"duplicate line {i + 1}"); }
                    else { lines.RemoveAt(i); how.Add($"delete line {i + 1}"); }
                    text = string.Join('\n', lines);
                    break;
                }
            }
        }
        return (text, how.Count == 0 ? "unchanged" : string.Join("; ", how));
    }

    /// <summary>One random byte-level mutation of gzip data that damages it: a cut, a flipped bit or inserted random bytes after the header, or random bytes in place of the compressed data.</summary>
    public static (byte[] Bytes, string How) MutateBytes(byte[] bytes, Random rng)
    {
        switch (rng.Next(4))
        {
            case 0:
            {
                int cut = rng.Next(bytes.Length);
                return (bytes[..cut], $"cut at {cut} of {bytes.Length}");
            }
            case 1:
            {
                // Past the 10-byte header: its time stamp and OS bytes are not covered by the checksum.
                var copy = (byte[])bytes.Clone();
                int at = 10 + rng.Next(copy.Length - 10);
                copy[at] ^= (byte)(1 << rng.Next(8));
                return (copy, $"flip a bit of byte {at} of {bytes.Length}");
            }
            case 2:
            {
                int at = 10 + rng.Next(Math.Max(1, bytes.Length - 10));
                var noise = new byte[1 + rng.Next(16)];
                rng.NextBytes(noise);
                return ([.. bytes[..Math.Min(at, bytes.Length)], .. noise, .. bytes[Math.Min(at, bytes.Length)..]], $"insert {noise.Length} random bytes at {at}");
            }
            default:
            {
                var noise = new byte[1 + rng.Next(64)];
                rng.NextBytes(noise);
                return ([.. bytes[..10], .. noise], $"random bytes after the header ({noise.Length})");
            }
        }
    }

    /// <summary>One generated input: what it is, how to parse it, and how to save it (returns the path) when it fails.</summary>
    public sealed record Case(string Description, Action Parse, Func<string, string> Save);

    /// <summary>A case that parses a mutated copy of one of the <paramref name="seeds"/>.</summary>
    public static Func<Random, Case> TextCases(IReadOnlyList<(string Name, string Text)> seeds, Action<string> parse) => rng =>
    {
        var (name, original) = seeds[rng.Next(seeds.Count)];
        var (text, how) = Mutate(original, rng);
        return new Case($"{name}; {how}", () => parse(text), path => { File.WriteAllText(path, text); return path; });
    };

    /// <summary>
    /// Runs <paramref name="cases"/> generated cases. A failure is any exception other than <see cref="InputException"/>,
    /// an <see cref="InputException"/> whose message is empty or spans lines, or a parse slower than <see cref="Limit"/>.
    /// Failing inputs are saved under the temp folder (the path is in the failure).
    /// </summary>
    public static Report Run(string reader, int cases, int seed, Func<Random, Case> next)
    {
        var rng = new Random(seed);
        var failures = new List<string>();
        int parsed = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        for (int k = 0; k < cases; k++)
        {
            var c = next(rng);
            var (ok, failure) = Check(c.Parse);
            if (failure is not null)
            {
                string dir = Path.Combine(Path.GetTempPath(), "ecnn-fuzz");
                Directory.CreateDirectory(dir);
                string saved = c.Save(Path.Combine(dir, $"{reader}-{seed}-{k}"));
                failures.Add($"{reader} case {k} ({c.Description}; input saved as {saved}): {failure}");
            }
            else if (ok) parsed++;
            else refused++;
        }
        return new Report(reader, cases, parsed, refused, failures, clock.Elapsed);
    }

    /// <summary>Runs one parse: (true, null) parsed, (false, null) refused properly, (_, text) a failure.</summary>
    public static (bool Parsed, string? Failure) Check(Action parse)
    {
        var task = Task.Run(parse);
        try
        {
            if (!task.Wait(Limit)) return (false, $"no answer within {Limit.TotalSeconds} s");
            return (true, null);
        }
        catch (AggregateException e) when (e.InnerException is InputException input)
        {
            if (input.Message.Length == 0) return (false, "InputException with an empty message");
            if (input.Message.Contains('\n') || input.Message.Contains('\r')) return (false, $"InputException message spans lines: {input.Message}");
            return (false, null);
        }
        catch (AggregateException e)
        {
            var inner = e.InnerException!;
            string where = inner.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";
            return (false, $"{inner.GetType().Name}: {inner.Message} {where}");
        }
    }
}
