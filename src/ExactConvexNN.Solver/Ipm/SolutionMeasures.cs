using ExactConvexNN.Solver.Ipm;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver;

/// <summary>Objectives, relative residuals and gap of a candidate (x, s, z), measured on the original problem as <see cref="SolverResult"/> defines them.</summary>
public static class SolutionMeasures
{
    /// <summary>
    /// primal = ½x'Px + q'x + c, dual = -½x'Px - b'z + c,
    /// primal residual = ||Ax + s - b||_inf / (1 + max(||b||, ||Ax||, ||s||)),
    /// dual residual = ||Px + q + A'z||_inf / (1 + max(||q||, ||Px||, ||A'z||)), gap = |primal - dual|.
    /// </summary>
    public static (double Primal, double Dual, double PrimalResidual, double DualResidual, double Gap) Compute(
        ConicProblem problem, ReadOnlySpan<double> x, ReadOnlySpan<double> s, ReadOnlySpan<double> z)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int n = problem.Variables, m = problem.Constraints;
        if (x.Length != n || s.Length != m || z.Length != m) throw new ArgumentException("x, s, z do not match the problem's dimensions");
        return Compute(problem, x, s, z, new double[n], new double[n], new double[m]);
    }

    /// <summary>
    /// <see cref="Compute(ConicProblem, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double})"/> with work
    /// vectors px, atz (length n) and ax (length m) supplied by the caller, so that nothing is allocated.
    /// </summary>
    internal static (double Primal, double Dual, double PrimalResidual, double DualResidual, double Gap) Compute(
        ConicProblem problem, ReadOnlySpan<double> x, ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> px, Span<double> atz, Span<double> ax)
    {
        int n = problem.Variables, m = problem.Constraints;
        problem.P.MultiplySymmetricUpper(x, px);
        problem.A.MultiplyTransposed(z, atz);
        problem.A.Multiply(x, ax);
        double xPx = VectorOps.Dot(x, px);
        double primal = 0.5 * xPx + VectorOps.Dot(problem.Q, x) + problem.ObjectiveConstant;
        double dual = -0.5 * xPx - VectorOps.Dot(problem.B, z) + problem.ObjectiveConstant;
        double rp = 0, rd = 0;
        for (int i = 0; i < m; i++) rp = Math.Max(rp, Math.Abs(ax[i] + s[i] - problem.B[i]));
        for (int j = 0; j < n; j++) rd = Math.Max(rd, Math.Abs(px[j] + problem.Q[j] + atz[j]));
        double pres = rp / (1 + Math.Max(VectorOps.NormInf(problem.B), Math.Max(VectorOps.NormInf(ax), VectorOps.NormInf(s))));
        double dres = rd / (1 + Math.Max(VectorOps.NormInf(problem.Q), Math.Max(VectorOps.NormInf(px), VectorOps.NormInf(atz))));
        return (primal, dual, pres, dres, Math.Abs(primal - dual));
    }

    /// <summary>
    /// The result record of an interior-point run, its last log line written to <paramref name="log"/>: for a point
    /// (<paramref name="measure"/>) the objectives, residuals and gap are recomputed here on the original data; a certificate
    /// keeps the given objectives (±infinity) and NaN measures.
    /// </summary>
    internal static SolverResult Report(ConicProblem problem, SolverStatus status, double[] x, double[] s, double[] z, double primal, double dual,
        bool measure, int iterations, double seconds, string kktSolver, TextWriter? log)
    {
        double pres = double.NaN, dres = double.NaN, gap = double.NaN;
        if (measure) (primal, dual, pres, dres, gap) = Compute(problem, x, s, z);
        log?.WriteLine($"status: {status} after {iterations} iterations, {seconds:0.000} s");
        return new SolverResult
        {
            Status = status, X = x, S = s, Z = z, PrimalObjective = primal, DualObjective = dual,
            PrimalResidual = pres, DualResidual = dres, Gap = gap, Iterations = iterations, Seconds = seconds, KktSolver = kktSolver,
        };
    }

    /// <summary>|primal - dual| / max(1, min(|primal|, |dual|)): the relative gap of two objective values.</summary>
    public static double RelativeGap(double primal, double dual) =>
        Math.Abs(primal - dual) / Math.Max(1.0, Math.Min(Math.Abs(primal), Math.Abs(dual)));

    /// <summary>
    /// The "solved" invariant at the given tolerances: the objectives agree to <paramref name="gapAbsolute"/> absolutely or
    /// <paramref name="gapRelative"/> relatively (<see cref="RelativeGap"/>), and both relative residuals are below
    /// <paramref name="feasibility"/>. Every argument is in the original problem's units (objectives with the constant).
    /// </summary>
    public static bool MeetsTolerances(double primal, double dual, double primalResidual, double dualResidual,
        double feasibility, double gapAbsolute, double gapRelative) =>
        primalResidual < feasibility && dualResidual < feasibility
        && (Math.Abs(primal - dual) < gapAbsolute || RelativeGap(primal, dual) < gapRelative);
}
