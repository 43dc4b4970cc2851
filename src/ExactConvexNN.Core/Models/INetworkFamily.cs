using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// A family of networks the pipeline trains to a certified global optimum: data -&gt; convex program (or lifted SDP) -&gt;
/// interior-point solve -&gt; recovered network -&gt; certificate, plus the nonconvex objective the first-order baseline
/// descends. Adding a family is one class implementing this interface and one line in <see cref="ModelRegistry"/>.
/// </summary>
public interface INetworkFamily
{
    /// <summary>The family's name in output ("relu", "poly").</summary>
    string Name { get; }

    /// <summary>Layers of weights of the family's networks (2, or 3 for the three-layer ReLU family).</summary>
    int Layers { get; }

    /// <summary>How the family's objective, program and bound are named in output.</summary>
    FamilyText Text { get; }

    /// <summary>True when this family trains the model (by its activation, architecture and loss).</summary>
    bool Trains(ModelSpec model);

    /// <summary>True when this family reads network files with this "activation".</summary>
    bool Reads(string activation);

    /// <summary>The network of a parsed network file.</summary>
    /// <exception cref="Solver.InputException">The document is not a valid network of this family.</exception>
    INetwork Read(JsonObject document, string source);

    /// <summary>
    /// The architecture the model has on data with <paramref name="inputs"/> feature columns; checks everything about
    /// the model that can be checked before long work (a shape that does not fit the data, options the family lacks).
    /// </summary>
    /// <exception cref="Solver.InputException">The model does not fit the data or the family.</exception>
    NetworkArchitecture Architecture(ModelSpec model, int inputs);

    /// <summary>Refuses, before any work proportional to it, a program that would not fit in memory.</summary>
    /// <exception cref="Solver.InputException">The estimate is above the limit of <see cref="TrainingOptions.MaxMemoryBytes"/>.</exception>
    void CheckSize(Dataset data, ModelSpec model, TrainingOptions options);

    /// <summary>The trained result with the family's exact facts added after the solve (ReLU: beta_max, and the zero network above it).</summary>
    TrainingResult Complete(TrainingResult result, Dataset data);

    /// <summary>Builds the program from the data, solves it, and recovers the network (the certificate is the pipeline's).</summary>
    /// <exception cref="Solver.InputException">Invalid data or model, or a program too large to build.</exception>
    TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options);

    /// <summary>A lower bound on the global optimum for <paramref name="beta"/>, independent of any solver, and the network's gap to it.</summary>
    /// <exception cref="Solver.InputException">The network does not fit the data, or the data has no targets.</exception>
    Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request);

    /// <summary>The nonconvex objective of a width-<paramref name="neurons"/> network of this model (the first-order baseline's).</summary>
    /// <exception cref="Solver.InputException">Invalid model, data or width.</exception>
    INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons);
}

/// <summary>
/// What every family shares: its name (the network file's "activation"), its activation kind, how its results are
/// named, and the architecture of a model on data (fully connected with an optional bias, or convolutional).
/// </summary>
public abstract class NetworkFamily : INetworkFamily
{
    private readonly ActivationKind _activation;

    /// <summary>A family named <paramref name="name"/> that trains models with <paramref name="activation"/> and the squared loss.</summary>
    protected NetworkFamily(string name, ActivationKind activation, FamilyText text) { Name = name; _activation = activation; Text = text; }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public FamilyText Text { get; }
    /// <inheritdoc/>
    public virtual bool Trains(ModelSpec model) => model.Activation == _activation && model.Loss == LossKind.Squared && model.Layers == Layers;
    /// <inheritdoc/>
    public virtual int Layers => 2;
    /// <inheritdoc/>
    public virtual bool Reads(string activation) => activation == Name;
    /// <inheritdoc/>
    public abstract INetwork Read(JsonObject document, string source);
    /// <inheritdoc/>
    public abstract NetworkArchitecture Architecture(ModelSpec model, int inputs);
    /// <inheritdoc/>
    public abstract TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options);
    /// <inheritdoc/>
    public virtual void CheckSize(Dataset data, ModelSpec model, TrainingOptions options) { }
    /// <inheritdoc/>
    public virtual TrainingResult Complete(TrainingResult result, Dataset data) => result;
    /// <inheritdoc/>
    public abstract Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request);
    /// <inheritdoc/>
    public abstract INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons);

    /// <summary>
    /// The chambers of the stacked patch rows <paramref name="x"/> for training: exact (refused above the options'
    /// MaxPatterns, progress as "enumerating chambers"), or sampled when the options ask for it.
    /// </summary>
    protected static Arrangement TrainingChambers(double[,] x, TrainingOptions options) => options.Chambers ?? (options.Sample is int k
        ? ArrangementEnumerator.Sample(x, k, options.Seed, options.Directions)
        : ArrangementEnumerator.Enumerate(x, new ArrangementOptions
        {
            MaxPatterns = options.MaxPatterns,
            IndependentCount = false,
            Progress = options.Progress is null ? null : (done, total) => options.Progress("enumerating chambers", done, total),
        }));

    /// <summary>
    /// Every chamber of <paramref name="x"/> for a certificate: the request's own when it has them, else an exact
    /// enumeration with the request's limit, progress and cancellation.
    /// </summary>
    /// <exception cref="Solver.InputException">Sampled chambers (a certificate needs them all), or too many chambers.</exception>
    protected static Arrangement CertificateChambers(double[,] x, CertificateRequest request)
    {
        var arrangement = request.Arrangement ?? ArrangementEnumerator.Enumerate(x, new ArrangementOptions
        {
            MaxPatterns = request.MaxPatterns, IndependentCount = false, Progress = request.Progress, Cancellation = request.Cancellation,
        });
        if (arrangement.Sampled) throw new Solver.InputException("verification needs every chamber; sampled chambers give no certificate");
        return arrangement;
    }

    /// <summary>The network as this family's type, on data with targets and its number of inputs.</summary>
    /// <exception cref="Solver.InputException">No targets, or another number of feature columns.</exception>
    protected T Fitting<T>(INetwork network, Dataset data) where T : class, INetwork
    {
        var typed = network as T ?? throw new ArgumentException($"the {Name} family certifies {Name} networks");
        if (data.Y is null) throw new Solver.InputException($"the data '{data.Source}' has no target column; verification needs targets");
        if (data.Columns != typed.Architecture.Inputs)
            throw new Solver.InputException($"the network takes {typed.Architecture.Inputs} inputs but the data has {data.Columns} feature columns; use the data it was trained on");
        return typed;
    }

    /// <summary>
    /// The architecture of <paramref name="model"/> on <paramref name="inputs"/> feature columns: fully connected (with the
    /// model's bias), or convolutional with the model's shape, whose values must be the data's columns.
    /// </summary>
    /// <exception cref="Solver.InputException">A bias on a CNN, or a shape that does not fit the data.</exception>
    protected static NetworkArchitecture Shape(ModelSpec model, int inputs, int outputs, bool sumPooling)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Image is not { } image) return NetworkArchitecture.FullyConnected(inputs, model.Bias, outputs);
        if (model.Bias) throw new Solver.InputException("a first-layer bias applies to fully connected networks only; a CNN has none");
        var arch = NetworkArchitecture.Convolutional(image, outputs, sumPooling);
        if (arch.Inputs != inputs)
            throw new Solver.InputException(image.Signal
                ? $"the signal {image.ShapeText} needs {arch.Inputs} feature columns but the data has {inputs}"
                : $"the image {image.ShapeText} needs {arch.Inputs} pixel columns but the data has {inputs} feature columns");
        return arch;
    }
}

/// <summary>How a family's objective, program value and certificate are named in output.</summary>
/// <param name="Objective">The training objective ("1/2||f(X)-y||^2 + beta/2 sum(||u||^2 + w^2)").</param>
/// <param name="ProgramValue">What the program's value is ("convex optimum", "SDP optimum").</param>
/// <param name="BoundMethod">How the lower bound is proven (" over every chamber").</param>
/// <param name="Networks">Over which networks the bound holds ("networks of any width").</param>
/// <param name="Recovery">How the network comes back from the solution ("" or " (neural decomposition)").</param>
public sealed record FamilyText(string Objective, string ProgramValue, string BoundMethod, string Networks, string Recovery)
{
    /// <summary>The objective with <paramref name="loss"/> in place of the squared loss the text names.</summary>
    public string ObjectiveWith(LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return loss.Kind == LossKind.Squared ? Objective : Objective.Replace("1/2||f(X)-y||^2", loss.Formula, StringComparison.Ordinal);
    }
}

/// <summary>What a certificate may reuse or try: a dual candidate, the chambers already enumerated, a tolerance.</summary>
public sealed record CertificateRequest
{
    /// <summary>A dual candidate V (n x O), such as the trainer's multipliers; the network's residual is always tried too.</summary>
    public double[,]? Candidate { get; init; }
    /// <summary>The relative gap under which the network counts as certified optimal.</summary>
    public double Tolerance { get; init; } = Certificate.DefaultTolerance;
    /// <summary>Refuse an exact enumeration above this estimated number of chambers.</summary>
    public long MaxPatterns { get; init; } = ArrangementOptions.DefaultMaxPatterns;
    /// <summary>
    /// Vector-output ReLU: per chamber, candidate multipliers of its pair rows (<see cref="Verification.VectorReluCertificate"/>),
    /// such as the relaxation's; null to find them where they matter.
    /// </summary>
    public IReadOnlyDictionary<Arrangements.Chamber, double[]>? PairMultipliers { get; init; }
    /// <summary>The chambers of the network's input (or patch) matrix when already enumerated (families with chambers).</summary>
    public Arrangement? Arrangement { get; init; }
    /// <summary>Called with (done, total) while enumerating chambers.</summary>
    public Action<int, int>? Progress { get; init; }
    /// <summary>Cancels a long enumeration of chambers (an <see cref="OperationCanceledException"/> then ends the certificate).</summary>
    public CancellationToken Cancellation { get; init; }
}
