using System.CommandLine;
using ExactConvexNN.Data;
using System.Text.Json.Nodes;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
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
        bool classifies = model.Activation == ActivationKind.Poly || model.Classes is not null || model.Loss is LossKind.Hinge or LossKind.Logistic;
        if (!classifies || selection.Labels is null) return model;
        int k = selection.Labels.Count;
        if (model.Classes is int c && c != k)
            throw new InputException($"--classes {c} disagrees with the {k} values of --labels; drop --classes (--labels implies it)");
        return model with { Classes = k };
    }

    /// <summary>Reads the CSV (the target by --target, or the last column) and applies the selection.</summary>
    public Dataset Read(ParseResult pr, string path, TargetMode mode = TargetMode.LastColumn) =>
        Selection(pr).Apply(CsvDataReader.Read(path, Target(pr), mode));

    /// <summary>
    /// Reads data for a saved network. When the network file records its "features" (as <c>ecnn train</c> writes them),
    /// those columns are taken by name, in the file's order, wherever they are in the CSV; the target is --target, else the
    /// file's "target" when the CSV has it, else the CSV's last column when it is not a feature. Without names: the last
    /// column is the target (<paramref name="needTarget"/>), or as <see cref="ReadFor"/> (predict).
    /// </summary>
    /// <exception cref="InputException">A feature of the network is not a column of the CSV, or malformed data.</exception>
    public Dataset ReadForNetwork(ParseResult pr, string path, INetwork network, bool needTarget)
    {
        ArgumentNullException.ThrowIfNull(network);
        var names = FeatureNames(network);
        if (names is null) return needTarget ? Read(pr, path) : ReadFor(pr, path, network.Architecture.Inputs);
        var all = CsvDataReader.Read(path, null, TargetMode.None);
        var column = all.FeatureNames.Select((n, j) => (n, j)).ToDictionary(t => t.n, t => t.j, StringComparer.Ordinal);
        var missing = names.Where(n => !column.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new InputException($"the network was trained on the features {string.Join(", ", names)}, but '{all.Source}' has no column {string.Join(", ", missing.Select(m => $"'{m}'"))}; give data with those columns (any order)");
        string? target = Target(pr);
        if (target is not null && !column.ContainsKey(target))
            throw new InputException($"target column '{target}' is not in '{all.Source}'; available columns: {string.Join(", ", all.FeatureNames)}");
        if (target is not null && names.Contains(target))
            throw new InputException($"--target '{target}' is one of the network's features; name the target column instead");
        if (target is null && network.Metadata.TryGetValue("target", out var t) && t is JsonValue tv && tv.TryGetValue(out string? fileTarget)
            && fileTarget is not null && column.ContainsKey(fileTarget) && !names.Contains(fileTarget))
            target = fileTarget;
        string last = all.FeatureNames[^1];
        if (target is null && !names.Contains(last)) target = last;
        int n = all.Rows;
        var x = new double[n, names.Count];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < names.Count; j++) x[i, j] = all.X[i, column[names[j]]];
        double[]? y = target is null ? null : Enumerable.Range(0, n).Select(i => all.X[i, column[target]]).ToArray();
        return Selection(pr).Apply(Dataset.Create(x, y, names, target, all.Source));
    }

    /// <summary>The network file's "features" when it lists one name per input, else null.</summary>
    public static IReadOnlyList<string>? FeatureNames(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!network.Metadata.TryGetValue("features", out var node) || node is not JsonArray a || a.Count != network.Architecture.Inputs) return null;
        var names = new List<string>();
        foreach (var e in a)
            if (e is JsonValue v && v.TryGetValue(out string? name) && !string.IsNullOrEmpty(name)) names.Add(name); else return null;
        return names.Distinct(StringComparer.Ordinal).Count() == names.Count ? names : null;
    }

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
