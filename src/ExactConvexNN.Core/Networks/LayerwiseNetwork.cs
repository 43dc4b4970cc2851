using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// One block of a <see cref="LayerwiseNetwork"/>: a two-layer ReLU CNN (global sum pooling, scalar output) on the
/// block's input image, and the neurons (filters) whose ReLU maps become the next block's input channels.
/// </summary>
/// <param name="Network">The block's two-layer CNN; its head is the stack's output when the block is the last.</param>
/// <param name="Features">Indices of the neurons kept as feature channels, in channel order.</param>
public sealed record LayerwiseBlock(TwoLayerReluNetwork Network, IReadOnlyList<int> Features);

/// <summary>
/// A deep CNN trained layerwise (Belilovsky et al. 2019; convex blocks as in the "Peeking into the black box" poster):
/// block 1 is a two-layer ReLU CNN on the image, each later block a two-layer ReLU CNN on the feature maps of the one
/// before. The feature map of block b is, for each kept filter u_c and each tile t of the output grid (pool x pool tiles,
/// <see cref="FeaturePool"/>; 1 keeps the grid), the average over the patches k of the tile of (x_k'u_c)_+: an image of
/// (kept filters) x ceil(OH / pool) x ceil(OW / pool), channel-major. The stack's output is the last block's head
/// f(h) = sum_j w_j sum_k (h_k'u_j)_+ on the last feature maps h. Its regularizer is the last block's weight decay (the
/// objective each block was trained on); the blocks before it are frozen feature maps.
/// </summary>
public sealed class LayerwiseNetwork : INetwork
{
    /// <summary>The value of the file's "architecture" key for a layerwise stack.</summary>
    public const string ArchitectureName = "layerwise";

    /// <summary>The blocks, input first.</summary>
    public IReadOnlyList<LayerwiseBlock> Blocks { get; }
    /// <summary>Side of the pooling tiles of each block's feature map (1: no pooling).</summary>
    public int FeaturePool { get; }
    /// <inheritdoc/>
    public NetworkArchitecture Architecture { get; }
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> Metadata { get; }
    /// <inheritdoc/>
    public int? Classes { get; }
    /// <inheritdoc/>
    public string Activation => "relu";
    /// <summary>Filters of the last block (the head).</summary>
    public int NeuronCount => Blocks[^1].Network.NeuronCount;

    private LayerwiseNetwork(IReadOnlyList<LayerwiseBlock> blocks, int featurePool, int? classes, IReadOnlyDictionary<string, JsonNode?> metadata)
    {
        Blocks = blocks; FeaturePool = featurePool; Classes = classes; Metadata = metadata;
        var first = blocks[0].Network.Architecture.Image!;
        Architecture = NetworkArchitecture.Convolutional(first, 1, sumPooling: true);
    }

    /// <summary>
    /// Checks that the blocks chain (each block's input is the feature map of the one before) and builds the stack.
    /// </summary>
    /// <exception cref="ArgumentException">No block, a block that is not a CNN, kept indices out of range, or shapes that do not chain.</exception>
    public static LayerwiseNetwork Create(IReadOnlyList<LayerwiseBlock> blocks, int featurePool, int? classes = null, IReadOnlyDictionary<string, JsonNode?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0) throw new ArgumentException("a layerwise network needs at least one block");
        if (featurePool < 1) throw new ArgumentException($"the feature pool must be at least 1, got {featurePool}");
        if (classes is not (null or 2)) throw new ArgumentException("a layerwise network has one output: regression or two classes");
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b] ?? throw new ArgumentException($"block {b + 1} is missing");
            var image = block.Network.Architecture.Image ?? throw new ArgumentException($"block {b + 1} is not a CNN");
            if (image.Signal) throw new ArgumentException($"block {b + 1} is a signal CNN; layerwise stacks take images");
            if (block.Features.Any(j => j < 0 || j >= block.Network.NeuronCount) || block.Features.Distinct().Count() != block.Features.Count)
                throw new ArgumentException($"block {b + 1} keeps features outside its {block.Network.NeuronCount} neurons, or one twice");
            if (b + 1 < blocks.Count)
            {
                var next = NextShape(image, block.Features.Count, featurePool);
                var actual = blocks[b + 1].Network.Architecture.Image!;
                if (actual.Channels != next.Channels || actual.Height != next.Height || actual.Width != next.Width)
                    throw new ArgumentException($"block {b + 2} takes {actual.ShapeText} images but block {b + 1}'s feature map is {next.ShapeText}");
            }
        }
        return new LayerwiseNetwork(blocks.ToArray(), featurePool, classes, metadata ?? new Dictionary<string, JsonNode?>());
    }

    /// <summary>
    /// The shape of the feature map of a block on <paramref name="image"/> with <paramref name="channels"/> kept filters,
    /// pooled over pool x pool tiles: the next block's input, with the same filter, stride and padding.
    /// </summary>
    public static ImageShape NextShape(ImageShape image, int channels, int pool)
    {
        ArgumentNullException.ThrowIfNull(image);
        int h = (image.OutputHeight + pool - 1) / pool, w = (image.OutputWidth + pool - 1) / pool;
        return new ImageShape(channels, h, w, image.Filter, image.Stride, image.Padding);
    }

    /// <summary>
    /// The feature map of a block: for each kept filter c (channel) and each pool x pool tile t of the block's output
    /// grid, the average of (x_k'u_c)_+ over the patches k of t; n x (channels x tiles), channel-major.
    /// </summary>
    /// <exception cref="InputException">The rows do not have the block's number of inputs.</exception>
    public static double[,] FeatureMap(TwoLayerReluNetwork block, IReadOnlyList<int> features, int pool, double[,] x)
    {
        ArgumentNullException.ThrowIfNull(block); ArgumentNullException.ThrowIfNull(features); ArgumentNullException.ThrowIfNull(x);
        var image = block.Architecture.Image ?? throw new ArgumentException("the block is not a CNN");
        var tiles = NetworkArchitecture.Convolutional(image with { Pool = pool }).Regions;
        var patches = block.Architecture.ExtractPatches(x);
        int n = x.GetLength(0), p = block.Architecture.PatchLength, r = tiles.Count;
        var result = new double[n, features.Count * r];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < features.Count; c++)
            {
                var u = block.Neurons[features[c]].U;
                for (int t = 0; t < r; t++)
                {
                    double s = 0;
                    foreach (int k in tiles[t])
                    {
                        double z = 0;
                        for (int q = 0; q < p; q++) z += patches[i][k * p + q] * u[q];
                        if (z > 0) s += z;
                    }
                    result[i, c * r + t] = s / tiles[t].Length;
                }
            }
        return result;
    }

    /// <summary>The input of block <paramref name="block"/> (0-based) for the rows of <paramref name="x"/>: the feature maps of the blocks before it.</summary>
    public double[,] Features(double[,] x, int block)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (block < 0 || block >= Blocks.Count) throw new ArgumentOutOfRangeException(nameof(block), $"the stack has blocks 0..{Blocks.Count - 1}");
        var h = x;
        for (int b = 0; b < block; b++) h = FeatureMap(Blocks[b].Network, Blocks[b].Features, FeaturePool, h);
        return h;
    }

    /// <inheritdoc/>
    public double[,] Outputs(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.GetLength(1) != Architecture.Inputs)
            throw new InputException($"the data has {x.GetLength(1)} feature columns but the layerwise network takes {Architecture.Inputs}; use data with the network's features");
        return Blocks[^1].Network.Outputs(Features(x, Blocks.Count - 1));
    }

    /// <summary>The last block's weight decay beta/2 sum_j (||u_j||^2 + w_j^2).</summary>
    public double Regularizer(double beta) => Blocks[^1].Network.Regularizer(beta);

    /// <summary>
    /// The file: the keys of every network ("format", "version", "activation": "relu", "architecture": "layerwise",
    /// "inputs", "outputs", "classes"), "feature_pool", and "blocks", each a ReLU CNN network object with its
    /// "features" (the kept neuron indices); the first block's "image" is the stack's input.
    /// </summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["format"] = "ecnn-network",
            ["version"] = 1,
            ["activation"] = Activation,
            ["architecture"] = ArchitectureName,
            ["inputs"] = Architecture.Inputs,
            ["bias"] = false,
            ["outputs"] = 1,
        };
        if (Classes is int k) o["classes"] = k;
        o["feature_pool"] = FeaturePool;
        o["blocks"] = new JsonArray(Blocks.Select(b =>
        {
            var node = JsonNode.Parse(b.Network.ToJson())!.AsObject();
            node["kept_features"] = new JsonArray(b.Features.Select(j => (JsonNode)JsonValue.Create(j)).ToArray());
            return (JsonNode)node;
        }).ToArray());
        foreach (var (key, v) in Metadata) o[key] = v?.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>True when a parsed network document is a layerwise stack ("architecture": "layerwise").</summary>
    public static bool Describes(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document["architecture"] is JsonValue v && v.TryGetValue(out string? s) && s == ArchitectureName;
    }

    /// <summary>The stack of a parsed document.</summary>
    /// <exception cref="InputException">Not a valid layerwise network.</exception>
    public static LayerwiseNetwork Read(JsonObject o, string source)
    {
        ArgumentNullException.ThrowIfNull(o);
        string activation = NetworkJson.Activation(o, source);
        if (activation != "relu") throw new InputException($"network file '{source}': a layerwise stack has relu blocks, not '{activation}'");
        int inputs = NetworkJson.Get<int>(o, "inputs", source);
        int pool = NetworkJson.Get<int?>(o, "feature_pool", source, required: false) ?? 1;
        int? classes = NetworkJson.Get<int?>(o, "classes", source, required: false);
        if (o["blocks"] is not JsonArray arr || arr.Count == 0)
            throw new InputException($"network file '{source}': a layerwise stack needs a \"blocks\" array of ReLU CNN networks");
        var blocks = new List<LayerwiseBlock>();
        for (int b = 0; b < arr.Count; b++)
        {
            if (arr[b] is not JsonObject bo) throw new InputException($"network file '{source}': block {b + 1} is not a network object");
            var network = TwoLayerReluNetwork.Read(bo, $"{source} block {b + 1}");
            if (bo["kept_features"] is not JsonArray kept)
                throw new InputException($"network file '{source}': block {b + 1} needs \"kept_features\" (the kept neuron indices)");
            int[] features;
            try { features = kept.Select(v => v!.GetValue<int>()).ToArray(); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            { throw new InputException($"network file '{source}': block {b + 1} has a \"kept_features\" entry that is not a whole number"); }
            blocks.Add(new LayerwiseBlock(network, features));
        }
        var own = new HashSet<string>(["format", "version", "activation", "architecture", "inputs", "bias", "outputs", "classes", "feature_pool", "blocks"]);
        var metadata = o.Where(kv => !own.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        LayerwiseNetwork stack;
        try { stack = Create(blocks, pool, classes, metadata); }
        catch (ArgumentException e) { throw new InputException($"network file '{source}': {e.Message}"); }
        if (stack.Architecture.Inputs != inputs)
            throw new InputException($"network file '{source}': \"inputs\" is {inputs} but block 1 takes {stack.Architecture.Inputs} values");
        return stack;
    }
}
