using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Models;

/// <summary>The steps every family's training shares: solving with progress, the gap, the dual candidate and the file's metadata.</summary>
internal static class FamilyTraining
{
    /// <summary>Solves with the settings of <paramref name="options"/>, reporting tenths of digits of accuracy as progress.</summary>
    public static SolverResult Solve(ConicProblem problem, TrainingOptions options, KktSolverFactory? kkt = null)
    {
        int reached = 0; // the bar never goes back
        var settings = options.Progress is not { } progress ? options.Solver : options.Solver with
        {
            OnIteration = (_, error) =>
                progress("solving (interior point)", reached = Math.Max(reached, Digits(error)), Digits(options.Solver.GapRelativeTolerance)),
        };
        return ConicSolver.Solve(problem, settings, kkt);
    }

    /// <summary>Tenths of decimal digits of accuracy: 10 log10(1 / error), 0 when error >= 1.</summary>
    private static int Digits(double error) => error >= 1 || double.IsNaN(error) ? 0 : (int)Math.Min(1000, -10 * Math.Log10(Math.Max(error, 1e-100)));

    /// <summary>
    /// |p - d| / max(1, min(|p|, |d|)): the solver's own relative gap (<see cref="SolutionMeasures.RelativeGap"/>), so that
    /// the gap a training prints is the one its status is judged by (<see cref="TrainingGuards.HonestStatus"/>).
    /// </summary>
    public static double RelativeGap(double primal, double dual) => SolutionMeasures.RelativeGap(primal, dual);

    /// <summary>The multipliers of the first n O rows (the equality rows e = f(X) - Y, row-major) as an n x O matrix.</summary>
    public static double[,] DualCandidate(SolverResult solution, int n, int outputs)
    {
        var v = new double[n, outputs];
        for (int i = 0; i < n; i++) for (int t = 0; t < outputs; t++) v[i, t] = solution.Z[i * outputs + t];
        return v;
    }

    /// <summary>
    /// The facts a trained network's file keeps: beta, the data, its target and features, how it was trained, the status,
    /// the family's own keys, and the equality multipliers as "dual_candidate" (row-major; a candidate for certificates,
    /// not trusted by them; null when not finite).
    /// </summary>
    public static Dictionary<string, JsonNode?> Metadata(Dataset data, ModelSpec model, string trainedBy, SolverResult solution, int dualEntries,
        IEnumerable<KeyValuePair<string, JsonNode?>>? familyKeys = null)
    {
        var meta = new Dictionary<string, JsonNode?>
        {
            ["beta"] = model.Beta,
            ["data"] = data.Source,
            ["target"] = data.TargetName,
            ["features"] = new JsonArray(data.FeatureNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["trained_by"] = trainedBy,
            ["status"] = solution.Status.ToName(),
        };
        foreach (var (k, v) in familyKeys ?? []) meta[k] = v;
        var z = solution.Z.Take(dualEntries).ToArray();
        meta["dual_candidate"] = z.Length == dualEntries && z.All(double.IsFinite)
            ? new JsonArray(z.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) : null;
        return meta;
    }

    /// <summary>
    /// The settings at 1/100 of the feasibility and gap tolerances (not below 1e-12), whose reduced tolerance is the
    /// strictest of the original ones: a run at these settings that ends AlmostSolved still met the original tolerances
    /// (<see cref="MetOriginalTolerances"/>).
    /// </summary>
    public static SolverSettings Tighter(SolverSettings s) => s with
    {
        FeasibilityTolerance = Math.Max(1e-12, s.FeasibilityTolerance / 100),
        GapAbsoluteTolerance = Math.Max(1e-12, s.GapAbsoluteTolerance / 100),
        GapRelativeTolerance = Math.Max(1e-12, s.GapRelativeTolerance / 100),
        ReducedTolerance = Math.Min(s.ReducedTolerance, Math.Min(s.FeasibilityTolerance, Math.Min(s.GapAbsoluteTolerance, s.GapRelativeTolerance))),
    };

    /// <summary>
    /// True when a run at <see cref="Tighter"/> settings ended Solved, or AlmostSolved (its best point met the reduced
    /// tolerance, which is at most every original tolerance): the point is as accurate as a Solved run at the original settings.
    /// </summary>
    public static bool MetOriginalTolerances(SolverStatus tighterStatus) => tighterStatus is SolverStatus.Solved or SolverStatus.AlmostSolved;

    /// <summary>A dual candidate V (n x O) as the file's "dual_candidate" array (row-major); null when an entry is not finite.</summary>
    public static JsonArray? CandidateJson(double[,] v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var values = v.Cast<double>().ToArray();
        return values.All(double.IsFinite) ? new JsonArray(values.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()) : null;
    }

    /// <summary>Records the network's own objective in its metadata ("objective", null when not finite).</summary>
    public static void RecordObjective(Networks.INetwork network, double objective) =>
        ((Dictionary<string, JsonNode?>)network.Metadata)["objective"] = double.IsFinite(objective) ? objective : null;
}
