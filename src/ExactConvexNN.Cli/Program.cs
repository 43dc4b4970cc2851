using System.CommandLine;
using ExactConvexNN.Cli;
using ExactConvexNN.Cli.Commands;

var root = new RootCommand("ecnn: train small neural networks to a certified global optimum (ExactConvexNN).");
root.Subcommands.Add(ArrangementsCommand.Create());
root.Subcommands.Add(SolveCommand.Create());
return CliRunner.Run(root, args);
