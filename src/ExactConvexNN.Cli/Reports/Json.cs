using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExactConvexNN.Cli.Reports;

/// <summary>JSON output helpers: numbers that may not be finite, and the one indented writer.</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The number, or null when it is NaN or infinite (JSON has no such numbers).</summary>
    public static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    /// <summary>The number, or null when absent or not finite.</summary>
    public static JsonNode? Num(double? v) => v is double d ? Num(d) : null;

    /// <summary>
    /// The object as indented JSON text. Every writer goes through here: a NaN or infinite number anywhere in the tree
    /// (a family's own keys, a prediction of a network on extreme data) is written as null instead of failing.
    /// </summary>
    public static string Text(JsonNode node) => Finite(node)!.ToJsonString(Indented);

    /// <summary>The same tree with every non-finite number replaced by null (the input is left unchanged when it has none).</summary>
    internal static JsonNode? Finite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                    if (NonFinite(o[key])) o[key] = null; else Finite(o[key]);
                return o;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                    if (NonFinite(a[i])) a[i] = null; else Finite(a[i]);
                return a;
            default:
                return NonFinite(node) ? null : node;
        }
    }

    private static bool NonFinite(JsonNode? node) =>
        node is JsonValue v && (v.TryGetValue(out double d) && !double.IsFinite(d) || v.TryGetValue(out float f) && !float.IsFinite(f));
}
