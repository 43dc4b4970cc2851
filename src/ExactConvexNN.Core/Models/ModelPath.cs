using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Solver;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>The regularization path: the model trained and certified at each beta, largest first.</summary>
public static class ModelPath
{
    /// <summary>
    /// <paramref name="count"/> betas log-spaced from beta_max down to beta_max / 1000 (ReLU with exact chambers: beta_max
    /// is the smallest beta at which the zero network is optimal, so the path starts where the network is empty).
    /// </summary>
    /// <exception cref="InputException">Fewer than 2 points, a family without beta_max, or data without targets.</exception>
    public static double[] LogSpaced(Dataset data, ModelSpec model, int count, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model);
        if (count < 2) throw new InputException($"a path needs at least 2 betas, got {count}");
        if (model.Activation != ActivationKind.Relu) throw new InputException("beta_max is computed for ReLU networks only; give the betas themselves");
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; a path needs targets");
        options ??= new TrainingOptions();
        if (model.BatchNorm) return Spaced(BatchNormReluFamily.BetaMax(data, model, options), count);
        var family = ModelRegistry.For(model);
        var arch = family.Architecture(model, data.Columns);
        var x = arch.StackedPatches(data.X).X;
        double betaMax = family is ThreeLayerReluFamily three
            ? three.BetaMax(data, model, options)
            : TrainingGuards.ReluBetaMax(x, model.Targets(data), LossFunction.For(model),
                ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false }));
        return Spaced(betaMax, count);
    }

    private static double[] Spaced(double betaMax, int count)
    {
        if (!(betaMax > 0)) throw new InputException("beta_max is 0 (the zero network fits the targets best at every beta); there is no path to trace");
        // beta_k = beta_max 1000^(-k / (count - 1)), k = 0 .. count - 1.
        return Enumerable.Range(0, count).Select(k => betaMax * Math.Pow(1000, -(double)k / (count - 1))).ToArray();
    }

    /// <summary>
    /// Trains and certifies the model at every beta (results in the order given), calling <paramref name="progress"/>
    /// with (done, total). With <paramref name="warm"/> (ReLU, two layers, squared loss, exact chambers) the path is warm-started
    /// (<see cref="RunWarm"/>); otherwise each beta is a cold <see cref="ModelPipeline.Train"/>.
    /// </summary>
    /// <exception cref="InputException">An invalid beta, model or data (each beta is checked before any training).</exception>
    public static IReadOnlyList<TrainingResult> Run(Dataset data, ModelSpec model, IReadOnlyList<double> betas, TrainingOptions? options = null,
        Action<int, int>? progress = null, bool warm = true)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count == 0) throw new InputException("a path needs at least one beta");
        foreach (double b in betas) (model with { Beta = b }).Validated();
        options ??= new TrainingOptions();
        // The warm path certifies with the squared loss's dual bound: other losses and classifiers are trained cold.
        if (warm && model.Activation == ActivationKind.Relu && !model.BatchNorm && model.Layers == 2 && model.Loss == LossKind.Squared && model.Classes is null
            && options.Sample is null && options.Certify && data.Y is not null)
            return RunWarm(data, model, betas, options, progress);
        var results = new List<TrainingResult>(betas.Count);
        foreach (double b in betas)
        {
            results.Add(ModelPipeline.Train(data, model with { Beta = b }, options));
            progress?.Invoke(results.Count, betas.Count);
        }
        return results;
    }

    /// <summary>Most chambers added to the working set per round: a few times the samples (an optimum uses at most n).</summary>
    private static int AddedPerRound(int samples) => Math.Max(16, samples);

    /// <summary>
    /// The warm-started path. The interior-point method has no useful warm start (its iterates must stay central), so what
    /// is carried from one beta to the next is everything else: the chambers (enumerated once), beta_max (once), and the
    /// previous solutions as a working set of chambers. The betas are solved from the largest down; at each, the program
    /// runs over the working set only (chambers used before, plus those the previous optimum's residual v violates at the
    /// new beta: support value of X'D_i v on the chamber's cone above beta, at most <see cref="AddedPerRound"/>, the largest
    /// first), the network is recovered, pruned and certified over every chamber exactly as in a cold training. When the
    /// certificate fails, the chambers its residual violates are added and the small program is solved again; when no chamber
    /// is violated and still no certificate (an accuracy problem, not a missing chamber), or after 8 rounds, the beta is
    /// trained cold. So every result is certified as a cold one is; only the time differs.
    /// </summary>
    private static List<TrainingResult> RunWarm(Dataset data, ModelSpec model, IReadOnlyList<double> betas, TrainingOptions options, Action<int, int>? progress)
    {
        var clockAll = System.Diagnostics.Stopwatch.StartNew();
        var family = ModelRegistry.For(model);
        var y = data.Y!;
        TrainingGuards.CheckMagnitudes(data);
        family.CheckSize(data, model, options);
        var x = family.Architecture(model, data.Columns).StackedPatches(data.X).X;
        int n = data.Rows;
        var arrangement = options.Chambers ?? ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = options.MaxPatterns, IndependentCount = false });
        var chambers = arrangement.Chambers;
        var thin = chambers.Select(c => ChamberCone.IsThin(x, c)).ToArray();
        double betaMax = TrainingGuards.ReluBetaMax(x, y, arrangement);
        var shared = options with { Chambers = arrangement, Certify = false, Progress = null };
        var results = new TrainingResult?[betas.Count];
        double setup = clockAll.Elapsed.TotalSeconds;
        var inSet = new bool[chambers.Count];
        var working = new List<Chamber>();
        double[] v = (double[])y.Clone();   // the zero network's residual: the optimal dual at beta >= beta_max
        int done = 0;
        var support = new double[chambers.Count];
        OptimalityVerifier.Supports(x, n, chambers, v, support);
        foreach (int index in Enumerable.Range(0, betas.Count).OrderByDescending(i => betas[i]))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var spec = model with { Beta = betas[index] };
            double beta = spec.Beta;
            AddViolated(beta, atLeastOne: working.Count == 0);
            TrainingResult? found = null;
            bool tightened = false;
            for (int round = 0; round < 8 && found is null; round++)
            {
                var r = TrainingGuards.HonestStatus(family.Train(data, spec, shared with { WorkingSet = working.ToArray() }), shared);
                r = beta >= betaMax ? family.Complete(r, data) : r with { BetaMax = betaMax };
                // The certificate of OptimalityVerifier.Verify from the network's residual, with every chamber's support
                // value kept: they are the next round's (or the next beta's) violated chambers.
                var f = r.Network.Outputs(data.X);
                for (int i = 0; i < n; i++) v[i] = y[i] - f[i, 0];
                OptimalityVerifier.Supports(x, n, chambers, v, support);
                var (bound, rho, scale) = OptimalityVerifier.ScaledBound(y, beta, support.DefaultIfEmpty(0).Max() * (1 + 1e-12), v);
                var certificate = Certificate.FromBound(r.RecoveredObjective, bound, rho, scale, chambers.Count, options.CertificateTolerance);
                if (r.Status == SolverStatus.Solved && certificate.CertifiedOptimal)
                {
                    found = r with { Certificate = certificate };
                    KeepSupport(r);
                }
                else if (!AddViolated(beta, atLeastOne: false))
                {
                    // No chamber is missing: the small program's accuracy is. Once more at 1/100 of the tolerances (as
                    // ModelPipeline.Train does), then the cold training.
                    if (tightened || r.Status != SolverStatus.Solved) break;
                    tightened = true;
                    shared = shared with { Solver = FamilyTraining.Tighter(shared.Solver) };
                }
            }
            shared = shared with { Solver = options.Solver };
            // The cold training, with the chambers already enumerated; its residual seeds the next beta.
            if (found is null)
            {
                found = ModelPipeline.Train(data, spec, options with { Chambers = arrangement });
                var f = found.Network.Outputs(data.X);
                for (int i = 0; i < n; i++) v[i] = y[i] - f[i, 0];
                OptimalityVerifier.Supports(x, n, chambers, v, support);
            }
            // The first beta also carries the shared work: the enumeration, the thin chambers and beta_max.
            results[index] = found with { Seconds = clock.Elapsed.TotalSeconds + (done == 0 ? setup : 0) };
            done++;
            progress?.Invoke(done, betas.Count);
        }
        return results.Select(r => r!).ToList();

        // The working set shrinks to the blocks the certified solution uses (above 1e-6 of the largest norm): the next
        // beta adds what its violations ask for.
        void KeepSupport(TrainingResult r)
        {
            if (r.Program is not Programs.ConvexReluProgram p) return;
            int d = p.Features;
            var norms = new double[p.Blocks.Count];
            for (int b = 0; b < norms.Length; b++)
            {
                int v0 = p.BlockVariable(b);
                double nu = 0, nv = 0;
                for (int k = 0; k < d; k++) { nu += r.Solution.X[v0 + 1 + k] * r.Solution.X[v0 + 1 + k]; nv += r.Solution.X[v0 + d + 2 + k] * r.Solution.X[v0 + d + 2 + k]; }
                norms[b] = Math.Max(nu, nv);
            }
            double largest = norms.DefaultIfEmpty(0).Max();
            var keep = new HashSet<Chamber>(Enumerable.Range(0, norms.Length).Where(b => norms[b] > 1e-12 * largest).Select(b => p.Blocks[b]), ReferenceEqualityComparer.Instance);
            if (keep.Count == 0) return;
            working.RemoveAll(c => !keep.Contains(c));
            for (int i = 0; i < chambers.Count; i++) inSet[i] = keep.Contains(chambers[i]);
        }

        // Adds the chambers outside the working set whose dual constraint the current residual violates at beta (support
        // value above beta, beyond rounding), the largest first, at most AddedPerRound; with atLeastOne, the largest even
        // when none is violated. Thin chambers stay out, as in every program. False when none was added.
        bool AddViolated(double beta, bool atLeastOne)
        {
            var outside = Enumerable.Range(0, chambers.Count).Where(i => !inSet[i] && !thin[i] && !chambers[i].IsAllZero).ToArray();
            var add = outside.Where(i => support[i] > beta * (1 + 1e-9)).OrderByDescending(i => support[i]).Take(AddedPerRound(n)).ToList();
            if (add.Count == 0 && atLeastOne && outside.Length > 0) add.Add(outside.MaxBy(i => support[i]));
            foreach (int i in add) { inSet[i] = true; working.Add(chambers[i]); }
            return add.Count > 0;
        }
    }
}
