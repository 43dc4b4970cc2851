using System.CommandLine;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli;

/// <summary>Runs the command line: parse errors and invalid input become one line on stderr and exit code 2.</summary>
public static class CliRunner
{
    /// <summary>Exit code for invalid input or usage.</summary>
    public const int InputError = 2;

    /// <summary>Parses and invokes; returns the process exit code.</summary>
    public static int Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {Friendly(parsed.Errors[0].Message)} (see 'ecnn --help')");
            return InputError;
        }
        return parsed.Invoke();
    }

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
    /// Runs a command body, turning invalid input into a one-line message and exit code 2
    /// (no stack trace). Other exceptions are bugs and propagate.
    /// </summary>
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (InputException e) { return Fail(e.Message); }
        catch (ArgumentException e) { return Fail(e.Message); }
        catch (FileNotFoundException e) { return Fail($"file not found: {e.FileName ?? e.Message}"); }
        catch (DirectoryNotFoundException e) { return Fail(e.Message); }
        catch (UnauthorizedAccessException e) { return Fail(e.Message); }
        catch (IOException e) { return Fail(e.Message); }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return InputError;
    }

    /// <summary>
    /// Writes a file atomically: the content goes to a temporary file beside the target, which is then
    /// moved over it, so a failure never leaves a half-written file.
    /// </summary>
    public static void WriteFileAtomically(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new InputException($"cannot write '{path}': folder '{dir}' does not exist; create it or choose another path");
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(tmp, content);
        File.Move(tmp, full, overwrite: true);
    }
}
