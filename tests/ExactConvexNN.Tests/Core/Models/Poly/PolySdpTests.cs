using ExactConvexNN.Models;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Training;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Tests.Core.Models.Poly;

public sealed class PolySdpTests
{
    private static void AssertRecovered(PolyFit r, Dataset data, double beta)
    {
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(r.RelativeGap < 1e-6, $"gap {r.RelativeGap}");
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Math.Abs(r.Primal), $"recovered {r.RecoveredObjective} vs sdp {r.Primal}");
        Assert.True(r.Network.MaxNormDeviation() < 1e-8, $"norm deviation {r.Network.MaxNormDeviation()}");
        // Independent recomputation of the network's objective from the raw data.
        double direct = r.Network.Objective(data.X, r.Network.Targets(data.Y!), beta);
        Assert.Equal(r.RecoveredObjective, direct, 1e-9 * Math.Max(1, Math.Abs(direct)));
    }

    [Theory]
    [InlineData(30, 3, 0.1, 1, false)]
    [InlineData(40, 5, 1.0, 2, true)]
    [InlineData(25, 2, 0.01, 3, false)]
    public void RecoveredNetworkObjectiveEqualsTheSdpOptimum(int n, int d, double beta, int seed, bool bias)
    {
        var data = PolyTestData.Regression(n, d, seed);
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta, Bias = bias });
        AssertRecovered(r, data, beta);
    }

    [Fact]
    public void SolutionSatisfiesTheKktConditionsAndTheSolverObjectiveMatchesTheBlocks()
    {
        var data = PolyTestData.Regression(20, 3, 7);
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.3, Poly = new PolynomialActivation(0.5, -0.2, 0.1) });
        // Feasibility, dual feasibility, complementarity; the expected objective is the program's own recomputation from Z, Z'.
        SolverConformance.AssertOptimal(r.Program.Problem, r.Solution, r.Primal);
        Assert.True(r.Program.TraceResidual(r.Solution.X) < 1e-7);
    }

    [Fact]
    public void LiftedNetworkPredictsLikeTheNetwork()
    {
        // Z = sum_{w_j > 0} w_j [u_j;1][u_j;1]', Z' likewise for w_j < 0: the program's yhat = <M(x), Z - Z'> must equal f(x).
        var data = PolyTestData.Regression(12, 4, 8);
        var act = new PolynomialActivation(0.7, -1.1, 0.4);
        var arch = NetworkArchitecture.FullyConnected(4);
        var program = PolynomialSdpProgram.Build(arch.ExtractPatches(data.X), ClassTargets.Column(data.Y!), arch, act, 0.1);
        var rng = new Random(4);
        var neurons = Enumerable.Range(0, 5).Select(j => new PolyNeuron(PolyTestData.Unit(rng, 4), [j % 2 == 0 ? 1.5 + j : -0.5 - j])).ToList();
        var x = new double[program.Problem.Variables];
        int k = 5;
        foreach (var nrn in neurons)
        {
            var v = nrn.U.Append(1.0).ToArray();
            int v0 = program.BlockVariable(0, 0, nrn.W[0] > 0 ? 0 : 1);
            for (int c = 0; c < k; c++)
                for (int rr = c; rr < k; rr++)
                    x[v0 + ExactConvexNN.Solver.Cones.PsdCone.SvecIndex(rr, c, k)] += Math.Abs(nrn.W[0]) * v[rr] * v[c] * (rr == c ? 1 : Math.Sqrt(2));
        }
        var yhat = program.Predictions(x);
        var f = PolyNetwork.Create(arch, act, neurons).Predict(data.X);
        for (int i = 0; i < data.Rows; i++) Assert.Equal(f[i, 0], yhat[i, 0], 1e-10);
        Assert.True(program.TraceResidual(x) < 1e-12, "unit-norm neurons satisfy tr(Z1) = Z4");
    }

    [Fact]
    public void NeuralDecompositionReproducesTheMatrixWithUnitNeurons()
    {
        var rng = new Random(12);
        foreach (int p in new[] { 1, 2, 4, 7 })
        {
            // A random PSD B, congruence by diag(1, ..., 1, s) with s² = tr(B1)/B_44 so that tr(Z1) = Z4 and Z stays PSD.
            var g = Matrix<double>.Build.Dense(p + 1, p + 1, (_, _) => PolyTestData.Gaussian(rng));
            var b = g * g.Transpose();
            double s = Math.Sqrt(Enumerable.Range(0, p).Sum(i => b[i, i]) / b[p, p]);
            var dm = Matrix<double>.Build.DenseIdentity(p + 1); dm[p, p] = s;
            var z = dm * b * dm;
            var terms = NeuralDecomposition.Decompose(z);
            Assert.InRange(terms.Count, 1, p + 1);
            var sum = Matrix<double>.Build.Dense(p + 1, p + 1);
            foreach (var t in terms)
            {
                Assert.Equal(1.0, Math.Sqrt(t.U.Sum(v => v * v)), 1e-10);
                Assert.True(t.Weight > 0);
                var v1 = Vector<double>.Build.DenseOfEnumerable(t.U.Append(1.0));
                sum += t.Weight * v1.OuterProduct(v1);
            }
            Assert.True((sum - z).FrobeniusNorm() < 1e-9 * z.FrobeniusNorm(), $"p = {p}: reconstruction error {(sum - z).FrobeniusNorm()}");
        }
    }

    [Fact]
    public void WithoutTheQuadraticTermTheSdpEqualsTheSecondOrderConeProgramOfTheLinearModel()
    {
        // a = 0: f(x) = b x'v + c s with v = sum_j w_j u_j, s = sum_j w_j. The least ||w||_1 giving (v, s) is
        // max(||v||, |s|) (positive and negative neurons with total weights P, N: s = P - N, ||v|| <= P + N, both tight),
        // so the optimum is that of min 1/2||b X v + c s 1 - y||^2 + beta t, t >= ||v||, t >= |s|: an SOCP solved here directly.
        var data = PolyTestData.Regression(25, 3, 31);
        const double a0 = 0, b0 = 0.8, c0 = 0.6, beta = 0.7;
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta, Poly = new PolynomialActivation(a0, b0, c0) });
        AssertRecovered(r, data, beta);

        int n = data.Rows, d = data.Columns;
        // Variables [e (n), v (d), s, t]; rows: e - b X v - c s 1 = -y (zero), SOC (t, v), t - s >= 0, t + s >= 0.
        int nv = n + d + 2, iS = n + d, iT = n + d + 1;
        var trip = new List<(int, int, double)>();
        for (int i = 0; i < n; i++)
        {
            trip.Add((i, i, 1));
            for (int k = 0; k < d; k++) trip.Add((i, n + k, -b0 * data.X[i, k]));
            trip.Add((i, iS, -c0));
        }
        trip.Add((n, iT, -1));
        for (int k = 0; k < d; k++) trip.Add((n + 1 + k, n + k, -1));
        int r0 = n + 1 + d;
        trip.Add((r0, iT, -1)); trip.Add((r0, iS, 1));
        trip.Add((r0 + 1, iT, -1)); trip.Add((r0 + 1, iS, -1));
        var bvec = new double[r0 + 2];
        for (int i = 0; i < n; i++) bvec[i] = -data.Y![i];
        var q = new double[nv]; q[iT] = beta;
        var pm = CscMatrix.FromTriplets(nv, nv, Enumerable.Range(0, n).Select(i => (i, i, 1.0)));
        var socp = ConicProblem.Create(pm, q, CscMatrix.FromTriplets(r0 + 2, nv, trip), bvec,
            [new ZeroConeSpec(n), new SecondOrderConeSpec(d + 1), new NonnegativeConeSpec(2)]);
        var sr = ConicSolver.Solve(socp);
        Assert.Equal(SolverStatus.Solved, sr.Status);
        Assert.True(Math.Abs(sr.PrimalObjective - r.Primal) <= 1e-6 * Math.Abs(sr.PrimalObjective), $"SOCP {sr.PrimalObjective} vs SDP {r.Primal}");
    }

    [Fact]
    public void LargeBetaGivesTheZeroNetwork()
    {
        // beta above max_{||u||=1} |sum_i y_i sigma(x_i'u)| (bounded here by ||y||_1 max_i max_t |sigma| on |t| <= ||x_i||): w = 0 is optimal.
        var data = PolyTestData.Regression(15, 2, 5);
        var act = PolynomialActivation.Default;
        double bound = 0;
        for (int i = 0; i < data.Rows; i++)
        {
            double rn = Math.Sqrt(data.Row(i).Sum(v => v * v));
            bound += Math.Abs(data.Y![i]) * (Math.Abs(act.A) * rn * rn + Math.Abs(act.B) * rn + Math.Abs(act.C));
        }
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = 1.01 * bound, Poly = act });
        double half = data.Y!.Sum(v => v * v) / 2;
        Assert.Equal(half, r.Primal, 1e-6 * half);
        Assert.True(r.Network.Regularizer(1.0) < 1e-6, $"||w||_1 = {r.Network.Regularizer(1.0)}");
    }

    [Fact]
    public void VectorOutputOptimumIsTheSumOfThePerOutputOptima()
    {
        // The l1 penalty on each second-layer weight decouples the outputs: the joint SDP with K one-hot outputs equals
        // the sum of K scalar SDPs on the indicator targets.
        var data = PolyTestData.Images(18, 1, 3, 3, 3, 6);
        const double beta = 0.05;
        var joint = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta, Classes = 3 });
        AssertRecovered(joint, data, beta);
        Assert.Equal(3, joint.Program.Architecture.Outputs);
        double sum = 0;
        for (int k = 0; k < 3; k++)
        {
            var yk = data.Y!.Select(l => l == k ? 1.0 : 0.0).ToArray();
            var dk = Dataset.Create((double[,])data.X.Clone(), yk);
            var rk = Fit.Poly(dk, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta });
            Assert.Equal(SolverStatus.Solved, rk.Status);
            sum += rk.Primal;
        }
        Assert.True(Math.Abs(joint.Primal - sum) <= 1e-6 * sum, $"joint {joint.Primal} vs sum {sum}");
        Assert.NotNull(joint.Accuracy);
    }

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(2, 1, 0, 2)]   // 3x3 grid of patches, 2x2 pooling tiles (4 regions, partial tiles)
    [InlineData(2, 2, 0, 0)]   // 2x2 grid, global average pooling
    [InlineData(3, 1, 1, 1)]   // padding, every patch its own region
    public void CnnRecoveredObjectiveEqualsTheSdpOptimum(int filter, int stride, int padding, int pool)
    {
        var data = PolyTestData.Images(14, 2, 4, 4, 2, 17);
        const double beta = 0.02;
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta, Classes = 2, Image = new ImageShape(2, 4, 4, filter, stride, padding, pool) });
        AssertRecovered(r, data, beta);
    }

    [Fact]
    public void CnnWithAFilterAsLargeAsTheImageIsTheFullyConnectedNetwork()
    {
        // One patch (the whole image, in the same channel-major order) and one pooling region: the same SDP as FC.
        var data = PolyTestData.Images(16, 1, 3, 3, 2, 23);
        const double beta = 0.1;
        var cnn = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta, Classes = 2, Image = new ImageShape(1, 3, 3, 3) });
        var fc = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = beta, Classes = 2 });
        Assert.Equal(SolverStatus.Solved, cnn.Status);
        Assert.Equal(fc.Primal, cnn.Primal, 1e-7 * Math.Abs(fc.Primal));
    }

    [Fact]
    public void CnnNonconvexRunsNeverBeatTheSdpOptimum()
    {
        var data = PolyTestData.Images(12, 1, 4, 4, 2, 41);
        var model = new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.05, Classes = 2, Image = new ImageShape(1, 4, 4, 2, 1, 0, 2) };
        var exact = Fit.Poly(data, model);
        Assert.Equal(SolverStatus.Solved, exact.Status);
        for (int seed = 0; seed < 3; seed++)
        {
            var run = NonconvexTrainer.Train(data, model, new NonconvexOptions { Neurons = 6, Epochs = 800, Seed = seed });
            Assert.True(run.Objective >= exact.Primal - 1e-7 * exact.Primal, $"seed {seed}: {run.Objective} < {exact.Primal}");
        }
    }

    [Fact]
    public void NetworkFileRoundTripsAndKeepsThePredictions()
    {
        var data = PolyTestData.Images(10, 1, 4, 4, 3, 2);
        var r = Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.1, Classes = 3, Image = new ImageShape(1, 4, 4, 2, 2, 0, 1), Poly = new PolynomialActivation(0.2, 0.3, -0.1) });
        var json = r.Network.ToJson();
        Assert.True(PolyNetwork.IsPolyDocument(json));
        var back = PolyNetwork.Parse(json);
        Assert.Equal(r.Network.Activation, back.Activation);
        Assert.Equal(3, back.Classes);
        Assert.Equal(r.Network.Architecture.Image, back.Architecture.Image);
        var f1 = r.Network.Predict(data.X); var f2 = back.Predict(data.X);
        Assert.Equal(f1.Cast<double>(), f2.Cast<double>());
        Assert.True(back.Metadata.ContainsKey("beta"));
        // The relu reader refuses it with a clear message rather than misreading it.
        var e = Assert.Throws<InputException>(() => TwoLayerReluNetwork.Parse(json, "net.json"));
        Assert.Contains("poly", e.Message);
    }

    [Fact]
    public void BadArgumentsAreInputErrors()
    {
        var data = PolyTestData.Images(6, 1, 4, 4, 2, 1);
        Assert.Throws<InputException>(() => Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = -1 }));
        Assert.Throws<InputException>(() => Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = 1, Image = new ImageShape(1, 4, 5, 2) }));
        Assert.Throws<InputException>(() => Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = 1, Image = new ImageShape(1, 4, 4, 5) }));
        // Labels that are not 0..K-1.
        Assert.Throws<InputException>(() => Fit.Poly(Dataset.Create(data.X, data.Y!.Select(v => v + 0.5).ToArray()), new ModelSpec { Activation = ActivationKind.Poly, Beta = 1, Classes = 2 }));
        Assert.Throws<InputException>(() => Fit.Poly(Dataset.Create(data.X, data.Y!.Select(v => v + 2).ToArray()), new ModelSpec { Activation = ActivationKind.Poly, Beta = 1, Classes = 2 }));
        Assert.Throws<InputException>(() => Fit.Poly(data, new ModelSpec { Activation = ActivationKind.Poly, Beta = 1, Poly = new PolynomialActivation(double.NaN, 0, 0) }));
        Assert.Throws<InputException>(() => PolynomialActivation.Parse("1,2,x"));
        Assert.Equal(new PolynomialActivation(1, -2, 3e-1), PolynomialActivation.Parse(" 1, -2 ,3e-1"));
    }
}
