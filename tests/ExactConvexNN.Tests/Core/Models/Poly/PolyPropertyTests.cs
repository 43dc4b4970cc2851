using ExactConvexNN.Models;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using FsCheck;
using FsCheck.Fluent;
using static ExactConvexNN.Tests.Core.Arrangements.ArrangementTestData;

namespace ExactConvexNN.Tests.Core.Models.Poly;

/// <summary>
/// The SDP of the polynomial network on random small problems (n &lt;= 12, d &lt;= 3, integer or Gaussian data, with or
/// without a bias, random coefficients including a = 0 and a &lt; 0): the recovered network attains the optimum, and no
/// random network with unit-norm first-layer weights does better.
/// </summary>
public class PolyPropertyTests
{
    public sealed record Case(int N, int D, bool Bias, bool Integer, double Beta, double A, double B, double C, int Seed)
    {
        public Dataset Data
        {
            get
            {
                var x = Integer ? SmallIntegers(N, D, 2, Seed) : Gaussian(N, D, Seed);
                var rng = new Random(Seed + 1);
                var y = Enumerable.Range(0, N).Select(_ => Integer ? rng.Next(-3, 4) : 4 * rng.NextDouble() - 2).ToArray();
                return Dataset.Create(x, y);
            }
        }
        public PolynomialActivation Activation => new(A, B, C);
        public override string ToString() => $"n={N} d={D} bias={Bias} integer={Integer} beta={Beta} sigma=({A},{B},{C}) seed={Seed}";
    }

    /// <summary>The generator of <see cref="Case"/>.</summary>
    public static class Cases
    {
        public static Arbitrary<Case> All() => Arb.From(
            from n in Gen.Choose(1, 12)
            from d in Gen.Choose(1, 3)
            from bias in Gen.Elements(false, true)
            from integer in Gen.Elements(true, false)
            from beta in Gen.Elements(0.01, 0.1, 0.5, 2.0)
            from a in Gen.Elements(0.09, 1.0, 0.0, -0.5)
            from b in Gen.Elements(0.5, 0.0, -1.0)
            from c in Gen.Elements(0.47, 0.0, 1.0)
            from seed in Gen.Choose(0, 1_000_000)
            select new Case(n, d, bias, integer, beta, a, b, c, seed));
    }

    private static double Scale(double v) => Math.Max(1, Math.Abs(v));

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 40)]
    public void RecoveredNetworkAttainsTheOptimumAndNoRandomNetworkBeatsIt(Case c)
    {
        var data = c.Data;
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = c.Beta, Bias = c.Bias, Poly = c.Activation });
        Assert.True(r.Status is SolverStatus.Solved or SolverStatus.AlmostSolved, $"{c}: status {r.Status}");
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Scale(r.Primal), $"{c}: recovered {r.RecoveredObjective} vs SDP {r.Primal}");
        Assert.True(r.Dual <= r.RecoveredObjective + 1e-6 * Scale(r.Primal), $"{c}: dual {r.Dual} above the recovered objective {r.RecoveredObjective}");
        Assert.True(r.Network.MaxNormDeviation() < 1e-8, $"{c}: norm deviation {r.Network.MaxNormDeviation()}");
        var arch = r.Program.Architecture;
        var y = ClassTargets.Column(data.Y!);
        var rng = new Random(c.Seed + 7);
        for (int t = 0; t < 20; t++)
        {
            var neurons = Enumerable.Range(0, 1 + t % 4).Select(_ => new PolyNeuron(PolyTestData.Unit(rng, arch.PatchLength), [2 * rng.NextDouble() - 1])).ToList();
            double f = PolyNetwork.Create(arch, c.Activation, neurons).Objective(data.X, y, c.Beta);
            Assert.True(f >= r.Primal - 1e-6 * Scale(r.Primal), $"{c}: a random network reached {f} < SDP optimum {r.Primal}");
        }
    }
}
