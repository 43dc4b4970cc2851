using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn verify DATA NET.json [--beta B] [--bias] [--target NAME] [--json] [--tol T] [--max-patterns N]</c>: certifies how
/// far a saved network is from the global optimum of 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2) on DATA, with a
/// dual lower bound over every chamber (<see cref="OptimalityVerifier"/>). The network file's "dual_candidate" (written by
/// <c>ecnn train</c>) is tried as the dual candidate when it has one entry per sample; the network's residual always is.
/// Whether the first layer has a bias is the network file's own "bias" flag: --bias may repeat it but cannot add one.
/// Without --beta the file's "beta" is used. Exit code 0 whether or not the network is certified optimal (the output says which).
/// A polynomial network file ("activation": "poly") is certified by <see cref="PolyOptimalityVerifier"/> for the objective
/// 1/2 ||f(X) - Y||^2 + beta ||w||_1 (no chambers; the targets are the file's classes, if it has them).
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target unless --target names another" };
        var net = new Argument<FileInfo>("network") { Description = "network file (JSON, as written by 'ecnn train --out')" };
        var beta = new Option<double?>("--beta") { Description = "weight decay beta (>= 0) of the objective; default: the network file's \"beta\"" };
        var bias = new Option<bool>("--bias") { Description = "the network has a first-layer bias (optional: the network file's flag is used; an error if the file has no bias)" };
        var target = new Option<string?>("--target") { Description = "name of the target column (default: the last column)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var tol = new Option<double>("--tol") { Description = "relative gap under which the network counts as certified optimal (an absolute gap <= 1e-8 always counts)", DefaultValueFactory = _ => OptimalityVerifier.DefaultTolerance };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse exact enumeration above this estimated number of chambers", DefaultValueFactory = _ => ArrangementOptions.DefaultMaxPatterns };
        var cmd = new Command("verify", "Certify how far a trained network is from the global optimum (a dual lower bound: over every activation pattern for ReLU, by the trust-region bound for poly networks).")
        {
            data, net, beta, bias, target, json, tol, maxPatterns,
        };
        var selection = new DataSelectionOptions();
        selection.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            double t = pr.GetValue(tol);
            if (!double.IsFinite(t) || t < 0) throw new InputException($"--tol must be a finite number >= 0, got {t.ToString(CultureInfo.InvariantCulture)}; for example --tol 1e-6");
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            var netName = pr.GetValue(net)!.ToString();
            var netPath = pr.GetValue(net)!.FullName;
            if (File.Exists(netPath) && PolyNetwork.IsPolyDocument(File.ReadAllText(netPath)))
                return VerifyPoly(PolyNetwork.Load(netPath), netName, pr.GetValue(data)!.FullName, pr.GetValue(target), selection.Parse(pr), pr.GetValue(beta), pr.GetValue(bias), t, pr.GetValue(json));
            var network = TwoLayerReluNetwork.Load(netPath);
            if (pr.GetValue(bias) && !network.Bias)
                throw new InputException($"--bias was given but the network '{netName}' has no bias; drop --bias (the network file decides)");
            double b = pr.GetValue(beta) ?? MetadataBeta(network)
                ?? throw new InputException($"--beta is required: the network file '{netName}' does not record its beta; for example --beta 0.01");
            if (!double.IsFinite(b) || b < 0) throw new InputException($"--beta must be a finite number >= 0, got {b.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.01");
            var dataset = selection.Read(pr, pr.GetValue(data)!.FullName, pr.GetValue(target));
            if (dataset.Y is null) throw new InputException($"the data '{dataset.Source}' has no target column; verification needs targets");
            if (dataset.Columns != network.Inputs)
                throw new InputException($"the network '{netName}' takes {network.Inputs} inputs but the data has {dataset.Columns} feature columns; verify on the data it was trained on (same features, target last or --target)");
            var candidate = DualCandidate(network, dataset.Rows);
            bool asJson = pr.GetValue(json);

            var clock = Stopwatch.StartNew();
            var x = network.Bias ? dataset.WithBias().X : dataset.X;
            var arrangement = Progress.Run("enumerating chambers", !asJson, report => ArrangementEnumerator.Enumerate(x,
                new ArrangementOptions { MaxPatterns = limit, IndependentCount = false, Progress = report }));
            var cert = OptimalityVerifier.Verify(dataset, b, network, arrangement, candidate, t);
            double seconds = clock.Elapsed.TotalSeconds;

            if (asJson)
            {
                var o = new JsonObject
                {
                    ["objective"] = cert.Objective,
                    ["lower_bound"] = cert.LowerBound,
                    ["gap"] = cert.Gap,
                    ["relative_gap"] = cert.RelativeGap,
                    ["certified_optimal"] = cert.CertifiedOptimal,
                    ["tolerance"] = t,
                    ["chambers"] = cert.Chambers,
                    ["rho"] = cert.Rho,
                    ["dual_scale"] = cert.DualScale,
                    ["file_dual_candidate"] = candidate is not null,
                    ["beta"] = b,
                    ["bias"] = network.Bias,
                    ["neurons"] = network.Neurons.Count,
                    ["seconds"] = seconds,
                };
                Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                var w = new StringWriter(CultureInfo.InvariantCulture);
                w.WriteLine($"objective       {cert.Objective:G10}   (1/2||f(X)-y||^2 + beta/2 sum(||u||^2 + w^2), beta {b:G6}, {network.Neurons.Count} neurons)");
                WriteVerdict(w, cert.LowerBound, cert.Gap, cert.RelativeGap, cert.CertifiedOptimal, t, "networks of any width");
                w.WriteLine($"chambers        {cert.Chambers} (all activation patterns); dual candidate: {(candidate is null ? "the network's residual" : "the network file's dual_candidate and the residual")}");
                w.Write($"time            {seconds:F3} s");
                Console.WriteLine(w.ToString());
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>The certificate of a polynomial network (see <see cref="PolyOptimalityVerifier"/>).</summary>
    private static int VerifyPoly(PolyNetwork network, string netName, string dataPath, string? target, DataSelection select, double? betaOption, bool bias, double t, bool asJson)
    {
        if (bias && !network.Architecture.Bias)
            throw new InputException($"--bias was given but the network '{netName}' has no bias; drop --bias (the network file decides)");
        double? fileBeta = network.Metadata.TryGetValue("beta", out var node) && node is JsonValue jv && jv.TryGetValue(out double fb) ? fb : null;
        double b = betaOption ?? fileBeta ?? throw new InputException($"--beta is required: the network file '{netName}' does not record its beta; for example --beta 0.01");
        if (!double.IsFinite(b) || b < 0) throw new InputException($"--beta must be a finite number >= 0, got {b.ToString(CultureInfo.InvariantCulture)}; for example --beta 0.01");
        var dataset = select.Apply(CsvDataReader.Read(dataPath, target));
        if (dataset.Y is null) throw new InputException($"the data '{dataset.Source}' has no target column; verification needs targets");
        if (dataset.Columns != network.Architecture.Inputs)
            throw new InputException($"the network '{netName}' takes {network.Architecture.Inputs} inputs but the data has {dataset.Columns} feature columns; verify on the data it was trained on (same features, target last or --target)");
        var clock = Stopwatch.StartNew();
        var y = network.Targets(dataset.Y);
        var cert = PolyOptimalityVerifier.Verify(network, dataset.X, y, b, null, t);
        // The file's "dual_candidate" (n O multipliers from ecnn train), when it fits this data; the better bound counts.
        double[,]? fileCandidate = null;
        int n = dataset.Rows, outs = network.Architecture.Outputs;
        if (network.Metadata.TryGetValue("dual_candidate", out var dc) && dc is JsonArray arr && arr.Count == n * outs)
        {
            var v = new double[n, outs];
            bool ok = true;
            for (int i = 0; i < n && ok; i++)
                for (int o2 = 0; o2 < outs && ok; o2++)
                    ok = arr[i * outs + o2] is JsonValue e && e.TryGetValue(out v[i, o2]) && double.IsFinite(v[i, o2]);
            if (ok) fileCandidate = v;
        }
        if (fileCandidate is not null) cert = PolyOptimalityVerifier.VerifyBest(network, dataset.X, y, b, [null, fileCandidate], t);
        double seconds = clock.Elapsed.TotalSeconds;
        if (asJson)
        {
            var o = new JsonObject
            {
                ["objective"] = cert.Objective,
                ["lower_bound"] = cert.LowerBound,
                ["gap"] = cert.Gap,
                ["relative_gap"] = cert.RelativeGap,
                ["certified_optimal"] = cert.CertifiedOptimal,
                ["tolerance"] = t,
                ["rho"] = cert.Rho,
                ["dual_scale"] = cert.DualScale,
                ["file_dual_candidate"] = fileCandidate is not null,
                ["activation"] = "poly",
                ["beta"] = b,
                ["bias"] = network.Architecture.Bias,
                ["neurons"] = network.Neurons.Count,
                ["seconds"] = seconds,
            };
            Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var w = new StringWriter(CultureInfo.InvariantCulture);
            w.WriteLine($"objective       {cert.Objective:G10}   (1/2||f(X)-y||^2 + beta ||w||_1, ||u_j|| = 1, beta {b:G6}, {network.Neurons.Count} neurons)");
            WriteVerdict(w, cert.LowerBound, cert.Gap, cert.RelativeGap, cert.CertifiedOptimal, t, "polynomial networks of any width");
            w.WriteLine($"dual candidate  {(fileCandidate is null ? "the network's residual" : "the network file's dual_candidate and the residual")} (sphere maxima by the trust-region bound)");
            w.Write($"time            {seconds:F3} s");
            Console.WriteLine(w.ToString());
        }
        return 0;
    }

    /// <summary>The lower bound, gap and verdict lines of the text output, for either kind of network.</summary>
    private static void WriteVerdict(TextWriter w, double lowerBound, double gap, double relativeGap, bool certified, double t, string over)
    {
        w.WriteLine($"lower bound     {lowerBound:G10}   (on the global optimum over {over})");
        w.WriteLine($"gap             {gap:G4}   (relative {relativeGap:E2})");
        w.WriteLine(certified
            ? $"certified       OPTIMAL: the relative gap is within {t:G3}"
            : $"certified       NOT optimal within {t:G3}: the objective may be up to {gap:G4} above the optimum");
    }

    /// <summary>The network file's "beta", when it is a finite number.</summary>
    internal static double? MetadataBeta(TwoLayerReluNetwork network)
    {
        if (!network.Metadata.TryGetValue("beta", out var node) || node is not JsonValue v) return null;
        return v.TryGetValue(out double b) ? b : null;
    }

    /// <summary>The network file's "dual_candidate" when it is an array of n numbers; otherwise null (the residual is used).</summary>
    internal static double[]? DualCandidate(TwoLayerReluNetwork network, int n)
    {
        if (!network.Metadata.TryGetValue("dual_candidate", out var node) || node is not JsonArray a || a.Count != n) return null;
        var v = new double[n];
        for (int i = 0; i < n; i++)
            if (a[i] is not JsonValue e || !e.TryGetValue(out v[i]) || !double.IsFinite(v[i])) return null;
        return v;
    }
}
