using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Cli.Reports;

/// <summary>
/// The output of <c>ecnn train</c> for every family, as JSON (the keys of README "JSON keys") or as text.
/// </summary>
public static class TrainingReport
{
    /// <summary>The JSON object of a training result.</summary>
    public static JsonObject ToJson(TrainingResult r, string? networkFile)
    {
        var text = ModelRegistry.For(r.Model).Text;
        var cert = r.Certificate;
        var o = new JsonObject
        {
            ["status"] = r.Status.ToName(),
            ["primal"] = Json.Num(r.Primal),
            ["dual"] = Json.Num(r.Dual),
            ["relative_gap"] = Json.Num(r.RelativeGap),
            ["recovered_objective"] = Json.Num(r.RecoveredObjective),
            ["neurons"] = r.Network.NeuronCount,
            ["neurons_before_pruning"] = r.NeuronsBeforePruning,
            // Kept for scripts: the chambers of families with an arrangement, else the pooling regions (see README).
            ["regions"] = r.Chambers ?? r.PoolingRegions,
            ["chambers"] = r.Chambers,
            ["pooling_regions"] = r.PoolingRegions,
            ["thin_regions"] = r.ThinChambers,
            ["sampled"] = r.Sampled,
            ["upper_bound_only"] = r.Sampled,
            ["samples_drawn"] = r.Arrangement?.SamplesDrawn,
            ["sampling_stopped"] = r.Arrangement?.SamplingStopped,
            ["layers"] = r.Model.Layers,
            ["pattern_pairs"] = r.PatternPairs,
            ["activation"] = r.Model.ActivationName,
            ["loss"] = r.Model.LossName,
            ["architecture"] = r.Network.Architecture.Describe(),
            ["outputs"] = r.Network.Architecture.Outputs,
            ["classes"] = r.Model.Classes,
            ["train_accuracy"] = Json.Num(r.TrainAccuracy),
            ["beta"] = r.Model.Beta,
            ["beta_max"] = Json.Num(r.BetaMax),
            ["bias"] = r.Model.Bias,
            ["batch_norm"] = r.Model.BatchNorm,
            ["variables"] = r.Program.Problem.Variables,
            ["constraints"] = r.Program.Problem.Constraints,
            ["working_set_chambers"] = r.WorkingSet?.Chambers,
            ["working_set_rounds"] = r.WorkingSet?.Rounds,
            ["working_set_iterations"] = r.WorkingSet?.Iterations,
        };
        foreach (var (k, v) in r.Program.Details(r.Solution.X)) o[k] = v?.DeepClone();
        if (r.UnpolishedObjective is double unpolished)
        {
            o["unpolished_objective"] = Json.Num(unpolished);
            o["polished"] = unpolished != r.RecoveredObjective;
            o["upper_bound"] = Json.Num(r.RecoveredObjective);
            o["exact"] = cert?.CertifiedOptimal ?? false;
        }
        o["lower_bound"] = cert is null ? null : Json.Num(cert.LowerBound);
        o["certified_gap"] = cert is null ? null : Json.Num(cert.Gap);
        o["certified_relative_gap"] = cert is null ? null : Json.Num(cert.RelativeGap);
        o["certified_optimal"] = cert?.CertifiedOptimal ?? false;
        o["bound_method"] = text.BoundMethod.Trim().Trim('(', ')');
        o["iterations"] = r.Solution.Iterations;
        o[$"{r.PreparePhase}_seconds"] = r.PrepareSeconds;
        o["solve_seconds"] = r.SolveSeconds;
        o["certificate_seconds"] = r.CertificateSeconds;
        o["seconds"] = r.Seconds;
        o["network"] = networkFile;
        return o;
    }

    /// <summary>The text report of a training result.</summary>
    public static string ToText(TrainingResult r, string? networkFile)
    {
        var text = ModelRegistry.For(r.Model).Text;
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"status          {r.Status.ToName()}");
        w.WriteLine($"primal          {r.Primal:G10}   ({text.ProgramValue}: {text.ObjectiveWith(LossFunction.For(r.Model))})");
        w.WriteLine($"dual            {r.Dual:G10}");
        w.WriteLine($"relative gap    {r.RelativeGap:E2}");
        if (r.BetaMax is double betaMax)
            w.WriteLine(r.Model.Beta >= betaMax
                ? $"beta_max        {betaMax:G6}: beta {r.Model.Beta:G6} is at or above it, so the zero network is the exact optimum"
                : $"beta_max        {betaMax:G6} (at or above it the zero network is optimal)");
        w.WriteLine($"network         {r.Network.NeuronCount} neuron{(r.Network.NeuronCount == 1 ? "" : "s")}, objective {r.RecoveredObjective:G10}{text.Recovery}"
            + (r.NeuronsBeforePruning is int before ? $" (pruned from {before} recovered neurons: at most n = {r.Targets.GetLength(0)})" : ""));
        if (r.Certificate is { } cert)
            w.WriteLine(CertificateLine(cert, text.BoundMethod));
        if (r.UnpolishedObjective is double unpolished && r.Certificate is { } bracket)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bracket         {bracket.LowerBound:G10} <= optimum <= {r.RecoveredObjective:G10} (relative gap {bracket.RelativeGap:E2}; network from the blocks {unpolished:G10}{(unpolished != r.RecoveredObjective ? ", then Adam" : "")}): ")
                + (bracket.CertifiedOptimal ? "EXACT, the relaxation is tight here and the network is optimal" : "a relaxation, NOT proven exact on this data"));
        if (r.Program is Programs.VectorReluSdpProgram { Recovery: { } rec })
            w.WriteLine($"blocks          {rec.BlocksUsed} of {rec.Blocks} used: {rec.RankOneBlocks} rank one, {rec.BlocksInCone} with every neuron in its chamber's cone (reproduced exactly), largest rank {rec.MaxRank} ({(rec.Decomposition == Programs.VectorDecomposition.Eigen ? "eigenvectors of W" : "singular vectors of V")})");
        if (r.Chambers is int chambers)
        {
            if (r.Sampled)
                w.WriteLine($"chambers        {chambers} SAMPLED patterns: this is an UPPER BOUND on the exact optimum, not the optimum"
                    + (r.Arrangement?.SamplingStopped is string why ? $" (sampling stopped after {r.Arrangement.SamplesDrawn:N0} directions: {why})" : ""));
            else
                w.WriteLine($"chambers        {chambers} (all activation patterns{(r.Model.Layers == 3 ? " of the first layer" : "")}, exact)" + (r.ThinChambers > 0
                    ? $"; {r.ThinChambers} numerical slivers (width < {ChamberCone.ThinWidth:0e0}) left out of the program, as their faces are in their neighbours'"
                    : ""));
        }
        if (r.PatternPairs is long pairs)
            w.WriteLine($"pattern pairs   {pairs:N0} (second-layer x first-layer patterns{(r.Sampled ? ", SAMPLED: an upper bound only" : ", exact")})");
        w.WriteLine($"activation      {r.Model.ActivationFormula}");
        w.WriteLine($"architecture    {r.Network.Architecture.Describe()}");
        if (r.TrainAccuracy is double acc) w.WriteLine($"train accuracy  {acc:P2} ({r.Model.Classes} classes)");
        w.WriteLine($"program         {r.Program.Describe()}");
        if (r.WorkingSet is { } ws)
            w.WriteLine($"working set     {ws.Chambers:N0} of {r.Chambers:N0} chambers, {ws.Rounds} round{(ws.Rounds == 1 ? "" : "s")} ({ws.Iterations} iterations in all) until its dual bounded every chamber (--all-chambers solves them all at once)");
        w.WriteLine($"time            {r.Seconds:F3} s ({r.PreparePhase} {r.PrepareSeconds:F3} s, solve {r.SolveSeconds:F3} s, {r.Solution.Iterations} iterations, certificate {r.CertificateSeconds:F3} s)");
        if (networkFile is not null) w.Write($"saved           {networkFile}");
        return w.ToString().TrimEnd();
    }

    /// <summary>The text line of a network's own certificate.</summary>
    private static string CertificateLine(Certificate cert, string how) =>
        string.Create(CultureInfo.InvariantCulture, $"certificate     lower bound {cert.LowerBound:G10}{how}, gap {cert.Gap:G3} (relative {cert.RelativeGap:E2}): ")
        + (cert.CertifiedOptimal ? "certified optimal" : string.Create(CultureInfo.InvariantCulture, $"NOT certified within {Certificate.DefaultTolerance:0e0}"));
}
