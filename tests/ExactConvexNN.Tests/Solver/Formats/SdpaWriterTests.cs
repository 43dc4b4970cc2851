using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Solver.Formats;

public class SdpaWriterTests
{
    /// <summary>
    /// A random strictly feasible and dual strictly feasible problem (so its optimum is attained with zero gap): 0-3 equality
    /// rows, each with a variable of its own that may also appear in the cone rows and in the equality row before it; nonnegative, semidefinite and
    /// second-order cones; a diagonal P on a random subset of the variables (private ones included); b = A x0 + s0 and
    /// q = -A'z0 - P w with s0, z0 in the interiors.
    /// </summary>
    private static ConicProblem RandomProblem(int seed)
    {
        var rng = new Random(seed);
        double G() => rng.NextDouble() * 2 - 1;
        int shared = rng.Next(1, 6), equalities = rng.Next(0, 4), n = shared + equalities;
        var cones = new List<ConeSpec> { new ZeroConeSpec(equalities) };
        for (int k = rng.Next(1, 4); k > 0; k--)
            cones.Add(rng.Next(3) switch { 0 => new NonnegativeConeSpec(rng.Next(1, 4)), 1 => new PsdConeSpec(rng.Next(1, 4)), _ => new SecondOrderConeSpec(rng.Next(2, 5)) });
        int m = cones.Sum(c => c.Dimension);
        var a = new List<(int, int, double)>();
        for (int r = 0; r < equalities; r++)
        {
            a.Add((r, shared + r, 0.5 + rng.NextDouble()));
            // Chains: row r's own variable may also be in row r - 1 (as Z4 = tr(Z1) is in every residual row of the
            // polynomial programs), so row r - 1 must be eliminated first.
            if (r > 0 && rng.Next(2) == 0) a.Add((r - 1, shared + r, G()));
            for (int j = 0; j < shared; j++) if (rng.Next(2) == 0) a.Add((r, j, G()));
        }
        for (int r = equalities; r < m; r++)
            for (int j = 0; j < n; j++) if (rng.Next(3) > 0) a.Add((r, j, G()));
        var am = CscMatrix.FromTriplets(m, n, a);
        // Interior points of K (s0) and K* = K (z0, free on the equality rows).
        var s0 = new double[m]; var z0 = new double[m];
        int o = 0;
        foreach (var cone in cones)
        {
            for (int i = 0; i < cone.Dimension; i++) z0[o + i] = cone is ZeroConeSpec ? G() : 0;
            if (cone is not ZeroConeSpec)
            {
                var cc = CompositeCone.Create([cone]);
                cc.AddScaledUnit(s0.AsSpan(o, cone.Dimension), 1 + rng.NextDouble());
                cc.AddScaledUnit(z0.AsSpan(o, cone.Dimension), 1 + rng.NextDouble());
                for (int i = 0; i < cone.Dimension; i++) { s0[o + i] += 0.2 * G(); z0[o + i] += 0.2 * G(); }
            }
            o += cone.Dimension;
        }
        var x0 = Enumerable.Range(0, n).Select(_ => G()).ToArray();
        var w = Enumerable.Range(0, n).Select(_ => G()).ToArray();
        var pd = Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0 ? 0.0 : 0.5 + rng.NextDouble()).ToArray();
        var b = new double[m]; am.Multiply(x0, b);
        for (int i = 0; i < m; i++) b[i] += s0[i];
        var q = new double[n]; am.MultiplyTransposed(z0, q);
        for (int j = 0; j < n; j++) q[j] = -q[j] - pd[j] * w[j];
        var p = CscMatrix.FromTriplets(n, n, Enumerable.Range(0, n).Where(j => pd[j] != 0).Select(j => (j, j, pd[j])));
        return ConicProblem.Create(p, q, am, b, cones, G());
    }

    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 40)]
    public void TheSdpaFormHasTheSameOptimumOnceItsConstantIsAdded(Seed seed)
    {
        var problem = RandomProblem(seed);
        var direct = ConicSolver.Solve(problem);
        var (text, form) = SdpaWriter.ToText(problem, $"seed {seed.Value}");
        var file = SdpaReader.Read(new StringReader(text), "written");
        var viaSdpa = ConicSolver.Solve(file.Problem);
        Assert.Equal(SolverStatus.Solved, direct.Status);
        Assert.Equal(SolverStatus.Solved, viaSdpa.Status);
        double written = viaSdpa.PrimalObjective + form.Constant;
        Assert.True(Math.Abs(written - direct.PrimalObjective) <= 1e-6 * (1 + Math.Abs(direct.PrimalObjective)),
            $"direct optimum {direct.PrimalObjective:R}, SDPA optimum {viaSdpa.PrimalObjective:R} + constant {form.Constant:R} = {written:R}");
        // One SDPA variable per variable not eliminated (one per equality row is), plus t with a quadratic term.
        bool quadratic = problem.P.NonZeros > 0;
        int equalities = problem.Cones.OfType<ZeroConeSpec>().Sum(c => c.Dimension);
        Assert.Equal(problem.Variables - equalities + (quadratic ? 1 : 0), file.Problem.Variables);
        Assert.Equal(file.Problem.Variables, form.Kept.Length);
    }

    [Fact]
    public void ANonDiagonalQuadraticAnExponentialConeAndEntangledEqualitiesAreRefusedWithTheReason()
    {
        var one = CscMatrix.FromTriplets(1, 2, [(0, 0, 1.0), (0, 1, 1.0)]);
        var offDiagonal = ConicProblem.Create(CscMatrix.FromTriplets(2, 2, [(0, 0, 1.0), (0, 1, 0.5), (1, 1, 1.0)]), [1.0, 1.0], one, [1.0], [new NonnegativeConeSpec(1)]);
        Assert.Contains("diagonal", Assert.Throws<InputException>(() => SdpaWriter.ToText(offDiagonal)).Message);

        var exp = ConicProblem.Create(null, [1.0], CscMatrix.FromTriplets(3, 1, [(0, 0, -1.0)]), [0.0, 1.0, 1.0], [new ExponentialConeSpec()]);
        Assert.Contains("exponential", Assert.Throws<InputException>(() => SdpaWriter.ToText(exp)).Message);

        // x1 + x2 = 1 and x1 - x2 = 0: every variable is in both equality rows.
        var entangled = ConicProblem.Create(null, [1.0, 1.0], CscMatrix.FromTriplets(3, 2, [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, -1.0), (2, 0, -1.0)]),
            [1.0, 0.0, 0.0], [new ZeroConeSpec(2), new NonnegativeConeSpec(1)]);
        Assert.Contains("equality row 1 ", Assert.Throws<InputException>(() => SdpaWriter.ToText(entangled)).Message);
    }
}
