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

    /// <summary>
    /// A program whose coupling columns are scaled copies of a basis B (n_c x (w-1)): column k of block b has the entries
    /// ρ_i B[i, k] σ_b over the block's rows (ρ: row scales like a loss's label coefficients, σ_b = ±1 like u and v), and a
    /// layout that says so. With <paramref name="spoil"/> one entry of the first block is moved off the basis form.
    /// </summary>
    private static (ConicProblem Problem, BlockAngularLayout Layout) BasisProgram(Case c, bool spoil)
    {
        var rng = new Random(c.Seed);
        int nc = c.Coupling, w = c.Width, dc = w - 1;
        var basis = Enumerable.Range(0, nc * dc).Select(_ => Math.Round(2 * rng.NextDouble() - 1, 3)).ToArray();
        var rho = Enumerable.Range(0, nc).Select(_ => rng.Next(2) == 0 ? -1.0 : 0.5 + rng.NextDouble()).ToArray();
        var triplets = new List<(int, int, double)>();
        var cones = new List<ConeSpec> { new ZeroConeSpec(nc) };
        for (int i = 0; i < nc; i++) triplets.Add((i, i, 1.0));
        var cols = new int[c.Blocks + 1]; var rows = new int[c.Blocks + 1];
        var feature = new List<int>(Enumerable.Repeat(-1, nc));
        int col = nc, row = nc;
        var q = new List<double>(new double[nc]);
        for (int b = 0; b < c.Blocks; b++)
        {
            cols[b] = col; rows[b] = row;
            double sigma = b % 2 == 0 ? 1 : -1;
            bool first = true;
            for (int i = 0; i < nc; i++)
                if (rng.Next(2) == 0)
                    for (int k = 1; k < w; k++)
                    {
                        double v = rho[i] * basis[i * dc + k - 1] * sigma;
                        if (v == 0) continue;
                        if (spoil && b == 0 && first) { v *= 1.5; first = false; }
                        triplets.Add((i, col + k, v));
                    }
            feature.Add(-1);
            for (int k = 1; k < w; k++) feature.Add(k - 1);
            for (int k = 0; k < w; k++) triplets.Add((row + k, col + k, -1.0));
            cones.Add(new SecondOrderConeSpec(w));
            row += w;
            q.Add(0.05 + rng.NextDouble());
            for (int k = 1; k < w; k++) q.Add(0);
            col += w;
        }
        cols[c.Blocks] = col; rows[c.Blocks] = row;
        var a = CscMatrix.FromTriplets(row, col, triplets);
        var p = CscMatrix.FromTriplets(col, col, Enumerable.Range(0, nc).Select(i => (i, i, 1.0)));
        var bvec = new double[row];
        for (int i = 0; i < nc; i++) bvec[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
        var layout = new BlockAngularLayout(nc, nc, cols, rows) { CouplingBasis = basis, CouplingBasisColumns = dc, CouplingFeature = [.. feature] };
        return (ConicProblem.Create(p, [.. q], a, bvec, cones), layout);
    }

    [Property(Arbitrary = new[] { typeof(CaseArbitrary) }, MaxTest = 30, Replay = ReplaySeed)]
    public void ABasisForTheCouplingColumnsGivesTheSameOptimumAsTheirCopies(Case c)
    {
        foreach (bool spoil in new[] { false, true })
        {
            var (problem, layout) = BasisProgram(c, spoil);
            BlockAngularKktSolver? built = null;
            var viaBasis = ConicSolver.Solve(problem, new SolverSettings(), (p, a, cones, s) => built = BlockAngularKktSolver.Create(layout, p, a, cones, s));
            var copies = ConicSolver.Solve(problem, new SolverSettings(), BlockAngularKktSolver.Factory(layout with { CouplingBasis = null }));
            Assert.Equal(SolverStatus.Solved, copies.Status);
            Assert.True(viaBasis.Status == SolverStatus.Solved, $"{c} spoil={spoil}: {viaBasis.Status}");
            Assert.True(Math.Abs(viaBasis.PrimalObjective - copies.PrimalObjective) <= 1e-8 * Math.Max(1, Math.Abs(copies.PrimalObjective)),
                $"{c} spoil={spoil}: basis {viaBasis.PrimalObjective:R} copies {copies.PrimalObjective:R}");
            // Every block with coupling entries uses the basis after equilibration rescaled rows and columns (a spoiled
            // entry may or may not be told apart from a different row scale: only the optimum is asserted then).
            var coupled = Enumerable.Range(0, c.Blocks).Count(b => Enumerable.Range(layout.BlockColumns[b], c.Width)
                .Any(j => problem.A.ColumnPointers[j + 1] > problem.A.ColumnPointers[j] && problem.A.RowIndices[problem.A.ColumnPointers[j]] < c.Coupling));
            if (!spoil) Assert.Equal(coupled, built!.BasisBlocks);
        }
    }

    [Property(Arbitrary = new[] { typeof(CaseArbitrary) }, MaxTest = 20, Replay = ReplaySeed)]
    public void AWrongBasisClaimIsCaughtAndTheOptimumStaysTheSame(Case c)
    {
        // Random coupling entries with a random basis claimed for them: the blocks that do not fit keep their copies, and
        // the optimum is the same.
        var (problem, layout) = c.Build();
        var rng = new Random(c.Seed + 1);
        int dc = c.Width - 1;
        var feature = new int[problem.Variables];
        Array.Fill(feature, -1);
        for (int b = 0; b < c.Blocks; b++) for (int k = 1; k < c.Width; k++) feature[layout.BlockColumns[b] + k] = k - 1;
        var claimed = layout with
        {
            CouplingBasis = Enumerable.Range(0, c.Coupling * dc).Select(_ => 2 * rng.NextDouble() - 1).ToArray(),
            CouplingBasisColumns = dc, CouplingFeature = feature,
        };
        var viaClaim = ConicSolver.Solve(problem, new SolverSettings(), BlockAngularKktSolver.Factory(claimed));
        var copies = ConicSolver.Solve(problem, new SolverSettings(), BlockAngularKktSolver.Factory(layout));
        Assert.Equal(copies.Status, viaClaim.Status);
        Assert.True(Math.Abs(viaClaim.PrimalObjective - copies.PrimalObjective) <= 1e-8 * Math.Max(1, Math.Abs(copies.PrimalObjective)),
            $"{c}: claimed {viaClaim.PrimalObjective:R} copies {copies.PrimalObjective:R}");
    }

    [Fact]
    public void ABlockOfRankTwoIsNotTakenForScaledCopiesOfIdenticalBasisRows()
    {
        // Rows of B alike ([1, 1] twice): basis-shaped entries ρ_i β_t would form a rank-one 2 x 2 block, and [[1, 2], [3, 4]]
        // has rank two, whatever the scales. Program: e (2 coupling variables, P = I), one block [t, u1, u2] in a second-order
        // cone, e - G u = b in the zero cone.
        var triplets = new List<(int, int, double)> { (0, 0, 1), (1, 1, 1), (0, 3, 1), (1, 3, 3), (0, 4, 2), (1, 4, 4), (2, 2, -1), (3, 3, -1), (4, 4, -1) };
        var a = CscMatrix.FromTriplets(5, 5, triplets);
        var p = CscMatrix.FromTriplets(5, 5, [(0, 0, 1.0), (1, 1, 1.0)]);
        var problem = ConicProblem.Create(p, [0, 0, 0.3, 0, 0], a, [1, -2, 0, 0, 0], [new ZeroConeSpec(2), new SecondOrderConeSpec(3)]);
        var layout = new BlockAngularLayout(2, 2, [2, 5], [2, 5]) { CouplingBasis = [1, 1, 1, 1], CouplingBasisColumns = 2, CouplingFeature = [-1, -1, -1, 0, 1] };
        BlockAngularKktSolver? built = null;
        var viaClaim = ConicSolver.Solve(problem, new SolverSettings(), (pu, am, cones, st) => built = BlockAngularKktSolver.Create(layout, pu, am, cones, st));
        var generic = ConicSolver.Solve(problem);
        Assert.Equal(0, built!.BasisBlocks);
        Assert.Equal(SolverStatus.Solved, viaClaim.Status);
        Assert.Equal(generic.PrimalObjective, viaClaim.PrimalObjective, 1e-8);
    }

    [Property(Arbitrary = new[] { typeof(CaseArbitrary) }, MaxTest = 30, Replay = ReplaySeed)]
    public void TheStructuredProductsEqualTheMatrixProducts(Case c)
    {
        // A x and A' z from the solver's blocks (copies of the coupling columns, or the scaled basis) equal the CSC products.
        foreach (var (problem, layout) in new[] { c.Build(), BasisProgram(c, spoil: false) })
        {
            var solver = BlockAngularKktSolver.Create(layout, problem.P, problem.A, ExactConvexNN.Solver.Cones.CompositeCone.Create(problem.Cones));
            var rng = new Random(c.Seed);
            var x = Enumerable.Range(0, problem.Variables).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var z = Enumerable.Range(0, problem.Constraints).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var ax = new double[problem.Constraints]; var expectedAx = new double[problem.Constraints];
            var atz = new double[problem.Variables]; var expectedAtz = new double[problem.Variables];
            solver.Multiply(x, ax); problem.A.Multiply(x, expectedAx);
            solver.MultiplyTransposed(z, atz); problem.A.MultiplyTransposed(z, expectedAtz);
            double scale = 1 + problem.A.Values.Select(Math.Abs).DefaultIfEmpty(0).Max() * Math.Max(problem.Variables, problem.Constraints);
            for (int i = 0; i < ax.Length; i++) Assert.True(Math.Abs(ax[i] - expectedAx[i]) <= 1e-12 * scale, $"{c}: (Ax)_{i} {ax[i]:R} vs {expectedAx[i]:R}");
            for (int j = 0; j < atz.Length; j++) Assert.True(Math.Abs(atz[j] - expectedAtz[j]) <= 1e-12 * scale, $"{c}: (A'z)_{j} {atz[j]:R} vs {expectedAtz[j]:R}");
        }
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
