using System.Diagnostics;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// The one path every network family takes: data -&gt; program -&gt; solve -&gt; recover (the family's
/// <see cref="INetworkFamily.Train"/>) -&gt; certify (<see cref="INetworkFamily.Certify"/>, independent of the solver).
/// </summary>
public static class ModelPipeline
{
    /// <summary>Trains <paramref name="model"/> on a data set with targets to the global optimum and certifies the network.</summary>
    /// <exception cref="InputException">No targets, an invalid model, a model that does not fit the data, or a program too large.</exception>
    public static TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model);
        options ??= new TrainingOptions();
        model.Validated();
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets (the last column, or a named target)");
        TrainingGuards.CheckMagnitudes(data);
        var family = ModelRegistry.For(model);
        family.CheckSize(data, model, options);
        var result = family.Complete(TrainingGuards.HonestStatus(family.Train(data, model, options), options), data);
        if (!options.Certify || result.Sampled) return result;
        result = Certified(result);
        // The solver's tolerances are relative to the data's scale, the certificate's to the objective: a small optimum can
        // be solved to 1e-8 and still miss a 1e-6 relative certificate. Such a network is trained once more at 1/100 of
        // the tolerances (not below 1e-12), and the better certified result is kept. That run may end AlmostSolved short of
        // the tighter tolerances: its point still met the original ones (as tight a dual as the certificate can get here),
        // and it counts as Solved for them.
        var s = options.Solver;
        if (result.Certificate is { CertifiedOptimal: false } && result.Status == SolverStatus.Solved && s.GapRelativeTolerance > 1e-12)
        {
            var tighter = options with { Solver = FamilyTraining.Tighter(s) };
            var trained = family.Train(data, model, tighter);
            if (FamilyTraining.MetOriginalTolerances(trained.Status))
            {
                // Solved for the original tolerances, unless its objectives disagree by more than they allow.
                var again = family.Complete(TrainingGuards.HonestStatus(trained with { Status = SolverStatus.Solved }, options), data);
                again = Certified(again);
                if (again.Certificate!.Gap < result.Certificate.Gap)
                    result = again with { Seconds = result.Seconds + again.Seconds, SolveSeconds = result.SolveSeconds + again.SolveSeconds };
            }
        }
        return result;

        TrainingResult Certified(TrainingResult r)
        {
            var clock = Stopwatch.StartNew();
            var certificate = family.Certify(r.Network, data, model.Beta, new CertificateRequest
            {
                Candidate = r.DualCandidate, Arrangement = r.Arrangement, PairMultipliers = r.PairMultipliers, Tolerance = options.CertificateTolerance, MaxPatterns = options.MaxPatterns,
            });
            return r with { Certificate = certificate, CertificateSeconds = clock.Elapsed.TotalSeconds, Seconds = r.Seconds + clock.Elapsed.TotalSeconds };
        }
    }

    /// <summary>
    /// Certifies how far any network (trained here or elsewhere) is from the global optimum of its family's objective
    /// with <paramref name="beta"/> on <paramref name="data"/>: a dual lower bound, the gap and the verdict.
    /// </summary>
    /// <exception cref="InputException">No targets, a bad beta, sizes that disagree, or too many chambers.</exception>
    public static Certificate Verify(INetwork network, Dataset data, double beta, CertificateRequest? request = null)
    {
        ArgumentNullException.ThrowIfNull(network); ArgumentNullException.ThrowIfNull(data);
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}");
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; verification needs targets");
        if (network is LayerwiseNetwork)
            throw new InputException("a layerwise stack has no global certificate: each block was trained on the frozen features of the one before; verify the first block alone by training it with ecnn train");
        TrainingGuards.CheckMagnitudes(data);
        return ModelRegistry.For(network).Certify(network, data, beta, request ?? new CertificateRequest());
    }

    /// <summary>The model a network file describes (its family, architecture, classes and bias) with the given beta.</summary>
    public static ModelSpec ModelOf(INetwork network, double beta)
    {
        ArgumentNullException.ThrowIfNull(network);
        var arch = network.Architecture;
        return new ModelSpec
        {
            Beta = beta,
            Activation = network.Activation switch { "poly" => ActivationKind.Poly, "gated_relu" => ActivationKind.GatedRelu, _ => ActivationKind.Relu },
            Poly = network is PolyNetwork p ? p.Polynomial : PolynomialActivation.Default,
            BatchNorm = network is BatchNormReluNetwork,
            Bias = arch.Bias, Classes = network.Classes, Image = arch.Image, Layers = network.Layers, VectorOutput = network is VectorReluNetwork,
            Loss = LossFunction.Of(network).Kind, HuberDelta = LossFunction.Of(network).HuberDelta,
        };
    }
}
