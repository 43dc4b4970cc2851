using System.CommandLine;

namespace ExactConvexNN.Cli.Commands;

/// <summary><c>ecnn solve FILE.cbf|FILE.qps</c>: solves a conic problem file with the project's interior-point solver.</summary>
public static class SolveCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "problem file (.cbf or .qps)" };
        var cmd = new Command("solve", "Solve a conic problem file (CBF or QPS) with the interior-point solver.") { file };
        cmd.SetAction(_ => CliRunner.Guard(() => throw new Solver.InputException("'ecnn solve' is not built yet")));
        return cmd;
    }
}
