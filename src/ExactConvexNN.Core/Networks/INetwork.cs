using System.Text.Json.Nodes;

namespace ExactConvexNN.Networks;

/// <summary>
/// What every trained network offers the pipeline, whatever its family (ReLU, polynomial, ...): its shape, its outputs
/// on data, its regularizer, its class decoding and its file. The training objective of every family is
/// <c>loss(f(X), Y) + regularizer(beta)</c> with the squared loss 1/2 ||F - Y||_F^2 today.
/// </summary>
public interface INetwork
{
    /// <summary>The activation's name in files and output: "relu" or "poly".</summary>
    string Activation { get; }
    /// <summary>Layers of weights: 2 (one hidden layer), or 3 (<see cref="ThreeLayerReluNetwork"/>).</summary>
    int Layers => 2;
    /// <summary>The shape: inputs, bias, outputs, image geometry, pooling regions.</summary>
    NetworkArchitecture Architecture { get; }
    /// <summary>Number of hidden neurons (filters of a CNN).</summary>
    int NeuronCount { get; }
    /// <summary>Number of classes K when the network classifies (labels 0..K-1, see <see cref="ClassTargets"/>); null for regression.</summary>
    int? Classes { get; }
    /// <summary>Free-form facts kept in the network file: beta, data source, objective, dual candidate, ...</summary>
    IReadOnlyDictionary<string, JsonNode?> Metadata { get; }
    /// <summary>The outputs f (n x O) for every row of the feature matrix (which must have <see cref="NetworkArchitecture.Inputs"/> columns).</summary>
    double[,] Outputs(double[,] x);
    /// <summary>The regularizer of the family's training objective at strength beta.</summary>
    double Regularizer(double beta);
    /// <summary>The network file (format "ecnn-network", version 1).</summary>
    string ToJson();
}

/// <summary>The operations every network shares, written once on top of <see cref="INetwork"/>.</summary>
public static class NetworkExtensions
{
    /// <summary>
    /// The targets of a data set for this network (n x O): the target column itself (one output), or the encoded labels
    /// when the network classifies.
    /// </summary>
    /// <exception cref="Solver.InputException">Labels outside 0..K-1, or several outputs without classes.</exception>
    public static double[,] Targets(this INetwork network, double[] y)
    {
        ArgumentNullException.ThrowIfNull(network); ArgumentNullException.ThrowIfNull(y);
        if (network.Classes is int k) return ClassTargets.Encode(y, k);
        if (network.Architecture.Outputs != 1)
            throw new Solver.InputException($"the network has {network.Architecture.Outputs} outputs but no classes; its targets cannot come from one column");
        return ClassTargets.Column(y);
    }

    /// <summary>The training objective 1/2 ||f(X) - Y||_F^2 + regularizer(beta) for targets Y (n x O).</summary>
    public static double Objective(this INetwork network, double[,] x, double[,] y, double beta) =>
        ClassTargets.SquaredLoss(network.Outputs(x), y) + network.Regularizer(beta);

    /// <summary>The decoded class of every row (null when the network does not classify).</summary>
    public static int[]? PredictClasses(this INetwork network, double[,] outputs)
    {
        if (network.Classes is not int k) return null;
        int n = outputs.GetLength(0), o = outputs.GetLength(1);
        var row = new double[o];
        var classes = new int[n];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < o; t++) row[t] = outputs[i, t];
            classes[i] = ClassTargets.Decode(row, k);
        }
        return classes;
    }

    /// <summary>The file's "beta", when it is a finite number.</summary>
    public static double? FileBeta(this INetwork network) =>
        network.Metadata.TryGetValue("beta", out var node) && node is JsonValue v && v.TryGetValue(out double b) && double.IsFinite(b) ? b : null;

    /// <summary>
    /// The file's "dual_candidate" (n O multipliers, row-major, from ecnn train) as an n x O matrix when it fits n samples
    /// and every entry is a finite number; otherwise null.
    /// </summary>
    public static double[,]? FileDualCandidate(this INetwork network, int n)
    {
        int o = network.Architecture.Outputs;
        if (!network.Metadata.TryGetValue("dual_candidate", out var node) || node is not JsonArray a || a.Count != (long)n * o) return null;
        var v = new double[n, o];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < o; t++)
                if (a[i * o + t] is not JsonValue e || !e.TryGetValue(out v[i, t]) || !double.IsFinite(v[i, t])) return null;
        return v;
    }
}
