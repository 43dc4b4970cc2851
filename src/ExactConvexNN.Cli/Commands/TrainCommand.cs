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
        var maxPairs = new Option<long>("--max-pairs") { Description = "--layers 3: refuse exact training above this estimated number of pattern pairs (first-layer x second-layer patterns)", DefaultValueFactory = _ => ThreeLayerReluFamily.DefaultMaxPatternPairs };
        var output = new Option<FileInfo?>("--out") { Description = "write the trained network (JSON) to this file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var noReduction = new Option<bool>("--no-facet-reduction") { Description = "relu: keep every sign row in every block (larger program, same optimum)" };
        var generic = new Option<bool>("--generic-kkt") { Description = "relu: solve with the generic sparse LDL path instead of the block-structured one" };
        var allChambers = new Option<bool>("--all-chambers") { Description = "relu: solve the program over every chamber at once instead of over a working set of chambers grown until its dual bounds every chamber (the same certified optimum, slower)" };
        var exportProgram = new Option<FileInfo?>("--export-program")
        {
            Description = "also write the convex program the training solved (the last one: with the working set, over its chambers; with --all-chambers, over every chamber) "
                + "as SDPA sparse (.dat-s, for CSDP, SDPA, SDPT3: equalities eliminated, a diagonal quadratic loss through one semidefinite block; "
                + "the objective constant goes in the first line) or CBF (.cbf, linear objectives only)",
        };
        var noPrune = NoPruneOption();
        var maxMemory = MaxMemoryOption();
        var cmd = new Command("train", "Train a two-layer network to a certified global optimum: ReLU (convex program of Pilanci & Ergen; FC or CNN with --image/--signal), gated ReLU (--activation gated, group lasso over the chambers), ReLU with batch normalization (--batch-norm, the ReLU program on the whitened data) or polynomial activation (--activation poly, SDP of Bartan & Pilanci).")
        {
            data, sample, seed, maxPatterns, maxPairs, output, json, noReduction, generic, allChambers, noPrune, maxMemory, exportProgram,
        };
        var model = new ModelOptions();
        model.AddTo(cmd);
        var solver = new SolverOptions();
        solver.AddTo(cmd);
        var dataOptions = new DataOptions();
        dataOptions.AddTo(cmd);
        var layerwise = new LayerwiseTrain();
        layerwise.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(pr, () =>
        {
            var file = pr.GetValue(data)!;
            if (pr.GetValue(sample) is int k && k < 1) throw new InputException($"--sample needs at least 1 pattern, got {k}");
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            if (pr.GetValue(maxPairs) < 1) throw new InputException($"--max-pairs must be at least 1, got {pr.GetValue(maxPairs)}");
            var outFile = pr.GetValue(output);
            CliRunner.CheckOutput(outFile, file);
            var exportFile = pr.GetValue(exportProgram);
            CliRunner.CheckOutput(exportFile, file);
            if (exportFile is not null && ProgramExport.Format(exportFile.Name) is null)
                throw new InputException($"--export-program '{exportFile}': use a .dat-s (SDPA sparse) or .cbf (Conic Benchmark Format) file name");
            // Parse everything before reading data, so that malformed flags fail fast.
            var settings = solver.Parse(pr);
            var selection = dataOptions.Selection(pr);
            var spec = DataOptions.ImplyClasses(model.Parse(pr, sample, noReduction, generic, allChambers), selection);
            bool asJson = pr.GetValue(json), verbose = solver.Verbose(pr);
            var options = new TrainingOptions
            {
                Sample = pr.GetValue(sample), Seed = pr.GetValue(seed), MaxPatterns = limit, MaxPatternPairs = pr.GetValue(maxPairs),
                FacetReduction = !pr.GetValue(noReduction), StructuredSolver = !pr.GetValue(generic), Screening = !pr.GetValue(allChambers), Solver = settings,
                MaxMemoryBytes = MaxMemory(pr, maxMemory), Prune = !pr.GetValue(noPrune),
            };
            if (layerwise.Requested(pr))
            {
                if (spec.Layers != 2) throw new InputException($"--layerwise trains two-layer convex blocks one after another; drop --layers {spec.Layers} (or drop --layerwise for one exact three-layer network)");
                if (exportFile is not null) throw new InputException("--export-program writes one convex program; --layerwise solves one per block: drop one of them");
                var stack = layerwise.Spec(pr, spec, selection);
                var stackOptions = layerwise.Options(pr, stack, options with { Sample = null }, pr.GetValue(sample));
                var raw = CsvDataReader.Read(file.FullName, dataOptions.Target(pr));
                return layerwise.Run(pr, stack, stackOptions, selection.Apply(raw), selection.Rest(raw), outFile, asJson);
            }
            var dataset = selection.Apply(CsvDataReader.Read(file.FullName, dataOptions.Target(pr)));
            var result = Progress.RunPhases("preparing", !asJson && !verbose, report => ModelPipeline.Train(dataset, spec, options with { Progress = report }));
            if (verbose) Console.Error.WriteLine($"program: {result.Program.Describe()}");
            int exit = ExitCode(result);
            // The program first: a program that cannot be written (e.g. an exponential cone as SDPA) fails before the network is saved.
            if (exportFile is not null) CliRunner.WriteFileAtomically(exportFile.FullName, ProgramExport.Text(result.Program.Problem, exportFile.Name, $"{spec.Activation} network program, beta {spec.Beta}, {dataset.Rows} samples"));
            // A network that is not solved never replaces an existing file: the old network may be the good one.
            bool keepOld = outFile is not null && exit != CliRunner.Success && File.Exists(outFile.FullName);
            if (outFile is not null && !keepOld) CliRunner.WriteFileAtomically(outFile.FullName, result.Network.ToJson());
            string? saved = keepOld ? null : outFile?.ToString();
            Console.WriteLine(asJson ? Json.Text(TrainingReport.ToJson(result, saved)) : TrainingReport.ToText(result, saved));
            if (exit != CliRunner.Success)
                Console.Error.WriteLine($"not solved: status {result.Status.ToName()}{(double.IsFinite(result.Certificate?.LowerBound ?? 0) ? "" : ", the lower bound is not a number")}"
                    + (keepOld ? $"; '{outFile}' was left unchanged (rerun with a larger --max-iter or --time-limit, or write to a new file)" : "")
                    + $" (exit code {CliRunner.NotSolved})");
            return exit;
        }));
        return cmd;
    }

    /// <summary>
    /// <see cref="CliRunner.Success"/> when the status is solved and the certificate (when there is one) has a finite bound;
    /// <see cref="CliRunner.NotSolved"/> otherwise (almost_solved counts as not solved).
    /// </summary>
    public static int ExitCode(TrainingResult result) =>
        result.Status == SolverStatus.Solved && (result.Certificate is null || double.IsFinite(result.Certificate.LowerBound))
            ? CliRunner.Success : CliRunner.NotSolved;

    /// <summary>The <c>--no-prune</c> option of the commands that train ReLU networks (<see cref="TrainingOptions.Prune"/>).</summary>
    internal static Option<bool> NoPruneOption() => new("--no-prune")
    {
        Description = "relu: keep every neuron the interior-point solution spreads over (by default the network is pruned to at most n neurons with the same objective)",
    };

    /// <summary>The <c>--max-memory GB</c> option of the commands that build a convex program.</summary>
    internal static Option<double?> MaxMemoryOption() => new("--max-memory")
    {
        Description = "refuse a program whose estimated memory is above this many GB (default: 4, or 60% of the available memory when less)",
    };

    /// <summary>The checked <c>--max-memory</c> in bytes, or null for the default.</summary>
    /// <exception cref="InputException">Not a positive number.</exception>
    internal static long? MaxMemory(ParseResult pr, Option<double?> option)
    {
        if (pr.GetValue(option) is not double gb) return null;
        if (!(gb > 0) || !double.IsFinite(gb)) throw new InputException($"--max-memory must be a positive number of GB, got {gb.ToString(System.Globalization.CultureInfo.InvariantCulture)}; for example --max-memory 8");
        return (long)Math.Min(gb * 1e9, long.MaxValue / 2.0);
    }
}
