using System.Text.Json.Nodes;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>Reading the keys of a network file, with the file named in every error.</summary>
internal static class NetworkJson
{
    /// <summary>The value of <paramref name="key"/> as T; default when it is absent and not required.</summary>
    /// <exception cref="InputException">A required key is missing, or a key has the wrong type.</exception>
    public static T Get<T>(JsonObject o, string key, string source, bool required = true)
    {
        var node = o[key];
        if (node is null)
        {
            if (required) throw new InputException($"network file '{source}' is missing \"{key}\"");
            return default!;
        }
        try { return node.GetValue<T>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new InputException($"network file '{source}': \"{key}\" has the wrong type ({node.ToJsonString()})"); }
    }
}
