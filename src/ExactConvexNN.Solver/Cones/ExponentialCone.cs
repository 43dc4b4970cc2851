namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// The exponential cone K = closure{(x, y, z) : y &gt; 0, y exp(x/y) &lt;= z} (see <see cref="Problem.ExponentialConeSpec"/> for the
/// coordinate convention), a nonsymmetric cone of degree 3, with its dual K* = closure{(u, v, w) : u &lt; 0, -u exp(v/u - 1) &lt;= w}.
/// <para>
/// Barriers: on the dual side f*(u, v, w) = -log ψ - log(-u) - log w with ψ = v - u - u log(-w/u); on the primal side the
/// conjugate of f*, f(s) = -2 log y - log z - log((ω - 1)²/ω) with ω the Wright omega value solving ω + log ω = 1 - x/y - log(y/z)
/// (ω - 1 is computed directly, so it keeps its digits near the boundary)
/// (f is shifted by the degree 3 so that f(s) + f*(z) = -3 log μ on the central path s = -μ∇f*(z), as for the symmetric cones).
/// Conjugacy gives -∇f*(-∇f(s)) = s, and ∇²f(s) = ∇²f*(-∇f(s))^-1.
/// </para>
/// <para>
/// Scaling (Dahl and Andersen 2022, Tunçel 2001; the scheme of Clarabel and Hypatia): with s̃ = ∇f*(z), z̃ = ∇f(s), μ = s'z/3,
/// μ̃ = s̃'z̃/3, δs = s + μ s̃ and δz = z + μ z̃, the primal-dual scaling is the rank-3 matrix
/// H = s s'/(s'z) + δs δs'/(δs'δz) + t a a', a ⟂ z, z̃ (a unit vector), t = μ ||∇²f*(z) - s̃ s̃'/3 - r r'/(z̃'∇²f*(z) z̃ - 3μ̃²)||_F,
/// r = μ̃ s̃ - ∇²f*(z) z̃. It satisfies H z = s and H z̃ = s̃. Near the central path (μμ̃ ≈ 1), or when it is not positive definite,
/// the dual scaling H = μ∇²f*(z) is used. W is the transposed Cholesky factor of H (W'W = H), so W z = W^-T s = λ.
/// </para>
/// <para>
/// The Newton system for the central path s + μ∇f*(z) = 0 is Δs + H Δz = -d_s with d_s = s for the affine step and
/// d_s = s + σμ∇f*(z) - η for the combined step, η = ½ ∇³f*(z)[Δz_a, ∇²f*(z)^-1 Δs_a] the third-order correction from the affine
/// step (Dahl and Andersen). Step lengths are the exact boundary crossings (the membership functions are concave along a line),
/// found by bisection.
/// </para>
/// </summary>
public sealed class ExponentialCone : ICone
{
    /// <summary>The central point e of both K and K* (e = -∇f*(e) = -∇f(e)), used as the unit element and starting point.</summary>
    public static ReadOnlySpan<double> UnitPoint => [-1.0513839437502288, 0.5564096186043385, 1.2589678864644602];

    // Scaling H (full 3x3, row-major), its lower Cholesky factor L (H = L L', W = L'), the dual barrier's gradient and
    // Hessian at the scaling point z, and that z (for the third-order correction).
    private readonly double[] _h = new double[9], _l = new double[9], _grad = new double[3], _hDual = new double[9], _z = new double[3];

    private const double MachineEpsilon = 2.220446049250313e-16;

    private ExponentialCone() => SetIdentity();

    /// <summary>An exponential cone with identity scaling.</summary>
    public static ExponentialCone Create() => new();

    /// <inheritdoc/>
    public int Dimension => 3;
    /// <inheritdoc/>
    public int Degree => 3;
    /// <inheritdoc/>
    public bool HasDiagonalScaling => false;
    /// <inheritdoc/>
    public int HessianBlockLength => 6;
    /// <inheritdoc/>
    public bool IsSymmetric => false;

    private void SetIdentity()
    {
        Array.Clear(_h); Array.Clear(_l);
        for (int i = 0; i < 3; i++) { _h[4 * i] = 1; _l[4 * i] = 1; }
    }

    /// <summary>True when s is strictly inside K: y &gt; 0, z &gt; 0 and y log(z/y) - x &gt; 0.</summary>
    public static bool IsInPrimalInterior(ReadOnlySpan<double> s) => s[1] > 0 && s[2] > 0 && s[1] * Math.Log(s[2] / s[1]) - s[0] > 0;

    /// <summary>True when z is strictly inside K*: u &lt; 0, w &gt; 0 and ψ = v - u - u log(-w/u) &gt; 0.</summary>
    public static bool IsInDualInterior(ReadOnlySpan<double> z) => z[0] < 0 && z[2] > 0 && z[1] - z[0] - z[0] * Math.Log(-z[2] / z[0]) > 0;

    /// <inheritdoc/>
    public void AddScaledUnit(Span<double> x, double alpha)
    {
        var e = UnitPoint;
        for (int i = 0; i < 3; i++) x[i] += alpha * e[i];
    }

    /// <summary>Moves x strictly inside K (the primal cone) by adding the smallest power-of-two multiple of the unit point that does it.</summary>
    public void ShiftToInterior(Span<double> x)
    {
        if (IsInPrimalInterior(x)) return;
        Span<double> y = stackalloc double[3];
        for (double t = 1; t < 1e300; t *= 2)
        {
            x.CopyTo(y);
            AddScaledUnit(y, t);
            if (IsInPrimalInterior(y)) { y.CopyTo(x); return; }
        }
    }

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda) =>
        UpdateScaling(s, z, lambda, (s[0] * z[0] + s[1] * z[1] + s[2] * z[2]) / 3, dualScaling: false);

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda, double mu, bool dualScaling)
    {
        if (!IsInPrimalInterior(s) || !IsInDualInterior(z) || !(mu > 0)) return false;
        DualGradientAndHessian(z, _grad, _hDual);
        z.CopyTo(_z);
        bool ok = !dualScaling && PrimalDualScaling(s, z) && FactorScaling();
        if (!ok)
        {
            for (int i = 0; i < 9; i++) _h[i] = mu * _hDual[i];
            if (!FactorScaling()) return false;
        }
        MultiplyW(z, lambda);
        return true;
    }

    /// <summary>
    /// W from the Cholesky factor of H. Near the boundary H is positive definite but so ill-conditioned (condition number up to
    /// 1/ψ²) that the factorization can break down in rounding; then the diagonal is raised by 1e-15, 1e-14, ... times its
    /// largest entry until it succeeds, so W'W = H to that relative accuracy (H itself, as in the KKT block, is left exact).
    /// </summary>
    private bool FactorScaling()
    {
        if (Cholesky(_h, _l)) return true;
        double scale = Math.Max(_h[0], Math.Max(_h[4], _h[8]));
        if (!(scale > 0) || !double.IsFinite(scale)) return false;
        Span<double> shifted = stackalloc double[9];
        for (double delta = 1e-15; delta <= 1e-6; delta *= 10)
        {
            _h.AsSpan().CopyTo(shifted);
            for (int i = 0; i < 3; i++) shifted[4 * i] += delta * scale;
            if (Cholesky(shifted, _l)) return true;
        }
        return false;
    }

    /// <summary>The rank-3 primal-dual scaling into _h (see the class remarks); false when it is not applicable.</summary>
    private bool PrimalDualScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z)
    {
        Span<double> zt = stackalloc double[3], ds = stackalloc double[3], dz = stackalloc double[3], r = stackalloc double[3], a = stackalloc double[3];
        if (!PrimalGradient(s, zt)) return false;
        var st = _grad;
        double sz = Dot(s, z), mu = sz / 3, mut = Dot(st, zt) / 3;
        for (int i = 0; i < 3; i++) { ds[i] = s[i] + mu * st[i]; dz[i] = z[i] + mu * zt[i]; }
        double dsdz = Dot(ds, dz);
        // r = μ̃ s̃ - ∇²f* z̃; the quadratic form z̃'∇²f* z̃.
        double zhz = 0;
        for (int i = 0; i < 3; i++)
        {
            double hz = _hDual[3 * i] * zt[0] + _hDual[3 * i + 1] * zt[1] + _hDual[3 * i + 2] * zt[2];
            r[i] = mut * st[i] - hz;
            zhz += zt[i] * hz;
        }
        double de1 = mu * mut - 1, de2 = zhz - 3 * mut * mut;
        if (!(Math.Abs(de1) > Math.Sqrt(MachineEpsilon)) || !(Math.Abs(de2) > MachineEpsilon) || !(sz > 0) || !(dsdz > 0))
            return false;
        // t = μ ||∇²f* - s̃s̃'/3 - r r'/de2||_F.
        double fro = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double m = _hDual[3 * i + j] - st[i] * st[j] / 3 - r[i] * r[j] / de2;
                fro += m * m;
            }
        double t = mu * Math.Sqrt(fro);
        // a = z × z̃, normalized.
        a[0] = z[1] * zt[2] - z[2] * zt[1];
        a[1] = z[2] * zt[0] - z[0] * zt[2];
        a[2] = z[0] * zt[1] - z[1] * zt[0];
        double an = Math.Sqrt(Dot(a, a));
        if (!(an > 0)) return false;
        for (int i = 0; i < 3; i++) a[i] /= an;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                _h[3 * i + j] = s[i] * s[j] / sz + ds[i] * ds[j] / dsdz + t * a[i] * a[j];
        for (int i = 0; i < 9; i++) if (!double.IsFinite(_h[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public void MultiplyW(ReadOnlySpan<double> x, Span<double> y)
    {
        // y = L' x (L lower triangular, row-major).
        double x0 = x[0], x1 = x[1], x2 = x[2];
        y[0] = _l[0] * x0 + _l[3] * x1 + _l[6] * x2;
        y[1] = _l[4] * x1 + _l[7] * x2;
        y[2] = _l[8] * x2;
    }

    /// <inheritdoc/>
    public void MultiplyWTranspose(ReadOnlySpan<double> x, Span<double> y)
    {
        // y = L x.
        double x0 = x[0], x1 = x[1], x2 = x[2];
        y[0] = _l[0] * x0;
        y[1] = _l[3] * x0 + _l[4] * x1;
        y[2] = _l[6] * x0 + _l[7] * x1 + _l[8] * x2;
    }

    /// <inheritdoc/>
    public void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y)
    {
        // L' y = x by back substitution.
        double y2 = x[2] / _l[8];
        double y1 = (x[1] - _l[7] * y2) / _l[4];
        double y0 = (x[0] - _l[3] * y1 - _l[6] * y2) / _l[0];
        y[0] = y0; y[1] = y1; y[2] = y2;
    }

    /// <inheritdoc/>
    public void MultiplyWInverseTranspose(ReadOnlySpan<double> x, Span<double> y)
    {
        // L y = x by forward substitution.
        double y0 = x[0] / _l[0];
        double y1 = (x[1] - _l[3] * y0) / _l[4];
        double y2 = (x[2] - _l[6] * y0 - _l[7] * y1) / _l[8];
        y[0] = y0; y[1] = y1; y[2] = y2;
    }

    /// <inheritdoc/>
    public void GetHessianBlock(Span<double> block)
    {
        // Upper triangle packed by column: (0,0), (0,1), (1,1), (0,2), (1,2), (2,2).
        block[0] = _h[0]; block[1] = _h[1]; block[2] = _h[4]; block[3] = _h[2]; block[4] = _h[5]; block[5] = _h[8];
    }

    /// <summary>Not defined: the exponential cone has no Jordan algebra (the method uses <see cref="CombinedComplementarity"/>).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) =>
        throw new NotSupportedException("the exponential cone has no Jordan product; use AffineComplementarity and CombinedComplementarity");

    /// <summary>Not defined: the exponential cone has no Jordan algebra (the method uses <see cref="SlackOffset"/>).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result) =>
        throw new NotSupportedException("the exponential cone has no Jordan division; use SlackOffset and SlackStep");

    /// <inheritdoc/>
    public void AffineComplementarity(ReadOnlySpan<double> s, ReadOnlySpan<double> lambda, Span<double> ds) => s.CopyTo(ds);

    /// <inheritdoc/>
    public void CombinedComplementarity(ReadOnlySpan<double> s, ReadOnlySpan<double> lambda, ReadOnlySpan<double> stepS, ReadOnlySpan<double> stepZ,
        double sigmaMu, bool secondOrder, Span<double> ds, Span<double> work1, Span<double> work2, Span<double> work3)
    {
        // d_s = s + σμ∇f*(z) - η.
        for (int i = 0; i < 3; i++) ds[i] = s[i] + sigmaMu * _grad[i];
        if (!secondOrder) return;
        ThirdOrderCorrection(stepS, stepZ, work1);
        for (int i = 0; i < 3; i++) ds[i] -= work1[i];
    }

    /// <summary>
    /// η = ½ ∇³f*(z)[Δz, ∇²f*(z)^-1 Δs] at the scaling point z (zero when the dual Hessian cannot be factored).
    /// </summary>
    public void ThirdOrderCorrection(ReadOnlySpan<double> stepS, ReadOnlySpan<double> stepZ, Span<double> eta)
    {
        Span<double> l = stackalloc double[9], u = stackalloc double[3];
        if (!Cholesky(_hDual, l)) { eta.Clear(); return; }
        CholeskySolve(l, stepS, u);
        DualThirdDerivative(_z, stepZ, u, eta);
        for (int i = 0; i < 3; i++) eta[i] *= 0.5;
    }

    /// <summary>
    /// t = ∇³f*(z)[a, b], the derivative of ∇²f*(z) a in the direction b. With f* = -log ψ - log(-u) - log w:
    /// ∇³(-log ψ)[a, b] = -ψ'''[a, b]/ψ + ((ψ''a)(ψ'b) + (ψ''b)(ψ'a) + ψ' a'ψ''b)/ψ² - 2ψ'(ψ'a)(ψ'b)/ψ³, and the logarithms add
    /// -2 a_0 b_0/u³ and -2 a_2 b_2/w³.
    /// </summary>
    public static void DualThirdDerivative(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> t)
    {
        double u = z[0], v = z[1], w = z[2];
        double psi = v - u - u * Math.Log(-w / u);
        // ψ' = (log(-u/w), 1, -u/w); ψ'' has (u,u) = 1/u, (u,w) = -1/w, (w,w) = u/w².
        double g0 = Math.Log(-u / w), g1 = 1, g2 = -u / w;
        double ga = g0 * a[0] + g1 * a[1] + g2 * a[2], gb = g0 * b[0] + g1 * b[1] + g2 * b[2];
        double ha0 = a[0] / u - a[2] / w, ha2 = -a[0] / w + u * a[2] / (w * w);
        double hb0 = b[0] / u - b[2] / w, hb2 = -b[0] / w + u * b[2] / (w * w);
        double ahb = a[0] * hb0 + a[2] * hb2;
        // ψ'''[a, b] = (-a0 b0/u² + a2 b2/w², 0, (a0 b2 + a2 b0)/w² - 2u a2 b2/w³).
        double p0 = -a[0] * b[0] / (u * u) + a[2] * b[2] / (w * w);
        double p2 = (a[0] * b[2] + a[2] * b[0]) / (w * w) - 2 * u * a[2] * b[2] / (w * w * w);
        double psi2 = psi * psi, psi3 = psi2 * psi;
        t[0] = -p0 / psi + (ha0 * gb + hb0 * ga + g0 * ahb) / psi2 - 2 * g0 * ga * gb / psi3 - 2 * a[0] * b[0] / (u * u * u);
        t[1] = (g1 * ahb) / psi2 - 2 * g1 * ga * gb / psi3;
        t[2] = -p2 / psi + (ha2 * gb + hb2 * ga + g2 * ahb) / psi2 - 2 * g2 * ga * gb / psi3 - 2 * a[2] * b[2] / (w * w * w);
    }

    /// <inheritdoc/>
    public void SlackOffset(ReadOnlySpan<double> lambda, ReadOnlySpan<double> ds, Span<double> offset, Span<double> work) => ds.CopyTo(offset);

    /// <inheritdoc/>
    public void SlackStep(ReadOnlySpan<double> lambda, ReadOnlySpan<double> ds, ReadOnlySpan<double> stepZ, Span<double> stepS, Span<double> work1, Span<double> work2)
    {
        // Δs = -(d_s + H Δz).
        double z0 = stepZ[0], z1 = stepZ[1], z2 = stepZ[2];
        for (int i = 0; i < 3; i++) stepS[i] = -(ds[i] + _h[3 * i] * z0 + _h[3 * i + 1] * z1 + _h[3 * i + 2] * z2);
    }

    /// <inheritdoc/>
    public double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax) => BoundaryStep(x, dx, alphaMax, primal: true);

    /// <inheritdoc/>
    public double DualStepLength(ReadOnlySpan<double> z, ReadOnlySpan<double> dz, double alphaMax) => BoundaryStep(z, dz, alphaMax, primal: false);

    /// <summary>
    /// The largest α in [0, alphaMax] with x + α dx inside K (or K*), to the last bits: the membership function is concave along
    /// the line, so the interior points of the segment form an interval starting at 0, and its end is found by bisection.
    /// </summary>
    private static double BoundaryStep(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax, bool primal)
    {
        Span<double> y = stackalloc double[3];
        bool Inside(double a, Span<double> p, ReadOnlySpan<double> x, ReadOnlySpan<double> dx)
        {
            for (int i = 0; i < 3; i++) p[i] = x[i] + a * dx[i];
            return primal ? IsInPrimalInterior(p) : IsInDualInterior(p);
        }
        if (Inside(alphaMax, y, x, dx)) return alphaMax;
        double lo = 0, hi = alphaMax;
        for (int k = 0; k < 200 && hi - lo > 1e-16 * hi; k++)
        {
            double mid = 0.5 * (lo + hi);
            if (Inside(mid, y, x, dx)) lo = mid; else hi = mid;
        }
        return lo;
    }

    /// <summary>The primal barrier f(s) = -2 log y - log z - log((ω - 1)²/ω) (+infinity outside the interior).</summary>
    public double Barrier(ReadOnlySpan<double> x)
    {
        if (!IsInPrimalInterior(x)) return double.PositiveInfinity;
        double eps = OmegaMinusOne(x);
        return -2 * Math.Log(x[1]) - Math.Log(x[2]) - 2 * Math.Log(eps) + Log1P(eps);
    }

    /// <summary>
    /// ε = ω - 1 at s strictly inside K, from ε + log(1 + ε) = δ with δ = (y log(z/y) - x)/y (the relative margin): solving for
    /// ε directly keeps its relative accuracy near the boundary, where ω itself is 1 to many digits.
    /// </summary>
    private static double OmegaMinusOne(ReadOnlySpan<double> s) => OmegaMinusOne((s[1] * Math.Log(s[2] / s[1]) - s[0]) / s[1]);

    /// <summary>ε &gt; 0 solving ε + log(1 + ε) = δ for δ &gt; 0, by Newton's method (f is increasing and concave, so from below it converges monotonically).</summary>
    private static double OmegaMinusOne(double delta)
    {
        if (!(delta > 0)) return double.NaN;
        if (double.IsPositiveInfinity(delta)) return delta;
        // Start below the root: ε + log(1 + ε) <= 2ε gives ε >= δ/2; for large δ, ω ≈ (1 + δ) - log(1 + δ) is also below it.
        double e = delta < 2 ? 0.5 * delta : Math.Max(0.5 * delta, delta - Log1P(delta));
        for (int k = 0; k < 60; k++)
        {
            double f = e + Log1P(e) - delta, step = f / (1 + 1 / (1 + e));
            e -= step;
            if (Math.Abs(step) <= 1e-16 * e) break;
        }
        return e;
    }

    /// <inheritdoc/>
    public void BarrierGradient(ReadOnlySpan<double> x, Span<double> g) => PrimalGradient(x, g);

    /// <summary>y = ∇²f(s) v = ∇²f*(z̃)^-1 v with z̃ = -∇f(s).</summary>
    public void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y)
    {
        Span<double> zt = stackalloc double[3], grad = stackalloc double[3], h = stackalloc double[9], l = stackalloc double[9];
        PrimalGradient(x, zt);
        for (int i = 0; i < 3; i++) zt[i] = -zt[i];
        DualGradientAndHessian(zt, grad, h);
        if (!Cholesky(h, l)) { y.Fill(double.NaN); return; }
        CholeskySolve(l, v, y);
    }

    /// <summary>The dual barrier f*(z) = -log ψ - log(-u) - log w (+infinity outside the interior of K*).</summary>
    public double DualBarrier(ReadOnlySpan<double> z)
    {
        if (!IsInDualInterior(z)) return double.PositiveInfinity;
        double psi = z[1] - z[0] - z[0] * Math.Log(-z[2] / z[0]);
        return -Math.Log(psi) - Math.Log(-z[0]) - Math.Log(z[2]);
    }

    /// <summary>
    /// ∇f(s) = (1/(ε y), (y - x)/(ε y²) - 2/y, -(1 + ε)/(ε z)) with ε = ω - 1 (the middle entry is ∇f_0 (1 + log(ω y/z)) - 1/y,
    /// simplified with ε + log(1 + ε) = log(z/y) - x/y); false (and NaN) outside the interior.
    /// </summary>
    public static bool PrimalGradient(ReadOnlySpan<double> s, Span<double> g)
    {
        if (!IsInPrimalInterior(s)) { g.Fill(double.NaN); return false; }
        double x = s[0], y = s[1], z = s[2];
        double eps = OmegaMinusOne(s);
        g[0] = 1 / (eps * y);
        g[1] = (y - x) / (eps * y * y) - 2 / y;
        g[2] = -(1 + eps) / (eps * z);
        return double.IsFinite(g[0]) && double.IsFinite(g[1]) && double.IsFinite(g[2]);
    }

    /// <summary>
    /// The gradient and Hessian (full 3x3, row-major) of f* at z strictly inside K*: ∇f* = -ψ'/ψ - (1/u, 0, 1/w),
    /// ∇²f* = -ψ''/ψ + ψ'ψ''/ψ² + diag(1/u², 0, 1/w²).
    /// </summary>
    public static void DualGradientAndHessian(ReadOnlySpan<double> z, Span<double> grad, Span<double> hessian)
    {
        double u = z[0], v = z[1], w = z[2];
        double psi = v - u - u * Math.Log(-w / u);
        Span<double> g = [Math.Log(-u / w), 1, -u / w];
        grad[0] = -g[0] / psi - 1 / u;
        grad[1] = -g[1] / psi;
        grad[2] = -g[2] / psi - 1 / w;
        double psi2 = psi * psi;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) hessian[3 * i + j] = g[i] * g[j] / psi2;
        hessian[0] += -1 / (u * psi) + 1 / (u * u);
        hessian[2] += 1 / (w * psi);
        hessian[6] += 1 / (w * psi);
        hessian[8] += -u / (w * w * psi) + 1 / (w * w);
    }

    /// <summary>log(1 + e) to full relative accuracy for small e (Goldberg's correction: log(u) e/(u - 1) with u = 1 + e rounded).</summary>
    private static double Log1P(double e)
    {
        double u = 1 + e;
        return u == 1 ? e : Math.Log(u) * e / (u - 1);
    }

    /// <summary>ω solving ω + log ω = r for r &gt;= 1 (the Wright omega function there; ω &gt;= 1).</summary>
    public static double WrightOmega(double r) => r == 1 ? 1 : 1 + OmegaMinusOne(r - 1);

    /// <summary>Lower Cholesky factor of a symmetric positive definite 3x3 matrix (row-major); false when not positive definite.</summary>
    private static bool Cholesky(ReadOnlySpan<double> a, Span<double> l)
    {
        l.Clear();
        for (int j = 0; j < 3; j++)
        {
            double d = a[4 * j];
            for (int k = 0; k < j; k++) d -= l[3 * j + k] * l[3 * j + k];
            if (!(d > 0) || !double.IsFinite(d)) return false;
            l[4 * j] = Math.Sqrt(d);
            for (int i = j + 1; i < 3; i++)
            {
                double v = a[3 * i + j];
                for (int k = 0; k < j; k++) v -= l[3 * i + k] * l[3 * j + k];
                l[3 * i + j] = v / l[4 * j];
            }
        }
        return true;
    }

    /// <summary>x = (L L')^-1 b.</summary>
    private static void CholeskySolve(ReadOnlySpan<double> l, ReadOnlySpan<double> b, Span<double> x)
    {
        double y0 = b[0] / l[0];
        double y1 = (b[1] - l[3] * y0) / l[4];
        double y2 = (b[2] - l[6] * y0 - l[7] * y1) / l[8];
        double x2 = y2 / l[8];
        double x1 = (y1 - l[7] * x2) / l[4];
        double x0 = (y0 - l[3] * x1 - l[6] * x2) / l[0];
        x[0] = x0; x[1] = x1; x[2] = x2;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
