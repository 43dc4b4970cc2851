using System.CommandLine;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli;

/// <summary>
/// Runs the command line with one exit-code contract for every command (README "Exit codes"):
/// <see cref="Success"/> (0) solved or certified, <see cref="Inconsistent"/> (1) an internal contradiction was detected,
/// <see cref="InputError"/> (2) invalid input or usage, <see cref="NotSolved"/> (3) the command ran but did not reach a
/// solved or certified answer. Invalid input is one line on stderr, and with <c>--json</c> also one JSON object
/// <c>{"error": "...", "exit_code": 2}</c> on stdout.
/// </summary>
public static class CliRunner
{
    /// <summary>Exit code for a solved program, a certified network, or a command without a numerical outcome that succeeded.</summary>
    public const int Success = 0;

    /// <summary>Exit code for an internal contradiction (a first-order run below the exact optimum, a chamber count that disagrees).</summary>
    public const int Inconsistent = 1;

    /// <summary>Exit code for invalid input or usage.</summary>
    public const int InputError = 2;

    /// <summary>
    /// Exit code for a run that ended without a solved or certified answer: almost_solved, max_iterations, time_limit,
    /// numerical_error (and infeasible statuses for training), a network not certified optimal by <c>verify</c>, or a
    /// bound that is not a finite number.
    /// </summary>
    public const int NotSolved = 3;

    /// <summary>Parses and invokes; returns the process exit code.</summary>
    public static int Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
            return Fail($"{Friendly(parsed.Errors[0].Message)} (see 'ecnn --help')", args.Contains("--json"));
        return parsed.Invoke();
    }

    /// <summary>The exit code of a training status: <see cref="Success"/> for solved, <see cref="NotSolved"/> otherwise.</summary>
    public static int ExitCode(SolverStatus status) => status == SolverStatus.Solved ? Success : NotSolved;

    private static readonly System.Text.RegularExpressions.Regex ParseFailure =
        new(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$");

    /// <summary>
    /// The parser's "cannot parse ... as expected type 'System.Int32'" in the user's words: which option needs what
    /// kind of value (other messages pass through unchanged).
    /// </summary>
    internal static string Friendly(string message)
    {
        var m = ParseFailure.Match(message);
        if (!m.Success) return message;
        string type = m.Groups["type"].Value;
        if (type.StartsWith("System.Nullable`1[", StringComparison.Ordinal)) type = type["System.Nullable`1[".Length..].TrimEnd(']');
        string kind = type switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" => "a number (like 0.5 or 1e-6)",
            _ => null!,
        };
        return kind is null ? message : $"{m.Groups["option"].Value} needs {kind}, got '{m.Groups["value"].Value}'";
    }

    /// <summary>
    /// Runs a command body, turning invalid input (<see cref="InputException"/>, missing files, I/O failures) into a
    /// one-line message and exit code 2 (no stack trace). Other exceptions, <see cref="ArgumentException"/> among them,
    /// are programming errors and propagate.
    /// </summary>
    public static int Guard(Func<int> body) => Guard(null, body);

    /// <summary>
    /// As <see cref="Guard(Func{int})"/>; when the command has a <c>--json</c> flag that is set, the error is also written
    /// as one JSON object <c>{"error": "...", "exit_code": 2}</c> on standard output, so scripts always get JSON.
    /// </summary>
    public static int Guard(ParseResult? pr, Func<int> body)
    {
        bool json = pr is not null && WantsJson(pr);
        try { return body(); }
        catch (InputException e) { return Fail(e.Message, json); }
        catch (FileNotFoundException e) { return Fail($"file not found: {e.FileName ?? e.Message}", json); }
        catch (DirectoryNotFoundException e) { return Fail(e.Message, json); }
        catch (UnauthorizedAccessException e) { return Fail(e.Message, json); }
        catch (IOException e) { return Fail(e.Message, json); }
    }

    /// <summary>True when the command has a <c>--json</c> flag and it is set.</summary>
    private static bool WantsJson(ParseResult pr) =>
        pr.CommandResult.Command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == "--json") is { } option && pr.GetValue(option);

    private static readonly System.Text.Json.JsonSerializerOptions PlainJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static int Fail(string message, bool json)
    {
        Console.Error.WriteLine($"error: {message}");
        if (json) Console.WriteLine(new System.Text.Json.Nodes.JsonObject { ["error"] = message, ["exit_code"] = InputError }.ToJsonString(PlainJson));
        return InputError;
    }

    /// <summary>
    /// A cancellation source that cancels after <paramref name="seconds"/> (never when infinite). The timer is a dedicated
    /// background thread, not a thread-pool timer: the enumeration's parallel loops occupy the pool, and a pool timer can
    /// then fire only after the work it should stop.
    /// </summary>
    public static CancellationTokenSource CancelAfter(double seconds)
    {
        var source = new CancellationTokenSource();
        if (!double.IsFinite(seconds)) return source;
        var token = source.Token;
        new Thread(() =>
        {
            try { if (!token.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue / 1000.0)))) source.Cancel(); }
            catch (ObjectDisposedException) { } // the work finished first and disposed the source
        }) { IsBackground = true, Name = "ecnn time limit" }.Start();
        return source;
    }

    /// <summary>
    /// Checks an output path before any work: its folder exists, it is not a folder, and it is none of the inputs
    /// (a network written over the data it was trained on would destroy the data).
    /// </summary>
    /// <exception cref="InputException">The path cannot or must not be written.</exception>
    public static void CheckOutput(FileInfo? output, params FileInfo[] inputs)
    {
        if (output is null) return;
        var full = Path.GetFullPath(output.FullName);
        if (Directory.Exists(full)) throw new InputException($"cannot write '{output}': it is a folder; give a file name such as {Path.Combine(output.ToString(), "net.json")}");
        var dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir)) throw new InputException($"cannot write '{output}': folder '{output.DirectoryName}' does not exist; create it or choose another path");
        foreach (var input in inputs)
            if (string.Equals(Path.GetFullPath(input.FullName), full, StringComparison.Ordinal))
                throw new InputException($"cannot write '{output}': it is the input file; choose another output path");
    }

    /// <summary>
    /// Writes a file atomically: the content goes to a temporary file beside the target, which is then
    /// moved over it, so a failure never leaves a half-written file.
    /// </summary>
    public static void WriteFileAtomically(string path, string content) => WriteAtomically(path, tmp => File.WriteAllText(tmp, content));

    /// <summary>Writes bytes atomically, like <see cref="WriteFileAtomically(string, string)"/>.</summary>
    public static void WriteFileAtomically(string path, byte[] content) => WriteAtomically(path, tmp => File.WriteAllBytes(tmp, content));

    private static void WriteAtomically(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new InputException($"cannot write '{path}': folder '{dir}' does not exist; create it or choose another path");
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        write(tmp);
        File.Move(tmp, full, overwrite: true);
    }
}
