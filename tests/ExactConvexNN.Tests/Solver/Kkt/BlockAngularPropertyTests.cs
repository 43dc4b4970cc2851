using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace ExactConvexNN.Tests.Solver.Kkt;

/// <summary>
/// The structured block-angular KKT path against the generic sparse (quasi-definite) path on random block-angular programs
/// shaped like the convex ReLU program: coupling variables e with P = I and identity columns in the n_c equality rows,
/// blocks [t, u] with a second-order cone over all their variables, random sign rows, and coupling entries on a random
/// subset of the equality rows (so chunks of the Schur complement see different row unions), q = beta on each t.
/// </summary>
public class BlockAngularPropertyTests
{
    public sealed record Case(int Coupling, int Blocks, int Width, int SignRows, int Seed)
    {
        public override string ToString() => $"n_c={Coupling} blocks={Blocks} width={Width} sign rows={SignRows} seed={Seed}";

        public (ConicProblem Problem, BlockAngularLayout Layout) Build()
        {
            var rng = new Random(Seed);
            int nc = Coupling, w = Width;
            var triplets = new List<(int, int, double)>();
            var cones = new List<ConeSpec> { new ZeroConeSpec(nc) };
            for (int i = 0; i < nc; i++) triplets.Add((i, i, 1.0));
            var cols = new int[Blocks + 1]; var rows = new int[Blocks + 1];
            int col = nc, row = nc;
            var q = new List<double>(new double[nc]);
            for (int b = 0; b < Blocks; b++)
            {
                cols[b] = col; rows[b] = row;
                // Coupling entries: block variables 1..w-1 on about half of the equality rows.
                for (int i = 0; i < nc; i++)
                    if (rng.Next(2) == 0)
                        for (int k = 1; k < w; k++) triplets.Add((i, col + k, Math.Round(2 * rng.NextDouble() - 1, 3)));
                // Second-order cone over (t, u): rows -I.
                for (int k = 0; k < w; k++) triplets.Add((row + k, col + k, -1.0));
                cones.Add(new SecondOrderConeSpec(w));
                row += w;
                // Sign rows -a'u >= 0 (b = 0: u = 0 stays feasible).
                for (int r = 0; r < SignRows; r++)
                {
                    for (int k = 1; k < w; k++) triplets.Add((row + r, col + k, Math.Round(2 * rng.NextDouble() - 1, 3)));
                }
                if (SignRows > 0) cones.Add(new NonnegativeConeSpec(SignRows));
                row += SignRows;
                q.Add(0.05 + rng.NextDouble());            // beta on t
                for (int k = 1; k < w; k++) q.Add(0);
                col += w;
            }
            cols[Blocks] = col; rows[Blocks] = row;
            var a = CscMatrix.FromTriplets(row, col, triplets);
            var p = CscMatrix.FromTriplets(col, col, Enumerable.Range(0, nc).Select(i => (i, i, 1.0)));
            var bvec = new double[row];
            for (int i = 0; i < nc; i++) bvec[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
            return (ConicProblem.Create(p, [.. q], a, bvec, cones), new BlockAngularLayout(nc, nc, cols, rows));
        }
    }

    /// <summary>The replayed seed: the properties run the same cases in every run (CI stays deterministic).</summary>
    private const string ReplaySeed = "20261202,41";

    /// <summary>The generator of <see cref="Case"/> for the properties.</summary>
    public static class CaseArbitrary
    {
        /// <summary>Random block-angular programs.</summary>
        public static Arbitrary<Case> Cases() => BlockAngularPropertyTests.Cases();
    }

    private static Arbitrary<Case> Cases() => Arb.From(
        from nc in Gen.Choose(1, 12)
        from blocks in Gen.Choose(1, 60)
        from w in Gen.Choose(2, 5)
        from sign in Gen.Choose(0, 4)
        from seed in Gen.Choose(0, 100_000)
        select new Case(nc, blocks, w, sign, seed));

    [Property(Arbitrary = new[] { typeof(CaseArbitrary) }, MaxTest = 40, Replay = ReplaySeed)]
    public void StructuredPathAgreesWithTheGenericSparsePath(Case c)
    {
        var (problem, layout) = c.Build();
        // Small chunks so that several chunks (and both workers) take part in the Schur complement.
        var settings = new SolverSettings { BlockAngularChunkColumns = 8 };
        var generic = ConicSolver.Solve(problem, settings);
        var structured = ConicSolver.Solve(problem, settings, BlockAngularKktSolver.Factory(layout));
        // The generic path occasionally stops AlmostSolved on the thinnest cones (width 2 with a sign row); the agreement
        // is then checked to its reduced tolerance.
        Assert.True(generic.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{c}: generic {generic.Status}");
        Assert.True(structured.Status == SolverStatus.Solved, $"{c}: structured {structured.Status}");
        Assert.Equal("block_angular", structured.KktSolver);
        double scale = Math.Max(1, Math.Abs(generic.PrimalObjective));
        double tolerance = generic.Status == SolverStatus.Solved ? 1e-7 : 1e-5;
        Assert.True(Math.Abs(generic.PrimalObjective - structured.PrimalObjective) <= tolerance * scale,
            $"{c}: generic {generic.PrimalObjective:R} structured {structured.PrimalObjective:R}");
        // The structured solution meets the KKT conditions by itself: residuals recomputed on the original data.
        Assert.True(structured.PrimalResidual < 1e-8 && structured.DualResidual < 1e-8, $"{c}: residuals {structured.PrimalResidual} {structured.DualResidual}");
    }

    [Property(Arbitrary = new[] { typeof(CaseArbitrary) }, MaxTest = 20, Replay = ReplaySeed)]
    public void RefinementOnEverySolveGivesTheSameOptimum(Case c)
    {
        // Skipping the residual after an accurate solve (the default) must not move the optimum.
        var (problem, layout) = c.Build();
        var trusting = ConicSolver.Solve(problem, new SolverSettings(), BlockAngularKktSolver.Factory(layout));
        var checking = ConicSolver.Solve(problem, new SolverSettings { RefinementTrustAccurateFactorization = false }, BlockAngularKktSolver.Factory(layout));
        Assert.Equal(SolverStatus.Solved, trusting.Status);
        Assert.Equal(SolverStatus.Solved, checking.Status);
        Assert.True(Math.Abs(trusting.PrimalObjective - checking.PrimalObjective) <= 1e-7 * Math.Max(1, Math.Abs(checking.PrimalObjective)), c.ToString());
    }
}
