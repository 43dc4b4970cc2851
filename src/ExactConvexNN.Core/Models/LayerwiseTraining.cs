using static ExactConvexNN.Numerics.VectorNorm;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;

namespace ExactConvexNN.Models;

/// <summary>
/// What a layerwise stack is: <see cref="Layers"/> blocks, each a two-layer ReLU CNN (global sum pooling, scalar output)
/// with the filter, stride and padding of <see cref="Image"/>, block 1 on the images, block b + 1 on the pooled ReLU maps
/// of block b's kept filters (<see cref="LayerwiseNetwork"/>).
/// </summary>
public sealed record LayerwiseSpec
{
    /// <summary>Largest number of blocks accepted.</summary>
    public const int MaxLayers = 10;

    /// <summary>Weight decay beta of every block.</summary>
    public required double Beta { get; init; }
    /// <summary>The input images and the filter, stride and padding of every block (pool must be 0: each block sums its patches).</summary>
    public required ImageShape Image { get; init; }
    /// <summary>Blocks J (1..<see cref="MaxLayers"/>).</summary>
    public required int Layers { get; init; }
    /// <summary>Side of the average-pooling tiles of each feature map (1: none).</summary>
    public int FeaturePool { get; init; } = 1;
    /// <summary>At most this many filters of a block (largest |w| ||u|| first) become the next block's channels.</summary>
    public int MaxFeatures { get; init; } = 8;
    /// <summary>2 to classify labels 0/1 with targets -1/+1 (class by the sign of the head); null to fit the target column.</summary>
    public int? Classes { get; init; }

    /// <summary>
    /// Checks the values and that every block's input fits the filter (the spatial sizes do not depend on how many
    /// filters are kept), before any training.
    /// </summary>
    /// <exception cref="InputException">A value out of range, or a block whose input is too small for the filter.</exception>
    public LayerwiseSpec Validated()
    {
        ArgumentNullException.ThrowIfNull(Image);
        if (!double.IsFinite(Beta) || Beta <= 0) throw new InputException($"beta must be a finite number > 0 for layerwise training, got {Beta.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.1");
        if (Layers < 1 || Layers > MaxLayers) throw new InputException($"--layerwise {Layers} is out of range; give 1 to {MaxLayers} blocks");
        if (Image.Signal) throw new InputException("--layerwise takes images (--image C,H,W), not signals");
        if (Image.Pool != 0) throw new InputException($"--pool {Image.Pool} is the polynomial CNN's pooling; every ReLU block sums its patches, and --feature-pool pools the feature maps between blocks");
        if (FeaturePool < 1) throw new InputException($"--feature-pool {FeaturePool} is less than 1; give 1 (no pooling) or more");
        if (MaxFeatures < 1) throw new InputException($"--features {MaxFeatures} is less than 1; give the number of filters a block passes on (for example 8)");
        if (Classes is not (null or 2)) throw new InputException($"layerwise training classifies two labels (--labels A,B) or fits the target column; {Classes} classes are not supported yet");
        var shape = Image.Validated();
        for (int b = 2; b <= Layers; b++)
        {
            shape = LayerwiseNetwork.NextShape(shape, MaxFeatures, FeaturePool);
            try { shape.Validated(); }
            catch (InputException e)
            {
                throw new InputException($"block {b} of {Layers} gets {shape.Height} x {shape.Width} feature maps, too small for the filter ({e.Message}); use --padding, a smaller --feature-pool or fewer layers");
            }
        }
        return this;
    }

    /// <summary>The targets the blocks fit: -1/+1 for two classes, else the target column.</summary>
    /// <exception cref="InputException">No targets, or labels other than 0 and 1 with two classes.</exception>
    public double[] Targets(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets");
        if (Classes is not int k) return (double[])data.Y.Clone();
        var encoded = ClassTargets.Encode(data.Y, k);
        return Enumerable.Range(0, data.Rows).Select(i => encoded[i, 0]).ToArray();
    }
}

/// <summary>How the blocks of a layerwise stack are trained.</summary>
public sealed record LayerwiseOptions
{
    /// <summary>Exact training of a convex block (its <see cref="TrainingOptions.Sample"/> and seed are set per block).</summary>
    public TrainingOptions Training { get; init; } = new();
    /// <summary>A convex block is exact when the closed-form estimate of its chambers is at most this; sampled otherwise.</summary>
    public long ExactLimit { get; init; } = 1_000;
    /// <summary>
    /// Random patterns of block 1 when it is sampled (its value is then an upper bound on the block's convex optimum); a
    /// later sampled block gets as many as keep its program the size of block 1's (<see cref="SampleFor"/>).
    /// </summary>
    public int Sample { get; init; } = 50;
    /// <summary>
    /// The patterns of a sampled block on <paramref name="input"/>: <see cref="Sample"/> K_1 p_1 / (K p) (K patches of
    /// length p, block 1's on <paramref name="first"/>), so that every block's sign rows have about the same number of
    /// entries, between <see cref="Sample"/> and 8 <see cref="Sample"/>.
    /// </summary>
    public int SampleFor(ImageShape first, ImageShape input)
    {
        ArgumentNullException.ThrowIfNull(first); ArgumentNullException.ThrowIfNull(input);
        double ratio = (double)first.OutputHeight * first.OutputWidth * first.PatchLength / ((double)input.OutputHeight * input.OutputWidth * input.PatchLength);
        return (int)Math.Clamp(Math.Ceiling(Sample * ratio), Sample, 8L * Sample);
    }
    /// <summary>
    /// A sampled convex block also gets the activation patterns of an Adam run (<see cref="Adam"/>, same seed) on the same
    /// input, so that its program contains that network and its value is at most that run's.
    /// </summary>
    public bool FirstOrderPatterns { get; init; } = true;
    /// <summary>The first-order baseline's method (its seed is offset per block); its width is the filters of each block.</summary>
    public NonconvexOptions Adam { get; init; } = new() { Neurons = 8, Epochs = 500 };
}

/// <summary>One block of a layerwise run, as the stack of depth <see cref="Layer"/> sees it.</summary>
public sealed record LayerReport
{
    /// <summary>Depth (1-based).</summary>
    public required int Layer { get; init; }
    /// <summary>The block's training objective 1/2 ||f(H) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2) on its input H.</summary>
    public required double Objective { get; init; }
    /// <summary>The block's loss 1/2 ||f(H) - y||^2.</summary>
    public required double Loss { get; init; }
    /// <summary>Training accuracy of the stack of this depth (null without classes).</summary>
    public double? TrainAccuracy { get; init; }
    /// <summary>Test accuracy of the stack of this depth (null without classes or test rows).</summary>
    public double? TestAccuracy { get; init; }
    /// <summary>The block's neurons (filters).</summary>
    public required int Neurons { get; init; }
    /// <summary>Filters passed on as the next block's channels.</summary>
    public required int Features { get; init; }
    /// <summary>True when filters were dropped: the next block sees fewer channels than this block found.</summary>
    public bool Capped => Features < Neurons;
    /// <summary>Convex: every chamber was used (false: sampled patterns, the value an upper bound on the block's convex optimum); false for the baseline.</summary>
    public required bool Exact { get; init; }
    /// <summary>Convex: the certificate's verdict when exact (null otherwise).</summary>
    public bool? CertifiedOptimal { get; init; }
    /// <summary>Convex: chambers (or sampled patterns) of the block's program; null for the baseline.</summary>
    public int? Chambers { get; init; }
    /// <summary>Convex: the solver's status; the baseline: "diverged" or "done".</summary>
    public required string Status { get; init; }
    /// <summary>The block's input shape "C,H,W".</summary>
    public required string Input { get; init; }
    /// <summary>Seconds of the block (training, features and accuracies).</summary>
    public required double Seconds { get; init; }
}

/// <summary>The outcome of one layerwise run: per-block reports and the stack.</summary>
/// <param name="Method">"convex" or "adam".</param>
/// <param name="Layers">One report per block.</param>
/// <param name="Network">The stack of every block.</param>
public sealed record LayerwiseResult(string Method, IReadOnlyList<LayerReport> Layers, LayerwiseNetwork Network);

/// <summary>
/// Layerwise training of a deep CNN: train a two-layer block, freeze its filters as a feature map, train the next block on
/// the maps, repeat. <see cref="Convex"/> trains each block by the exact convex program (<see cref="ModelPipeline.Train"/>:
/// every chamber where the estimate fits <see cref="LayerwiseOptions.ExactLimit"/>, sampled patterns otherwise);
/// <see cref="Adam"/> trains the same stack's blocks by Adam on the same objective (the nonconvex layerwise baseline).
/// </summary>
public static class LayerwiseTraining
{
    /// <summary>The stack trained block by block by the convex program.</summary>
    /// <param name="train">Training rows (with targets).</param>
    /// <param name="test">Test rows for the test accuracy, or null.</param>
    /// <param name="spec">The stack.</param>
    /// <param name="options">Training of the blocks.</param>
    /// <param name="progress">Called with each block's report as it is done.</param>
    /// <exception cref="InputException">Invalid spec, data that does not fit, a program too large, or a block with no neuron to pass on.</exception>
    public static LayerwiseResult Convex(Dataset train, Dataset? test, LayerwiseSpec spec, LayerwiseOptions options, Action<LayerReport>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Run("convex", train, test, spec, progress, (data, shape, layer) =>
        {
            var model = new ModelSpec { Beta = spec.Beta, Image = shape };
            var arch = NetworkArchitecture.Convolutional(shape, 1, sumPooling: true);
            bool exact = ArrangementEnumerator.Summarize(arch.StackedPatches(data.X).X).EstimatedChambers <= options.ExactLimit;
            // A sampled block also gets the patterns of an Adam run on the same input (the baseline's method and seed), so its
            // program contains that network and the block's value is never above it.
            double[][]? directions = exact || !options.FirstOrderPatterns ? null
                : ((TwoLayerReluNetwork)NonconvexTrainer.Train(data, model, options.Adam with { Seed = options.Adam.Seed + layer - 1 }).Network).Neurons.Select(n => n.U).ToArray();
            var result = ModelPipeline.Train(data, model, options.Training with
            {
                Sample = exact ? null : options.SampleFor(spec.Image, shape), Seed = options.Training.Seed + layer - 1, Directions = directions,
            });
            string patterns = directions is null ? "" : $" (with the patterns of {directions.Length} Adam filters on the same input)";
            return (Network: (TwoLayerReluNetwork)result.Network, result.RecoveredObjective, Exact: !result.Sampled,
                result.Certificate?.CertifiedOptimal, result.Chambers, Status: result.Status.ToName(),
                TrainedBy: result.Sampled ? $"convex program, {result.Chambers} sampled patterns{patterns} (an upper bound)" : "convex program, every chamber");
        });
    }

    /// <summary>The same stack with every block trained by the first-order method of <see cref="LayerwiseOptions.Adam"/>.</summary>
    /// <exception cref="InputException">Invalid spec or options, or data that does not fit.</exception>
    public static LayerwiseResult Adam(Dataset train, Dataset? test, LayerwiseSpec spec, LayerwiseOptions options, Action<LayerReport>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Run(NonconvexTrainer.Name(options.Adam.Optimizer), train, test, spec, progress, (data, shape, layer) =>
        {
            var model = new ModelSpec { Beta = spec.Beta, Image = shape };
            var result = NonconvexTrainer.Train(data, model, options.Adam with { Seed = options.Adam.Seed + layer - 1 });
            return (Network: (TwoLayerReluNetwork)result.Network, result.Objective, Exact: false, CertifiedOptimal: (bool?)null,
                Chambers: (int?)null, Status: result.Diverged ? "diverged" : "done", TrainedBy: (string)result.Network.Metadata["trained_by"]!.GetValue<string>());
        });
    }

    private delegate (TwoLayerReluNetwork Network, double Objective, bool Exact, bool? CertifiedOptimal, int? Chambers, string Status, string TrainedBy)
        BlockTrainer(Dataset data, ImageShape shape, int layer);

    private static LayerwiseResult Run(string method, Dataset train, Dataset? test, LayerwiseSpec spec, Action<LayerReport>? progress, BlockTrainer trainBlock)
    {
        ArgumentNullException.ThrowIfNull(train); ArgumentNullException.ThrowIfNull(spec);
        spec.Validated();
        var y = spec.Targets(train);
        if (train.Columns != spec.Image.Pixels)
            throw new InputException($"the data has {train.Columns} feature columns but an image of {spec.Image.ShapeText.Replace(",", " x ", StringComparison.Ordinal)} has {spec.Image.Pixels} values; check --image C,H,W");
        if (test is not null && test.Columns != train.Columns) throw new InputException($"the test rows have {test.Columns} columns, the training rows {train.Columns}");
        TrainingGuards.CheckMagnitudes(train);
        var shape = spec.Image;
        double[,] hTrain = train.X;
        double[,]? hTest = test is { Rows: > 0 } ? test.X : null;
        var blocks = new List<LayerwiseBlock>();
        var reports = new List<LayerReport>();
        for (int layer = 1; layer <= spec.Layers; layer++)
        {
            var clock = Stopwatch.StartNew();
            var data = Dataset.Create(hTrain, y, source: $"{train.Source}, block {layer} input");
            var block = trainBlock(data, shape, layer);
            var meta = new Dictionary<string, JsonNode?> { ["beta"] = spec.Beta, ["trained_by"] = block.TrainedBy, ["objective"] = block.Objective };
            var network = TwoLayerReluNetwork.Create(block.Network.Architecture, block.Network.Neurons, meta);
            var kept = Enumerable.Range(0, network.NeuronCount)
                .OrderByDescending(j => Math.Abs(network.Neurons[j].W) * Norm(network.Neurons[j].U)).ThenBy(j => j)
                .Take(spec.MaxFeatures).ToArray();
            if (kept.Length == 0 && layer < spec.Layers)
                throw new InputException($"block {layer} ({method}) has no neuron at beta {spec.Beta.ToString(CultureInfo.InvariantCulture)}: the zero network is optimal on its input, so there is nothing to pass on; lower --beta");
            blocks.Add(new LayerwiseBlock(network, kept));
            var fTrain = network.Outputs(hTrain);
            double loss = ClassTargets.SquaredLoss(fTrain, ClassTargets.Column(y));
            double? trainAccuracy = spec.Classes is int k ? ClassTargets.Accuracy(fTrain, train.Y!, k) : null;
            double? testAccuracy = spec.Classes is int k2 && test?.Y is not null && hTest is not null ? ClassTargets.Accuracy(network.Outputs(hTest), test.Y, k2) : null;
            if (layer < spec.Layers)
            {
                hTrain = LayerwiseNetwork.FeatureMap(network, kept, spec.FeaturePool, hTrain);
                if (hTest is not null) hTest = LayerwiseNetwork.FeatureMap(network, kept, spec.FeaturePool, hTest);
                shape = LayerwiseNetwork.NextShape(shape, kept.Length, spec.FeaturePool);
            }
            var report = new LayerReport
            {
                Layer = layer, Objective = block.Objective, Loss = loss, TrainAccuracy = trainAccuracy, TestAccuracy = testAccuracy,
                Neurons = network.NeuronCount, Features = kept.Length, Exact = block.Exact, CertifiedOptimal = block.CertifiedOptimal,
                Chambers = block.Chambers, Status = block.Status, Input = network.Architecture.Image!.ShapeText, Seconds = clock.Elapsed.TotalSeconds,
            };
            reports.Add(report);
            progress?.Invoke(report);
        }
        var stackMeta = new Dictionary<string, JsonNode?>
        {
            ["beta"] = spec.Beta,
            ["data"] = train.Source,
            ["target"] = train.TargetName,
            ["features"] = new JsonArray(train.FeatureNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["trained_by"] = $"ecnn train --layerwise {spec.Layers} ({method}, each block frozen before the next)",
            ["objective"] = reports[^1].Objective,
        };
        return new LayerwiseResult(method, reports, LayerwiseNetwork.Create(blocks, spec.FeaturePool, spec.Classes, stackMeta));
    }
}
