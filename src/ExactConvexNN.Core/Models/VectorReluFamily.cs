using System.Diagnostics;
using System.Numerics;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// Vector-output two-layer ReLU networks, f(x) = sum_j (x'u_j)_+ w_j' with w_j in R^K shared by every output, squared
/// loss and weight decay on both layers (Sahiner, Ergen, Pauly &amp; Pilanci, ICLR 2021). Their exact convex program is
/// copositive, so this family solves a semidefinite RELAXATION (<see cref="VectorReluSdpProgram"/>, value p_rel &lt;= p*),
/// reads a network from its blocks (eigenvectors of W_b, or singular vectors of V_b, whichever network is better), polishes
/// it by Adam on the nonconvex objective when it is above p_rel, and brackets the optimum: the certificate's lower bound
/// (<see cref="VectorReluCertificate"/>, verified, &lt;= p_rel &lt;= p*) and the network's objective (&gt;= p*). Where the
/// two agree the network is certified optimal and the relaxation was exact on that data.
/// </summary>
public sealed class VectorReluFamily() : NetworkFamily("relu", ActivationKind.Relu, new FamilyText(
    "1/2||f(X)-Y||_F^2 + beta/2 sum(||u||^2 + ||w||^2), w in R^K", "SDP relaxation value (a lower bound on the optimum)",
    " (verified: a scaled dual point of the SDP relaxation, checked over every chamber)", "vector-output networks of any width", " (from the relaxation's blocks)"))
{
    /// <summary>Vector-output ReLU models (squared loss, two layers, fully connected; <see cref="ModelSpec.Validated"/> checks the rest).</summary>
    public override bool Trains(ModelSpec model) => model is not null && model.Activation == ActivationKind.Relu && model.Layers == 2 && model.VectorOutput && !model.BatchNorm;

    /// <summary>Network files are read by their "vector_output" key (<see cref="ModelRegistry.Read"/>), not by activation alone.</summary>
    public override bool Reads(string activation) => false;

    /// <inheritdoc/>
    public override INetwork Read(JsonObject document, string source) => VectorReluNetwork.Read(document, source);

    /// <inheritdoc/>
    public override NetworkArchitecture Architecture(ModelSpec model, int inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Image is not null) throw new InputException("vector-output networks are fully connected for now; drop --image/--signal");
        return Shape(model, inputs, model.Outputs, sumPooling: true);
    }

    /// <summary>Bytes per PSD-block entry of the program and its KKT factors (a rough figure: the blocks are small and dense).</summary>
    private const int BytesPerBlockEntry = 200;

    /// <inheritdoc/>
    public override void CheckSize(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(options);
        if (options.Sample is not null) throw new InputException("--sample applies to the exact programs; the vector-output relaxation enumerates every chamber (train on fewer rows with --rows)");
        var x = Architecture(model, data.Columns).StackedPatches(data.X).X;
        int q = x.GetLength(1) + model.Outputs;
        BigInteger chambers = ArrangementEnumerator.Summarize(x).EstimatedChambers;
        BigInteger bytes = chambers * (q * (q + 1) / 2 + (long)data.Rows * model.Outputs) * BytesPerBlockEntry / 10;
        long limit = options.MaxMemoryBytes ?? TrainingGuards.DefaultMemoryLimit;
        if (bytes > limit)
            throw new InputException($"the SDP relaxation would need about {TrainingGuards.Gb(bytes)} ({chambers:N0} chambers, PSD blocks of order {q}), above the limit of {TrainingGuards.Gb(limit)}; train on fewer rows (--rows) or raise the limit (--max-memory GB)");
    }

    /// <inheritdoc/>
    public override TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var arch = Architecture(model, data.Columns);
        var y = model.Targets(data);
        var x = arch.StackedPatches(data.X).X;
        var arrangement = TrainingChambers(x, options);
        double enumeration = clock.Elapsed.TotalSeconds;
        // Thin chambers (numerical slivers, see ChamberCone) stay out of the program; the certificate still checks them.
        var thick = (options.WorkingSet ?? arrangement.Chambers).Where(c => !ChamberCone.IsThin(x, c)).ToArray();
        var program = VectorReluSdpProgram.Build(x, y, model.Beta, thick);
        var solveClock = Stopwatch.StartNew();
        var solution = FamilyTraining.Solve(program.Problem, options, options.StructuredSolver ? BlockAngularKktSolver.Factory(program.Layout) : null);
        double solve = solveClock.Elapsed.TotalSeconds;
        double primal = program.Objective(solution.X);

        var dual = FamilyTraining.DualCandidate(solution, data.Rows, model.Outputs);
        var meta = FamilyTraining.Metadata(data, model, "ecnn train --vector-output (SDP relaxation of Sahiner et al.)", solution, data.Rows * model.Outputs,
            [new("sdp_relaxation_value", double.IsFinite(primal) ? primal : null)]);
        VectorReluNetwork network;
        double recovered, unpolished;
        if (solution.X.All(double.IsFinite))
        {
            // Both decompositions; the network with the lower true objective is kept.
            var (eigen, eigenReport) = program.RecoverNeurons(solution.X, VectorDecomposition.Eigen, options.DropTolerance);
            var (svd, svdReport) = program.RecoverNeurons(solution.X, VectorDecomposition.Svd, options.DropTolerance);
            var a = VectorReluNetwork.Create(arch, eigen, model.Classes, meta);
            var b = VectorReluNetwork.Create(arch, svd, model.Classes, meta);
            double va = a.Objective(data.X, y, model.Beta), vb = b.Objective(data.X, y, model.Beta);
            (network, recovered, program.Recovery) = va <= vb ? (a, va, eigenReport) : (b, vb, svdReport);
        }
        else
        {
            network = VectorReluNetwork.Create(arch, [], model.Classes, meta);
            recovered = network.Objective(data.X, y, model.Beta);
        }
        unpolished = recovered;
        // Polish when the network is above the relaxation's dual value (only a network below p_rel would be impossible).
        double floor = double.IsFinite(solution.DualObjective) ? Math.Min(primal, solution.DualObjective) : primal;
        if (options.PolishEpochs > 0 && network.NeuronCount > 0 && recovered > floor + options.RecoveryTolerance * Math.Max(Math.Abs(floor), 1e-300))
        {
            var objective = VectorNonconvexObjective.Create(arch, data.X, y, model.Beta, network.NeuronCount, model.Classes);
            var (polished, value) = objective.Polish(network, options.PolishEpochs, options.PolishStep, meta);
            if (value < recovered) { network = polished; recovered = value; }
        }
        FamilyTraining.RecordObjective(network, recovered);
        var multipliers = new Dictionary<Chamber, double[]>(ReferenceEqualityComparer.Instance);
        if (solution.Z.All(double.IsFinite))
            for (int bl = 0; bl < program.Blocks.Count; bl++) multipliers[program.Blocks[bl]] = program.PairMultipliers(solution.Z, bl);
        var f = network.Outputs(data.X);
        return new TrainingResult
        {
            Model = model, Status = solution.Status, Primal = primal, Dual = solution.DualObjective,
            RelativeGap = FamilyTraining.RelativeGap(primal, solution.DualObjective),
            Network = network, RecoveredObjective = recovered, UnpolishedObjective = unpolished, Targets = y,
            TrainAccuracy = model.Classes is int k ? ClassTargets.Accuracy(f, data.Y!, k) : null,
            Program = program, Solution = solution, DualCandidate = dual, PairMultipliers = multipliers,
            Arrangement = arrangement, ThinChambers = arrangement.Chambers.Count - thick.Length,
            PreparePhase = "enumeration", PrepareSeconds = enumeration, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <inheritdoc/>
    public override Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var vector = Fitting<VectorReluNetwork>(network, data);
        var x = vector.Architecture.StackedPatches(data.X).X;
        var arrangement = request.Arrangement ?? CertificateChambers(x, request);
        var y = vector.Targets(data.Y!);
        return VectorReluCertificate.Verify(vector, x, y, data.X, beta, arrangement, [request.Candidate], request.PairMultipliers, request.Tolerance);
    }

    /// <inheritdoc/>
    public override INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model);
        var arch = Architecture(model, data.Columns);
        return VectorNonconvexObjective.Create(arch, data.X, model.Targets(data), model.Beta, neurons, model.Classes);
    }
}
