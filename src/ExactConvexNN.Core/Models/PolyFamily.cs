using System.Diagnostics;
using System.Text.Json.Nodes;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// Two-layer networks with the polynomial activation a t^2 + b t + c and unit-norm first-layer weights (Bartan &amp;
/// Pilanci), fully connected or convolutional with average pooling, scalar, binary or one-hot outputs: patches -&gt; the
/// semidefinite lift (<see cref="PolynomialSdpProgram"/>) -&gt; the interior-point solve -&gt; neural decomposition -&gt; a
/// dual certificate by the trust-region bound (<see cref="PolyOptimalityVerifier"/>).
/// </summary>
public sealed class PolyFamily() : NetworkFamily("poly", ActivationKind.Poly, new FamilyText("1/2||f(X)-y||^2 + beta ||w||_1, ||u_j|| = 1", "SDP optimum", " (dual-feasible by the trust-region bound)", "polynomial networks of any width", " (neural decomposition)"))
{
    /// <inheritdoc/>
    public override INetwork Read(JsonObject document, string source) => PolyNetwork.Read(document, source);

    /// <inheritdoc/>
    public override NetworkArchitecture Architecture(ModelSpec model, int inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Classes is int k && k < 2) throw new InputException($"classification needs at least 2 classes, got {k}");
        return Shape(model, inputs, model.Outputs, sumPooling: false);
    }

    /// <inheritdoc/>
    public override TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options)
    {
        var clock = Stopwatch.StartNew();
        model.Poly.Validated();
        var arch = Architecture(model, data.Columns);
        var y = model.Targets(data);
        var patches = arch.ExtractPatches(data.X);
        var program = PolynomialSdpProgram.Build(patches, y, arch, model.Poly, model.Beta);
        double build = clock.Elapsed.TotalSeconds;
        var solveClock = Stopwatch.StartNew();
        var solution = FamilyTraining.Solve(program.Problem, options);
        double solve = solveClock.Elapsed.TotalSeconds;

        double primal = program.Objective(solution.X);
        var meta = FamilyTraining.Metadata(data, model, "ecnn train --activation poly (semidefinite program of Bartan & Pilanci)", solution, y.Length,
            [new("sdp_optimum", double.IsFinite(primal) ? primal : null)]);
        // A solve that ends without a finite iterate (not expected: Z = Z' = 0 is always feasible) gives the empty network.
        var network = solution.X.All(double.IsFinite)
            ? program.RecoverNetwork(solution.X, model.Classes, meta, options.DropTolerance)
            : PolyNetwork.Create(arch, model.Poly, [], model.Classes, meta);
        var f = network.PredictPatches(patches);
        double recovered = PolyNetwork.Loss(f, y) + network.Regularizer(model.Beta);
        FamilyTraining.RecordObjective(network, recovered);
        return new TrainingResult
        {
            Model = model, Status = solution.Status, Primal = primal, Dual = solution.DualObjective,
            RelativeGap = FamilyTraining.RelativeGap(primal, solution.DualObjective),
            Network = network, RecoveredObjective = recovered, Targets = y,
            TrainAccuracy = model.Classes is int c ? ClassTargets.Accuracy(f, data.Y, c) : null,
            Program = program, Solution = solution, DualCandidate = FamilyTraining.DualCandidate(solution, data.Rows, arch.Outputs),
            PreparePhase = "build", PrepareSeconds = build, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <inheritdoc/>
    public override Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var poly = Fitting<PolyNetwork>(network, data);
        var y = poly.Targets(data.Y!);
        return PolyOptimalityVerifier.VerifyBest(poly, data.X, y, beta, request.Candidate is null ? [null] : [request.Candidate, null], request.Tolerance);
    }

    /// <inheritdoc/>
    public override INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons)
    {
        var arch = Architecture(model, data.Columns);
        var y = model.Targets(data);
        return PolyNonconvexObjective.Create(arch.ExtractPatches(data.X), y, arch, model.Poly, model.Beta, neurons, model.Classes);
    }
}
