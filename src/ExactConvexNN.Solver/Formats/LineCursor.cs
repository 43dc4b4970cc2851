using System.Globalization;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Reads a text file line by line for the format readers: skips blank and comment lines, splits on
/// white space (or the given separators), keeps the line number, and builds <see cref="InputException"/>s that name the line.
/// </summary>
internal sealed class LineCursor(TextReader reader, string label, Func<string, bool> isComment, char[]? separators = null)
{
    /// <summary>Number (1-based) of the last line returned.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The raw text of the last line returned.</summary>
    public string Line { get; private set; } = "";

    /// <summary>Advances to the next line that is neither blank nor a comment; false at the end of the file.</summary>
    public bool MoveNext()
    {
        while (reader.ReadLine() is { } line)
        {
            LineNumber++;
            if (string.IsNullOrWhiteSpace(line) || isComment(line)) continue;
            Line = line;
            return true;
        }
        return false;
    }

    /// <summary>The tokens of the current line.</summary>
    public string[] Tokens() => Line.Split(separators, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Advances to the next data line or fails with "the file ends inside <paramref name="what"/>".</summary>
    public string[] NextTokens(string what)
    {
        if (!MoveNext())
            throw new InputException($"{label}: the file ends (after line {LineNumber}) inside {what}; the file is truncated, restore the missing lines");
        return Tokens();
    }

    /// <summary>
    /// An error naming the current line. When that line is the last of the file, the message also says that the
    /// file may have been cut short: a truncated file usually ends inside a line (a partial keyword, number or entry).
    /// </summary>
    public InputException Error(string message) =>
        new($"{label} line {LineNumber}: {message}{(reader.Peek() < 0 ? "; this is the last line of the file: if the file was cut short, restore the missing lines" : "")}");

    /// <summary>Parses a finite number or fails naming the line and the field.</summary>
    public double Number(string token, string field)
    {
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
        throw Error($"{field} '{token}' is not a finite number; write it like 1.5 or -2e-3");
    }

    /// <summary>Parses an integer in [<paramref name="min"/>, <paramref name="max"/>] or fails naming the line and the field.</summary>
    public int Integer(string token, string field, int min = 0, int max = int.MaxValue)
    {
        if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw System.Numerics.BigInteger.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var big)
                ? Error($"{field} {token} is {(big < min ? $"below {min}" : $"above {max}, the largest this reader handles")}; fix the value")
                : Error($"{field} '{token}' is not an integer; write a whole number");
        if (v < min || v > max)
            throw Error(max == int.MaxValue
                ? $"{field} {v} is below {min}; fix the value"
                : $"{field} {v} is outside {min}..{max}; fix the index (indices are 0-based) or the declared size");
        return v;
    }

    /// <summary>Fails unless the current line has exactly <paramref name="count"/> tokens.</summary>
    public string[] Expect(string[] tokens, int count, string shape)
    {
        if (tokens.Length != count)
            throw Error($"expected {count} field(s) '{shape}' but found {tokens.Length}: '{Line.Trim()}'");
        return tokens;
    }
}
