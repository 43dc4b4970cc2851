using System.Diagnostics;
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
/// Two-layer ReLU networks with weight decay, fully connected (Pilanci &amp; Ergen, ICML 2020) or convolutional with a
/// global sum over the patches (Ergen &amp; Pilanci, ICLR 2021): the chambers of the arrangement of the data's rows (or of
/// all n K patch rows) -&gt; the group-lasso program with cone constraints (<see cref="ConvexReluProgram"/>) -&gt; the
/// block-structured interior-point solve -&gt; neurons from the nonzero blocks -&gt; a dual certificate over every chamber
/// (<see cref="OptimalityVerifier"/>).
/// </summary>
public sealed class ReluFamily() : NetworkFamily("relu", ActivationKind.Relu, new FamilyText("1/2||f(X)-y||^2 + beta/2 sum(||u||^2 + w^2)", "convex optimum", " over every chamber", "networks of any width", ""))
{
    /// <summary>ReLU models with any loss (squared, hinge, logistic, l1, huber).</summary>
    public override bool Trains(ModelSpec model) => model is not null && model.Activation == ActivationKind.Relu && !model.BatchNorm && model.Layers == Layers && !model.VectorOutput;

    /// <inheritdoc/>
    public override INetwork Read(JsonObject document, string source) => TwoLayerReluNetwork.Read(document, source);

    /// <inheritdoc/>
    public override NetworkArchitecture Architecture(ModelSpec model, int inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Image is { Pool: not 0 })
            throw new InputException($"pooling regions (pool {model.Image.Pool}) are not supported for ReLU CNNs yet: the ReLU CNN sums every patch (global pooling, pool 0)");
        return Shape(model, inputs, model.Outputs, sumPooling: true);
    }

    /// <inheritdoc/>
    /// <remarks>With a working set of chambers (<see cref="Screens"/>) the program over every chamber is built only when the
    /// working set does not pay, and its size is checked then.</remarks>
    public override void CheckSize(Dataset data, ModelSpec model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Screens(options)) CheckFullProgramSize(Architecture(model, data.Columns).StackedPatches(data.X).X, data.Rows, model, options);
    }

    /// <summary>True when training solves over a working set of chambers first (<see cref="TrainingOptions.Screening"/>, exact chambers, no working set given).</summary>
    private static bool Screens(TrainingOptions options) => options.Screening && options.WorkingSet is null && options.Sample is null;

    private static void CheckFullProgramSize(double[,] x, int samples, ModelSpec model, TrainingOptions options) =>
        TrainingGuards.CheckReluProgramSize(x, samples, options.Sample, options.MaxMemoryBytes ?? TrainingGuards.DefaultMemoryLimit, model.Outputs);

    /// <inheritdoc/>
    public override TrainingResult Complete(TrainingResult result, Dataset data) => TrainingGuards.AboveBetaMax(result, data, this);

    /// <inheritdoc/>
    public override TrainingResult Train(Dataset data, ModelSpec model, TrainingOptions options)
    {
        var clock = Stopwatch.StartNew();
        var arch = Architecture(model, data.Columns);
        var y = model.Targets(data);
        var loss = LossFunction.For(model);
        var patches = arch.StackedPatches(data.X);
        var x = patches.X;
        long phase = SolverProfile.Start();
        var arrangement = TrainingChambers(x, options);
        double enumeration = clock.Elapsed.TotalSeconds;
        SolverProfile.Stop(ProfilePhase.Enumeration, phase);

        // Thin chambers (numerical slivers, see ChamberCone) stay out of the program; the certificate still checks them.
        phase = SolverProfile.Start();
        var candidates = options.WorkingSet ?? arrangement.Chambers;
        var thick = candidates.Where(c => !ChamberCone.IsThin(x, c)).ToArray();
        SolverProfile.Stop(ProfilePhase.FacetRows, phase);
        var solveClock = Stopwatch.StartNew();
        // Over a working set of chambers when that pays (exact chambers, no working set given), else over all of them.
        var screened = Screens(options) && !arrangement.Sampled
            ? ChamberScreening.Solve(x, data.Rows, y, model.Beta, loss, arrangement.Chambers, thick, options, (p, settings, round) => Solve(p, options with
            {
                Progress = options.Progress is { } progress ? (phase, done, total) => progress($"{phase}, working set round {round}", done, total) : null,
            }, settings))
            : null;
        ConvexReluProgram program;
        SolverResult solution;
        if (screened is not null) (program, solution) = (screened.Program, screened.Solution);
        else
        {
            // The solve time of the full program leaves its assembly out (the working set's rounds include theirs).
            solveClock.Stop();
            if (Screens(options))
            {
                try { CheckFullProgramSize(x, data.Rows, model, options); }
                catch (InputException e) { throw new InputException($"a working set of chambers did not settle the optimum, and {e.Message}"); }
            }
            phase = SolverProfile.Start();
            program = ConvexReluProgram.Build(x, y, model.Beta, thick, loss, options.FacetReduction, data.Rows);
            SolverProfile.Stop(ProfilePhase.ProgramAssembly, phase);
            solveClock.Start();
            solution = Solve(program, options, options.Solver);
        }
        double solve = solveClock.Elapsed.TotalSeconds;
        double primal = program.Objective(solution.X);
        phase = SolverProfile.Start();
        var neurons = Recover(data, x, y, arch, model, options, program, solution, primal);
        int? before = null;
        if (options.Prune && solution.Status is SolverStatus.Solved or SolverStatus.AlmostSolved)
            (neurons, before) = (PrunedAndPolished(data, x, y, arch, model, options, program, arrangement.Chambers, neurons), neurons.Count);
        SolverProfile.Stop(ProfilePhase.Recovery, phase);

        string trainedBy = options.Sample is null ? "ecnn train (exact convex program)" : $"ecnn train --sample {options.Sample} (upper bound)";
        var dual = program.DualCandidate(solution.Z);
        var meta = FamilyTraining.Metadata(data, model, trainedBy, solution, 0, loss.FileKeys());
        meta["dual_candidate"] = FamilyTraining.CandidateJson(dual);
        var network = TwoLayerReluNetwork.Create(arch, neurons, meta, model.Classes);
        var f = network.Outputs(data.X);
        double recovered = loss.Value(f, y) + network.Regularizer(model.Beta);
        FamilyTraining.RecordObjective(network, recovered);
        return new TrainingResult
        {
            Model = model, Status = solution.Status, Primal = primal, Dual = solution.DualObjective,
            RelativeGap = FamilyTraining.RelativeGap(primal, solution.DualObjective),
            Network = network, RecoveredObjective = recovered, Targets = y,
            TrainAccuracy = model.Classes is int k ? ClassTargets.Accuracy(f, data.Y!, k) : null,
            Program = program, Solution = solution, DualCandidate = dual,
            NeuronsBeforePruning = before, Arrangement = arrangement, ThinChambers = candidates.Count - thick.Length,
            WorkingSet = screened is null ? null : (screened.WorkingSet, screened.Rounds, screened.Iterations),
            PreparePhase = "enumeration", PrepareSeconds = enumeration, SolveSeconds = solve, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static SolverResult Solve(ConvexReluProgram program, TrainingOptions options, SolverSettings settings) =>
        FamilyTraining.Solve(program.Problem, options with { Solver = settings }, options.StructuredSolver && program.FitsBlockAngular ? BlockAngularKktSolver.Factory(program.Layout) : null);

    /// <summary>
    /// The recovered neurons: the best, by the network objective itself, of the pruned solution and of polished ones.
    /// An interior-point solution is the centre of the optimal face, spread over many blocks, and each block's u meets its
    /// sign rows only to the solver's tolerance, so (X u)_+ and D X u differ a little on rows near u's hyperplanes.
    /// Polishing solves the program again on the support (blocks above 1e-6, then 1e-9, of the largest norm) with every
    /// row of each chamber as a sign row: a small program whose solution has the patterns that (X u)_+ computes. Only while
    /// the network is more than <see cref="TrainingOptions.RecoveryTolerance"/> (relative) above the convex value.
    /// </summary>
    private static List<Neuron> Recover(Dataset data, double[,] x, double[,] y, NetworkArchitecture arch, ModelSpec model, TrainingOptions options,
        ConvexReluProgram program, SolverResult solution, double primal)
    {
        int p = arch.PatchLength;
        var best = program.RecoverNeurons(solution.X, p, false, options.PruneTolerance);
        if (solution.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) return best;
        double enough = primal + options.RecoveryTolerance * Math.Max(Math.Abs(primal), 1e-300);
        (best, double bestValue) = Pruned(program, solution.X);
        if (bestValue <= enough) return best;
        var norms = program.BlockNorms(solution.X);
        double largest = norms.DefaultIfEmpty(0).Max();
        if (largest == 0) return best;
        int previous = -1;
        foreach (double threshold in new[] { 1e-6, 1e-9 })
        {
            var support = Enumerable.Range(0, norms.Length).Where(b => norms[b] > threshold * largest).Select(b => program.Blocks[b]).Distinct().ToArray();
            if (support.Length == previous) continue;
            previous = support.Length;
            var small = ConvexReluProgram.Build(x, y, model.Beta, support, program.Loss, reduceToFacets: false, data.Rows);
            var polished = Solve(small, options with { Progress = null }, options.Solver with { Verbose = false });
            if (polished.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) continue;
            var (neurons, value) = Pruned(small, polished.X);
            if (value < bestValue) (best, bestValue) = (neurons, value);
            if (bestValue <= enough) break;
        }
        return best;

        // Pruning drops blocks below a fraction of the largest; with a piecewise-linear loss (hinge, l1) the interior
        // solution spreads over many small blocks whose sum matters to first order, so smaller fractions are tried until
        // the network is within the recovery tolerance (the sparsest such network is kept).
        (List<Neuron> Neurons, double Value) Pruned(ConvexReluProgram from, double[] solutionX)
        {
            var neurons = from.RecoverNeurons(solutionX, p, false, options.PruneTolerance);
            double value = Value(neurons);
            if (program.Loss.Kind == LossKind.Squared) return (neurons, value);
            foreach (double fraction in new[] { 1e-9, 1e-12 })
            {
                if (value <= enough || fraction >= options.PruneTolerance) break;
                var more = from.RecoverNeurons(solutionX, p, false, fraction);
                double v = Value(more);
                if (v < value) (neurons, value) = (more, v);
            }
            return (neurons, value);
        }

        double Value(List<Neuron> neurons) => TwoLayerReluNetwork.Create(arch, neurons, classes: model.Classes).Objective(data.X, y, model.Beta, program.Loss);
    }

    /// <summary>
    /// Pruning and polishing (issue 15): <see cref="NeuronPruning"/> leaves at most n neurons with the same predictions
    /// and no more weight decay; the polish solves the program again on the chambers of the kept neurons alone (every row
    /// a sign row, at 1/100 of the tolerances) and prunes its solution too. The candidate with the least network
    /// objective is kept: the recovered neurons only when both pruned ones are worse.
    /// </summary>
    private static List<Neuron> PrunedAndPolished(Dataset data, double[,] x, double[,] y, NetworkArchitecture arch, ModelSpec model, TrainingOptions options,
        ConvexReluProgram program, IReadOnlyList<Chamber> chambers, List<Neuron> neurons)
    {
        var best = neurons;
        double bestValue = Value(neurons);
        var pruned = NeuronPruning.Prune(TwoLayerReluNetwork.Create(arch, neurons, classes: model.Classes), data.X);
        double value = Value(pruned);
        if (value <= bestValue) (best, bestValue) = (pruned, value);
        var found = pruned.Select(n => ChamberOf(x, n.U, chambers)).ToArray();
        if (found.Length == 0 || found.Any(c => c is null)) return best;
        var kept = found.Distinct().ToArray();
        var small = ConvexReluProgram.Build(x, y, model.Beta, kept!, program.Loss, reduceToFacets: false, data.Rows);
        var tight = FamilyTraining.Tighter(options.Solver) with { Verbose = false };
        var polished = Solve(small, options with { Progress = null }, tight);
        if (polished.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) return best;
        var again = small.RecoverNeurons(polished.X, arch.PatchLength, false, options.PruneTolerance);
        again = NeuronPruning.Prune(TwoLayerReluNetwork.Create(arch, again, classes: model.Classes), data.X);
        value = Value(again);
        if (value < bestValue && again.Count <= pruned.Count) (best, bestValue) = (again, value);
        return best;

        double Value(List<Neuron> list) => TwoLayerReluNetwork.Create(arch, list, classes: model.Classes).Objective(data.X, y, model.Beta, program.Loss);
    }

    /// <summary>
    /// A chamber whose closed cone holds <paramref name="u"/> (the pattern of Xu on every row where x_j'u is clearly
    /// nonzero; rows within rounding of u's hyperplane may go either way, as they contribute nothing); null if none.
    /// </summary>
    private static Chamber? ChamberOf(double[,] x, double[] u, IReadOnlyList<Chamber> chambers)
    {
        int rows = x.GetLength(0), d = x.GetLength(1);
        var sign = new int[rows];
        double un = Math.Sqrt(u.Sum(v => v * v));
        for (int j = 0; j < rows; j++)
        {
            double z = 0, xn = 0;
            for (int k = 0; k < d; k++) { z += x[j, k] * u[k]; xn += x[j, k] * x[j, k]; }
            double tol = 1e-9 * Math.Sqrt(xn) * un;
            sign[j] = z > tol ? 1 : z < -tol ? -1 : 0;
        }
        foreach (var c in chambers)
        {
            bool fits = true;
            for (int j = 0; j < rows && fits; j++) fits = sign[j] == 0 || (sign[j] > 0) == c[j];
            if (fits) return c;
        }
        return null;
    }

    /// <inheritdoc/>
    public override Certificate Certify(INetwork network, Dataset data, double beta, CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var relu = Fitting<TwoLayerReluNetwork>(network, data);
        var arrangement = request.Arrangement ?? CertificateChambers(relu.Architecture.StackedPatches(data.X).X, request);
        return OptimalityVerifier.Verify(data, beta, relu, LossFunction.Of(relu), arrangement, request.Candidate, request.Tolerance, request.MaxPatterns);
    }

    /// <inheritdoc/>
    public override INonconvexObjective Objective(Dataset data, ModelSpec model, int neurons)
    {
        var arch = Architecture(model, data.Columns);
        return NonconvexObjective.Create(arch, data.X, model.Targets(data), model.Beta, neurons, LossFunction.For(model));
    }
}
