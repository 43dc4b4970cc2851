using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Cli.Reports;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn verify DATA NET.json [--beta B] [--bias] [--target NAME] [--json] [--tol T] [--max-patterns N]</c>: certifies how
/// far a saved network of any family is from the global optimum of its objective on DATA (<see cref="ModelPipeline.Verify"/>:
/// over every chamber for ReLU networks, by the trust-region bound for polynomial ones). The network file's
/// "dual_candidate" (written by <c>ecnn train</c>) is tried when it fits the data; the network's residual always is. The
/// network file decides the model (--bias may repeat its flag, not add one); without --beta the file's "beta" is used.
/// Exit code 0 when the network is certified optimal, 3 when it is not (or the time limit ended the enumeration), 2 for invalid input.
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var net = new Argument<FileInfo>("network") { Description = "network file (JSON, as written by 'ecnn train --out')" };
        var beta = new Option<double?>("--beta") { Description = "regularization beta (>= 0) of the objective; default: the network file's \"beta\"" };
        var bias = new Option<bool>("--bias") { Description = "the network has a first-layer bias (optional: the network file's flag is used; an error if the file has no bias)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var tol = new Option<double>("--tol") { Description = "relative gap under which the network counts as certified optimal (an absolute gap <= 1e-8 always counts)", DefaultValueFactory = _ => Certificate.DefaultTolerance };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse exact enumeration above this estimated number of chambers", DefaultValueFactory = _ => ArrangementOptions.DefaultMaxPatterns };
        var timeLimit = new Option<double>("--time-limit") { Description = "wall-clock limit in seconds of the enumeration of chambers (the status is then time_limit, exit code 3)", DefaultValueFactory = _ => double.PositiveInfinity };
        var cmd = new Command("verify", "Certify how far a trained network is from the global optimum (a dual lower bound: over every activation pattern for ReLU, gated ReLU and batch-normalized ReLU, by the trust-region bound for poly networks).")
        {
            data, net, beta, bias, json, tol, maxPatterns, timeLimit,
        };
        var dataOptions = new DataOptions();
        dataOptions.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(pr, () =>
        {
            double t = pr.GetValue(tol);
            if (!double.IsFinite(t) || t < 0) throw new InputException($"--tol must be a finite number >= 0, got {t.ToString(CultureInfo.InvariantCulture)}; for example --tol 1e-6");
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            double seconds0 = SolverOptions.TimeLimit(pr, timeLimit);
            var netName = pr.GetValue(net)!.ToString();
            var network = ModelRegistry.Load(pr.GetValue(net)!.FullName);
            if (pr.GetValue(bias) && !network.Architecture.Bias)
                throw new InputException($"--bias was given but the network '{netName}' has no bias; drop --bias (the network file decides)");
            double b = pr.GetValue(beta) ?? network.FileBeta()
                ?? throw new InputException($"--beta is required: the network file '{netName}' does not record its beta; for example --beta 0.01");
            if (!double.IsFinite(b) || b < 0) throw new InputException($"--beta must be a finite number >= 0, got {b.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.01");
            var dataset = dataOptions.ReadForNetwork(pr, pr.GetValue(data)!.FullName, network, needTarget: true);
            if (dataset.Y is null) throw new InputException($"the data '{dataset.Source}' has no target column; verification needs targets");
            if (dataset.Columns != network.Architecture.Inputs)
                throw new InputException($"the network '{netName}' takes {network.Architecture.Inputs} inputs but the data has {dataset.Columns} feature columns; verify on the data it was trained on (same features, target last or --target)");
            var candidate = network.FileDualCandidate(dataset.Rows);
            bool asJson = pr.GetValue(json);

            var clock = Stopwatch.StartNew();
            using var cancel = CliRunner.CancelAfter(seconds0);
            Certificate cert;
            try
            {
                cert = Progress.Run("enumerating chambers", !asJson, report => ModelPipeline.Verify(network, dataset, b,
                    new CertificateRequest { Candidate = candidate, Tolerance = t, MaxPatterns = limit, Progress = report, Cancellation = cancel.Token }));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                string message = $"time limit of {seconds0.ToString(CultureInfo.InvariantCulture)} s reached while enumerating chambers: no certificate";
                Console.WriteLine(asJson ? Json.Text(new System.Text.Json.Nodes.JsonObject { ["status"] = "time_limit", ["certified_optimal"] = false, ["message"] = message }) : $"status          time_limit ({message})");
                return CliRunner.NotSolved;
            }
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(asJson
                ? Json.Text(CertificateReport.ToJson(cert, network, b, t, candidate is not null, seconds))
                : CertificateReport.ToText(cert, network, b, t, candidate is not null, seconds));
            // Certified optimal (with a finite bound): 0; a network that is not, or a bound that is not a number: 3.
            return cert.CertifiedOptimal && double.IsFinite(cert.LowerBound) ? CliRunner.Success : CliRunner.NotSolved;
        }));
        return cmd;
    }
}
