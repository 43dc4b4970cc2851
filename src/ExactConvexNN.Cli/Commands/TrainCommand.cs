using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn train DATA --beta B [--bias] [--target NAME] [--sample K] [--out NET.json] [--json]</c>: trains a two-layer
/// ReLU network to the global optimum of 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2) by the convex program.
/// With <c>--activation poly [--poly a,b,c] [--classes K] [--image C,H,W --filter f --stride s --padding p --pool q]</c>
/// it trains a polynomial-activation network (FC or CNN with average pooling) to the global optimum of
/// 1/2 ||f(X) - Y||^2 + beta ||w||_1 with unit-norm first-layer weights, by the SDP of Bartan &amp; Pilanci.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var beta = new Option<double?>("--beta") { Description = "regularization beta (>= 0), required: weight decay beta/2 on both layers (relu), beta ||w||_1 with unit-norm first layer (poly)", Required = true };
        var bias = new Option<bool>("--bias") { Description = "give every neuron a bias (appends a column of ones)" };
        var target = new Option<string?>("--target") { Description = "name of the target column (default: the last column)" };
        var sample = new Option<int?>("--sample") { Description = "use K random activation patterns instead of all of them (gives an upper bound only)" };
        var seed = new Option<int>("--seed") { Description = "random seed for --sample", DefaultValueFactory = _ => 0 };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse exact enumeration above this estimated number of chambers", DefaultValueFactory = _ => Arrangements.ArrangementOptions.DefaultMaxPatterns };
        var output = new Option<FileInfo?>("--out") { Description = "write the trained network (JSON) to this file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var tol = new Option<double>("--tol") { Description = "solver tolerance (feasibility and gap)", DefaultValueFactory = _ => 1e-8 };
        var maxIter = new Option<int>("--max-iter") { Description = "solver iteration limit", DefaultValueFactory = _ => 100 };
        var verbose = new Option<bool>("--verbose") { Description = "print the solver's iteration log and the program sizes to stderr" };
        var noReduction = new Option<bool>("--no-facet-reduction") { Description = "keep every sign row in every block (larger program, same optimum)" };
        var generic = new Option<bool>("--generic-kkt") { Description = "solve with the generic sparse LDL path instead of the block-structured one" };
        var model = new PolyModelOptions();
        var cmd = new Command("train", "Train a two-layer ReLU network to a certified global optimum (convex program of Pilanci & Ergen), or a polynomial-activation network (--activation poly, SDP of Bartan & Pilanci).")
        {
            data, beta, bias, target, sample, seed, maxPatterns, output, json, tol, maxIter, verbose, noReduction, generic,
        };
        model.AddTo(cmd);
        var selection = new DataSelectionOptions();
        selection.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            var file = pr.GetValue(data)!;
            double b = pr.GetValue(beta) ?? throw new InputException("--beta is required; for example --beta 0.01");
            if (!double.IsFinite(b) || b < 0) throw new InputException($"--beta must be a finite number >= 0, got {b.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.01");
            double t = pr.GetValue(tol);
            if (!(t > 0) || !double.IsFinite(t)) throw new InputException($"--tol must be positive, got {t}");
            int iters = pr.GetValue(maxIter);
            if (iters < 1) throw new InputException($"--max-iter must be at least 1, got {iters}");
            if (pr.GetValue(sample) is int k && k < 1) throw new InputException($"--sample needs at least 1 pattern, got {k}");
            var outFile = pr.GetValue(output);
            if (outFile is not null && !Directory.Exists(outFile.DirectoryName ?? "."))
                throw new InputException($"cannot write '{outFile}': folder '{outFile.DirectoryName}' does not exist");
            // Parse the model before reading data, so that malformed flags fail fast.
            var select = selection.Parse(pr);
            var polyOptions = DataSelectionOptions.ImplyClasses(model.Parse(pr, b, pr.GetValue(bias), sample, noReduction, generic), select);
            var dataset = select.Apply(CsvDataReader.Read(file.FullName, pr.GetValue(target)));
            bool asJson = pr.GetValue(json), isVerbose = pr.GetValue(verbose);
            var settings = new SolverSettings
            {
                FeasibilityTolerance = t, GapAbsoluteTolerance = t, GapRelativeTolerance = t, MaxIterations = iters,
                Verbose = isVerbose, Log = Console.Error,
            };
            if (polyOptions is not null)
            {
                var po = polyOptions with { Solver = settings };
                var pres = PolyTrainer.Train(dataset, po);
                if (isVerbose)
                    Console.Error.WriteLine($"program: {pres.Program.Problem.Variables:N0} variables, {pres.Program.Problem.Constraints:N0} rows, {pres.Program.Blocks} PSD blocks of order {pres.Program.MatrixOrder}");
                // The certificate of ecnn verify: the better of the SDP's multipliers and the network's residual.
                var pcert = PolyOptimalityVerifier.VerifyBest(pres.Network, dataset.X, pres.Targets, b, [pres.DualCandidate, null]);
                if (outFile is not null) CliRunner.WriteFileAtomically(outFile.FullName, pres.Network.ToJson());
                Console.WriteLine(asJson ? PolyJson(pres, po, outFile, pcert).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : PolyText(pres, po, outFile, pcert));
                return 0;
            }
            var options = new TrainingOptions
            {
                Beta = b, Bias = pr.GetValue(bias), Sample = pr.GetValue(sample), Seed = pr.GetValue(seed),
                MaxPatterns = pr.GetValue(maxPatterns), FacetReduction = !pr.GetValue(noReduction), StructuredSolver = !pr.GetValue(generic),
                Solver = settings,
            };
            var result = Progress.RunPhases("enumerating chambers", !asJson && !isVerbose,
                report => ReluTrainer.Train(dataset, options with { Progress = report }));
            if (isVerbose)
                Console.Error.WriteLine($"program: {result.Program.Problem.Variables:N0} variables, {result.Program.Problem.Constraints:N0} rows; sign rows {result.Program.SignRows:N0} with facet reduction, {result.Program.UnreducedSignRows:N0} without");
            // The certificate of ecnn verify, over every chamber (sampled patterns give none).
            var cert = result.Sampled ? null : OptimalityVerifier.Verify(dataset, b, result.Network, result.Arrangement, result.DualCandidate);
            if (outFile is not null) CliRunner.WriteFileAtomically(outFile.FullName, result.Network.ToJson());
            Console.WriteLine(asJson ? ToJson(result, options, outFile, cert).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : ToText(result, options, outFile, cert));
            return 0;
        }));
        return cmd;
    }

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    /// <summary>The text line of the network's own certificate, for ReLU and polynomial networks alike.</summary>
    private static string CertificateLine(double lowerBound, string how, double gap, double relativeGap, bool certified) =>
        string.Create(CultureInfo.InvariantCulture, $"certificate     lower bound {lowerBound:G10}{how}, gap {gap:G3} (relative {relativeGap:E2}): ")
        + (certified ? "certified optimal" : string.Create(CultureInfo.InvariantCulture, $"NOT certified within {OptimalityVerifier.DefaultTolerance:0e0}"));

    private static JsonObject PolyJson(PolyTrainingResult r, PolyTrainingOptions o, FileInfo? outFile, PolyCertificate cert) => new()
    {
        ["status"] = r.Status.ToName(),
        ["primal"] = Num(r.Primal),
        ["dual"] = Num(r.Dual),
        ["relative_gap"] = Num(r.RelativeGap),
        ["recovered_objective"] = Num(r.RecoveredObjective),
        ["neurons"] = r.Network.Neurons.Count,
        // For poly, "regions" counts the average-pooling regions (1 when fully connected).
        ["regions"] = r.Program.Architecture.Regions.Count,
        ["sampled"] = false,
        ["upper_bound_only"] = false,
        ["activation"] = "poly",
        ["poly"] = new JsonObject { ["a"] = o.Activation.A, ["b"] = o.Activation.B, ["c"] = o.Activation.C },
        ["architecture"] = r.Program.Architecture.Describe(),
        ["outputs"] = r.Program.Architecture.Outputs,
        ["classes"] = o.Classes,
        ["train_accuracy"] = r.Accuracy is double acc ? Num(acc) : null,
        ["beta"] = o.Beta,
        ["bias"] = o.Bias,
        ["variables"] = r.Program.Problem.Variables,
        ["constraints"] = r.Program.Problem.Constraints,
        ["psd_blocks"] = r.Program.Blocks,
        ["psd_order"] = r.Program.MatrixOrder,
        ["lower_bound"] = Num(cert.LowerBound),
        ["certified_gap"] = Num(cert.Gap),
        ["certified_relative_gap"] = Num(cert.RelativeGap),
        ["certified_optimal"] = cert.CertifiedOptimal,
        ["trace_residual"] = Num(r.Program.TraceResidual(r.Solution.X)),
        ["iterations"] = r.Solution.Iterations,
        ["build_seconds"] = r.BuildSeconds,
        ["solve_seconds"] = r.SolveSeconds,
        ["seconds"] = r.Seconds,
        ["network"] = outFile?.ToString(),
    };

    private static string PolyText(PolyTrainingResult r, PolyTrainingOptions o, FileInfo? outFile, PolyCertificate cert)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        var arch = r.Program.Architecture;
        w.WriteLine($"status          {r.Status.ToName()}");
        w.WriteLine($"primal          {r.Primal:G10}   (SDP optimum: 1/2||f(X)-y||^2 + beta ||w||_1, ||u_j|| = 1)");
        w.WriteLine($"dual            {r.Dual:G10}");
        w.WriteLine($"relative gap    {r.RelativeGap:E2}");
        w.WriteLine($"network         {r.Network.Neurons.Count} neurons, objective {r.RecoveredObjective:G10} (neural decomposition)");
        w.WriteLine(CertificateLine(cert.LowerBound, " (dual-feasible by the trust-region bound)", cert.Gap, cert.RelativeGap, cert.CertifiedOptimal));
        w.WriteLine($"activation      sigma(t) = {o.Activation.A:G6} t^2 + {o.Activation.B:G6} t + {o.Activation.C:G6}");
        w.WriteLine($"architecture    {arch.Describe()}");
        if (r.Accuracy is double acc) w.WriteLine($"train accuracy  {acc:P2} ({o.Classes} classes)");
        w.WriteLine($"program         {r.Program.Problem.Variables:N0} variables, {r.Program.Problem.Constraints:N0} rows, {r.Program.Blocks} PSD blocks of order {r.Program.MatrixOrder}");
        w.WriteLine($"time            {r.Seconds:F3} s (build {r.BuildSeconds:F3} s, solve {r.SolveSeconds:F3} s, {r.Solution.Iterations} iterations)");
        if (outFile is not null) w.Write($"saved           {outFile}");
        return w.ToString().TrimEnd();
    }

    private static JsonObject ToJson(TrainingResult r, TrainingOptions o, FileInfo? outFile, Certificate? cert) => new()
    {
        ["status"] = r.Status.ToName(),
        ["primal"] = Num(r.Primal),
        ["dual"] = Num(r.Dual),
        ["relative_gap"] = Num(r.RelativeGap),
        ["recovered_objective"] = Num(r.RecoveredObjective),
        ["neurons"] = r.Network.Neurons.Count,
        ["regions"] = r.Arrangement.Chambers.Count,
        ["thin_regions"] = r.ThinChambers,
        ["sampled"] = r.Sampled,
        ["upper_bound_only"] = r.Sampled,
        ["activation"] = "relu",
        ["beta"] = o.Beta,
        ["bias"] = o.Bias,
        ["variables"] = r.Program.Problem.Variables,
        ["constraints"] = r.Program.Problem.Constraints,
        ["sign_rows"] = r.Program.SignRows,
        ["unreduced_sign_rows"] = r.Program.UnreducedSignRows,
        ["iterations"] = r.Solution.Iterations,
        ["enumeration_seconds"] = r.EnumerationSeconds,
        ["solve_seconds"] = r.SolveSeconds,
        ["seconds"] = r.Seconds,
        ["network"] = outFile?.ToString(),
        ["lower_bound"] = cert is null ? null : Num(cert.LowerBound),
        ["certified_gap"] = cert is null ? null : Num(cert.Gap),
        ["certified_relative_gap"] = cert is null ? null : Num(cert.RelativeGap),
        ["certified_optimal"] = cert?.CertifiedOptimal ?? false,
    };

    private static string ToText(TrainingResult r, TrainingOptions o, FileInfo? outFile, Certificate? cert)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"status          {r.Status.ToName()}");
        w.WriteLine($"primal          {r.Primal:G10}   (convex optimum: 1/2||f(X)-y||^2 + beta/2 sum(||u||^2 + w^2))");
        w.WriteLine($"dual            {r.Dual:G10}");
        w.WriteLine($"relative gap    {r.RelativeGap:E2}");
        w.WriteLine($"network         {r.Network.Neurons.Count} neurons, objective {r.RecoveredObjective:G10}");
        if (cert is not null)
            w.WriteLine(CertificateLine(cert.LowerBound, " over every chamber", cert.Gap, cert.RelativeGap, cert.CertifiedOptimal));
        if (r.Sampled)
            w.WriteLine($"chambers        {r.Arrangement.Chambers.Count} SAMPLED patterns: this is an UPPER BOUND on the exact optimum, not the optimum");
        else
            w.WriteLine($"chambers        {r.Arrangement.Chambers.Count} (all activation patterns, exact)" + (r.ThinChambers > 0
                ? $"; {r.ThinChambers} numerical slivers (width < {ChamberCone.ThinWidth:0e0}) left out of the program, as their faces are in their neighbours'"
                : ""));
        w.WriteLine($"program         {r.Program.Problem.Variables:N0} variables, {r.Program.Problem.Constraints:N0} rows, {r.Program.SignRows:N0} sign rows ({r.Program.UnreducedSignRows:N0} without facet reduction)");
        w.WriteLine($"time            {r.Seconds:F3} s (enumeration {r.EnumerationSeconds:F3} s, solve {r.SolveSeconds:F3} s, {r.Solution.Iterations} iterations)");
        if (outFile is not null) w.Write($"saved           {outFile}");
        return w.ToString().TrimEnd();
    }
}
