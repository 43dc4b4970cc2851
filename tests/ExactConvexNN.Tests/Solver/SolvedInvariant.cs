using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// The honesty invariant of a reported solution, recomputed here from the original data (independently of the solver's
/// own measures): a Solved result's primal and dual objectives agree to the gap tolerance (absolute or relative to
/// max(1, min(|primal|, |dual|))) and its relative primal and dual residuals meet the feasibility tolerance; an
/// AlmostSolved result meets the same tests at the reduced tolerance. The reported objectives and residuals must be those
/// of the reported point.
/// </summary>
internal static class SolvedInvariant
{
    public static void Check(ConicProblem p, SolverResult r, SolverSettings? settings = null)
    {
        if (r.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) return;
        settings ??= new SolverSettings();
        int n = p.Variables, m = p.Constraints;
        // primal = ½x'Px + q'x + c, dual = -½x'Px - b'z + c.
        var px = new double[n]; p.P.MultiplySymmetricUpper(r.X, px);
        var atz = new double[n]; p.A.MultiplyTransposed(r.Z, atz);
        var ax = new double[m]; p.A.Multiply(r.X, ax);
        double xPx = 0, qx = 0, bz = 0;
        for (int j = 0; j < n; j++) { xPx += r.X[j] * px[j]; qx += p.Q[j] * r.X[j]; }
        for (int i = 0; i < m; i++) bz += p.B[i] * r.Z[i];
        double primal = 0.5 * xPx + qx + p.ObjectiveConstant, dual = -0.5 * xPx - bz + p.ObjectiveConstant;
        // Relative residuals ||Ax + s - b|| / (1 + max(||b||, ||Ax||, ||s||)) and ||Px + q + A'z|| / (1 + max(||q||, ||Px||, ||A'z||)).
        double rp = 0, rd = 0;
        for (int i = 0; i < m; i++) rp = Math.Max(rp, Math.Abs(ax[i] + r.S[i] - p.B[i]));
        for (int j = 0; j < n; j++) rd = Math.Max(rd, Math.Abs(px[j] + p.Q[j] + atz[j]));
        double pres = rp / (1 + Math.Max(Max(p.B), Math.Max(Max(ax), Max(r.S))));
        double dres = rd / (1 + Math.Max(Max(p.Q), Math.Max(Max(px), Max(atz))));
        double scale = 1e-9 * (1 + Math.Abs(primal));
        Assert.True(Math.Abs(r.PrimalObjective - primal) <= scale, $"reported primal objective {r.PrimalObjective:R}, recomputed {primal:R}");
        Assert.True(Math.Abs(r.DualObjective - dual) <= 1e-9 * (1 + Math.Abs(dual)), $"reported dual objective {r.DualObjective:R}, recomputed {dual:R}");

        bool solved = r.Status == SolverStatus.Solved;
        double feas = solved ? settings.FeasibilityTolerance : settings.ReducedTolerance;
        double gapAbs = solved ? settings.GapAbsoluteTolerance : settings.ReducedTolerance;
        double gapRel = solved ? settings.GapRelativeTolerance : settings.ReducedTolerance;
        double gap = Math.Abs(primal - dual), rel = gap / Math.Max(1.0, Math.Min(Math.Abs(primal), Math.Abs(dual)));
        string what = $"{r.Status}: primal {primal:R}, dual {dual:R} (gap {gap:0.0e+00}, relative {rel:0.0e+00}), residuals {pres:0.0e+00} / {dres:0.0e+00}";
        Assert.True(gap < gapAbs || rel < gapRel, what);
        Assert.True(pres < feas && dres < feas, what);
    }

    private static double Max(ReadOnlySpan<double> v)
    {
        double m = 0;
        foreach (double e in v) m = Math.Max(m, Math.Abs(e));
        return m;
    }
}
