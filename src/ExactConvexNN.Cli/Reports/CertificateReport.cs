using System.Globalization;
using System.Text.Json.Nodes;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Cli.Reports;

/// <summary>The output of <c>ecnn verify</c> for every family, as JSON or text.</summary>
public static class CertificateReport
{
    /// <summary>The JSON object of a certificate.</summary>
    public static JsonObject ToJson(Certificate cert, INetwork network, double beta, double tolerance, bool fileCandidate, double seconds) => new()
    {
        ["objective"] = Json.Num(cert.Objective),
        ["lower_bound"] = Json.Num(cert.LowerBound),
        ["gap"] = Json.Num(cert.Gap),
        ["relative_gap"] = Json.Num(cert.RelativeGap),
        ["certified_optimal"] = cert.CertifiedOptimal,
        ["tolerance"] = tolerance,
        ["chambers"] = cert.Chambers,
        ["rho"] = Json.Num(cert.Rho),
        ["dual_scale"] = Json.Num(cert.DualScale),
        ["file_dual_candidate"] = fileCandidate,
        ["activation"] = network.Activation,
        ["architecture"] = network.Architecture.Describe(),
        ["beta"] = beta,
        ["bias"] = network.Architecture.Bias,
        ["neurons"] = network.NeuronCount,
        ["bound_method"] = ModelRegistry.For(network).Text.BoundMethod.Trim().Trim('(', ')'),
        ["seconds"] = seconds,
    };

    /// <summary>The text report of a certificate.</summary>
    public static string ToText(Certificate cert, INetwork network, double beta, double tolerance, bool fileCandidate, double seconds)
    {
        var text = ModelRegistry.For(network).Text;
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"objective       {cert.Objective:G10}   ({text.ObjectiveWith(LossFunction.Of(network))}, beta {beta:G6}, {network.NeuronCount} neurons)");
        w.WriteLine($"lower bound     {cert.LowerBound:G10}   (on the global optimum over {text.Networks})");
        w.WriteLine($"gap             {cert.Gap:G4}   (relative {cert.RelativeGap:E2})");
        w.WriteLine(cert.CertifiedOptimal
            ? $"certified       OPTIMAL: the relative gap is within {tolerance:G3}"
            : $"certified       NOT optimal within {tolerance:G3}: the objective may be up to {cert.Gap:G4} above the optimum");
        string candidate = fileCandidate ? "the network file's dual_candidate and the residual" : "the network's residual";
        w.WriteLine(cert.Chambers is int chambers
            ? (network.Layers == 3 ? $"pattern pairs   {chambers} (every pair of first- and second-layer patterns)" : $"chambers        {chambers} (all activation patterns)") + $"; dual candidate: {candidate}"
            : $"dual candidate  {candidate}{text.BoundMethod}");
        w.Write($"time            {seconds:F3} s");
        return w.ToString();
    }
}
