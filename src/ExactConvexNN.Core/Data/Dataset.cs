namespace ExactConvexNN.Data;

/// <summary>
/// A data set: n samples of d features (row-major <c>X[i, j]</c>) and, optionally, a target per sample.
/// Every value is finite (the reader rejects NaN and infinity).
/// </summary>
public sealed class Dataset
{
    /// <summary>Feature matrix, n x d.</summary>
    public double[,] X { get; }
    /// <summary>Targets, length n, or null when the data has no target column.</summary>
    public double[]? Y { get; }
    /// <summary>Names of the d feature columns.</summary>
    public IReadOnlyList<string> FeatureNames { get; }
    /// <summary>Name of the target column, or null.</summary>
    public string? TargetName { get; }
    /// <summary>Where the data came from (a path or a description).</summary>
    public string Source { get; }
    /// <summary>True when the last feature column is the constant 1 appended by <see cref="WithBias"/>.</summary>
    public bool HasBias { get; }

    /// <summary>Number of samples n.</summary>
    public int Rows => X.GetLength(0);
    /// <summary>Number of features d (including the bias column, if any).</summary>
    public int Columns => X.GetLength(1);

    private Dataset(double[,] x, double[]? y, IReadOnlyList<string> names, string? targetName, string source, bool hasBias)
    { X = x; Y = y; FeatureNames = names; TargetName = targetName; Source = source; HasBias = hasBias; }

    /// <summary>Validates (sizes agree, values finite) and builds a data set. Arrays are taken, not copied.</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a value is not finite.</exception>
    public static Dataset Create(double[,] x, double[]? y = null, IReadOnlyList<string>? featureNames = null,
        string? targetName = null, string source = "(memory)")
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (y is not null && y.Length != n) throw new ArgumentException($"{n} samples but {y.Length} targets");
        featureNames ??= Enumerable.Range(0, d).Select(j => $"x{j + 1}").ToArray();
        if (featureNames.Count != d) throw new ArgumentException($"{d} feature columns but {featureNames.Count} names");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                if (!double.IsFinite(x[i, j])) throw new ArgumentException($"feature {featureNames[j]} of sample {i + 1} is not finite");
        if (y is not null)
            for (int i = 0; i < n; i++)
                if (!double.IsFinite(y[i])) throw new ArgumentException($"target of sample {i + 1} is not finite");
        return new Dataset(x, y, featureNames, targetName, source, false);
    }

    /// <summary>Builds a data set from jagged rows (convenient in tests and examples).</summary>
    public static Dataset FromRows(double[][] rows, double[]? y = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int n = rows.Length, d = n == 0 ? 0 : rows[0].Length;
        var x = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"row {i + 1} has {rows[i].Length} values, expected {d}");
            for (int j = 0; j < d; j++) x[i, j] = rows[i][j];
        }
        return Create(x, y);
    }

    /// <summary>A copy with a column of ones appended (the bias of the first layer).</summary>
    public Dataset WithBias()
    {
        if (HasBias) return this;
        int n = Rows, d = Columns;
        var x = new double[n, d + 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i, j] = X[i, j];
            x[i, d] = 1.0;
        }
        return new Dataset(x, Y, FeatureNames.Append("bias").ToArray(), TargetName, Source, true);
    }

    /// <summary>Row i of the features as a new array.</summary>
    public double[] Row(int i)
    {
        var r = new double[Columns];
        for (int j = 0; j < r.Length; j++) r[j] = X[i, j];
        return r;
    }
}
