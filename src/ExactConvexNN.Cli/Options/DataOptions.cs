using System.CommandLine;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Options;

/// <summary>
/// <c>--target NAME</c>, <c>--labels L1,L2,...</c>, <c>--rows START:END</c> and <c>--scale S</c>: which column is the
/// target and the <see cref="DataSelection"/> applied after the CSV is read. Shared by train, verify, compare and
/// predict, so that a network is checked on the rows it was trained on (or tested on the held-out ones) with the same flags.
/// </summary>
public sealed class DataOptions
{
    private readonly Option<string?> _target = new("--target") { Description = "name of the target column (default: the last column)" };
    private readonly Option<string?> _labels = new("--labels") { Description = "keep the rows whose target is one of these values, renumbered 0..K-1 in this order (e.g. 3,8 for digits 3 vs 8; implies --classes K with --activation poly)" };
    private readonly Option<string?> _rows = new("--rows") { Description = "keep rows START:END of what is left, fractions with a decimal point or row counts (e.g. :0.7 to train, 0.7: to test)" };
    private readonly Option<double> _scale = new("--scale") { Description = "divide every feature by this value (e.g. 16 for 8x8 digit pixels)", DefaultValueFactory = _ => 1.0 };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_target); command.Options.Add(_labels); command.Options.Add(_rows); command.Options.Add(_scale);
    }

    /// <summary>The --target name (null for the last column).</summary>
    public string? Target(ParseResult pr) => pr.GetValue(_target);

    /// <summary>The selection of the command line (checked, not yet applied).</summary>
    /// <exception cref="InputException">Malformed labels, rows or scale.</exception>
    public DataSelection Selection(ParseResult pr)
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
    /// The model with its classes implied by <c>--labels</c> (K labels: K classes) for the poly family; an explicit
    /// <c>--classes</c> must agree. For relu the renumbered labels are regression targets.
    /// </summary>
    /// <exception cref="InputException">--classes disagrees with the number of labels.</exception>
    public static ModelSpec ImplyClasses(ModelSpec model, DataSelection selection)
    {
        if (model.Activation != ActivationKind.Poly || selection.Labels is null) return model;
        int k = selection.Labels.Count;
        if (model.Classes is int c && c != k)
            throw new InputException($"--classes {c} disagrees with the {k} values of --labels; drop --classes (--labels implies it)");
        return model with { Classes = k };
    }

    /// <summary>Reads the CSV (the target by --target, or the last column) and applies the selection.</summary>
    public Dataset Read(ParseResult pr, string path, TargetMode mode = TargetMode.LastColumn) =>
        Selection(pr).Apply(CsvDataReader.Read(path, Target(pr), mode));

    /// <summary>
    /// Reads data for a network with <paramref name="inputs"/> features: without --target, a file with exactly that many
    /// columns has no target and one with one more has its last column as target.
    /// </summary>
    public Dataset ReadFor(ParseResult pr, string path, int inputs)
    {
        string? name = Target(pr);
        var probe = CsvDataReader.Read(path, name, name is null ? TargetMode.None : TargetMode.Named);
        return Selection(pr).Apply(name is null && probe.Columns == inputs + 1 ? CsvDataReader.Read(path) : probe);
    }
}
