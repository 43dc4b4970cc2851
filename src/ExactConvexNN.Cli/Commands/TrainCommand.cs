using System.CommandLine;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn train DATA --beta B [model options] [--sample K] [--out NET.json] [--json]</c>: trains the model of the
/// command line (<see cref="ModelOptions"/>: ReLU or polynomial activation, fully connected or convolutional) to the
/// global optimum through <see cref="ModelPipeline.Train"/> and prints the result with its certificate.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var sample = new Option<int?>("--sample") { Description = "relu: use K random activation patterns instead of all of them (gives an upper bound only)" };
        var seed = new Option<int>("--seed") { Description = "random seed for --sample", DefaultValueFactory = _ => 0 };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse exact enumeration above this estimated number of chambers", DefaultValueFactory = _ => Arrangements.ArrangementOptions.DefaultMaxPatterns };
        var output = new Option<FileInfo?>("--out") { Description = "write the trained network (JSON) to this file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var noReduction = new Option<bool>("--no-facet-reduction") { Description = "relu: keep every sign row in every block (larger program, same optimum)" };
        var generic = new Option<bool>("--generic-kkt") { Description = "relu: solve with the generic sparse LDL path instead of the block-structured one" };
        var cmd = new Command("train", "Train a two-layer network to a certified global optimum: ReLU (convex program of Pilanci & Ergen; FC or CNN with --image/--signal) or polynomial activation (--activation poly, SDP of Bartan & Pilanci).")
        {
            data, sample, seed, maxPatterns, output, json, noReduction, generic,
        };
        var model = new ModelOptions();
        model.AddTo(cmd);
        var solver = new SolverOptions();
        solver.AddTo(cmd);
        var dataOptions = new DataOptions();
        dataOptions.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            var file = pr.GetValue(data)!;
            if (pr.GetValue(sample) is int k && k < 1) throw new InputException($"--sample needs at least 1 pattern, got {k}");
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            var outFile = pr.GetValue(output);
            CliRunner.CheckOutput(outFile, file);
            // Parse everything before reading data, so that malformed flags fail fast.
            var settings = solver.Parse(pr);
            var selection = dataOptions.Selection(pr);
            var spec = DataOptions.ImplyClasses(model.Parse(pr, sample, noReduction, generic), selection);
            var dataset = selection.Apply(CsvDataReader.Read(file.FullName, dataOptions.Target(pr)));
            bool asJson = pr.GetValue(json), verbose = solver.Verbose(pr);
            var options = new TrainingOptions
            {
                Sample = pr.GetValue(sample), Seed = pr.GetValue(seed), MaxPatterns = limit,
                FacetReduction = !pr.GetValue(noReduction), StructuredSolver = !pr.GetValue(generic), Solver = settings,
            };
            var result = Progress.RunPhases("preparing", !asJson && !verbose, report => ModelPipeline.Train(dataset, spec, options with { Progress = report }));
            if (verbose) Console.Error.WriteLine($"program: {result.Program.Describe()}");
            if (outFile is not null) CliRunner.WriteFileAtomically(outFile.FullName, result.Network.ToJson());
            Console.WriteLine(asJson ? Json.Text(TrainingReport.ToJson(result, outFile?.ToString())) : TrainingReport.ToText(result, outFile?.ToString()));
            return 0;
        }));
        return cmd;
    }
}
