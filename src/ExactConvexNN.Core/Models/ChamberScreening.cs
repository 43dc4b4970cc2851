using ExactConvexNN.Arrangements;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>
/// Exact training over a working set of chambers (column generation on the convex program). A chamber's blocks can be
/// nonzero at the optimum only where the optimal dual V* meets the chamber's constraint
/// max_{g in K_i, ||g|| &lt;= 1} |V*'D_i X g| = beta, and at a small beta a few percent of the chambers do. So the program
/// is solved over a working set W only. Its solution is feasible for the full program, and its multipliers V, scaled into
/// dual feasibility over every chamber (the supports of <see cref="OptimalityVerifier.Supports(double[,], int, IReadOnlyList{Chamber}, ReadOnlySpan{double}, Span{double})"/>, as in the certificate),
/// bound the full program's optimum from below. When that bound is within half the certificate's tolerance of the working
/// set's objective, the working set's solution is an optimum of the full program. Otherwise the chambers whose constraint
/// V violates join W, the most violated first, and the program is solved again.
/// <para>
/// Chambers next to each other (patterns a few rows apart) offer nearly the same neurons, and the most violated chambers
/// of a round crowd around the same few directions; a round takes one chamber per neighbourhood (patterns more than
/// <see cref="Neighbourhood"/> rows apart), so that each round reaches as many directions as it can, and leaves the rest to
/// later rounds if they are still violated then.
/// </para>
/// <para>
/// Nothing here is trusted by the result: the network recovered from the final solution is certified over every chamber by
/// <see cref="OptimalityVerifier"/> as any other. When the working set stops paying (more than half the chambers, a round
/// that ends neither Solved nor AlmostSolved, <see cref="MaxRounds"/> rounds) the caller solves the full program instead.
/// </para>
/// </summary>
internal static class ChamberScreening
{
    /// <summary>Rounds before the full program is solved instead.</summary>
    public const int MaxRounds = 16;

    /// <summary>Programs with at most this many chambers per sample are solved whole (the rounds would cost more than they save).</summary>
    public const int MinChambersPerSample = 24;

    /// <summary>Chambers whose patterns differ in at most this many rows are neighbours: a round takes one of them.</summary>
    public const int Neighbourhood = 8;

    /// <summary>The outcome: the last round's program and solution, the working set's size, the rounds and their iterations in all.</summary>
    public sealed record Outcome(ConvexReluProgram Program, SolverResult Solution, int WorkingSet, int Rounds, int Iterations);

    /// <summary>
    /// Solves the ReLU program of <paramref name="x"/> over a working set of the chambers until the working set's multipliers
    /// bound the full program; null when the working set does not pay (the caller solves the full program).
    /// </summary>
    /// <param name="x">The stacked patch matrix (n K rows).</param>
    /// <param name="samples">The number of samples n.</param>
    /// <param name="y">The encoded targets (n x O).</param>
    /// <param name="beta">The weight decay.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="all">Every chamber of the arrangement, with facets: the supports and the bound run over these.</param>
    /// <param name="thick">The chambers a program may use (not thin, <see cref="ChamberCone.IsThin"/>).</param>
    /// <param name="options">Solver settings, facet reduction and the certificate's tolerance.</param>
    /// <param name="solve">Solves a program with the given settings; the int is the round (from 1).</param>
    public static Outcome? Solve(double[,] x, int samples, double[,] y, double beta, LossFunction loss, IReadOnlyList<Chamber> all,
        IReadOnlyList<Chamber> thick, TrainingOptions options, Func<ConvexReluProgram, SolverSettings, int, SolverResult> solve)
    {
        int outputs = y.GetLength(1);
        var index = new Dictionary<Chamber, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < all.Count; i++) index[all[i]] = i;
        var eligible = new bool[all.Count];
        int candidates = 0;
        foreach (var c in thick)
            if (!c.IsAllZero && index.TryGetValue(c, out int i) && !eligible[i]) { eligible[i] = true; candidates++; }
        if (candidates <= MinChambersPerSample * samples) return null;
        int perRound = Math.Max(16, 2 * samples * outputs);
        var inSet = new bool[all.Count];
        var working = new List<Chamber>();
        var support = new double[all.Count];   // per chamber, the largest support over the output columns
        var column = new double[all.Count];
        var v0 = new double[samples];
        var caches = Enumerable.Range(0, outputs).Select(_ => new SupportCache(all.Count, x.GetLength(1))).ToArray();

        // The first working set: the given one, or the chambers the zero network's -grad L violates most (the optimal dual at
        // beta_max and above).
        foreach (var c in options.FirstWorkingSet ?? [])
            if (index.TryGetValue(c, out int i) && eligible[i] && !inSet[i]) { inSet[i] = true; working.Add(c); }
        if (working.Count == 0)
        {
            Measure(loss.NegativeGradientAtZero(y));
            if (Add() == 0) return null;
        }
        var settings = options.Solver;
        var log = settings.Verbose ? settings.Log ?? Console.Error : null;
        bool tightened = false;
        int iterations = 0;
        for (int round = 1; round <= MaxRounds && working.Count <= candidates / 2; round++)
        {
            long phase = SolverProfile.Start();
            var program = ConvexReluProgram.Build(x, y, beta, working, loss, options.FacetReduction, samples);
            SolverProfile.Stop(ProfilePhase.ProgramAssembly, phase);
            var solution = solve(program, settings, round);
            iterations += solution.Iterations;
            // A round short of Solved still has multipliers worth choosing chambers by; only a Solved round can end it.
            if (solution.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved)) return null;
            double primal = program.Objective(solution.X);

            // The multipliers moved into the dual's domain, their supports over every chamber, and the best bound along t V
            // (OptimalityVerifier.LowerBound, with the supports kept to choose the next chambers by).
            phase = SolverProfile.Start();
            var v = loss.Feasible(program.DualCandidate(solution.Z), y);
            double limit = Measure(v);
            var (bound, _) = loss.BestScaledBound(v, y, limit);
            SolverProfile.Stop(ProfilePhase.Screening, phase);
            var gap = Certificate.FromBound(primal, bound, 0, 0, all.Count, options.CertificateTolerance / 2, Certificate.DefaultAbsoluteTolerance / 2);
            log?.WriteLine($"working set round {round}: {working.Count} of {all.Count} chambers, {solution.Status.ToName()} in {solution.Iterations} iterations, objective {primal:G10}, bound over every chamber {bound:G10} (relative gap {gap.RelativeGap:E2}), rho/beta {beta / limit:G6}");
            if (gap.CertifiedOptimal && solution.Status == SolverStatus.Solved) return new Outcome(program, solution, working.Count, round, iterations);
            if (!gap.CertifiedOptimal && Add() > 0) continue;
            // No chamber is violated beyond rounding yet no bound, or a bound from a round short of Solved: the accuracy of
            // the solve is short, not the working set. Once more at 1/100 of the tolerances (as ModelPipeline.Train does).
            if (tightened) return null;
            tightened = true;
            settings = FamilyTraining.Tighter(options.Solver);
        }
        return null;

        // support_i = max over the output columns o of the support of V_o on chamber i; returns min over o of
        // beta / rho(V_o) (OptimalityVerifier.Rho of the supports), the limit of t.
        double Measure(double[,] v)
        {
            Array.Fill(support, 0);
            double limit = double.PositiveInfinity;
            for (int o = 0; o < outputs; o++)
            {
                for (int s = 0; s < samples; s++) v0[s] = v[s, o];
                // Chambers whose supports provably stay at most beta since their last projection are neither violated nor
                // above rho unless every support is at most beta; their bound stands in for them (rho stays an upper bound).
                OptimalityVerifier.Supports(x, samples, all, v0, column, caches[o], beta);
                for (int i = 0; i < all.Count; i++) support[i] = Math.Max(support[i], column[i]);
                double rho = OptimalityVerifier.Rho(column);
                if (rho > 0) limit = Math.Min(limit, beta / rho);
            }
            return limit;
        }

        // Adds the eligible chambers outside the working set whose support is above beta beyond rounding, the largest first,
        // at most perRound, none within Neighbourhood rows of one taken before it in this round (scanning at most 20 perRound
        // of them). The first working set takes the largest supports whether violated or not. Returns how many were added.
        int Add()
        {
            double above = working.Count == 0 ? double.NegativeInfinity : beta * (1 + 1e-9);
            var order = Enumerable.Range(0, all.Count).Where(i => eligible[i] && !inSet[i] && support[i] > above)
                .OrderByDescending(i => support[i]).Take(20 * perRound);
            var taken = new List<int>();
            foreach (int i in order)
            {
                if (taken.Count >= perRound) break;
                if (!taken.Any(j => Neighbours(all[i], all[j]))) taken.Add(i);
            }
            foreach (int i in taken) { inSet[i] = true; working.Add(all[i]); }
            return taken.Count;
        }
    }

    /// <summary>True when the two patterns differ in at most <see cref="Neighbourhood"/> rows.</summary>
    private static bool Neighbours(Chamber a, Chamber b)
    {
        ReadOnlySpan<ulong> p = a.PatternBits, q = b.PatternBits;
        int differ = 0;
        for (int w = 0; w < p.Length && differ <= Neighbourhood; w++) differ += System.Numerics.BitOperations.PopCount(p[w] ^ q[w]);
        return differ <= Neighbourhood;
    }
}
