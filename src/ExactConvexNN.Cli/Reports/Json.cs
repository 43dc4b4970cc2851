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

    /// <summary>The object as indented JSON text.</summary>
    public static string Text(JsonNode node) => node.ToJsonString(Indented);
}
