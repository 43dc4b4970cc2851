using System.CommandLine;

namespace ExactConvexNN.Cli.Commands;

/// <summary><c>ecnn arrangements DATA</c>: enumerates the activation patterns of one ReLU neuron on the data.</summary>
public static class ArrangementsCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row" };
        var cmd = new Command("arrangements", "Enumerate the chambers of the hyperplane arrangement of the data.") { data };
        cmd.SetAction(_ => CliRunner.Guard(() => throw new Solver.InputException("'ecnn arrangements' is not built yet")));
        return cmd;
    }
}
