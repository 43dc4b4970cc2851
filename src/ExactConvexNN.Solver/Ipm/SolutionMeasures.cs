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
        var px = new double[n]; var atz = new double[n]; var ax = new double[m];
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
}
