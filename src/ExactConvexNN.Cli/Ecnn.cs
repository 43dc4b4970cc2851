using System.CommandLine;
using ExactConvexNN.Cli.Commands;

namespace ExactConvexNN.Cli;

/// <summary>The <c>ecnn</c> command tree.</summary>
public static class Ecnn
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("ecnn: train small neural networks to a certified global optimum (ExactConvexNN).");
        root.Subcommands.Add(ArrangementsCommand.Create());
        root.Subcommands.Add(SolveCommand.Create());
        root.Subcommands.Add(SolveCommand.CreateSdp());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(PathCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        return root;
    }
}
