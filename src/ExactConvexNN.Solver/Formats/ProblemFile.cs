using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// A problem read from a file: the minimization form the solver sees, plus what is needed to report
/// results in the file's own terms. For a maximization the stored <see cref="Problem"/> minimizes the
/// negated objective (constant included), so the file's optimum is <c>-</c> the minimized value.
/// </summary>
/// <param name="Problem">The problem as minimize 1/2 x'Px + q'x + c s.t. Ax + s = b, s in K.</param>
/// <param name="Maximize">The file asked to maximize.</param>
/// <param name="Name">The problem name (from the file, or the file name without extension).</param>
/// <param name="Format">"cbf", "qps" or "sdpa".</param>
public sealed record ProblemFile(ConicProblem Problem, bool Maximize, string Name, string Format)
{
    /// <summary>Converts an objective value of the minimized <see cref="Problem"/> to the file's sense (flips the sign for MAX).</summary>
    public double ToFileSense(double minimizedObjective) => Maximize ? -minimizedObjective : minimizedObjective;

    /// <summary>The file extensions <see cref="Read"/> understands (each also with a trailing <c>.gz</c>).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".cbf", ".qps", ".mps", ".dat-s", ".sdpa"];

    /// <summary>
    /// Reads a CBF (<c>.cbf</c>), free/fixed MPS with quadratic extensions (<c>.qps</c>, <c>.mps</c>) or SDPA sparse
    /// (<c>.dat-s</c>, <c>.sdpa</c>) file, chosen by extension; any of them may be gzip-compressed with a further <c>.gz</c>
    /// (<c>problem.qps.gz</c>), which is checked for truncation and damage (see <see cref="InputText"/>).
    /// </summary>
    /// <exception cref="InputException">The file is missing, has another extension, is malformed (the message names the line and the fix), or its quadratic objective is not convex (<see cref="Problem.Convexity"/>).</exception>
    public static ProblemFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var ext = Path.GetExtension(InputText.WithoutGz(path)).ToLowerInvariant();
        if (!Extensions.Contains(ext))
            throw new InputException($"'{path}' has extension '{ext}'; use a .cbf (Conic Benchmark Format), .qps/.mps (MPS) or .dat-s/.sdpa (SDPA sparse) file, optionally gzipped (.cbf.gz, ...)");
        if (!File.Exists(path)) throw new InputException($"file not found: '{path}'; check the path");
        var file = ext switch
        {
            ".cbf" => CbfReader.Read(path),
            ".dat-s" or ".sdpa" => SdpaReader.Read(path),
            _ => QpsReader.Read(path),
        };
        // A nonconvex quadratic objective would come back as a stationary point labelled (almost) solved.
        Solver.Problem.Convexity.RequireConvex(file.Problem, path);
        return file;
    }
}
