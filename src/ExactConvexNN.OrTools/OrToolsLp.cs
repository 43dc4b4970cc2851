using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Problem;
using Google.OrTools.LinearSolver;
using MpSolver = Google.OrTools.LinearSolver.Solver;

namespace ExactConvexNN.OrTools;

/// <summary>The linear programming solvers of Google OR-Tools that ecnn can call.</summary>
public enum LpSolver
{
    /// <summary>GLOP, OR-Tools' primal and dual simplex: vertex solutions to rounding accuracy.</summary>
    Glop,
    /// <summary>PDLP, OR-Tools' first-order primal-dual hybrid gradient method for large LPs: accurate to its termination tolerances.</summary>
    Pdlp,
}

/// <summary>
/// Solves the linear programs among <see cref="ConicProblem"/>s (no quadratic objective; only zero and nonnegative cones)
/// with OR-Tools' GLOP or PDLP, an independent referee for the project's interior-point solver. The answer comes back as
/// a <see cref="SolverResult"/> measured by the project's own code (<see cref="SolutionMeasures"/>): x and the duals z
/// from OR-Tools, s = b - Ax, residuals and gap recomputed on the original problem, and <see cref="SolverStatus.Solved"/>
/// only when they meet the settings' tolerances, as for the interior-point solver. OR-Tools' infeasible and unbounded
/// verdicts are reported as <see cref="SolverStatus.PrimalInfeasible"/> and <see cref="SolverStatus.DualInfeasible"/>
/// without a certificate (x, s, z are zero then: OR-Tools' linear solver interface returns no Farkas ray).
/// <see cref="SolverResult.Iterations"/> counts OR-Tools' own iterations (simplex pivots, PDLP steps); there is no KKT
/// solver (<see cref="SolverResult.KktSolver"/> is empty).
/// </summary>
public static class OrToolsLp
{
    /// <summary>The solver's name in output and JSON: "glop" or "pdlp".</summary>
    public static string ToName(this LpSolver solver) => solver switch
    {
        LpSolver.Glop => "glop",
        LpSolver.Pdlp => "pdlp",
        _ => throw new ArgumentOutOfRangeException(nameof(solver)),
    };

    /// <summary>
    /// What keeps <paramref name="problem"/> from being a linear program, in words ("a quadratic objective", "a
    /// second-order cone", "a semidefinite cone"), or null when it is one.
    /// </summary>
    public static string? NonlinearPart(ConicProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (Array.Exists(problem.P.Values, v => v != 0)) return "a quadratic objective";
        foreach (var cone in problem.Cones)
        {
            if (cone.Dimension == 0) continue;
            switch (cone)
            {
                case SecondOrderConeSpec: return "a second-order cone";
                case PsdConeSpec: return "a semidefinite cone";
                case ZeroConeSpec or NonnegativeConeSpec: break;
                default: return $"a {cone.Kind} cone";
            }
        }
        return null;
    }

    /// <summary>
    /// The OR-Tools native runtime this process loads, or the reason it cannot be loaded (a platform whose runtime this
    /// build does not ship): one line for the user, null when OR-Tools works here.
    /// </summary>
    public static string? Unavailable()
    {
        try
        {
            using var probe = MpSolver.CreateSolver("GLOP");
            return probe is null ? "this OR-Tools build has no GLOP solver" : null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            return $"the OR-Tools native runtime for {RuntimeInformation.RuntimeIdentifier} is not part of this build (it ships linux-x64): {e.GetBaseException().Message}";
        }
    }

    /// <summary>
    /// Solves the linear program min q'x + c s.t. Ax + s = b, s in K (K a product of zero and nonnegative cones, x free)
    /// with <paramref name="solver"/>. Of the settings, the feasibility and gap tolerances decide the status (and are
    /// PDLP's termination tolerances) and the time limit is passed on; the iteration limit is the interior-point solver's
    /// and is not used (simplex pivots and PDLP steps are not interior-point iterations).
    /// </summary>
    /// <exception cref="ArgumentException">The problem is not a linear program (<see cref="NonlinearPart"/>).</exception>
    public static SolverResult Solve(ConicProblem problem, LpSolver solver, SolverSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        settings ??= new SolverSettings();
        if (NonlinearPart(problem) is string part) throw new ArgumentException($"not a linear program: it has {part}", nameof(problem));
        var clock = Stopwatch.StartNew();
        int n = problem.Variables, m = problem.Constraints;
        var (lp, x, rows) = Build(problem, solver, settings, Model.Objective);
        using var owner = lp;
        var status = lp.Solve();
        int iterations = (int)Math.Min(int.MaxValue, lp.Iterations());
        var empty = new SolverResult
        {
            Status = SolverStatus.NumericalError, X = new double[n], S = new double[m], Z = new double[m], Iterations = iterations,
        };
        bool outOfTime = clock.Elapsed.TotalSeconds >= settings.TimeLimitSeconds;
        if (!outOfTime && status is not (MpSolver.ResultStatus.OPTIMAL or MpSolver.ResultStatus.FEASIBLE))
        {
            // MPSolver reports GLOP's "infeasible or unbounded" as INFEASIBLE, and PDLP stops with NOT_SOLVED on an
            // unbounded problem: two more programs decide. The constraints with a zero objective (which cannot be
            // unbounded) say whether the problem is infeasible; if it is feasible, a direction d with Ad + s = 0, s in K
            // and q'd = -1 makes it unbounded (found as min q'd over those directions with q'd >= -1).
            var (resolved, more) = Decide(problem, solver, settings);
            iterations = (int)Math.Min(int.MaxValue, iterations + more);
            double objective = resolved switch
            {
                SolverStatus.PrimalInfeasible => double.PositiveInfinity,
                SolverStatus.DualInfeasible => double.NegativeInfinity,
                _ => double.NaN,
            };
            return empty with
            {
                Status = resolved, PrimalObjective = objective, DualObjective = objective, Iterations = iterations, Seconds = clock.Elapsed.TotalSeconds,
            };
        }
        if (status is not (MpSolver.ResultStatus.OPTIMAL or MpSolver.ResultStatus.FEASIBLE))
            return empty with { Status = SolverStatus.TimeLimit, Seconds = clock.Elapsed.TotalSeconds };

        // The point and the duals: MPSolver's dual value of a row is d(optimum)/d(rhs), which is -z in Ax + s = b.
        var xs = new double[n];
        for (int j = 0; j < n; j++) xs[j] = x[j].SolutionValue();
        var z = new double[m];
        for (int i = 0; i < m; i++) z[i] = -rows[i].DualValue();
        var s = (double[])problem.B.Clone();
        problem.A.Multiply(xs, s, -1.0, 1.0);
        var measures = SolutionMeasures.Compute(problem, xs, s, z);
        bool Meets(double tol) => SolutionMeasures.MeetsTolerances(measures.Primal, measures.Dual, measures.PrimalResidual, measures.DualResidual,
            tol, Math.Max(tol, settings.GapAbsoluteTolerance), Math.Max(tol, settings.GapRelativeTolerance));
        var verdict = status == MpSolver.ResultStatus.OPTIMAL && Meets(settings.FeasibilityTolerance) ? SolverStatus.Solved
            : Meets(settings.ReducedTolerance) ? SolverStatus.AlmostSolved
            : clock.Elapsed.TotalSeconds >= settings.TimeLimitSeconds ? SolverStatus.TimeLimit
            : SolverStatus.NumericalError;
        return new SolverResult
        {
            Status = verdict, X = xs, S = s, Z = z,
            PrimalObjective = measures.Primal, DualObjective = measures.Dual, PrimalResidual = measures.PrimalResidual,
            DualResidual = measures.DualResidual, Gap = measures.Gap, Iterations = iterations, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Which program <see cref="Build"/> makes of the problem.</summary>
    private enum Model
    {
        /// <summary>The problem itself.</summary>
        Objective,
        /// <summary>Its constraints with a zero objective.</summary>
        Feasibility,
        /// <summary>Its recession directions: min q'd s.t. Ad + s = 0, s in K, q'd &gt;= -1.</summary>
        Ray,
    }

    /// <summary>
    /// Primal infeasible, dual infeasible (unbounded), or numerical error when neither is established, from the
    /// feasibility and ray programs; also the iterations they took.
    /// </summary>
    private static (SolverStatus Status, long Iterations) Decide(ConicProblem problem, LpSolver solver, SolverSettings settings)
    {
        var (feasibility, _, _) = Build(problem, solver, settings, Model.Feasibility);
        using (feasibility)
        {
            var feasible = feasibility.Solve();
            long iterations = feasibility.Iterations();
            if (feasible == MpSolver.ResultStatus.INFEASIBLE) return (SolverStatus.PrimalInfeasible, iterations);
            if (feasible != MpSolver.ResultStatus.OPTIMAL) return (SolverStatus.NumericalError, iterations);
            var (ray, _, _) = Build(problem, solver, settings, Model.Ray);
            using (ray)
            {
                var descent = ray.Solve();
                iterations += ray.Iterations();
                // The optimum is -1 exactly when an improving direction exists, 0 otherwise.
                bool unbounded = descent == MpSolver.ResultStatus.OPTIMAL && ray.Objective().Value() < -0.5;
                return (unbounded ? SolverStatus.DualInfeasible : SolverStatus.NumericalError, iterations);
            }
        }
    }

    /// <summary>
    /// The problem as an MPSolver model (<paramref name="model"/>): free variables, one row per constraint (b_i = a_i'x
    /// or a_i'x &lt;= b_i; b = 0 for the ray program, which also has the row q'd &gt;= -1).
    /// </summary>
    private static (MpSolver Lp, Variable[] X, Constraint[] Rows) Build(ConicProblem problem, LpSolver solver, SolverSettings settings, Model model)
    {
        int n = problem.Variables, m = problem.Constraints;
        var lp = MpSolver.CreateSolver(solver == LpSolver.Glop ? "GLOP" : "PDLP")
            ?? throw new InvalidOperationException($"OR-Tools has no {solver.ToName()} solver in this build");
        lp.SuppressOutput();
        if (solver == LpSolver.Pdlp) lp.SetSolverSpecificParametersAsString(PdlpParameters(settings));
        if (double.IsFinite(settings.TimeLimitSeconds))
            lp.SetTimeLimit((long)Math.Max(1, Math.Ceiling(settings.TimeLimitSeconds * 1000)));
        var x = new Variable[n];
        for (int j = 0; j < n; j++) x[j] = lp.MakeNumVar(double.NegativeInfinity, double.PositiveInfinity, "");
        var rows = new Constraint[m];
        int row = 0;
        foreach (var cone in problem.Cones)
            for (int k = 0; k < cone.Dimension; k++, row++)
            {
                double b = model == Model.Ray ? 0 : problem.B[row];
                rows[row] = cone is ZeroConeSpec ? lp.MakeConstraint(b, b) : lp.MakeConstraint(double.NegativeInfinity, b);
            }
        var a = problem.A;
        for (int j = 0; j < n; j++)
            for (int k = a.ColumnPointers[j]; k < a.ColumnPointers[j + 1]; k++)
                rows[a.RowIndices[k]].SetCoefficient(x[j], a.Values[k]);
        var objective = lp.Objective();
        if (model != Model.Feasibility)
            for (int j = 0; j < n; j++) if (problem.Q[j] != 0) objective.SetCoefficient(x[j], problem.Q[j]);
        if (model == Model.Objective) objective.SetOffset(problem.ObjectiveConstant);
        if (model == Model.Ray)
        {
            var floor = lp.MakeConstraint(-1, double.PositiveInfinity);
            for (int j = 0; j < n; j++) if (problem.Q[j] != 0) floor.SetCoefficient(x[j], problem.Q[j]);
        }
        objective.SetMinimization();
        return (lp, x, rows);
    }

    /// <summary>PDLP's termination tolerances (text format of its parameters) from the settings' feasibility and gap tolerances.</summary>
    private static string PdlpParameters(SolverSettings settings)
    {
        double eps = Math.Min(settings.FeasibilityTolerance, Math.Min(settings.GapAbsoluteTolerance, settings.GapRelativeTolerance));
        return string.Create(CultureInfo.InvariantCulture,
            $"termination_criteria {{ simple_optimality_criteria {{ eps_optimal_absolute: {eps:R} eps_optimal_relative: {eps:R} }} }}");
    }
}
