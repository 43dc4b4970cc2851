using System.Globalization;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Data;

/// <summary>
/// A selection applied to a data set after reading, in this order: keep the rows whose target is one of
/// <see cref="Labels"/> (renumbered 0..K-1 in the order given), keep the row range <see cref="Rows"/> of what is left
/// (file order), and divide every feature by <see cref="Scale"/>. It lets one file serve a binary task (digits 3 vs 8)
/// and a train/test split (<c>:0.7</c> and <c>0.7:</c>) without preparing new files; the same selection must be given
/// to every command that reads the data of one network.
/// </summary>
public sealed record DataSelection
{
    /// <summary>Target values to keep, renumbered 0..K-1 in this order; null keeps every row and target.</summary>
    public IReadOnlyList<double>? Labels { get; init; }
    /// <summary>Row range of the rows left after the label filter; null keeps them all.</summary>
    public RowRange? Rows { get; init; }
    /// <summary>Every feature is divided by this positive value (1 keeps the features).</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>True when the selection changes nothing.</summary>
    public bool IsEmpty => Labels is null && Rows is null && Scale == 1.0;

    /// <summary>The selected data set (a new one; <paramref name="data"/> is not changed).</summary>
    /// <exception cref="InputException">Labels without targets, no row with a given label, or an empty selection.</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (IsEmpty) return data;
        Validate();
        var keep = Enumerable.Range(0, data.Rows).ToList();
        double[]? y = data.Y;
        if (Labels is not null)
        {
            if (data.Y is null) throw new InputException("--labels needs a target column, but the data has none");
            var target = data.Y;
            foreach (var label in Labels)
                if (!target.Contains(label))
                    throw new InputException($"--labels: no row of {data.Source} has target {label.ToString(CultureInfo.InvariantCulture)}; the targets are {Describe(target)}");
            keep = keep.Where(i => Labels.Contains(target[i])).ToList();
        }
        if (Rows is RowRange range)
        {
            var (start, end) = range.Resolve(keep.Count);
            if (end == start) throw new InputException($"--rows {range} selects no row of the {keep.Count} available");
            keep = keep.GetRange(start, end - start);
        }
        int d = data.Columns;
        var x = new double[keep.Count, d];
        for (int r = 0; r < keep.Count; r++)
            for (int c = 0; c < d; c++) x[r, c] = data.X[keep[r], c] / Scale;
        if (data.Y is not null)
        {
            y = new double[keep.Count];
            for (int r = 0; r < keep.Count; r++)
                y[r] = Labels is null ? data.Y[keep[r]] : IndexOf(Labels, data.Y[keep[r]]);
        }
        return Dataset.Create(x, y, data.FeatureNames, data.TargetName, $"{data.Source} ({Describe()})");
    }

    /// <summary>
    /// The rows the row range leaves out (before and after it, in file order, after the label filter and the scale): the
    /// held-out rows of a train/test split; null without a row range or when the range keeps every row.
    /// </summary>
    /// <exception cref="InputException">As <see cref="Apply"/>.</exception>
    public Dataset? Rest(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Rows is not RowRange range) return null;
        var all = (this with { Rows = null }).Apply(data);
        var (start, end) = range.Resolve(all.Rows);
        var rest = Enumerable.Range(0, all.Rows).Where(i => i < start || i >= end).ToArray();
        if (rest.Length == 0) return null;
        var x = new double[rest.Length, all.Columns];
        for (int r = 0; r < rest.Length; r++)
            for (int c = 0; c < all.Columns; c++) x[r, c] = all.X[rest[r], c];
        var y = all.Y is null ? null : rest.Select(i => all.Y[i]).ToArray();
        return Dataset.Create(x, y, all.FeatureNames, all.TargetName, $"{data.Source} (the rows outside {range})");
    }

    /// <summary>Checks what can be checked without the data (the scale); returns this selection.</summary>
    /// <exception cref="InputException">The scale is not a positive finite number.</exception>
    public DataSelection Validate()
    {
        if (!(Scale > 0) || !double.IsFinite(Scale))
            throw new InputException($"--scale must be a positive number, got {Scale.ToString(CultureInfo.InvariantCulture)}");
        return this;
    }

    private static int IndexOf(IReadOnlyList<double> labels, double v)
    {
        for (int i = 0; i < labels.Count; i++) if (labels[i] == v) return i;
        return -1;
    }

    private static string Describe(double[] target)
    {
        var distinct = target.Distinct().Order().ToArray();
        var shown = string.Join(", ", distinct.Take(12).Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
        return distinct.Length > 12 ? shown + ", ..." : shown;
    }

    /// <summary>A short description: "labels 3,8 as 0..1, rows :0.7, features / 16".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Labels is not null) parts.Add($"labels {string.Join(",", Labels.Select(v => v.ToString(CultureInfo.InvariantCulture)))} as 0..{Labels.Count - 1}");
        if (Rows is RowRange r) parts.Add($"rows {r}");
        if (Scale != 1.0) parts.Add($"features / {Scale.ToString(CultureInfo.InvariantCulture)}");
        return string.Join(", ", parts);
    }

    /// <summary>Parses "3,8" as labels.</summary>
    /// <exception cref="InputException">A value that is not a number, a repeated label, or fewer than two labels.</exception>
    public static IReadOnlyList<double> ParseLabels(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var labels = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out labels[i]) || !double.IsFinite(labels[i]))
                throw new InputException($"--labels '{text}': '{parts[i]}' is not a number; write the target values to keep, for example 3,8");
        if (labels.Length < 2) throw new InputException($"--labels '{text}' names one label; give at least two, for example 3,8");
        if (labels.Distinct().Count() != labels.Length) throw new InputException($"--labels '{text}' repeats a label");
        return labels;
    }
}

/// <summary>
/// A half-open range [start, end) of rows, each end either a fraction of the rows written with a decimal point (0.7)
/// or a whole row count (100); an empty end means the first or last row. ":0.7" is the first 70%, "0.7:" the rest.
/// </summary>
public readonly record struct RowRange(double? Start, bool StartIsFraction, double? End, bool EndIsFraction)
{
    /// <summary>Parses "START:END".</summary>
    /// <exception cref="InputException">Not of the form START:END, a negative value, or a fraction above 1.</exception>
    public static RowRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        if (colon < 0 || text.IndexOf(':', colon + 1) >= 0)
            throw new InputException($"--rows '{text}' is not of the form START:END (for example :0.7 for the first 70%, 0.7: for the rest, 0:100 for the first 100 rows)");
        var (s, sf) = Bound(text, text[..colon].Trim());
        var (e, ef) = Bound(text, text[(colon + 1)..].Trim());
        return new RowRange(s, sf, e, ef);
    }

    private static (double?, bool) Bound(string text, string part)
    {
        if (part.Length == 0) return (null, false);
        bool fraction = part.Contains('.') || part.Contains('e') || part.Contains('E');
        if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0) || double.IsInfinity(v)
            || (fraction && v > 1) || (!fraction && v != Math.Floor(v)))
            throw new InputException($"--rows '{text}': '{part}' is neither a fraction in [0, 1] written with a decimal point nor a whole row count");
        return (v, fraction);
    }

    /// <summary>The rows [start, end) of <paramref name="count"/>, clamped to it (a fraction f is row floor(f count)).</summary>
    public (int Start, int End) Resolve(int count)
    {
        int At(double? v, bool fraction, int empty) => v is double x ? (int)Math.Min(count, fraction ? Math.Floor(x * count + 1e-9) : x) : empty;
        int s = At(Start, StartIsFraction, 0), e = At(End, EndIsFraction, count);
        return (s, Math.Max(s, e));
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        static string F(double? v) => v is double x ? x.ToString(CultureInfo.InvariantCulture) : "";
        string s = F(Start), e = F(End);
        if (StartIsFraction && !s.Contains('.')) s += ".0";
        if (EndIsFraction && !e.Contains('.')) e += ".0";
        return $"{s}:{e}";
    }
}
