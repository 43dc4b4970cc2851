using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// The conformance suite's exponential-cone programs, each with a closed-form optimum (or an independent Newton reference) met
/// to 1e-8, and exponential-cone programs without a solution classified by a valid certificate. Rows (x, y, z) of an
/// <see cref="ExponentialConeSpec"/> block mean y exp(x/y) &lt;= z.
/// </summary>
public abstract partial class SolverConformance
{
    /// <summary>
    /// Tolerances a decade below the 1e-8 the exponential-cone objectives are checked to. The minimizers are checked to 1e-4 only:
    /// near a smooth minimum an objective error ε allows a minimizer error of order √ε.
    /// </summary>
    private static readonly SolverSettings Tight = new() { FeasibilityTolerance = 1e-9, GapAbsoluteTolerance = 1e-9, GapRelativeTolerance = 1e-9 };

    /// <summary>Builds A from triplets (row, column, value).</summary>
    private static CscMatrix Sparse(int rows, int columns, List<(int, int, double)> triplets) => CscMatrix.FromTriplets(rows, columns, triplets);

    [Theory]
    [InlineData(new[] { 0.0, 0.0, 0.0, 0.0 })]
    [InlineData(new[] { 1.0, -2.0, 0.5 })]
    [InlineData(new[] { 3.0, 3.0, -1.0, 0.0, 2.5, -4.0 })]
    public void EntropyMaximizationWithALinearRewardIsTheLogPartitionFunction(double[] c)
    {
        // max Σ -p_i log p_i + c'p s.t. Σ p = 1 is attained at the softmax p_i = e^(c_i) / Σ e^(c_j), with value log Σ e^(c_j)
        // (the Gibbs variational principle). Variables (p, t); t_i <= -p_i log p_i is (t_i, p_i, 1) in K_exp; minimize -Σ t - c'p.
        int k = c.Length, n = 2 * k;
        var a = new List<(int, int, double)>();
        var b = new double[1 + 3 * k];
        for (int i = 0; i < k; i++) a.Add((0, i, 1.0));
        b[0] = 1;
        var cones = new List<ConeSpec> { new ZeroConeSpec(1) };
        for (int i = 0; i < k; i++)
        {
            int r = 1 + 3 * i;
            a.Add((r, k + i, -1.0)); a.Add((r + 1, i, -1.0)); b[r + 2] = 1;
            cones.Add(new ExponentialConeSpec());
        }
        var q = c.Select(v => -v).Concat(Enumerable.Repeat(-1.0, k)).ToArray();
        var p = ConicProblem.Create(null, q, Sparse(b.Length, n, a), b, cones);
        var r2 = Solve(p, Tight);
        double logPartition = Math.Log(c.Sum(Math.Exp));
        AssertOptimal(p, r2, -logPartition, 1e-8);
        for (int i = 0; i < k; i++) Assert.Equal(Math.Exp(c[i] - logPartition), r2.X[i], 1e-4);
    }

    [Theory]
    [InlineData(1.0, 4.0)]
    [InlineData(0.25, 9.0)]
    [InlineData(3.0, 3.0)]
    public void LogSumExpOfTwoOpposedExponentialsHasItsClosedFormMinimum(double alpha, double beta)
    {
        // min_x log(α e^x + β e^-x): the derivative vanishes at e^(2x) = β/α, x* = ½ log(β/α), value log(2 √(αβ)).
        // Epigraph: t >= log Σ e^(a_i x + b_i) iff Σ u_i <= 1 with (a_i x + b_i - t, 1, u_i) in K_exp. Variables (x, t, u1, u2).
        var a = new List<(int, int, double)>();
        var b = new double[1 + 6];
        // Row 0: u1 + u2 <= 1 (nonnegative: 1 - u1 - u2 >= 0).
        a.Add((0, 2, 1.0)); a.Add((0, 3, 1.0)); b[0] = 1;
        double[] slope = [1, -1], offset = [Math.Log(alpha), Math.Log(beta)];
        for (int i = 0; i < 2; i++)
        {
            int r = 1 + 3 * i;
            // s = (slope x + offset - t, 1, u_i) = b - A (x, t, u).
            a.Add((r, 0, -slope[i])); a.Add((r, 1, 1.0)); b[r] = offset[i];
            b[r + 1] = 1;
            a.Add((r + 2, 2 + i, -1.0));
        }
        var p = ConicProblem.Create(null, [0, 1, 0, 0], Sparse(7, 4, a), b,
            [new NonnegativeConeSpec(1), new ExponentialConeSpec(), new ExponentialConeSpec()]);
        var r2 = Solve(p, Tight);
        AssertOptimal(p, r2, Math.Log(2 * Math.Sqrt(alpha * beta)), 1e-8);
        Assert.Equal(0.5 * Math.Log(beta / alpha), r2.X[0], 1e-4);
    }

    [Fact]
    public void LogSumExpOfThreeBalancedTermsIsLogThree()
    {
        // min_x log(e^(x1) + e^(x2) + e^(-x1-x2)): by the AM-GM inequality the sum is at least 3 (the product of the terms is 1),
        // with equality at x = 0; value log 3. Variables (x1, x2, t, u1, u2, u3).
        double[,] slopes = { { 1, 0 }, { 0, 1 }, { -1, -1 } };
        var a = new List<(int, int, double)>();
        var b = new double[1 + 9];
        for (int i = 0; i < 3; i++) a.Add((0, 3 + i, 1.0));
        b[0] = 1;
        for (int i = 0; i < 3; i++)
        {
            int r = 1 + 3 * i;
            a.Add((r, 0, -slopes[i, 0])); a.Add((r, 1, -slopes[i, 1])); a.Add((r, 2, 1.0));
            b[r + 1] = 1;
            a.Add((r + 2, 3 + i, -1.0));
        }
        var p = ConicProblem.Create(null, [0, 0, 1, 0, 0, 0], Sparse(10, 6, a), b,
            [new NonnegativeConeSpec(1), new ExponentialConeSpec(), new ExponentialConeSpec(), new ExponentialConeSpec()]);
        var r2 = Solve(p, Tight);
        AssertOptimal(p, r2, Math.Log(3), 1e-8);
        Assert.Equal(0, r2.X[0], 1e-4); Assert.Equal(0, r2.X[1], 1e-4);
    }

    [Theory]
    [InlineData(24.0)]
    [InlineData(6.0)]
    [InlineData(150.0)]
    public void GeometricProgramLargestBoxOfGivenSurfaceIsTheCube(double area)
    {
        // max xyz s.t. 2(xy + xz + yz) <= A: the cube x = y = z = √(A/6). In log variables u = log(x, y, z) the GP is
        // min -(u1 + u2 + u3) s.t. Σ_(i<j) (2/A) e^(u_i + u_j) <= 1, with optimum -3/2 log(A/6).
        // Variables (u1, u2, u3, v12, v13, v23); (u_i + u_j + log(2/A), 1, v_ij) in K_exp and Σ v <= 1.
        (int, int)[] pairs = [(0, 1), (0, 2), (1, 2)];
        var a = new List<(int, int, double)>();
        var b = new double[1 + 9];
        for (int k = 0; k < 3; k++) a.Add((0, 3 + k, 1.0));
        b[0] = 1;
        for (int k = 0; k < 3; k++)
        {
            int r = 1 + 3 * k;
            a.Add((r, pairs[k].Item1, -1.0)); a.Add((r, pairs[k].Item2, -1.0)); b[r] = Math.Log(2 / area);
            b[r + 1] = 1;
            a.Add((r + 2, 3 + k, -1.0));
        }
        var p = ConicProblem.Create(null, [-1, -1, -1, 0, 0, 0], Sparse(10, 6, a), b,
            [new NonnegativeConeSpec(1), new ExponentialConeSpec(), new ExponentialConeSpec(), new ExponentialConeSpec()]);
        var r2 = Solve(p, Tight);
        AssertOptimal(p, r2, -1.5 * Math.Log(area / 6), 1e-8);
        for (int i = 0; i < 3; i++) Assert.Equal(0.5 * Math.Log(area / 6), r2.X[i], 1e-4);
    }

    [Theory]
    [InlineData(1, 20, 3, 0.1)]
    [InlineData(2, 40, 4, 1.0)]
    [InlineData(3, 15, 2, 0.01)]
    public void LogisticRegressionMatchesNewtonsMethod(int seed, int samples, int features, double lambda)
    {
        // min 1/n Σ_i log(1 + exp(-y_i a_i'w)) + λ/2 ||w||² on random data, against Newton's method on the smooth objective.
        // Default tolerances (gap 1e-8): with the tighter ones the primal-dual scaling loses accuracy near μ = 1e-9 on some of
        // these data and the run can end AlmostSolved at a gap of 5e-9; the objective is still checked to 1e-8.
        var (features2, labels) = LogisticData(seed, samples, features);
        var p = LogisticProgram(features2, labels, lambda);
        var r = Solve(p);
        var (wRef, fRef) = LogisticNewton(features2, labels, lambda);
        // Feasibility and complementarity (s'z sums 7n products) to 5e-8, the objective to 1e-8.
        AssertOptimal(p, r, fRef, 5e-8);
        Assert.True(Math.Abs(r.PrimalObjective - fRef) <= 1e-8 * (1 + Math.Abs(fRef)), $"objective {r.PrimalObjective:R}, Newton {fRef:R}");
        // The weights to 1e-3: with λ = 0.01 the objective is flat (an objective error ε moves w by about √(ε/λ)).
        for (int j = 0; j < features; j++) Assert.Equal(wRef[j], r.X[j], 1e-3);
    }

    [Fact]
    public void ExponentialBelowOneAndArgumentAboveOneIsPrimalInfeasible()
    {
        // exp(x) <= 1 forces x <= 0, contradicting x >= 1. Rows: (x, 1, 1) in K_exp, x - 1 >= 0.
        var A = Dense(new double[,] { { -1 }, { 0 }, { 0 }, { -1 } });
        var p = ConicProblem.Create(null, [0], A, [0, 1, 1, -1], [new ExponentialConeSpec(), new NonnegativeConeSpec(1)]);
        var r = Solve(p);
        AssertPrimalInfeasible(p, r);
    }

    [Fact]
    public void LogarithmOfAtMostOneReachingOneIsPrimalInfeasible()
    {
        // t <= log s with s <= 1 and t >= 1: log s <= 0 < 1. Variables (t, s); rows (t, 1, s) in K_exp, 1 - s >= 0, t - 1 >= 0.
        // A certificate strictly inside the dual cones exists (z_exp = (-1, -1, 1 + ε), z_lin = (1 + ε, 1)).
        var A = Dense(new double[,] { { -1, 0 }, { 0, 0 }, { 0, -1 }, { 0, 1 }, { -1, 0 } });
        var p = ConicProblem.Create(null, [0, 0], A, [0, 1, 0, 1, -1], [new ExponentialConeSpec(), new NonnegativeConeSpec(2)]);
        var r = Solve(p);
        AssertPrimalInfeasible(p, r);
    }

    [Fact]
    public void MinimizingTheArgumentOfABoundedExponentialIsUnbounded()
    {
        // min x s.t. exp(x) <= 1: every x <= 0 is feasible, the objective decreases without bound (ray x -> -infinity).
        var A = Dense(new double[,] { { -1 }, { 0 }, { 0 } });
        var p = ConicProblem.Create(null, [1], A, [0, 1, 1], [new ExponentialConeSpec()]);
        var r = Solve(p);
        AssertDualInfeasible(p, r);
    }

    [Fact]
    public void TradingAnExponentialBoundAgainstItsArgumentIsUnbounded()
    {
        // min t - 2s s.t. exp(t) <= s: along t = log s the objective log s - 2s falls without bound, and (t, s) = (0, 1) is an
        // improving ray of the recession cone {(dt, ds) : dt <= 0, ds >= 0}. Rows (t, 1, s) in K_exp.
        var A = Dense(new double[,] { { -1, 0 }, { 0, 0 }, { 0, -1 } });
        var p = ConicProblem.Create(null, [1, -2], A, [0, 1, 0], [new ExponentialConeSpec()]);
        var r = Solve(p);
        AssertDualInfeasible(p, r);
    }

    /// <summary>Random features a_i (standard normal-ish) and labels y_i = ±1 drawn from a noisy linear rule.</summary>
    internal static (double[,] Features, double[] Labels) LogisticData(int seed, int samples, int features)
    {
        var rng = new Random(seed);
        var x = new double[samples, features];
        var y = new double[samples];
        var truth = Enumerable.Range(0, features).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        for (int i = 0; i < samples; i++)
        {
            double dot = 0;
            for (int j = 0; j < features; j++) { x[i, j] = 2 * rng.NextDouble() - 1; dot += truth[j] * x[i, j]; }
            y[i] = dot + 0.5 * (rng.NextDouble() - 0.5) >= 0 ? 1 : -1;
        }
        return (x, y);
    }

    /// <summary>
    /// min 1/n Σ s_i + λ/2 ||w||² s.t. softplus(-y_i a_i'w) <= s_i (<see cref="ExponentialConeRows.AddSoftplusEpigraph"/>).
    /// Variables (w, s, u1, u2) with s, u1, u2 of one entry per sample.
    /// </summary>
    internal static ConicProblem LogisticProgram(double[,] x, double[] y, double lambda)
    {
        int n = x.GetLength(0), d = x.GetLength(1), cols = d + 3 * n;
        var a = new List<(int, int, double)>();
        var b = new List<double>();
        var cones = new List<ConeSpec>();
        for (int i = 0; i < n; i++)
        {
            var margin = Enumerable.Range(0, d).Select(j => (j, -y[i] * x[i, j]));
            ExponentialConeRows.AddSoftplusEpigraph(a, b, cones, margin, 0.0, d + i, d + n + i, d + 2 * n + i);
        }
        var q = new double[cols];
        for (int i = 0; i < n; i++) q[d + i] = 1.0 / n;
        var pd = CscMatrix.FromTriplets(cols, cols, Enumerable.Range(0, d).Select(j => (j, j, lambda)));
        return ConicProblem.Create(pd, q, CscMatrix.FromTriplets(b.Count, cols, a), [.. b], cones);
    }

    /// <summary>Newton's method with backtracking on 1/n Σ log(1 + exp(-y_i a_i'w)) + λ/2 ||w||² (λ &gt; 0), to a gradient of 1e-13.</summary>
    internal static (double[] W, double Value) LogisticNewton(double[,] x, double[] y, double lambda)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var w = new double[d];
        double Loss(double[] v)
        {
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double m = 0;
                for (int j = 0; j < d; j++) m += x[i, j] * v[j];
                double t = -y[i] * m;
                f += (t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t))) / n;
            }
            for (int j = 0; j < d; j++) f += 0.5 * lambda * v[j] * v[j];
            return f;
        }
        for (int iter = 0; iter < 100; iter++)
        {
            var g = new double[d];
            var h = new double[d, d];
            for (int j = 0; j < d; j++) { g[j] = lambda * w[j]; h[j, j] = lambda; }
            for (int i = 0; i < n; i++)
            {
                double m = 0;
                for (int j = 0; j < d; j++) m += x[i, j] * w[j];
                double sig = 1 / (1 + Math.Exp(y[i] * m)); // σ(-y m)
                for (int j = 0; j < d; j++)
                {
                    g[j] -= y[i] * x[i, j] * sig / n;
                    for (int k = 0; k < d; k++) h[j, k] += x[i, j] * x[i, k] * sig * (1 - sig) / n;
                }
            }
            if (g.Max(Math.Abs) < 1e-13) break;
            var step = SolveDense(h, g);
            double f0 = Loss(w), t = 1;
            var trial = new double[d];
            for (int k = 0; k < 60; k++)
            {
                for (int j = 0; j < d; j++) trial[j] = w[j] - t * step[j];
                if (Loss(trial) <= f0) break;
                t *= 0.5;
            }
            Array.Copy(trial, w, d);
        }
        return (w, Loss(w));
    }

    /// <summary>Solves H x = g by Gaussian elimination with partial pivoting (H small and nonsingular).</summary>
    private static double[] SolveDense(double[,] h, double[] g)
    {
        int d = g.Length;
        var m = (double[,])h.Clone();
        var x = (double[])g.Clone();
        for (int c = 0; c < d; c++)
        {
            int p = c;
            for (int r = c + 1; r < d; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[p, c])) p = r;
            for (int k = 0; k < d; k++) (m[c, k], m[p, k]) = (m[p, k], m[c, k]);
            (x[c], x[p]) = (x[p], x[c]);
            for (int r = c + 1; r < d; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int k = c; k < d; k++) m[r, k] -= f * m[c, k];
                x[r] -= f * x[c];
            }
        }
        for (int c = d - 1; c >= 0; c--)
        {
            for (int k = c + 1; k < d; k++) x[c] -= m[c, k] * x[k];
            x[c] /= m[c, c];
        }
        return x;
    }
}
