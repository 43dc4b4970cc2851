using ExactConvexNN.Cli;

return CliRunner.Run(Ecnn.CreateRoot(), args);
