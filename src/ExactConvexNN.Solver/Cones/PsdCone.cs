using ExactConvexNN.Solver.Linear;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// The cone of k x k positive semidefinite matrices in scaled lower-triangle ("svec") form: the lower triangle
/// column by column, off-diagonal entries times √2, so svec(X)'svec(Y) = tr(XY) (index: <see cref="SvecIndex"/>).
/// Degree k; unit element e = svec(I); Jordan product x ∘ y = svec((XY + YX)/2); barrier f(X) = -log det X.
/// <para>
/// NT scaling (CVXOPT/Clarabel construction): with S = L_s L_s', Z = L_z L_z' and the SVD L_z'L_s = U Λ V',
/// R = L_s V Λ^-1/2 satisfies R'ZR = R^-1 S R^-T = Λ, and R^-1 = Λ^-1/2 U' L_z' (no inverse is formed).
/// W x = svec(R' X R), so W z = W^-T s = λ = svec(Λ) is diagonal and the Jordan division by λ is entrywise;
/// W is not symmetric: W' x = svec(R X R'), W^-1 x = svec(R^-T X R^-1), W^-T x = svec(R^-1 X R^-T).
/// W'W x = svec(G X G) with G = RR' (the NT scaling matrix, G Z G = S); its block is dense, packed as an upper
/// triangle column by column.
/// </para>
/// The k x k work matrices are allocated once. The SVD of a scaling update and the smallest eigenvalue of a step length
/// use the machine's LAPACK when <see cref="NativeLapack"/> loads it (allocation-free), else MathNet's routines, which
/// allocate their results (O(k²) per call); products are the managed <see cref="DenseKernels.MultiplySquare"/>.
/// </summary>
public sealed class PsdCone : ICone
{
    private static readonly double Sqrt2 = Math.Sqrt(2.0);
    private static readonly double InvSqrt2 = 1.0 / Math.Sqrt(2.0);

    private readonly int _k;
    private readonly int[] _row, _col;                 // svec index -> (i, j), i >= j
    private readonly DenseMatrix _r, _rInv, _g, _gInv, _q; // scaling R, R^-1, G = RR', G^-1, eigenvectors of a non-diagonal λ
    private readonly DenseMatrix _a, _b, _c;           // work
    private readonly DenseMatrix _u, _vt;              // SVD factors of the scaling update
    private readonly double[] _sv;                     // singular values of the scaling update
    private readonly double[] _lapackWork;             // native LAPACK workspace (dgesdd, dsyevr), when it is loaded
    private readonly int[] _lapackIntWork;
    private readonly double[] _eig;                    // eigenvalues of λ (matching _q)
    private readonly double[] _lambda;                 // svec λ from the last scaling (or Jordan division)
    private bool _diagonalLambda = true;               // _lambda is diagonal, as after a scaling (then _q is not used)

    private PsdCone(int k)
    {
        _k = k;
        int n = k * (k + 1) / 2;
        _row = new int[n]; _col = new int[n];
        for (int j = 0, t = 0; j < k; j++)
            for (int i = j; i < k; i++, t++) { _row[t] = i; _col[t] = j; }
        DenseMatrix M() => new(k, k);
        _r = DenseMatrix.CreateIdentity(k); _rInv = DenseMatrix.CreateIdentity(k); _g = DenseMatrix.CreateIdentity(k); _gInv = DenseMatrix.CreateIdentity(k);
        _q = DenseMatrix.CreateIdentity(k);
        _a = M(); _b = M(); _c = M(); _u = M(); _vt = M();
        _sv = new double[k];
        _lapackWork = NativeLapack.IsAvailable ? new double[Math.Max(NativeLapack.SvdWorkSize(k), NativeLapack.SmallestEigenvalueWorkSize(k))] : [];
        _lapackIntWork = NativeLapack.IsAvailable ? new int[Math.Max(NativeLapack.SvdIntWorkSize(k), NativeLapack.SmallestEigenvalueIntWorkSize(k))] : [];
        _eig = new double[k]; Array.Fill(_eig, 1.0);
        _lambda = new double[n];
        for (int j = 0; j < k; j++) _lambda[SvecIndex(j, j, k)] = 1.0;
    }

    /// <summary>The cone of k x k positive semidefinite matrices (k at least 1), with identity scaling.</summary>
    public static PsdCone Create(int matrixOrder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(matrixOrder, 1);
        return new PsdCone(matrixOrder);
    }

    /// <summary>Position of X_ij (i &gt;= j) in the svec vector of a k x k matrix: j k - j(j-1)/2 + (i - j).</summary>
    public static int SvecIndex(int i, int j, int k)
    {
        if (i < j) (i, j) = (j, i);
        return j * k - j * (j - 1) / 2 + (i - j);
    }

    /// <summary>The order k of the matrices.</summary>
    public int MatrixOrder => _k;
    /// <inheritdoc/>
    public int Dimension => _row.Length;
    /// <inheritdoc/>
    public int Degree => _k;
    /// <inheritdoc/>
    public bool HasDiagonalScaling => false;
    /// <inheritdoc/>
    public int HessianBlockLength => _row.Length * (_row.Length + 1) / 2;

    /// <summary>m = smat(x): the full symmetric matrix of an svec vector.</summary>
    private void Unpack(ReadOnlySpan<double> x, DenseMatrix m) => Unpack(x, _k, m.Values);

    /// <summary>x = svec((M + M')/2).</summary>
    private void Pack(DenseMatrix m, Span<double> x) => Pack(m.Values, _k, x);

    /// <summary>m = smat(x): the full symmetric k x k matrix (column-major) of an svec vector (off-diagonal entries divided by √2).</summary>
    internal static void Unpack(ReadOnlySpan<double> x, int k, Span<double> m)
    {
        for (int j = 0, t = 0; j < k; j++)
        {
            m[j * k + j] = x[t++];
            for (int i = j + 1; i < k; i++, t++)
            {
                double v = x[t] * InvSqrt2;
                m[j * k + i] = v; m[i * k + j] = v;
            }
        }
    }

    /// <summary>x = svec((M + M')/2) of a k x k matrix (column-major).</summary>
    internal static void Pack(ReadOnlySpan<double> m, int k, Span<double> x)
    {
        for (int j = 0, t = 0; j < k; j++)
        {
            x[t++] = m[j * k + j];
            for (int i = j + 1; i < k; i++, t++) x[t] = (m[j * k + i] + m[i * k + j]) * InvSqrt2;
        }
    }

    /// <summary>
    /// m = smat of an svec vector given by its nonzero entries: rows[p] - offset and values[p] for p in [start, end)
    /// (a column of a sparse matrix whose rows hold the cone at <paramref name="offset"/>).
    /// </summary>
    internal static void Unpack(ReadOnlySpan<int> rows, ReadOnlySpan<double> values, int start, int end, int offset, int k, Span<double> m)
    {
        m[..(k * k)].Clear();
        for (int p = start; p < end; p++)
        {
            int t = rows[p] - offset, i = SvecRow(t, k), j = SvecColumn(t, k);
            double v = i == j ? values[p] : values[p] * InvSqrt2;
            m[j * k + i] = v; m[i * k + j] = v;
        }
    }

    /// <summary>The column j of the lower-triangle entry (i, j) at svec position <paramref name="t"/> (the inverse of <see cref="SvecIndex"/>).</summary>
    internal static int SvecColumn(int t, int k)
    {
        int j = 0;
        while (t >= k - j) { t -= k - j; j++; }
        return j;
    }

    /// <summary>The row i of the lower-triangle entry (i, j) at svec position <paramref name="t"/>.</summary>
    internal static int SvecRow(int t, int k)
    {
        int j = SvecColumn(t, k);
        return t - (j * k - j * (j - 1) / 2) + j;
    }

    /// <summary>
    /// Cholesky X = U'U of a column-major symmetric matrix in place (U upper, lower part zeroed).
    /// The row-major lower Cholesky of the same storage is the column-major upper factor.
    /// </summary>
    private bool CholeskyUpper(DenseMatrix m)
    {
        var a = m.Values.AsSpan();
        if (!DenseKernels.CholeskyLower(a, _k)) return false;
        // Row-major strict upper = column-major strict lower: clear it.
        for (int i = 0; i < _k; i++) a.Slice(i * _k + i + 1, _k - i - 1).Clear();
        return true;
    }

    /// <summary>y = svec(B' X B) (<paramref name="transposeLeft"/>) or svec(B X B').</summary>
    private void Sandwich(DenseMatrix b, bool transposeLeft, ReadOnlySpan<double> x, Span<double> y)
    {
        Unpack(x, _a);
        // B'XB = B'(XB); BXB' = (BX)B'.
        if (transposeLeft) { Multiply(_a, false, b, false, _b); Multiply(b, true, _b, false, _c); }
        else { Multiply(b, false, _a, false, _b); Multiply(_b, false, b, true, _c); }
        Pack(_c, y);
    }

    /// <summary>C = op(A) op(B) by the managed kernel (<see cref="DenseKernels.MultiplySquare"/>).</summary>
    private void Multiply(DenseMatrix a, bool transposeA, DenseMatrix b, bool transposeB, DenseMatrix c) =>
        DenseKernels.MultiplySquare(a.Values, transposeA, b.Values, transposeB, c.Values, _k);

    /// <summary>λ_min of the symmetric matrix in <paramref name="m"/> (overwritten): LAPACK's dsyevr for one eigenvalue when loaded, else MathNet's decomposition.</summary>
    private double SmallestEigenvalue(DenseMatrix m)
    {
        if (_lapackWork.Length > 0 && NativeLapack.TrySmallestEigenvalue(m.Values, _k, _lapackWork, _lapackIntWork, out double native)) return native;
        var evd = m.Evd(Symmetricity.Symmetric);
        double min = double.PositiveInfinity;
        foreach (var e in evd.EigenValues) min = Math.Min(min, e.Real);
        return min;
    }

    /// <summary>SVD of <paramref name="m"/> (overwritten) into _u, _sv, _vt: LAPACK's dgesdd when loaded, else MathNet's.</summary>
    private void Svd(DenseMatrix m)
    {
        if (_lapackWork.Length > 0 && NativeLapack.TrySvd(m.Values, _k, _sv, _u.Values, _vt.Values, _lapackWork, _lapackIntWork)) return;
        var svd = m.Svd(true);
        svd.U.CopyTo(_u); svd.VT.CopyTo(_vt);
        for (int i = 0; i < _k; i++) _sv[i] = svd.S[i];
    }

    /// <summary>Smallest eigenvalue of smat(x).</summary>
    private double MinEigenvalue(ReadOnlySpan<double> x)
    {
        Unpack(x, _a);
        return SmallestEigenvalue(_a);
    }

    /// <inheritdoc/>
    public void AddScaledUnit(Span<double> x, double alpha)
    {
        for (int j = 0; j < _k; j++) x[SvecIndex(j, j, _k)] += alpha;
    }

    /// <inheritdoc/>
    public void ShiftToInterior(Span<double> x)
    {
        double margin = MinEigenvalue(x);
        if (!(margin >= SecondOrderCone.ShiftThreshold)) AddScaledUnit(x, 1.0 - (double.IsFinite(margin) ? margin : 0.0));
    }

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda)
    {
        // U_s'U_s = S, U_z'U_z = Z (so L_s = U_s', L_z = U_z'), kept in _a and _b.
        Unpack(s, _a); if (!CholeskyUpper(_a)) return false;
        Unpack(z, _b); if (!CholeskyUpper(_b)) return false;
        // L_z'L_s = U_z U_s' = U Λ V'.
        Multiply(_b, false, _a, true, _c);
        Svd(_c);
        var sv = _sv;
        for (int i = 0; i < _k; i++) if (!(sv[i] > 0) || !double.IsFinite(sv[i])) return false;
        // R^-1 = Λ^-1/2 U' L_z' = Λ^-1/2 (U' U_z), before _b (U_z) is reused.
        Multiply(_u, true, _b, false, _c);
        for (int j = 0; j < _k; j++)
            for (int i = 0; i < _k; i++) _rInv[i, j] = _c[i, j] / Math.Sqrt(sv[i]);
        // R = L_s V Λ^-1/2 = (V' U_s)' Λ^-1/2: R_ij = (V'U_s)_ji / √λ_j.
        Multiply(_vt, false, _a, false, _c);
        for (int j = 0; j < _k; j++)
        {
            double f = 1.0 / Math.Sqrt(sv[j]);
            for (int i = 0; i < _k; i++) _r[i, j] = _c[j, i] * f;
        }
        // G = R R', G^-1 = R^-T R^-1.
        Multiply(_r, false, _r, true, _g);
        Multiply(_rInv, true, _rInv, false, _gInv);
        // λ = svec(Λ): its eigenbasis is the identity.
        for (int i = 0; i < _k; i++) _eig[i] = sv[i];
        Array.Clear(_lambda);
        for (int i = 0; i < _k; i++) _lambda[SvecIndex(i, i, _k)] = sv[i];
        _diagonalLambda = true;
        _lambda.CopyTo(lambda);
        return true;
    }

    /// <inheritdoc/>
    public void MultiplyW(ReadOnlySpan<double> x, Span<double> y) => Sandwich(_r, true, x, y);

    /// <inheritdoc/>
    public void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y) => Sandwich(_rInv, true, x, y);

    /// <inheritdoc/>
    public void MultiplyWTranspose(ReadOnlySpan<double> x, Span<double> y) => Sandwich(_r, false, x, y);

    /// <inheritdoc/>
    public void MultiplyWInverseTranspose(ReadOnlySpan<double> x, Span<double> y) => Sandwich(_rInv, false, x, y);

    /// <summary>y = (W'W)^-1 x = svec(G^-1 X G^-1): one congruence (W^-1 twice would be two).</summary>
    public void MultiplyHessianInverse(ReadOnlySpan<double> x, Span<double> y) => Sandwich(_gInv, false, x, y);

    /// <summary>
    /// y = (W'W)^-1 x for an x given by its nonzero svec entries (<paramref name="index"/>, <paramref name="value"/>),
    /// in O(nnz k²) without forming X: with H = G^-1, a diagonal entry X_ii contributes X_ii h_i h_i' and an
    /// off-diagonal pair X_ij = X_ji contributes X_ij (h_i h_j' + h_j h_i'). The Schur-complement KKT solver uses this
    /// for the sparse constraint matrices of SDPA problems.
    /// </summary>
    public void MultiplyHessianInverseSparse(ReadOnlySpan<int> index, ReadOnlySpan<double> value, Span<double> y)
    {
        // Column q of the lower triangle is the contiguous svec run y[t0 .. t0 + k - q) (p = q .. k-1), its first entry the
        // diagonal (weight 1), the others weighted √2. A term c (a_p b_q) adds c b_q √2 a[q..k) to the run (SIMD), and
        // the diagonal is corrected by (1 - √2) c a_q b_q.
        var h = _gInv.Values.AsSpan();   // symmetric: column c = row c, h[c k + r] = H_rc
        y = y[..Dimension];
        y.Clear();
        int k = _k;
        for (int e = 0; e < index.Length; e++)
        {
            int i = _row[index[e]], j = _col[index[e]];
            var hi = h.Slice(i * k, k);
            var hj = h.Slice(j * k, k);
            // Diagonal entry: X_ii h_i h_i'; off-diagonal pair: X_ij (h_i h_j' + h_j h_i') with X_ij = v / √2.
            double c = i == j ? value[e] : value[e] * InvSqrt2;
            for (int q = 0, t0 = 0; q < k; t0 += k - q, q++)
            {
                var run = y.Slice(t0, k - q);
                if (i == j)
                {
                    double f = c * hi[q];
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(hi[q..], f * Sqrt2, run, run);
                    run[0] += (1 - Sqrt2) * f * hi[q];
                }
                else
                {
                    double fj = c * hj[q], fi = c * hi[q];
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(hi[q..], fj * Sqrt2, run, run);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(hj[q..], fi * Sqrt2, run, run);
                    run[0] += (1 - Sqrt2) * 2 * fj * hi[q];
                }
            }
        }
    }

    /// <inheritdoc/>
    public void GetHessianBlock(Span<double> block)
    {
        // Entry (a, b) of X -> svec(G X G) with a = (k, l), b = (i, j): (G_ki G_lj + G_kj G_li) f_a f_b,
        // f = 1/√2 on a diagonal index and 1 off it. Packed upper by column b: index b(b+1)/2 + a, a <= b.
        var g = _g.Values;
        int n = _row.Length, t = 0;
        for (int b = 0; b < n; b++)
        {
            int i = _row[b], j = _col[b];
            double fb = i == j ? InvSqrt2 : 1.0;
            int ci = i * _k, cj = j * _k;   // columns i and j of G (= rows, G symmetric)
            for (int a = 0; a <= b; a++, t++)
            {
                int k = _row[a], l = _col[a];
                double fa = k == l ? InvSqrt2 : 1.0;
                block[t] = (g[ci + k] * g[cj + l] + g[cj + k] * g[ci + l]) * fa * fb;
            }
        }
    }

    /// <inheritdoc/>
    public void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result)
    {
        // x ∘ y = svec((XY + YX)/2).
        Unpack(x, _a); Unpack(y, _b);
        Multiply(_a, false, _b, false, _c);
        Pack(_c, result);
    }

    /// <inheritdoc/>
    public void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result)
    {
        // Lyapunov equation (ΛU + UΛ)/2 = V in the eigenbasis Λ = Q diag(λ) Q':
        // Ṽ = Q'VQ, Ũ_ij = 2 Ṽ_ij / (λ_i + λ_j), U = Q Ũ Q'. The eigenbasis of the last scaling is reused when λ is it.
        if (_diagonalLambda && lambda.SequenceEqual(_lambda))
        {
            // Diagonal λ: Ũ = U, entrywise (svec scales both sides alike).
            for (int t = 0; t < result.Length; t++) result[t] = v[t] * 2.0 / (_eig[_row[t]] + _eig[_col[t]]);
            return;
        }
        if (!lambda.SequenceEqual(_lambda))
        {
            _diagonalLambda = false;
            Unpack(lambda, _a);
            var evd = _a.Evd(Symmetricity.Symmetric);
            evd.EigenVectors.CopyTo(_q);
            for (int i = 0; i < _k; i++) _eig[i] = evd.EigenValues[i].Real;
            lambda.CopyTo(_lambda);
        }
        Unpack(v, _b);
        Multiply(_q, true, _b, false, _a);
        Multiply(_a, false, _q, false, _c);
        for (int j = 0; j < _k; j++)
            for (int i = 0; i < _k; i++) _c[i, j] *= 2.0 / (_eig[i] + _eig[j]);
        Multiply(_q, false, _c, false, _a);
        Multiply(_a, false, _q, true, _b);
        Pack(_b, result);
    }

    /// <inheritdoc/>
    public double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax)
    {
        // The whole step first: X + α_max ΔX positive definite (one Cholesky) means no boundary before α_max. Near the
        // optimum one of the two cones often takes the whole step, and this saves the triangular solves and the eigenvalue.
        // ΔX stays unpacked in _b for both tests.
        Unpack(dx, _b);
        if (double.IsFinite(alphaMax))
        {
            Unpack(x, _a);
            var av = _a.Values; var bv = _b.Values;
            for (int t = 0; t < av.Length; t++) av[t] += alphaMax * bv[t];
            if (CholeskyUpper(_a)) return alphaMax;
        }
        // X + α ΔX ⪰ 0  ⇔  I + α L^-1 ΔX L^-T ⪰ 0 (X = LL'): α = -1/λ_min(L^-1 ΔX L^-T) when that is negative.
        Unpack(x, _a);
        if (!CholeskyUpper(_a)) return 0.0;
        // C = L^-1 ΔX by forward substitution with L = U' (column by column), then B = L^-1 C' = L^-1 ΔX L^-T.
        ForwardSolveTransposed(_a, _b, _c);
        _c.Transpose(_b);
        ForwardSolveTransposed(_a, _b, _c);
        double min = SmallestEigenvalue(_c);
        double alpha = alphaMax;
        if (min < 0) alpha = Math.Min(alpha, -1.0 / min);
        return Math.Max(alpha, 0.0);
    }

    /// <summary>result = U'^-1 rhs for upper triangular U (forward substitution on each column).</summary>
    private void ForwardSolveTransposed(DenseMatrix u, DenseMatrix rhs, DenseMatrix result)
    {
        var uv = u.Values; var r = rhs.Values; var y = result.Values;
        for (int c = 0; c < _k; c++)
        {
            int o = c * _k;
            for (int i = 0; i < _k; i++)
            {
                // (U')_it = U_ti, stored at column i, row t: uv[i k + t].
                // y_i = (r_i - Σ_{t<i} U_ti y_t) / U_ii, column i of U contiguous.
                double v = r[o + i] - DenseKernels.Dot(uv.AsSpan(i * _k, i), y.AsSpan(o, i));
                y[o + i] = v / uv[i * _k + i];
            }
        }
    }

    /// <inheritdoc/>
    public double Barrier(ReadOnlySpan<double> x)
    {
        // -log det X = -2 Σ log U_ii.
        Unpack(x, _a);
        if (!CholeskyUpper(_a)) return double.PositiveInfinity;
        double f = 0;
        for (int i = 0; i < _k; i++) f -= 2 * Math.Log(_a[i, i]);
        return f;
    }

    /// <inheritdoc/>
    public void BarrierGradient(ReadOnlySpan<double> x, Span<double> g)
    {
        // ∇f = -svec(X^-1).
        Unpack(x, _a);
        _a.Inverse().Negate(_b);
        Pack(_b, g);
    }

    /// <inheritdoc/>
    public void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y)
    {
        // ∇²f v = svec(X^-1 V X^-1).
        Unpack(x, _a);
        var inv = (DenseMatrix)_a.Inverse();
        Sandwich(inv, false, v, y);
    }
}
