using System.Globalization;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Bench;

/// <summary>
/// The solved invariant of issue 16 checked on a benchmark's result, from the original data: the reported objectives and
/// residuals are those of the reported point, a Solved point meets the requested tolerances (objectives agree to the gap
/// tolerance, relative residuals below the feasibility tolerance) and an AlmostSolved one the reduced tolerance. Other
/// statuses claim nothing and pass.
/// </summary>
public static class ReportedInvariant
{
    /// <summary>Null when the invariant holds, else what fails (one phrase).</summary>
    public static string? Violation(ConicProblem problem, SolverResult result, SolverSettings settings)
    {
        if (result.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) return null;
        var (primal, dual, pres, dres, _) = SolutionMeasures.Compute(problem, result.X, result.S, result.Z);
        static bool Same(double reported, double recomputed) => Math.Abs(reported - recomputed) <= 1e-9 * (1 + Math.Abs(recomputed));
        if (!Same(result.PrimalObjective, primal) || !Same(result.DualObjective, dual))
            return string.Create(CultureInfo.InvariantCulture, $"reported objectives {result.PrimalObjective:R} / {result.DualObjective:R}, recomputed {primal:R} / {dual:R}");
        bool solved = result.Status == SolverStatus.Solved;
        double feas = solved ? settings.FeasibilityTolerance : settings.ReducedTolerance;
        double gapAbs = solved ? settings.GapAbsoluteTolerance : settings.ReducedTolerance;
        double gapRel = solved ? settings.GapRelativeTolerance : settings.ReducedTolerance;
        if (!SolutionMeasures.MeetsTolerances(primal, dual, pres, dres, feas, gapAbs, gapRel))
            return string.Create(CultureInfo.InvariantCulture,
                $"{result.Status.ToName()} but gap {Math.Abs(primal - dual):0.0e+00} (rel. {SolutionMeasures.RelativeGap(primal, dual):0.0e+00}), residuals {pres:0.0e+00} / {dres:0.0e+00}");
        return null;
    }
}
