using System.Globalization;
using System.Text;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;

namespace ExactConvexNN.Data;

/// <summary>Which column of a CSV file holds the target.</summary>
public enum TargetMode
{
    /// <summary>The last column is the target (the default; a target name, if given, overrides it).</summary>
    LastColumn,
    /// <summary>The column with the given name is the target, wherever it is.</summary>
    Named,
    /// <summary>There is no target: every column is a feature.</summary>
    None,
}

/// <summary>
/// Reads a data set from a CSV file: one header row of column names, then one sample per line. A first row made only
/// of numbers is refused (it is data: the header is missing) rather than silently taken as column names.
/// Numbers use the invariant culture ("1.5", "-2e-3"); the separator is a comma, or a semicolon or tab
/// when the header uses that instead. Double-quoted fields (with "" for a quote) are accepted.
/// Blank lines at the end are ignored. Files that start with the gzip magic bytes (e.g. <c>.csv.gz</c>)
/// are decompressed transparently, and refused when truncated or damaged (see <see cref="InputText"/>). Every problem is reported as an <see cref="InputException"/> with a
/// one-line message naming the problem and the fix.
/// </summary>
public static class CsvDataReader
{
    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <param name="path">A CSV file, optionally gzip-compressed.</param>
    /// <param name="targetColumn">Name of the target column; implies <see cref="TargetMode.Named"/>.</param>
    /// <param name="mode">Where the target is; see <see cref="TargetMode"/>.</param>
    /// <exception cref="InputException">The file is missing, empty or malformed, or the target is not found.</exception>
    public static Dataset Read(string path, string? targetColumn = null, TargetMode mode = TargetMode.LastColumn)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new InputException($"'{path}' is a folder, not a data file; give the path of a .csv (or .csv.gz) file");
        if (!File.Exists(path))
            throw new InputException($"data file '{path}' does not exist; check the path");

        return InputText.Read(path, reader => Parse(reader, path, targetColumn, mode));
    }

    /// <summary>Reads CSV text from a reader (same rules as <see cref="Read"/>); <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InputException">The text is empty or malformed, or the target is not found.</exception>
    public static Dataset Parse(TextReader reader, string source, string? targetColumn = null, TargetMode mode = TargetMode.LastColumn)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (targetColumn is not null && mode == TargetMode.LastColumn) mode = TargetMode.Named;
        if (mode == TargetMode.Named && string.IsNullOrWhiteSpace(targetColumn))
            throw new InputException("a named target needs a column name; pass --target NAME");
        if (mode == TargetMode.None && targetColumn is not null)
            throw new InputException($"target '{targetColumn}' was given together with 'no target'; drop one of the two");

        string? headerLine = reader.ReadLine();
        int lineNo = 1;
        while (headerLine is not null && headerLine.Trim().Length == 0) { headerLine = reader.ReadLine(); lineNo++; }
        if (headerLine is null)
            throw new InputException($"data file '{source}' is empty; it needs a header row and one line per sample");
        int headerLineNo = lineNo;

        char sep = DetectSeparator(headerLine);
        var names = SplitFields(headerLine, sep).Select(s => s.Trim()).ToArray();
        if (names.All(n => double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw new InputException($"the first row of '{source}' (line {headerLineNo}: '{Abbreviate(headerLine.Trim())}') is all numbers, so it looks like data, not a header; " +
                $"the file needs a header row of column names: add a first line such as '{ExampleHeader(names.Length, sep)}'");
        for (int j = 0; j < names.Length; j++)
            if (names[j].Length == 0)
                throw new InputException($"column {j + 1} of the header (line {headerLineNo}) of '{source}' has no name; give every column a name");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < names.Length; j++)
        {
            if (seen.TryGetValue(names[j], out int first))
                throw new InputException($"column name '{names[j]}' appears twice in the header of '{source}' (columns {first + 1} and {j + 1}); rename one of them");
            seen[names[j]] = j;
        }

        int cols = names.Length;
        int target = mode switch
        {
            TargetMode.None => -1,
            TargetMode.Named => seen.TryGetValue(targetColumn!.Trim(), out int t) ? t
                : throw new InputException($"target column '{targetColumn}' is not in '{source}'; available columns: {string.Join(", ", names)}"),
            _ => cols - 1,
        };
        int d = target < 0 ? cols : cols - 1;
        if (d == 0)
            throw new InputException($"'{source}' has no feature column (only the target '{names[target]}'); add feature columns or choose no target");

        var rows = new List<double[]>();
        var targets = target < 0 ? null : new List<double>();
        int? pendingBlank = null; // first blank line seen since the last data line
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Trim().Length == 0) { pendingBlank ??= lineNo; continue; }
            if (pendingBlank is int blank)
                throw new InputException($"line {blank} of '{source}' is blank inside the data; remove blank lines between samples");
            var fields = SplitFields(line, sep);
            if (fields.Count != cols)
                throw new InputException($"line {lineNo} of '{source}' has {fields.Count} values but the header has {cols} columns; make every row as long as the header");
            var row = new double[d];
            for (int j = 0, k = 0; j < cols; j++)
            {
                double v = ParseCell(fields[j], lineNo, names[j], source);
                if (j == target) targets!.Add(v);
                else row[k++] = v;
            }
            rows.Add(row);
        }
        if (rows.Count == 0)
            throw new InputException($"'{source}' has a header but no samples; add one line per sample below the header");

        var x = new double[rows.Count, d];
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < d; j++) x[i, j] = rows[i][j];
        var featureNames = Enumerable.Range(0, cols).Where(j => j != target).Select(j => names[j]).ToArray();
        return Dataset.Create(x, targets?.ToArray(), featureNames, target < 0 ? null : names[target], source);
    }

    private static string Abbreviate(string text) => text.Length <= 40 ? text : text[..37] + "...";

    /// <summary>x1,x2,...,y with <paramref name="columns"/> names (abbreviated past four).</summary>
    private static string ExampleHeader(int columns, char sep)
    {
        if (columns == 1) return "y";
        var features = columns <= 4
            ? Enumerable.Range(1, columns - 1).Select(j => $"x{j}")
            : ["x1", "x2", "...", $"x{columns - 1}"];
        return string.Join(sep, features.Append("y"));
    }

    private static double ParseCell(string raw, int lineNo, string column, string source)
    {
        string cell = raw.Trim();
        if (cell.Length == 0)
            throw new InputException($"line {lineNo}, column '{column}' of '{source}' is empty; fill in a number");
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new InputException($"line {lineNo}, column '{column}' of '{source}' is '{cell}', not a number; use plain numbers like 1.5 or -2e-3 (decimal point, no thousands separator)");
        if (!double.IsFinite(v))
            throw new InputException($"line {lineNo}, column '{column}' of '{source}' is '{cell}' (NaN or infinite); replace it with a finite number or drop the sample");
        return v;
    }

    /// <summary>Comma unless the header has more semicolons or tabs (outside quotes) than commas.</summary>
    private static char DetectSeparator(string header)
    {
        int comma = 0, semi = 0, tab = 0;
        bool quoted = false;
        foreach (char c in header)
        {
            if (c == '"') quoted = !quoted;
            else if (!quoted) { if (c == ',') comma++; else if (c == ';') semi++; else if (c == '\t') tab++; }
        }
        if (semi > comma && semi >= tab) return ';';
        if (tab > comma && tab > semi) return '\t';
        return ',';
    }

    /// <summary>Splits one line into fields; a field wrapped in double quotes may contain the separator and "" for a quote.</summary>
    private static List<string> SplitFields(string line, char sep)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        int i = 0;
        while (true)
        {
            sb.Clear();
            while (i < line.Length && line[i] == ' ') i++;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                while (i < line.Length && line[i] != sep) sb.Append(line[i++]);
            }
            else
            {
                while (i < line.Length && line[i] != sep) sb.Append(line[i++]);
            }
            fields.Add(sb.ToString());
            if (i >= line.Length) break;
            i++; // skip the separator
        }
        return fields;
    }
}
