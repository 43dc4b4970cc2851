using System.Text.Json.Nodes;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Models;

/// <summary>The network families of the pipeline: the one place where a family is registered.</summary>
public static class ModelRegistry
{
    /// <summary>Every family, in the order they are asked.</summary>
    public static IReadOnlyList<INetworkFamily> Families { get; } = [new ReluFamily(), new VectorReluFamily(), new PolyFamily(), new GatedReluFamily(), new ThreeLayerReluFamily(), new BatchNormReluFamily()];

    /// <summary>The family that trains <paramref name="model"/>.</summary>
    /// <exception cref="InputException">No family trains it.</exception>
    public static INetworkFamily For(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Families.FirstOrDefault(f => f.Trains(model))
            ?? throw new InputException($"no network family trains activation {model.ActivationName} with {(model.Image is null ? "a fully connected" : "a convolutional")} architecture and {model.LossName} loss");
    }

    /// <summary>The family of a network.</summary>
    /// <exception cref="InputException">No family reads its activation.</exception>
    public static INetworkFamily For(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is VectorReluNetwork) return Families.OfType<VectorReluFamily>().Single();
        return FamilyReading(network.Activation, network.Layers, "(network)");
    }

    /// <summary>Reads a network file of any family.</summary>
    /// <exception cref="InputException">The file is missing, not JSON, or not a valid network.</exception>
    public static INetwork Load(string path)
    {
        var o = NetworkJson.ReadFile(path);
        return Read(o, path);
    }

    /// <summary>The network of a parsed network document of any family.</summary>
    /// <exception cref="InputException">Not a valid network.</exception>
    public static INetwork Read(JsonObject document, string source)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (LayerwiseNetwork.Describes(document)) return LayerwiseNetwork.Read(document, source);
        if (VectorReluNetwork.Describes(document)) return VectorReluNetwork.Read(document, source);
        return FamilyReading(NetworkJson.Activation(document, source), NetworkJson.Layers(document, source), source).Read(document, source);
    }

    private static INetworkFamily FamilyReading(string activation, int layers, string source) =>
        Families.FirstOrDefault(f => f.Reads(activation) && f.Layers == layers)
        ?? throw new InputException(layers == 2
            ? $"network file '{source}' has activation '{activation}'; use relu, poly, gated_relu or batch_norm_relu"
            : $"network file '{source}' has {layers} layers and activation '{activation}'; three-layer networks are relu");
}
