using System.CommandLine;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Options;

/// <summary><c>--tol T --max-iter N --time-limit S --verbose</c>: the interior-point settings of the commands that solve a program.</summary>
public sealed class SolverOptions
{
    private readonly Option<double> _tol = new("--tol") { Description = "solver tolerance (feasibility and gap), between 0 and 1", DefaultValueFactory = _ => 1e-8 };
    private readonly Option<int> _maxIter = new("--max-iter") { Description = "solver iteration limit", DefaultValueFactory = _ => 100 };
    private readonly Option<double> _timeLimit = new("--time-limit") { Description = "wall-clock limit of the solver in seconds (the status is then time_limit)", DefaultValueFactory = _ => double.PositiveInfinity };
    private readonly Option<bool> _verbose = new("--verbose") { Description = "print the solver's iteration log and the program sizes to stderr" };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_tol); command.Options.Add(_maxIter); command.Options.Add(_timeLimit); command.Options.Add(_verbose);
    }

    /// <summary>True with --verbose.</summary>
    public bool Verbose(ParseResult pr) => pr.GetValue(_verbose);

    /// <summary>The solver settings of the command line.</summary>
    /// <exception cref="InputException">A tolerance outside (0, 1), an iteration limit below 1, or a time limit that is not positive.</exception>
    public SolverSettings Parse(ParseResult pr)
    {
        double t = pr.GetValue(_tol);
        if (!(t > 0 && t < 1)) throw new InputException($"--tol must be a number between 0 and 1, got {t}; for example --tol 1e-8");
        int iters = pr.GetValue(_maxIter);
        if (iters < 1) throw new InputException($"--max-iter must be at least 1, got {iters}");
        double limit = TimeLimit(pr, _timeLimit);
        return new SolverSettings
        {
            FeasibilityTolerance = t, GapAbsoluteTolerance = t, GapRelativeTolerance = t, MaxIterations = iters, TimeLimitSeconds = limit,
            Verbose = Verbose(pr), Log = Console.Error,
        };
    }

    /// <summary>The value of a <c>--time-limit</c> option, checked: a positive number of seconds (infinity when not given).</summary>
    /// <exception cref="InputException">Zero, negative or NaN.</exception>
    public static double TimeLimit(ParseResult pr, Option<double> option)
    {
        double limit = pr.GetValue(option);
        if (!(limit > 0)) throw new InputException($"--time-limit must be a positive number of seconds, got {limit.ToString(System.Globalization.CultureInfo.InvariantCulture)}; for example --time-limit 60");
        return limit;
    }
}
