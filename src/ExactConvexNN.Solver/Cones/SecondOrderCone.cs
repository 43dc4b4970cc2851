namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// The second-order cone {(t, u) : ||u||_2 &lt;= t}, t first. With J = diag(1, -1, ..., -1):
/// NT scaling W = η [[w0, w1'], [w1, I + w1 w1'/(1 + w0)]] with w'Jw = 1 (a hyperbolic Householder matrix),
/// W'W = η² (2 w w' - J); Jordan product x ∘ y = (x'y, x0 y1 + y0 x1); barrier f(x) = -½ log(x'Jx), degree 1.
/// The W'W block is dense; it is packed as an upper triangle column by column.
/// </summary>
public sealed class SecondOrderCone : ICone
{
    /// <summary>Points whose margin (min eigenvalue) is below this are shifted inside at initialization (√ε).</summary>
    internal const double ShiftThreshold = 1.4901161193847656e-8;

    private readonly double[] _w;
    private double _eta = 1.0;

    private SecondOrderCone(int dimension) { _w = new double[dimension]; _w[0] = 1.0; }

    /// <summary>A second-order cone of dimension at least 1, with identity scaling.</summary>
    public static SecondOrderCone Create(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        return new SecondOrderCone(dimension);
    }

    /// <inheritdoc/>
    public int Dimension => _w.Length;
    /// <inheritdoc/>
    public int Degree => 1;
    /// <inheritdoc/>
    public bool HasDiagonalScaling => false;
    /// <inheritdoc/>
    public int HessianBlockLength => _w.Length * (_w.Length + 1) / 2;

    /// <summary>x'Jx = x0² - ||x1||².</summary>
    private static double JNorm2(ReadOnlySpan<double> x)
    {
        double r = 0;
        for (int i = 1; i < x.Length; i++) r += x[i] * x[i];
        return x[0] * x[0] - r;
    }

    /// <summary>Margin x0 - ||x1|| (the smallest eigenvalue of x).</summary>
    private static double Margin(ReadOnlySpan<double> x)
    {
        double r = 0;
        for (int i = 1; i < x.Length; i++) r += x[i] * x[i];
        return x[0] - Math.Sqrt(r);
    }

    /// <inheritdoc/>
    public void AddScaledUnit(Span<double> x, double alpha) => x[0] += alpha;

    /// <inheritdoc/>
    public void ShiftToInterior(Span<double> x)
    {
        double margin = Margin(x);
        if (margin < ShiftThreshold) x[0] += 1.0 - margin;
    }

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda)
    {
        double sres = JNorm2(s), zres = JNorm2(z);
        if (!(sres > 0) || !(zres > 0) || !(s[0] > 0) || !(z[0] > 0)) return false;
        double sn = Math.Sqrt(sres), zn = Math.Sqrt(zres);
        // Normalized s̄ = s/√(s'Js), z̄ = z/√(z'Jz); γ = √((1 + s̄'z̄)/2).
        double dot = 0;
        for (int i = 0; i < s.Length; i++) dot += s[i] * z[i];
        double gamma = Math.Sqrt((1.0 + dot / (sn * zn)) / 2.0);
        // w = (s̄ + J z̄) / (2γ), η = (s'Js / z'Jz)^¼.
        _w[0] = (s[0] / sn + z[0] / zn) / (2 * gamma);
        for (int i = 1; i < _w.Length; i++) _w[i] = (s[i] / sn - z[i] / zn) / (2 * gamma);
        _eta = Math.Sqrt(sn / zn);
        MultiplyW(z, lambda);
        return true;
    }

    /// <inheritdoc/>
    public void MultiplyW(ReadOnlySpan<double> x, Span<double> y) => Apply(x, y, 1.0, _eta);

    /// <inheritdoc/>
    public void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y) => Apply(x, y, -1.0, 1.0 / _eta);

    /// <summary>y = scale [[w0, sign w1'], [sign w1, I + w1 w1'/(1 + w0)]] x (sign -1 gives the inverse up to η).</summary>
    private void Apply(ReadOnlySpan<double> x, Span<double> y, double sign, double scale)
    {
        double w1x1 = 0;
        for (int i = 1; i < _w.Length; i++) w1x1 += _w[i] * x[i];
        double x0 = x[0];
        // y1 = x1 + (sign x0 + w1'x1/(1+w0)) w1 ; y0 = w0 x0 + sign w1'x1.
        double c = sign * x0 + w1x1 / (1.0 + _w[0]);
        for (int i = 1; i < _w.Length; i++) y[i] = scale * (x[i] + c * _w[i]);
        y[0] = scale * (_w[0] * x0 + sign * w1x1);
    }

    /// <inheritdoc/>
    public void GetHessianBlock(Span<double> block)
    {
        // (W'W)_ij = η² (2 w_i w_j - J_ij), packed upper by column: index j(j+1)/2 + i.
        double e2 = _eta * _eta;
        int k = 0;
        for (int j = 0; j < _w.Length; j++)
            for (int i = 0; i <= j; i++, k++)
                block[k] = e2 * (2 * _w[i] * _w[j] - (i != j ? 0.0 : i == 0 ? 1.0 : -1.0));
    }

    /// <summary>
    /// The sparse expansion W'W = diag(d) + u u' - v v' used by KKT systems for large cones (d, u, v of length
    /// <see cref="Dimension"/>), from W'W = η²(2ww' - J) with d = η²(d0, 1, ..., 1), u = η(2w0/α, α w1),
    /// v = η(0, β w1), α² = 2 + β²: the cross terms give 2 w0 w1 and the tail (α² - β²) w1 w1' = 2 w1 w1'.
    /// β² is chosen in (2/(2w0² - 1), 1/||w1||²) so that d0 = (β²(2w0² - 1) - 2)/α² &gt; 0 and v'diag(d)^-1 v &lt; 1:
    /// the block [[-diag(d), v], [v', -1]] is then negative definite and the expanded KKT matrix stays quasi-definite.
    /// </summary>
    public void GetHessianExpansion(Span<double> d, Span<double> u, Span<double> v)
    {
        double w0 = _w[0], e2 = _eta * _eta;
        double tail = 0;
        for (int i = 1; i < _w.Length; i++) tail += _w[i] * _w[i];
        double lower = 2.0 / (2 * w0 * w0 - 1);
        double beta2 = tail > 0 ? 0.5 * (lower + 1.0 / tail) : 2 * lower;
        double alpha2 = 2 + beta2, alpha = Math.Sqrt(alpha2), beta = Math.Sqrt(beta2);
        d.Fill(e2);
        d[0] = e2 * (beta2 * (2 * w0 * w0 - 1) - 2) / alpha2;
        u[0] = _eta * 2 * w0 / alpha;
        v[0] = 0.0;
        for (int i = 1; i < _w.Length; i++) { u[i] = _eta * alpha * _w[i]; v[i] = _eta * beta * _w[i]; }
    }

    /// <inheritdoc/>
    public void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result)
    {
        // x ∘ y = (x'y, x0 y1 + y0 x1).
        double dot = 0;
        for (int i = 0; i < x.Length; i++) dot += x[i] * y[i];
        double x0 = x[0], y0 = y[0];
        for (int i = 1; i < x.Length; i++) result[i] = x0 * y[i] + y0 * x[i];
        result[0] = dot;
    }

    /// <inheritdoc/>
    public void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result)
    {
        // λ ∘ u = v:  u0 = (λ0 v0 - λ1'v1) / (λ'Jλ),  u1 = (v1 - u0 λ1) / λ0.
        double l0 = lambda[0], l1v1 = 0;
        for (int i = 1; i < lambda.Length; i++) l1v1 += lambda[i] * v[i];
        double u0 = (l0 * v[0] - l1v1) / JNorm2(lambda);
        for (int i = 1; i < lambda.Length; i++) result[i] = (v[i] - u0 * lambda[i]) / l0;
        result[0] = u0;
    }

    /// <inheritdoc/>
    public double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax)
    {
        // Boundary crossings of x + α dx: roots of a α² + b α + c = 0 (a = dx'Jdx, b = 2 x'Jdx, c = x'Jx > 0)
        // and of x0 + α dx0 = 0; the step is the smallest positive one.
        double alpha = alphaMax;
        if (dx[0] < 0) alpha = Math.Min(alpha, -x[0] / dx[0]);
        double a = JNorm2(dx), c = JNorm2(x), b = x[0] * dx[0];
        for (int i = 1; i < x.Length; i++) b -= x[i] * dx[i];
        b *= 2;
        if (a == 0)
        {
            if (b < 0) alpha = Math.Min(alpha, -c / b);
        }
        else
        {
            double disc = b * b - 4 * a * c;
            if (disc >= 0)
            {
                // Stable roots: t = -(b + sign(b) √disc)/2, r1 = t/a, r2 = c/t.
                double t = -0.5 * (b + (b >= 0 ? 1 : -1) * Math.Sqrt(disc));
                double r1 = t / a, r2 = t != 0 ? c / t : double.PositiveInfinity;
                if (r1 > 0) alpha = Math.Min(alpha, r1);
                if (r2 > 0) alpha = Math.Min(alpha, r2);
            }
        }
        return Math.Max(alpha, 0.0);
    }

    /// <inheritdoc/>
    public double Barrier(ReadOnlySpan<double> x)
    {
        double r = JNorm2(x);
        return r > 0 && x[0] > 0 ? -0.5 * Math.Log(r) : double.PositiveInfinity;
    }

    /// <inheritdoc/>
    public void BarrierGradient(ReadOnlySpan<double> x, Span<double> g)
    {
        // ∇f = -J x / (x'Jx).
        double r = JNorm2(x);
        g[0] = -x[0] / r;
        for (int i = 1; i < x.Length; i++) g[i] = x[i] / r;
    }

    /// <inheritdoc/>
    public void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y)
    {
        // ∇²f v = 2 (Jx)(Jx)'v / (x'Jx)² - J v / (x'Jx).
        double r = JNorm2(x);
        double jxv = x[0] * v[0];
        for (int i = 1; i < x.Length; i++) jxv -= x[i] * v[i];
        double c = 2 * jxv / (r * r);
        y[0] = c * x[0] - v[0] / r;
        for (int i = 1; i < x.Length; i++) y[i] = -c * x[i] + v[i] / r;
    }
}
