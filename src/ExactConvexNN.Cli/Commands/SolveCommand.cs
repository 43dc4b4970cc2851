using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.OrTools;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn solve FILE.cbf|FILE.qps|FILE.mps|FILE.dat-s [--solver ecnn|ortools|glop|pdlp] [--json] [--tol T] [--max-iter N] [--time-limit S] [--verbose] [--solution FILE.json] [--method auto|homogeneous|infeasible-start]</c>:
/// reads a problem file (format by extension) and solves it with the interior-point solver; <c>ecnn sdp</c> is the
/// same command under the name semidefinite users look for (SDPA files report SDPA's primal objective c'x). Prints one result
/// line, or one JSON object with <c>--json</c>. Objectives are in the file's own sense, constant included.
/// <c>--solver ortools</c> (or <c>glop</c>) solves a linear program with OR-Tools' GLOP instead, <c>--solver pdlp</c> with
/// its PDLP, for comparison: the same line and JSON keys (<c>solver</c> names which one ran), residuals and status
/// measured by the project's code (<see cref="OrToolsLp"/>); a file that is not a linear program is refused (exit 2).
/// Exit codes: 0 for a certified answer (solved, primal_infeasible, dual_infeasible), 3 for a run that ended without one
/// (almost_solved, max_iterations, time_limit, numerical_error), 2 for invalid input (a nonconvex quadratic objective among it).
/// </summary>
public static class SolveCommand
{
    /// <summary>Builds the command; <paramref name="output"/> receives the result (standard output when null).</summary>
    public static Command Create(TextWriter? output = null) =>
        Build("solve", "Solve a conic problem file (CBF, QPS or SDPA) with the interior-point solver.", output);

    /// <summary><c>ecnn sdp</c>: the alias of <c>solve</c> for semidefinite programs (same options, same JSON keys).</summary>
    public static Command CreateSdp(TextWriter? output = null) =>
        Build("sdp", "Solve a semidefinite program (SDPA sparse .dat-s, or CBF with PSD sections); alias of 'solve'.", output);

    private static Command Build(string name, string description, TextWriter? output)
    {
        var file = new Argument<FileInfo>("file") { Description = "problem file: .cbf (Conic Benchmark Format), .qps/.mps (free MPS with QUADOBJ) or .dat-s/.sdpa (SDPA sparse)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of a line" };
        var tol = new Option<double>("--tol") { Description = "feasibility and gap tolerance", DefaultValueFactory = _ => new SolverSettings().FeasibilityTolerance };
        var maxIter = new Option<int>("--max-iter") { Description = "iteration limit", DefaultValueFactory = _ => new SolverSettings().MaxIterations };
        var timeLimit = new Option<double>("--time-limit") { Description = "wall-clock limit in seconds", DefaultValueFactory = _ => double.PositiveInfinity };
        var verbose = new Option<bool>("--verbose") { Description = "print the iteration log on standard error" };
        var solver = new Option<string>("--solver")
        {
            Description = "ecnn (the interior-point solver, default); ortools or glop (OR-Tools' simplex), pdlp (OR-Tools' first-order method): linear programs only",
            DefaultValueFactory = _ => Ecnn,
        };
        solver.AcceptOnlyFromAmong(Ecnn, "ortools", "glop", "pdlp");
        var method = new Option<string>("--method")
        {
            Description = "interior-point method of --solver ecnn: auto (default: infeasible-start on pure semidefinite programs, then the embedding if that ends without a point; the embedding otherwise), homogeneous (the self-dual embedding), infeasible-start (CSDP's HKM method; semidefinite programs without second-order or exponential cones or a quadratic objective)",
            DefaultValueFactory = _ => "auto",
        };
        method.AcceptOnlyFromAmong("auto", "homogeneous", "infeasible-start");
        var solution = new Option<FileInfo?>("--solution")
        {
            Description = "write the reported point to this JSON file: x, s, z of the conic form min 1/2 x'Px + q'x s.t. Ax + s = b, s in K "
                + "(for SDPA files x is SDPA's x, s and z the blocks of X = sum F_i x_i - F_0 and of the dual Y in svec order), with the status; "
                + "also for almost_solved and the other statuses that keep the best point",
        };
        var cmd = new Command(name, description) { file, json, tol, maxIter, timeLimit, verbose, solver, solution, method };
        cmd.SetAction(pr => CliRunner.Guard(pr, () =>
        {
            double t = pr.GetValue(tol), limit = pr.GetValue(timeLimit);
            int iters = pr.GetValue(maxIter);
            if (!(t > 0 && t < 1)) throw new InputException($"--tol {t.ToString(CultureInfo.InvariantCulture)} must be in (0, 1); try 1e-8");
            if (iters < 1) throw new InputException($"--max-iter {iters} must be at least 1");
            if (!(limit > 0)) throw new InputException($"--time-limit {limit.ToString(CultureInfo.InvariantCulture)} must be positive (seconds)");
            bool isVerbose = pr.GetValue(verbose);
            var settings = new SolverSettings
            {
                FeasibilityTolerance = t, GapAbsoluteTolerance = t, GapRelativeTolerance = t,
                MaxIterations = iters, TimeLimitSeconds = limit, Verbose = isVerbose, Log = isVerbose ? Console.Error : null,
                Embedding = pr.GetValue(method) switch { "homogeneous" => SolverEmbedding.Homogeneous, "infeasible-start" => SolverEmbedding.InfeasibleStart, _ => SolverEmbedding.Automatic },
            };
            var path = pr.GetValue(file)!.FullName;
            var solutionFile = pr.GetValue(solution);
            CliRunner.CheckOutput(solutionFile, pr.GetValue(file)!);
            var problem = ProblemFile.Read(path);
            if (settings.Embedding == SolverEmbedding.InfeasibleStart && !ConicSolver.SupportsInfeasibleStart(problem.Problem))
                throw new InputException("--method infeasible-start solves programs with only zero, nonnegative and semidefinite cones and no quadratic objective; use --method homogeneous");
            string chosen = pr.GetValue(solver) ?? Ecnn;
            var result = chosen == Ecnn ? ConicSolver.Solve(problem.Problem, settings) : SolveWithOrTools(chosen, path, problem, settings);
            string ran = chosen == "ortools" ? LpSolver.Glop.ToName() : chosen;
            if (solutionFile is not null) CliRunner.WriteFileAtomically(solutionFile.FullName, SolutionJson(problem, result, ran));
            var w = output ?? Console.Out;
            w.WriteLine(pr.GetValue(json) ? ToJson(path, problem, result, ran) : ToLine(problem, result, ran));
            return ExitCode(result.Status);
        }));
        return cmd;
    }

    /// <summary>The name of the project's own interior-point solver in <c>--solver</c> and in the output's <c>solver</c> key.</summary>
    public const string Ecnn = "ecnn";

    /// <summary>
    /// <c>--solver ortools|glop|pdlp</c>: the linear program of <paramref name="file"/> solved by OR-Tools; anything else is
    /// refused with one line that says what makes it nonlinear.
    /// </summary>
    private static SolverResult SolveWithOrTools(string chosen, string path, ProblemFile file, SolverSettings settings)
    {
        if (OrToolsLp.NonlinearPart(file.Problem) is string part)
            throw new InputException($"--solver {chosen} solves linear programs; '{path}' has {part}: drop --solver");
        if (OrToolsLp.Unavailable() is string reason)
            throw new InputException($"--solver {chosen}: {reason}; drop --solver");
        return OrToolsLp.Solve(file.Problem, chosen == "pdlp" ? LpSolver.Pdlp : LpSolver.Glop, settings);
    }

    /// <summary>0 for solved and for the two infeasibility certificates, <see cref="CliRunner.NotSolved"/> for the other statuses.</summary>
    public static int ExitCode(SolverStatus status) =>
        status is SolverStatus.Solved or SolverStatus.PrimalInfeasible or SolverStatus.DualInfeasible ? CliRunner.Success : CliRunner.NotSolved;

    private static string ToLine(ProblemFile file, SolverResult r, string solver) => string.Create(CultureInfo.InvariantCulture,
        $"{file.Name}: {r.Status.ToName()}  objective {file.ToFileSense(r.PrimalObjective):G12}  iterations {r.Iterations}  time {r.Seconds:F3} s  solver {solver}");

    /// <summary>
    /// The <c>--solution</c> file: status, objectives (file sense) and the vectors x, s, z of the minimization form (NaN, e.g.
    /// the undefined half of an infeasibility certificate, as null).
    /// </summary>
    private static string SolutionJson(ProblemFile file, SolverResult r, string solver)
    {
        static JsonArray Vector(double[] v) => [.. v.Select(e => (JsonNode?)(double.IsFinite(e) ? JsonValue.Create(e) : null))];
        var o = new JsonObject
        {
            ["name"] = file.Name,
            ["format"] = file.Format,
            ["solver"] = solver,
            ["status"] = r.Status.ToName(),
            ["objective"] = double.IsFinite(r.PrimalObjective) ? file.ToFileSense(r.PrimalObjective) : null,
            ["dual_objective"] = double.IsFinite(r.DualObjective) ? file.ToFileSense(r.DualObjective) : null,
            ["x"] = Vector(r.X),
            ["s"] = Vector(r.S),
            ["z"] = Vector(r.Z),
        };
        return o.ToJsonString();
    }

    private static string ToJson(string path, ProblemFile file, SolverResult r, string solver)
    {
        // NaN and infinities have no JSON form: they are written as null.
        static double? J(double v) => double.IsFinite(v) ? v : null;
        var o = new JsonObject
        {
            ["file"] = path,
            ["name"] = file.Name,
            ["format"] = file.Format,
            ["sense"] = file.Maximize ? "max" : "min",
            ["solver"] = solver,
            ["status"] = r.Status.ToName(),
            ["objective"] = J(file.ToFileSense(r.PrimalObjective)),
            ["dual_objective"] = J(file.ToFileSense(r.DualObjective)),
            ["gap"] = J(r.Gap),
            ["iterations"] = r.Iterations,
            ["kkt_solver"] = solver == Ecnn ? r.KktSolver : null,
            ["retries"] = r.Retries,
            ["seconds"] = r.Seconds,
            ["primal_residual"] = J(r.PrimalResidual),
            ["dual_residual"] = J(r.DualResidual),
            ["variables"] = file.Problem.Variables,
            ["constraints"] = file.Problem.Constraints,
        };
        return o.ToJsonString();
    }
}
