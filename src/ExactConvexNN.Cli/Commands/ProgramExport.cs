using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>train --export-program FILE</c>: a training's convex program as a file other solvers read, the format by extension:
/// SDPA sparse (<c>.dat-s</c>, <c>.sdpa</c>; <see cref="SdpaWriter"/>) or CBF (<c>.cbf</c>; <see cref="CbfWriter"/>).
/// </summary>
public static class ProgramExport
{
    /// <summary>"sdpa", "cbf", or null for another extension.</summary>
    public static string? Format(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".dat-s" or ".sdpa" => "sdpa",
        ".cbf" => "cbf",
        _ => null,
    };

    /// <summary>
    /// The text of <paramref name="problem"/> in the format of <paramref name="fileName"/>; for SDPA the first (comment) line
    /// says <paramref name="description"/> and the constant to add to the file's optimum to get the program's.
    /// </summary>
    /// <exception cref="InputException">The format cannot express the program (the writer's message, prefixed with the option).</exception>
    public static string Text(ConicProblem problem, string fileName, string description)
    {
        try
        {
            return Format(fileName) == "cbf" ? CbfWriter.ToText(problem) : SdpaWriter.ToText(problem, description).Text;
        }
        catch (InputException e)
        {
            throw new InputException($"--export-program {fileName}: {e.Message}");
        }
    }
}
