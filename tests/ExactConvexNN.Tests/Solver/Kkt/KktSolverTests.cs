using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Kkt;

/// <summary>
/// The KKT solver must solve [[P, A'], [A, -W'W]] [x; z] = r for the cones' current scaling. The check assembles
/// the matrix densely from P, A and W applied twice (not from the packed block or the sparse expansion of the
/// larger second-order cone) and measures the residual.
/// </summary>
public abstract class KktSolverTests
{
    /// <summary>The solver under test for P, A and the cones (second-order cones above dimension 4 may be expanded).</summary>
    protected abstract IKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones);


    [Property(Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void SolutionHasSmallResidualAgainstTheUnregularizedSystem(Seed seed)
    {
        var rng = new Random(seed);
        int n = 2 + rng.Next(6);
        var specs = new List<ConeSpec> { new ZeroConeSpec(rng.Next(2)), new NonnegativeConeSpec(1 + rng.Next(4)), new SecondOrderConeSpec(1 + rng.Next(4)), new SecondOrderConeSpec(5 + rng.Next(4)) };
        int m = specs.Sum(c => c.Dimension);
        // A with a nonzero in every row and P positive definite: K is nonsingular (at most one equality row).
        var a = RandomProblems.SparseMatrix(rng, m, n, 0.6, nonzeroRows: true);
        var pUpper = RandomProblems.PsdUpper(rng, n, 0.5, shift: 0.1);
        var cones = CompositeCone.Create(specs);
        var s = new double[m]; var z = new double[m];
        RandomProblems.InteriorPair(rng, specs, s, z);
        Assert.True(cones.UpdateScaling(s, z, new double[m]));

        var kkt = Create(pUpper, a, cones);
        Assert.True(kkt.Update(cones));
        var rx = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var rz = Enumerable.Range(0, m).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var x = new double[n]; var zz = new double[m];
        Assert.True(kkt.Solve(rx, rz, x, zz));

        // Residual of P x + A'z = rx and A x - W'W z = rz, with W'W z = W'(W z).
        var r1 = new double[n]; pUpper.MultiplySymmetricUpper(x, r1); a.MultiplyTransposed(zz, r1, 1.0, 1.0);
        var r2 = new double[m]; a.Multiply(x, r2);
        var wz = new double[m]; var wwz = new double[m];
        cones.MultiplyW(zz, wz); cones.MultiplyWTranspose(wz, wwz);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(r1[i] - rx[i]) < 1e-8, $"row {i}: {r1[i]} vs {rx[i]}");
        for (int i = 0; i < m; i++)
        {
            // Equality rows (zero cone) have W'W = 0, so the row reads (A x)_i = rz_i.
            Assert.True(Math.Abs(r2[i] - wwz[i] - rz[i]) < 1e-8, $"row {n + i}: {r2[i] - wwz[i]} vs {rz[i]}");
        }
    }

    [Fact]
    public void RejectsConesThatDoNotMatchTheRowsOfA()
    {
        var cones = CompositeCone.Create(new ConeSpec[] { new NonnegativeConeSpec(3) });
        Assert.Throws<ArgumentException>(() => Create(CscMatrix.Zeros(2, 2), CscMatrix.Zeros(2, 2), cones));
    }
}

// Cones above dimension 4 use the sparse expansion in the quasi-definite solvers, the others dense blocks.
public sealed class DenseKktSolverTests : KktSolverTests
{
    protected override IKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones) =>
        QuasiDefiniteKktSolver.Create(pUpper, a, cones, new SolverSettings(), DenseLdl.Create, denseSocMaxDimension: 4);
}

public sealed class SparseKktSolverTests : KktSolverTests
{
    protected override IKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones) =>
        QuasiDefiniteKktSolver.Create(pUpper, a, cones, new SolverSettings(), p => SparseLdl.Create(p), denseSocMaxDimension: 4);
}

public sealed class SchurComplementKktSolverTests : KktSolverTests
{
    protected override IKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones) =>
        SchurComplementKktSolver.Create(pUpper, a, cones, new SolverSettings());
}

/// <summary>The Schur-complement solver with its sparse storage forced on (the problems here are small enough for dense).</summary>
public sealed class SparseSchurComplementKktSolverTests : KktSolverTests
{
    protected override IKktSolver Create(CscMatrix pUpper, CscMatrix a, CompositeCone cones) =>
        SchurComplementKktSolver.Create(pUpper, a, cones, new SolverSettings(), forceSparse: true);
}
