using System.Globalization;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// Class labels as regression targets: K = 2 gives one output with targets -1 (label 0) and +1 (label 1), predicted
/// class 1 when f &gt; 0; K &gt; 2 gives K outputs with one-hot targets, predicted class the largest output.
/// </summary>
public static class ClassTargets
{
    /// <summary>Outputs used for K classes: 1 for K = 2, K otherwise.</summary>
    public static int Outputs(int classes) => classes == 2 ? 1 : classes;

    /// <summary>The n x O target matrix of integer labels 0..K-1.</summary>
    /// <exception cref="InputException">K &lt; 2 or a label that is not an integer in 0..K-1.</exception>
    public static double[,] Encode(ReadOnlySpan<double> labels, int classes)
    {
        if (classes < 2) throw new InputException($"--classes needs at least 2 classes, got {classes}");
        int o = Outputs(classes);
        var y = new double[labels.Length, o];
        for (int i = 0; i < labels.Length; i++)
        {
            double l = labels[i];
            if (l != Math.Floor(l) || l < 0 || l >= classes)
                throw new InputException($"sample {i + 1} has label {l.ToString(CultureInfo.InvariantCulture)}, but --classes {classes} needs labels 0..{classes - 1}; map the target's values to them with --labels L1,L2,... (in the order 0, 1, ...)");
            if (classes == 2) y[i, 0] = l == 1 ? 1 : -1;
            else y[i, (int)l] = 1;
        }
        return y;
    }

    /// <summary>Refuses training labels (already checked to be 0..K-1) in which a class has no row.</summary>
    /// <exception cref="InputException">A class without rows: the message names it and the fix.</exception>
    public static void CheckEveryClass(ReadOnlySpan<double> labels, int classes, string source)
    {
        var seen = new bool[classes];
        foreach (double l in labels) if (l >= 0 && l < classes && l == Math.Floor(l)) seen[(int)l] = true;
        int missing = Array.IndexOf(seen, false);
        if (missing >= 0)
            throw new InputException($"class {missing} has no rows in '{source}' (--classes {classes} needs every label 0..{classes - 1}); give the number of classes the data has, or pick the classes with --labels L1,L2,...");
    }

    /// <summary>The K x K confusion matrix: entry [t, p] counts the rows of true label t predicted as p.</summary>
    /// <exception cref="ArgumentException">The numbers of labels and predictions differ.</exception>
    public static int[,] Confusion(ReadOnlySpan<double> labels, ReadOnlySpan<int> predicted, int classes)
    {
        if (labels.Length != predicted.Length) throw new ArgumentException($"{labels.Length} labels but {predicted.Length} predictions");
        var m = new int[classes, classes];
        for (int i = 0; i < labels.Length; i++)
        {
            double l = labels[i];
            if (l == Math.Floor(l) && l >= 0 && l < classes && (uint)predicted[i] < (uint)classes) m[(int)l, predicted[i]]++;
        }
        return m;
    }

    /// <summary>The predicted class of one sample's outputs.</summary>
    /// <exception cref="ArgumentException">The outputs do not have <see cref="Outputs"/>(<paramref name="classes"/>) entries.</exception>
    public static int Decode(ReadOnlySpan<double> outputs, int classes)
    {
        if (classes < 2 || outputs.Length != Outputs(classes)) throw new ArgumentException($"{classes} classes need {Outputs(Math.Max(classes, 2))} outputs, got {outputs.Length}");
        if (classes == 2) return outputs[0] > 0 ? 1 : 0;
        int best = 0;
        for (int k = 1; k < outputs.Length; k++) if (outputs[k] > outputs[best]) best = k;
        return best;
    }

    /// <summary>Fraction of rows of <paramref name="f"/> (n x O) whose decoded class equals the label.</summary>
    /// <exception cref="ArgumentException">The numbers of rows and labels differ, or f has the wrong number of columns.</exception>
    public static double Accuracy(double[,] f, ReadOnlySpan<double> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(f);
        int n = f.GetLength(0), o = f.GetLength(1);
        if (labels.Length != n) throw new ArgumentException($"{n} predictions but {labels.Length} labels");
        if (n == 0) return double.NaN;
        var row = new double[o];
        int right = 0;
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < o; k++) row[k] = f[i, k];
            if (Decode(row, classes) == labels[i]) right++;
        }
        return (double)right / n;
    }

    /// <summary>Scalar targets as an n x 1 matrix.</summary>
    public static double[,] Column(ReadOnlySpan<double> y)
    {
        var m = new double[y.Length, 1];
        for (int i = 0; i < y.Length; i++) m[i, 0] = y[i];
        return m;
    }

    /// <summary>1/2 ||F - Y||_F^2 for predictions and targets of the same n x O shape.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static double SquaredLoss(double[,] f, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(f); ArgumentNullException.ThrowIfNull(y);
        if (f.GetLength(0) != y.GetLength(0) || f.GetLength(1) != y.GetLength(1))
            throw new ArgumentException($"predictions are {f.GetLength(0)} x {f.GetLength(1)} but targets {y.GetLength(0)} x {y.GetLength(1)}");
        double loss = 0;
        for (int i = 0; i < f.GetLength(0); i++)
            for (int t = 0; t < f.GetLength(1); t++) loss += (f[i, t] - y[i, t]) * (f[i, t] - y[i, t]);
        return loss / 2;
    }
}
