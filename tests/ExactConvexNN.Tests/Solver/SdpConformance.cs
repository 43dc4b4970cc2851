using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Kkt;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Tests.Solver;

/// <summary>
/// Semidefinite programs with optima derived in the comments (or built from a chosen complementary primal-dual
/// pair), solved through the generic conic solver. Each solution is checked by <see cref="SolverConformance.AssertOptimal"/>
/// (feasibility, dual feasibility with z in the PSD cone, s'z ≈ 0, objective) and each infeasibility status by its certificate.
/// </summary>
public abstract class SdpConformance
{
    /// <summary>The KKT solver under test.</summary>
    protected abstract KktSolverFactory Kkt { get; }

    /// <summary>The settings of the method under test (null: the defaults).</summary>
    protected virtual SolverSettings? Settings => null;

    private SolverResult Solve(ConicProblem p) => SolverConformance.Checked(p, ConicSolver.Solve(p, Settings, Kkt), Settings);

    private static Matrix<double> Unit(int k, int i, int j)
    {
        var e = Matrix<double>.Build.Dense(k, k);
        e[i, j] = 1; e[j, i] = 1;
        return e;
    }

    /// <summary>
    /// The linear-matrix-inequality form: minimize q'y s.t. F(y) = F0 + Σ y_i F_i ⪰ 0, written as
    /// A y + s = b with A = -[svec(F_1) ... svec(F_m)], b = svec(F0), s = svec(F(y)).
    /// </summary>
    internal static ConicProblem Lmi(double[] q, Matrix<double> f0, IReadOnlyList<Matrix<double>> f)
    {
        int k = f0.RowCount;
        var t = new List<(int, int, double)>();
        for (int i = 0; i < f.Count; i++)
        {
            var col = SymmetricMatrices.Svec(f[i]);
            for (int r = 0; r < col.Length; r++) if (col[r] != 0) t.Add((r, i, -col[r]));
        }
        var a = CscMatrix.FromTriplets(k * (k + 1) / 2, f.Count, t);
        return ConicProblem.Create(null, q, a, SymmetricMatrices.Svec(f0), [new PsdConeSpec(k)]);
    }

    [Fact]
    public void LovaszThetaOfTheFiveCycleIsRootFive()
    {
        // θ(C5) = max <J, X> s.t. tr X = 1, X_ij = 0 on the edges, X ⪰ 0; Lovász (1979): θ(C_n) = n cos(π/n) / (1 + cos(π/n))
        // for odd n, which is √5 for n = 5 (cos(π/5) = (1 + √5)/4). Variables x = svec(X) (15 entries):
        // <J, X> = Σ x_diag + √2 Σ x_offdiag; rows: tr X = 1 and 5 edge entries = 0 (zero cone), then -x + s = 0, s ⪰ 0.
        const int k = 5, n = k * (k + 1) / 2;
        var q = new double[n];
        var t = new List<(int, int, double)>();
        for (int j = 0; j < k; j++)
            for (int i = j; i < k; i++)
            {
                int v = PsdCone.SvecIndex(i, j, k);
                q[v] = i == j ? -1 : -Math.Sqrt(2);
                if (i == j) t.Add((0, v, 1));
            }
        int row = 1;
        for (int i = 0; i < k; i++) t.Add((row++, PsdCone.SvecIndex((i + 1) % k, i, k), 1));
        for (int v = 0; v < n; v++) t.Add((row + v, v, -1));
        var b = new double[row + n]; b[0] = 1;
        var p = ConicProblem.Create(null, q, CscMatrix.FromTriplets(row + n, n, t), b, [new ZeroConeSpec(row), new PsdConeSpec(k)]);
        var r = Solve(p);
        SolverConformance.AssertOptimal(p, r, -Math.Sqrt(5));
        // The optimal X keeps its defining constraints: trace one and zero on the edges.
        var x = SymmetricMatrices.Smat(r.X, k);
        Assert.Equal(1.0, x.Trace(), 1e-6);
        for (int i = 0; i < k; i++) Assert.Equal(0.0, x[(i + 1) % k, i], 1e-6);
    }

    /// <summary>
    /// Max-cut relaxation in its dual form: min Σ y_i s.t. Diag(y) - L/4 ⪰ 0 (L the graph Laplacian); its value equals
    /// max ¼<L, X> s.t. diag X = 1, X ⪰ 0.
    /// </summary>
    private static ConicProblem MaxCut(int k, (int, int)[] edges)
    {
        var lap = Matrix<double>.Build.Dense(k, k);
        foreach (var (i, j) in edges) { lap[i, i] += 1; lap[j, j] += 1; lap[i, j] -= 1; lap[j, i] -= 1; }
        var f = Enumerable.Range(0, k).Select(i => { var e = Matrix<double>.Build.Dense(k, k); e[i, i] = 1; return e; }).ToArray();
        return Lmi(Enumerable.Repeat(1.0, k).ToArray(), -lap / 4, f);
    }

    [Fact]
    public void MaxCutRelaxationOfTheTriangleIsNineQuarters()
    {
        // K3: L = 3I - J, ¼<L, X> = ¼(9 - 1'X1) <= 9/4, attained by X = 3/2 I - 1/2 J (diag 1, eigenvalues 3/2, 3/2, 0).
        var p = MaxCut(3, [(0, 1), (1, 2), (0, 2)]);
        SolverConformance.AssertOptimal(p, Solve(p), 9.0 / 4);
    }

    [Fact]
    public void MaxCutRelaxationOfK4IsFour()
    {
        // K4: L = 4I - J, ¼(16 - 1'X1) <= 4, attained by X = 4/3 I - 1/3 J (PSD, diag 1).
        var p = MaxCut(4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
        SolverConformance.AssertOptimal(p, Solve(p), 4.0);
    }

    [Fact]
    public void MaxCutRelaxationOfTheFourCycleEqualsItsMaximumCut()
    {
        // C4 is bipartite: each edge term (1 - X_ij)/2 <= 1 (|X_ij| <= 1 for a PSD X with unit diagonal), so the value is
        // at most 4, attained by X = vv' with v = (1, -1, 1, -1). The dual y = (1, 1, 1, 1) gives Diag(y) - L/4 = I - L/4 ⪰ 0 (λ_max(L) = 4).
        var p = MaxCut(4, [(0, 1), (1, 2), (2, 3), (3, 0)]);
        var r = Solve(p);
        SolverConformance.AssertOptimal(p, r, 4.0);
        Assert.All(r.X, y => Assert.Equal(1.0, y, 1e-5));
    }

    [Fact]
    public void MaxCutRelaxationOfTheFiveCycleIsTheGoemansWilliamsonValue()
    {
        // C5: by the dihedral symmetry an optimal X is circulant; unit vectors at angle 4π/5 between neighbours give each edge
        // (1 - cos 4π/5)/2, total 5/2 (1 + cos π/5) = (25 + 5√5)/8; the dual y_i = (5 + √5)/8 certifies it (λ_max(L) = (5 + √5)/2).
        var p = MaxCut(5, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]);
        SolverConformance.AssertOptimal(p, Solve(p), (25 + 5 * Math.Sqrt(5)) / 8);
    }

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(31)]
    public void MaxCutRelaxationOfAnOddCycleIsHalfNTimesOnePlusCosPiOverN(int n)
    {
        // C_n, n odd: the circulant X with neighbours at angle π(n-1)/n gives each edge (1 - cos(π(n-1)/n))/2 =
        // (1 + cos(π/n))/2, total n/2 (1 + cos π/n); the constant dual y_i = (1 + cos π/n)/2 certifies it, since
        // λ_max(L) = 2 + 2 cos(π/n) for the odd cycle.
        var p = MaxCut(n, Enumerable.Range(0, n).Select(i => (i, (i + 1) % n)).ToArray());
        SolverConformance.AssertOptimal(p, Solve(p), n / 2.0 * (1 + Math.Cos(Math.PI / n)));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(20)]
    public void MaxCutRelaxationOfTheCompleteGraphIsNSquaredOverFour(int n)
    {
        // K_n: L = nI - J, so ¼<L, X> = ¼(n² - 1'X1) <= n²/4 for X ⪰ 0 with unit diagonal, attained by
        // X = (nI - J)/(n - 1) (unit diagonal, X1 = 0, eigenvalues n/(n-1) and 0); the dual y_i = n/4 certifies it:
        // Diag(y) - L/4 = J/4 ⪰ 0 and Σ y = n²/4.
        var edges = new List<(int, int)>();
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) edges.Add((i, j));
        var p = MaxCut(n, [.. edges]);
        SolverConformance.AssertOptimal(p, Solve(p), n * n / 4.0);
    }

    /// <summary>
    /// A random SDP with a known optimum: choose X* = Q diag(d, 0) Q', S* = Q diag(0, e) Q' (complementary), random
    /// symmetric A_i and y*, then b_i = <A_i, X*>, C = Σ y*_i A_i + S*. Then max b'y s.t. C - Σ y_i A_i ⪰ 0 has value
    /// b'y* = <C, X*> (weak duality with the primal min <C, X>, <A_i, X> = b_i, X ⪰ 0, which X* attains).
    /// </summary>
    internal static (ConicProblem Problem, double Optimum) RandomSdp(Random rng, int k, int m, int rank)
    {
        var qr = Matrix<double>.Build.Dense(k, k, (_, _) => rng.NextDouble() - 0.5).QR();
        var q = qr.Q;
        var d = Matrix<double>.Build.Dense(k, k); var e = Matrix<double>.Build.Dense(k, k);
        for (int i = 0; i < k; i++) if (i < rank) d[i, i] = 0.5 + rng.NextDouble(); else e[i, i] = 0.5 + rng.NextDouble();
        var xStar = q * d * q.Transpose(); var sStar = q * e * q.Transpose();
        var a = Enumerable.Range(0, m).Select(_ => SymmetricMatrices.RandomSymmetric(rng, k)).ToArray();
        var y = Enumerable.Range(0, m).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var c = sStar.Clone();
        for (int i = 0; i < m; i++) c += y[i] * a[i];
        var b = a.Select(ai => (ai * xStar).Trace()).ToArray();
        // min -b'y s.t. C - Σ y_i A_i ⪰ 0.
        var p = Lmi(b.Select(v => -v).ToArray(), c, a.Select(ai => -ai).ToArray());
        return (p, -(c * xStar).Trace());
    }

    [Fact]
    public void RandomSdpsBuiltFromComplementaryPairsReachTheirKnownOptimum()
    {
        var rng = new Random(2024);
        foreach (var (k, m, rank) in new[] { (3, 2, 1), (4, 5, 2), (6, 8, 3), (8, 12, 2), (5, 3, 5) })
        {
            var (p, optimum) = RandomSdp(rng, k, m, rank);
            var r = Solve(p);
            SolverConformance.AssertOptimal(p, r, optimum, 1e-6);
            // z = svec(X) for some optimal X: its objective <C, X> equals the optimum too (strong duality).
            Assert.Equal(optimum, -p.B.Zip(r.Z, (u, v) => u * v).Sum(), 1e-6 * (1 + Math.Abs(optimum)));
        }
    }

    [Fact]
    public void StronglyInfeasibleLmiHasAFarkasCertificate()
    {
        // [[y, 1], [1, -y]] ⪰ 0 would need -y² - 1 >= 0: impossible. Z = [[1, -1], [-1, 1]] ⪰ 0 has <diag(1, -1), Z> = 0 and
        // <[[0, 1], [1, 0]], Z> = -2 < 0, so a certificate exists and the solver must return one.
        var p = Lmi([1], Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 1 }, { 1, 0 } }),
            [Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, -1 } })]);
        SolverConformance.AssertPrimalInfeasible(p, Solve(p));
    }

    [Fact]
    public void UnboundedLmiIsDualInfeasible()
    {
        // min -y s.t. diag(y, 1) + [[0, 1], [1, 0]] ⪰ 0, i.e. y >= 1: the ray y → ∞ is feasible and q'y → -∞.
        var p = Lmi([-1], Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 1 }, { 1, 1 } }),
            [Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 0 } })]);
        SolverConformance.AssertDualInfeasible(p, Solve(p));
    }

    [Fact]
    public void MixedSecondOrderAndSemidefiniteConstraintsProjectOntoTheUnitDisk()
    {
        // min t s.t. ||y - (3, 4)|| <= t (second-order) and [[1 + y1, y2], [y2, 1 - y1]] ⪰ 0 (⇔ ||y|| <= 1): the distance
        // from (3, 4) to the unit disk is 5 - 1 = 4, at y = (0.6, 0.8). Variables (t, y1, y2).
        double r2 = Math.Sqrt(2);
        var a = SolverConformance.Dense(new double[,]
        {
            { -1, 0, 0 }, { 0, -1, 0 }, { 0, 0, -1 },      // s_soc = (t, y1 - 3, y2 - 4)
            { 0, -1, 0 }, { 0, 0, -r2 }, { 0, 1, 0 },      // s_psd = svec([[1 + y1, y2], [y2, 1 - y1]])
        });
        var p = ConicProblem.Create(null, [1, 0, 0], a, [0, -3, -4, 1, 0, 1], [new SecondOrderConeSpec(3), new PsdConeSpec(2)]);
        if (Settings?.Embedding == SolverEmbedding.InfeasibleStart)
        {
            // Outside the infeasible-start method's scope (a second-order cone): refused at the boundary, not solved another way.
            Assert.Throws<ArgumentException>(() => ConicSolver.Solve(p, Settings));
            return;
        }
        var r = Solve(p);
        SolverConformance.AssertOptimal(p, r, 4.0);
        Assert.Equal(0.6, r.X[1], 1e-5); Assert.Equal(0.8, r.X[2], 1e-5);
    }

    [Fact]
    public void TwoBlockSdpWithAnOrthantSplitsIntoItsBlocks()
    {
        // Block-diagonal data: the problem separates, so the optimum is the sum of two random SDPs' optima plus an LP part
        // min y s.t. y >= 2 (value 2).
        var rng = new Random(99);
        var (p1, o1) = RandomSdp(rng, 4, 3, 2);
        var (p2, o2) = RandomSdp(rng, 3, 2, 1);
        int n1 = p1.Variables, n2 = p2.Variables, m1 = p1.Constraints, m2 = p2.Constraints;
        var t = new List<(int, int, double)>();
        void Copy(CscMatrix a, int r0, int c0)
        {
            for (int j = 0; j < a.Columns; j++)
                for (int q = a.ColumnPointers[j]; q < a.ColumnPointers[j + 1]; q++) t.Add((r0 + a.RowIndices[q], c0 + j, a.Values[q]));
        }
        Copy(p1.A, 0, 0); Copy(p2.A, m1, n1); t.Add((m1 + m2, n1 + n2, -1));
        var p = ConicProblem.Create(null, [.. p1.Q, .. p2.Q, 1], CscMatrix.FromTriplets(m1 + m2 + 1, n1 + n2 + 1, t),
            [.. p1.B, .. p2.B, -2], [.. p1.Cones, .. p2.Cones, new NonnegativeConeSpec(1)]);
        SolverConformance.AssertOptimal(p, Solve(p), o1 + o2 + 2);
    }
}

public sealed class DenseBackendSdpConformance : SdpConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.QuasiDefinite(DenseLdl.Create);
}

public sealed class SparseBackendSdpConformance : SdpConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.QuasiDefinite(p => SparseLdl.Create(p));
}

public sealed class SchurComplementSdpConformance : SdpConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.SchurComplement;
}

public sealed class SparseSchurComplementSdpConformance : SdpConformance
{
    protected override KktSolverFactory Kkt => (p, a, c, s) => SchurComplementKktSolver.Create(p, a, c, s, forceSparse: true);
}

/// <summary>The same suite with the infeasible-start HKM method (<see cref="SolverEmbedding.InfeasibleStart"/>); the KKT factory is not used.</summary>
public sealed class InfeasibleStartSdpConformance : SdpConformance
{
    protected override KktSolverFactory Kkt => ConicSolver.SchurComplement;
    protected override SolverSettings? Settings => new() { Embedding = SolverEmbedding.InfeasibleStart };
}
