using System.CommandLine;
using ExactConvexNN.Data;
using ExactConvexNN.Training;

namespace ExactConvexNN.Cli;

/// <summary>
/// <c>--labels L1,L2,...</c>, <c>--rows START:END</c> and <c>--scale S</c>: the <see cref="DataSelection"/> applied after
/// the CSV is read. Shared by train, verify, compare and predict, so that a network is checked on the rows it was
/// trained on (or tested on the held-out ones) with the same flags.
/// </summary>
public sealed class DataSelectionOptions
{
    private readonly Option<string?> _labels = new("--labels") { Description = "keep the rows whose target is one of these values, renumbered 0..K-1 in this order (e.g. 3,8 for digits 3 vs 8; implies --classes K with --activation poly)" };
    private readonly Option<string?> _rows = new("--rows") { Description = "keep rows START:END of what is left, fractions with a decimal point or row counts (e.g. :0.7 to train, 0.7: to test)" };
    private readonly Option<double> _scale = new("--scale") { Description = "divide every feature by this value (e.g. 16 for 8x8 digit pixels)", DefaultValueFactory = _ => 1.0 };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_labels); command.Options.Add(_rows); command.Options.Add(_scale);
    }

    /// <summary>The selection of the command line (checked, not yet applied).</summary>
    /// <exception cref="Solver.InputException">Malformed labels, rows or scale.</exception>
    public DataSelection Parse(ParseResult pr)
    {
        // Checked before the data is read, so a bad flag fails fast.
        return new DataSelection
        {
            Labels = pr.GetValue(_labels) is string l ? DataSelection.ParseLabels(l) : null,
            Rows = pr.GetValue(_rows) is string r ? RowRange.Parse(r) : null,
            Scale = pr.GetValue(_scale),
        }.Validate();
    }

    /// <summary>
    /// Poly options with <c>--classes</c> implied by <c>--labels</c> (K labels: K classes); an explicit <c>--classes</c>
    /// must agree. Relu options (null) pass through: the renumbered labels are regression targets.
    /// </summary>
    /// <exception cref="Solver.InputException">--classes disagrees with the number of labels.</exception>
    public static PolyTrainingOptions? ImplyClasses(PolyTrainingOptions? options, DataSelection selection)
    {
        if (options is null || selection.Labels is null) return options;
        int k = selection.Labels.Count;
        if (options.Classes is int c && c != k)
            throw new Solver.InputException($"--classes {c} disagrees with the {k} values of --labels; drop --classes (--labels implies it)");
        return options with { Classes = k };
    }

    /// <summary>Reads the CSV and applies the selection.</summary>
    public Dataset Read(ParseResult pr, string path, string? target, TargetMode mode = TargetMode.LastColumn) =>
        Parse(pr).Apply(CsvDataReader.Read(path, target, mode));
}
